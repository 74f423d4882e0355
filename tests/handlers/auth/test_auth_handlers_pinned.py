"""The exact requests the broker sends, pinned with botocore's Stubber and a local
/oauth2/token: moto checks neither SECRET_HASH, ClientSecret nor the Basic auth header."""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl

import boto3
import pytest
import urllib3
from botocore.stub import Stubber

from auth.cognito import CognitoIdentityProvider, HostedUiTokenClient
from auth.config import load_settings
from auth.service import AuthService
from tests.handlers.auth.auth_events import (
    authorization_code_event,
    body_of,
    header,
    load_event,
    with_body,
    with_headers,
)
from tests.handlers.auth.conftest import auth_env
from tests.support.routes import api_functions

POOL_ID = "us-east-1_Example"
CLIENT_ID = "1example23456789"
SECRET = "example-client-secret-value"
EMAIL = "alice@example.com"
# Base64(HMAC_SHA256(SECRET, EMAIL + CLIENT_ID)), computed with openssl
SECRET_HASH = "EnQ+GRD9pP6iZqe7xF+H52FOWr2Pdrk83p+0DqqyA9I="
# Base64("1example23456789:example-client-secret-value")
BASIC = "Basic MWV4YW1wbGUyMzQ1Njc4OTpleGFtcGxlLWNsaWVudC1zZWNyZXQtdmFsdWU="
VERIFIER = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk"
RESULT = {"AccessToken": "access-2", "IdToken": "id-2", "ExpiresIn": 900, "TokenType": "Bearer"}


@dataclass
class Broker:
    stubber: Stubber
    hosted_ui: object
    context: object

    def invoke(self, handler: str, event: dict) -> dict:
        return importlib.import_module(f"auth.handlers.{handler}").lambda_handler(
            event, self.context
        )

    def expect(self, operation: str, params: dict, response: dict | None = None) -> None:
        self.stubber.add_response(operation, response or {}, params)


@pytest.fixture
def broker(template, hosted_ui, lambda_context, monkeypatch):
    template.physical_ids.update({"UserPool": POOL_ID, "UserPoolClient": CLIENT_ID})
    for name, value in (auth_env(template) | {"COGNITO_DOMAIN_URL": hosted_ui.url}).items():
        monkeypatch.setenv(name, value)
    # Only Cognito is stubbed here: the sign-out and refresh-token records and the attempt
    # counters (DynamoDB) are pinned in test_sign_out_record_moto.py / test_attempts_moto.py.
    monkeypatch.delenv("REVOCATIONS_TABLE_NAME")
    monkeypatch.delenv("ATTEMPTS_TABLE_NAME")
    client = boto3.client("cognito-idp", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response(
        "describe_user_pool_client",
        {
            "UserPoolClient": {
                "UserPoolId": POOL_ID,
                "ClientId": CLIENT_ID,
                "ClientSecret": SECRET,
                "RefreshTokenValidity": 30,
                "TokenValidityUnits": {"RefreshToken": "days"},
            }
        },
        {"UserPoolId": POOL_ID, "ClientId": CLIENT_ID},
    )
    settings = load_settings()
    idp = CognitoIdentityProvider(POOL_ID, CLIENT_ID, client=client)
    token_endpoint = HostedUiTokenClient(
        settings.token_url,
        CLIENT_ID,
        lambda: idp.client_secret,
        timeout=urllib3.Timeout(connect=1.0, read=0.3),
    )
    service = AuthService(settings, idp=idp, token_endpoint=token_endpoint)
    for name in (
        "sign_up",
        "confirm",
        "resend_code",
        "sign_in",
        "token",
        "sign_out",
        "forgot_password",
        "reset_password",
    ):
        monkeypatch.setattr(
            importlib.import_module(f"auth.handlers.{name}"), "get_service", lambda: service
        )
    with stubber:
        # The secret is read once per container; reading it here keeps the queued Cognito
        # calls of each test in the order the broker makes them.
        assert idp.client_secret == SECRET
        yield Broker(stubber, hosted_ui, lambda_context)


def test_sign_up_sends_secret_hash_and_the_normalised_email(broker):
    broker.expect(
        "sign_up",
        {
            "ClientId": CLIENT_ID,
            "SecretHash": SECRET_HASH,
            "Username": EMAIL,
            "Password": "Correct-Horse-9",
            "UserAttributes": [{"Name": "name", "Value": "Alice"}],
        },
        {
            "UserConfirmed": False,
            "UserSub": "7f6f96ef-4715-468d-8281-92ab41bd4d67",
            "CodeDeliveryDetails": {
                "Destination": "a***@e***",
                "DeliveryMedium": "EMAIL",
                "AttributeName": "email",
            },
        },
    )
    event = with_body(
        load_event("sign_up"),
        {"email": " Alice@Example.com", "password": "Correct-Horse-9", "name": "Alice"},
    )
    response = broker.invoke("sign_up", event)
    assert response["statusCode"] == 201
    assert body_of(response) == {
        "code_delivery": {"destination": "a***@e***", "medium": "EMAIL"},
    }
    broker.stubber.assert_no_pending_responses()


def test_confirm_resend_forgot_and_reset_each_send_secret_hash(broker):
    base = {"ClientId": CLIENT_ID, "SecretHash": SECRET_HASH, "Username": EMAIL}
    delivery = {"CodeDeliveryDetails": {"Destination": "a***@e***", "DeliveryMedium": "EMAIL"}}
    broker.expect("confirm_sign_up", base | {"ConfirmationCode": "828092"})
    broker.expect("resend_confirmation_code", base, delivery)
    broker.expect("forgot_password", base, delivery)
    broker.expect(
        "confirm_forgot_password",
        base | {"ConfirmationCode": "828092", "Password": "Another-Horse-10"},
    )
    statuses = [
        broker.invoke(handler, load_event(name))["statusCode"]
        for handler, name in [
            ("confirm", "confirm_sign_up"),
            ("resend_code", "resend_code"),
            ("forgot_password", "forgot_password"),
            ("reset_password", "reset_password"),
        ]
    ]
    assert statuses == [200, 200, 200, 200]
    broker.stubber.assert_no_pending_responses()


def test_sign_in_uses_user_password_auth_and_reads_the_secret_once(broker):
    params = {
        "ClientId": CLIENT_ID,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {
            "USERNAME": EMAIL,
            "PASSWORD": "Correct-Horse-9",
            "SECRET_HASH": SECRET_HASH,
        },
    }
    result = {"AuthenticationResult": RESULT | {"RefreshToken": "refresh-1"}}
    broker.expect("initiate_auth", params, result)
    broker.expect("initiate_auth", params, result)  # no second DescribeUserPoolClient is queued
    first = broker.invoke("sign_in", load_event("sign_in"))
    second = broker.invoke("sign_in", load_event("sign_in"))
    assert first["statusCode"] == second["statusCode"] == 200
    assert body_of(first) == {
        "access_token": "access-2",
        "id_token": "id-2",
        "refresh_token": "refresh-1",
        "expires_in": 900,
        "token_type": "Bearer",
    }
    broker.stubber.assert_no_pending_responses()


def test_cognito_throttling_is_429_with_retry_after(broker):
    broker.stubber.add_client_error("sign_up", "TooManyRequestsException", "Rate exceeded", 400)
    response = broker.invoke("sign_up", load_event("sign_up"))
    assert response["statusCode"] == 429
    assert body_of(response)["error"] == "too_many_requests"
    assert header(response, "Retry-After")[0].isdigit()


def test_refresh_uses_get_tokens_from_refresh_token_with_the_secret(broker):
    broker.expect(
        "get_tokens_from_refresh_token",
        {"ClientId": CLIENT_ID, "ClientSecret": SECRET, "RefreshToken": "eyJjdHkiOiJKV1Qi…"},
        {"AuthenticationResult": RESULT | {"RefreshToken": "rotated-refresh-token"}},
    )
    response = broker.invoke("token", load_event("token"))
    assert response["statusCode"] == 200
    assert body_of(response)["refresh_token"] == "rotated-refresh-token"
    assert header(response, "Cache-Control") == ["no-store"]


def test_browser_refresh_reads_and_rotates_the_cookie(broker):
    broker.expect(
        "get_tokens_from_refresh_token",
        {"ClientId": CLIENT_ID, "ClientSecret": SECRET, "RefreshToken": "cookie-refresh-token"},
        {"AuthenticationResult": RESULT | {"RefreshToken": "rotated-refresh-token"}},
    )
    event = with_headers(
        with_body(load_event("token"), {"grant_type": "refresh_token"}),
        X_Token_Delivery="cookie",
        Cookie="moments_refresh_token=cookie-refresh-token",
    )
    response = broker.invoke("token", event)
    assert response["statusCode"] == 200
    assert "refresh_token" not in body_of(response)
    [cookie] = header(response, "Set-Cookie")
    assert cookie.startswith(
        "moments_refresh_token=rotated-refresh-token; Path=/auth; Max-Age=2592000"
    )


def test_a_reused_or_revoked_refresh_token_is_invalid_grant(broker):
    broker.stubber.add_client_error(
        "get_tokens_from_refresh_token",
        "NotAuthorizedException",
        "Refresh Token has been revoked",
        400,
    )
    response = broker.invoke("token", load_event("token"))
    assert response["statusCode"] == 400
    assert body_of(response)["error"] == "invalid_grant"


def test_sign_out_signs_out_globally_then_revokes_with_the_secret(broker):
    # GlobalSignOut first: RevokeToken also kills the access tokens issued with the
    # refresh token, after which GlobalSignOut would be refused.
    broker.expect("global_sign_out", {"AccessToken": "example-access-token"})
    broker.expect(
        "revoke_token",
        {"Token": "eyJjdHkiOiJKV1Qi…", "ClientId": CLIENT_ID, "ClientSecret": SECRET},
    )
    event = with_headers(load_event("sign_out"), Authorization="Bearer example-access-token")
    response = broker.invoke("sign_out", event)
    assert response["statusCode"] == 200
    assert body_of(response) == {
        "signed_out": True,
        "refresh_token_revoked": True,
        "signed_out_everywhere": True,
    }
    broker.stubber.assert_no_pending_responses()


def test_browser_sign_out_revokes_the_cookie_token_and_clears_the_cookie(broker):
    broker.expect(
        "revoke_token",
        {"Token": "cookie-refresh-token", "ClientId": CLIENT_ID, "ClientSecret": SECRET},
    )
    event = with_headers(
        with_body(load_event("sign_out"), {}),
        X_Token_Delivery="cookie",
        Cookie="moments_refresh_token=cookie-refresh-token",
    )
    response = broker.invoke("sign_out", event)
    assert response["statusCode"] == 200
    assert header(response, "Set-Cookie") == [
        "moments_refresh_token=; Path=/auth; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
    ]


def test_code_exchange_sends_the_exact_token_request(broker):
    response = broker.invoke("token", authorization_code_event())
    assert response["statusCode"] == 200
    assert body_of(response)["access_token"] == "hosted-access"
    [request] = broker.hosted_ui.requests
    assert request["path"] == "/oauth2/token"
    assert request["headers"]["Authorization"] == BASIC
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(request["body"])) == {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "code": "SplxlOBeZQQYbYS6WxSbIA",
        "redirect_uri": "http://localhost:3000/",
        "code_verifier": VERIFIER,
    }


def test_an_upstream_timeout_is_a_clean_503(broker):
    broker.hosted_ui.stall = threading.Event()  # the server answers only after the client gave up
    response = broker.invoke("token", authorization_code_event())
    assert response["statusCode"] == 503
    assert body_of(response) == {
        "error": "temporarily_unavailable",
        "error_description": "The identity provider is unavailable; retry later.",
    }
    assert header(response, "Retry-After")


@pytest.mark.parametrize(
    ("status", "body", "expected_status", "error"),
    [
        (500, "<html>Internal Server Error</html>", 502, "server_error"),
        (401, {"error": "invalid_client"}, 500, "server_error"),
        (400, {"error": "invalid_grant"}, 400, "invalid_grant"),
    ],
)
def test_upstream_failures_are_clean_contract_errors(broker, status, body, expected_status, error):
    broker.hosted_ui.status, broker.hosted_ui.body = status, body
    response = broker.invoke("token", authorization_code_event())
    assert response["statusCode"] == expected_status
    assert body_of(response)["error"] == error
    assert "Traceback" not in response["body"]


def test_unsupported_grant_types_never_reach_upstream(broker):
    event = with_headers(
        authorization_code_event(), Content_Type="application/x-www-form-urlencoded"
    )
    event["body"] = "grant_type=password&username=jane&password=x"
    response = broker.invoke("token", event)
    assert response["statusCode"] == 400
    assert body_of(response)["error"] == "unsupported_grant_type"
    assert broker.hosted_ui.requests == []


def test_cognito_lockout_is_429_with_retry_after_not_a_wrong_password(broker):
    # Given the pool has locked the account after repeated wrong passwords (Cognito's
    # answer, pinned: NotAuthorizedException "Password attempts exceeded")
    broker.stubber.add_client_error(
        "initiate_auth", "NotAuthorizedException", "Password attempts exceeded", 400
    )
    response = broker.invoke("sign_in", load_event("sign_in"))
    # Then the caller is told to wait, with the contract body
    assert response["statusCode"] == 429
    assert body_of(response) == {
        "error": "too_many_requests",
        "error_description": "Too many attempts; retry later.",
    }
    assert int(header(response, "Retry-After")[0]) > 0


@pytest.mark.parametrize(
    ("handler", "operation", "body"),
    [
        ("confirm", "confirm_sign_up", {"email": EMAIL, "code": "123456"}),
        (
            "reset_password",
            "confirm_forgot_password",
            {"email": EMAIL, "code": "123456", "password": "Correct-Horse-9"},
        ),
        ("resend_code", "resend_confirmation_code", {"email": EMAIL}),
        ("forgot_password", "forgot_password", {"email": EMAIL}),
    ],
)
def test_code_attempt_limits_are_429_with_retry_after(broker, handler, operation, body):
    # Given Cognito's limit on code attempts or code emails (LimitExceededException)
    broker.stubber.add_client_error(
        operation,
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
        400,
    )
    event = load_event(next(f.event for f in api_functions("auth") if f.handler == handler))
    response = broker.invoke(handler, with_body(event, body))
    assert response["statusCode"] == 429
    assert body_of(response)["error"] == "too_many_requests"
    assert int(header(response, "Retry-After")[0]) > 0


def test_sign_up_of_an_existing_email_is_the_same_201_as_a_new_one(broker):
    broker.stubber.add_client_error(
        "sign_up", "UsernameExistsException", "User already exists", 400
    )
    existing = broker.invoke("sign_up", load_event("sign_up"))
    broker.stubber.add_response(
        "sign_up",
        {
            "UserConfirmed": False,
            "UserSub": "7f6f96ef-4715-468d-8281-92ab41bd4d67",
            "CodeDeliveryDetails": {
                "Destination": "a***@e***",
                "DeliveryMedium": "EMAIL",
                "AttributeName": "email",
            },
        },
    )
    fresh = broker.invoke("sign_up", load_event("sign_up"))
    assert (
        (existing["statusCode"], existing["body"])
        == (fresh["statusCode"], fresh["body"])
        == (
            201,
            '{"code_delivery":{"destination":"a***@e***","medium":"EMAIL"}}',
        )
    )
