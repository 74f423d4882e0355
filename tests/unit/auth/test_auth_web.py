"""Browser cookie delivery of the refresh token, and the Bearer header on sign-out."""

import json

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from auth.models import SignedOut, TokenSet
from auth.web import (
    bearer_token,
    refresh_token_from_cookie,
    signed_out_response,
    token_response,
    wants_cookie,
)
from shared.http import ApiError

TOKENS = TokenSet(access_token="a", id_token="i", refresh_token="r", expires_in=900)


def event(headers):
    return APIGatewayProxyEvent({"headers": headers, "httpMethod": "POST", "path": "/auth/token"})


def test_json_delivery_keeps_the_refresh_token_in_the_body_and_sets_no_cookie():
    response = token_response(TOKENS, cookie_max_age=None)
    assert json.loads(response.body)["refresh_token"] == "r"
    assert response.cookies == []
    assert response.headers["Cache-Control"] == "no-store"


def test_cookie_delivery_moves_the_refresh_token_into_a_strict_httponly_cookie():
    response = token_response(TOKENS, cookie_max_age=2592000)
    body = json.loads(response.body)
    assert "refresh_token" not in body
    assert body["access_token"] == "a"
    assert [str(c) for c in response.cookies] == [
        "moments_refresh_token=r; Path=/auth; Max-Age=2592000; HttpOnly; Secure; SameSite=Strict"
    ]


def test_cookie_delivery_without_a_new_refresh_token_leaves_the_cookie_alone():
    response = token_response(TOKENS.model_copy(update={"refresh_token": None}), cookie_max_age=60)
    assert response.cookies == []


def test_sign_out_under_cookie_delivery_expires_the_cookie():
    result = SignedOut(refresh_token_revoked=True, signed_out_everywhere=False)
    cleared = signed_out_response(result, clear_cookie=True)
    assert [str(c) for c in cleared.cookies] == [
        "moments_refresh_token=; Path=/auth; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
    ]
    assert signed_out_response(result, clear_cookie=False).cookies == []


def test_the_cookie_is_read_only_when_the_client_asks_for_cookie_delivery():
    cookie = "theme=dark; moments_refresh_token=tok.en-1"
    assert (
        refresh_token_from_cookie(event({"x-token-delivery": "Cookie", "Cookie": cookie}))
        == "tok.en-1"
    )
    # A cross-site request cannot add the custom header, so the cookie alone does nothing
    assert refresh_token_from_cookie(event({"Cookie": cookie})) is None
    assert wants_cookie(event({"X-Token-Delivery": "cookie"}))
    assert not wants_cookie(event({"X-Token-Delivery": "json"}))
    assert not wants_cookie(event(None))


def test_bearer_token_is_read_from_authorization():
    assert bearer_token(event({"authorization": "Bearer abc.def"})) == "abc.def"
    assert bearer_token(event({"Authorization": "bearer abc"})) == "abc"
    assert bearer_token(event({})) is None


@pytest.mark.parametrize("value", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b"])
def test_other_authorization_shapes_are_invalid_requests(value):
    with pytest.raises(ApiError) as caught:
        bearer_token(event({"Authorization": value}))
    assert caught.value.error == "invalid_request"
