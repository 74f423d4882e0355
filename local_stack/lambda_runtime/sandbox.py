"""One execution environment of a function (:class:`FunctionWorker`): a worker process
started on first need, from the zygote or a fresh interpreter, one invoke at a time, with
Lambda's init limit, timeout and response-size quota.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import IO, Any

from local_stack.lambda_runtime.environment import (
    INIT_LIMIT_S,
    MAX_SYNC_RESPONSE_BYTES,
    RESULT_ENVELOPE_BYTES,
    WORKER_SCRIPT,
    InvokeResult,
    LocalOverrides,
)
from local_stack.lambda_runtime.zygote import ForkedProcess, Zygote, ZygoteError
from local_stack.template import FunctionSpec

log = logging.getLogger("local_stack")


class FunctionWorker:
    """One execution environment of a function: a lazily started worker process, one
    invoke at a time.

    Args:
        spec: the function.
        env: its complete environment (:func:`function_environment`).
        log_stream: where the handler's stdout and stderr go (default: this process's).
        zygote: a callable returning the :class:`Zygote` to fork the worker from, or
            None to start a fresh interpreter (also the fallback when it fails).
    """

    def __init__(
        self,
        spec: FunctionSpec,
        env: Mapping[str, str],
        overrides: LocalOverrides,
        log_stream: IO[str] | None = None,
        zygote: Callable[[], Zygote | None] | None = None,
    ) -> None:
        self.spec = spec
        self._env = dict(env)
        self._zygote = zygote
        self._arn = f"arn:aws:lambda:{overrides.region}:{overrides.account_id}:function:{spec.function_name}"
        self._log_stream = log_stream
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | ForkedProcess | None = None
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

    def _fork(self, request_r: int, response_w: int) -> ForkedProcess | None:
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
        except ZygoteError as exc:
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
            size = self._last_line_bytes - RESULT_ENVELOPE_BYTES
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
