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

from auth.api import BEARER_ERRORS, AuthApp
from auth.models import MfaSetup, MfaStatus, MfaVerifyRequest
from auth.service import get_service
from auth.web import require_bearer_token
from shared.app import json_body, merge_error_codes
from shared.http import json_response, parse_json_request

app = AuthApp(failure_metric="MfaFailures")

_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@app.post(
    "/auth/mfa/setup",
    operation_id="setUpMfa",
    summary="Start TOTP setup: a new secret for an authenticator app",
    tags=["auth"],
    responses=app.responses(
        200,
        MfaSetup,
        "The secret, also as an otpauth:// URI for a QR code.",
        example={
            "secret_code": _SECRET,
            "otpauth_uri": f"otpauth://totp/Moments:alice@example.com?secret={_SECRET}"
            "&issuer=Moments",
        },
        errors=merge_error_codes({400: ("invalid_request",)}, BEARER_ERRORS),
    ),
)
def setup() -> Response[str]:
    result = get_service().mfa_setup(require_bearer_token(app.current_event))
    return json_response(200, result)


@app.post(
    "/auth/mfa/verify",
    operation_id="verifyMfa",
    summary="Verify the authenticator's code and turn TOTP MFA on",
    tags=["auth"],
    openapi_extensions=json_body(MfaVerifyRequest, {"code": "123456", "device_name": "phone"}),
    responses=app.responses(
        200,
        MfaStatus,
        "TOTP MFA is on: sign-in asks for a code.",
        example={"totp_enabled": True},
        errors=merge_error_codes({400: ("invalid_request", "code_mismatch")}, BEARER_ERRORS),
    ),
)
def verify() -> Response[str]:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, MfaVerifyRequest)
    result = get_service().mfa_verify(token, request)
    app.count("MfaEnabled")
    return json_response(200, result)


@app.delete(
    "/auth/mfa",
    operation_id="disableMfa",
    summary="Turn TOTP MFA off",
    tags=["auth"],
    responses=app.responses(
        200,
        MfaStatus,
        "TOTP MFA is off.",
        example={"totp_enabled": False},
        errors=merge_error_codes({400: ("invalid_request",)}, BEARER_ERRORS),
    ),
)
def disable() -> Response[str]:
    result = get_service().mfa_disable(require_bearer_token(app.current_event))
    app.count("MfaDisabled")
    return json_response(200, result)


lambda_handler = app.lambda_handler
