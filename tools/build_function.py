"""Build one Lambda package: what ``sam build`` runs for ``BuildMethod: makefile``.

``sam build`` calls ``make build-<LogicalId>`` in ``src/Makefile`` with ``ARTIFACTS_DIR``
set (SAM developer guide, "Building custom runtimes"); that rule runs::

    python -m tools.build_function <LogicalId> <ARTIFACTS_DIR>

which reads ``template.yaml`` and fills ``ARTIFACTS_DIR`` with exactly what the function
imports, nothing else:

- its service's package (``src/<service>/``, the first part of its ``Handler``) and
  ``src/shared/``;
- its service's third-party dependencies, ``src/<service>/requirements.txt`` (pinned by
  ``constraints.txt``), plus the files named by the function's own
  ``Metadata.BuildProperties.ExtraRequirements`` (a path or a list, relative to the
  template; e.g. Pillow for one image-processing function), installed as wheels for the
  function's ``Runtime`` and ``Architectures`` (``pip install --platform``), so the build
  machine's own Python and CPU do not matter;
- minus what the Lambda Python runtime already provides (:data:`RUNTIME_PROVIDED`: the
  AWS SDK and its dependencies; see docs/deploy.md for the trade-off);
- compiled to bytecode by the runtime's own Python version (``python3.13`` for
  ``Runtime: python3.13``) with ``--invalidation-mode unchecked-hash`` (PEP 552). Lambda's
  ``/var/task`` is read-only, so a ``.pyc`` that is not shipped is recompiled at every
  cold start; and a timestamp-checked one would be stale, because ``sam package`` zips
  every file with a 1980 timestamp (``samcli.lib.package.utils.make_zip``). Third-party
  packages ship as ``.pyc`` only (:func:`compile_bytecode`); Moments' own code keeps its
  sources beside ``__pycache__``, for tracebacks.

Dependencies are installed once per (service requirements, extras, runtime, architecture)
into ``.aws-sam/function-deps/<digest>`` and copied from there, under a file lock, so
``sam build --parallel`` installs each set once.

Errors: :class:`BuildError` (unknown function, missing requirements file, no interpreter
for the runtime); ``subprocess.CalledProcessError`` when pip or compileall fail.
"""

from __future__ import annotations

import argparse
import dataclasses
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPS_CACHE = ROOT / ".aws-sam" / "function-deps"  # not "deps": sam build --cached owns that

#: Distributions the Lambda Python runtimes ship in ``/var/runtime`` (the AWS SDK for
#: Python and what it depends on; Lambda developer guide, "Building Lambda functions with
#: Python": "The runtime includes the AWS SDK for Python (Boto3)"). Functions import the
#: runtime's copies (docs/deploy.md, "Packages": the trade-off and how to ship a pinned SDK).
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
)

#: pip platform tags per Lambda architecture (manylinux2014 = glibc 2.17; Amazon Linux
#: 2023, which python3.12+ run on, has glibc 2.34).
PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}

#: Top-level names never shipped even if a wheel brings them.
NEVER_SHIP = ("bin", "tests", "test")

#: The oldest SDK the functions work with (boto3, botocore, s3transfer pins): what the
#: tests and ``make bench`` use as "the runtime's boto3".
RUNTIME_SDK_FLOOR = ROOT / "src" / "runtime-sdk.txt"
RUNTIME_SDK_CACHE = ROOT / ".aws-sam" / "runtime-sdk"

#: Optional native parts of Pillow that Moments never loads, deleted from the package
#: (globs relative to the install target). Each is its own extension module with its own
#: vendored libraries; ``PIL/_imaging`` links none of them (``readelf -d``: libtiff,
#: libjpeg, libopenjp2, libxcb, libz), and Pillow imports each only on use, treating its
#: absence as "feature not available" (e.g. ``AvifImagePlugin.SUPPORTED = False``).
#: About 8.5 MB unzipped of Pillow 11.3's 18 MB.
PILLOW_UNUSED = (
    # AVIF: not an accepted upload type (photos.images accepts JPEG, PNG, GIF, WebP).
    "PIL/_avif.*.so", "pillow.libs/libavif-*",
    # ImageFont / text rendering: renditions draw no text. libpng16 and brotli are needed
    # by libfreetype only (PNG itself goes through zlib inside _imaging).
    "PIL/_imagingft.*.so", "pillow.libs/libfreetype-*", "pillow.libs/libharfbuzz-*",
    "pillow.libs/libpng16-*", "pillow.libs/libbrotli*",
    # ImageCms (ICC colour management): renditions are written without embedded profiles.
    "PIL/_imagingcms.*.so", "pillow.libs/liblcms2-*",
)  # fmt: skip


class BuildError(RuntimeError):
    """The template or the machine cannot build this function."""


@dataclass(frozen=True)
class FunctionBuild:
    """What one function's package is made of (paths absolute)."""

    logical_id: str
    service: str
    code_uri: Path
    runtime: str
    architecture: str
    requirements: tuple[Path, ...]

    @property
    def python_version(self) -> str:
        """``"3.13"`` for ``python3.13``."""
        return self.runtime.removeprefix("python")


def function_build(template_path: Path, logical_id: str) -> FunctionBuild:
    """Read ``logical_id``'s build inputs from the SAM template at ``template_path``.

    Raises:
        BuildError: no such function, a non-Python runtime, or a requirements file missing.
    """
    sys.path.insert(0, str(ROOT))
    from local_stack.template import Template  # the one reader of template.yaml

    template = Template.load(template_path)
    functions = template.functions()
    if logical_id not in functions:
        raise BuildError(f"{logical_id} is not an AWS::Serverless::Function of {template_path}")
    spec = functions[logical_id]
    if not spec.runtime.startswith("python3."):
        raise BuildError(f"{logical_id}: runtime {spec.runtime!r} is not a Python runtime")
    service = spec.handler.split(".", 1)[0]
    raw = template.raw["Resources"][logical_id]
    defaults = (template.raw.get("Globals") or {}).get("Function") or {}
    architectures = (raw.get("Properties") or {}).get("Architectures") or defaults.get(
        "Architectures", ["x86_64"]
    )
    extra = ((raw.get("Metadata") or {}).get("BuildProperties") or {}).get("ExtraRequirements")
    extra_files = [extra] if isinstance(extra, str) else list(extra or [])
    requirements = [spec.code_uri / service / "requirements.txt"]
    requirements += [template_path.parent / name for name in extra_files]
    for path in requirements:
        if not path.is_file():
            raise BuildError(f"{logical_id}: requirements file {path} does not exist")
    return FunctionBuild(
        logical_id, service, spec.code_uri, spec.runtime, architectures[0], tuple(requirements)
    )


def runtime_python(version: str) -> str:
    """An interpreter of the Lambda runtime's Python ``version`` (``"3.13"``), to compile
    bytecode with: ``$PYTHON<version without dot>``, ``python<version>`` on ``PATH``, or
    pyenv's.

    Raises:
        BuildError: none found (install it, e.g. ``pyenv install 3.13``).
    """
    override = os.environ.get(f"PYTHON{version.replace('.', '')}")
    candidates = [override] if override else []
    candidates.append(shutil.which(f"python{version}") or "")
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [str(p) for p in sorted(pyenv.glob(f"{version}*/bin/python{version}"))]
    for candidate in candidates:
        if candidate and "/shims/" not in candidate and Path(candidate).is_file():
            return candidate
    raise BuildError(
        f"no Python {version} to compile the package's bytecode with: install python{version} "
        f"or set PYTHON{version.replace('.', '')}=/path/to/python{version}"
    )


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def runtime_sdk(python_version: str | None = None) -> Path:
    """The SDK of :data:`RUNTIME_SDK_FLOOR` (pure Python), installed once into
    ``.aws-sam/runtime-sdk/<digest>`` and returned: put it first on ``sys.path`` to run code
    with the oldest boto3 the functions support instead of the dev virtualenv's.

    ``python_version`` ("3.13"): also compile it with that Python, as ``/var/runtime`` is.

    Raises:
        subprocess.CalledProcessError: pip failed (PyPI unreachable, ...).
    """
    pins = RUNTIME_SDK_FLOOR.read_bytes()
    digest = hashlib.sha256(pins + (python_version or "").encode()).hexdigest()[:16]
    target = RUNTIME_SDK_CACHE / digest
    with _locked(target.with_suffix(".lock")):
        if (target / ".complete").is_file():
            return target
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-qq", "--disable-pip-version-check",
             "--no-deps", "--no-compile", "--target", str(target), "-r", str(RUNTIME_SDK_FLOOR)],
            check=True,
        )  # fmt: skip
        if python_version:
            python = runtime_python(python_version)
            subprocess.run([python, "-m", "compileall", "-q", "-j", "0", str(target)], check=True)
        (target / ".complete").touch()
    return target


def remove_distributions(target: Path, names: Sequence[str] | frozenset[str]) -> list[str]:
    """Delete the installed distributions ``names`` (PEP 503-normalised) from ``target``,
    file by file from their ``RECORD``; returns the names removed."""
    wanted = {_normalise(name) for name in names}
    removed = []
    for dist_info in sorted(target.glob("*.dist-info")):
        name = _normalise(dist_info.name.split("-", 1)[0])  # {name}-{version}.dist-info
        if name not in wanted:
            continue
        record = dist_info / "RECORD"
        for line in record.read_text().splitlines() if record.is_file() else []:
            path = target / line.split(",", 1)[0]
            if path.is_file():
                path.unlink()
        shutil.rmtree(dist_info, ignore_errors=True)
        removed.append(name)
    for directory in sorted(target.rglob("*"), reverse=True):  # now-empty package dirs
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
    return removed


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def install_dependencies(build: FunctionBuild, constraints: Path, python: str) -> Path:
    """The function's third-party packages, installed once per input set into
    ``.aws-sam/function-deps/<digest>`` (without :data:`RUNTIME_PROVIDED`) and returned.

    Raises:
        subprocess.CalledProcessError: pip failed (no wheel for the platform, ...).
    """
    digest = hashlib.sha256()
    for path in (*build.requirements, constraints):
        digest.update(path.read_bytes())
    digest.update(f"{build.runtime}/{build.architecture}".encode())
    digest.update(Path(__file__).read_bytes())  # a new recipe rebuilds
    target = DEPS_CACHE / f"{build.service}-{digest.hexdigest()[:16]}"
    with _locked(target.with_suffix(".lock")):
        if (target / ".complete").is_file():
            return target
        shutil.rmtree(target, ignore_errors=True)
        command = [
            sys.executable, "-m", "pip", "install", "-qq", "--disable-pip-version-check",
            "--target", str(target), "--no-compile",
            "--platform", PLATFORMS[build.architecture], "--implementation", "cp",
            "--python-version", build.python_version, "--only-binary=:all:",
            "-c", str(constraints),
        ]  # fmt: skip
        for path in build.requirements:
            command += ["-r", str(path)]
        subprocess.run(command, check=True)
        remove_distributions(target, RUNTIME_PROVIDED)
        for name in NEVER_SHIP:
            shutil.rmtree(target / name, ignore_errors=True)
        for stubs in target.glob("*-stubs"):  # type stubs only
            shutil.rmtree(stubs)
        for stub in target.rglob("*.pyi"):
            stub.unlink()
        for pattern in PILLOW_UNUSED:
            for unused in target.glob(pattern):
                unused.unlink()
        compile_bytecode(python, target, sourceless=True)
        (target / ".complete").touch()
    return target


def compile_bytecode(
    python: str, directory: Path, sourceless: bool = False, only: Sequence[str] = ()
) -> None:
    """Compile every module under ``directory`` (or under its subfolders ``only``) with
    ``python`` (the runtime's version), as unchecked-hash ``.pyc`` (PEP 552) whose paths
    in tracebacks are where Lambda puts them: ``directory/shared/http.py`` becomes
    ``/var/task/shared/http.py``. One interpreter for all of them; worker processes
    (``-j 0``) only for the big third-party trees, where they pay for their start.

    ``sourceless``: legacy layout (``module.pyc`` beside where ``module.py`` was) and the
    ``.py`` removed, which halves what third-party packages weigh in the zip; tracebacks
    inside them then show no source lines (the package's own code keeps its sources).

    Raises:
        subprocess.CalledProcessError: a module does not compile.
    """
    targets = [str(directory / name) for name in only] or [str(directory)]
    subprocess.run(
        [python, "-m", "compileall", "-q", *(["-j", "0", "-b"] if sourceless else []),
         "--invalidation-mode", "unchecked-hash", "-s", str(directory), "-p", "/var/task",
         *targets],
        check=True,
    )  # fmt: skip
    if sourceless:
        for source in directory.rglob("*.py"):
            if source.with_suffix(".pyc").is_file():
                source.unlink()
        for cache in list(directory.rglob("__pycache__")):
            shutil.rmtree(cache)


def _link_or_copy(source: str, destination: str) -> None:
    """Hard-link ``source`` (a file of the dependency cache) at ``destination``, else copy
    it (another file system, a file system without links).

    ``sam build`` fills 27 packages from 3 dependency sets of ~14 MB and ~1,000 files each:
    links save writing ~380 MB again. Nothing writes into a package's dependency files
    afterwards (only the service's own folders are compiled, and compileall writes new
    files), so the cache is never changed through a link.
    """
    try:
        if os.path.lexists(destination):
            os.unlink(destination)
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def build(
    logical_id: str,
    artifacts: Path,
    template_path: Path = ROOT / "template.yaml",
    architecture: str | None = None,
) -> None:
    """Fill ``artifacts`` with ``logical_id``'s package (see the module docstring).

    ``architecture`` overrides the template's (``x86_64`` lets ``make bench`` import the
    package on this machine; ``sam build`` always uses the template's).

    Raises:
        BuildError, subprocess.CalledProcessError: see the module docstring.
    """
    spec = function_build(template_path, logical_id)
    if architecture:
        spec = dataclasses.replace(spec, architecture=architecture)
    python = runtime_python(spec.python_version)
    deps = install_dependencies(spec, ROOT / "constraints.txt", python)
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        deps,
        artifacts,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".complete"),
        copy_function=_link_or_copy,
    )
    for package in (spec.service, "shared"):
        shutil.copytree(
            spec.code_uri / package,
            artifacts / package,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "requirements*.txt"),
        )
    compile_bytecode(python, artifacts, only=(spec.service, "shared"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("logical_id", help="the function's logical id in template.yaml")
    parser.add_argument("artifacts_dir", type=Path, help="where sam build wants the package")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--architecture", choices=sorted(PLATFORMS), default=None)
    args = parser.parse_args(argv)
    try:
        build(args.logical_id, args.artifacts_dir, args.template.resolve(), args.architecture)
    except BuildError as exc:
        print(f"build-{args.logical_id}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
