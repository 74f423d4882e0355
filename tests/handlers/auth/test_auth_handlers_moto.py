"""The events/*.json files through the auth handlers, against moto built from template.yaml."""

from __future__ import annotations

import base64
import importlib
import json
from urllib.parse import parse_qsl

from tests.handlers.auth.auth_events import (
    authorization_code_event,
    body_of,
    header,
    load_event,
    with_body,
    with_headers,
)

EMAIL = "alice@example.com"  # the address in events/*.json
PASSWORD = "Correct-Horse-9"


def invoke(handler: str, event: dict, context) -> dict:
    return importlib.import_module(f"auth.handlers.{handler}").lambda_handler(event, context)


def signed_up_and_confirmed(moto_pool, context) -> None:
    assert invoke("sign_up", load_event("sign_up"), context)["statusCode"] == 201
    assert invoke("confirm", load_event("confirm_sign_up"), context)["statusCode"] == 200


def test_sign_up_creates_an_unconfirmed_user(moto_pool, lambda_context):
    response = invoke("sign_up", load_event("sign_up"), lambda_context)
    assert response["statusCode"] == 201
    assert body_of(response) == {"code_delivery": {"destination": "a***@e***", "medium": "EMAIL"}}
    user = moto_pool.client.admin_get_user(UserPoolId=moto_pool.user_pool_id, Username=EMAIL)
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert user["UserStatus"] == "UNCONFIRMED"
    assert attributes["name"] == "Alice"


def test_signing_up_twice_answers_the_same_bytes(moto_pool, lambda_context):
    first = invoke("sign_up", load_event("sign_up"), lambda_context)
    again = with_body(load_event("sign_up"), {"email": EMAIL, "password": "Other-Horse-7"})
    second = invoke("sign_up", again, lambda_context)
    assert (second["statusCode"], second["body"]) == (first["statusCode"], first["body"])


def test_a_password_below_the_template_policy_is_invalid_password(moto_pool, lambda_context):
    event = with_body(load_event("sign_up"), {"email": EMAIL, "password": "alllowercase1"})
    response = invoke("sign_up", event, lambda_context)
    assert response["statusCode"] == 400
    assert body_of(response)["error"] == "invalid_password"


def test_a_malformed_body_is_invalid_request_without_echoing_the_password(
    moto_pool, lambda_context
):
    event = with_body(load_event("sign_up"), {"email": "not-an-email", "password": "Sup3r-Secret"})
    response = invoke("sign_up", event, lambda_context)
    assert response["statusCode"] == 400
    assert body_of(response)["error"] == "invalid_request"
    assert "Sup3r-Secret" not in response["body"]


def test_sign_in_before_confirming_is_user_not_confirmed(moto_pool, lambda_context):
    invoke("sign_up", load_event("sign_up"), lambda_context)
    response = invoke("sign_in", load_event("sign_in"), lambda_context)
    assert response["statusCode"] == 403
    assert body_of(response)["error"] == "user_not_confirmed"


def test_confirmed_user_signs_in_and_gets_bearer_tokens(moto_pool, lambda_context):
    signed_up_and_confirmed(moto_pool, lambda_context)
    response = invoke("sign_in", load_event("sign_in"), lambda_context)
    assert response["statusCode"] == 200
    body = body_of(response)
    assert body["token_type"] == "Bearer"
    assert body["access_token"] and body["id_token"] and body["refresh_token"]
    assert body["expires_in"] > 0
    assert header(response, "Cache-Control") == ["no-store"]
    assert header(response, "Set-Cookie") == []
    # The access token is one the pool itself accepts
    assert moto_pool.client.get_user(AccessToken=body["access_token"])["UserAttributes"]


def test_unknown_email_and_wrong_password_get_the_identical_response(moto_pool, lambda_context):
    signed_up_and_confirmed(moto_pool, lambda_context)
    wrong = invoke(
        "sign_in",
        with_body(load_event("sign_in"), {"email": EMAIL, "password": "Wrong-Pass-1"}),
        lambda_context,
    )
    unknown = invoke(
        "sign_in",
        with_body(load_event("sign_in"), {"email": "nobody@example.com", "password": PASSWORD}),
        lambda_context,
    )
    assert wrong["statusCode"] == unknown["statusCode"] == 401
    assert wrong["body"] == unknown["body"]
    assert wrong["multiValueHeaders"] == unknown["multiValueHeaders"]
    assert body_of(wrong)["error"] == "invalid_credentials"


def test_browser_sign_in_puts_the_refresh_token_only_in_the_cookie(moto_pool, lambda_context):
    signed_up_and_confirmed(moto_pool, lambda_context)
    event = with_headers(load_event("sign_in"), X_Token_Delivery="cookie")
    response = invoke("sign_in", event, lambda_context)
    assert response["statusCode"] == 200
    assert "refresh_token" not in body_of(response)
    [cookie] = header(response, "Set-Cookie")
    assert cookie.startswith("moments_refresh_token=")
    # Max-Age is the client's RefreshTokenValidity (template default: 30 days)
    for attribute in (
        "Path=/auth",
        f"Max-Age={30 * 86400}",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
    ):
        assert attribute in cookie


def test_forgot_password_answers_known_and_unknown_emails_alike(moto_pool, lambda_context):
    signed_up_and_confirmed(moto_pool, lambda_context)
    known = invoke("forgot_password", load_event("forgot_password"), lambda_context)
    # "adam" masks like "alice": same first letter, same domain
    unknown = invoke(
        "forgot_password",
        with_body(load_event("forgot_password"), {"email": "adam@example.com"}),
        lambda_context,
    )
    assert known["statusCode"] == unknown["statusCode"] == 200
    assert known["body"] == unknown["body"]


def test_reset_password_sets_the_new_password(moto_pool, lambda_context):
    signed_up_and_confirmed(moto_pool, lambda_context)
    invoke("forgot_password", load_event("forgot_password"), lambda_context)
    response = invoke("reset_password", load_event("reset_password"), lambda_context)
    assert response["statusCode"] == 200
    assert body_of(response) == {"password_reset": True}
    new_password = json.loads(load_event("reset_password")["body"])["password"]
    signed_in = invoke(
        "sign_in",
        with_body(load_event("sign_in"), {"email": EMAIL, "password": new_password}),
        lambda_context,
    )
    assert signed_in["statusCode"] == 200


def test_sign_out_with_a_bearer_token_signs_out_everywhere(moto_pool, lambda_context):
    signed_up_and_confirmed(moto_pool, lambda_context)
    access_token = body_of(invoke("sign_in", load_event("sign_in"), lambda_context))["access_token"]
    event = with_headers(
        with_body(load_event("sign_out"), {}), Authorization=f"Bearer {access_token}"
    )
    response = invoke("sign_out", event, lambda_context)
    assert response["statusCode"] == 200
    assert body_of(response)["signed_out_everywhere"] is True


def test_sign_out_without_any_token_is_invalid_request(moto_pool, lambda_context):
    event = with_body(load_event("sign_out"), {})
    assert "Authorization" not in event["headers"]
    response = invoke("sign_out", event, lambda_context)
    assert response["statusCode"] == 400
    assert body_of(response)["error"] == "invalid_request"


def test_code_exchange_reaches_the_hosted_ui_with_the_pools_real_secret(
    moto_pool, hosted_ui, lambda_context
):
    response = invoke("token", authorization_code_event(), lambda_context)
    assert response["statusCode"] == 200
    assert body_of(response)["access_token"] == "hosted-access"
    [request] = hosted_ui.requests
    assert request["path"] == "/oauth2/token"
    credentials = base64.b64decode(
        request["headers"]["Authorization"].removeprefix("Basic ")
    ).decode()
    assert credentials == f"{moto_pool.client_id}:{moto_pool.client_secret}"
    assert dict(parse_qsl(request["body"]))["client_id"] == moto_pool.client_id


def test_a_rejected_code_is_invalid_grant(moto_pool, hosted_ui, lambda_context):
    hosted_ui.status, hosted_ui.body = 400, {"error": "invalid_grant"}
    response = invoke("token", authorization_code_event(), lambda_context)
    assert response["statusCode"] == 400
    assert body_of(response)["error"] == "invalid_grant"
    assert header(response, "Cache-Control") == ["no-store"]


def test_config_gives_public_settings_from_the_template_and_never_the_secret(
    moto_pool, lambda_context
):
    response = invoke("config", load_event("auth_config"), lambda_context)
    assert response["statusCode"] == 200
    body = body_of(response)
    assert body["user_pool_id"] == moto_pool.user_pool_id
    assert body["client_id"] == moto_pool.client_id
    assert body["region"] == "us-east-1"
    assert body["redirect_uris"] == ["http://localhost:3000/"]
    assert body["scopes"] == ["openid", "email", "profile", "aws.cognito.signin.user.admin"]
    assert body["authorize_url"] == f"{moto_pool.env['COGNITO_DOMAIN_URL']}/oauth2/authorize"
    assert moto_pool.client_secret not in response["body"]
