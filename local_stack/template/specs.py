"""What the local stack serves from the template: functions, routes and APIs (plain data)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FunctionSpec:
    """One ``AWS::Serverless::Function`` after Globals and intrinsics.

    ``code_uri`` is absolute; ``timeout_s`` is seconds; ``memory_mb`` is MiB;
    ``environment`` is exactly the template's ``Environment.Variables`` (strings).
    """

    logical_id: str
    function_name: str
    handler: str
    code_uri: Path
    runtime: str
    timeout_s: int
    memory_mb: int
    environment: dict[str, str]


@dataclass(frozen=True)
class CognitoAuthorizerSpec:
    """A ``COGNITO_USER_POOLS`` authorizer of an ``AWS::Serverless::Api``."""

    name: str
    user_pool_arns: tuple[str, ...]
    header: str = "Authorization"
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorsSpec:
    """SAM ``Cors``: values as API Gateway sends them (the template's quotes removed)."""

    allow_origin: str
    allow_methods: str | None = None
    allow_headers: str | None = None
    max_age: str | None = None
    allow_credentials: bool = False


@dataclass(frozen=True)
class GatewayResponseSpec:
    """One entry of SAM ``GatewayResponses`` (status may be None: the type's default)."""

    status: int | None
    headers: dict[str, str]
    templates: dict[str, str]


@dataclass(frozen=True)
class ApiSpec:
    """One ``AWS::Serverless::Api`` (or SAM's implicit ``ServerlessRestApi``)."""

    logical_id: str
    stage: str
    default_authorizer: str | None
    authorizers: dict[str, CognitoAuthorizerSpec]
    unsupported_authorizers: tuple[str, ...]
    cors: CorsSpec | None
    binary_media_types: tuple[str, ...]
    gateway_responses: dict[str, GatewayResponseSpec]
    add_default_authorizer_to_cors_preflight: bool = True


@dataclass(frozen=True)
class RouteSpec:
    """One ``Api`` event: ``method`` is upper case (``ANY`` allowed), ``path`` a template.

    ``authorizer`` is the authorizer name that applies (None: open route); ``scopes``
    overrides the authorizer's ``AuthorizationScopes`` when the event sets its own.
    """

    function_id: str
    api_id: str
    path: str
    method: str
    authorizer: str | None
    scopes: tuple[str, ...] | None = None
