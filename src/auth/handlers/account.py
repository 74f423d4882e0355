"""The signed-in user's account, with their access token (behind the Cognito authorizer;
one module for AccountFunction, UpdateAccountFunction, ChangePasswordFunction,
ChangeEmailFunction, VerifyEmailFunction and DeleteAccountFunction):

- ``GET /auth/account`` -> GetUser: ``{email, email_verified, name, totp_enabled}``
- ``PATCH /auth/account`` ``{name}`` -> UpdateUserAttributes
- ``POST /auth/account/password`` ``{previous_password, proposed_password}`` -> ChangePassword
- ``POST /auth/account/email`` ``{email}`` -> UpdateUserAttributes (code to the new email)
- ``POST /auth/account/email/verify`` ``{code}`` -> VerifyUserAttribute
- ``DELETE /auth/account`` -> photo rows, sign-out record, DeleteUser
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.models import AccountUpdate, ChangePasswordRequest, CodeRequest, EmailRequest
from auth.service import get_service
from auth.web import require_bearer_token
from shared.http import FunctionApp, json_response, parse_json_request

app = FunctionApp(failure_metric="AccountFailures")


@app.get("/auth/account")
def get_account() -> Response:
    return json_response(200, get_service().account(require_bearer_token(app.current_event)))


@app.patch("/auth/account")
def update_account() -> Response:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, AccountUpdate)
    return json_response(200, get_service().update_account(token, request))


@app.post("/auth/account/password")
def change_password() -> Response:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, ChangePasswordRequest)
    result = get_service().change_password(token, request)
    app.count("PasswordsChanged")
    return json_response(200, result)


@app.post("/auth/account/email")
def change_email() -> Response:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, EmailRequest)
    return json_response(200, get_service().change_email(token, request))


@app.post("/auth/account/email/verify")
def verify_email() -> Response:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, CodeRequest)
    result = get_service().verify_email(token, request)
    app.count("EmailsChanged")
    return json_response(200, result)


@app.delete("/auth/account")
def delete_account() -> Response:
    result = get_service().delete_account(require_bearer_token(app.current_event))
    app.count("AccountsDeleted")
    return json_response(200, result)


lambda_handler = app.lambda_handler
