"""Cold-start benchmark: each Lambda's init cost against a bare boto3 handler's.

Issue 2 asks that every function import only what it uses, so that its cold start stays
close to that of a bare handler that imports boto3 and creates one client. Lambda's Init
phase is dominated by importing the handler module, so this measures, in a fresh
interpreter each time (as a new execution environment would):

- baseline: ``import boto3; boto3.client("cognito-idp")``;
- each function: ``import <its handler module>`` plus creating the one boto3 client that
  function uses first (clients are created lazily on first use, so this is what a first
  request pays).

Each function's probe runs with exactly the environment template.yaml gives it (read with
``local_stack.template``, so the bench cannot drift from the template; Refs to resources
resolve to their logical ids, which the config models accept as names) plus the variables
the Lambda runtime itself sets (:data:`LAMBDA_RUNTIME_ENV`). ``LAMBDA_TASK_ROOT`` is among
them, so Powertools Tracer is *enabled* and patches botocore as it does on AWS with
``Tracing: Active``; ``--no-tracing`` measures with ``POWERTOOLS_TRACE_DISABLED=true``.
Nothing else leaks in from the caller's shell (no ``AWS_ENDPOINT_URL``, no profile).

Only what ships is importable, as in a Lambda package: ``src/requirements.txt`` is
installed once (pinned by ``constraints.txt``) into ``.bench/package`` with
``pip install --target``, and probes run with ``python -S`` (no site-packages) on
``PYTHONPATH=<CodeUri>:.bench/package``. The dev virtualenv holds extras that boto3 and
the X-Ray SDK pick up when present (awscrt, pyOpenSSL, requests) and that would distort
both sides; ``--venv`` measures with it anyway.

Bytecode: by default every module has its ``.pyc`` (pip compiles on install). ``sam
build`` ships none (its Python workflow unpacks wheels without compiling) and Lambda's
``/var/task`` is read-only, so a deployed function compiles every module it imports at
every cold start; ``--as-shipped`` measures that (``pip install --no-compile``, a copy of
the code without ``__pycache__``, ``PYTHONDONTWRITEBYTECODE=1``), baseline included.

It reports medians over ``--runs`` fresh processes, interleaved, of wall-clock and CPU
time, and each function's ratio to the baseline measured in the same run (these machines
are noisy; compare ratios, not milliseconds between runs; CPU time is the steadier one
when other processes compete). ``--layers`` also times the baseline plus the shared
building blocks, added one at a time (Logger + Metrics, Tracer, the REST resolver, a
pydantic model), to show what each costs and what is left to the function's own code.

Usage: ``make bench`` or ``python bench/cold_start.py --runs 9 [--layers] [--as-shipped]
[--only Sign] [--code-uri DIR]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = ROOT / ".bench" / "package"
REGION = "us-east-1"

PROBE = """
import time, importlib
t0, c0 = time.perf_counter(), time.process_time()
{body}
print(time.perf_counter() - t0, time.process_time() - c0)
"""

BASELINE = 'import boto3\nboto3.client("cognito-idp")'

#: What the Lambda runtime adds to a function's own environment (Lambda developer guide,
#: "Defined runtime environment variables"); credentials are dummies, never used.
LAMBDA_RUNTIME_ENV = {
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
}

#: ``--layers``: the baseline plus the shared building blocks, each probe adding one more.
LAYERS = [
    ("+ Logger, Metrics", "from aws_lambda_powertools import Logger, Metrics\nLogger(); Metrics()"),
    (
        "+ Tracer (X-Ray SDK)",
        "from aws_lambda_powertools import Tracer\nTracer(patch_modules=['botocore'])",
    ),
    (
        "+ APIGatewayRestResolver",
        (
            "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
            "APIGatewayRestResolver()"
        ),
    ),
    (
        "+ one pydantic model",
        (
            "from pydantic import BaseModel, Field\n"
            "class Probe(BaseModel):\n    name: str = Field(max_length=8)"
        ),
    ),
]


def layer_probes() -> dict[str, str]:
    """``--layers`` probe bodies: each one is the previous plus one building block."""
    bodies, body = {}, BASELINE
    for name, code in LAYERS:
        body = f"{body}\n{code}"
        bodies[name] = body
    return bodies


def _base_env() -> dict[str, str]:
    """The few variables a subprocess needs from this shell (no AWS or Powertools ones)."""
    return {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}


def lambda_package(bytecode: bool = True) -> Path:
    """The runtime requirements installed into one directory, as in a Lambda package.

    ``bytecode``: ``.bench/package``, with the ``.pyc`` files pip compiles on install.
    Otherwise ``.bench/package-source`` (``pip install --no-compile``): what ``sam build``
    ships (its Python workflow unpacks wheels and compiles nothing, and ``/var/task`` is
    read-only, so Lambda recompiles every imported module at every cold start).
    Rebuilt only when ``src/requirements.txt`` or ``constraints.txt`` changed.

    Raises:
        subprocess.CalledProcessError: pip failed.
    """
    target = PACKAGE if bytecode else PACKAGE.with_name("package-source")
    inputs = [SRC / "requirements.txt", ROOT / "constraints.txt"]
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in inputs)).hexdigest()
    stamp = target.with_suffix(".sha256")
    if target.is_dir() and stamp.is_file() and stamp.read_text() == digest:
        return target
    print(f"installing src/requirements.txt into {target.relative_to(ROOT)} ...", flush=True)
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target),
         *([] if bytecode else ["--no-compile"]),
         "-r", str(inputs[0]), "-c", str(inputs[1])],
        check=True,
    )
    stamp.write_text(digest)
    return target


def source_only_copy(code_uri: Path) -> Path:
    """A copy of ``code_uri`` without ``__pycache__`` (``.bench/code-source``)."""
    target = ROOT / ".bench" / "code-source"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(code_uri, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def function_probes(
    tracing: bool = True,
    code_uri: Path | None = None,
    package: Path | None = None,
    bytecode: bool = True,
) -> dict[str, tuple[str, dict[str, str]]]:
    """Per function: (probe body, environment), both read from template.yaml.

    ``code_uri`` replaces the template's CodeUri (e.g. a copy of ``src/`` from before a
    change, to compare both in one run); ``package`` is appended to ``PYTHONPATH``.
    Without ``bytecode``, ``PYTHONDONTWRITEBYTECODE=1`` stands for Lambda's read-only
    ``/var/task``: nothing compiled in one probe is reused by the next.
    """
    sys.path.insert(0, str(ROOT))
    from local_stack.template import Template  # dev-only reader of template.yaml

    probes: dict[str, tuple[str, dict[str, str]]] = {}
    for function in Template.load(ROOT / "template.yaml").functions().values():
        module = function.handler.rsplit(".", 1)[0]
        code = str(code_uri or function.code_uri)
        service = "cognito-idp" if module.startswith("auth.") else "dynamodb"
        body = f'importlib.import_module("{module}")\nimport boto3\nboto3.client("{service}")'
        env = {
            **_base_env(),
            **function.environment,
            **LAMBDA_RUNTIME_ENV,
            "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "LAMBDA_TASK_ROOT": code,
            "_HANDLER": function.handler,
            "PYTHONPATH": os.pathsep.join([code, str(package)]) if package else code,
        }
        if not tracing:
            env["POWERTOOLS_TRACE_DISABLED"] = "true"
        if not bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        probes[function.logical_id] = (body, env)
    return probes


@dataclass(frozen=True)
class Result:
    """Medians over the runs, in seconds: wall clock and the probe's own CPU time."""

    wall: float
    cpu: float


def _probe_once(body: str, env: Mapping[str, str], isolated: bool) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, *(["-S"] if isolated else []), "-c", PROBE.format(body=body)],
        env=dict(env), capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:  # print the probe's stderr before raising
        sys.stderr.write(out.stderr)
        out.check_returncode()
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def measure(
    probes: Mapping[str, tuple[str, Mapping[str, str]]], runs: int, isolated: bool = True
) -> dict[str, Result]:
    """Medians of each probe over ``runs`` fresh interpreters (``python -S`` when
    ``isolated``: only ``PYTHONPATH`` and the standard library are importable).

    The probes are interleaved (one round runs each once), so a burst of load from other
    processes hits every probe alike rather than a few of them.

    Raises:
        subprocess.CalledProcessError: a probe failed (its stderr is shown).
    """
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in probes}
    for _ in range(runs):
        for name, (body, env) in probes.items():
            samples[name].append(_probe_once(body, env, isolated))
    return {
        name: Result(
            wall=statistics.median(w for w, _ in values),
            cpu=statistics.median(c for _, c in values),
        )
        for name, values in samples.items()
    }


def _table(title: str, results: Mapping[str, Result], baseline: Result) -> None:
    print(f"{title:<28}{'wall ms':>9}{'x base':>8}{'cpu ms':>9}{'x base':>8}")
    for name, r in results.items():
        print(
            f"{name:<28}{r.wall * 1000:>9.1f}{r.wall / baseline.wall:>8.2f}"
            f"{r.cpu * 1000:>9.1f}{r.cpu / baseline.cpu:>8.2f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per probe")
    parser.add_argument("--only", default="", help="only functions whose logical id contains this")
    parser.add_argument(
        "--no-tracing", action="store_true", help="POWERTOOLS_TRACE_DISABLED=true in every probe"
    )
    parser.add_argument(
        "--layers", action="store_true", help="also time the shared building blocks, cumulated"
    )
    parser.add_argument(
        "--venv", action="store_true", help="import from the dev virtualenv, not .bench/package"
    )
    parser.add_argument(
        "--as-shipped",
        action="store_true",
        help="no .pyc anywhere (what sam build ships) and none written, as on Lambda",
    )
    parser.add_argument(
        "--code-uri", type=Path, default=None, help="measure this copy of src/ instead"
    )
    args = parser.parse_args()
    tracing = not args.no_tracing

    bytecode = not args.as_shipped
    package = None if args.venv else lambda_package(bytecode)
    isolated = package is not None
    code_uri = args.code_uri if bytecode else source_only_copy(args.code_uri or SRC)
    functions = function_probes(tracing, code_uri, package, bytecode)
    env = next(iter(functions.values()))[1]
    probes: dict[str, tuple[str, Mapping[str, str]]] = {"baseline: bare boto3": (BASELINE, env)}
    probes.update(
        (name, functions[name]) for name in sorted(functions) if args.only in name
    )
    if args.layers:
        probes.update((f"~ {name}", (body, env)) for name, body in layer_probes().items())

    print(
        f"cold start (import + first client): medians of {args.runs} fresh interpreters, "
        f"tracing {'enabled' if tracing else 'disabled'}, "
        f"imports from {package.name if package else 'the dev virtualenv'}"
        f"{'' if bytecode else ', no bytecode (as sam build ships)'}",
        flush=True,
    )
    results = measure(probes, args.runs, isolated)
    baseline = results["baseline: bare boto3"]
    _table("function", {k: v for k, v in results.items() if not k.startswith("~")}, baseline)
    if args.layers:
        print()
        _table(
            "baseline + shared layers",
            {k[2:]: v for k, v in results.items() if k.startswith("~")},
            baseline,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
