"""The SAM CLI accepts the template: `sam validate --lint` (cfn-lint) and `sam build`.

These are the checks a user's `sam deploy` depends on, run offline. `sam build` runs
src/Makefile (tools/build_function.py), which downloads each service's arm64 wheels from
PyPI, so it is the slowest test here. Each package is then zipped the way `sam package`
uploads it and checked: no AWS SDK (the runtime's is used), nothing dev-only, bytecode for
the runtime shipped.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAM = str(Path(sys.executable).with_name("sam"))

pytestmark = [pytest.mark.sam, pytest.mark.slow]

#: sys.implementation.cache_tag of the template's Runtime (python3.13).
RUNTIME_CACHE_TAG = "cpython-313"

#: Issue 11's budget per function, zipped as `sam package` uploads it (the deployment
#: package quota is 50 MB zipped; every MiB also costs cold-start download time).
MAX_ZIPPED_BYTES = 6 * 1024 * 1024
#: Functions that carry more than the service's own code, with their own budget:
#: ProcessPhotoFunction ships Pillow (decoding and renditions), about 2.6 MiB zipped after
#: tools/build_function.py drops the parts Moments never loads (PILLOW_UNUSED).
MAX_ZIPPED_BYTES_FOR = {"ProcessPhotoFunction": 8 * 1024 * 1024}


def run_sam(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # BUILD_PYTHON: src/Makefile runs the build script with this virtualenv's Python.
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "BUILD_PYTHON": sys.executable}
    return subprocess.run(
        [SAM, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,  # the tests assert on returncode and show stderr
    )


def tree_digest(directory: Path) -> str:
    """SHA-256 over every file's relative path and bytes under ``directory``, in order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def test_template_passes_sam_validate_with_cfn_lint() -> None:
    # Given the repository's template.yaml
    # When the SAM CLI validates it with cfn-lint's rules
    result = run_sam("validate", "--lint", "--template-file", "template.yaml")
    # Then it is valid and lint-clean (no warning suppressed in the template)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_sam_build_packages_every_function_without_dev_code(tmp_path: Path) -> None:
    # (imported here: the SAM CLI's packaging modules cost every test process ~0.5 s to collect)
    from samcli.lib.package.utils import make_zip

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
    archives: dict[str, str] = {}  # tree digest -> its zip
    for package in packages:
        service = "auth" if (package / "auth").is_dir() else "photos"
        assert (package / "shared" / "http.py").is_file(), package
        assert (package / "aws_lambda_powertools").is_dir(), package
        assert (package / "pydantic").is_dir(), package
        # ... as bytecode for the runtime (unchecked-hash: sam package zips with 1980 mtimes)
        pyc = package / "shared" / "__pycache__" / f"http.{RUNTIME_CACHE_TAG}.pyc"
        assert pyc.is_file(), f"no {pyc.name} in {package.name}"
        assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01, "not unchecked-hash"
        # ... naming the file where Lambda has it, for tracebacks
        assert b"/var/task/shared/http.py" in pyc.read_bytes(), "wrong path in tracebacks"
        # ... only their own service ...
        other = {"auth": "photos", "photos": "auth"}[service]
        assert not (package / other).exists(), f"{other} shipped in {package.name}"
        # ... and nothing dev-only ships: no emulator, local stack, tests or web assets.
        for dev_only in ("moto", "local_stack", "tests", "tools", "web", "samcli"):
            assert not (package / dev_only).exists(), f"{dev_only} shipped in {package.name}"
        # ... nor the AWS SDK, which the Lambda runtime provides, nor cryptography (handler-
        # mode token checks use python-rsa).
        for sdk in ("boto3", "botocore", "s3transfer", "cryptography", "cffi"):
            assert not (package / sdk).exists(), f"{sdk} shipped in {package.name}"
        # ... and, zipped as `sam package` zips it, it stays within the budget. (Functions
        # of one service get identical trees, and make_zip is deterministic, so each
        # distinct tree is zipped once: zipping all 27 was most of this test's CPU time.)
        digest = tree_digest(package)
        if digest not in archives:
            archives[digest] = make_zip(str(tmp_path / package.name), str(package))
        archive = archives[digest]
        size = Path(archive).stat().st_size
        if package.name == "ProcessPhotoFunction":
            # Pillow's core ships; the optional parts Moments never loads do not.
            assert list(package.glob("PIL/_imaging.*.so")), "no PIL/_imaging"
            assert list(package.glob("pillow.libs/libjpeg-*")), "no libjpeg"
            assert not list(package.glob("PIL/_avif.*.so")), "PIL/_avif shipped"
            assert not list(package.glob("pillow.libs/libfreetype-*")), "libfreetype shipped"
        budget = MAX_ZIPPED_BYTES_FOR.get(package.name, MAX_ZIPPED_BYTES)
        assert size <= budget, f"{package.name}: {size / 2**20:.2f} MiB zipped"
        with zipfile.ZipFile(archive) as zipped:
            tops = {name.split("/")[0] for name in zipped.namelist()}
        assert not tops & {"boto3", "botocore", "tests", "local_stack", "tools"}, package.name
