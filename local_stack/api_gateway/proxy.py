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

import logging
import re
import time
import urllib.parse
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from werkzeug.wrappers import Request, Response

from local_stack.api_gateway.authorizer import CognitoUserPoolsAuthorizer, Unauthorized
from local_stack.api_gateway.dev_routes import LocalInfo, local_route, static_file
from local_stack.api_gateway.http_request import printable, raw_path, read_body
from local_stack.api_gateway.proxy_event import proxy_event
from local_stack.api_gateway.responses import (
    MalformedProxyResult,
    gateway_response,
    lambda_payload_too_large,
    proxy_response,
)
from local_stack.lambda_runtime.environment import PAYLOAD_TOO_LARGE, InvokeResult
from local_stack.template import ACCOUNT_ID, ApiSpec, RouteSpec

log = logging.getLogger("local_stack")


_ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


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
            printable(raw_path(request)),
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
            return local_route(self, request)
        api = next(iter(self.apis.values()))
        matched = self._match(raw_path(request))
        if matched is None:
            if request.method in ("GET", "HEAD") and self.web_root is not None:
                static = static_file(
                    self.web_root, request, self.info.web_url if self.info else None
                )
                if static is not None:
                    return static
            return gateway_response(api, "MISSING_AUTHENTICATION_TOKEN", request_id)
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
            return gateway_response(api, "MISSING_AUTHENTICATION_TOKEN", request_id)
        outcome.function = route.function_id

        body = read_body(request)
        if body is None:
            return gateway_response(api, "REQUEST_TOO_LARGE", request_id)

        claims = None
        if route.authorizer:
            try:
                claims = self._authorize(request, route)
            except Unauthorized as exc:
                outcome.note = f"authorizer: {exc}"
                return gateway_response(api, "UNAUTHORIZED", request_id)

        api_id = self.api_ids.get(api.logical_id, api.logical_id)
        event = proxy_event(
            request,
            api,
            route,
            path_parameters,
            body,
            claims,
            request_id,
            account_id=self.account_id,
            api_id=api_id,
        )
        result = self.invoke(route.function_id, event)
        outcome.cold_start = result.cold_start
        if result.error is not None and result.error["errorType"] == PAYLOAD_TOO_LARGE:
            outcome.note = result.error["errorMessage"]
            return lambda_payload_too_large(request_id)
        if result.error is not None:
            outcome.note = f"{result.error['errorType']}: {result.error['errorMessage']}"[:200]
            return gateway_response(api, "DEFAULT_5XX", request_id)
        try:
            return proxy_response(result.payload, api, request, request_id)
        except MalformedProxyResult as exc:
            outcome.note = f"malformed Lambda proxy response: {exc}"
            return gateway_response(api, "DEFAULT_5XX", request_id)

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
                return gateway_response(api, "UNAUTHORIZED", request_id)
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


@dataclass
class _Outcome:
    function: str | None = None
    cold_start: bool = False
    note: str = ""


def _pick_method(routes: Sequence[RouteSpec], method: str) -> RouteSpec | None:
    exact = next((r for r in routes if r.method == method), None)
    return exact or next((r for r in routes if r.method == "ANY"), None)
