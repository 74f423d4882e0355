"""What every execution environment shares: its environment variables
(:func:`function_environment`, the local overrides), Lambda's limits, and the shape of an
invoke's outcome (:class:`InvokeResult`)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_stack.template import ACCOUNT_ID, REGION, FunctionSpec

MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024
"""Lambda's synchronous invocation request payload quota: 6 MB, refused above 6,291,456
bytes ("Request must be smaller than 6291456 bytes for the InvokeFunction operation";
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""
MAX_SYNC_RESPONSE_BYTES = 6 * 1024 * 1024 + 100
"""Lambda's synchronous response payload quota: 6 MB, refused above 6,291,556 bytes of JSON
(the result becomes a ``Function.ResponseSizeTooLarge`` function error, so API Gateway
answers 502; https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""
RESULT_ENVELOPE_BYTES = len('{"type": "result", "result": }')
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
    """The environment that differs locally (the Lambda code is the same; only environment variables differ).

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
    region and, if the template sets it, ``COGNITO_DOMAIN_URL`` -> the hosted-UI stand-in.
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
        }
    )
    if "COGNITO_DOMAIN_URL" in spec.environment and overrides.hosted_ui_url:
        env["COGNITO_DOMAIN_URL"] = overrides.hosted_ui_url
    return env


WORKER_SCRIPT = Path(__file__).with_name("worker.py")
INIT_LIMIT_S = 10.0
"""Lambda's init phase limit for on-demand functions (10 s)."""
RUNTIME_VERSION = "python3.11"
