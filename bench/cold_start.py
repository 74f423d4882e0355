"""Cold-start benchmark: each Lambda's import + first invocation against a same-service seed.

For every function of template.yaml, in fresh processes, medians (and min-max) over
``--runs`` (>= 9) runs of the time from the first line of the process to the end of the
first invocation: importing the handler module, then calling ``lambda_handler`` once with
its ``events/`` event, whose AWS calls go to a moto server provisioned from template.yaml
(``AWS_ENDPOINT_URL``, with the local stack's Cognito fixes installed). Two settings:

(a) **emulator**: ``src/`` and the dev virtualenv, as ``make dev`` runs a function;
(b) **artifact**: the package tools/build_function.py builds (for this machine's
    architecture), as Lambda runs it: the runtime's Python (``python3.13``), ``python -S``
    so only the package and the runtime's boto3 (``src/runtime-sdk.txt``'s, compiled, as
    in ``/var/runtime``) are importable, a read-only copy of the package and
    ``PYTHONDONTWRITEBYTECODE=1`` (``/var/task`` is read-only: nothing compiled at one
    cold start helps the next).

Each function is compared with a **seed** measured in the same setting: a bare handler
that imports boto3, creates the same clients (same services, same count) that the
function created by the end of its first invocation (recorded in an untimed warm-up run),
and makes one cheap call per client (``ListTables``, ``ListBuckets``, ``ListUserPools``).
Function and seed alternate run by run (A/B interleaved), so load from other processes
hits both alike; these machines are noisy, so compare ratios, not milliseconds between
runs. The environment of each probe is exactly the template's for that function plus what
the Lambda runtime sets (:data:`LAMBDA_RUNTIME_ENV`, with the X-Ray variables ``Tracing: Active``
adds; the functions carry no tracing SDK, docs/deploy.md "Tracing").

The zipped size is that of the ``sam build`` package (``.aws-sam/build/<LogicalId>``,
zipped as ``sam package`` zips it) when present, else of the bench's own build.

Usage: ``make bench`` or ``python bench/cold_start.py [--runs 9] [--only Photo]
[--settings a,b] [--code-uri DIR]`` (``--code-uri``: measure (a) on another copy of
``src/``, e.g. ``git worktree`` of an older commit, in the same run's conditions).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from local_stack.template import Template
from tools import build_function

BENCH = ROOT / ".bench"
REGION = "us-east-1"

#: What the Lambda runtime adds to a function's own environment (Lambda developer guide,
#: "Defined runtime environment variables"); credentials are dummies for the emulator.
LAMBDA_RUNTIME_ENV = {
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:9",
}

#: One cheap call per client, for the seeds.
SEED_CALLS = {
    "dynamodb": "list_tables()",
    "s3": "list_buckets()",
    "cognito-idp": "list_user_pools(MaxResults=1)",
}

#: Every probe records the clients created (service names) in this file at exit.
_RECORDER = """
import atexit, json, os, botocore.session
_made, _create = [], botocore.session.Session.create_client
def _record(self, service_name, *a, **k):
    _made.append(service_name)
    return _create(self, service_name, *a, **k)
botocore.session.Session.create_client = _record
atexit.register(lambda: open(os.environ["BENCH_CLIENTS_FILE"], "w").write(json.dumps(_made)))
"""

_FUNCTION = """
import time
t0, c0 = time.perf_counter(), time.process_time()
import importlib, json
#RECORDER#
module = importlib.import_module({module!r})
class Context:
    function_name = {name!r}; function_version = "$LATEST"; memory_limit_in_mb = {memory}
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + {name!r}
    aws_request_id = "00000000-0000-0000-0000-000000000000"; log_group_name = log_stream_name = "bench"
    def get_remaining_time_in_millis(self): return 10000
response = module.lambda_handler(json.load(open({event!r})), Context())
# API functions answer {{statusCode, ...}}; the pipeline's (S3/stream events) their own dict
assert isinstance(response, dict), response
print("BENCH", time.perf_counter() - t0, time.process_time() - c0, response.get("statusCode", "event"))
"""

_SEED = """
import time
t0, c0 = time.perf_counter(), time.process_time()
{calls}
print("BENCH", time.perf_counter() - t0, time.process_time() - c0, 0)
"""


@dataclass
class Probe:
    """One program run in fresh processes: its samples are (wall s, cpu s)."""

    name: str
    python: str
    args: list[str]
    code: str
    env: dict[str, str]
    cwd: Path
    samples: list[tuple[float, float]] = field(default_factory=list)
    status: str = ""

    def run(self, record: bool = False) -> list[str]:
        """Run once; returns the clients it created when ``record``.

        Raises:
            RuntimeError: the probe failed (its stderr is in the message).
        """
        code = self.code.replace("#RECORDER#", _RECORDER if record else "")
        env = dict(self.env)
        clients_file = None
        if record:
            handle, clients_file = tempfile.mkstemp(suffix=".json")
            os.close(handle)
            env["BENCH_CLIENTS_FILE"] = clients_file
        out = subprocess.run(
            [self.python, *self.args, "-c", code], env=env, cwd=self.cwd,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        lines = [line for line in out.stdout.splitlines() if line.startswith("BENCH ")]
        if out.returncode != 0 or not lines:
            raise RuntimeError(f"{self.name} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
        _, wall, cpu, status = lines[-1].split()
        self.status = status
        if not record:
            self.samples.append((float(wall), float(cpu)))
            return []
        made = json.loads(Path(clients_file).read_text())
        os.unlink(clients_file)
        return made

    def stat(self, index: int = 0) -> tuple[float, float, float]:
        """(median, min, max) in ms of wall (0) or cpu (1) time."""
        values = [s[index] * 1000 for s in self.samples]
        return statistics.median(values), min(values), max(values)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_emulator(template: Template) -> tuple[object, str]:
    """A moto server on a free port with template.yaml's resources provisioned."""
    import logging

    from moto.server import ThreadedMotoServer

    from local_stack import cognito
    from local_stack.aws.provisioning import provision
    from local_stack.cognito.inbox import Inbox

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    cognito.install(
        Inbox(stream=io.StringIO())
    )  # the local stack's Cognito (ResendConfirmationCode, ...)

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    os.environ.update(LAMBDA_RUNTIME_ENV)
    provision(template, endpoint_url=url)
    return server, url


def event_file(handler: str) -> Path:
    """``events/<handler module>.json``, or the first ``events/<module>_*.json``
    (``auth.handlers.config`` -> ``auth_config.json``)."""
    module = handler.rsplit(".", 1)[0].rsplit(".", 1)[1]
    service = handler.split(".", 1)[0]
    for candidate in (f"{module}.json", f"{service}_{module}.json"):
        if (ROOT / "events" / candidate).is_file():
            return ROOT / "events" / candidate
    matches = sorted((ROOT / "events").glob(f"{module}_*.json"))
    if not matches:
        raise FileNotFoundError(f"no events/ file for {handler}")
    return matches[0]


def prepared_event(handler: str, env: Mapping[str, str]) -> Path:
    """The handler's ``events/`` file, with the authorizer's claims naming this emulator's
    user pool and app client (``USER_POOL_ID``/``USER_POOL_CLIENT_ID`` of ``env``): the
    photo functions refuse another client's token (401) before touching DynamoDB or S3,
    which would time a cheap error path instead of the real first request."""
    event = json.loads(event_file(handler).read_text())
    claims = (event.get("requestContext") or {}).get("authorizer", {}).get("claims")
    if isinstance(claims, dict) and env.get("USER_POOL_CLIENT_ID"):
        claims["client_id"] = env["USER_POOL_CLIENT_ID"]
        claims["iss"] = f"https://cognito-idp.{REGION}.amazonaws.com/{env['USER_POOL_ID']}"
    target = BENCH / "events" / f"{handler.rsplit('.', 1)[0]}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(event))
    return target


def runtime_sdk(python: str) -> Path:
    """boto3 as the Lambda runtime provides it (``/var/runtime``): the oldest SDK the
    functions support (``src/runtime-sdk.txt``), compiled by the runtime's Python."""
    return build_function.runtime_sdk(python_version(python))


def python_version(python: str) -> str:
    out = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return out.stdout.strip()


def artifact(logical_id: str) -> Path:
    """The function's package for this machine (x86_64), read-only, in ``.bench/artifacts``."""
    target = BENCH / "artifacts" / logical_id
    if target.exists():
        subprocess.run(["chmod", "-R", "u+w", str(target)], check=True)
        shutil.rmtree(target)
    build_function.build(logical_id, target, ROOT / "template.yaml", architecture="x86_64")
    subprocess.run(["chmod", "-R", "a-w", str(target)], check=True)
    return target


def zipped_size(logical_id: str, fallback: Path) -> tuple[float, str]:
    """MiB zipped as ``sam package`` zips, of the sam build package (or ``fallback``)."""
    from samcli.lib.package.utils import make_zip

    built = ROOT / ".aws-sam" / "build" / logical_id
    source, label = (built, "sam build") if built.is_dir() else (fallback, "bench build")
    with tempfile.TemporaryDirectory() as tmp:
        archive = make_zip(os.path.join(tmp, logical_id), str(source))
        return os.path.getsize(archive) / 2**20, label


def seed_code(clients: Sequence[str]) -> str:
    """Import boto3 and make ``clients`` with one call each; nothing at all for none (a
    function that makes no client is compared with a bare handler)."""
    lines = ["import boto3"] if clients else ["pass"]
    lines += [
        f"client_{i} = boto3.client({name!r}); client_{i}.{SEED_CALLS[name]}"
        for i, name in enumerate(clients)
    ]
    return _SEED.format(calls="\n".join(lines))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh processes per probe (>= 9)")
    parser.add_argument("--only", default="", help="only functions whose logical id contains this")
    parser.add_argument("--settings", default="a,b", help="a (emulator), b (artifact) or both")
    parser.add_argument("--code-uri", type=Path, default=None, help="(a) on this copy of src/")
    parser.add_argument("--python", default=None, help="the runtime's Python for (b)")
    parser.add_argument(
        "--artifact-dir", type=Path, default=None,
        help="(b) on this one package for every function, SDK included (e.g. what sam build "
        "made before tools/build_function.py: all of src/ and every dependency, no .pyc)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.runs < 9:
        parser.error("--runs must be at least 9 (medians of fewer are noise here)")
    settings = args.settings.split(",")

    template = Template.load(ROOT / "template.yaml")
    server, url = start_emulator(template)
    base_env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}
    try:
        functions = {k: v for k, v in sorted(template.functions().items()) if args.only in k}
        runtime_python = args.python or build_function.runtime_python(
            next(iter(functions.values())).runtime.removeprefix("python")
        )
        sdk = runtime_sdk(runtime_python) if "b" in settings and not args.artifact_dir else None
        pairs: list[tuple[str, str, Probe, Probe]] = []
        sizes: dict[str, tuple[float, str]] = {}
        skipped: list[str] = []
        for logical_id, spec in functions.items():
            try:
                event_file(spec.handler)
            except FileNotFoundError:
                skipped.append(logical_id)  # reported below, not silently dropped
                continue
            env = {
                **base_env, **spec.environment, **LAMBDA_RUNTIME_ENV,
                "AWS_ENDPOINT_URL": url,
                "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "_HANDLER": spec.handler,
            }  # fmt: skip
            if "COGNITO_DOMAIN_URL" in env:  # the token endpoint: a 404 from the emulator
                env["COGNITO_DOMAIN_URL"] = url
            module = spec.handler.rsplit(".", 1)[0]
            code = _FUNCTION.format(
                module=module, name=spec.function_name,
                memory=spec.memory_mb, event=str(prepared_event(spec.handler, env)),
            )  # fmt: skip
            if "a" in settings:
                code_uri = str((args.code_uri or spec.code_uri).resolve())
                a_env = {**env, "LAMBDA_TASK_ROOT": code_uri, "PYTHONPATH": code_uri}
                fn = Probe(logical_id, sys.executable, [], code, a_env, Path(code_uri))
                pairs.append(("a", logical_id, fn, _seed_for(fn, sys.executable, [], {**env})))
            if "b" in settings:
                package = args.artifact_dir or artifact(logical_id)
                sizes[logical_id] = (
                    zipped_size(logical_id, package)
                    if not args.artifact_dir
                    else (zipped_size("-", package))
                )
                paths = [str(package)] + ([str(sdk)] if sdk else [])
                b_env = {
                    **env, "LAMBDA_TASK_ROOT": str(package), "PYTHONDONTWRITEBYTECODE": "1",
                    "PYTHONPATH": os.pathsep.join(paths),
                }  # fmt: skip
                fn = Probe(logical_id, runtime_python, ["-S"], code, b_env, package)
                seed_env = {**env, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": paths[-1]}
                pairs.append(("b", logical_id, fn, _seed_for(fn, runtime_python, ["-S"], seed_env)))
        print(
            f"cold start = import + first invocation against moto ({url}); medians of "
            f"{args.runs} fresh processes, function and seed interleaved; (b) Python "
            f"{python_version(runtime_python)}",
            flush=True,
        )
        for _ in range(args.runs):
            for _setting, _name, fn, seed in pairs:
                fn.run()
                seed.run()
        _report(pairs, sizes)
        if skipped:
            print(f"\nnot measured (no events/ file for their handler): {', '.join(skipped)}")
    finally:
        server.stop()
    return 0


def _seed_for(fn: Probe, python: str, py_args: list[str], env: dict[str, str]) -> Probe:
    """The function's seed: its clients, recorded in an untimed warm-up run of ``fn``."""
    clients = fn.run(record=True)
    env.pop("LAMBDA_TASK_ROOT", None)
    return Probe(f"seed {'+'.join(clients)}", python, py_args, seed_code(clients), env, fn.cwd)


def _report(
    pairs: list[tuple[str, str, Probe, Probe]], sizes: Mapping[str, tuple[float, str]]
) -> None:
    header = (f"{'setting':<8}{'function':<26}{'status':>7}{'wall ms (min-max)':>22}"
              f"{'seed ms':>9}{'x seed':>8}{'cpu x seed':>11}  seed clients")  # fmt: skip
    print(header)
    for setting, name, fn, seed in pairs:
        (wall, lo, hi), (seed_wall, *_) = fn.stat(0), seed.stat(0)
        line = f"{setting:<8}{name:<26}{fn.status:>7}{wall:>9.0f} ({lo:.0f}-{hi:.0f})".ljust(63)
        if seed.name == "seed ":  # the function made no client: its seed is a bare handler
            print(f"{line}{seed_wall:>9.1f}{'n/a':>8}{'n/a':>11}  (none: a bare handler)")
            continue
        cpu_ratio = fn.stat(1)[0] / seed.stat(1)[0]
        print(f"{line}{seed_wall:>9.0f}{wall / seed_wall:>8.2f}{cpu_ratio:>11.2f}  {seed.name[5:]}")
    if sizes:
        print("\nzipped package (as sam package zips it):")
        for name, (mib, label) in sizes.items():
            print(f"  {name:<26}{mib:6.2f} MiB  ({label})")


if __name__ == "__main__":
    raise SystemExit(main())
