"""The routes of the signed-in account and the second factor, and the passwordless and MFA
sign-in steps, on their events/*.json files, against the template's pool in moto with the
local stack's Cognito behaviour installed (real codes, VerifyUserAttribute, DeleteUser).

Each route is named here with what it needs first (:data:`PREPARE`); the expected status
is openapi.json's success. tests/tools/test_route_coverage.py fails when a route of the
template is named by no handler test.
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import pyotp
import pytest

from local_stack.cognito.inbox import Inbox
from tests.handlers.auth.auth_events import body_of, load_event, with_body, with_headers
from tests.support.routes import Function, by_event

# A successful account call publishes no application metric, only the cold start.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")
OPENAPI = json.loads((Path(__file__).resolve().parents[3] / "openapi.json").read_text())
EMAIL, PASSWORD = "alice@example.com", "Correct-Horse-9"  # the events' user (openapi examples)


def invoke(event_name: str, event: dict, context) -> dict:
    module = importlib.import_module(by_event(event_name).module)
    return module.lambda_handler(event, context)


def success(function: Function) -> int:
    assert function.path and function.method
    responses = OPENAPI["paths"][function.path][function.method.lower()]["responses"]
    (status,) = [int(code) for code in responses if code.startswith("2")]
    return status


def code(inbox: Inbox, email: str, kind: str) -> str:
    return [m["code"] for m in inbox.messages(email) if m["kind"] == kind][-1]


def signed_in(inbox: Inbox, context) -> str:
    """The access token of the events' user, signed up, confirmed and signed in."""
    assert invoke("sign_up", load_event("sign_up"), context)["statusCode"] == 201
    confirm = with_body(
        load_event("confirm_sign_up"), {"email": EMAIL, "code": code(inbox, EMAIL, "sign_up")}
    )
    assert invoke("confirm_sign_up", confirm, context)["statusCode"] == 200
    response = invoke("sign_in", load_event("sign_in"), context)
    assert response["statusCode"] == 200, response["body"]
    return body_of(response)["access_token"]


def _totp(access: str, context) -> pyotp.TOTP:
    setup = with_headers(load_event("mfa_setup"), Authorization=f"Bearer {access}")
    return pyotp.TOTP(body_of(invoke("mfa_setup", setup, context))["secret_code"])


def _mfa_on(event: dict, inbox: Inbox, access: str, context) -> dict:
    totp = _totp(access, context)
    # The password is the fresh proof turning MFA on needs (issue 25)
    return with_body(event, {"code": totp.now(), "password": PASSWORD})


def _mfa_verified(event: dict, inbox: Inbox, access: str, context) -> dict:
    totp = _totp(access, context)
    verify = with_headers(load_event("mfa_verify"), Authorization=f"Bearer {access}")
    verify = with_body(verify, {"code": totp.now(), "password": PASSWORD})
    assert invoke("mfa_verify", verify, context)["statusCode"] == 200
    # Turning it off takes the password and a code not used yet (a code works once)
    return with_body(event, {"password": PASSWORD, "code": totp.at(time.time() + 30)})


def _new_email_code(event: dict, inbox: Inbox, access: str, context) -> dict:
    new = "alice.new@example.com"
    change = with_headers(load_event("change_email"), Authorization=f"Bearer {access}")
    body = {"email": new, "password": PASSWORD}
    assert invoke("change_email", with_body(change, body), context)["statusCode"] == 200
    return with_body(event, {"code": code(inbox, new, "verify_email")})


Prepare = Callable[[dict, Inbox, str, Callable], dict] | None
#: Every route behind the authorizer (by events/ file), and what its event needs first.
PREPARE: dict[str, Prepare] = {
    "account": None,
    "update_account": None,
    "change_password": None,
    "change_email": None,
    "verify_email": _new_email_code,
    "delete_account": None,
    "mfa_setup": None,
    "mfa_verify": _mfa_on,
    "mfa_disable": _mfa_verified,
}


@pytest.mark.parametrize("event_name", sorted(PREPARE))
def test_each_account_route_answers_its_success_to_a_signed_in_user(
    event_name, inbox, lambda_context
):
    # Given the events' user, signed in, and what the route needs first
    access = signed_in(inbox, lambda_context)
    event = with_headers(load_event(event_name), Authorization=f"Bearer {access}")
    prepare = PREPARE[event_name]
    if prepare is not None:
        event = prepare(event, inbox, access, lambda_context)
    # When the route's event carries their access token
    response = invoke(event_name, event, lambda_context)
    # Then it answers openapi.json's success
    assert response["statusCode"] == success(by_event(event_name)), response["body"]


@pytest.mark.parametrize("event_name", sorted(PREPARE))
def test_each_account_route_refuses_a_request_without_a_bearer_token(
    event_name, inbox, lambda_context
):
    event = load_event(event_name)
    del event["headers"]["Authorization"], event["multiValueHeaders"]["Authorization"]
    response = invoke(event_name, event, lambda_context)
    assert response["statusCode"] == 401, response["body"]


def test_the_mfa_challenge_of_a_password_sign_in_is_answered_with_a_totp(inbox, lambda_context):
    # Given a user with TOTP MFA on
    access = signed_in(inbox, lambda_context)
    totp = _totp(access, lambda_context)
    verify = with_headers(load_event("mfa_verify"), Authorization=f"Bearer {access}")
    assert (
        invoke(
            "mfa_verify",
            with_body(verify, {"code": totp.now(), "password": PASSWORD}),
            lambda_context,
        )["statusCode"]
        == 200
    )
    # When they sign in with their password, they are asked for a code
    started = body_of(invoke("sign_in", load_event("sign_in"), lambda_context))
    assert started["challenge"] == "SOFTWARE_TOKEN_MFA"
    # Then the challenge event answered with the next code returns tokens
    body = {"email": EMAIL, "challenge": started["challenge"], "session": started["session"]}
    answer = with_body(load_event("challenge"), body | {"answer": totp.at(time.time() + 30)})
    response = invoke("challenge", answer, lambda_context)
    assert response["statusCode"] == success(by_event("challenge")), response["body"]
    assert body_of(response)["token_type"] == "Bearer"


def test_an_email_code_sign_in_is_refused_where_passwordless_is_off(inbox, lambda_context):
    # Given the template's default: no SES identity, so no emailed sign-in codes
    signed_in(inbox, lambda_context)
    response = invoke("email_code_sign_in", load_event("email_code_sign_in"), lambda_context)
    assert response["statusCode"] == 403
    assert body_of(response)["error"] == "passwordless_disabled"
