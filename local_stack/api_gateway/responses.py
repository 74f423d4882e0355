"""What API Gateway answers: the function's proxy result mapped to HTTP, gateway responses
(as the template customises them) and the fixed 413 when Lambda refuses the event."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from local_stack.api_gateway.http_request import matches_media_type
from local_stack.template import ApiSpec, GatewayResponseSpec

# Default status, message and x-amzn-ErrorType of the gateway response types used here
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
_DEFAULTS: dict[str, tuple[int, str, str]] = {
    "UNAUTHORIZED": (401, "Unauthorized", "UnauthorizedException"),
    "MISSING_AUTHENTICATION_TOKEN": (
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    ),
    "REQUEST_TOO_LARGE": (413, "Request Too Long", "RequestTooLargeException"),
    "DEFAULT_5XX": (502, "Internal server error", "InternalServerErrorException"),
}


def gateway_response(api: ApiSpec, kind: str, request_id: str) -> Response:
    """API Gateway's own answer of type ``kind``, as the template customises it."""
    default_status, message, error_type = _DEFAULTS[kind]
    # A type the template customises replaces its DEFAULT_4XX/5XX family entirely.
    family = "DEFAULT_5XX" if default_status >= 500 else "DEFAULT_4XX"
    spec = api.gateway_responses.get(kind) or api.gateway_responses.get(family)
    status = spec.status if spec is not None and spec.status else default_status
    headers = dict(spec.headers) if spec is not None else {}
    template = _template_of(spec)
    if template is None:
        body = json.dumps({"message": message})
    else:
        body = _render(
            template,
            {
                "error.message": message,
                "error.messageString": json.dumps(message),
                "error.responseType": kind,
                "requestId": request_id,
                "stage": api.stage,
            },
        )
    return Response(
        body,
        status=status,
        content_type="application/json",
        headers={**headers, "x-amzn-RequestId": request_id, "x-amzn-ErrorType": error_type},
    )


def lambda_payload_too_large(request_id: str) -> Response:
    """API Gateway's answer when Lambda refuses the event for its size.

    Lambda refuses a synchronous invoke over 6 MB with HTTP 413
    ``RequestEntityTooLargeException``
    (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); API Gateway
    then answers the client 413 ``{"message": "Request Too Long"}`` with
    ``x-amzn-ErrorType: BadRequestException``, and the API's ``REQUEST_TOO_LARGE`` gateway
    response does *not* apply (it covers API Gateway's own 10 MB limit). That is observed
    behaviour, not documented: a deployed API's captured answer and the report that a
    custom REQUEST_TOO_LARGE was ignored
    (https://github.com/koki-develop/lgtm-generator/issues/10,
    https://github.com/reapit/foundations/issues/4338). Without the template's CORS header
    a browser sees it as a CORS failure, as it would on AWS.
    """
    return Response(
        json.dumps({"message": "Request Too Long"}),
        status=413,
        content_type="application/json",
        headers={"x-amzn-RequestId": request_id, "x-amzn-ErrorType": "BadRequestException"},
    )


class MalformedProxyResult(ValueError):
    """The function's result is not a Lambda proxy response (API Gateway: 502)."""


_PROXY_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}


def proxy_response(result: Any, api: ApiSpec, request: Request, request_id: str) -> Response:
    """Map a Lambda proxy result to the HTTP response API Gateway would send.

    ``headers`` and ``multiValueHeaders`` are merged (both kept; several ``Set-Cookie``
    come through ``multiValueHeaders``). A base64 body (``isBase64Encoded``) is decoded
    only when the request's first ``Accept`` media type matches ``BinaryMediaTypes``, as
    API Gateway does; otherwise the base64 text is returned.

    Raises:
        MalformedProxyResult: not an object, unknown keys, a non-integer ``statusCode``,
            a non-string body, or non-scalar header values.
    """
    if not isinstance(result, dict):
        raise MalformedProxyResult("the result is not a JSON object")
    unknown = set(result) - _PROXY_KEYS
    if unknown:
        raise MalformedProxyResult(f"unexpected keys {sorted(unknown)}")
    status = result.get("statusCode", 200)
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedProxyResult("statusCode is not an HTTP status")
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedProxyResult("body is not a string")
    response = Response(status=status)
    del response.headers["Content-Type"]
    for name, value in (result.get("headers") or {}).items():
        response.headers.add(name, _header_value(value))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if not isinstance(values, list):
            raise MalformedProxyResult(f"multiValueHeaders[{name}] is not a list")
        if name in (result.get("headers") or {}):
            response.headers.remove(name)  # multiValueHeaders carries the full set
        for value in values:
            response.headers.add(name, _header_value(value))
    data = (body or "").encode("utf-8")
    if body and result.get("isBase64Encoded"):
        accept = request.headers.get("Accept", "").split(",")[0].split(";")[0].strip()
        if accept and matches_media_type(accept, api.binary_media_types):
            try:
                data = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise MalformedProxyResult("isBase64Encoded body is not base64") from exc
    if "Content-Type" not in response.headers and data:
        response.headers["Content-Type"] = "application/json"
    response.headers["x-amzn-RequestId"] = request_id
    response.set_data(data)
    return response


def _header_value(value: Any) -> str:
    if isinstance(value, dict | list):
        raise MalformedProxyResult("a header value is not a scalar")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _template_of(spec: GatewayResponseSpec | None) -> str | None:
    if spec is None or not spec.templates:
        return None
    return spec.templates.get("application/json") or next(iter(spec.templates.values()))


def _render(template: str, context: Mapping[str, str]) -> str:
    """Substitute ``$context.*`` variables (the only VTL gateway responses here use)."""

    def substitute(match: re.Match[str]) -> str:
        return context.get(match.group(1) or match.group(2), "")

    return re.sub(
        r"\$\{context\.([A-Za-z.]+)\}|\$context\.([A-Za-z]+(?:\.[A-Za-z]+)*)", substitute, template
    )


def json_response(status: int, body: Any) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
