"""Start-time benchmark: `make dev` time to first answer.

Starts ``python -m local_stack`` (as ``make dev`` does, with a fresh temporary
``--state-dir``) on free ports, and times, from ``Popen`` to the answer:

- ``health``: the first 200 from ``GET /_local/health`` (the API port answers);
- ``first route``: then the first answer of ``GET /auth/config`` (a Lambda route: the
  zygote forks the function's first execution environment, which imports its handler).

and ``CPU at health``: the CPU seconds (user + system, Linux ``/proc``) the stack's own
process had used when health answered, which other processes on a shared machine disturb
far less than wall time. Then it stops the stack with SIGINT (Ctrl-C). The table gives the
median and min-max of ``--runs`` starts per tree. With ``--compare DIR`` (another checkout
of the repository, e.g. ``git archive main | tar -x -C /tmp/ls-before``) the two trees'
runs are interleaved, in alternating order (A B, B A, A B, ...), so that load from other
processes falls on both; both use this interpreter (the same virtualenv).

Usage: ``python bench/stack_start.py [--runs 9] [--compare DIR]``.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The stack's own exit status for a taken port, and the suite's free-port helper (the
# compared tree is only the stack's cwd; these come from this checkout).
from local_stack.aws.moto_server import EXIT_PORT_IN_USE
from tests.support.stack import free_port


def _wait_for(url: str, process: subprocess.Popen, deadline: float) -> bool:
    """Poll ``url`` every 20 ms until it answers (any status); False if the stack exited."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            requests.get(url, timeout=10)
            return True
        except requests.RequestException:
            time.sleep(0.02)
    raise TimeoutError(url)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_once(tree: Path, timeout_s: float = 120.0) -> tuple[float, float, float] | None:
    """One start of the stack in ``tree``: (seconds to health, seconds to first route, CPU
    seconds at health), or None when a port was taken meanwhile (the caller retries)."""
    api, hosted_ui, emulator = free_port(), free_port(), free_port()
    with tempfile.TemporaryDirectory() as state:
        started = time.monotonic()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local_stack",
                "--api-port",
                str(api),
                "--hosted-ui-port",
                str(hosted_ui),
                "--emulator-port",
                str(emulator),
                "--state-dir",
                state,
            ],
            cwd=tree,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            deadline = started + timeout_s
            base = f"http://127.0.0.1:{api}"
            if not _wait_for(f"{base}/_local/health", process, deadline):
                if process.returncode == EXIT_PORT_IN_USE:
                    return None
                raise RuntimeError(f"stack in {tree} exited with {process.returncode}")
            health = time.monotonic() - started
            cpu = _cpu_seconds(process.pid)
            requests.get(f"{base}/auth/config", timeout=timeout_s).raise_for_status()
            return health, time.monotonic() - started, cpu
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--compare", type=Path, help="another tree, run interleaved")
    args = parser.parse_args()
    trees = {"this tree": ROOT}
    if args.compare:
        trees = {f"compare ({args.compare})": args.compare.resolve(), "this tree": ROOT}
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in trees}
    for run in range(args.runs):
        order = list(trees.items())
        for name, tree in order if run % 2 == 0 else reversed(order):
            result = None
            while result is None:
                result = start_once(tree)
            samples[name].append(result)
            print(
                f"run {run + 1} {name}: health {result[0]:.2f} s, first route {result[1]:.2f} s,"
                f" CPU at health {result[2]:.2f} s",
                file=sys.stderr,
            )
    print(
        "| tree | runs | health median (min-max) s | first route median (min-max) s"
        " | CPU at health median (min-max) s |"
    )
    print("|---|---|---|---|---|")
    for name, rows in samples.items():
        cells = []
        for column in (0, 1, 2):
            values = [row[column] for row in rows]
            cells.append(f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})")
        print(f"| {name} | {len(rows)} | {cells[0]} | {cells[1]} | {cells[2]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
