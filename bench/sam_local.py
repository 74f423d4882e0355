"""``sam local start-api`` (``make sam-local``) against ``make dev``: first request and
warm latency per route, over real HTTP.

Each backend is started on free ports and gets one confirmed, signed-in user. Then, per
route (``GET /auth/config``, ``GET /photos``, ``GET /photos/{id}``): the **first**
request (the function's first invocation: a container start and the function's init
under SAM; a worker start under ``make dev``), then ``--requests`` warm requests, the two
backends alternating request by request (A/B interleaved), so load from other processes
hits both alike. ``sam local`` runs twice, with ``--warm-containers LAZY`` (containers
start at a function's first request) and ``EAGER`` (all start with SAM), and its start-up
time is reported for each.

Needs Docker (see docs/sam-local.md). Usage: ``make bench`` or
``python bench/sam_local.py [--requests 30] [--modes LAZY,EAGER]``.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.stack import start_stack, stop_stack
from tools.docker_host import docker_problem

PASSWORD = "Correct-Horse-9"
ROUTES = ("GET /auth/config", "GET /photos", "GET /photos/{id}")
PHOTO_ID = "01JCK0000000000000000000AA"


def sign_in(api: str, inbox: str) -> str:
    """A new confirmed user's access token (codes from the dev inbox at ``inbox``)."""
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    requests.post(f"{api}/auth/sign-up", json={"email": email, "password": PASSWORD}, timeout=120)
    messages = requests.get(f"{inbox}/_local/inbox/{email}", timeout=30).json()["messages"]
    code = next(m["code"] for m in messages if m["kind"] == "sign_up")
    requests.post(f"{api}/auth/confirm", json={"email": email, "code": code}, timeout=120)
    response = requests.post(
        f"{api}/auth/sign-in", json={"email": email, "password": PASSWORD}, timeout=120
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def timed(api: str, route: str, token: str) -> float:
    """Milliseconds for one request of ``route`` (a 2xx or the made-up photo's 404)."""
    method, path = route.split(" ", 1)
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    response = requests.request(
        method, api + path.replace("{id}", PHOTO_ID), headers=headers, timeout=120
    )
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code not in (200, 404):
        raise RuntimeError(f"{route}: {response.status_code} {response.text[:200]}")
    return elapsed


def measure(backends: dict[str, tuple[str, str]], count: int) -> dict[str, dict[str, list]]:
    """backend -> route -> [first ms, warm ms...]; warm requests interleaved. A backend
    whose functions already ran (``make dev`` after the first mode) has no first: NaN."""
    results: dict[str, dict[str, list[float]]] = {name: {} for name in backends}
    for route in ROUTES:
        for name, (api, token) in backends.items():
            first = timed(api, route, token)
            results[name][route] = [first if "(warm)" not in name else float("nan")]
        for _ in range(count):
            for name, (api, token) in backends.items():
                results[name][route].append(timed(api, route, token))
    return results


def start_sam_local(mode: str, log_path: Path) -> tuple[subprocess.Popen[bytes], dict, float]:
    """``python -m tools.sam_local`` (what ``make sam-local`` runs) on free ports; returns
    the process, its info and the seconds until it answered."""
    info_file = log_path.with_suffix(".json")
    started = time.monotonic()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.sam_local", "--api-port=0", "--hosted-ui-port=0",
             "--emulator-port=0", "--local-port=0", f"--warm-containers={mode}",
             f"--info-file={info_file}"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    while not info_file.exists():
        if process.poll() is not None:
            raise RuntimeError(f"sam-local did not start; see {log_path}")
        time.sleep(0.5)
    return process, json.loads(info_file.read_text()), time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--modes", default="LAZY,EAGER")
    args = parser.parse_args()
    problem = docker_problem()
    if problem:
        print(f"bench/sam_local.py: skipped, {problem}")
        return 0
    log_dir = Path(tempfile.mkdtemp(prefix="bench-sam-local-"))
    dev = start_stack(log_dir / "make-dev.log")
    modes = args.modes.split(",")
    try:
        dev_token = sign_in(dev.api_url, dev.api_url)
        print(f"sam local vs make dev, {args.requests} warm requests per route (ms)")
        print(f"{'backend':<22} {'route':<18} {'first':>8} {'warm p50':>9} {'warm p90':>9}")
        for mode in modes:
            process, info, start_s = start_sam_local(mode, log_dir / f"sam-local-{mode}.log")
            try:
                token = sign_in(info["api_url"], info["local_url"])
                dev_name = "make dev" if mode == modes[0] else "make dev (warm)"
                backends = {
                    f"sam local ({mode})": (info["api_url"], token),
                    dev_name: (dev.api_url, dev_token),
                }
                report(measure(backends, args.requests))
            finally:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=120)
            print(f"  sam local ({mode}) start-up: {start_s:.1f} s {info['timings']}")
    finally:
        stop_stack(dev.process)
    print(f"logs: {log_dir}")
    return 0


def report(results: dict[str, dict[str, list[float]]]) -> None:
    for name, routes in results.items():
        for route, values in routes.items():
            warm = sorted(values[1:])
            p90 = warm[min(len(warm) - 1, int(len(warm) * 0.9))]
            print(
                f"{name:<22} {route:<18} {values[0]:>8.0f} "
                f"{statistics.median(warm):>9.1f} {p90:>9.1f}"
            )


if __name__ == "__main__":
    sys.exit(main())
