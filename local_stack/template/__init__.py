"""Reading ``template.yaml`` as CloudFormation and the SAM transform would (dev-only).

The public names live here; :mod:`local_stack.template.loader` reads the file.
"""

from local_stack.template.loader import (
    ACCOUNT_ID,
    IMPLICIT_API_ID,
    REGION,
    STACK_NAME,
    ApiSpec,
    CognitoAuthorizerSpec,
    CorsSpec,
    FunctionSpec,
    GatewayResponseSpec,
    RouteSpec,
    Template,
    TemplateError,
    load_yaml,
)

__all__ = [
    "ACCOUNT_ID",
    "IMPLICIT_API_ID",
    "REGION",
    "STACK_NAME",
    "ApiSpec",
    "CognitoAuthorizerSpec",
    "CorsSpec",
    "FunctionSpec",
    "GatewayResponseSpec",
    "RouteSpec",
    "Template",
    "TemplateError",
    "load_yaml",
]
