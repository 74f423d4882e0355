"""The signed-in user's passkeys, with their access token (PasskeyRegistrationOptionsFunction,
PasskeyRegisterFunction, ListPasskeysFunction, DeletePasskeyFunction: one module, behind
the Cognito authorizer; the logic is :mod:`auth.passkeys`):

- ``POST /auth/passkeys/registration-options`` ``{password, code?}`` -> the proof,
  StartWebAuthnRegistration: ``{credential_creation_options}``
- ``POST /auth/passkeys`` ``{credential}`` (RegistrationResponseJSON) ->
  CompleteWebAuthnRegistration: 201, the new passkey
- ``GET /auth/passkeys`` -> ListWebAuthnCredentials: ``{passkeys: [...]}``
- ``DELETE /auth/passkeys/{credential_id}`` ``{password, code?}`` -> the proof,
  DeleteWebAuthnCredential: ``{deleted: true}``

The proofs are :mod:`auth.reauthentication`'s. The authorizer has checked the token's
signature and scope; Cognito checks it again (revocation, deleted user) since every call
here takes the access token itself.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import BEARER_ERRORS, CODE, PASSWORD, PROOF_DESCRIPTION, PROOF_ERRORS, AuthApp
from auth.passkey_models import (
    DeletePasskeyRequest,
    Passkey,
    PasskeyCreationOptions,
    PasskeyDeleted,
    PasskeyList,
    PasskeyRegistrationOptionsRequest,
    RegisterPasskeyRequest,
)
from auth.service import get_service
from auth.web import require_bearer_token
from shared.app import json_body, merge_error_codes
from shared.http import json_response, parse_json_request

app = AuthApp(failure_metric="PasskeyFailures")

#: The route-specific refusal of a pool without passkeys (auth.errors).
_DISABLED = {403: ("passkeys_disabled",)}

# Examples (openapi.json): the shapes Cognito and a browser produce, shortened.
_CREDENTIAL_ID = "hzS0Ht1N4sVcF4n5yYdVYA"
_PASSKEY = {
    "credential_id": _CREDENTIAL_ID,
    "friendly_name": "Passkey",
    "relying_party_id": "photos.example.org",
    "authenticator_attachment": "platform",
    "authenticator_transports": ["internal", "hybrid"],
    "created_at": "2026-11-21T08:48:29Z",
}
_CREATION_OPTIONS = {
    "challenge": "dGhlIGNoYWxsZW5nZSBDb2duaXRvIGlzc3VlZA",
    "rp": {"id": "photos.example.org", "name": "moments-prod"},
    "user": {"id": "YTJjMjFjYjMtLi4u", "name": "alice@example.com", "displayName": "Alice"},
    "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
    "timeout": 300000,
    "excludeCredentials": [],
    "authenticatorSelection": {"residentKey": "required", "userVerification": "required"},
}
_REGISTRATION = {
    "id": _CREDENTIAL_ID,
    "rawId": _CREDENTIAL_ID,
    "type": "public-key",
    "authenticatorAttachment": "platform",
    "clientExtensionResults": {},
    "response": {
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiZEdobElHTm9ZV3hzWl"
        "c1blpTQkRiMmR1YVhSdklHbHpjM1ZsWkEiLCJvcmlnaW4iOiJodHRwczovL3Bob3Rvcy5leGFtcGxlLm9yZyIsImN"
        "yb3NzT3JpZ2luIjpmYWxzZX0",
        # shortened: the CBOR attestation object is a few hundred bytes
        "attestationObject": "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVjF",
        "transports": ["internal", "hybrid"],
    },
}


@app.post(
    "/auth/passkeys/registration-options",
    operation_id="startPasskeyRegistration",
    summary="Start registering a passkey: Cognito's creation options",
    description=PROOF_DESCRIPTION
    + " Pass the options to `navigator.credentials.create({publicKey})` (decode `challenge` "
    "and `user.id` from base64url, or use `PublicKeyCredential.parseCreationOptionsFromJSON`) "
    "and send its answer to `POST /auth/passkeys` within `timeout` ms. A pool without "
    "passkeys answers 403 `passkeys_disabled`.",
    tags=["auth"],
    openapi_extensions=json_body(
        PasskeyRegistrationOptionsRequest, {"password": PASSWORD, "code": CODE}
    ),
    responses=app.responses(
        200,
        PasskeyCreationOptions,
        "The W3C PublicKeyCredentialCreationOptionsJSON, with a challenge for this user.",
        example={"credential_creation_options": _CREATION_OPTIONS},
        errors=merge_error_codes(PROOF_ERRORS, _DISABLED),
    ),
)
def registration_options() -> Response[str]:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(
        app.current_event, PasskeyRegistrationOptionsRequest, empty_body="{}"
    )
    return json_response(200, get_service().passkey_registration_options(token, request.proof))


@app.post(
    "/auth/passkeys",
    operation_id="registerPasskey",
    summary="Finish registering a passkey with the browser's answer",
    description="`credential` is `navigator.credentials.create()`'s answer as "
    "`PublicKeyCredential.toJSON()` gives it (W3C RegistrationResponseJSON). Cognito verifies "
    "it against the challenge of `POST /auth/passkeys/registration-options` (single use); a "
    "refused one is 400 `invalid_passkey`, registers nothing, and needs new options.",
    tags=["auth"],
    openapi_extensions=json_body(RegisterPasskeyRequest, {"credential": _REGISTRATION}),
    responses=app.responses(
        201,
        Passkey,
        "The new passkey; it signs in from now on.",
        example=_PASSKEY,
        errors=merge_error_codes(
            {400: ("invalid_request", "invalid_passkey")}, BEARER_ERRORS, _DISABLED
        ),
    ),
)
def register() -> Response[str]:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, RegisterPasskeyRequest)
    result = get_service().register_passkey(token, request.credential)
    app.count("PasskeyRegistered")
    return json_response(201, result)


@app.get(
    "/auth/passkeys",
    operation_id="listPasskeys",
    summary="The signed-in user's passkeys",
    tags=["auth"],
    responses=app.responses(
        200,
        PasskeyList,
        "Every passkey of the user, oldest first (empty when none).",
        example={"passkeys": [_PASSKEY]},
        errors=BEARER_ERRORS,
    ),
)
def list_passkeys() -> Response[str]:
    return json_response(200, get_service().passkeys(require_bearer_token(app.current_event)))


@app.delete(
    "/auth/passkeys/<credential_id>",
    operation_id="deletePasskey",
    summary="Delete one of the signed-in user's passkeys",
    description=PROOF_DESCRIPTION
    + " An id the user has no passkey of (another user's included) is 404 "
    "`passkey_not_found`.",
    tags=["auth"],
    openapi_extensions=json_body(DeletePasskeyRequest, {"password": PASSWORD, "code": CODE}),
    responses=app.responses(
        200,
        PasskeyDeleted,
        "The passkey is deleted; it no longer signs in.",
        example={"deleted": True},
        errors=merge_error_codes(PROOF_ERRORS, {404: ("passkey_not_found",)}),
    ),
)
def delete(credential_id: str) -> Response[str]:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, DeletePasskeyRequest, empty_body="{}")
    result = get_service().delete_passkey(token, credential_id, request.proof)
    app.count("PasskeyDeleted")
    return json_response(200, result)


lambda_handler = app.lambda_handler
