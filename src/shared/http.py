"""The HTTP edge shared by every Moments Lambda: the contract's error body and the resolver.

Every error the API returns has the body ``{"error": "<snake_case_code>",
"error_description": "<human sentence>"}`` (docs/architecture.md, "Rules of the road";
``ErrorBody`` in openapi.json; the code names follow RFC 6749 section 5.2 on the token
route). Handlers and logic raise :class:`ApiError`
(or a subclass); :func:`build_resolver` turns it, pydantic validation errors, bad JSON and
anything unexpected into that body. This module is the one place that renders errors;
each service maps its own Cognito/AWS error names to ``ApiError`` in its ``errors.py``.

Metrics: a handler's route adds its business metric on success (``SignIns``,
``PhotosUploaded``...); the resolver adds the function's failure metric
(``SignInFailures``...) to every error response, so each invocation publishes one
application metric either way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import (
    APIGatewayRestResolver,
    CORSConfig,
    Response,
)
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ValidationError

JSON = "application/json"
ModelT = TypeVar("ModelT", bound=BaseModel)


class ApiError(Exception):
    """An error with its HTTP status and the contract's body.

    Args:
        status: HTTP status code, e.g. 400, 401, 404, 409, 413, 415, 429, 502.
        error: snake_case machine code, e.g. ``"invalid_request"``.
        description: one human sentence; never contains secrets, codes or tokens.
        headers: extra response headers (e.g. ``WWW-Authenticate``, ``Retry-After``).
    """

    def __init__(
        self, status: int, error: str, description: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}


@dataclass(frozen=True)
class ErrorMapping:
    """How the edge answers one domain or upstream error (a row of a service's table).

    Attributes:
        status: HTTP status code.
        error: the contract's snake_case code (RFC 6749 section 5.2 names where one fits).
        description: the fixed sentence, or ``None`` to relay the error's own message
            (only where that message names a rule, never a value the caller sent).
        retry_after: seconds for a ``Retry-After`` header (RFC 9110 section 10.2.3), if any.
        headers: other response headers (e.g. ``WWW-Authenticate``).
    """

    status: int
    error: str
    description: str | None
    retry_after: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def api_error(
        self, message: str | None = None, fallback: str = "The request was rejected."
    ) -> ApiError:
        """The :class:`ApiError` this row answers with; ``message`` is relayed (at most
        300 characters) when the row has no fixed description."""
        description = self.description or (message or "").strip()[:300] or fallback
        headers = dict(self.headers)
        if self.retry_after:
            headers["Retry-After"] = str(self.retry_after)
        return ApiError(self.status, self.error, description, headers or None)


#: A domain error no table row names: a fault to fix, answered as the catch-all.
SERVER_ERROR = ErrorMapping(500, "server_error", "The service failed; retry later.")


def error_response(
    status: int, error: str, description: str, headers: dict[str, str] | None = None
) -> Response[str]:
    """Render the contract's error body as a Powertools ``Response``."""
    return Response(
        status_code=status,
        content_type=JSON,
        body=json.dumps({"error": error, "error_description": description}),
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[str]:
    """A JSON success response; ``body`` may be a pydantic model or plain data.

    ``Cache-Control: no-store`` is always set: bodies carry tokens or presigned URLs
    (RFC 6749 section 5.1 requires it on token responses).
    """
    if isinstance(body, BaseModel):
        text = body.model_dump_json()
    else:
        text = json.dumps(body)
    return Response(
        status_code=status,
        content_type=JSON,
        body=text,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def describe_validation_error(exc: ValidationError) -> str:
    """One readable sentence from a pydantic error, naming the first offending field.

    The input value is never echoed (it may be a password or a code).
    """
    first = exc.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "body"
    return f"{field}: {first.get('msg', 'is invalid')}."


#: Largest JSON request body accepted, in bytes (UTF-8). Every JSON route takes a few
#: short fields; 64 KiB leaves room for long tokens and stays far below API Gateway's
#: 10 MB payload quota, which would otherwise be the only bound.
MAX_JSON_BODY_BYTES = 64 * 1024

#: Deepest nesting of arrays/objects accepted in a JSON body. The contract's bodies are
#: flat objects (depth 1); Python's ``json`` recurses per level and fails with
#: ``RecursionError`` (not a ``ValueError``) near 1,000 levels.
MAX_JSON_DEPTH = 32


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``text`` nests ``[``/``{`` deeper than ``limit``, skipping string contents.

    One linear pass with no recursion, run *before* ``json.loads``: neither ``json`` nor
    pydantic bounds the depth (pydantic_core's own limit is a hard-coded 200 and still
    parses first), and a dependency (orjson's fixed 1,024) would not let the limit be
    chosen. Invalid JSON is left for ``json.loads`` to reject.
    """
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def load_json_object(body: str | None) -> dict[str, Any]:
    """Parse a JSON request body that must be an object, bounded before parsing.

    Raises:
        ApiError: 413 ``payload_too_large`` over :data:`MAX_JSON_BODY_BYTES`; 400
            ``invalid_request`` when missing, nested deeper than :data:`MAX_JSON_DEPTH`,
            not JSON, or not an object.
    """
    if not body:
        raise ApiError(400, "invalid_request", "The request body must be a JSON object.")
    if len(body) > MAX_JSON_BODY_BYTES or len(body.encode()) > MAX_JSON_BODY_BYTES:
        raise ApiError(
            413,
            "payload_too_large",
            f"The request body is larger than {MAX_JSON_BODY_BYTES} bytes.",
        )
    if json_depth_exceeds(body):
        raise ApiError(
            400,
            "invalid_request",
            f"The request body nests deeper than {MAX_JSON_DEPTH} levels.",
        )
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_request", "The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", "The request body must be a JSON object.")
    return data


def parse_json_body(body: str | None, model: type[ModelT]) -> ModelT:
    """Validate a JSON request body against ``model`` (bounded by :func:`load_json_object`).

    Raises:
        ApiError: 413 ``payload_too_large``; 400 ``invalid_request`` when the body is
            missing, too deep, not JSON, not an object, or fails validation.
    """
    data = load_json_object(body)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, "invalid_request", describe_validation_error(exc)) from exc


def is_json_media_type(content_type: str | None) -> bool:
    """``application/json`` or a ``+json`` structured suffix (RFC 6838 section 4.2.8),
    parameters such as ``charset`` ignored."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == JSON or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def require_json_content_type(headers: Mapping[str, str], body: str | None) -> None:
    """Refuse a request body that is not declared as JSON.

    A body sent as ``text/plain`` or a form is a "simple" cross-origin request that a
    browser sends without a CORS preflight; answering only declared JSON keeps every JSON
    route behind the preflight. An empty body needs no ``Content-Type``.

    Raises:
        ApiError: 415 ``unsupported_media_type`` (RFC 9110 section 15.5.16).
    """
    if body and not is_json_media_type(headers.get("Content-Type")):
        raise ApiError(415, "unsupported_media_type", "Send the request body as application/json.")


def parse_json_request(event: Any, model: type[ModelT], *, empty_body: str | None = None) -> ModelT:
    """Validate the JSON body of a Powertools ``APIGatewayProxyEvent`` against ``model``.

    Args:
        event: the resolver's ``current_event`` (``headers`` and ``decoded_body``).
        model: the pydantic request model.
        empty_body: what a missing body stands for (``"{}"`` where every field is
            optional); ``None`` makes a missing body a 400.

    Raises:
        ApiError: 415 for a non-JSON ``Content-Type``, else as :func:`parse_json_body`.
    """
    body = event.decoded_body
    require_json_content_type(event.headers, body)
    return parse_json_body(body or empty_body, model)


#: Longest bearer token accepted, in characters (Cognito JWTs are a few KB).
MAX_TOKEN_CHARS = 16384


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (RFC 6750 section 2.1).

    ``headers`` is the event's case-insensitive header mapping. Returns ``None`` when
    there is no ``Authorization`` header; each service decides what a malformed one means.

    Raises:
        ValueError: the header is present but not ``Bearer`` and one token of at most
            :data:`MAX_TOKEN_CHARS` characters.
    """
    header = (headers.get("Authorization") or "").strip()
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token or len(token) > MAX_TOKEN_CHARS:
        raise ValueError("Authorization is not 'Bearer <token>'")
    return token


#: Request headers a browser may send cross-origin; must match the template's
#: ``MomentsApi.Cors.AllowHeaders`` (API Gateway answers the preflight, the Lambda the rest).
#: ``X-Token-Delivery`` is deliberately absent: cookie delivery is same-origin only, and a
#: cross-origin page that cannot send that header cannot use the refresh-token cookie
#: (the CSRF defence in ``auth.web``).
CORS_ALLOW_HEADERS = ["Authorization", "Content-Type"]


class ReportingResolver(APIGatewayRestResolver):
    """``APIGatewayRestResolver`` that reports every error response to ``on_error``.

    Counting the final response, rather than inside each exception handler, also covers
    the handlers a service registers itself (``photos.errors.register``) and the 404 for
    an unknown route.
    """

    def __init__(self, on_error: Callable[[dict[str, Any]], None] | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_error = on_error

    def resolve(self, event: Any, context: Any) -> dict[str, Any]:
        result = super().resolve(event, context)
        if self._cors is not None:
            # Powertools sends Access-Control-Allow-Origin only when the request's Origin
            # is the allowed one, so every response depends on Origin: caches (CloudFront,
            # browsers) must key on it (RFC 9110 section 12.5.5; Fetch standard, "CORS
            # protocol and HTTP caches").
            _add_vary_origin(result)
        if self._on_error is not None and int(result.get("statusCode", 500)) >= 400:
            self._on_error(result)
        return result


def _add_vary_origin(result: dict[str, Any]) -> None:
    """Add ``Origin`` to the ``Vary`` header of a rendered REST proxy response."""
    multi = result.get("multiValueHeaders")
    if isinstance(multi, dict):
        varies = multi.setdefault("Vary", [])
        if not any("origin" in value.lower() for value in varies):
            varies.append("Origin")
        return
    headers = result.setdefault("headers", {})
    if "origin" not in headers.get("Vary", "").lower():
        headers["Vary"] = ", ".join(filter(None, [headers.get("Vary"), "Origin"]))


def _error_code(result: dict[str, Any]) -> str:
    """The contract's ``error`` code of a rendered error response, else ``"unknown"``."""
    try:
        code = json.loads(result.get("body") or "{}").get("error")
    except (ValueError, AttributeError):
        return "unknown"
    return code if isinstance(code, str) else "unknown"


def failure_counter(metrics: Metrics, name: str) -> Callable[[dict[str, Any]], None]:
    """An ``on_error`` callback adding 1 (unit ``Count``) to metric ``name`` per error.

    The status and the contract's ``error`` code go into the EMF record as *metadata*
    (searchable in CloudWatch Logs Insights), not as dimensions: a dimension value makes a
    separate billed custom metric, and nothing about the caller (email, sub, token) is
    ever recorded.
    """

    def count(result: dict[str, Any]) -> None:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        metrics.add_metadata(key="status", value=int(result.get("statusCode", 500)))
        metrics.add_metadata(key="error", value=_error_code(result))

    return count


def cors_config(allowed_origin: str | None) -> CORSConfig | None:
    """The CORS settings for ``allowed_origin``, else the ``ALLOWED_ORIGIN`` environment
    variable (read at cold start); ``None`` for an empty origin (same-origin use only)."""
    origin = os.environ.get("ALLOWED_ORIGIN", "") if allowed_origin is None else allowed_origin
    return CORSConfig(allow_origin=origin, allow_headers=CORS_ALLOW_HEADERS) if origin else None


def register_error_handlers(app: APIGatewayRestResolver, logger: Logger) -> None:
    """Make every error of ``app`` the contract's body (see :func:`build_resolver`)."""

    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError) -> Response[str]:
        if exc.status >= 500:
            logger.warning("upstream failure", extra={"error": exc.error, "status": exc.status})
        return error_response(exc.status, exc.error, exc.description, exc.headers)

    @app.exception_handler(ValidationError)
    def _validation_error(exc: ValidationError) -> Response[str]:
        return error_response(400, "invalid_request", describe_validation_error(exc))

    @app.not_found
    def _not_found(exc: NotFoundError) -> Response[str]:
        return error_response(404, "not_found", "No such route.")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return error_response(500, "server_error", "The service failed; retry later.")


def build_resolver(
    logger: Logger,
    allowed_origin: str | None = None,
    *,
    metrics: Metrics | None = None,
    failure_metric: str | None = None,
) -> APIGatewayRestResolver:
    """An ``APIGatewayRestResolver`` whose errors all use the contract's body.

    CORS: with a Lambda proxy integration API Gateway's ``Cors`` setting only answers the
    preflight; the actual response must carry ``Access-Control-Allow-Origin`` itself. The
    origin is ``allowed_origin``, or the function's ``ALLOWED_ORIGIN`` environment variable
    (set from the template's ``AllowedOrigin`` parameter), read once at cold start. An empty
    value means no CORS headers (same-origin use only, e.g. behind CloudFront).

    With ``metrics`` and ``failure_metric`` (e.g. ``"SignInFailures"``), every response
    with status >= 400 adds 1 to that metric (:func:`failure_counter`); the function's
    ``@metrics.log_metrics`` publishes it.

    - :class:`ApiError` -> its own status and body.
    - ``pydantic.ValidationError`` escaping a handler -> 400 ``invalid_request``.
    - an unknown route -> 404 ``not_found``.
    - anything else -> 500 ``server_error``, logged with its traceback (never the event).
    """
    on_error = (
        failure_counter(metrics, failure_metric) if metrics is not None and failure_metric else None
    )
    app = ReportingResolver(on_error, strip_prefixes=None, cors=cors_config(allowed_origin))
    register_error_handlers(app, logger)
    return app
