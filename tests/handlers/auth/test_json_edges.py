"""Hostile bodies on every JSON auth route: bounded before parsing, typed, and declared.

Issue 9: 2 KB of ``[[[[...]]]]`` (about 1,000 levels) was a 500 with a logged traceback
on every JSON route, unauthenticated (``RecursionError`` is not a ``ValueError``), and
any ``Content-Type`` was accepted. None of these requests reaches Cognito: the failure is
decided at the edge, so no stub or emulator is needed (a call would fail the test with a
connection error, not pass it).
"""

from __future__ import annotations

import importlib

import pytest

from tests.handlers.auth.auth_events import body_of, load_event, with_headers
from tests.support.routes import api_functions

# (handler module, events/*.json) of every auth route of the template that takes a JSON body
JSON_ROUTES = [
    (f.handler, f.event)
    for f in api_functions("auth")
    if load_event(f.event)["headers"].get("Content-Type") == "application/json"
]


def invoke(handler: str, event: dict, lambda_context) -> dict:
    return importlib.import_module(f"auth.handlers.{handler}").lambda_handler(event, lambda_context)


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.fixture(autouse=True)
def no_aws(monkeypatch):
    # Any upstream call would go to a closed port and fail the test loudly.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")


@pytest.mark.parametrize(("handler", "event_name"), JSON_ROUTES)
def test_a_thousand_levels_of_nesting_is_a_400_not_a_500(
    handler, event_name, lambda_context, caplog
):
    # Given 2 KB of nested arrays, inside an object and alone
    for body in (nested(1000), '{"email": ' + nested(1000) + "}"):
        event = load_event(event_name)
        event["body"] = body
        # When it is posted as JSON
        response = invoke(handler, event, lambda_context)
        # Then the answer is the contract's 400, and nothing crashed
        assert response["statusCode"] == 400, response["body"]
        assert body_of(response) == {
            "error": "invalid_request",
            "error_description": "The request body nests deeper than 32 levels.",
        }
    assert "Traceback" not in caplog.text and "unhandled error" not in caplog.text


@pytest.mark.parametrize(("handler", "event_name"), JSON_ROUTES)
def test_a_hundred_thousand_levels_is_a_413_before_parsing(handler, event_name, lambda_context):
    event = load_event(event_name)
    event["body"] = nested(100_000)  # 200 KB
    response = invoke(handler, event, lambda_context)
    assert response["statusCode"] == 413
    assert body_of(response) == {
        "error": "payload_too_large",
        "error_description": "The request body is larger than 65536 bytes.",
    }


@pytest.mark.parametrize(("handler", "event_name"), JSON_ROUTES)
@pytest.mark.parametrize("content_type", ["text/plain;charset=UTF-8", "application/xml"])
def test_a_json_route_answers_415_to_a_non_json_content_type(
    handler, event_name, content_type, lambda_context
):
    # Given the route's own valid sample body, declared as something else
    event = with_headers(load_event(event_name), Content_Type=content_type)
    # When it is posted
    response = invoke(handler, event, lambda_context)
    # Then it is refused as the wrong media type (a CORS "simple request" cannot get in)
    assert response["statusCode"] == 415, response["body"]
    assert body_of(response)["error"] == "unsupported_media_type"


def test_a_json_route_refuses_a_body_with_no_content_type(lambda_context):
    event = load_event("sign_up")
    del event["headers"]["Content-Type"]
    del event["multiValueHeaders"]["Content-Type"]
    response = invoke("sign_up", event, lambda_context)
    assert response["statusCode"] == 415


def test_the_token_route_still_takes_a_form_body(lambda_context):
    # Given an RFC 6749 form with an unsupported grant (so no upstream call is needed)
    event = with_headers(load_event("token"), Content_Type="application/x-www-form-urlencoded")
    event["body"] = "grant_type=client_credentials"
    response = invoke("token", event, lambda_context)
    # Then the form is parsed (a 415 would mean it was not)
    assert response["statusCode"] == 400
    assert body_of(response)["error"] == "unsupported_grant_type"
