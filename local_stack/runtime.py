"""Lambda sandboxes for the template's functions: one worker process per function.

Each function runs in its own ``python -I local_stack/worker.py`` subprocess, started on
its first invoke (its cold start, logged with its duration) and reused afterwards, the way
Lambda reuses a warm execution environment. The worker sees exactly the function's
template environment plus the local overrides of :func:`function_environment`, never the
host's, so functions cannot read each other's settings.

Differences from Lambda, on purpose:

- One sandbox per function and one invoke at a time (later invokes queue); Lambda would
  start more sandboxes under concurrency. Fine for one developer; it also keeps 14
  functions within a 2-core laptop.
- ``MemorySize`` is reported (env, context) but not enforced: an address-space limit
  would break CPython's allocator long before the handler used that much.
- The timeout kills the worker (as Lambda does) and the next invoke is a cold start.
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
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from local_stack.template import ACCOUNT_ID, REGION, FunctionSpec

log = logging.getLogger("local_stack")

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
INIT_LIMIT_S = 10.0
"""Lambda's init phase limit for on-demand functions (10 s)."""
RUNTIME_VERSION = "python3.11"


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
    """The sandbox of one function: a lazily started worker process, one invoke at a time.

    Args:
        spec: the function.
        env: its complete environment (:func:`function_environment`).
        log_stream: where the handler's stdout and stderr go (default: this process's).
    """

    def __init__(self, spec: FunctionSpec, env: Mapping[str, str],
                 overrides: LocalOverrides, log_stream: IO[str] | None = None) -> None:
        self.spec = spec
        self._env = dict(env)
        self._arn = (
            f"arn:aws:lambda:{overrides.region}:{overrides.account_id}:function:{spec.function_name}"
        )
        self._log_stream = log_stream
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._requests: IO[bytes] | None = None
        self._responses_fd: int | None = None
        self._buffer = b""

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
            raise _Failure("Runtime.InitTimeout", f"Init did not finish within {INIT_LIMIT_S:.0f} s")
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

    def invoke(self, event: Any) -> InvokeResult:
        """Run the handler on ``event``; waits for earlier invokes of this function."""
        with self._lock:
            request_id = str(uuid.uuid4())
            started = time.perf_counter()
            cold_start, init_ms = self._process is None, None
            try:
                if cold_start:
                    init_ms = self._start()
                    log.info("%s: cold start, worker ready in %.0f ms", self.spec.logical_id, init_ms)
                payload, error = self._invoke(event, request_id)
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

    def _invoke(self, event: Any, request_id: str) -> tuple[Any, dict[str, str] | None]:
        assert self._requests is not None
        timeout_ms = self.spec.timeout_s * 1000
        request = {"event": event, "request_id": request_id, "timeout_ms": timeout_ms,
                   "invoked_function_arn": self._arn}
        try:
            self._requests.write(json.dumps(request).encode() + b"\n")
            self._requests.flush()
        except (BrokenPipeError, OSError):
            self._stop()
            raise _Failure("Runtime.ExitError", "The runtime exited before the invoke") from None
        message = self._read(time.monotonic() + self.spec.timeout_s)
        if message is None:
            log.info("%s: timed out after %d s; worker killed", self.spec.logical_id,
                     self.spec.timeout_s)
            self._stop()
            raise _Failure("Sandbox.Timedout",
                           f"Task timed out after {self.spec.timeout_s:.2f} seconds")
        if message.get("type") == "result":
            return message.get("result"), None
        return None, {"errorType": str(message.get("errorType")),
                      "errorMessage": str(message.get("errorMessage"))}

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
    """

    def __init__(self, functions: Mapping[str, FunctionSpec], overrides: LocalOverrides,
                 log_stream: IO[str] | None = None) -> None:
        self._config_dir = tempfile.TemporaryDirectory(prefix="local-stack-")
        config_file = Path(self._config_dir.name, "aws-config")
        config_file.write_text("[default]\ns3 =\n    addressing_style = path\n", encoding="utf-8")
        self.overrides = replace(overrides, aws_config_file=str(config_file))
        self.functions = dict(functions)
        self._log_stream = log_stream
        self._workers: dict[str, FunctionWorker] = {}
        self._lock = threading.Lock()
        self._stopped = False

    def environment(self, function_id: str) -> dict[str, str]:
        """The environment ``function_id``'s worker gets."""
        return function_environment(self.functions[function_id], self.overrides)

    def invoke(self, function_id: str, event: Any) -> InvokeResult:
        """Invoke ``function_id`` (a template logical id) with ``event``.

        Raises:
            KeyError: no such function.
            RuntimeError: the runtime was stopped.
        """
        with self._lock:
            if self._stopped:
                raise RuntimeError("the runtime is stopped")
            worker = self._workers.get(function_id)
            if worker is None:
                spec = self.functions[function_id]
                worker = FunctionWorker(spec, self.environment(function_id), self.overrides,
                                        self._log_stream)
                self._workers[function_id] = worker
        return worker.invoke(event)

    def stop(self) -> None:
        """Kill every worker now (in-flight invokes end with ``Runtime.ExitError``)."""
        with self._lock:
            self._stopped = True
            workers = list(self._workers.values())
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.close()
        self._config_dir.cleanup()
