"""`make dev` keeps its state across a restart; `--reset` (make dev-reset) starts clean.

Issue 10: every start used to create a new pool, new ids and an empty bucket, so users,
photos and the browser's session were gone. Here a user signs in and uploads, the stack
stops the way Ctrl-C stops it, and a new process on the same ports and state folder
serves the same pool and client ids, the photo (row and bytes), the access token (same
signing key), a refresh of the session, as the web app does after a reload, and the
user's passkey.
"""

from __future__ import annotations

import json
import secrets

import pytest
import requests

from tests.e2e.test_journey import (
    PASSWORD,
    bearer,
    png_bytes,
    signed_up_user,
    wait_until_processed,
)
from tests.e2e.test_oauth_flow import Authorization, Browser, User, exchange, pkce_pair, query_of
from tests.e2e.test_passkeys import register
from tests.support.passkey import SoftwarePasskey, web_origin
from tests.support.stack import free_port, start_stack, stop_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_a_restart_keeps_users_photos_and_the_signed_in_session(tmp_path):
    state = tmp_path / "state"
    ports = (free_port(), free_port(), free_port())
    args = ("--state-dir", str(state))

    # Given a signed-in user with a photo on a stack that keeps its state
    first = start_stack(tmp_path / "first.log", extra_args=args, ports=ports)
    try:
        api = first.api_url
        email, tokens = signed_up_user(api)
        image = png_bytes()
        photo = requests.post(
            f"{api}/photos",
            headers=bearer(tokens),
            timeout=30,
            files={"file": ("kept.png", image, "image/png")},
        ).json()
        # And a passkey registered through the API (issue 20)
        passkey = SoftwarePasskey()
        register(api, tokens, passkey, PASSWORD)
        # And a browser signed in as the web app does (refresh token in an HttpOnly cookie)
        browser = requests.Session()
        browser.headers["X-Token-Delivery"] = "cookie"
        signed_in = browser.post(
            f"{api}/auth/sign-in", timeout=30, json={"email": email, "password": PASSWORD}
        )
        assert signed_in.status_code == 200 and "refresh_token" not in signed_in.json()
        # (a browser sends a Secure cookie to http://127.0.0.1, a trustworthy origin; requests
        # would not, so the test sends it as the browser does)
        browser.headers["Cookie"] = (
            f"moments_refresh_token={signed_in.cookies['moments_refresh_token']}"
        )
        # And a browser signed in on the hosted UI (its single sign-on session cookie)
        config = requests.get(f"{api}/auth/config", timeout=30).json()
        hosted = Browser(config)
        hosted.sign_in(User(email), f"{api}/")
    finally:
        # When the stack stops (Ctrl-C) and starts again on the same folder
        stop_stack(first.process)
    second = start_stack(tmp_path / "second.log", extra_args=args, ports=ports)
    try:
        api = second.api_url
        # Then the pool and client are the same ones
        assert second.health["user_pool_id"] == first.health["user_pool_id"]
        assert second.health["client_id"] == first.health["client_id"]
        # And the access token from before the restart still works, with the photo listed
        listed = requests.get(f"{api}/photos", headers=bearer(tokens), timeout=30)
        assert listed.status_code == 200, listed.text
        assert [p["photo_id"] for p in listed.json()["items"]] == [photo["photo_id"]]
        # And the object's bytes are there (processed before or, if the stop came first,
        # after the restart: objects present at start are announced again)
        got = wait_until_processed(api, tokens, photo["photo_id"])
        assert requests.get(got["original_url"], timeout=30).content == image
        # And the browser's session refreshes from its cookie, as the web app does on reload
        refreshed = browser.post(
            f"{api}/auth/token", timeout=30, json={"grant_type": "refresh_token"}
        )
        assert refreshed.status_code == 200, refreshed.text
        assert (
            requests.get(f"{api}/photos", headers=bearer(refreshed.json()), timeout=30).status_code
            == 200
        )
        # And the hosted UI still knows the browser: authorize answers at once with a code
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(16)
        again_sso = hosted.open_authorize(f"{api}/", challenge, state)
        assert again_sso.status_code == 302, again_sso.text[:300]
        location = again_sso.headers["Location"]
        code = query_of(location)["code"]
        traded = exchange(api, f"{api}/", Authorization(code, verifier, state, state, location))
        assert traded.status_code == 200, traded.text
        # And so does a client holding the refresh token itself
        assert (
            requests.post(
                f"{api}/auth/token",
                timeout=30,
                json={
                    "grant_type": "refresh_token",
                    "refresh_token": tokens["refresh_token"],
                },
            ).status_code
            == 200
        )
        # And the dev inbox still shows the code the user was sent
        assert requests.get(f"{api}/_local/inbox/{email}", timeout=30).json()["messages"]
        # And the passkey still signs in: its public key, owner and sign count were saved
        started = requests.post(
            f"{api}/auth/sign-in/passkey", json={"email": email}, timeout=30
        ).json()
        assertion = passkey.get(started["credential_request_options"], origin=web_origin(api))
        answer = {"email": email, "challenge": "WEB_AUTHN", "session": started["session"]}
        with_passkey = requests.post(
            f"{api}/auth/challenge", json=answer | {"credential": json.loads(assertion)}, timeout=30
        )
        assert with_passkey.status_code == 200, with_passkey.text
        # And the user can sign in with the same password
        again = requests.post(
            f"{api}/auth/sign-in", timeout=30, json={"email": email, "password": PASSWORD}
        )
        assert again.status_code == 200
    finally:
        stop_stack(second.process)

    # When it starts with --reset (make dev-reset)
    clean = start_stack(tmp_path / "clean.log", extra_args=(*args, "--reset"), ports=ports)
    try:
        # Then nothing is left: the old token belongs to no pool of this stack
        assert clean.health["user_pool_id"] != first.health["user_pool_id"]
        assert (
            requests.get(f"{clean.api_url}/photos", headers=bearer(tokens), timeout=30).status_code
            == 401
        )
    finally:
        stop_stack(clean.process)
