"""Fuzzing budget: the schemathesis run of ``make test``, timed (issue 12).

Issue 12 asks for at least 1,000 fuzzed cases within 90 s. ``tests/e2e/test_openapi_fuzz.py``
asserts the count and what the responses must be; timing belongs here, not in a test. This
runs the very same :func:`fuzz` (imported from that module: same operations, phases, seed
and checks) ``--runs`` times against one fresh local stack, and reports per run and as
medians: the cases, the seconds, cases per second, and the seconds spent waiting for
responses.

Baseline, measured in the same run: as many plain ``GET /auth/config`` requests as the
fuzz sent, on one connection. The ratio to it is what generation and checking cost on top
of the stack's own round trips; compare ratios between machines, not seconds.

Usage (``make bench-fuzz``)::

    python -m local_stack run -- python bench/openapi_fuzz.py [--runs 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

import requests

ROOT = Path(__file__).resolve().parent.parent
TEST_MODULE = ROOT / "tests" / "e2e" / "test_openapi_fuzz.py"


def _load_fuzz_module() -> ModuleType:
    """The test module, imported by path (``tests/e2e`` is not a package)."""
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    spec = importlib.util.spec_from_file_location("openapi_fuzz_test", TEST_MODULE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def _baseline(api: str, requests_count: int) -> float:
    """Seconds for ``requests_count`` plain ``GET /auth/config`` on one session."""
    session = requests.Session()
    started = time.perf_counter()
    for _ in range(requests_count):
        session.get(f"{api}/auth/config", timeout=30).raise_for_status()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark against ``$MOMENTS_API_URL``; exit 1 if a run breaks the budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    api = os.environ.get("MOMENTS_API_URL")
    if not api:
        print("run me under `python -m local_stack run -- ...` (make bench-fuzz)", file=sys.stderr)
        return 2
    fuzz_module = _load_fuzz_module()
    seconds, cases, waiting, baselines = [], [], [], []
    for run in range(1, args.runs + 1):
        report = fuzz_module.fuzz(api)
        total = sum(report.cases.values())
        baseline = _baseline(api, total)
        seconds.append(report.seconds)
        cases.append(total)
        waiting.append(sum(report.http_seconds.values()))
        baselines.append(baseline)
        failures = f", {len(report.failures)} failing checks" if report.failures else ""
        print(
            f"run {run}: {total} cases in {report.seconds:.1f} s ({total / report.seconds:.0f}/s;"
            f" {waiting[-1]:.1f} s waiting for responses); baseline {baseline:.1f} s for "
            f"{total} plain requests{failures}",
            flush=True,
        )
    median_s, median_base = statistics.median(seconds), statistics.median(baselines)
    print(
        f"median: {statistics.median(cases):.0f} cases in {median_s:.1f} s "
        f"(budget: >= {fuzz_module.MIN_CASES} cases in <= {fuzz_module.MAX_SECONDS:.0f} s); "
        f"{median_s / median_base:.1f}x the baseline's {median_base:.1f} s"
    )
    within = min(cases) >= fuzz_module.MIN_CASES and max(seconds) <= fuzz_module.MAX_SECONDS
    return 0 if within else 1


if __name__ == "__main__":
    raise SystemExit(main())
