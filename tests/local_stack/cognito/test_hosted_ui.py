"""The hosted-UI stand-in: authorization code + PKCE through the login form, over HTTP
(werkzeug's test client), against a template-shaped pool in moto."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import jwt
import pytest
from flask.testing import FlaskClient
from moto import mock_aws

from local_stack import cognito
from local_stack.cognito.hosted_ui.app import create_app
from local_stack.cognito.inbox import Inbox
from tests.support.clock import FakeClock
from tests.support.template_pool import template_properties

REGION = "us-east-1"
BASE_URL = "http://127.0.0.1:3001"
EMAIL = "alice@example.com"
PASSWORD = "Correct-Horse-9"


@dataclass
class Stack:
    http: FlaskClient
    idp: Any
    inbox: Inbox
    clock: FakeClock
    pool_id: str
    client_id: str
    secret: str
    redirect_uri: str
    logout_uri: str

    def basic_auth(self, secret: str | None = None) -> dict[str, str]:
        raw = f"{self.client_id}:{secret or self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.fixture
def stack() -> Iterator[Stack]:
    inbox, clock = Inbox(stream=io.StringIO()), FakeClock()
    try:
        with mock_aws():
            idp = boto3.client("cognito-idp", region_name=REGION)
            pool_props, client_props = template_properties()
            pool_id = idp.create_user_pool(**pool_props)["UserPool"]["Id"]
            client = idp.create_user_pool_client(UserPoolId=pool_id, **client_props)
            client = client["UserPoolClient"]
            app = create_app(
                region=REGION,
                user_pool_id=pool_id,
                client_id=client["ClientId"],
                base_url=BASE_URL,
                inbox=inbox,
                clock=clock,
            )
            idp.admin_create_user(
                UserPoolId=pool_id,
                Username=EMAIL,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": EMAIL},
                    {"Name": "email_verified", "Value": "true"},
                ],
            )
            idp.admin_set_user_password(
                UserPoolId=pool_id, Username=EMAIL, Password=PASSWORD, Permanent=True
            )
            yield Stack(
                http=app.test_client(),
                idp=idp,
                inbox=inbox,
                clock=clock,
                pool_id=pool_id,
                client_id=client["ClientId"],
                secret=client["ClientSecret"],
                redirect_uri=client_props["CallbackURLs"][0],
                logout_uri=client_props["LogoutURLs"][0],
            )
    finally:
        cognito.uninstall()  # other suites in this process expect plain moto


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)[:64]
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return verifier, challenge


def authorize_query(stack: Stack, challenge: str, **overrides: str) -> str:
    params = {
        "response_type": "code",
        "client_id": stack.client_id,
        "redirect_uri": stack.redirect_uri,
        "scope": "openid email",
        "state": "st-" + secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }
    return urlencode({k: v for k, v in params.items() if v is not None})


def redirect_params(response: Any) -> dict[str, str]:
    location = urlsplit(response.headers["Location"])
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def sign_in(stack: Stack, query: str, email: str = EMAIL, password: str = PASSWORD) -> Any:
    page = stack.http.get(f"/oauth2/authorize?{query}")
    assert page.status_code == 200
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    action = action.replace("&amp;", "&")
    return stack.http.post(action, data={"email": email, "password": password})


def code_for(stack: Stack, challenge: str, **overrides: str) -> dict[str, str]:
    response = sign_in(stack, authorize_query(stack, challenge, **overrides))
    assert response.status_code == 302
    return redirect_params(response)


def exchange(stack: Stack, code: str, verifier: str, **extra: str) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": stack.redirect_uri,
        "code_verifier": verifier,
        **extra,
    }
    return stack.http.post("/oauth2/token", data=form, headers=stack.basic_auth())


def refresh_with(stack: Stack, refresh_token: str) -> Any:
    return stack.http.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers=stack.basic_auth(),
    )


# ---------------------------------------------------------------- the happy path
def test_code_and_pkce_flow_through_the_login_form(stack: Stack) -> None:
    verifier, challenge = pkce()
    query = authorize_query(stack, challenge, state="xyz-123", nonce="n-0S6_WzA2Mj")

    # Given the authorize URL, the user sees an accessible login page without script
    page = stack.http.get(f"/oauth2/authorize?{query}")
    assert page.status_code == 200
    assert '<label for="email">Email</label>' in page.text
    assert '<label for="password">Password</label>' in page.text
    assert '<button type="submit">Sign in</button>' in page.text
    assert 'href="/signup?' in page.text
    assert "<script" not in page.text
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'none'

    # When they sign in, the browser goes back to the exact redirect URI with code and state
    response = sign_in(stack, query)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(stack.redirect_uri + "?")
    params = redirect_params(response)
    assert params["state"] == "xyz-123"

    # Then the code and verifier buy tokens from the same pool the authorizer trusts
    token = exchange(stack, params["code"], verifier)
    assert token.status_code == 200
    body = token.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 15 * 60
    assert {"access_token", "id_token", "refresh_token"} <= body.keys()
    assert token.headers["Cache-Control"] == "no-store"
    config = stack.http.get("/.well-known/openid-configuration").get_json()
    key = jwt.PyJWK(stack.http.get("/.well-known/jwks.json").get_json()["keys"][0])
    access = jwt.decode(
        body["access_token"], key=key, algorithms=["RS256"], issuer=config["issuer"]
    )
    assert config["issuer"] == f"https://cognito-idp.{REGION}.amazonaws.com/{stack.pool_id}"
    assert set(access["scope"].split()) == {"openid", "email"}
    assert access["token_use"] == "access" and access["client_id"] == stack.client_id
    id_claims = jwt.decode(
        body["id_token"], key=key, algorithms=["RS256"], audience=stack.client_id
    )
    assert id_claims["email"] == EMAIL and id_claims["nonce"] == "n-0S6_WzA2Mj"


def test_client_secret_post_authenticates_too_and_a_wrong_secret_does_not(stack: Stack) -> None:
    verifier, challenge = pkce()
    code = code_for(stack, challenge)["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": stack.redirect_uri,
        "code_verifier": verifier,
        "client_id": stack.client_id,
    }

    wrong = stack.http.post("/oauth2/token", data={**form, "client_secret": "nope"})
    right = stack.http.post("/oauth2/token", data={**form, "client_secret": stack.secret})

    assert wrong.status_code == 401 and wrong.get_json()["error"] == "invalid_client"
    assert right.status_code == 200


def test_a_signed_in_browser_gets_a_code_without_the_form_until_logout(stack: Stack) -> None:
    _, challenge = pkce()
    code_for(stack, challenge)

    again = stack.http.get(f"/oauth2/authorize?{authorize_query(stack, challenge)}")
    assert again.status_code == 302 and "code" in redirect_params(again)

    logout = stack.http.get(f"/logout?client_id={stack.client_id}&logout_uri={stack.logout_uri}")
    assert logout.status_code == 302 and logout.headers["Location"] == stack.logout_uri
    after = stack.http.get(f"/oauth2/authorize?{authorize_query(stack, challenge)}")
    assert after.status_code == 200 and "Sign in" in after.text


# ---------------------------------------------------------------- code rules
def test_a_code_works_once_and_a_replay_revokes_what_it_bought(stack: Stack) -> None:
    verifier, challenge = pkce()
    code = code_for(stack, challenge)["code"]
    first = exchange(stack, code, verifier).get_json()

    replay = exchange(stack, code, verifier)

    assert replay.status_code == 400 and replay.get_json()["error"] == "invalid_grant"
    refresh = refresh_with(stack, first["refresh_token"])
    assert refresh.status_code == 400 and refresh.get_json()["error"] == "invalid_grant"
    # ... and its access token too: a later GlobalSignOut with it is refused, which is why
    # POST /auth/sign-out then reports signed_out_everywhere: false
    with pytest.raises(stack.idp.exceptions.NotAuthorizedException, match="has been revoked"):
        stack.idp.global_sign_out(AccessToken=first["access_token"])


def test_a_wrong_code_verifier_is_invalid_grant(stack: Stack) -> None:
    _, challenge = pkce()
    other_verifier, _ = pkce()
    code = code_for(stack, challenge)["code"]

    response = exchange(stack, code, other_verifier)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert "error_description" in response.get_json()


def test_a_code_expires_after_five_minutes(stack: Stack) -> None:
    verifier, challenge = pkce()
    code = code_for(stack, challenge)["code"]

    stack.clock.advance(300)

    assert exchange(stack, code, verifier).get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "overrides",
    [
        {"code_challenge_method": "plain"},
        {"code_challenge_method": None},
    ],
    ids=["plain", "method-missing"],
)
def test_pkce_must_be_s256(stack: Stack, overrides: dict[str, Any]) -> None:
    _, challenge = pkce()

    query = authorize_query(stack, challenge, state="s1", **overrides)

    response = stack.http.get(f"/oauth2/authorize?{query}")

    assert response.status_code == 302
    assert response.headers["Location"].startswith(stack.redirect_uri)
    params = redirect_params(response)
    assert params["error"] == "invalid_request" and params["state"] == "s1" and "code" not in params


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "http://localhost:3000/evil"},
        {"redirect_uri": "http://localhost:3000"},  # no trailing slash: not an exact match
        {"redirect_uri": None},
        {"client_id": "no-such-client"},
    ],
    ids=["other-path", "not-exact", "missing", "unknown-client"],
)
def test_a_bad_redirect_uri_or_client_shows_an_error_and_never_redirects(
    stack: Stack, overrides: dict[str, Any]
) -> None:
    _, challenge = pkce()

    response = stack.http.get(f"/oauth2/authorize?{authorize_query(stack, challenge, **overrides)}")

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert 'role="alert"' in response.text


def test_a_scope_the_client_may_not_ask_for_is_invalid_scope(stack: Stack) -> None:
    _, challenge = pkce()

    query = authorize_query(stack, challenge, scope="openid phone")

    response = stack.http.get(f"/oauth2/authorize?{query}")

    assert redirect_params(response)["error"] == "invalid_scope"


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(stack: Stack) -> None:
    _, challenge = pkce()
    query = authorize_query(stack, challenge)

    wrong = sign_in(stack, query, password="Not-The-Password-1")
    unknown = sign_in(stack, query, email="nobody@example.com")
    non_ascii = sign_in(stack, query, password="Pässwörd-1")

    for response in (wrong, unknown, non_ascii):
        assert response.status_code == 400 and "Location" not in response.headers
        assert "Incorrect username or password." in response.text


# ---------------------------------------------------------------- refresh, userInfo, logout
def test_the_refresh_grant_rotates_and_keeps_the_granted_scopes(stack: Stack) -> None:
    verifier, challenge = pkce()
    tokens = exchange(stack, code_for(stack, challenge)["code"], verifier).get_json()

    response = refresh_with(stack, tokens["refresh_token"])

    assert response.status_code == 200
    body = response.get_json()
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert set(access["scope"].split()) == {"openid", "email"}
    # template: RefreshTokenRotation ENABLED
    assert body["refresh_token"] != tokens["refresh_token"]


def test_a_code_flow_access_token_signs_the_user_out_everywhere(stack: Stack) -> None:
    # Given two sign-ins through the hosted UI, each asking for the user-pool API scope
    # (as the web app does with /auth/config's scopes)
    sessions = []
    for _ in range(2):
        verifier, challenge = pkce()
        params = code_for(
            stack, challenge, scope="openid email aws.cognito.signin.user.admin", prompt="login"
        )
        sessions.append(exchange(stack, params["code"], verifier).get_json())

    # When the second one's access token calls GlobalSignOut (what POST /auth/sign-out does)
    stack.idp.global_sign_out(AccessToken=sessions[1]["access_token"])

    # Then neither refresh token refreshes any more, and the access token is revoked
    for tokens in sessions:
        refused = refresh_with(stack, tokens["refresh_token"])
        assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_grant"
    with pytest.raises(stack.idp.exceptions.NotAuthorizedException, match="has been revoked"):
        stack.idp.get_user(AccessToken=sessions[1]["access_token"])


def test_global_sign_out_needs_the_user_pool_api_scope(stack: Stack) -> None:
    # Given hosted-UI tokens granted without aws.cognito.signin.user.admin
    verifier, challenge = pkce()
    tokens = exchange(stack, code_for(stack, challenge)["code"], verifier).get_json()

    # When the access token calls GlobalSignOut, Cognito refuses it (API reference)
    with pytest.raises(stack.idp.exceptions.NotAuthorizedException, match="required scopes"):
        stack.idp.global_sign_out(AccessToken=tokens["access_token"])

    # Then nothing was signed out
    assert refresh_with(stack, tokens["refresh_token"]).status_code == 200


def test_an_unknown_grant_type_is_unsupported_grant_type(stack: Stack) -> None:
    response = stack.http.post(
        "/oauth2/token", data={"grant_type": "password"}, headers=stack.basic_auth()
    )

    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


def test_user_info_answers_a_bearer_access_token_only(stack: Stack) -> None:
    verifier, challenge = pkce()
    tokens = exchange(stack, code_for(stack, challenge)["code"], verifier).get_json()

    def user_info(token: str) -> Any:
        return stack.http.get("/oauth2/userInfo", headers={"Authorization": f"Bearer {token}"})

    ok = user_info(tokens["access_token"])
    with_id_token = user_info(tokens["id_token"])
    anonymous = stack.http.get("/oauth2/userInfo")

    assert ok.status_code == 200
    info = ok.get_json()
    assert (
        info["email"] == EMAIL
        and info["sub"]
        == jwt.decode(tokens["access_token"], options={"verify_signature": False})["sub"]
    )
    assert with_id_token.status_code == 401 and anonymous.status_code == 401


def test_logout_only_redirects_to_an_exact_sign_out_url(stack: Stack) -> None:
    elsewhere = "http://localhost:3000/elsewhere"

    bad = stack.http.get(f"/logout?client_id={stack.client_id}&logout_uri={elsewhere}")

    assert bad.status_code == 400 and "Location" not in bad.headers


# ---------------------------------------------------------------- sign-up through the pages
def test_sign_up_and_confirm_with_the_inbox_code_then_sign_in(stack: Stack) -> None:
    _, challenge = pkce()
    query = authorize_query(stack, challenge)
    new_email = "carol@example.com"

    signed_up = stack.http.post(f"/signup?{query}", data={"email": new_email, "password": PASSWORD})
    assert signed_up.status_code == 303
    confirm_url = signed_up.headers["Location"]
    assert stack.http.get(confirm_url).status_code == 200
    code = stack.inbox.messages(new_email)[0]["code"]
    wrong = "000000" if code != "000000" else "111111"

    rejected = stack.http.post(confirm_url, data={"username": new_email, "code": wrong})
    confirmed = stack.http.post(confirm_url, data={"username": new_email, "code": code})

    assert rejected.status_code == 400 and "Invalid verification code" in rejected.text
    assert confirmed.status_code == 303
    login_page = stack.http.get(confirmed.headers["Location"])
    assert "Your account is confirmed" in login_page.text
    assert sign_in(stack, query, email=new_email).status_code == 302


def test_sign_up_with_a_weak_password_names_the_rule(stack: Stack) -> None:
    _, challenge = pkce()

    response = stack.http.post(
        f"/signup?{authorize_query(stack, challenge)}",
        data={"email": "dave@example.com", "password": "short"},
    )

    assert response.status_code == 400 and "Password not long enough" in response.text


# ---------------------------------------------------------------- issue 10: Cognito's rules
def public_client(stack: Stack) -> str:
    _, client_props = template_properties()
    created = stack.idp.create_user_pool_client(
        UserPoolId=stack.pool_id, **{**client_props, "GenerateSecret": False}
    )
    return created["UserPoolClient"]["ClientId"]


def test_pkce_is_optional_for_a_confidential_client_as_in_cognito(stack: Stack) -> None:
    # Given an authorization request without PKCE from the confidential client
    params = code_for(stack, "", code_challenge=None, code_challenge_method=None)

    # When the code is exchanged with the client secret and no verifier, Then tokens
    form = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": stack.redirect_uri,
    }
    response = stack.http.post("/oauth2/token", data=form, headers=stack.basic_auth())
    assert response.status_code == 200, response.get_json()


def test_pkce_stays_required_for_a_public_client(stack: Stack) -> None:
    client_id = public_client(stack)
    query = authorize_query(
        stack, "", client_id=client_id, state="s1", code_challenge=None, code_challenge_method=None
    )

    response = stack.http.get(f"/oauth2/authorize?{query}")

    assert response.status_code == 302
    assert redirect_params(response)["error"] == "invalid_request"


def test_a_refresh_with_the_granted_scope_or_less_is_accepted(stack: Stack) -> None:
    verifier, challenge = pkce()
    tokens = exchange(stack, code_for(stack, challenge)["code"], verifier).get_json()

    def refresh(token: str, scope: str) -> Any:
        data = {"grant_type": "refresh_token", "refresh_token": token, "scope": scope}
        return stack.http.post("/oauth2/token", data=data, headers=stack.basic_auth())

    same = refresh(tokens["refresh_token"], "openid email")
    assert same.status_code == 200, same.get_json()
    less = refresh(same.get_json()["refresh_token"], "openid")
    assert less.status_code == 200, less.get_json()
    more = refresh(less.get_json()["refresh_token"], "openid email profile")
    assert more.status_code == 400 and more.get_json()["error"] == "invalid_scope"


def test_the_revocation_endpoint_revokes_a_refresh_token(stack: Stack) -> None:
    # Given discovery advertises the revocation endpoint
    config = stack.http.get("/.well-known/openid-configuration").get_json()
    assert config["revocation_endpoint"] == f"{BASE_URL}/oauth2/revoke"
    verifier, challenge = pkce()
    tokens = exchange(stack, code_for(stack, challenge)["code"], verifier).get_json()

    # An access token is not revocable there (Cognito revokes refresh tokens)
    access = stack.http.post(
        "/oauth2/revoke", data={"token": tokens["access_token"]}, headers=stack.basic_auth()
    )
    assert access.status_code == 400, access.data
    assert access.get_json()["error"] == "unsupported_token_type"
    # A wrong client secret is invalid_client
    wrong = stack.http.post(
        "/oauth2/revoke", data={"token": tokens["refresh_token"]}, headers=stack.basic_auth("nope")
    )
    assert wrong.status_code == 401

    # When the refresh token is revoked, Then it no longer refreshes
    revoked = stack.http.post(
        "/oauth2/revoke", data={"token": tokens["refresh_token"]}, headers=stack.basic_auth()
    )
    assert revoked.status_code == 200
    assert refresh_with(stack, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"
    # and revoking it again (or an unknown token) is still 200 (RFC 7009 section 2.2)
    again = stack.http.post(
        "/oauth2/revoke", data={"token": tokens["refresh_token"]}, headers=stack.basic_auth()
    )
    assert again.status_code == 200


def test_code_flow_tokens_are_shaped_like_cognitos(stack: Stack) -> None:
    verifier, challenge = pkce()
    body = exchange(stack, code_for(stack, challenge)["code"], verifier).get_json()
    jwks = stack.http.get("/.well-known/jwks.json").get_json()

    for token in (body["access_token"], body["id_token"]):
        header = jwt.get_unverified_header(token)
        assert "typ" not in header and header["kid"] != "dummy"
        assert header["kid"] in [key["kid"] for key in jwks["keys"]]
    id_claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert id_claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert access["version"] == 2
    assert access["origin_jti"] == id_claims["origin_jti"]
    assert access["event_id"] == id_claims["event_id"]


def test_single_sign_on_keeps_the_original_auth_time(stack: Stack) -> None:
    verifier, challenge = pkce()
    first = exchange(stack, code_for(stack, challenge)["code"], verifier).get_json()

    stack.clock.advance(600)
    again = stack.http.get(f"/oauth2/authorize?{authorize_query(stack, challenge)}")
    assert again.status_code == 302  # single sign-on, no form
    second = exchange(stack, redirect_params(again)["code"], verifier).get_json()

    def auth_time(token: str) -> int:
        return jwt.decode(token, options={"verify_signature": False})["auth_time"]

    assert auth_time(second["id_token"]) == auth_time(first["id_token"])
    assert jwt.decode(second["id_token"], options={"verify_signature": False})["iat"] == (
        auth_time(first["id_token"]) + 600
    )


def test_the_login_form_shares_cognitos_lockout(stack: Stack) -> None:
    _, challenge = pkce()
    query = authorize_query(stack, challenge)
    for _ in range(cognito.PASSWORD_FAILURES_BEFORE_LOCKOUT):
        assert "Incorrect username or password." in sign_in(stack, query, password="Wrong-1a").text

    locked = sign_in(stack, query)

    assert locked.status_code == 400 and "Password attempts exceeded" in locked.text


def test_the_hosted_ui_state_survives_a_snapshot_and_restore(stack: Stack) -> None:
    # Given a signed-in browser and a code not yet exchanged
    verifier, challenge = pkce()
    params = code_for(stack, challenge)
    store = stack.http.application.extensions["hosted_ui_store"]

    # When the state goes through JSON into a fresh hosted UI (a restarted stack)
    import json

    saved = json.loads(json.dumps(store.snapshot()))
    fresh = create_app(
        region=REGION,
        user_pool_id=stack.pool_id,
        client_id=stack.client_id,
        base_url=BASE_URL,
        inbox=stack.inbox,
        clock=stack.clock,
    )
    fresh.extensions["hosted_ui_store"].restore(saved)
    browser = fresh.test_client()
    cookie = stack.http.get_cookie("hosted_ui_session")
    browser.set_cookie("hosted_ui_session", cookie.value)

    # Then the code still buys tokens once, and the browser is still signed in
    form = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": stack.redirect_uri,
        "code_verifier": verifier,
    }
    assert browser.post("/oauth2/token", data=form, headers=stack.basic_auth()).status_code == 200
    again = browser.get(f"/oauth2/authorize?{authorize_query(stack, challenge)}")
    assert again.status_code == 302 and "code" in redirect_params(again)
