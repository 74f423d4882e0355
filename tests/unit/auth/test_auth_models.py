"""Edge validation: normalised emails, and /auth/token from JSON or a form."""

import json
from urllib.parse import urlencode

import pytest
from pydantic import ValidationError

from auth.config import settings_from_env
from auth.models import (
    AuthorizationCodeGrant,
    PublicConfig,
    RefreshTokenGrant,
    SignInRequest,
    SignUpRequest,
    parse_token_request,
)
from shared.http import ApiError

VERIFIER = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 appendix B
CODE_GRANT = {
    "grant_type": "authorization_code",
    "code": "SplxlOBeZQQYbYS6WxSbIA",
    "redirect_uri": "http://localhost:3000/",
    "code_verifier": VERIFIER,
}
FORM = "application/x-www-form-urlencoded"


def test_emails_are_stripped_and_lowercased():
    request = SignInRequest(email="  Jane.Doe@Example.COM ", password="x")
    assert request.email == "jane.doe@example.com"


@pytest.mark.parametrize("email", ["", "jane", "jane@", "@example.com", "a b@example.com"])
def test_malformed_emails_are_rejected(email):
    with pytest.raises(ValidationError):
        SignUpRequest(email=email, password="Correct-Horse-9")


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError):
        SignUpRequest.model_validate({"email": "a@example.com", "password": "x", "admin": True})


def test_a_form_and_a_json_token_request_parse_to_the_same_grant():
    from_form = parse_token_request(urlencode(CODE_GRANT), f"{FORM}; charset=UTF-8")
    from_json = parse_token_request(json.dumps(CODE_GRANT), "application/json")
    assert from_form == from_json
    assert isinstance(from_form, AuthorizationCodeGrant)
    assert from_form.code_verifier == VERIFIER


def test_a_json_token_request_parses_with_a_charset_parameter():
    grant = parse_token_request(
        json.dumps({"grant_type": "refresh_token", "refresh_token": "r"}),
        "application/json; charset=utf-8",
    )
    assert grant == RefreshTokenGrant(grant_type="refresh_token", refresh_token="r")


@pytest.mark.parametrize("content_type", [None, "text/plain", "multipart/form-data; boundary=x"])
def test_a_token_request_body_that_is_neither_form_nor_json_is_415(content_type):
    # Given a body a browser can send cross-origin without a CORS preflight
    body = json.dumps({"grant_type": "refresh_token", "refresh_token": "r"})
    # Then the token route refuses it instead of guessing
    with pytest.raises(ApiError) as caught:
        parse_token_request(body, content_type)
    assert (caught.value.status, caught.value.error) == (415, "unsupported_media_type")


def test_a_deeply_nested_json_token_request_is_400_not_a_crash():
    with pytest.raises(ApiError) as caught:
        parse_token_request("[" * 100_000 + "]" * 100_000, "application/json")
    assert (caught.value.status, caught.value.error) == (413, "payload_too_large")
    with pytest.raises(ApiError) as caught:
        parse_token_request('{"a":' + "[" * 1000 + "]" * 1000 + "}", "application/json")
    assert (caught.value.status, caught.value.error) == (400, "invalid_request")


def test_empty_form_values_count_as_omitted():
    # RFC 6749 section 3.1: a parameter sent without a value is treated as omitted
    grant = parse_token_request("grant_type=refresh_token&refresh_token=", FORM)
    assert grant.refresh_token is None


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (urlencode({**CODE_GRANT, "grant_type": ""}), FORM, "invalid_request"),
        (json.dumps({"code": "x"}), "application/json", "invalid_request"),
        (
            json.dumps({"grant_type": "password", "username": "u"}),
            "application/json",
            "unsupported_grant_type",
        ),
        ("grant_type=client_credentials", FORM, "unsupported_grant_type"),
        (
            json.dumps({"grant_type": ["refresh_token"]}),
            "application/json",
            "unsupported_grant_type",
        ),
        ("grant_type=refresh_token&grant_type=authorization_code", FORM, "invalid_request"),
        (urlencode({**CODE_GRANT, "code_verifier": "short"}), FORM, "invalid_request"),
        (
            urlencode({k: v for k, v in CODE_GRANT.items() if k != "code_verifier"}),
            FORM,
            "invalid_request",
        ),
        (urlencode({**CODE_GRANT, "client_secret": "s"}), FORM, "invalid_request"),
        ("{not json", "application/json", "invalid_request"),
        ("[]", "application/json", "invalid_request"),
    ],
)
def test_bad_token_requests_get_rfc_6749_errors(body, content_type, error):
    with pytest.raises(ApiError) as caught:
        parse_token_request(body, content_type)
    assert (caught.value.status, caught.value.error) == (400, error)


ENV = {
    "AWS_REGION": "eu-west-1",
    "USER_POOL_ID": "eu-west-1_Example",
    "USER_POOL_CLIENT_ID": "1example23456789",
    "COGNITO_DOMAIN_URL": "https://moments-dev-123.auth.eu-west-1.amazoncognito.com/",
    "OAUTH_SCOPES": "openid email profile aws.cognito.signin.user.admin",
    "CALLBACK_URLS": "http://localhost:3000/, https://app.example.com/cb",
    "LOGOUT_URLS": "http://localhost:3000/",
    "ALLOWED_ORIGIN": "http://localhost:3000",
}


def test_settings_come_from_the_template_environment():
    settings = settings_from_env(ENV)
    assert settings.callback_urls == ("http://localhost:3000/", "https://app.example.com/cb")
    assert settings.oauth_scopes == ("openid", "email", "profile", "aws.cognito.signin.user.admin")
    assert (
        settings.token_url
        == "https://moments-dev-123.auth.eu-west-1.amazoncognito.com/oauth2/token"
    )


def test_a_missing_variable_fails_at_cold_start_naming_it():
    env = {k: v for k, v in ENV.items() if k != "USER_POOL_CLIENT_ID"}
    with pytest.raises(RuntimeError, match="client_id"):
        settings_from_env(env)


def test_public_config_lists_the_hosted_ui_urls_and_never_a_secret():
    config = PublicConfig.from_settings(settings_from_env(ENV)).model_dump()
    base = "https://moments-dev-123.auth.eu-west-1.amazoncognito.com"
    assert config["authorize_url"] == f"{base}/oauth2/authorize"
    assert config["logout_url"] == f"{base}/logout"
    assert config["userinfo_url"] == f"{base}/oauth2/userInfo"
    assert config["broker_token_url"] == "/auth/token"
    assert config["redirect_uris"] == ["http://localhost:3000/", "https://app.example.com/cb"]
    assert not any("secret" in key for key in config)
