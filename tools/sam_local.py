"""``make sam-local``: SAM CLI's own ``sam local start-api`` in front of the local stack's
emulator, every function in a Docker container (docs/sam-local.md).

What runs (ports are the defaults; ``0`` picks a free one):

- the local stack's emulator side (:class:`local_stack.stack.LocalStack` without its
  API): moto's cognito-idp, S3 and DynamoDB at ``:3002``, the hosted-UI stand-in at
  ``:3001``, listening on the Docker bridge's gateway address (``172.17.0.1`` on a default
  ``dockerd``), the one address of this machine that both the containers and this
  machine reach; nothing listens beyond the machine;
- the dev inbox and the event endpoints (``/_local/inbox/{email}``, ``/_local/events``,
  ``/_local/events/settle``, ``/_local/health``) at ``:3003`` on the same address;
- ``sam local start-api`` on ``127.0.0.1:3000``: every route of ``template.yaml``, each
  function in a container from the Lambda Python base image (AWS's, or the offline
  stand-in, :mod:`tools.lambda_image`), with ``--warm-containers``;
- ``sam local start-lambda`` on a free loopback port: SAM CLI's local Lambda Invoke
  endpoint, to which :class:`local_stack.lambda_runtime.event_delivery.EventDelivery`
  delivers the S3 ``Object Created`` and DynamoDB stream events, with the retries
  ``make dev`` uses.

The functions get their environment from an ``env.json`` written for the emulator
(:func:`emulator_env_json`): the emulator's endpoint, ``TOKEN_VERIFICATION=handler``
(``sam local`` runs no Cognito authorizer: aws-sam-cli issue 5131), the pool's JWKS on
the emulator, the pool and client ids, the hosted-UI URL. SAM applies env.json only to
variables a function declares ("Environment variable file", SAM developer guide), so the
template that SAM builds here (:func:`sam_local_template`) is ``template.yaml`` with one
more declared variable (``AWS_ENDPOINT_URL``) and this CPU's architecture (the functions
are arm64 on AWS; a container of the other CPU would need QEMU). ``sam build`` needs Python 3.13 (README, "Build"); its output is cached.

Errors: :class:`SamLocalError` (Docker missing, a port taken, SAM exiting early), with a
sentence that says what to do.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import boto3
from botocore.config import Config
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from local_stack.lambda_runtime.event_delivery import EventDelivery
from local_stack.stack import LocalStack, Ports, configure_logging
from local_stack.template import load_yaml
from tools import lambda_image
from tools.docker_host import DockerError, bridge_gateway, docker_problem, sam_containers
from tools.env_json import TOKEN_VERIFICATION_VAR, VERIFY_IN_HANDLER, write_env_json

ROOT = Path(__file__).resolve().parents[1]
WORK_DIR = ROOT / ".aws-sam" / "sam-local"
SAM = str(Path(sys.executable).with_name("sam"))

#: Variables the sam-local template declares for every function, so env.json can set them.
DECLARED_FOR_SAM_LOCAL = ("AWS_ENDPOINT_URL",)
#: Seconds SAM CLI may take to start listening (it reads the template; EAGER starts
#: every container first).
SAM_START_TIMEOUT_S = 300.0
#: Seconds an event invocation may take beyond the function's own Timeout (container
#: start and the function's init).
INVOKE_GRACE_S = 120.0
#: Seconds each SAM CLI process gets to stop its containers after SIGINT.
SAM_STOP_TIMEOUT_S = 30.0


class SamLocalError(Exception):
    """``make sam-local`` cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class SamPorts:
    """Requested ports; 0 means any free one."""

    api: int = 3000
    hosted_ui: int = 3001
    emulator: int = 3002
    local: int = 3003


# ------------------------------------------------------------------ template, build, env


def sam_local_template(template_path: Path, architecture: str) -> dict[str, Any]:
    """``template_path`` as ``sam local`` builds it here: :data:`DECLARED_FOR_SAM_LOCAL`
    declared for every function, ``architecture`` for all, ``CodeUri`` absolute."""
    raw = load_yaml(template_path)
    function = raw.setdefault("Globals", {}).setdefault("Function", {})
    function["Architectures"] = [architecture]
    variables = function.setdefault("Environment", {}).setdefault("Variables", {})
    for name in DECLARED_FOR_SAM_LOCAL:
        variables.setdefault(name, "")
    for key, resource in raw.get("Resources", {}).items():
        props = resource.get("Properties") or {}
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props.pop("Architectures", None)
        code_uri = props.get("CodeUri", function.get("CodeUri"))
        if isinstance(code_uri, str):
            props["CodeUri"] = str((template_path.parent / code_uri).resolve())
        raw["Resources"][key]["Properties"] = props
    function.pop("CodeUri", None)
    return raw


def sam_build(template_path: Path, architecture: str, say: Callable[[str], None]) -> Path:
    """``sam build`` of :func:`sam_local_template` into :data:`WORK_DIR` (cached);
    returns the built template.

    Raises:
        SamLocalError: the build failed (its output's tail in the message).
    """
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    source = WORK_DIR / "template.json"
    text = json.dumps(sam_local_template(template_path, architecture), indent=1)
    if not source.is_file() or source.read_text() != text:
        source.write_text(text)
    build_dir = WORK_DIR / "build"
    env = {
        **os.environ,
        "SAM_CLI_TELEMETRY": "0",
        "BUILD_ARCHITECTURE": architecture,
        "BUILD_PYTHON": sys.executable,
    }
    say(f"sam build ({architecture}, cached in {build_dir.relative_to(ROOT)}) ...")
    # One build at a time (a test and `make bench` may start together): two sam builds
    # into one build dir fail ("Unable to use build dir").
    with (WORK_DIR / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = subprocess.run(
            [SAM, "build", "--template-file", str(source), "--build-dir", str(build_dir),
             "--cache-dir", str(WORK_DIR / "cache"), "--cached", "--parallel"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False,
        )  # fmt: skip
    if result.returncode != 0:
        raise SamLocalError(f"sam build failed:\n{(result.stdout + result.stderr)[-3000:]}")
    return build_dir / "template.yaml"


def emulator_env_json(
    stack: LocalStack, gateway_urls: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    """SAM's per-function env.json for the functions of ``stack``'s template, pointed at
    its emulator: the template's variables with the local stack's values, then
    ``AWS_ENDPOINT_URL`` (the emulator), ``TOKEN_VERIFICATION=handler``, ``JWKS_URL``
    (the pool's JWKS on the emulator; Cognito's issuer URL is not reachable from here),
    ``COGNITO_DOMAIN_URL`` (the hosted-UI stand-in).

    Args:
        stack: a started stack.
        gateway_urls: ``emulator`` and ``hosted_ui`` URLs as the containers reach them.
    """
    assert stack.template is not None and stack.provisioned is not None
    emulator = gateway_urls["emulator"]
    jwks = f"{emulator}/{stack.provisioned.user_pool_id}/.well-known/jwks.json"
    env: dict[str, dict[str, str]] = {}
    for logical_id, spec in stack.template.functions().items():
        values = {**spec.environment}
        values["AWS_ENDPOINT_URL"] = emulator
        if TOKEN_VERIFICATION_VAR in values:
            values[TOKEN_VERIFICATION_VAR] = VERIFY_IN_HANDLER
        if "JWKS_URL" in values:
            values["JWKS_URL"] = jwks
        if "COGNITO_DOMAIN_URL" in values:
            values["COGNITO_DOMAIN_URL"] = gateway_urls["hosted_ui"]
        env[logical_id] = values
    return env


# ------------------------------------------------------------------ events via start-lambda


@dataclass
class InvokeResult:
    """What :class:`local_stack.lambda_runtime.event_delivery.EventDelivery` reads of an
    invocation."""

    payload: Any = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0
    cold_start: bool = False
    request_id: str = ""


@dataclass
class StartLambdaInvoker:
    """``invoke(function_id, event)`` through ``sam local start-lambda`` (the Lambda
    Invoke API, synchronous). A function error or an unreachable endpoint is an
    ``error`` like Lambda's (``errorType``, ``errorMessage``), so the caller retries.
    """

    endpoint_url: str
    timeouts_s: Mapping[str, int]
    region: str = "us-east-1"
    _clients: dict[str, Any] = field(default_factory=dict)

    def _client(self, function_id: str) -> Any:
        if function_id not in self._clients:
            read_timeout = self.timeouts_s.get(function_id, 60) + INVOKE_GRACE_S
            self._clients[function_id] = boto3.session.Session().client(
                "lambda",
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=Config(read_timeout=read_timeout, retries={"max_attempts": 1}),
            )
        return self._clients[function_id]

    def invoke(self, function_id: str, event: Any) -> InvokeResult:
        started = time.perf_counter()
        try:
            response = self._client(function_id).invoke(
                FunctionName=function_id, Payload=json.dumps(event).encode()
            )
            raw = response["Payload"].read()
        except Exception as exc:  # noqa: BLE001 - any failure is a failed attempt, retried
            return InvokeResult(
                error={"errorType": type(exc).__name__, "errorMessage": str(exc)[:300]},
                duration_ms=(time.perf_counter() - started) * 1000,
            )
        payload = json.loads(raw) if raw else None
        error = None
        if response.get("FunctionError"):
            error = payload if isinstance(payload, dict) else {"errorType": "Unhandled"}
        return InvokeResult(
            payload=payload,
            error=error,
            duration_ms=(time.perf_counter() - started) * 1000,
            request_id=response.get("ResponseMetadata", {}).get("RequestId", ""),
        )


# ------------------------------------------------------------------ the dev inbox's port


def local_endpoints(stack: LocalStack, events: EventDelivery, info: Mapping[str, str]) -> Any:
    """WSGI app of the ``/_local/`` endpoints ``make dev`` serves on its API port, which
    SAM's API does not have: the dev inbox, the event endpoints and the health report."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        path = request.path
        status, body = 404, {"error": "not_found", "error_description": "No such local endpoint."}
        handled = events.handle(request.method, path, dict(request.args))
        if handled is not None:
            status, body = handled
        elif request.method == "GET" and path == "/_local/health":
            status, body = 200, dict(info)
        elif request.method == "GET" and path.startswith("/_local/inbox/") and stack.inbox:
            email = path.removeprefix("/_local/inbox/")
            if email:
                status, body = 200, {"messages": stack.inbox.messages(email)}
        response = Response(json.dumps(body), status=status, content_type="application/json")
        return response(environ, start_response)

    return app


def free_port(host: str) -> int:
    """A TCP port free on ``host`` now (SAM CLI takes a number, not a socket)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + SAM_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SamLocalError(f"{what} exited ({process.returncode}); see its log above")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SamLocalError(f"{what} did not listen on {host}:{port} in {SAM_START_TIMEOUT_S:.0f} s")


# ------------------------------------------------------------------ the whole thing


class SamLocal:
    """``make sam-local``: ``start()`` then ``stop()`` (idempotent; stops what it started:
    SAM CLI's processes, their containers, the stack).

    Args:
        template_path: the SAM template (``template.yaml``).
        ports: requested ports (0: free ones).
        warm_containers: SAM's ``--warm-containers`` (``EAGER`` or ``LAZY``).
        image_mode: :func:`tools.lambda_image.ensure_image`'s mode.
        log: where SAM CLI's output, the functions' output and the stack's console go.
    """

    def __init__(
        self,
        template_path: Path = ROOT / "template.yaml",
        ports: SamPorts = SamPorts(),
        warm_containers: str = "LAZY",
        image_mode: str = "auto",
        log: IO[str] | None = None,
    ) -> None:
        self.template_path = template_path.resolve()
        self.ports = ports
        self.warm_containers = warm_containers
        self.image_mode = image_mode
        self.log = log or sys.stdout
        self.stack: LocalStack | None = None
        self.events: EventDelivery | None = None
        self.image: lambda_image.ImageChoice | None = None
        self.info: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        self._processes: list[subprocess.Popen[bytes]] = []
        self._server: Any = None
        self._env_json: Path | None = None

    def _say(self, line: str) -> None:
        print(line, file=self.log, flush=True)

    def _timed(self, name: str, started: float) -> None:
        self.timings[name] = round(time.monotonic() - started, 1)

    def start(self) -> SamLocal:
        problem = docker_problem()
        if problem:
            raise SamLocalError(f"{problem}: `make sam-local` runs the functions in Docker")
        gateway = bridge_gateway()
        # The hosted-UI stand-in (Authlib) serves plain HTTP on localhost only; here it is
        # on the bridge address, still this machine. This process only, never a Lambda's.
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
        started = time.monotonic()
        self.image = lambda_image.ensure_image("python3.13", self.image_mode, self._say)
        self._timed("image_s", started)
        started = time.monotonic()
        built = sam_build(self.template_path, lambda_image.lambda_architecture(), self._say)
        self._timed("sam_build_s", started)
        started = time.monotonic()
        api_port = self.ports.api or free_port("127.0.0.1")
        self.stack = LocalStack(
            self.template_path,
            host=gateway,
            ports=Ports(api_port, self.ports.hosted_ui, self.ports.emulator),
            serve_api=False,
            log_stream=self.log,
            console=self.log,
        ).start()
        assert self.stack.info is not None and self.stack.template is not None
        urls = {
            "emulator": self.stack.info.emulator_url,
            "hosted_ui": self.stack.info.hosted_ui_url,
        }
        # One per instance (its emulator's ports): SAM reads it when it starts.
        env_json = self._env_json = WORK_DIR / f"env-{api_port}.json"
        write_env_json(emulator_env_json(self.stack, urls), env_json)
        lambda_port = free_port("127.0.0.1")
        # start-lambda serves the two event-driven functions only: EAGER would start a
        # container for each of the 27 that never gets an event.
        self._sam("start-lambda", lambda_port, built, env_json, "LAZY")
        self._sam("start-api", api_port, built, env_json, self.warm_containers)
        for process, port, what in zip(
            self._processes,
            (lambda_port, api_port),
            ("sam local start-lambda", "sam local start-api"),
        ):
            _wait_for_port("127.0.0.1", port, process, what)
        timeouts = {fid: spec.timeout_s for fid, spec in self.stack.template.functions().items()}
        invoker = StartLambdaInvoker(
            f"http://127.0.0.1:{lambda_port}", timeouts, self.stack.template.region
        )
        self.events = EventDelivery(
            self.stack.template, invoker.invoke, self.stack.info.emulator_url
        ).start()
        self._serve_local(gateway)
        self._timed("start_s", started)
        return self

    def _sam(self, command: str, port: int, template: Path, env_json: Path, warm: str) -> None:
        assert self.stack is not None and self.stack.template is not None
        env = {
            **os.environ,
            "SAM_CLI_TELEMETRY": "0",
            # The containers' credentials (SAM passes its own): the emulator takes any.
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": self.stack.template.region,
            "AWS_DEFAULT_REGION": self.stack.template.region,
        }
        env.pop("AWS_PROFILE", None)
        env.pop("AWS_SESSION_TOKEN", None)
        args = [
            SAM, "local", command, "--template-file", str(template),
            "--env-vars", str(env_json), "--host", "127.0.0.1", "--port", str(port),
            "--skip-pull-image", "--warm-containers", warm,
            "--region", self.stack.template.region,
            # SAM answers CORS itself, from the template's Cors and these parameters.
            "--parameter-overrides", f"AllowedOrigin={self.stack.info.web_url.rstrip('/')}",
        ]  # fmt: skip
        self._say(f"$ sam local {command} --port {port} --warm-containers {warm}")
        self._processes.append(
            subprocess.Popen(
                args,
                cwd=WORK_DIR,
                env=env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own group: Ctrl-C is passed on by stop()
            )
        )

    def _serve_local(self, gateway: str) -> None:
        assert self.stack is not None and self.stack.info is not None and self.events is not None
        server = make_server(gateway, self.ports.local, lambda e, s: self._app(e, s), threaded=True)
        local_url = f"http://{gateway}:{server.server_port}"
        info = self.stack.info
        self.info = {
            "api_url": f"http://127.0.0.1:{self.stack.info.api_url.rsplit(':', 1)[1]}",
            "hosted_ui_url": info.hosted_ui_url,
            "emulator_url": info.emulator_url,
            "local_url": local_url,
            "inbox_url": f"{local_url}/_local/inbox/{{email}}",
            "user_pool_id": info.user_pool_id or "",
            "client_id": info.client_id or "",
            "image": f"{self.image.name} ({self.image.kind})" if self.image else "",
            "warm_containers": self.warm_containers,
        }
        self._app = local_endpoints(self.stack, self.events, self.info)
        self._server = server
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        ).start()

    def banner(self) -> str:
        """Where everything is, and which image runs the functions."""
        i = self.info
        return "\n".join(
            [
                "Moments under SAM CLI's `sam local start-api` (every function in Docker)",
                f"  API              {i['api_url']}   (sam local start-api; tokens checked by the handlers)",
                f"  Hosted UI        {i['hosted_ui_url']}  (Cognito hosted-UI stand-in)",
                f"  Dev inbox        {i['inbox_url']}",
                f"  AWS emulator     {i['emulator_url']}  (moto: cognito-idp, S3, DynamoDB)",
                f"  Events           S3 and stream events -> sam local start-lambda ({i['local_url']}/_local/events)",
                f"  Lambda image     {i['image']}, --warm-containers {i['warm_containers']}",
                f"  User pool        {i['user_pool_id']}  client {i['client_id']}",
                f"  Start-up         {json.dumps(self.timings)}",
                "Press Ctrl-C to stop.",
            ]
        )

    def stop(self) -> None:
        """Stop event delivery, SAM CLI (SIGINT: it removes its warm containers; SIGKILL
        after :data:`SAM_STOP_TIMEOUT_S`), any container it left, and the stack."""
        if self.events is not None:
            self.events.stop()
            self.events = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        processes, self._processes = self._processes, []
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=SAM_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # SAM CLI removes its warm containers on SIGINT, but not always all of them (with
        # EAGER, some were left running); and a killed one removes none. Whatever is left
        # of this instance's (they point at its emulator) goes.
        if processes and self.stack is not None and self.stack.info is not None:
            left = sam_containers(self.stack.info.emulator_url)
            if left:
                subprocess.run(
                    ["docker", "rm", "-f", *sorted(left)], capture_output=True, check=False
                )
        if self.stack is not None:
            self.stack.stop()
            self.stack = None
        if self._env_json is not None:
            self._env_json.unlink(missing_ok=True)
            self._env_json = None


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.sam_local [--api-port N ...] [--warm-containers EAGER|LAZY]
    [--image auto|official|stand-in] [--info-file PATH]``; runs until Ctrl-C or SIGTERM.

    ``--info-file`` receives the URLs as JSON once everything listens (tests wait for it).
    Returns 0, or 1 with one line on stderr when it cannot start.
    """
    parser = argparse.ArgumentParser(
        prog="python -m tools.sam_local", description=__doc__.split("\n")[0]
    )
    defaults = SamPorts()
    for name in ("api", "hosted_ui", "emulator", "local"):
        parser.add_argument(
            f"--{name.replace('_', '-')}-port", type=int, default=getattr(defaults, name)
        )
    parser.add_argument("--warm-containers", choices=("EAGER", "LAZY"), default="LAZY")
    parser.add_argument("--image", choices=("auto", "official", "stand-in"), default="auto")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--info-file", type=Path, default=None)
    args = parser.parse_args(argv)
    configure_logging(sys.stdout)
    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    ports = SamPorts(args.api_port, args.hosted_ui_port, args.emulator_port, args.local_port)
    sam_local = SamLocal(args.template, ports, args.warm_containers, args.image)
    try:
        sam_local.start()
        print(sam_local.banner(), flush=True)
        if args.info_file:
            info = {**sam_local.info, "timings": sam_local.timings}
            args.info_file.write_text(json.dumps(info), encoding="utf-8")
        while not stopping.wait(0.2):
            pass
        print("Stopping...", flush=True)
    except (SamLocalError, DockerError, lambda_image.ImageError, OSError) as exc:
        print(f"sam-local: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        sam_local.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
