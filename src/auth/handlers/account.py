"""The signed-in user's account, with their access token (behind the Cognito authorizer;
one module for AccountFunction, UpdateAccountFunction, ChangePasswordFunction,
ChangeEmailFunction, VerifyEmailFunction and DeleteAccountFunction):

- ``GET /auth/account`` -> GetUser: ``{email, email_verified, name, totp_enabled}``
- ``PATCH /auth/account`` ``{name}`` -> UpdateUserAttributes
- ``POST /auth/account/password`` ``{previous_password, proposed_password}`` -> ChangePassword
- ``POST /auth/account/email`` ``{email, password, code?}`` -> the proof, then
  UpdateUserAttributes (code to the new email)
- ``POST /auth/account/email/verify`` ``{code}`` -> VerifyUserAttribute
- ``DELETE /auth/account`` ``{password, code?}`` -> the proof, photo rows, sign-out
  record, DeleteUser

The ``password`` (and, with TOTP on, ``code``) is the fresh proof of identity of
:mod:`auth.reauthentication`.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import (
    ACCOUNT,
    BEARER_ERRORS,
    CODE,
    CODE_SENT,
    NEW_PASSWORD,
    PASSWORD,
    PROOF_DESCRIPTION,
    PROOF_ERRORS,
    AuthApp,
)
from auth.models import (
    Account,
    AccountDeleted,
    AccountUpdate,
    ChangeEmailRequest,
    ChangePasswordRequest,
    CodeRequest,
    CodeSent,
    DeleteAccountRequest,
    PasswordChanged,
)
from auth.service import get_service
from auth.web import require_bearer_token
from shared.app import json_body, merge_error_codes
from shared.http import json_response, parse_json_request

app = AuthApp(failure_metric="AccountFailures")


@app.get(
    "/auth/account",
    operation_id="getAccount",
    summary="The signed-in user's profile",
    tags=["auth"],
    responses=app.responses(
        200,
        Account,
        "The profile; `email` is the sign-in name.",
        example=ACCOUNT,
        errors=BEARER_ERRORS,
    ),
)
def get_account() -> Response[str]:
    return json_response(200, get_service().account(require_bearer_token(app.current_event)))


@app.patch(
    "/auth/account",
    operation_id="updateAccount",
    summary="Change the profile's name",
    tags=["auth"],
    openapi_extensions=json_body(AccountUpdate, {"name": "Alice"}),
    responses=app.responses(
        200,
        Account,
        "The updated profile.",
        example=ACCOUNT,
        errors=merge_error_codes({400: ("invalid_request",)}, BEARER_ERRORS),
    ),
)
def update_account() -> Response[str]:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, AccountUpdate)
    return json_response(200, get_service().update_account(token, request))


@app.post(
    "/auth/account/password",
    operation_id="changePassword",
    summary="Change the password (the current one is required)",
    tags=["auth"],
    openapi_extensions=json_body(
        ChangePasswordRequest, {"previous_password": PASSWORD, "proposed_password": NEW_PASSWORD}
    ),
    responses=app.responses(
        200,
        PasswordChanged,
        "The password is changed.",
        example={"password_changed": True},
        errors=merge_error_codes(
            {400: ("invalid_request", "invalid_credentials", "invalid_password")}, BEARER_ERRORS
        ),
    ),
)
def change_password() -> Response[str]:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, ChangePasswordRequest)
    result = get_service().change_password(token, request)
    app.count("PasswordsChanged")
    return json_response(200, result)


@app.post(
    "/auth/account/email",
    operation_id="changeEmail",
    summary="Start an email change: a code goes to the new address",
    description="The old email stays the sign-in name until `POST "
    "/auth/account/email/verify` (Cognito's AttributesRequireVerificationBeforeUpdate). "
    + PROOF_DESCRIPTION,
    tags=["auth"],
    openapi_extensions=json_body(
        ChangeEmailRequest, {"email": "alice.new@example.com", "password": PASSWORD}
    ),
    responses=app.responses(
        200,
        CodeSent,
        "The same answer whether or not the address is free.",
        example=CODE_SENT,
        errors=PROOF_ERRORS,
    ),
)
def change_email() -> Response[str]:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, ChangeEmailRequest)
    return json_response(200, get_service().change_email(token, request))


@app.post(
    "/auth/account/email/verify",
    operation_id="verifyEmail",
    summary="Finish an email change with the code sent to the new address",
    tags=["auth"],
    openapi_extensions=json_body(CodeRequest, {"code": CODE}),
    responses=app.responses(
        200,
        Account,
        "The profile, with the new email.",
        example={**ACCOUNT, "email": "alice.new@example.com"},
        errors=merge_error_codes(
            {400: ("invalid_request", "code_mismatch", "expired_code")},
            BEARER_ERRORS,
            {409: ("user_exists",)},
        ),
    ),
)
def verify_email() -> Response[str]:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, CodeRequest)
    result = get_service().verify_email(token, request)
    app.count("EmailsChanged")
    return json_response(200, result)


@app.delete(
    "/auth/account",
    operation_id="deleteAccount",
    summary="Delete the account and all of its photos; signs out everywhere",
    description=PROOF_DESCRIPTION,
    tags=["auth"],
    openapi_extensions=json_body(DeleteAccountRequest, {"password": PASSWORD}),
    responses=app.responses(
        200,
        AccountDeleted,
        "Deleted; a second delete answers 401.",
        example={"account_deleted": True, "photos_deleted": 3},
        errors=PROOF_ERRORS,
    ),
)
def delete_account() -> Response[str]:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, DeleteAccountRequest, empty_body="{}")
    result = get_service().delete_account(token, request.proof)
    app.count("AccountsDeleted")
    return json_response(200, result)


lambda_handler = app.lambda_handler
