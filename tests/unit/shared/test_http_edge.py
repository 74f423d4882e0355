"""The shared HTTP edge: the contract's error body and CORS on every response."""

import json

import pytest
from aws_lambda_powertools import Logger

from shared.http import ApiError, bearer_token, build_resolver, json_response

ORIGIN = "https://app.example.com"


def rest_event(path: str) -> dict:
    return {
        "httpMethod": "GET",
        "path": path,
        "resource": path,
        "headers": {"Origin": ORIGIN},
        "requestContext": {"stage": "dev", "requestId": "r-1"},
        "body": None,
        "isBase64Encoded": False,
    }


def app_with_routes(allowed_origin: str):
    app = build_resolver(Logger(service="test"), allowed_origin=allowed_origin)

    @app.get("/ok")
    def ok():
        return json_response(200, {"ok": True})

    @app.get("/bad")
    def bad():
        raise ApiError(409, "user_exists", "An account with this email already exists.")

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail that must not leak")

    return app


def test_errors_use_the_contract_body_and_never_leak_internals():
    app = app_with_routes(ORIGIN)
    # Given a domain error and an unexpected crash
    conflict = app.resolve(rest_event("/bad"), None)
    crash = app.resolve(rest_event("/boom"), None)
    # Then both carry {"error", "error_description"} with the right status
    assert conflict["statusCode"] == 409
    assert json.loads(conflict["body"]) == {
        "error": "user_exists",
        "error_description": "An account with this email already exists.",
    }
    assert crash["statusCode"] == 500
    assert json.loads(crash["body"])["error"] == "server_error"
    assert "secret detail" not in crash["body"]


def test_unknown_route_is_404_not_found():
    app = app_with_routes(ORIGIN)
    response = app.resolve(rest_event("/nope"), None)
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"] == "not_found"


def test_success_and_error_responses_carry_the_allowed_origin():
    # Given the API admits one browser origin
    app = app_with_routes(ORIGIN)
    for path in ("/ok", "/bad"):
        # When a browser calls a route directly (proxy integration: no gateway CORS)
        headers = app.resolve(rest_event(path), None)["multiValueHeaders"]
        # Then the Lambda's own response lets that origin read it
        assert headers["Access-Control-Allow-Origin"] == [ORIGIN]
        allowed = headers["Access-Control-Allow-Headers"][0].split(",")
        assert "Authorization" in allowed
        # ... but never the cookie-delivery header: cookie use stays same-origin (CSRF)
        assert "X-Token-Delivery" not in allowed


def test_no_allowed_origin_means_no_cors_headers():
    app = app_with_routes("")
    headers = app.resolve(rest_event("/ok"), None)["multiValueHeaders"]
    assert "Access-Control-Allow-Origin" not in headers


def test_bearer_token_reads_rfc_6750_authorization_headers():
    assert bearer_token({"Authorization": "Bearer abc.def"}) == "abc.def"
    assert bearer_token({"Authorization": "bearer  abc "}) == "abc"
    assert bearer_token({}) is None
    for malformed in ("Basic dXNlcjpwdw==", "Bearer", "Bearer a b", "Bearer " + "x" * 16385):
        with pytest.raises(ValueError):
            bearer_token({"Authorization": malformed})


@pytest.mark.parametrize("origin", [ORIGIN, "https://evil.example", None])
@pytest.mark.parametrize("path", ["/ok", "/bad", "/boom", "/nope"])
def test_every_response_varies_on_origin_when_cors_is_on(origin, path):
    # Given CORS for one origin: Access-Control-Allow-Origin appears only when it matches
    app = app_with_routes(ORIGIN)
    event = rest_event(path)
    event["headers"] = {"Origin": origin} if origin else {}
    # When any route answers, success or error
    response = app.resolve(event, None)
    # Then a shared cache is told the answer depends on Origin (RFC 9110 section 12.5.5)
    assert response["multiValueHeaders"]["Vary"] == ["Origin"]


def test_no_vary_without_cors():
    response = app_with_routes("").resolve(rest_event("/ok"), None)
    assert "Vary" not in response["multiValueHeaders"]


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ('{"a": [[1]]}', False),
        ('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),  # inside a string
        ('{"a": "\\\\", "b": ' + "[" * 40 + "]" * 40 + "}", True),  # after an escaped backslash
        ('{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),  # escaped quote
        ("[" * 32 + "]" * 32, False),
        ("[" * 33 + "]" * 33, True),
    ],
)
def test_json_depth_is_counted_outside_strings(text, deep):
    from shared.http import json_depth_exceeds

    assert json_depth_exceeds(text) is deep
