"""TOTP MFA with the user's access token (MfaSetupFunction, MfaVerifyFunction,
MfaDisableFunction: one module, behind the Cognito authorizer):

- ``POST /auth/mfa/setup`` -> AssociateSoftwareToken: ``{secret_code, otpauth_uri}``
- ``POST /auth/mfa/verify`` ``{code, device_name?, password}`` -> the password proof,
  VerifySoftwareToken + SetUserMFAPreference (on): ``{totp_enabled: true}``
- ``DELETE /auth/mfa`` ``{password, code}`` -> the proof, SetUserMFAPreference (off):
  ``{totp_enabled: false}``

The proofs are :mod:`auth.reauthentication`'s.

The authorizer has checked the token's signature and scope; Cognito checks it again
(revocation, deleted user) since every call here takes the access token itself.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from auth.cognito import TRACED_LIBRARIES
from auth.models import MfaDisableRequest, MfaVerifyRequest
from auth.service import get_service
from auth.web import require_bearer_token
from shared.http import build_resolver, json_response, parse_json_request

logger = Logger()
tracer = Tracer(patch_modules=TRACED_LIBRARIES)
metrics = Metrics()
app = build_resolver(logger, metrics=metrics, failure_metric="MfaFailures")


@app.post("/auth/mfa/setup")
def setup() -> Response:
    result = get_service().mfa_setup(require_bearer_token(app.current_event))
    return json_response(200, result)


@app.post("/auth/mfa/verify")
def verify() -> Response:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, MfaVerifyRequest)
    result = get_service().mfa_verify(token, request)
    metrics.add_metric(name="MfaEnabled", unit=MetricUnit.Count, value=1)
    return json_response(200, result)


@app.delete("/auth/mfa")
def disable() -> Response:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, MfaDisableRequest, empty_body="{}")
    result = get_service().mfa_disable(token, request.proof)
    metrics.add_metric(name="MfaDisabled", unit=MetricUnit.Count, value=1)
    return json_response(200, result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
