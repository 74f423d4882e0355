"""The API port: API Gateway (REST, Lambda proxy integration) in front of the workers.

A WSGI app that does what a deployed ``AWS::Serverless::Api`` stage does with a request:

1. match one of the template's routes (path templates such as ``/photos/{photo_id}`` and
   ``{proxy+}``; a static segment wins over a variable one; method ``ANY`` matches all);
   no match -> the ``MISSING_AUTHENTICATION_TOKEN`` gateway response (API Gateway's answer
   to an unknown resource *or* method);
2. answer ``OPTIONS`` preflight from the API's ``Cors`` (a mock integration, no Lambda);
3. refuse bodies over 10 MB (API Gateway's payload quota) with ``REQUEST_TOO_LARGE``; an
   event Lambda refuses for its 6 MB synchronous payload quota gets API Gateway's fixed 413
   (:func:`lambda_payload_too_large`);
4. run the route's ``COGNITO_USER_POOLS`` authorizer: a refusal is the ``UNAUTHORIZED``
   gateway response and the function is never invoked;
5. build the REST v1 proxy event (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format),
   base64-encoding the body when its Content-Type matches ``BinaryMediaTypes``;
6. invoke the function and map its proxy result to the HTTP response; a function error,
   a timeout or a malformed result is a 502 through ``DEFAULT_5XX``
   (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-output-format).

Gateway responses (status, headers, body) come from the template's ``GatewayResponses``
(the specific type, else ``DEFAULT_4XX``/``DEFAULT_5XX``, else API Gateway's built-in
``{"message": ...}``); nothing here hard-codes a body.

Local-only extras on the same port, never deployed: ``GET /_local/inbox/{email}`` (the dev
inbox), ``GET /_local/health`` (the stack's URLs and ids), ``GET /_local/openapi.json`` and
``/_local/docs/`` (the API contract and its viewer, ``api_docs``) and, for GET/HEAD paths
that are no API route, the static web app from ``web/`` (CloudFront + S3 when deployed).

The event keeps what the client sent, as API Gateway does: header names in the client's
own case and repeated headers as lists in ``multiValueHeaders`` (read from the HTTP server's
raw header list, :class:`RawHeadersRequestHandler`; WSGI alone would Title-Case and join
them), and the path percent-encoded, so that ``%2F`` inside a path parameter matches one
``{var}`` segment and is decoded only in ``pathParameters``.

Known differences from API Gateway: no throttling (``MethodSettings`` is not emulated) and
no authorizer-result cache.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import time
import urllib.parse
import uuid
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from werkzeug.exceptions import NotFound
from werkzeug.serving import WSGIRequestHandler
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from local_stack.api_gateway import api_docs
from local_stack.api_gateway.authorizer import CognitoUserPoolsAuthorizer, Unauthorized
from local_stack.lambda_runtime.environment import PAYLOAD_TOO_LARGE, InvokeResult
from local_stack.template import ACCOUNT_ID, ApiSpec, GatewayResponseSpec, RouteSpec

log = logging.getLogger("local_stack")

MAX_BODY_BYTES = 10 * 1024 * 1024
"""API Gateway REST payload quota: 10 MB (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html)."""

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
_ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_STATIC_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


RAW_HEADERS_KEY = "local_stack.raw_headers"
"""WSGI environ key of the request's header lines as sent: ``[(name, value), ...]``."""


class RawHeadersRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler that also keeps the header lines as the client sent them.

    WSGI has no place for a header's original case or for repeated headers (werkzeug
    Title-Cases names and joins repeats with commas); API Gateway passes both through
    (``headers`` / ``multiValueHeaders`` of the REST proxy event), so the gateway reads them
    from ``environ[RAW_HEADERS_KEY]``.
    """

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ[RAW_HEADERS_KEY] = list(self.headers.items())
        return environ


def printable(text: str) -> str:
    """``text`` with every control character (CR, LF, ESC...) escaped as ``\\xNN``.

    For console lines built from request data: a ``%0a`` or an ANSI escape sequence in a
    path must not start a forged log line or repaint the terminal (OWASP Logging Cheat
    Sheet, "Event data sources": encode CR/LF and control characters).
    """
    return "".join(
        ch
        if ch.isprintable()
        else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        for ch in text
    )


class Invoke(Protocol):
    """Runs one function on one event (``Runtime.invoke``)."""

    def __call__(self, function_id: str, event: Any) -> InvokeResult: ...


class Inbox(Protocol):
    """The dev inbox (``local_stack.cognito.inbox.Inbox``)."""

    def messages(self, email: str) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class _CompiledRoute:
    route: RouteSpec
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    rank: tuple[int, ...]


def _compile(route: RouteSpec) -> _CompiledRoute:
    """A path template as a regex; ``rank`` orders matches the way API Gateway does
    (per segment: static 0 < ``{var}`` 1 < ``{var+}`` 2; smaller wins)."""
    parts, names, rank = [], [], []
    for segment in route.path.strip("/").split("/") if route.path.strip("/") else []:
        greedy = re.fullmatch(r"\{([^}]+)\+\}", segment)
        variable = re.fullmatch(r"\{([^}]+)\}", segment)
        if greedy:
            parts.append("(.+)")
            names.append(greedy.group(1))
            rank.append(2)
        elif variable:
            parts.append("([^/]+)")
            names.append(variable.group(1))
            rank.append(1)
        else:
            parts.append(re.escape(segment))
            rank.append(0)
    pattern = re.compile("^/" + "/".join(parts) + "/?$" if parts else "^/$")
    return _CompiledRoute(route, pattern, tuple(names), tuple(rank))


@dataclass
class LocalInfo:
    """What ``GET /_local/health`` reports once the stack is provisioned."""

    api_url: str
    hosted_ui_url: str
    emulator_url: str
    web_url: str
    inbox_url: str
    user_pool_id: str | None
    client_id: str | None


@dataclass
class Gateway:
    """The WSGI application of the API port.

    Args:
        apis: API logical id -> spec; the first one answers requests no route matches.
        routes: every ``Api`` event of the template.
        invoke: runs a function (``Runtime.invoke``).
        authorizers: (api logical id, authorizer name) -> authorizer.
        api_ids: API logical id -> the id reported as ``requestContext.apiId``.
        web_root: folder of the static web app (None: not served).
        inbox: the dev inbox (None: ``/_local/inbox`` is 404).
        info: the health report (None: ``/_local/health`` is 503).
    """

    apis: Mapping[str, ApiSpec]
    routes: Sequence[RouteSpec]
    invoke: Invoke
    authorizers: Mapping[tuple[str, str], CognitoUserPoolsAuthorizer] = field(default_factory=dict)
    api_ids: Mapping[str, str] = field(default_factory=dict)
    web_root: Path | None = None
    inbox: Inbox | None = None
    info: LocalInfo | None = None
    account_id: str = ACCOUNT_ID
    events: Any = None  # local_stack.lambda_runtime.event_delivery.EventDelivery: /_local/events, /_local/dead-letters

    def __post_init__(self) -> None:
        self._compiled = [_compile(route) for route in self.routes]
        if not self.apis:
            raise ValueError("the template declares no API")
        for route in self.routes:
            api = self.apis[route.api_id]
            if route.authorizer and (route.api_id, route.authorizer) not in self.authorizers:
                kind = (
                    "unsupported" if route.authorizer in api.unsupported_authorizers else "unknown"
                )
                # Fail closed: a route whose authorizer cannot run is refused, never opened.
                log.warning(
                    "%s %s: %s authorizer %s; every request will get 401",
                    route.method,
                    route.path,
                    kind,
                    route.authorizer,
                )

    # ------------------------------------------------------------------ WSGI

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        started = time.perf_counter()
        outcome = _Outcome()
        response = self._dispatch(request, outcome)
        duration_ms = (time.perf_counter() - started) * 1000
        # One console line per request; never the query string, headers or body (tokens).
        # Request data is escaped: a control character cannot forge a line.
        log.info(
            "%s %s %d %s %.0f ms%s%s",
            printable(request.method),
            printable(_raw_path(request)),
            response.status_code,
            outcome.function or "-",
            duration_ms,
            " (cold start)" if outcome.cold_start else "",
            f" [{printable(outcome.note)}]" if outcome.note else "",
        )
        return response(environ, start_response)

    def _dispatch(self, request: Request, outcome: _Outcome) -> Response:
        request_id = str(uuid.uuid4())
        if request.path.startswith("/_local/"):
            return self._local(request)
        api = next(iter(self.apis.values()))
        matched = self._match(_raw_path(request))
        if matched is None:
            if request.method in ("GET", "HEAD") and self.web_root is not None:
                static = self._static(request)
                if static is not None:
                    return static
            return self.gateway_response(api, "MISSING_AUTHENTICATION_TOKEN", request_id)
        candidates, path_parameters = matched
        api = self.apis[candidates[0].api_id]
        route = _pick_method(candidates, request.method)
        # SAM's Cors adds an OPTIONS method (mock integration) to every path, and an explicit
        # method wins over ANY, so preflight never reaches an ANY route's authorizer or
        # function (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-corsconfiguration.html).
        if (
            request.method == "OPTIONS"
            and api.cors is not None
            and (route is None or route.method == "ANY")
        ):
            return self._preflight(request, api, candidates, request_id, outcome)
        if route is None:
            return self.gateway_response(api, "MISSING_AUTHENTICATION_TOKEN", request_id)
        outcome.function = route.function_id

        body = _read_body(request)
        if body is None:
            return self.gateway_response(api, "REQUEST_TOO_LARGE", request_id)

        claims = None
        if route.authorizer:
            try:
                claims = self._authorize(request, route)
            except Unauthorized as exc:
                outcome.note = f"authorizer: {exc}"
                return self.gateway_response(api, "UNAUTHORIZED", request_id)

        event = self.proxy_event(request, api, route, path_parameters, body, claims, request_id)
        result = self.invoke(route.function_id, event)
        outcome.cold_start = result.cold_start
        if result.error is not None and result.error["errorType"] == PAYLOAD_TOO_LARGE:
            outcome.note = result.error["errorMessage"]
            return lambda_payload_too_large(request_id)
        if result.error is not None:
            outcome.note = f"{result.error['errorType']}: {result.error['errorMessage']}"[:200]
            return self.gateway_response(api, "DEFAULT_5XX", request_id)
        try:
            return proxy_response(result.payload, api, request, request_id)
        except MalformedProxyResult as exc:
            outcome.note = f"malformed Lambda proxy response: {exc}"
            return self.gateway_response(api, "DEFAULT_5XX", request_id)

    # ------------------------------------------------------------------ routing

    def _match(self, path: str) -> tuple[list[RouteSpec], dict[str, str]] | None:
        """The routes of the best-matching resource, and its path parameters.

        ``path`` is percent-encoded as sent, so ``%2F`` stays inside one segment; the
        parameters are percent-decoded, as API Gateway hands them to the function.
        """
        best: _CompiledRoute | None = None
        best_match: re.Match[str] | None = None
        for compiled in self._compiled:
            found = compiled.pattern.match(path)
            if found and (best is None or compiled.rank < best.rank):
                best, best_match = compiled, found
        if best is None or best_match is None:
            return None
        same_resource = [c.route for c in self._compiled if c.route.path == best.route.path]
        values = (urllib.parse.unquote(value) for value in best_match.groups())
        return same_resource, dict(zip(best.names, values, strict=True))

    def _authorize(self, request: Request, route: RouteSpec) -> dict[str, str]:
        authorizer = self.authorizers.get((route.api_id, route.authorizer or ""))
        if authorizer is None:
            raise Unauthorized(f"authorizer {route.authorizer} cannot be evaluated locally")
        return authorizer.authorize(request.headers, route.scopes)

    def _preflight(
        self,
        request: Request,
        api: ApiSpec,
        candidates: list[RouteSpec],
        request_id: str,
        outcome: _Outcome,
    ) -> Response:
        """SAM's CORS mock integration for OPTIONS on every path of the API."""
        cors = api.cors
        assert cors is not None
        if api.add_default_authorizer_to_cors_preflight and api.default_authorizer:
            preflight = RouteSpec(
                "", api.logical_id, candidates[0].path, "OPTIONS", api.default_authorizer
            )
            try:
                self._authorize(request, preflight)
            except Unauthorized as exc:
                outcome.note = f"authorizer: {exc}"
                return self.gateway_response(api, "UNAUTHORIZED", request_id)
        # Without AllowMethods, SAM lists the path's methods, ANY standing for all of them
        # (samtranslator SwaggerEditor._make_cors_allowed_methods_for_path_item).
        listed = {r.method for r in candidates}
        if "ANY" in listed:
            listed = set(_ALL_METHODS)
        methods = cors.allow_methods or ",".join(sorted(listed | {"OPTIONS"}))
        headers = {
            "Access-Control-Allow-Origin": cors.allow_origin,
            "Access-Control-Allow-Methods": methods,
        }
        if cors.allow_headers:
            headers["Access-Control-Allow-Headers"] = cors.allow_headers
        if cors.max_age:
            headers["Access-Control-Max-Age"] = cors.max_age
        if cors.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        return Response(
            b"",
            status=200,
            headers={**headers, "x-amzn-RequestId": request_id},
            content_type="application/json",
        )

    # ------------------------------------------------------------------ the event

    def proxy_event(
        self,
        request: Request,
        api: ApiSpec,
        route: RouteSpec,
        path_parameters: Mapping[str, str],
        body: bytes,
        claims: Mapping[str, str] | None,
        request_id: str,
    ) -> dict[str, Any]:
        """The API Gateway REST v1 proxy event for ``request`` on ``route``.

        ``headers`` has each header's last value and ``multiValueHeaders`` all of them, in
        the names' case as sent; ``path`` stays percent-encoded, ``pathParameters`` are
        decoded (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format).
        """
        now = time.time()
        source_ip = request.remote_addr or "127.0.0.1"
        multi: dict[str, list[str]] = {}
        for name, value in _header_lines(request):
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
        headers = {name: values[-1] for name, values in multi.items()}
        raw_path = _raw_path(request)
        query = {key: values for key, values in request.args.lists()}
        binary = bool(body) and _matches_any(request.mimetype, api.binary_media_types)
        if not body:
            event_body = None
        elif binary:
            event_body = base64.b64encode(body).decode("ascii")
        else:
            event_body = body.decode("utf-8", errors="replace")
        context: dict[str, Any] = {
            "resourceId": f"{zlib.crc32(route.path.encode()):08x}"[:6],
            "resourcePath": route.path,
            "httpMethod": request.method,
            "extendedRequestId": base64.b32encode(uuid.uuid4().bytes)[:16].decode(),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{api.stage}{raw_path}",
            "accountId": self.account_id,
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
            "apiId": self.api_ids.get(api.logical_id, api.logical_id),
        }
        if claims is not None:
            context["authorizer"] = {"claims": dict(claims)}
        return {
            "resource": route.path,
            "path": raw_path,
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

    # ------------------------------------------------------------------ responses

    def gateway_response(self, api: ApiSpec, kind: str, request_id: str) -> Response:
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

    # ------------------------------------------------------------------ local extras

    def _local(self, request: Request) -> Response:
        path = request.path
        docs = api_docs.serve(request)  # /_local/openapi.json and the viewer at /_local/docs/
        if docs is not None:
            return docs
        if request.method == "GET" and path == "/_local/health":
            if self.info is None:
                return _json(503, {"status": "starting"})
            return _json(200, self.info.__dict__)
        if self.events is not None:
            handled = self.events.handle(request.method, path, request.args)
            if handled is not None:
                return _json(*handled)
        if request.method == "GET" and path.startswith("/_local/inbox/") and self.inbox is not None:
            email = path.removeprefix("/_local/inbox/")
            if email:
                return _json(200, {"messages": self.inbox.messages(email)})
        return _json(404, {"error": "not_found", "error_description": "No such local endpoint."})

    def _static(self, request: Request) -> Response | None:
        assert self.web_root is not None
        path = request.path.lstrip("/") or "index.html"
        try:
            response = send_from_directory(
                self.web_root, path, request.environ, max_age=0, etag=True
            )
        except NotFound:
            return None
        response.headers.update(_STATIC_HEADERS)
        response.headers["Cache-Control"] = "no-cache"
        return response


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


@dataclass
class _Outcome:
    function: str | None = None
    cold_start: bool = False
    note: str = ""


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
        if accept and _matches_any(accept, api.binary_media_types):
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


def _read_body(request: Request) -> bytes | None:
    """The request body, or None when it exceeds :data:`MAX_BODY_BYTES`."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    data = request.stream.read(MAX_BODY_BYTES + 1)
    return None if len(data) > MAX_BODY_BYTES else data


def _raw_path(request: Request) -> str:
    """The request path percent-encoded as the client sent it (``%2F`` kept)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        return urllib.parse.quote(request.path, safe="/:@!$&'()*+,;=-._~")
    path = (
        urllib.parse.urlsplit(raw).path
        if raw.startswith(("http://", "https://"))
        else (raw.split("?", 1)[0])
    )
    return path or "/"


def _header_lines(request: Request) -> list[tuple[str, str]]:
    """The request's headers as sent (case, order, repeats); WSGI's view without a raw list."""
    raw = request.environ.get(RAW_HEADERS_KEY)
    if raw is not None:
        return [(name, value) for name, value in raw if "_" not in name]
    return list(request.headers.items())


def _pick_method(routes: Sequence[RouteSpec], method: str) -> RouteSpec | None:
    exact = next((r for r in routes if r.method == method), None)
    return exact or next((r for r in routes if r.method == "ANY"), None)


def _matches_any(media_type: str, patterns: Sequence[str]) -> bool:
    """``image/png`` against ``image/*``, ``*/*`` or ``image/png`` (parameters ignored)."""
    kind, _, sub = media_type.lower().partition("/")
    for pattern in patterns:
        p_kind, _, p_sub = pattern.lower().split(";")[0].strip().partition("/")
        if p_kind in ("*", kind) and p_sub in ("*", sub):
            return True
    return False


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


def _json(status: int, body: Any) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
