"""The HTTP edge shared by every Moments Lambda: the contract's error body and the resolver.

Every error the API returns has the body ``{"error": "<snake_case_code>",
"error_description": "<human sentence>"}`` (DESIGN.md, API contract v1; the code names
follow RFC 6749 section 5.2 on the token route). Handlers and logic raise :class:`ApiError`
(or a subclass); :func:`build_resolver` turns it, pydantic validation errors, bad JSON and
anything unexpected into that body. This module is the one place that renders errors;
each service maps its own Cognito/AWS error names to ``ApiError`` in its ``errors.py``.
"""

from __future__ import annotations

import json
import os
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
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


#: Request headers a browser may send cross-origin; must match the template's
#: ``MomentsApi.Cors.AllowHeaders`` (API Gateway answers the preflight, the Lambda the rest).
CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "X-Token-Delivery"]


def build_resolver(
    logger: Logger, allowed_origin: str | None = None
) -> APIGatewayRestResolver:
    """An ``APIGatewayRestResolver`` whose errors all use the contract's body.

    CORS: with a Lambda proxy integration API Gateway's ``Cors`` setting only answers the
    preflight; the actual response must carry ``Access-Control-Allow-Origin`` itself. The
    origin is ``allowed_origin``, or the function's ``ALLOWED_ORIGIN`` environment variable
    (set from the template's ``AllowedOrigin`` parameter), read once at cold start. An empty
    value means no CORS headers (same-origin use only, e.g. behind CloudFront).

    - :class:`ApiError` -> its own status and body.
    - ``pydantic.ValidationError`` escaping a handler -> 400 ``invalid_request``.
    - an unknown route -> 404 ``not_found``.
    - anything else -> 500 ``server_error``, logged with its traceback (never the event).
    """
    origin = os.environ.get("ALLOWED_ORIGIN", "") if allowed_origin is None else allowed_origin
    cors = CORSConfig(allow_origin=origin, allow_headers=CORS_ALLOW_HEADERS) if origin else None
    app = APIGatewayRestResolver(strip_prefixes=None, cors=cors)

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
