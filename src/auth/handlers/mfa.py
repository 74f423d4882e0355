"""TOTP MFA with the user's access token (MfaSetupFunction, MfaVerifyFunction,
MfaDisableFunction: one module, behind the Cognito authorizer):

- ``POST /auth/mfa/setup`` -> AssociateSoftwareToken: ``{secret_code, otpauth_uri}``
- ``POST /auth/mfa/verify`` ``{code, device_name?}`` -> VerifySoftwareToken +
  SetUserMFAPreference (on): ``{totp_enabled: true}``
- ``DELETE /auth/mfa`` -> SetUserMFAPreference (off): ``{totp_enabled: false}``

The authorizer has checked the token's signature and scope; Cognito checks it again
(revocation, deleted user) since every call here takes the access token itself.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.models import MfaVerifyRequest
from auth.service import get_service
from auth.web import require_bearer_token
from shared.http import FunctionApp, json_response, parse_json_request

app = FunctionApp(failure_metric="MfaFailures")


@app.post("/auth/mfa/setup")
def setup() -> Response:
    result = get_service().mfa_setup(require_bearer_token(app.current_event))
    return json_response(200, result)


@app.post("/auth/mfa/verify")
def verify() -> Response:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, MfaVerifyRequest)
    result = get_service().mfa_verify(token, request)
    app.count("MfaEnabled")
    return json_response(200, result)


@app.delete("/auth/mfa")
def disable() -> Response:
    result = get_service().mfa_disable(require_bearer_token(app.current_event))
    app.count("MfaDisabled")
    return json_response(200, result)


lambda_handler = app.lambda_handler
