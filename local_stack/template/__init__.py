"""Reading ``template.yaml`` as CloudFormation and the SAM transform would (dev-only).

:mod:`.loader` reads the YAML (short-form tags, anchors); :mod:`.model` resolves it
(:class:`Template`: parameters, conditions, Globals) into :mod:`.specs` (functions, routes,
APIs); :mod:`.intrinsics` holds CloudFormation's intrinsic functions. The public names are
exported here.
"""

from local_stack.template.loader import (
    ACCOUNT_ID,
    IMPLICIT_API_ID,
    REGION,
    STACK_NAME,
    TemplateError,
    load_yaml,
)
from local_stack.template.model import Template
from local_stack.template.specs import (
    ApiSpec,
    CognitoAuthorizerSpec,
    CorsSpec,
    FunctionSpec,
    GatewayResponseSpec,
    RouteSpec,
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
