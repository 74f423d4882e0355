"""The HTTP edge shared by every Moments Lambda: the contract's error body and the resolver.

Every error the API returns has the body ``{"error": "<snake_case_code>",
"error_description": "<human sentence>"}`` (DESIGN.md, API contract v1; the code names
follow RFC 6749 section 5.2 on the token route). Handlers and logic raise :class:`ApiError`
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
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics

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


def error_response(
    status: int, error: str, description: str, headers: dict[str, str] | None = None
) -> Response:
    """Render the contract's error body as a Powertools ``Response``."""
    return Response(
        status_code=status,
        content_type=JSON,
        body=json.dumps({"error": error, "error_description": description}),
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
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


def parse_json_body(body: str | None, model: type[ModelT]) -> ModelT:
    """Validate a JSON request body against ``model``.

    Raises:
        ApiError: 400 ``invalid_request`` when the body is missing, not JSON, not an
            object, or fails validation.
    """
    if not body:
        raise ApiError(400, "invalid_request", "The request body must be a JSON object.")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ApiError(400, "invalid_request", "The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", "The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, "invalid_request", describe_validation_error(exc)) from exc


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


class _Resolver(APIGatewayRestResolver):
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
        if self._on_error is not None and int(result.get("statusCode", 500)) >= 400:
            self._on_error(result)
        return result


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
    origin = os.environ.get("ALLOWED_ORIGIN", "") if allowed_origin is None else allowed_origin
    cors = CORSConfig(allow_origin=origin, allow_headers=CORS_ALLOW_HEADERS) if origin else None
    on_error = (
        failure_counter(metrics, failure_metric) if metrics is not None and failure_metric else None
    )
    app = _Resolver(on_error, strip_prefixes=None, cors=cors)

    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        if exc.status >= 500:
            logger.warning("upstream failure", extra={"error": exc.error, "status": exc.status})
        return error_response(exc.status, exc.error, exc.description, exc.headers)

    @app.exception_handler(ValidationError)
    def _validation_error(exc: ValidationError) -> Response:
        return error_response(400, "invalid_request", describe_validation_error(exc))

    @app.not_found
    def _not_found(exc: NotFoundError) -> Response:
        return error_response(404, "not_found", "No such route.")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("unhandled error")
        return error_response(500, "server_error", "The service failed; retry later.")

    return app
