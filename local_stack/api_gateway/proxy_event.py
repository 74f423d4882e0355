"""The Lambda proxy integration's input: the API Gateway REST v1 proxy event."""

from __future__ import annotations

import base64
import time
import uuid
import zlib
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request

from local_stack.api_gateway.http_request import header_lines, matches_media_type, raw_path
from local_stack.template import ApiSpec, RouteSpec


def proxy_event(
    request: Request,
    api: ApiSpec,
    route: RouteSpec,
    path_parameters: Mapping[str, str],
    body: bytes,
    claims: Mapping[str, str] | None,
    request_id: str,
    *,
    account_id: str,
    api_id: str,
) -> dict[str, Any]:
    """The API Gateway REST v1 proxy event for ``request`` on ``route``.

    ``headers`` has each header's last value and ``multiValueHeaders`` all of them, in
    the names' case as sent; ``path`` stays percent-encoded, ``pathParameters`` are
    decoded (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format).
    """
    now = time.time()
    source_ip = request.remote_addr or "127.0.0.1"
    multi = _multi_value_headers(request, source_ip, now)
    headers = {name: values[-1] for name, values in multi.items()}
    encoded_path = raw_path(request)
    query = {key: values for key, values in request.args.lists()}
    binary = bool(body) and matches_media_type(request.mimetype, api.binary_media_types)
    if not body:
        event_body = None
    elif binary:
        event_body = base64.b64encode(body).decode("ascii")
    else:
        event_body = body.decode("utf-8", errors="replace")
    context = _request_context(
        request, api, route, request_id, now, source_ip, encoded_path, account_id, api_id
    )
    if claims is not None:
        context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": route.path,
        "path": encoded_path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": None,
        "requestContext": context,
        "body": event_body,
        "isBase64Encoded": binary,
    }


def _multi_value_headers(request: Request, source_ip: str, now: float) -> dict[str, list[str]]:
    """Every header as sent (name case kept, repeats listed), plus the ``X-Forwarded-*``
    and ``X-Amzn-Trace-Id`` headers API Gateway adds when the client did not send them."""
    multi: dict[str, list[str]] = {}
    for name, value in header_lines(request):
        multi.setdefault(name, []).append(value)
    present = {name.lower() for name in multi}
    for name, value in (
        ("X-Forwarded-For", source_ip),
        ("X-Forwarded-Proto", request.scheme),
        ("X-Forwarded-Port", str(request.environ.get("SERVER_PORT", "80"))),
        ("X-Amzn-Trace-Id", f"Root=1-{int(now):08x}-{uuid.uuid4().hex[:24]}"),
    ):
        if name.lower() not in present:
            multi[name] = [value]
    return multi


def _request_context(
    request: Request,
    api: ApiSpec,
    route: RouteSpec,
    request_id: str,
    now: float,
    source_ip: str,
    encoded_path: str,
    account_id: str,
    api_id: str,
) -> dict[str, Any]:
    """The event's ``requestContext`` (without ``authorizer``)."""
    return {
        "resourceId": f"{zlib.crc32(route.path.encode()):08x}"[:6],
        "resourcePath": route.path,
        "httpMethod": request.method,
        "extendedRequestId": base64.b32encode(uuid.uuid4().bytes)[:16].decode(),
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "path": f"/{api.stage}{encoded_path}",
        "accountId": account_id,
        "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        "stage": api.stage,
        "domainPrefix": request.host.split(".")[0].split(":")[0],
        "requestTimeEpoch": int(now * 1000),
        "requestId": request_id,
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": source_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": request.headers.get("User-Agent"),
            "user": None,
        },
        "domainName": request.host,
        "deploymentId": "local",
        "apiId": api_id,
    }
