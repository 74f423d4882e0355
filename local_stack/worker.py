"""One Lambda sandbox: imports one handler and runs one invocation at a time.

Started by :mod:`local_stack.runtime` as ``python -I worker.py REQUEST_FD RESPONSE_FD``
with exactly the function's environment. ``-I`` (isolated mode) keeps the host's
``PYTHONPATH``/``PYTHON*`` variables, the user site and this file's folder off
``sys.path``; the function's code root (``LAMBDA_TASK_ROOT``, the template's CodeUri) goes
first on ``sys.path``, as in the Lambda Python runtime. The handler's own stdout/stderr are
its logs (the console, where Lambda has CloudWatch).

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
import json
import os
import sys
import time
import traceback
from typing import Any


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


def main() -> int:
    request_fd, response_fd = int(sys.argv[1]), int(sys.argv[2])
    requests = os.fdopen(request_fd, "rb")
    responses = os.fdopen(response_fd, "wb")

    def send(message: dict[str, Any]) -> None:
        responses.write(json.dumps(message).encode() + b"\n")
        responses.flush()

    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    started = time.perf_counter()
    try:
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


if __name__ == "__main__":
    sys.exit(main())
