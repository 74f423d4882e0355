"""The lint and type gates of `make test` (issue 12): ruff over the repo, mypy over src/.

The same three checks as `make lint`: `ruff check`, `ruff format --check` and mypy.
Versions are pinned in requirements-dev.txt; settings live in pyproject.toml.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,  # the assertion shows the tool's findings
    )


def test_ruff_finds_nothing_in_the_repository():
    result = _run("ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_repository_is_formatted_as_ruff_formats_it():
    result = _run("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr + "\nrun: make format"


def test_mypy_finds_nothing_in_the_lambda_code():
    # `files = ["src"]` and the strictness settings come from pyproject.toml [tool.mypy]
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues found" in result.stdout
