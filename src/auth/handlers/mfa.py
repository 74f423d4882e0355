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

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import BEARER_ERRORS, CODE, PASSWORD, PROOF_DESCRIPTION, PROOF_ERRORS, AuthApp
from auth.models import MfaDisableRequest, MfaSetup, MfaStatus, MfaVerifyRequest
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
    description="`password` is the fresh proof of identity (docs/auth.md; a wrong one is "
    "401 `invalid_credentials` and counts toward the sign-in attempt limit). With TOTP "
    "already on the answer is 409 `mfa_enabled`: turn it off first.",
    tags=["auth"],
    openapi_extensions=json_body(
        MfaVerifyRequest, {"code": "123456", "device_name": "phone", "password": PASSWORD}
    ),
    responses=app.responses(
        200,
        MfaStatus,
        "TOTP MFA is on: sign-in asks for a code.",
        example={"totp_enabled": True},
        errors=merge_error_codes(
            {400: ("invalid_request", "code_mismatch")}, PROOF_ERRORS, {409: ("mfa_enabled",)}
        ),
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
    description=PROOF_DESCRIPTION,
    tags=["auth"],
    openapi_extensions=json_body(MfaDisableRequest, {"password": PASSWORD, "code": CODE}),
    responses=app.responses(
        200,
        MfaStatus,
        "TOTP MFA is off.",
        example={"totp_enabled": False},
        errors=PROOF_ERRORS,
    ),
)
def disable() -> Response[str]:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, MfaDisableRequest, empty_body="{}")
    result = get_service().mfa_disable(token, request.proof)
    app.count("MfaDisabled")
    return json_response(200, result)


lambda_handler = app.lambda_handler
