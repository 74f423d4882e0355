"""Cold-start benchmark: each Lambda's init cost against a bare boto3 handler's.

Issue 2 asks that every function import only what it uses, so that its cold start stays
close to that of a bare handler that imports boto3 and creates one client. Lambda's Init
phase is dominated by importing the handler module, so this measures, in a fresh
interpreter each time (as a new execution environment would):

- baseline: ``import boto3; boto3.client("cognito-idp")``;
- each function: ``import <its handler module>`` plus creating the one boto3 client that
  function uses (clients are created lazily on first use, so this is what a first
  request pays).

It reports medians over ``--runs`` fresh processes and each function's ratio to the
baseline measured in the same run (these machines are noisy; absolute milliseconds are
not comparable between runs). Usage: ``make bench`` or
``python bench/cold_start.py --runs 9``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

PROBE = """
import time, importlib
t0 = time.perf_counter()
{body}
print(time.perf_counter() - t0)
"""

BASELINE = 'import boto3\nboto3.client("cognito-idp")'


def function_bodies() -> dict[str, str]:
    """Handler module + its first client, per function, read from template.yaml."""
    sys.path.insert(0, str(ROOT))
    from local_stack.template import Template  # dev-only reader of template.yaml

    bodies: dict[str, str] = {}
    for function in Template.load(ROOT / "template.yaml").functions().values():
        module = function.handler.rsplit(".", 1)[0]
        service = "cognito-idp" if module.startswith("auth.") else "dynamodb"
        bodies[function.logical_id] = (
            f'importlib.import_module("{module}")\nimport boto3\nboto3.client("{service}")'
        )
    return bodies


def measure(body: str, runs: int) -> float:
    """Median seconds of ``body`` over ``runs`` fresh interpreters."""
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "USER_POOL_ID": "us-east-1_bench",
        "USER_POOL_CLIENT_ID": "bench",
        "COGNITO_DOMAIN_URL": "https://bench.auth.us-east-1.amazoncognito.com",
        "PHOTOS_TABLE_NAME": "bench",
        "PHOTOS_BUCKET_NAME": "bench",
    }
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(body=body)],
            env=env, capture_output=True, text=True, check=True,
        )
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per measurement")
    args = parser.parse_args()

    baseline = measure(BASELINE, args.runs)
    print(f"cold start (import + first client), median of {args.runs} fresh interpreters")
    print(f"{'function':<28}{'median ms':>10}{'x baseline':>12}")
    print(f"{'baseline: bare boto3':<28}{baseline * 1000:>10.1f}{1.0:>12.2f}")
    for name, body in sorted(function_bodies().items()):
        median = measure(body, args.runs)
        print(f"{name:<28}{median * 1000:>10.1f}{median / baseline:>12.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
