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

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from auth.cognito import TRACED_LIBRARIES
from auth.models import (
    AccountUpdate,
    ChangeEmailRequest,
    ChangePasswordRequest,
    CodeRequest,
    DeleteAccountRequest,
)
from auth.service import get_service
from auth.web import require_bearer_token
from shared.http import build_resolver, json_response, parse_json_request

logger = Logger()
tracer = Tracer(patch_modules=TRACED_LIBRARIES)
metrics = Metrics()
app = build_resolver(logger, metrics=metrics, failure_metric="AccountFailures")


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
    metrics.add_metric(name="PasswordsChanged", unit=MetricUnit.Count, value=1)
    return json_response(200, result)


@app.post("/auth/account/email")
def change_email() -> Response:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, ChangeEmailRequest)
    return json_response(200, get_service().change_email(token, request))


@app.post("/auth/account/email/verify")
def verify_email() -> Response:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, CodeRequest)
    result = get_service().verify_email(token, request)
    metrics.add_metric(name="EmailsChanged", unit=MetricUnit.Count, value=1)
    return json_response(200, result)


@app.delete("/auth/account")
def delete_account() -> Response:
    token = require_bearer_token(app.current_event)
    request = parse_json_request(app.current_event, DeleteAccountRequest, empty_body="{}")
    result = get_service().delete_account(token, request.proof)
    metrics.add_metric(name="AccountsDeleted", unit=MetricUnit.Count, value=1)
    return json_response(200, result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
