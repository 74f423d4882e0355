"""Issue 9 over real HTTP: tokens of another app client, and tokens after sign-out.

The local stack enforces the Cognito authorizer as API Gateway does (signature, issuer,
expiry, scope); like API Gateway it checks neither ``client_id`` nor sign-out. These
answers therefore come from the photo handlers' own checks.
"""

from __future__ import annotations

import time
import uuid

import boto3
import pytest
import requests

pytestmark = pytest.mark.e2e

PASSWORD = "Correct-Horse-9"
PHOTO_ID = "01JCK0000000000000000000AA"


def photo_calls(api: str) -> dict[str, tuple[str, str, dict]]:
    """route -> (method, url, extra request kwargs) for the five photo routes."""
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    return {
        "GET /photos": ("GET", f"{api}/photos", {}),
        "POST /photos": ("POST", f"{api}/photos", {"files": {"file": ("a.png", png, "image/png")}}),
        "POST /photos/upload-url": (
            "POST",
            f"{api}/photos/upload-url",
            {"json": {"filename": "a.png", "content_type": "image/png", "size_bytes": 10}},
        ),
        "GET /photos/{id}": ("GET", f"{api}/photos/{PHOTO_ID}", {}),
        "DELETE /photos/{id}": ("DELETE", f"{api}/photos/{PHOTO_ID}", {}),
    }


def answers(api: str, access_token: str) -> dict[str, int]:
    out = {}
    for route, (method, url, kwargs) in photo_calls(api).items():
        response = requests.request(
            method, url, headers={"Authorization": f"Bearer {access_token}"}, timeout=30, **kwargs
        )
        out[route] = response.status_code
    print(out)
    return out


def confirmed_user(api: str) -> str:
    email = f"h9-{uuid.uuid4().hex[:10]}@example.com"
    assert (
        requests.post(
            f"{api}/auth/sign-up", json={"email": email, "password": PASSWORD}, timeout=30
        ).status_code
        == 201
    )
    messages = requests.get(f"{api}/_local/inbox/{email}", timeout=10).json()["messages"]
    code = next(m["code"] for m in messages if m["kind"] == "sign_up")
    assert (
        requests.post(
            f"{api}/auth/confirm", json={"email": email, "code": code}, timeout=30
        ).status_code
        == 200
    )
    return email


def sign_in(api: str, email: str) -> dict:
    response = requests.post(
        f"{api}/auth/sign-in", json={"email": email, "password": PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


def other_app_access_token(cognito, user_pool_id: str, email: str) -> str:
    """``email``'s access token from a new, second app client of the pool (someone
    else's app); ``cognito`` is a cognito-idp client of the emulator."""
    other = cognito.create_user_pool_client(
        UserPoolId=user_pool_id,
        ClientName="someone-elses-app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return cognito.initiate_auth(
        ClientId=other,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]


def test_a_token_of_a_second_app_client_in_the_same_pool_is_refused(local_stack) -> None:
    api = local_stack.api_url
    email = confirmed_user(api)
    assert set(answers(api, sign_in(api, email)["access_token"]).values()) <= {
        200,
        201,
        204,
        404,
        415,
    }
    # Given a second app client of the same user pool (someone else's app)
    config = requests.get(f"{api}/auth/config", timeout=10).json()
    cognito = boto3.client(
        "cognito-idp", endpoint_url=local_stack.emulator_url, region_name=config["region"]
    )
    # And the same user's access token issued to it
    token = other_app_access_token(cognito, config["user_pool_id"], email)
    # Then every photo route refuses it
    assert answers(api, token) == dict.fromkeys(photo_calls(api), 401)


def test_sign_out_takes_effect_at_once_on_the_photo_routes(local_stack) -> None:
    api = local_stack.api_url
    email = confirmed_user(api)
    # Given two sessions of one user
    first, second = sign_in(api, email), sign_in(api, email)
    assert (
        requests.get(
            f"{api}/photos",
            headers={"Authorization": f"Bearer {first['access_token']}"},
            timeout=30,
        ).status_code
        == 200
    )

    # When the first session signs out (its refresh token, and its access token in the body)
    response = requests.post(
        f"{api}/auth/sign-out",
        json={"refresh_token": first["refresh_token"], "access_token": first["access_token"]},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    # Then its access token is refused on every photo route at once
    assert answers(api, first["access_token"]) == dict.fromkeys(photo_calls(api), 401)
    # And the other session still works
    assert (
        requests.get(
            f"{api}/photos",
            headers={"Authorization": f"Bearer {second['access_token']}"},
            timeout=30,
        ).status_code
        == 200
    )

    # When, a second later, a third session signs out everywhere (Bearer). ``iat`` has
    # one-second resolution and tokens of the sign-out's own second are let through (a
    # sign-in right after a sign-out must work; docs/auth.md), hence the second's wait.
    time.sleep(1.1)
    third = sign_in(api, email)
    response = requests.post(
        f"{api}/auth/sign-out",
        json={"refresh_token": third["refresh_token"]},
        headers={"Authorization": f"Bearer {third['access_token']}"},
        timeout=30,
    )
    assert response.status_code == 200 and response.json()["signed_out_everywhere"] is True
    # Then every access token issued before it is refused, the second session's included
    assert answers(api, second["access_token"]) == dict.fromkeys(photo_calls(api), 401)
    assert answers(api, third["access_token"]) == dict.fromkeys(photo_calls(api), 401)


def cookie_sign_in(api: str, email: str) -> tuple[str, str]:
    """The web app's sign-in: (access token, refresh token from the HttpOnly cookie)."""
    response = requests.post(
        f"{api}/auth/sign-in",
        json={"email": email, "password": PASSWORD},
        headers={"X-Token-Delivery": "cookie"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert "refresh_token" not in response.json()
    return response.json()["access_token"], response.cookies["moments_refresh_token"]


def sign_out_request(form: str, api: str, email: str) -> tuple[str, dict]:
    """Sign a new session of ``email`` in, and build its sign-out in ``form``:
    (the session's access token, requests.post kwargs)."""
    if form == "cookie only":
        access_token, refresh_token = cookie_sign_in(api, email)
        return access_token, {
            "json": {},
            "headers": {
                "X-Token-Delivery": "cookie",
                "Cookie": f"moments_refresh_token={refresh_token}",
            },
        }
    tokens = sign_in(api, email)
    body = {"refresh_token": tokens["refresh_token"]}
    if form == "body access_token + refresh_token":
        body["access_token"] = tokens["access_token"]
    headers = {"Authorization": f"Bearer {tokens['access_token']}"} if form == "Bearer" else {}
    return tokens["access_token"], {"json": body, "headers": headers}


@pytest.mark.parametrize(
    "form", ["refresh_token only", "cookie only", "body access_token + refresh_token", "Bearer"]
)
def test_every_sign_out_form_ends_its_session_on_the_photo_routes_at_once(local_stack, form):
    """Issue 23: a client following RFC 7009 (Amplify's signOut()) sends the refresh token
    alone; its access token must not outlive the sign-out on the API."""
    api = local_stack.api_url
    email = confirmed_user(api)
    # Given a second session of the same user (a second earlier: "everywhere" revokes
    # tokens issued before the sign-out's second, docs/auth.md)
    second = sign_in(api, email)["access_token"]
    if form == "Bearer":
        time.sleep(1.1)
    # And a session that signs out in the second it signed in, in ``form``
    access_token, kwargs = sign_out_request(form, api, email)
    assert (
        requests.get(
            f"{api}/photos", headers={"Authorization": f"Bearer {access_token}"}, timeout=30
        ).status_code
        == 200
    )
    response = requests.post(f"{api}/auth/sign-out", timeout=30, **kwargs)
    assert response.status_code == 200, response.text
    assert response.json()["signed_out_everywhere"] is (form == "Bearer")
    # Then that session's access token is refused on every photo route at once
    assert answers(api, access_token) == dict.fromkeys(photo_calls(api), 401)
    # And the other session works, unless the user signed out everywhere
    others = answers(api, second)
    if form == "Bearer":
        assert others == dict.fromkeys(photo_calls(api), 401)
    else:
        assert 401 not in others.values() and others["GET /photos"] == 200
