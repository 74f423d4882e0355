"""The Lambda Python base image that ``sam local`` runs functions in: AWS's, or a stand-in.

``sam local start-api`` and ``start-lambda`` run each function in a container built
``FROM public.ecr.aws/lambda/python:3.13-<arch>`` (SAM CLI adds its bundled Runtime
Interface Emulator on top, ``samcli/local/docker/lambda_image.py``). :func:`ensure_image`
makes that image present:

1. ``docker pull`` of AWS's image. Where it works, that image is used ("official").
2. Where the pull fails (no route to public.ecr.aws, as on an offline CI machine) or
   ``mode="stand-in"`` asks for it, an image is built here under the same name from
   Debian's packages, PyPI's wheels and nothing else ("stand-in"):

   - a ``debootstrap --variant=minbase`` Debian trixie root file system, whose
     ``python3`` is 3.13, the ``python3.13`` runtime's version, from the Debian mirror
     apt uses (:func:`debian_mirror`);
   - ``/var/runtime``: AWS's Runtime Interface Client (``awslambdaric``, the same client
     the official images run) and the AWS SDK (boto3; the functions ship none and use
     the runtime's, see ``tools/build_function.RUNTIME_PROVIDED``), from PyPI, versions
     pinned below and in ``constraints.txt``;
   - ``/var/runtime/bootstrap``: ``python3 -m awslambdaric "$_HANDLER"`` with the Lambda
     Python runtime's module search order (function code, then ``/opt/python``, then the
     runtime's packages).

   The image carries the label :data:`DIGEST_LABEL`, a SHA-256 over everything that
   goes into it (:func:`stand_in_digest`); an image whose label matches is reused, so the
   build (about 100 s) runs once per machine and again only when those inputs change.

Callers then run SAM with ``--skip-pull-image``. Errors: :class:`ImageError`, with the
command that failed and the end of its output.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Raise it when :func:`build_stand_in` changes in a way the other inputs do not show.
RECIPE_VERSION = 1
#: Debian release whose ``python3`` is the runtime's version (trixie: Python 3.13).
DEBIAN_SUITE = "trixie"
#: What the Lambda runtime provides in ``/var/runtime``, pinned (boto3's pin is the dev
#: virtualenv's, ``constraints.txt``, so the functions meet the SDK their tests ran with).
RUNTIME_PACKAGES = ("awslambdaric==4.2.2", "boto3")
#: Label holding the digest of the stand-in's inputs.
DIGEST_LABEL = "dev.moments.lambda-stand-in"
#: The stand-in's ``/var/runtime/bootstrap``. The module path is the Lambda Python
#: runtime's order (Lambda developer guide, "Working with Lambda layers": /opt/python;
#: "Building with Python": the runtime's boto3 comes after the function's own packages).
BOOTSTRAP = """#!/bin/sh
# Stand-in for the Lambda Python runtime's bootstrap (tools/lambda_image.py).
cd "${LAMBDA_TASK_ROOT:-/var/task}"
export PYTHONPATH="${LAMBDA_TASK_ROOT:-/var/task}:/opt/python:/var/runtime"
exec python3 -m awslambdaric "$_HANDLER"
"""
#: The official image's environment that the functions or SAM CLI rely on.
IMAGE_ENV = {
    "LANG": "en_US.UTF-8",
    "TZ": ":/etc/localtime",
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LAMBDA_TASK_ROOT": "/var/task",
    "LAMBDA_RUNTIME_DIR": "/var/runtime",
    "PYTHONDONTWRITEBYTECODE": "1",
}
#: Seconds a ``docker pull`` may take before the official image counts as unreachable.
PULL_TIMEOUT_S = 600


class ImageError(Exception):
    """The image could be neither pulled nor built; the message says what failed."""


@dataclass(frozen=True)
class ImageChoice:
    """Which image ``sam local`` runs: ``kind`` is ``"official"`` or ``"stand-in"``;
    ``seconds`` is how long making it present took (0 when it was already there)."""

    name: str
    kind: str
    seconds: float
    note: str = ""


def lambda_architecture() -> str:
    """This machine's CPU as Lambda names it (``x86_64`` or ``arm64``).

    Raises:
        ImageError: a CPU Lambda has no runtime for.
    """
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64"):
        return "x86_64"
    if machine in ("aarch64", "arm64"):
        return "arm64"
    raise ImageError(f"Lambda has no runtime for this CPU ({machine})")


def official_image(runtime: str, architecture: str) -> str:
    """AWS's base image name for ``runtime`` (``python3.13``), as SAM CLI 1.x names it:
    ``public.ecr.aws/lambda/python:3.13-x86_64``."""
    match = re.fullmatch(r"python(\d+\.\d+)", runtime)
    if match is None:
        raise ImageError(f"no stand-in for runtime {runtime!r} (python3.N only)")
    return f"public.ecr.aws/lambda/python:{match.group(1)}-{architecture}"


def _run(
    args: Sequence[str], timeout: float = 900, input_bytes: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run a command; ImageError with its output's tail when it fails or times out."""
    try:
        result = subprocess.run(
            list(args), capture_output=True, timeout=timeout, input=input_bytes, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ImageError(f"`{' '.join(args[:3])} ...` took over {timeout:.0f} s") from exc
    except FileNotFoundError as exc:
        raise ImageError(f"{args[0]} is not installed") from exc
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).decode(errors="replace")[-2000:]
        raise ImageError(f"`{' '.join(args[:4])} ...` failed ({result.returncode}):\n{tail}")
    return result


def image_label(name: str) -> str | None:
    """The :data:`DIGEST_LABEL` of local image ``name``; ``""`` if it has none (AWS's),
    None if there is no such image."""
    result = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", name],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return None
    labels = json.loads(result.stdout.strip() or "null") or {}
    return str(labels.get(DIGEST_LABEL, ""))


def runtime_pins() -> list[str]:
    """:data:`RUNTIME_PACKAGES` with versions, those without one from constraints.txt."""
    constraints = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split("==", 1)
            constraints[name.strip().lower()] = version.split()[0]
    pins = []
    for package in RUNTIME_PACKAGES:
        if "==" not in package:
            if package.lower() not in constraints:
                raise ImageError(f"constraints.txt pins no version of {package}")
            package = f"{package}=={constraints[package.lower()]}"
        pins.append(package)
    return pins


def stand_in_digest(architecture: str) -> str:
    """SHA-256 over the stand-in's inputs: the recipe's version, the suite, the pinned
    packages, the bootstrap, the environment and the CPU."""
    inputs = [RECIPE_VERSION, DEBIAN_SUITE, runtime_pins(), BOOTSTRAP, IMAGE_ENV, architecture]
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def debian_mirror() -> str:
    """The Debian mirror apt uses on this machine (``http://deb.debian.org/debian`` if
    none is configured): the stand-in's packages come from where the host's do."""
    sources = [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]
    for source in sources:
        try:
            text = source.read_text(encoding="utf-8")
        except OSError:
            continue
        for match in re.finditer(
            r"(?:^URIs:\s*|^deb\s+(?:\[[^]]*\]\s+)?)(\S+)", text, re.MULTILINE
        ):
            uri = match.group(1).rstrip("/")
            if uri.endswith("/debian"):
                return uri
    return "http://deb.debian.org/debian"


def build_stand_in(name: str, architecture: str, say: Callable[[str], None] = print) -> None:
    """Build the stand-in image ``name`` (see the module docstring). Needs root (for
    debootstrap), ``debootstrap``, PyPI and the Debian mirror.

    Raises:
        ImageError: a tool is missing or a step failed.
    """
    if shutil.which("debootstrap") is None:
        raise ImageError("debootstrap is not installed (apt-get install debootstrap)")
    if os.geteuid() != 0:
        raise ImageError("building the stand-in image needs root (debootstrap)")
    digest = stand_in_digest(architecture)
    arch = {"x86_64": "amd64", "arm64": "arm64"}[architecture]
    with tempfile.TemporaryDirectory(prefix="lambda-image-") as work:
        rootfs = Path(work, "rootfs")
        mirror = debian_mirror()
        say(f"  debootstrap {DEBIAN_SUITE} ({arch}) from {mirror} ...")
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--arch={arch}",
                "--include=python3,ca-certificates",
                DEBIAN_SUITE,
                str(rootfs),
                mirror,
            ],
            timeout=1800,
        )
        say(f"  /var/runtime: {', '.join(runtime_pins())} from PyPI ...")
        platform_tag = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-compile",
                "--target",
                str(rootfs / "var" / "runtime"),
                "--only-binary=:all:",
                "--implementation",
                "cp",
                "--python-version",
                "3.13",
                "--platform",
                platform_tag[architecture],
                "-c",
                str(ROOT / "constraints.txt"),
                *runtime_pins(),
            ],
            timeout=900,
        )
        bootstrap = rootfs / "var" / "runtime" / "bootstrap"
        bootstrap.write_text(BOOTSTRAP, encoding="utf-8")
        bootstrap.chmod(0o755)
        for path in ("var/task", "opt"):
            (rootfs / path).mkdir(parents=True, exist_ok=True)
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc"):
            shutil.rmtree(rootfs / junk, ignore_errors=True)
        changes = [f"ENV {key}={value}" for key, value in IMAGE_ENV.items()]
        changes += [
            "WORKDIR /var/task",
            f"LABEL {DIGEST_LABEL}={digest}",
            'ENTRYPOINT ["/var/runtime/bootstrap"]',
        ]
        say(f"  docker import as {name} ...")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        assert tar.stdout is not None
        try:
            imported = subprocess.run(
                ["docker", "import", *[f"--change={c}" for c in changes], "-", name],
                stdin=tar.stdout,
                capture_output=True,
                timeout=900,
                check=False,
            )
        finally:
            tar.stdout.close()
            tar.wait()
        if imported.returncode != 0 or tar.returncode != 0:
            raise ImageError(f"docker import failed: {imported.stderr.decode()[-2000:]}")


def ensure_image(
    runtime: str, mode: str = "auto", say: Callable[[str], None] = print
) -> ImageChoice:
    """Make the base image for ``runtime`` on this CPU present; say which one it is.

    Args:
        runtime: the template's ``Runtime`` (``python3.13``).
        mode: ``"auto"`` (pull AWS's; build the stand-in where that fails),
            ``"official"`` (pull or fail) or ``"stand-in"`` (build it if stale).
        say: progress lines.

    Raises:
        ImageError: the pull failed with ``mode="official"``, or the build failed.
    """
    architecture = lambda_architecture()
    name = official_image(runtime, architecture)
    started = time.monotonic()
    note = ""
    if mode in ("auto", "official"):
        try:
            _run(["docker", "pull", "--quiet", name], timeout=PULL_TIMEOUT_S)
        except ImageError as exc:
            if mode == "official":
                raise
            first_line = str(exc).splitlines()[-1] if str(exc) else "failed"
            note = f"pull failed: {first_line.strip()[:160]}"
        else:
            return ImageChoice(name, "official", time.monotonic() - started)
    digest = stand_in_digest(architecture)
    label = image_label(name)
    if label == "" and mode == "auto":
        # AWS's image, pulled on an earlier run: better than any stand-in.
        return ImageChoice(name, "official", time.monotonic() - started, note + "; cached")
    if label == digest:
        return ImageChoice(name, "stand-in", time.monotonic() - started, note)
    say(f"building the offline stand-in for {name} (about 100 s, once)")
    build_stand_in(name, architecture, say)
    return ImageChoice(name, "stand-in", time.monotonic() - started, note)
