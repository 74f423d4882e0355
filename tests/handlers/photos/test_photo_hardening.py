"""Issue 9 on the photo routes: the audience check, sign-out records, strict JSON types.

Events are the events/*.json files, as API Gateway's Cognito authorizer delivers them
(claims as strings, ``iat`` in API Gateway's date rendering); moto holds the template's
tables, provisioned by the local stack's own code.
"""

from __future__ import annotations

import calendar
import copy
import json
import time

import boto3
import pytest

from shared import revocation
from tests.handlers.photos.photo_events import body_of, for_photo, load_event
from tests.support.routes import api_functions, by_event

#: The photo routes of template.yaml, by events/ file stem.
ROUTES = [f.event for f in api_functions("photos")]
REVOCATIONS_TABLE = "moments-local-RevocationsTable"
API_GATEWAY_TIME = "%a %b %d %H:%M:%S UTC %Y"


def event_for(name: str) -> dict:
    event = load_event(name)
    if "{photo_id}" in str(by_event(name).path):
        event = for_photo(event, "01JCK0000000000000000000AA")
    return event


def claims_of(event: dict) -> dict:
    return event["requestContext"]["authorizer"]["claims"]


def iat_of(event: dict) -> int:
    return calendar.timegm(time.strptime(claims_of(event)["iat"], API_GATEWAY_TIME))


@pytest.fixture
def routes(cold_start):
    return {name: cold_start(by_event(name).handler) for name in ROUTES}


# ------------------------------------------------------------------ audience (client_id)
@pytest.mark.parametrize("name", ROUTES)
def test_a_token_of_another_app_client_is_401_on_every_photo_route(routes, name):
    # Given an access token the pool's authorizer accepted, issued to another app client
    event = event_for(name)
    claims_of(event)["client_id"] = "3another0app0client0of0pool"
    # When it calls the photo route
    response = routes[name](event)
    # Then the handler refuses it as the authorizer refuses a bad token
    assert response["statusCode"] == 401, response["body"]
    assert body_of(response)["error"] == "unauthorized"


def test_an_additional_client_from_the_template_is_served(cold_start):
    # Given the template's AdditionalApiClientIds names a second app client
    invoke = cold_start("list_photos", ADDITIONAL_CLIENT_IDS="3second0client, 3third0client")
    event = load_event("list_photos")
    claims_of(event)["client_id"] = "3third0client"
    # Then its tokens are served, and others still are not
    assert invoke(event)["statusCode"] == 200
    claims_of(event)["client_id"] = "3fourth0client"
    assert invoke(event)["statusCode"] == 401


# ------------------------------------------------------------------ sign-out records
def record(event: dict, *, now: int, everywhere: bool = False, origin_jti: str | None = None):
    revocation.record_sign_out(
        boto3.client("dynamodb"),
        REVOCATIONS_TABLE,
        user_sub=claims_of(event)["sub"],
        now=now,
        ttl_seconds=900,
        origin_jti=origin_jti,
        everywhere=everywhere,
    )


@pytest.mark.parametrize("name", ROUTES)
def test_a_token_of_a_signed_out_session_is_401_on_every_photo_route(routes, name):
    # Given the session (origin_jti family) of the event's token signed out
    event = event_for(name)
    record(event, now=iat_of(event) + 60, origin_jti=claims_of(event)["origin_jti"])
    # When its access token, still unexpired for API Gateway, calls the route
    response = routes[name](event)
    # Then it is refused at once
    assert response["statusCode"] == 401, response["body"]


@pytest.mark.parametrize("name", ROUTES)
def test_every_token_issued_before_sign_out_everywhere_is_401(routes, name):
    event = event_for(name)
    claims_of(event)["origin_jti"] = "another-session"
    record(event, now=iat_of(event) + 60, everywhere=True)
    assert routes[name](event)["statusCode"] == 401


def test_other_sessions_and_later_tokens_still_work(routes):
    event = load_event("list_photos")
    # Given one session signed out, and an earlier sign-out everywhere
    record(event, now=iat_of(event) - 60, everywhere=True)
    record(event, now=iat_of(event) + 60, origin_jti="a-different-session")
    # Then a token of another session issued after the sign-out everywhere is served
    assert routes["list_photos"](event)["statusCode"] == 200
    # And another user's records change nothing for this one
    other = copy.deepcopy(event)
    claims_of(other)["sub"] = "0f0e0d0c-0000-4000-8000-000000000000"
    record(other, now=iat_of(other) + 60, everywhere=True)
    assert routes["list_photos"](event)["statusCode"] == 200


def test_a_sign_in_in_the_same_second_as_sign_out_everywhere_is_served(routes):
    # Given a sign-out everywhere, and a new sign-in (a new session) within the same second:
    # ``iat`` has one-second resolution, so the new token's iat equals the not_before
    event = load_event("list_photos")
    claims_of(event)["origin_jti"] = "the-new-session"
    record(event, now=iat_of(event), everywhere=True)
    # Then the new session is served (Postman and the web app sign in again at once)
    assert routes["list_photos"](event)["statusCode"] == 200
    # While a token of the signed-out session from that second is still refused by family
    record(event, now=iat_of(event), origin_jti="the-old-session", everywhere=True)
    claims_of(event)["origin_jti"] = "the-old-session"
    assert routes["list_photos"](event)["statusCode"] == 401


def test_a_record_expires_with_the_access_token_lifetime(aws):
    record(load_event("list_photos"), now=1_000, everywhere=True)
    item = boto3.client("dynamodb").get_item(
        TableName=REVOCATIONS_TABLE,
        Key={"user_sub": {"S": claims_of(load_event("list_photos"))["sub"]}},
    )["Item"]
    assert item["expires_at"] == {"N": "1900"}
    ttl = boto3.client("dynamodb").describe_time_to_live(TableName=REVOCATIONS_TABLE)
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"


def test_a_failed_revocation_read_fails_closed(cold_start):
    # Given the revocations table is unreachable (wrong name: ResourceNotFoundException)
    invoke = cold_start("list_photos", REVOCATIONS_TABLE_NAME="no-such-table")
    response = invoke(load_event("list_photos"))
    # Then the request is not served
    assert response["statusCode"] >= 500


# ------------------------------------------------------------------ strict JSON types
@pytest.mark.parametrize("size", ['"10"', "true", "1e3", "10.0"])
def test_size_bytes_must_be_a_json_integer(routes, size):
    event = load_event("create_upload_url")
    event["body"] = (
        '{"filename": "a.jpg", "content_type": "image/jpeg", "size_bytes": ' + size + "}"
    )
    response = routes["create_upload_url"](event)
    assert response["statusCode"] == 400, response["body"]
    assert body_of(response)["error"] == "invalid_request"
    assert "size_bytes" in body_of(response)["error_description"]


def test_upload_url_refuses_non_json_and_deep_bodies(routes):
    event = load_event("create_upload_url")
    event["headers"]["Content-Type"] = "text/plain"
    event["multiValueHeaders"]["Content-Type"] = ["text/plain"]
    assert routes["create_upload_url"](event)["statusCode"] == 415
    for levels, status in ((1_000, 400), (100_000, 413)):
        event = load_event("create_upload_url")
        event["body"] = "[" * levels + "]" * levels
        response = routes["create_upload_url"](event)
        assert response["statusCode"] == status, response["body"]
        assert json.loads(response["body"])["error"] in ("invalid_request", "payload_too_large")
