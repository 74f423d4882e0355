"""Lambda sandboxes for the template's functions: a few worker processes per function.

Each execution environment is a ``python -I local_stack/lambda_runtime/worker.py`` subprocess, started on
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

Differences from Lambda, on purpose:

- ``MemorySize`` is reported (env, context) but not enforced: an address-space limit would
  break CPython's allocator long before the handler used that much.
- New environments are forked from a *zygote* that has boto3 and pydantic imported
  (:mod:`local_stack.lambda_runtime.worker`), so a local cold start skips about 0.3 s of CPU that
  Lambda's does not. Everything else (Powertools, the handler module, its clients) is
  imported after the fork, in the function's own environment. ``preload=False``
  (``python -m local_stack --no-preload``) starts each environment from a fresh
  interpreter instead; ``invoke`` always does (one cold start gains nothing from a fork).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import select
import signal
import socket
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

from local_stack.lambda_runtime.worker import ZYGOTE_MODULES, provides
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


class _ZygoteError(Exception):
    """The zygote could not start or fork an environment."""


class _ForkedProcess:
    """An environment forked by a :class:`_Zygote`: the part of ``subprocess.Popen`` that
    :class:`FunctionWorker` uses (``pid``, ``poll``, ``wait``). The zygote, not this
    process, is its parent, so the exit status comes from the zygote's reports."""

    def __init__(self, pid: int, zygote: _Zygote) -> None:
        self.pid = pid
        self._zygote = zygote

    def poll(self) -> int | None:
        """The exit status (``-N``: killed by signal N), or None while it runs."""
        return self._zygote.returncode(self.pid, timeout_s=0)

    def wait(self) -> int:
        """Wait for the exit status. The caller has killed it or seen its pipes close, so
        the report is due; if it never comes (the zygote died), the status is unknown:
        -1."""
        code = self._zygote.returncode(self.pid, timeout_s=_EXIT_REPORT_S)
        return -1 if code is None else code


#: How long to wait for the zygote's report of an environment that has ended.
_EXIT_REPORT_S = 5.0


class _Zygote:
    """A ``worker.py --zygote`` process (see :func:`local_stack.lambda_runtime.worker.zygote`) and a
    thread reading its reports. Started by the constructor (which waits for it to be
    ready); forks with :meth:`spawn`. Use :func:`shared_zygote`, one per process.

    Raises (constructor, spawn):
        _ZygoteError: it did not start within :data:`INIT_LIMIT_S`, exited, or refused
            the request.
    """

    def __init__(self) -> None:
        self._spawn_lock = threading.Lock()
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._exits: dict[int, int] = {}
        self._exited = threading.Condition()
        self._gone = False
        self._requests = 0
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._process = subprocess.Popen(  # our own interpreter and worker script
                [sys.executable, "-I", str(WORKER_SCRIPT), "--zygote", str(theirs.fileno())],
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "en_US.UTF-8"},
                stdin=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        finally:
            theirs.close()
        self._control = ours
        self._control.settimeout(INIT_LIMIT_S)
        try:
            ready = json.loads(self._control.recv(65536) or b"null")
        except (OSError, ValueError) as exc:
            self.close()
            raise _ZygoteError(f"the zygote did not start: {exc}") from None
        if not isinstance(ready, dict) or ready.get("type") != "ready":
            self.close()
            raise _ZygoteError("the zygote did not start")
        self.preloaded: list[str] = list(ready.get("preloaded", []))
        self._control.settimeout(None)
        threading.Thread(target=self._read_reports, name="zygote-reports", daemon=True).start()

    def _read_reports(self) -> None:
        try:
            while True:
                data = self._control.recv(65536)
                if not data:
                    break
                message = json.loads(data)
                if message.get("type") == "exit":
                    with self._exited:
                        self._exits[int(message["pid"])] = int(message["returncode"])
                        self._exited.notify_all()
                else:
                    self._replies.put(message)
        except (OSError, ValueError):
            pass
        with self._exited:
            self._gone = True
            self._exited.notify_all()
        self._replies.put(None)

    @property
    def gone(self) -> bool:
        """Whether the zygote has exited (its control socket closed)."""
        return self._gone

    def spawn(
        self, env: Mapping[str, str], cwd: Path, fds: tuple[int, int, int, int]
    ) -> _ForkedProcess:
        """Fork an environment with exactly ``env`` in ``cwd``; ``fds`` are its request
        pipe's read end, response pipe's write end, stdout and stderr (the caller keeps
        and closes its own copies)."""
        with self._spawn_lock:
            if self._gone:
                raise _ZygoteError("the zygote has exited")
            self._requests += 1
            request_id = self._requests
            request = json.dumps({"id": request_id, "env": dict(env), "cwd": str(cwd)})
            try:
                socket.send_fds(self._control, [request.encode()], list(fds))
            except OSError as exc:
                raise _ZygoteError(f"the zygote did not take the request: {exc}") from None
            reply = self._reply_to(request_id, time.monotonic() + INIT_LIMIT_S)
        if reply is None or reply.get("type") != "spawned":
            reason = reply.get("message") if reply else "no answer"
            raise _ZygoteError(f"the zygote did not fork: {reason}")
        return _ForkedProcess(int(reply["pid"]), self)

    def _reply_to(self, request_id: int, deadline: float) -> dict[str, Any] | None:
        """The zygote's answer to request ``request_id``; None by ``deadline``. An answer to
        an earlier request that timed out is dropped, and the environment it reports
        killed: nobody owns it."""
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                reply = self._replies.get(timeout=remaining)
            except queue.Empty:
                return None
            if reply is None or reply.get("id") == request_id:
                return reply
            if reply.get("type") == "spawned":
                _kill_group(int(reply["pid"]))
        return None

    def returncode(self, pid: int, timeout_s: float) -> int | None:
        """``pid``'s exit status once the zygote reported it (waits up to ``timeout_s``)."""
        with self._exited:
            self._exited.wait_for(lambda: pid in self._exits or self._gone, timeout_s)
            if pid in self._exits:
                return self._exits[pid]
        if self._gone and not _exists(pid):
            return -1  # ended after the zygote did: nobody reported its status
        return None

    def close(self) -> None:
        """End the zygote (its environments are the workers' to stop)."""
        try:
            self._control.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._control.close()
        try:
            self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()


_shared: _Zygote | None = None
_shared_lock = threading.Lock()


def shared_zygote() -> _Zygote:
    """This process's zygote, started on first use and again if it exited; every
    :class:`Runtime` of the process forks from it (it keeps no state of theirs: each
    request carries the environment). It ends with this process (its control socket
    closes).

    Raises:
        _ZygoteError: it could not be started.
    """
    global _shared
    with _shared_lock:
        if _shared is not None and _shared.gone:
            log.warning("the zygote exited; starting another")
            _shared.close()
            _shared = None
        if _shared is None:
            started = time.perf_counter()
            _shared = _Zygote()
            log.info(
                "zygote ready in %.0f ms (%s preloaded for new environments)",
                (time.perf_counter() - started) * 1000,
                ", ".join(_shared.preloaded) or "nothing",
            )
        return _shared


def _kill_group(pid: int) -> None:
    """SIGKILL the process group led by ``pid``, if it still exists."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _exists(pid: int) -> bool:
    """Whether a process ``pid`` exists (a zombie counts until it is reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class FunctionWorker:
    """One execution environment of a function: a lazily started worker process, one
    invoke at a time.

    Args:
        spec: the function.
        env: its complete environment (:func:`function_environment`).
        log_stream: where the handler's stdout and stderr go (default: this process's).
        zygote: a callable returning the :class:`_Zygote` to fork the worker from, or
            None to start a fresh interpreter (also the fallback when it fails).
    """

    def __init__(
        self,
        spec: FunctionSpec,
        env: Mapping[str, str],
        overrides: LocalOverrides,
        log_stream: IO[str] | None = None,
        zygote: Callable[[], _Zygote | None] | None = None,
    ) -> None:
        self.spec = spec
        self._env = dict(env)
        self._zygote = zygote
        self._arn = f"arn:aws:lambda:{overrides.region}:{overrides.account_id}:function:{spec.function_name}"
        self._log_stream = log_stream
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | _ForkedProcess | None = None
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
            self._process = self._fork(request_r, response_w) or subprocess.Popen(
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

    def _fork(self, request_r: int, response_w: int) -> _ForkedProcess | None:
        """The worker forked from the zygote; None without one, or if it fails (then the
        caller starts a fresh interpreter, and the reason is logged)."""
        zygote = self._zygote() if self._zygote else None
        if zygote is None:
            return None
        if self._log_stream is not None:
            stdout = stderr = self._log_stream.fileno()
        else:
            stdout, stderr = 1, 2  # this process's, as Popen's stdout=None inherits them
        try:
            return zygote.spawn(
                self._env, self.spec.code_uri, (request_r, response_w, stdout, stderr)
            )
        except _ZygoteError as exc:
            log.warning("%s: %s; starting a fresh interpreter", self.spec.logical_id, exc)
            return None

    def kill(self) -> bool:
        """Kill the worker process group now; safe from any thread. Returns whether a
        running worker was signalled.

        An invoke in flight then sees the pipe close and ends with ``Runtime.ExitError``.
        """
        process = self._process
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
                return True
            except ProcessLookupError:
                pass
        return False

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
        preload: fork new environments from a zygote with boto3 and pydantic imported
            (functions whose code root ships its own copy of one still get a fresh
            interpreter); False: a fresh interpreter for every environment.
    """

    def __init__(
        self,
        functions: Mapping[str, FunctionSpec],
        overrides: LocalOverrides,
        log_stream: IO[str] | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        preload: bool = True,
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
        self._preload = preload
        self._zygote_failed = False

    def _shared_zygote(self) -> _Zygote | None:
        """The process's zygote (:func:`shared_zygote`); None once it failed to start for
        this runtime, or after ``stop``."""
        if self._zygote_failed or self._stopped:
            return None
        try:
            return shared_zygote()
        except _ZygoteError as exc:
            log.warning("%s; every environment starts a fresh interpreter", exc)
            self._zygote_failed = True
            return None

    def _forks_from_zygote(self, spec: FunctionSpec) -> bool:
        """Whether ``spec`` may be forked: preloading is on and its code root ships none
        of the modules the zygote has imported or hidden."""
        if not self._preload:
            return False
        own = provides(str(spec.code_uri), ZYGOTE_MODULES)
        if own:
            log.info(
                "%s ships %s itself: a fresh interpreter per environment",
                spec.logical_id,
                ", ".join(own),
            )
        return not own

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
                zygote = self._shared_zygote if self._forks_from_zygote(spec) else None
                pool = _Pool(
                    lambda: FunctionWorker(
                        spec,
                        self.environment(function_id),
                        self.overrides,
                        self._log_stream,
                        zygote=zygote,
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

    def kill(self, function_id: str) -> int:
        """SIGKILL every started environment of ``function_id`` now, as a crash would (an
        invoke in flight ends with ``Runtime.ExitError``; the next one is a cold start).
        Returns how many were running. For fault tests and "what if it crashed here"."""
        with self._lock:
            pool = self._pools.get(function_id)
        killed = 0
        for worker in pool.workers() if pool else []:
            killed += worker.kill()
        return killed

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
