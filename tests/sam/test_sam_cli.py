"""The SAM CLI accepts the template: `sam validate --lint` (cfn-lint) and `sam build`.

These are the checks a user's `sam deploy` depends on, run offline. `sam build` downloads
the arm64 wheels of src/requirements.txt from PyPI, so it is the slowest test here.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAM = str(Path(sys.executable).with_name("sam"))

pytestmark = pytest.mark.sam


def run_sam(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    return subprocess.run(
        [SAM, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
        check=False,  # the tests assert on returncode and show stderr
    )


def test_template_passes_sam_validate_with_cfn_lint() -> None:
    # Given the repository's template.yaml
    # When the SAM CLI validates it with cfn-lint's rules
    result = run_sam("validate", "--lint", "--template-file", "template.yaml")
    # Then it is valid and lint-clean (no warning suppressed in the template)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_sam_build_packages_every_function_without_dev_code(tmp_path: Path) -> None:
    # Given a copy of the project (sam build writes next to the template)
    work = tmp_path / "project"
    shutil.copytree(
        ROOT,
        work,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", ".aws-sam", "node_modules", "test-output", "__pycache__"
        ),
    )
    # When it is built for Lambda
    result = run_sam("build", "--cached", "--parallel", cwd=work)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    build = work / ".aws-sam" / "build"
    # Then each function package has the handlers and their dependencies ...
    packages = [p for p in build.iterdir() if p.is_dir() and p.name.endswith("Function")]
    assert len(packages) >= 14
    for package in packages:
        assert (package / "shared" / "http.py").is_file(), package
        assert (package / "aws_lambda_powertools").is_dir(), package
        assert (package / "pydantic").is_dir(), package
        # ... and nothing dev-only ships: no emulator, local stack, tests or web assets.
        for dev_only in ("moto", "local_stack", "tests", "web", "samcli"):
            assert not (package / dev_only).exists(), f"{dev_only} shipped in {package.name}"
