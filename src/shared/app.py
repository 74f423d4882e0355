"""Each API function's app, built once: :class:`FunctionApp`, and its routes' metadata.

:class:`FunctionApp` is the resolver of :func:`shared.http.build_resolver` with the
function's ``Logger``, ``Metrics`` and decorated entry point, and the edge's answer to
the logic's :class:`~shared.errors.DomainError` (the service's error table). The helpers
below build the OpenAPI metadata each route carries on its decorator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from shared.errors import DomainError
from shared.http import (
    JSON,
    SERVER_ERROR,
    ErrorMapping,
    ReportingResolver,
    cors_config,
    error_response,
    failure_counter,
    register_error_handlers,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

# ----------------------------------------------------------------- route metadata
# What each route's decorator tells the API contract (openapi.json, built by
# tools/openapi.py from every function's resolver). Plain dicts and model *names* only:
# building them at cold start costs microseconds, and no model's schema is built (the
# models keep ``defer_build=True``); tools/openapi.py fills ``#/components/schemas`` from
# the models the ``$ref``s name.

#: Where openapi.json keeps the models' JSON Schemas.
SCHEMAS = "#/components/schemas/"

#: Status -> the contract's ``error`` codes it carries on a route (OpenAPI metadata).
ErrorCodes = Mapping[int, tuple[str, ...]]


def schema_ref(model: type[BaseModel] | str) -> dict[str, str]:
    """``{"$ref": "#/components/schemas/<Model>"}`` for a pydantic model (or its name)."""
    return {"$ref": SCHEMAS + (model if isinstance(model, str) else model.__name__)}


def json_body(model: type[BaseModel], example: Any = None) -> dict[str, Any]:
    """A route's ``openapi_extensions`` for a required JSON request body of ``model``
    (Powertools documents a body only from typed, validated handler parameters; these
    routes validate with :func:`parse_json_request` instead)."""
    media: dict[str, Any] = {"schema": schema_ref(model)}
    if example is not None:
        media["example"] = example
    return {"requestBody": {"required": True, "content": {JSON: media}}}


def query_model(model: type[BaseModel]) -> dict[str, Any]:
    """A route's ``openapi_extensions`` naming the model whose fields are its query
    parameters; tools/openapi.py turns ``x-query-model`` into one parameter per field."""
    return {"x-query-model": model.__name__}


def merge_error_codes(*tables: ErrorCodes) -> dict[int, tuple[str, ...]]:
    """Status -> error codes tables combined; a status in several keeps every code, in
    order of appearance."""
    merged: dict[int, tuple[str, ...]] = {}
    for table in tables:
        for status, codes in table.items():
            merged[status] = tuple(dict.fromkeys(merged.get(status, ()) + codes))
    return merged


def error_responses(
    errors: ErrorCodes, headers: Mapping[int, Mapping[str, Any]] | None = None
) -> dict[int, OpenAPIResponse]:
    """OpenAPI responses for error statuses: the contract's body, one example per code,
    and ``headers`` (status -> OpenAPI header objects) where given."""
    responses: dict[int, dict[str, Any]] = {}
    for status, codes in errors.items():
        examples = {
            code: {"value": {"error": code, "error_description": "One human sentence."}}
            for code in codes
        }
        response: dict[str, Any] = {
            "description": "`error` is " + " or ".join(f"`{code}`" for code in codes) + ".",
            "content": {JSON: {"schema": schema_ref("ErrorBody"), "examples": examples}},
        }
        if headers and status in headers:
            response["headers"] = dict(headers[status])
        responses[status] = response
    return cast("dict[int, OpenAPIResponse]", responses)


LambdaHandler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]


class FunctionApp(ReportingResolver):
    """One API function's app: the resolver of :func:`build_resolver`, its ``Logger`` and
    ``Metrics``, and the entry point, built here once for every handler module.

    A handler module makes one, registers its route(s) on it with the route's OpenAPI
    metadata, and exports the entry point::

        app = FunctionApp(failure_metric="SignUpFailures")

        @app.post("/auth/sign-up", summary=..., responses=...)
        def sign_up() -> Response[str]:
            ...
            app.count("SignUps")
            return json_response(201, result)

        lambda_handler = app.lambda_handler

    A service subclasses it to add what its routes share: :meth:`error_mapping` (its
    ``errors.py`` table, the only place a :class:`~shared.errors.DomainError` becomes a
    status), :attr:`route_errors` and :attr:`error_headers` (``auth.api.AuthApp``,
    ``photos.api.PhotoApp``).

    Args:
        failure_metric: the function's failure metric (e.g. ``"SignInFailures"``), added
            once per error response (:func:`failure_counter`).
        allowed_origin: as in :func:`build_resolver`.

    Attributes:
        logger, metrics: made at cold start, under the function's environment (Powertools
            reads ``POWERTOOLS_SERVICE_NAME`` and ``POWERTOOLS_METRICS_NAMESPACE`` then).
        lambda_handler: ``resolve`` with the correlation id of the API Gateway request
            in every log line and the metrics flushed (cold-start metric included) after
            each invocation.
    """

    #: Status -> error codes every route of the app can answer with, whatever it does: the
    #: catch-all of :func:`build_resolver`. Subclasses add their service's.
    route_errors: ClassVar[ErrorCodes] = {500: ("server_error",)}
    #: Status -> OpenAPI headers of the app's error responses (e.g. ``WWW-Authenticate``).
    error_headers: ClassVar[Mapping[int, Mapping[str, Any]]] = {}

    def __init__(self, failure_metric: str, allowed_origin: str | None = None) -> None:
        self.logger = Logger()
        self.metrics = Metrics()
        super().__init__(
            failure_counter(self.metrics, failure_metric),
            strip_prefixes=None,
            cors=cors_config(allowed_origin),
        )
        register_error_handlers(self, self.logger)

        @self.exception_handler(DomainError)
        def _domain_error(exc: DomainError) -> Response[str]:
            return self.answer(exc)

        self.lambda_handler: LambdaHandler = self._entry_point()

    def error_mapping(self, exc: DomainError) -> ErrorMapping:
        """The service's table row for ``exc``; with no table, the catch-all 500."""
        return SERVER_ERROR

    def answer(self, exc: DomainError) -> Response[str]:
        """The contract's error response to a domain error, through :meth:`error_mapping`;
        a 5xx is logged with the error's operation and code (never its message)."""
        error = self.error_mapping(exc).api_error(exc.message)
        if error.status >= 500:
            self.logger.warning(
                "upstream failure",
                extra={"operation": exc.operation, "upstream": exc.code, "status": error.status},
            )
        return error_response(error.status, error.error, error.description, error.headers)

    def count(self, metric: str) -> None:
        """Add 1 (unit ``Count``) to the business metric ``metric`` (``"SignUps"``...)."""
        self.metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)

    def responses(
        self,
        status: int,
        model: type[BaseModel] | None,
        description: str,
        *,
        example: Any = None,
        headers: Mapping[str, Any] | None = None,
        errors: ErrorCodes | None = None,
    ) -> dict[int, OpenAPIResponse]:
        """A route's ``responses=`` metadata: its success and its error statuses.

        Args:
            status: the success status (200, 201, 204).
            model: the success body's pydantic model, ``None`` for an empty body.
            description: one sentence on the success.
            example: one realistic success body.
            headers: OpenAPI header objects of the success response (e.g. ``Set-Cookie``).
            errors: status -> the contract's ``error`` codes this route answers with, on
                top of :attr:`route_errors` (tools/openapi.py adds API Gateway's own from
                the template, and 415 where the body must be JSON).
        """
        # An empty body has an empty ``content`` (Powertools would otherwise document the
        # route function's return annotation).
        success: dict[str, Any] = {"description": description, "content": {}}
        if headers:
            success["headers"] = dict(headers)
        if model is not None:
            media: dict[str, Any] = {"schema": schema_ref(model)}
            if example is not None:
                media["example"] = example
            success["content"] = {JSON: media}
        codes = merge_error_codes(self.route_errors, errors or {})
        return {
            status: cast("OpenAPIResponse", success),
            **error_responses(codes, self.error_headers),
        }

    def _entry_point(self) -> LambdaHandler:
        @self.logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
        @self.metrics.log_metrics(capture_cold_start_metric=True)
        def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
            return self.resolve(event, context)

        return lambda_handler
