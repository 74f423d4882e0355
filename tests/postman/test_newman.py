"""The Postman collection passes end to end under newman against a fresh local stack.

This is how newman joins `make test`. The stack runs as a subprocess on free ports
(`python -m local_stack run -- ...` picks them and passes MOMENTS_API_URL to newman).
Without Node.js the test is skipped, unless CI=true, where a missing tool is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import newman

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]


def _require_node() -> None:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if not missing:
        return
    message = f"{' and '.join(missing)} not on PATH: newman needs Node.js 18+"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def test_the_collection_runs_top_to_bottom_with_no_failures(tmp_path):
    # Given: Node.js and the pinned newman (npm ci on first use)
    _require_node()
    newman.ensure_newman()
    report = tmp_path / "newman.json"

    # When: the collection runs against a fresh local stack with the local environment
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "local_stack",
            "run",
            "--log-file",
            str(tmp_path / "stack.log"),
            "--",
            sys.executable,
            "-m",
            "tools.newman",
            "--json-report",
            str(report),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )

    # Then: every request ran and every assertion passed
    assert report.exists(), f"newman wrote no report:\n{result.stdout}\n{result.stderr}"
    run = json.loads(report.read_text())["run"]
    failures = [
        f"{failure['source'].get('name', '?')}: {failure['error'].get('test', '')} "
        f"{failure['error'].get('message', '')}"
        for failure in run["failures"]
    ]
    assert failures == [], "\n".join(failures)
    assert run["stats"]["assertions"]["failed"] == 0
    assert run["stats"]["requests"]["total"] >= 35
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
