"""Concurrency benchmark: 10 parallel photo uploads through the local stack.

Issue 10: with one execution environment per function, parallel calls queue, so 10
parallel uploads finish in a staircase (each waits for the ones before it). This starts a
fresh local stack per setting (``python -m local_stack run --concurrency N``), signs a
user up through the API (code from the dev inbox), and sends ``--parallel`` simultaneous
``POST /photos`` multipart uploads of a small real PNG, in waves:

- wave 1 includes the cold starts of every environment the wave needs;
- waves 2.. are warm (the environments exist): the steady state.

It reports, per setting, the wall-clock total of each wave and the p95 and median of the
single requests' latencies over the warm waves. ``--concurrency 1`` is the old behaviour
(one environment per function, the baseline measured in the same run).

Usage: ``make bench`` or ``python bench/concurrent_uploads.py [--settings 1,4]
[--parallel 10] [--waves 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Correct-Horse-9"


def png_bytes(side: int) -> bytes:
    """A real PNG (RFC 2083 layout) of noise: ``side`` x ``side`` RGB, about 3 x side² bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + os.urandom(3 * side) for _ in range(side))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def measure(parallel: int, waves: int, side: int) -> dict:
    """Run inside ``local_stack run``: sign up, then the upload waves; JSON on stdout."""
    import requests

    api = os.environ["MOMENTS_API_URL"]
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    requests.post(
        f"{api}/auth/sign-up", json={"email": email, "password": PASSWORD}, timeout=60
    ).raise_for_status()
    messages = requests.get(f"{api}/_local/inbox/{email}", timeout=10).json()["messages"]
    requests.post(
        f"{api}/auth/confirm", json={"email": email, "code": messages[0]["code"]}, timeout=60
    ).raise_for_status()
    tokens = requests.post(
        f"{api}/auth/sign-in", json={"email": email, "password": PASSWORD}, timeout=60
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    image = png_bytes(side)

    def upload(n: int) -> float:
        started = time.perf_counter()
        response = requests.post(
            f"{api}/photos",
            headers=headers,
            timeout=120,
            files={"file": (f"p{n}.png", image, "image/png")},
        )
        assert response.status_code == 201, response.text
        return (time.perf_counter() - started) * 1000

    results = []
    with ThreadPoolExecutor(parallel) as pool:
        for _ in range(waves):
            started = time.perf_counter()
            latencies = list(pool.map(upload, range(parallel)))
            results.append(
                {"total_ms": (time.perf_counter() - started) * 1000, "latencies_ms": latencies}
            )
    return {"waves": results}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--settings", default="1,4", help="concurrency settings to compare")
    parser.add_argument("--parallel", type=int, default=10)
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument(
        "--side", type=int, default=512, help="image side in pixels (512: a 0.75 MiB PNG)"
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.parallel, args.waves, args.side)))
        return 0

    size = len(png_bytes(args.side))
    print(
        f"{args.parallel} parallel POST /photos ({args.side}x{args.side} PNG, {size} bytes), "
        f"{args.waves} waves per setting"
    )
    print(
        f"{'concurrency':>12}{'wave 1 total':>14}{'warm total':>12}{'warm p50':>10}"
        f"{'warm p95':>10}  (ms; warm = median over waves 2..)"
    )
    for setting in [int(s) for s in args.settings.split(",")]:
        command = [
            sys.executable,
            "-m",
            "local_stack",
            "run",
            "--concurrency",
            str(setting),
            "--log-file",
            os.devnull,
            "--",
            sys.executable,
            str(Path(__file__).resolve()),
            "--measure",
            "--parallel",
            str(args.parallel),
            "--waves",
            str(args.waves),
            "--side",
            str(args.side),
        ]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        waves = json.loads(done.stdout.strip().splitlines()[-1])["waves"]
        warm = waves[1:] or waves
        latencies = [ms for wave in warm for ms in wave["latencies_ms"]]
        print(
            f"{setting:>12}{waves[0]['total_ms']:>14.0f}"
            f"{statistics.median(w['total_ms'] for w in warm):>12.0f}"
            f"{statistics.median(latencies):>10.0f}{p95(latencies):>10.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
