"""One Lambda sandbox: imports one handler and runs one invocation at a time.

Started by :mod:`local_stack.lambda_runtime.pool` in one of two ways, with exactly the function's
environment either way:

- ``python -I worker.py REQUEST_FD RESPONSE_FD``: a fresh interpreter per environment;
- forked from a *zygote*, ``python -I worker.py --zygote CONTROL_FD``: one process
  (per local-stack process, shared by its runtimes) that has imported :data:`PRELOAD` (boto3 and pydantic, about 0.3 s of CPU per
  cold start on these machines) and forks an environment on request (:func:`zygote`).
  Only those libraries are shared: their import reads no environment variable, and the
  handler module, Powertools and everything else are imported after the fork, in the
  function's own environment. The runtime forks only for functions whose code root
  ships none of :data:`ZYGOTE_MODULES` (a built package's own pydantic must win, as it
  would on Lambda).

``-I`` (isolated mode) keeps the host's ``PYTHONPATH``/``PYTHON*`` variables, the user
site and this file's folder off ``sys.path``; the function's code root
(``LAMBDA_TASK_ROOT``, the template's CodeUri) goes first on ``sys.path``, as in the
Lambda Python runtime. The handler's own stdout/stderr are its logs (the console, where
Lambda has CloudWatch).

Protocol (one JSON document per line, on two dedicated pipes so that anything the
handler prints cannot corrupt it):

- worker -> runtime, once: ``{"type": "ready", "init_ms": float}`` or
  ``{"type": "init_error", "errorType": str, "errorMessage": str}`` (then exit 1);
- runtime -> worker: ``{"event": any, "request_id": str, "timeout_ms": int,
  "invoked_function_arn": str}``;
- worker -> runtime: ``{"type": "result", "result": any}`` or
  ``{"type": "error", "errorType": str, "errorMessage": str, "stackTrace": [str]}``.

EOF on the request pipe (the runtime stopped or died) ends the worker.

Stdlib only: this file must not import anything the function's code could shadow.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import select
import signal
import socket
import sys
import time
import traceback
from typing import Any

NOT_IN_LAMBDA_RUNTIME = ("awscrt",)
"""Installed in the dev virtualenv (aws-sam-cli needs it) but not in Lambda's Python
runtime, whose boto3 runs without the AWS Common Runtime
(https://github.com/aws/aws-lambda-base-images/issues/147). botocore imports it when it
can (about 80 ms at every cold start) and then takes CRT code paths the functions never
take on AWS, so a sandbox hides it unless the function ships it in its own code."""

PRELOAD = ("boto3", "pydantic")
"""What a zygote imports before it forks environments: the two biggest imports every
function shares. Neither reads the environment at import (botocore reads it when a
session or client is made). Powertools does (``AWS_EXECUTION_ENV``, ``POWERTOOLS_DEBUG``),
and so does the X-Ray SDK (``LAMBDA_TASK_ROOT``), so they are imported after the fork."""

ZYGOTE_MODULES = PRELOAD + NOT_IN_LAMBDA_RUNTIME
"""Top-level names a function's code root must not provide for it to be forked from a
zygote (the zygote's copies would shadow the function's own)."""

#: Largest control message (a spawn request: the function's environment and a path).
_MAX_CONTROL_BYTES = 1 << 20


class LambdaContext:
    """The ``context`` argument of the Lambda Python runtime (same attribute names).

    https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
    """

    def __init__(self, request_id: str, timeout_ms: int, invoked_function_arn: str) -> None:
        env = os.environ
        self.function_name = env["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.invoked_function_arn = invoked_function_arn
        self.aws_request_id = request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def provides(code_root: str, names: tuple[str, ...]) -> list[str]:
    """Which of the top-level module ``names`` the folder ``code_root`` provides itself."""
    finder = importlib.machinery.PathFinder
    return [name for name in names if finder.find_spec(name, [code_root]) is not None]


def _hide_modules_lambda_lacks(code_root: str | None) -> None:
    """Make :data:`NOT_IN_LAMBDA_RUNTIME` unimportable, except what ``code_root`` ships
    (``None``: hide them all; a zygote serves only code roots that ship none)."""
    shipped = provides(code_root, NOT_IN_LAMBDA_RUNTIME) if code_root else []
    for name in NOT_IN_LAMBDA_RUNTIME:
        if name not in shipped and name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError


def _load_handler(spec: str) -> Any:
    module_name, _, function_name = spec.rpartition(".")
    if not module_name:
        raise ValueError(f"Bad handler '{spec}': expected module.function")
    module = importlib.import_module(module_name)
    return getattr(module, function_name)


def _error(exc: BaseException, kind: str) -> dict[str, Any]:
    return {
        "type": kind,
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def serve(request_fd: int, response_fd: int) -> int:
    """Import the handler of ``_HANDLER`` and answer invokes until EOF; the exit status."""
    requests = os.fdopen(request_fd, "rb")
    responses = os.fdopen(response_fd, "wb")

    def send(message: dict[str, Any]) -> None:
        responses.write(json.dumps(message).encode() + b"\n")
        responses.flush()

    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    code_root = os.environ["LAMBDA_TASK_ROOT"]
    sys.path.insert(0, code_root)
    started = time.perf_counter()
    try:
        _hide_modules_lambda_lacks(code_root)
        handler = _load_handler(os.environ["_HANDLER"])
    except BaseException as exc:  # noqa: BLE001 - Lambda reports any init failure
        traceback.print_exc()
        error = _error(exc, "init_error")
        # Lambda's names for the usual init failures.
        if isinstance(exc, ImportError | SyntaxError):
            error["errorType"] = "Runtime.ImportModuleError"
        elif isinstance(exc, AttributeError):
            error["errorType"] = "Runtime.HandlerNotFound"
        send(error)
        return 1
    send({"type": "ready", "init_ms": (time.perf_counter() - started) * 1000})

    for line in requests:
        request = json.loads(line)
        context = LambdaContext(
            request["request_id"], request["timeout_ms"], request["invoked_function_arn"]
        )
        try:
            result = handler(request["event"], context)
            payload = json.dumps({"type": "result", "result": result})
        except Exception as exc:  # noqa: BLE001 - the runtime reports it, as Lambda does
            traceback.print_exc()
            send(_error(exc, "error"))
            continue
        except SystemExit as exc:
            send(_error(exc, "error"))
            return 1
        responses.write(payload.encode() + b"\n")
        responses.flush()
    return 0


# --------------------------------------------------------------------------- zygote


def zygote(control_fd: int) -> int:
    """Preload :data:`PRELOAD`, then fork one environment per request until EOF.

    Control channel: a ``SOCK_SEQPACKET`` Unix socket (one JSON document per message).

    - zygote -> runtime, once: ``{"type": "ready", "preloaded": [str]}``;
    - runtime -> zygote: ``{"id": int, "env": {str: str}, "cwd": str}`` with four file descriptors
      attached (``SCM_RIGHTS``): the request pipe's read end, the response pipe's write
      end, the environment's stdout and stderr;
    - zygote -> runtime: ``{"type": "spawned", "id": int, "pid": int}`` (the environment runs in a
      session of its own, so ``killpg(pid)`` reaches it and anything it started) or
      ``{"type": "spawn_error", "id": int, "message": str}`` (``id``: the request's);
    - zygote -> runtime, whenever an environment ends: ``{"type": "exit", "pid": int,
      "returncode": int}`` (``subprocess``'s convention: ``-N`` for signal N).

    EOF on the control socket ends the zygote; its environments go on until their own
    request pipes close.
    """
    control = socket.socket(fileno=control_fd)
    _hide_modules_lambda_lacks(None)
    preloaded = []
    for name in PRELOAD:
        try:
            importlib.import_module(name)
            preloaded.append(name)
        except ImportError:
            pass
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # the wakeup fd is what matters

    def send(message: dict[str, Any]) -> None:
        control.send(json.dumps(message).encode())

    send({"type": "ready", "preloaded": preloaded})
    while True:
        try:
            readable, _, _ = select.select([control, wake_r], [], [])
        except InterruptedError:  # pragma: no cover - PEP 475 retries; kept for clarity
            continue
        if wake_r in readable:
            os.read(wake_r, 4096)
            for pid, returncode in _reap():
                send({"type": "exit", "pid": pid, "returncode": returncode})
        if control in readable:
            data, fds, _, _ = socket.recv_fds(control, _MAX_CONTROL_BYTES, 4)
            if not data:
                return 0
            request: Any = None
            try:
                request = json.loads(data)
                if len(fds) != 4:
                    raise ValueError(f"expected 4 file descriptors, got {len(fds)}")
                pid = _fork(request, fds, close_in_child=(control.fileno(), wake_r, wake_w))
            except Exception as exc:  # noqa: BLE001 - reported to the runtime, zygote lives on
                send(
                    {
                        "type": "spawn_error",
                        "id": request.get("id") if isinstance(request, dict) else None,
                        "message": f"{type(exc).__name__}: {exc}",
                    }
                )
            else:
                send({"type": "spawned", "id": request.get("id"), "pid": pid})
            finally:
                for fd in fds:
                    os.close(fd)


def _reap() -> list[tuple[int, int]]:
    """Every ended child's ``(pid, returncode)``, without blocking."""
    ended = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return ended
        if pid == 0:
            return ended
        ended.append((pid, os.waitstatus_to_exitcode(status)))


def _fork(request: dict[str, Any], fds: list[int], close_in_child: tuple[int, ...]) -> int:
    """Fork an environment; returns its pid once it leads a session of its own."""
    request_fd, response_fd, stdout_fd, stderr_fd = fds
    env, cwd = dict(request["env"]), str(request["cwd"])
    sys.stdout.flush()
    sys.stderr.flush()
    in_session_r, in_session_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the environment; never returns into the zygote's loop
        status = 70
        try:
            os.setsid()
            os.close(in_session_w)  # the zygote's read sees EOF: the session exists
            os.close(in_session_r)
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for fd in close_in_child:
                os.close(fd)
            os.dup2(stdout_fd, 1)
            os.dup2(stderr_fd, 2)
            os.close(stdout_fd)
            os.close(stderr_fd)
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(env)
            importlib.invalidate_caches()
            sys.argv = [__file__, str(request_fd), str(response_fd)]
            status = serve(request_fd, response_fd)
        except BaseException:  # noqa: BLE001 - report, then exit like a failed interpreter
            traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(status)
    os.close(in_session_w)
    try:
        os.read(in_session_r, 1)  # EOF once the child called setsid() (or died)
    finally:
        os.close(in_session_r)
    return pid


def main() -> int:
    if sys.argv[1] == "--zygote":
        return zygote(int(sys.argv[2]))
    return serve(int(sys.argv[1]), int(sys.argv[2]))


if __name__ == "__main__":
    sys.exit(main())
