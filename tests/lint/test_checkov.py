"""checkov over template.yaml as each samconfig.toml environment deploys it (issue 24).

The same scan as `make lint` (tools/checkov_scan.py). checkov is pinned in
requirements-checkov.txt and lives in its own virtualenv, .venv-checkov, which `make test`
and `make lint` install; settings in .checkov.yaml, exceptions on their resources in the
template (docs/deploy.md, "checkov").
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Two checkov runs of ~7 s CPU each: started early, beside the other modules.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


@pytest.fixture(scope="module")
def checkov() -> Path:
    if not CHECKOV.exists():
        message = f"no {CHECKOV.relative_to(ROOT)}: `make test` and `make lint` install it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHECKOV


def _scan(checkov: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.checkov_scan", "--checkov", str(checkov), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,  # the assertion shows checkov's findings
    )


def test_checkov_finds_nothing_in_the_template_in_any_environment(checkov):
    result = _scan(checkov)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Failed checks: 0," in result.stdout


def test_a_finding_without_its_skip_fails_the_build(checkov, tmp_path):
    """One skip turned off on a resource of every stack (RevocationsTable) and one on a
    resource only prod creates (AccessLogBucket, `Condition: UseAccessLogs`), which only
    the scan of prod's parameters can see."""
    text = (ROOT / "template.yaml").read_text()
    for check, resource in (("CKV_AWS_28", "RevocationsTable"), ("CKV_AWS_18", "AccessLogBucket")):
        start = text.index(f"\n  {resource}:\n")
        skip = text.index(f"- id: {check}\n", start)
        assert skip < text.index("Properties:", start), (check, resource)  # its own Metadata
        text = text[:skip] + "- id: CKV_AWS_NONE\n" + text[skip + len(f"- id: {check}\n") :]
    template = tmp_path / "template.yaml"
    template.write_text(text)
    result = _scan(checkov, "--template", str(template))
    assert result.returncode == 1, result.stdout + result.stderr
    failed = sorted(line.strip() for line in result.stdout.splitlines() if "FAILED for" in line)
    # template.yaml itself (its conditions are samconfig's default and dev's) and prod's
    assert failed == [
        *["FAILED for resource: AWS::DynamoDB::Table.RevocationsTable"] * 2,
        "FAILED for resource: AWS::S3::Bucket.AccessLogBucket",
    ], result.stdout
