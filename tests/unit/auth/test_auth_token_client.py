"""The /oauth2/token adapter: exact request, and every failure a clean UpstreamError."""

import json
from dataclasses import dataclass
from urllib.parse import parse_qsl

import pytest
import urllib3

from auth.cognito import HostedUiTokenClient
from auth.errors import UpstreamError, answer

TOKEN_URL = "https://moments-dev.auth.eu-west-1.amazoncognito.com/oauth2/token"


@dataclass
class FakeResponse:
    status: int
    data: bytes


class FakeHttp:
    """Stands in for urllib3.PoolManager; records the one request and replays a response."""

    def __init__(self, reply):
        self.reply = reply
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


def client(reply):
    http = FakeHttp(reply)
    return HostedUiTokenClient(
        TOKEN_URL, "1example23456789", lambda: "example-client-secret", http=http
    ), http


def test_the_request_is_a_form_post_with_client_secret_basic_and_no_retries():
    tokens = {
        "access_token": "a",
        "id_token": "i",
        "refresh_token": "r",
        "expires_in": 900,
        "token_type": "Bearer",
    }
    adapter, http = client(FakeResponse(200, json.dumps(tokens).encode()))
    assert adapter.request_tokens({"grant_type": "authorization_code", "code": "c"}) == tokens
    [(method, url, kwargs)] = http.calls
    assert (method, url) == ("POST", TOKEN_URL)
    assert (
        kwargs["headers"]["Authorization"]
        == "Basic MWV4YW1wbGUyMzQ1Njc4OTpleGFtcGxlLWNsaWVudC1zZWNyZXQ="
    )
    assert kwargs["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(kwargs["body"])) == {"grant_type": "authorization_code", "code": "c"}
    assert kwargs["retries"] is False
    assert kwargs["timeout"].connect_timeout and kwargs["timeout"].read_timeout


@pytest.mark.parametrize(
    ("reply", "status", "error"),
    [
        (FakeResponse(400, b'{"error":"invalid_grant"}'), 400, "invalid_grant"),
        (FakeResponse(401, b'{"error":"invalid_client"}'), 500, "server_error"),
        (
            FakeResponse(
                400, b'{"error":"invalid_request","error_description":"code_verifier missing"}'
            ),
            400,
            "invalid_request",
        ),
        (FakeResponse(429, b""), 429, "too_many_requests"),
        (FakeResponse(500, b"<html>oops</html>"), 502, "server_error"),
        (FakeResponse(503, b""), 503, "temporarily_unavailable"),
        (FakeResponse(200, b"not json"), 502, "server_error"),
        (FakeResponse(400, b'["error"]'), 502, "server_error"),
        (
            urllib3.exceptions.ReadTimeoutError(None, TOKEN_URL, "read timed out"),
            503,
            "temporarily_unavailable",
        ),
        (
            urllib3.exceptions.ConnectTimeoutError("connect timed out"),
            503,
            "temporarily_unavailable",
        ),
        (urllib3.exceptions.NewConnectionError(None, "refused"), 503, "temporarily_unavailable"),
    ],
)
def test_upstream_failures_become_contract_errors(reply, status, error):
    adapter, _ = client(reply)
    with pytest.raises(UpstreamError) as caught:
        adapter.request_tokens({"grant_type": "authorization_code"})
    assert (answer(caught.value).status, answer(caught.value).error) == (status, error)


def test_upstream_error_descriptions_are_relayed_for_invalid_request():
    adapter, _ = client(
        FakeResponse(
            400, b'{"error":"invalid_request","error_description":"code_verifier missing"}'
        )
    )
    with pytest.raises(UpstreamError) as caught:
        adapter.request_tokens({})
    assert answer(caught.value).description == "code_verifier missing"
