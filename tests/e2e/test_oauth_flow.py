"""Authorization code + PKCE through the hosted-UI stand-in's login form, over real HTTP.

The test plays the browser and the SPA (issue 3): it reads ``GET /auth/config``, makes a
``code_verifier`` and its S256 ``code_challenge`` (RFC 7636 section 4.1-4.2) and a
``state``, opens ``authorize_url``, submits the login form it finds in the HTML, reads
the ``code`` and ``state`` from the redirect's ``Location`` (the SPA is not loaded), and
trades the code at the broker's ``POST /auth/token``. Then the refusals a user relies on:
a code works once and only with its verifier, an unregistered redirect URI is never
redirected to, refresh rotates, and sign-out revokes.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

pytestmark = pytest.mark.e2e

PASSWORD = "Correct-Horse-9"
TIMEOUT = 30


# ---------------------------------------------------------------- the browser's side
class _FormParser(HTMLParser):
    """The first ``<form>``: its method, action and named inputs (name -> value)."""

    def __init__(self) -> None:
        super().__init__()
        self.method: str | None = None
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None:
            self.method, self.action = values.get("method", "get"), values.get("action", "")
            self._inside = True
        elif tag == "input" and self._inside and values.get("name"):
            self.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def login_form(page: requests.Response) -> _FormParser:
    form = _FormParser()
    form.feed(page.text)
    assert form.action is not None, f"no form on {page.url}:\n{page.text[:500]}"
    return form


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge): 43-128 unreserved characters, RFC 7636 4.1."""
    verifier = secrets.token_urlsafe(48)  # 64 characters
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def query_of(location: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


@dataclass
class Authorization:
    """What the SPA holds after the redirect back: the code, its verifier, the state."""

    code: str
    code_verifier: str
    state: str
    sent_state: str
    location: str


@dataclass
class User:
    email: str


class Browser:
    """A fresh browser (its own cookies) that signs in through the hosted UI."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.http = requests.Session()

    def open_authorize(
        self, redirect_uri: str, code_challenge: str, state: str
    ) -> requests.Response:
        params = {
            "response_type": "code",
            "client_id": self.config["client_id"],
            "redirect_uri": redirect_uri,
            "scope": " ".join(self.config["scopes"]),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return self.http.get(
            self.config["authorize_url"], params=params, allow_redirects=False, timeout=TIMEOUT
        )

    def sign_in(self, user: User, redirect_uri: str) -> Authorization:
        """authorize -> login form -> 302 to ``redirect_uri?code&state`` (not followed)."""
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(16)
        page = self.open_authorize(redirect_uri, challenge, state)
        assert page.status_code == 200, page.text[:500]
        assert "text/html" in page.headers["Content-Type"]
        form = login_form(page)
        assert form.method.lower() == "post" and {"email", "password"} <= form.fields.keys()
        answer = self.http.post(
            urljoin(page.url, form.action),
            data={**form.fields, "email": user.email, "password": PASSWORD},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert answer.status_code == 302, answer.text[:500]
        location = answer.headers["Location"]
        assert location.startswith(redirect_uri + "?"), location
        params = query_of(location)
        return Authorization(params["code"], verifier, params.get("state", ""), state, location)


# ---------------------------------------------------------------- the SPA's side
def exchange(
    api: str,
    redirect_uri: str,
    authorization: Authorization,
    *,
    form: bool = False,
    **overrides: str,
) -> requests.Response:
    """``POST /auth/token`` with the authorization_code grant, JSON (or form) encoded."""
    body = {
        "grant_type": "authorization_code",
        "code": authorization.code,
        "redirect_uri": redirect_uri,
        "code_verifier": authorization.code_verifier,
        **overrides,
    }
    encoded = {"data": body} if form else {"json": body}
    return requests.post(f"{api}/auth/token", timeout=TIMEOUT, **encoded)


def refresh(api: str, refresh_token: str) -> requests.Response:
    body = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return requests.post(f"{api}/auth/token", json=body, timeout=TIMEOUT)


def photos(api: str, access_token: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {access_token}"}
    return requests.get(f"{api}/photos", headers=headers, timeout=TIMEOUT)


def assert_invalid_grant(response: requests.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def api(local_stack) -> str:
    return local_stack.api_url


@pytest.fixture(scope="module")
def config(api: str) -> dict[str, Any]:
    response = requests.get(f"{api}/auth/config", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def redirect_uri(api: str, config: dict[str, Any]) -> str:
    uri = f"{api}/"  # the web app, served by the local stack's API port
    assert uri in config["redirect_uris"]
    return uri


@pytest.fixture(scope="module")
def user(api: str) -> User:
    """A confirmed user: sign-up through the API, the code from the dev inbox."""
    email = f"oauth-{uuid.uuid4().hex[:10]}@example.com"
    credentials = {"email": email, "password": PASSWORD}
    signed_up = requests.post(f"{api}/auth/sign-up", json=credentials, timeout=TIMEOUT)
    assert signed_up.status_code == 201, signed_up.text
    messages = requests.get(f"{api}/_local/inbox/{email}", timeout=TIMEOUT).json()["messages"]
    code = next(message["code"] for message in messages if message["kind"] == "sign_up")
    confirmed = requests.post(
        f"{api}/auth/confirm", json={"email": email, "code": code}, timeout=TIMEOUT
    )
    assert confirmed.status_code == 200, confirmed.text
    return User(email)


# ---------------------------------------------------------------- tests
def test_the_code_and_pkce_flow_signs_in_through_the_login_form(
    api, config, redirect_uri, user
) -> None:
    # Given the public settings, which never include the client secret
    assert "client_secret" not in config and config["authorize_url"].endswith("/oauth2/authorize")

    # When the user signs in on the hosted UI's form
    authorization = Browser(config).sign_in(user, redirect_uri)

    # Then the browser comes back to the exact redirect URI with a code and the same state
    assert authorization.state == authorization.sent_state

    # And the SPA trades code + verifier at the broker for tokens, which are not cached
    response = exchange(api, redirect_uri, authorization)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] > 0
    assert {"access_token", "id_token", "refresh_token"} <= tokens.keys()

    # And the access token opens the photo API (the Cognito authorizer accepts it)
    listed = photos(api, tokens["access_token"])
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []

    # And the same exchange works form-encoded, as RFC 6749 section 4.1.3 sends it
    second = exchange(api, redirect_uri, Browser(config).sign_in(user, redirect_uri), form=True)
    assert second.status_code == 200, second.text
    assert photos(api, second.json()["access_token"]).status_code == 200


def test_a_code_works_once_and_only_with_its_own_verifier(api, config, redirect_uri, user) -> None:
    # Given a code that was already traded for tokens
    authorization = Browser(config).sign_in(user, redirect_uri)
    assert exchange(api, redirect_uri, authorization).status_code == 200

    # When it is sent a second time, it is refused
    assert_invalid_grant(exchange(api, redirect_uri, authorization))

    # And a fresh code with another verifier (an attacker who stole only the code) is refused
    fresh = Browser(config).sign_in(user, redirect_uri)
    stolen_without_verifier = exchange(api, redirect_uri, fresh, code_verifier=pkce_pair()[0])
    assert_invalid_grant(stolen_without_verifier)


def test_an_unregistered_redirect_uri_is_never_redirected_to(
    api, config, redirect_uri, user
) -> None:
    evil = "https://attacker.example/callback"
    browser = Browser(config)
    _, challenge = pkce_pair()

    # When the authorize URL names a redirect URI the client did not register
    page = browser.open_authorize(evil, challenge, "st-1")

    # Then the stand-in shows an error page and sends the browser nowhere (RFC 6749 4.1.2.1)
    assert page.status_code == 400 and "Location" not in page.headers
    assert "redirect" in page.text.lower()
    # And posting the login form straight to it does not issue a code either
    login = browser.http.post(
        urljoin(config["authorize_url"], "/login"),
        params={
            "response_type": "code",
            "client_id": config["client_id"],
            "redirect_uri": evil,
            "state": "st-1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        data={"email": user.email, "password": PASSWORD},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert login.status_code == 400 and "Location" not in login.headers

    # And the broker refuses to trade a real code for an unregistered redirect URI
    authorization = Browser(config).sign_in(user, redirect_uri)
    assert_invalid_grant(exchange(api, evil, authorization))


def test_refresh_rotates_and_sign_out_revokes(api, config, redirect_uri, user) -> None:
    # Given tokens from the code flow
    tokens = exchange(api, redirect_uri, Browser(config).sign_in(user, redirect_uri)).json()

    # When they are refreshed, a new refresh token comes back (rotation), and a working
    # access token
    response = refresh(api, tokens["refresh_token"])
    assert response.status_code == 200, response.text
    rotated = response.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert rotated["access_token"] != tokens["access_token"]
    assert photos(api, rotated["access_token"]).status_code == 200

    # When the user signs out with the refresh token and the code flow's access token
    signed_out = requests.post(
        f"{api}/auth/sign-out",
        json={"refresh_token": rotated["refresh_token"]},
        headers={"Authorization": f"Bearer {rotated['access_token']}"},
        timeout=TIMEOUT,
    )

    # Then both are honoured: revoked, and signed out everywhere (GlobalSignOut accepted it)
    assert signed_out.status_code == 200, signed_out.text
    assert signed_out.json() == {
        "signed_out": True,
        "refresh_token_revoked": True,
        "signed_out_everywhere": True,
    }
    # And neither the revoked refresh token nor its predecessor refreshes any more
    assert_invalid_grant(refresh(api, rotated["refresh_token"]))
    assert_invalid_grant(refresh(api, tokens["refresh_token"]))
