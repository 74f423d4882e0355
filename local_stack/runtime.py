"""Lambda sandboxes for the template's functions: a few worker processes per function.

Each execution environment is a ``python -I local_stack/worker.py`` subprocess, started on
first need (its cold start, logged with its duration) and reused afterwards, the way
Lambda reuses a warm execution environment. Like Lambda, a function gets another
environment when every warm one is busy, up to its concurrency (``concurrency``, default
:data:`DEFAULT_CONCURRENCY`, like a small ``ReservedConcurrentExecutions``); an invoke
beyond that waits for a free one (Lambda would throttle it). The worker sees exactly the
function's template environment plus the local overrides of :func:`function_environment`,
never the host's, so functions cannot read each other's settings.

Like Lambda (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html):

- an environment that died while idle is replaced by a fresh one (a cold start), never
  handed a request;
- the timeout kills the worker and the next invoke is a cold start;
- a synchronous invoke whose event is over 6 MB (6,291,456 bytes of JSON) is refused
  with ``RequestEntityTooLargeException`` before any environment sees it, and a result
  over 6,291,556 bytes is the function error ``Function.ResponseSizeTooLarge``
  (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html, "Invocation
  payload (request and response)").

Difference from Lambda, on purpose: ``MemorySize`` is reported (env, context) but not
enforced: an address-space limit would break CPython's allocator long before the handler
used that much.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from local_stack.template import ACCOUNT_ID, REGION, FunctionSpec

log = logging.getLogger("local_stack")

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
INIT_LIMIT_S = 10.0
"""Lambda's init phase limit for on-demand functions (10 s)."""
RUNTIME_VERSION = "python3.11"
DEFAULT_CONCURRENCY = 4
"""Execution environments per function unless the stack is told otherwise (``--concurrency``):
enough to serve a browser's parallel uploads without a staircase, few enough for 14
functions on a 2-core laptop."""
MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024
"""Lambda's synchronous invocation request payload quota: 6 MB, refused above 6,291,456
bytes ("Request must be smaller than 6291456 bytes for the InvokeFunction operation";
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""
MAX_SYNC_RESPONSE_BYTES = 6 * 1024 * 1024 + 100
"""Lambda's synchronous response payload quota: 6 MB, refused above 6,291,556 bytes of JSON
(the result becomes a ``Function.ResponseSizeTooLarge`` function error, so API Gateway
answers 502; https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""
_RESULT_ENVELOPE_BYTES = len('{"type": "result", "result": }')
PAYLOAD_TOO_LARGE = "RequestEntityTooLargeException"
"""``errorType`` of an invoke refused for its size (Lambda's HTTP 413 error code,
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors)."""


@dataclass(frozen=True)
class InvokeResult:
    """The outcome of one invoke.

    ``payload`` is the handler's return value when ``error`` is None. ``error`` has
    Lambda's function-error shape ``{"errorType", "errorMessage"}`` (handler exception,
    ``Sandbox.Timedout``, ``Runtime.ExitError``, an init failure...). Durations are ms.
    """

    function_id: str
    request_id: str
    payload: Any
    error: dict[str, str] | None
    cold_start: bool
    init_ms: float | None
    duration_ms: float


@dataclass(frozen=True)
class LocalOverrides:
    """The environment that differs locally (DESIGN.md: only environment variables do).

    ``hosted_ui_url`` replaces ``COGNITO_DOMAIN_URL`` where the template sets it.
    ``aws_config_file`` is a generated shared-config file (see :class:`Runtime`).
    """

    emulator_url: str
    hosted_ui_url: str | None = None
    region: str = REGION
    account_id: str = ACCOUNT_ID
    aws_config_file: str = os.devnull


def function_environment(spec: FunctionSpec, overrides: LocalOverrides) -> dict[str, str]:
    """The complete environment of ``spec``'s worker process.

    Lambda's own variables (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
    then the template's ``Environment.Variables``, then the local overrides:
    ``AWS_ENDPOINT_URL`` (every SDK client goes to the emulator), dummy credentials,
    region, ``POWERTOOLS_TRACE_DISABLED`` (no X-Ray daemon locally) and, if the template
    sets it, ``COGNITO_DOMAIN_URL`` -> the hosted-UI stand-in.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": "UTC",
        "LAMBDA_TASK_ROOT": str(spec.code_uri),
        "_HANDLER": spec.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime or RUNTIME_VERSION}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local/[$LATEST]" + uuid.uuid4().hex,
    }
    env.update(spec.environment)
    env.update(
        {
            "AWS_ENDPOINT_URL": overrides.emulator_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": overrides.region,
            "AWS_REGION": overrides.region,
            "AWS_CONFIG_FILE": overrides.aws_config_file,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
    )
    if "COGNITO_DOMAIN_URL" in spec.environment and overrides.hosted_ui_url:
        env["COGNITO_DOMAIN_URL"] = overrides.hosted_ui_url
    return env


class _WorkerGone(Exception):
    """The worker exited or closed its pipe before answering."""


class FunctionWorker:
    """One execution environment of a function: a lazily started worker process, one
    invoke at a time.

    Args:
        spec: the function.
        env: its complete environment (:func:`function_environment`).
        log_stream: where the handler's stdout and stderr go (default: this process's).
    """

    def __init__(
        self,
        spec: FunctionSpec,
        env: Mapping[str, str],
        overrides: LocalOverrides,
        log_stream: IO[str] | None = None,
    ) -> None:
        self.spec = spec
        self._env = dict(env)
        self._arn = f"arn:aws:lambda:{overrides.region}:{overrides.account_id}:function:{spec.function_name}"
        self._log_stream = log_stream
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._requests: IO[bytes] | None = None
        self._responses_fd: int | None = None
        self._buffer = b""
        self._last_line_bytes = 0

    # ------------------------------------------------------------------ lifecycle

    def _start(self) -> float:
        """Spawn the worker and wait for its init; returns the cold start in ms."""
        started = time.perf_counter()
        request_r, request_w = os.pipe()
        response_r, response_w = os.pipe()
        try:
            self._process = subprocess.Popen(  # our own interpreter and worker script
                [sys.executable, "-I", str(WORKER_SCRIPT), str(request_r), str(response_w)],
                env=self._env,
                cwd=str(self.spec.code_uri),
                stdin=subprocess.DEVNULL,
                stdout=self._log_stream,
                # With a log stream, the handler's stderr joins it (``run`` keeps the
                # terminal for CMD); without one, both are this process's, as before.
                stderr=subprocess.STDOUT if self._log_stream is not None else None,
                pass_fds=(request_r, response_w),
                # Own session: Ctrl-C in the terminal reaches only the stack, which then
                # stops the workers itself; killpg also ends anything a handler spawned.
                start_new_session=True,
            )
        finally:
            os.close(request_r)
            os.close(response_w)
        self._requests = os.fdopen(request_w, "wb")
        self._responses_fd = response_r
        self._buffer = b""
        message = self._read(time.monotonic() + INIT_LIMIT_S)
        if message is None:
            self._stop()
            raise _Failure(
                "Runtime.InitTimeout", f"Init did not finish within {INIT_LIMIT_S:.0f} s"
            )
        if message.get("type") != "ready":
            self._stop()
            error_type = str(message.get("errorType", "InitError"))
            raise _Failure(
                error_type if error_type.startswith("Runtime.") else f"Runtime.{error_type}",
                str(message.get("errorMessage", "init failed")),
            )
        return (time.perf_counter() - started) * 1000

    def kill(self) -> None:
        """Kill the worker process group now; safe from any thread.

        An invoke in flight then sees the pipe close and ends with ``Runtime.ExitError``.
        """
        process = self._process
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def close(self, wait_s: float = 2.0) -> None:
        """Kill the worker and release its pipes (waits briefly for an invoke in flight)."""
        self.kill()
        if self._lock.acquire(timeout=wait_s):
            try:
                self._stop()
            finally:
                self._lock.release()

    def _stop(self) -> None:
        """Kill and reap the worker, close the pipes. Call with the lock held."""
        self.kill()
        process, self._process = self._process, None
        if process is not None:
            process.wait()
        if self._requests is not None:
            try:
                self._requests.close()
            except OSError:
                pass
            self._requests = None
        if self._responses_fd is not None:
            os.close(self._responses_fd)
            self._responses_fd = None

    # ------------------------------------------------------------------ invoke

    def _alive(self) -> bool:
        """Whether the started worker can take a request: running, and nothing (not even
        EOF) waiting on its response pipe while it is idle."""
        if self._process is None or self._process.poll() is not None:
            return False
        assert self._responses_fd is not None
        readable, _, _ = select.select([self._responses_fd], [], [], 0)
        return not readable and not self._buffer

    def invoke(
        self, event: Any, request_id: str | None = None, event_json: bytes | None = None
    ) -> InvokeResult:
        """Run the handler on ``event``; waits for an earlier invoke of this environment.

        ``event_json`` is ``event`` already serialised (saves serialising a large event
        twice). A worker that exited while idle is replaced first (a cold start), so the
        request never goes to a dead process.
        """
        if event_json is None:
            event_json = json.dumps(event).encode()
        with self._lock:
            request_id = request_id or str(uuid.uuid4())
            started = time.perf_counter()
            if self._process is not None and not self._alive():
                code = self._process.poll()
                log.info(
                    "%s: worker exited while idle (status %s); starting a new one",
                    self.spec.logical_id,
                    code,
                )
                self._stop()
            cold_start, init_ms = self._process is None, None
            try:
                if cold_start:
                    init_ms = self._start()
                    log.info(
                        "%s: cold start, worker ready in %.0f ms", self.spec.logical_id, init_ms
                    )
                payload, error = self._invoke(event_json, request_id)
            except _Failure as failure:
                payload, error = None, failure.as_error()
            return InvokeResult(
                function_id=self.spec.logical_id,
                request_id=request_id,
                payload=payload,
                error=error,
                cold_start=cold_start,
                init_ms=init_ms,
                duration_ms=(time.perf_counter() - started) * 1000,
            )

    def _invoke(self, event_json: bytes, request_id: str) -> tuple[Any, dict[str, str] | None]:
        assert self._requests is not None
        timeout_ms = self.spec.timeout_s * 1000
        # The event is spliced in already serialised (the runtime measured its size).
        rest = json.dumps(
            {"request_id": request_id, "timeout_ms": timeout_ms, "invoked_function_arn": self._arn}
        )
        line = b'{"event": ' + event_json + b", " + rest[1:].encode() + b"\n"
        try:
            self._requests.write(line)
            self._requests.flush()
        except (BrokenPipeError, OSError):
            self._stop()
            raise _Failure("Runtime.ExitError", "The runtime exited before the invoke") from None
        message = self._read(time.monotonic() + self.spec.timeout_s)
        if message is None:
            log.info(
                "%s: timed out after %d s; worker killed", self.spec.logical_id, self.spec.timeout_s
            )
            self._stop()
            raise _Failure(
                "Sandbox.Timedout", f"Task timed out after {self.spec.timeout_s:.2f} seconds"
            )
        if message.get("type") == "result":
            size = self._last_line_bytes - _RESULT_ENVELOPE_BYTES
            if size > MAX_SYNC_RESPONSE_BYTES:
                return None, {
                    "errorType": "Function.ResponseSizeTooLarge",
                    "errorMessage": "Response payload size exceeded maximum allowed "
                    f"payload size ({MAX_SYNC_RESPONSE_BYTES} bytes).",
                }
            return message.get("result"), None
        return None, {
            "errorType": str(message.get("errorType")),
            "errorMessage": str(message.get("errorMessage")),
        }

    def _read(self, deadline: float) -> dict[str, Any] | None:
        """The worker's next message; None on deadline. Raises _Failure if it exited."""
        fd = self._responses_fd
        assert fd is not None
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                code = self._process.wait() if self._process else None
                self._stop()
                raise _Failure("Runtime.ExitError", f"Runtime exited with status {code}")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        self._last_line_bytes = len(line)
        return json.loads(line)


class _Failure(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type

    def as_error(self) -> dict[str, str]:
        return {"errorType": self.error_type, "errorMessage": str(self)}


class Runtime:
    """All functions' sandboxes.

    Writes a shared-config file that pins S3 to path-style addressing, so presigned URLs
    point at ``{emulator}/{bucket}/{key}`` whatever host name the emulator has (botocore
    already does that for an IP-address endpoint; ``localhost`` would otherwise get
    virtual-host URLs). It is an environment-only difference: the code is unchanged.

    Args:
        functions: logical id -> spec (``Template.functions()`` after provisioning).
        overrides: the local environment overrides.
        log_stream: where the handlers' stdout and stderr go (``invoke``: stderr;
            ``run``: its log file; default: this process's own).
        concurrency: execution environments per function (at least 1).
    """

    def __init__(
        self,
        functions: Mapping[str, FunctionSpec],
        overrides: LocalOverrides,
        log_stream: IO[str] | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self._config_dir = tempfile.TemporaryDirectory(prefix="local-stack-")
        config_file = Path(self._config_dir.name, "aws-config")
        config_file.write_text("[default]\ns3 =\n    addressing_style = path\n", encoding="utf-8")
        self.overrides = replace(overrides, aws_config_file=str(config_file))
        self.functions = dict(functions)
        self._log_stream = log_stream
        self._pools: dict[str, _Pool] = {}
        self._lock = threading.Lock()
        self._stopped = False

    def environment(self, function_id: str) -> dict[str, str]:
        """The environment ``function_id``'s worker gets."""
        return function_environment(self.functions[function_id], self.overrides)

    def invoke(self, function_id: str, event: Any) -> InvokeResult:
        """Invoke ``function_id`` (a template logical id) with ``event``.

        An event over :data:`MAX_SYNC_PAYLOAD_BYTES` is refused without running anything:
        ``error`` is ``{"errorType": PAYLOAD_TOO_LARGE, ...}``. Otherwise the invoke runs in
        an idle warm environment, else a new one (cold start) while the function has fewer
        than ``concurrency``, else it waits for one to be free.

        Raises:
            KeyError: no such function.
            RuntimeError: the runtime was stopped.
        """
        with self._lock:
            if self._stopped:
                raise RuntimeError("the runtime is stopped")
            pool = self._pools.get(function_id)
            if pool is None:
                spec = self.functions[function_id]
                pool = _Pool(
                    lambda: FunctionWorker(
                        spec, self.environment(function_id), self.overrides, self._log_stream
                    ),
                    self.concurrency,
                )
                self._pools[function_id] = pool
        event_json = json.dumps(event).encode()
        size = len(event_json)
        if size > MAX_SYNC_PAYLOAD_BYTES:
            return InvokeResult(
                function_id=function_id,
                request_id=str(uuid.uuid4()),
                payload=None,
                error={
                    "errorType": PAYLOAD_TOO_LARGE,
                    "errorMessage": f"{size} byte payload is too large for the "
                    f"RequestResponse invocation type "
                    f"(limit {MAX_SYNC_PAYLOAD_BYTES} bytes)",
                },
                cold_start=False,
                init_ms=None,
                duration_ms=0.0,
            )
        worker = pool.acquire()
        try:
            return worker.invoke(event, event_json=event_json)
        finally:
            pool.release(worker)

    def stop(self) -> None:
        """Kill every worker now (in-flight invokes end with ``Runtime.ExitError``)."""
        with self._lock:
            self._stopped = True
            pools = list(self._pools.values())
        for pool in pools:
            pool.close()  # invokes still waiting for an environment fail instead
        workers = [worker for pool in pools for worker in pool.workers()]
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.close()
        self._config_dir.cleanup()


class _Pool:
    """A function's execution environments: at most ``limit``, idle ones reused newest
    first (so extra environments stay cold when traffic drops, as Lambda's do)."""

    def __init__(self, create: Callable[[], FunctionWorker], limit: int) -> None:
        self._create = create
        self._limit = limit
        self._all: list[FunctionWorker] = []
        self._idle: list[FunctionWorker] = []
        self._free = threading.Condition()
        self._closed = False

    def close(self) -> None:
        with self._free:
            self._closed = True
            self._free.notify_all()

    def acquire(self) -> FunctionWorker:
        """An idle environment, else a new one under the limit, else wait for one.

        Raises:
            RuntimeError: the pool was closed (the runtime stopped).
        """
        with self._free:
            while not self._closed and not self._idle and len(self._all) >= self._limit:
                self._free.wait()
            if self._closed:
                raise RuntimeError("the runtime is stopped")
            if self._idle:
                return self._idle.pop()
            worker = self._create()
            self._all.append(worker)
            return worker

    def release(self, worker: FunctionWorker) -> None:
        with self._free:
            self._idle.append(worker)
            self._free.notify()

    def workers(self) -> list[FunctionWorker]:
        with self._free:
            return list(self._all)
