"""Passkeys in a real browser (issue 20): Chromium's own WebAuthn code, a virtual
authenticator, and the local stack's Cognito verifying every ceremony with py_webauthn.

The authenticator is Chromium's (Chrome DevTools Protocol, WebAuthn domain:
``WebAuthn.addVirtualAuthenticator`` with CTAP2 over the internal transport, resident keys
and user verification): the app calls the real ``navigator.credentials.create`` / ``get``,
and CDP answers the "touch the sensor" prompt. Every step asserts what a person sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.test_account_challenges import PASSWORD, confirmed_user, sign_in_in_the_app

pytestmark = pytest.mark.browser


@pytest.fixture
def app_origin(web_origin: str) -> str:
    """The app at ``http://localhost:<api port>``: the pool's relying-party ID is ``localhost``
    (a page on 127.0.0.1 could use no passkey: an IP address is never an RP ID)."""
    assert urlsplit(web_origin).hostname == "localhost", web_origin
    return web_origin


@dataclass
class VirtualAuthenticator:
    """A Chromium virtual authenticator attached to one page (CDP WebAuthn domain)."""

    cdp: Any
    authenticator_id: str

    def credentials(self) -> list[dict[str, Any]]:
        """``WebAuthn.getCredentials``: credentialId, rpId, signCount, privateKey, ..."""
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id})[
            "credentials"
        ]

    def replace(self, credential: dict[str, Any]) -> None:
        """Swap the stored credential for ``credential`` (same id): a cloned authenticator."""
        self.cdp.send(
            "WebAuthn.removeCredential",
            {"authenticatorId": self.authenticator_id, "credentialId": credential["credentialId"]},
        )
        self.cdp.send(
            "WebAuthn.addCredential",
            {"authenticatorId": self.authenticator_id, "credential": credential},
        )


@pytest.fixture
def authenticator(page) -> Iterator[VirtualAuthenticator]:
    """A platform authenticator (CTAP2, internal) that holds passkeys, verifies the user
    and answers every prompt at once: the "touch the sensor" step, simulated."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield VirtualAuthenticator(cdp, added["authenticatorId"])
    cdp.detach()


def watch_challenges(page) -> list[int]:
    """The status of every ``POST /auth/challenge`` the page makes from now on."""
    statuses: list[int] = []
    page.on(
        "response",
        lambda r: statuses.append(r.status) if r.url.endswith("/auth/challenge") else None,
    )
    return statuses


def prove_identity(page, confirm: str) -> None:
    """Answer the "Confirm it's you" dialog with the password, pressing ``confirm``."""
    proof = page.get_by_role("dialog", name="Confirm it's you")
    proof.get_by_label("Your password").fill(PASSWORD)
    proof.get_by_role("button", name=confirm, exact=True).click()
    expect(proof).to_be_hidden()


def add_passkey(page) -> None:
    """From the account page: "Add a passkey", the proof, the browser's ceremony."""
    page.get_by_role("button", name="Add a passkey").click()
    prove_identity(page, "Continue")
    expect(page.get_by_role("status")).to_contain_text("Passkey added")


def sign_in_with_passkey(page, email: str) -> None:
    sign_in = page.get_by_role("form", name="Sign in")
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    sign_in.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in with a passkey").click()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()


def test_a_passkey_is_added_signs_in_and_once_removed_no_longer_does(
    page, local_stack, app_origin, authenticator, screenshots
) -> None:
    uncaught: list[str] = []
    page.on("pageerror", lambda err: uncaught.append(str(err)))
    email, _ = confirmed_user(local_stack.api_url)
    sign_in_in_the_app(page, app_origin, email)

    # Given the account page, with no passkey yet
    page.get_by_role("button", name="Account").click()
    expect(page.get_by_role("heading", name="Passkeys")).to_be_visible()
    expect(page.get_by_text("No passkeys yet.")).to_be_visible()
    # When the user adds one (the password first, then the authenticator)
    add_passkey(page)
    # Then it is listed with its name, its date and a way to remove it
    passkeys = page.get_by_role("list", name="Your passkeys")
    expect(passkeys.get_by_role("listitem")).to_have_count(1)
    expect(passkeys.get_by_text("Passkey", exact=True)).to_be_visible()
    expect(passkeys.get_by_role("listitem")).to_contain_text("Added")
    remove = passkeys.get_by_role("button", name="Remove passkey")
    expect(remove).to_have_accessible_name("Remove passkey Passkey")
    expect(page.get_by_text("No passkeys yet.")).to_be_hidden()
    page.get_by_role("heading", name="Passkeys").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "passkey-account.png")
    # And a second one on the same device is refused by the browser (excludeCredentials)
    page.get_by_role("button", name="Add a passkey").click()
    prove_identity(page, "Continue")
    expect(page.get_by_role("alert")).to_have_text(
        "This device already has a passkey for your account."
    )
    expect(passkeys.get_by_role("listitem")).to_have_count(1)
    # And the authenticator holds a passkey for the relying party localhost
    [credential] = authenticator.credentials()
    assert credential["rpId"] == "localhost" and credential["isResidentCredential"]
    registered_count = credential["signCount"]

    # When they sign out and sign back in with the passkey
    sign_out(page)
    challenges = watch_challenges(page)
    sign_in_with_passkey(page, email)
    # Then they are signed in, with no password typed
    expect(page.get_by_role("heading", name="Your photos")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Signed in with your passkey.")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.screenshot(path=screenshots / "passkey-sign-in.png")
    assert challenges == [200]
    # And the authenticator signed: its counter grew
    [used] = authenticator.credentials()
    assert used["signCount"] > registered_count

    # When they remove the passkey (the password first)
    page.get_by_role("button", name="Account").click()
    page.get_by_role("list", name="Your passkeys").get_by_role(
        "button", name="Remove passkey Passkey"
    ).click()
    prove_identity(page, "Remove passkey")
    expect(page.get_by_role("status")).to_contain_text("Passkey removed")
    expect(page.get_by_text("No passkeys yet.")).to_be_visible()
    expect(passkeys.get_by_role("listitem")).to_have_count(0)

    # Then the same authenticator no longer signs them in: the app says so, no session starts
    sign_out(page)
    assert len(authenticator.credentials()) == 1  # the device still holds it
    challenges.clear()
    sign_in_with_passkey(page, email)
    alert = page.get_by_role("form", name="Sign in").get_by_role("alert")
    expect(alert).to_contain_text("No passkey was used")
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    assert 200 not in challenges
    assert uncaught == []


def test_a_cloned_passkey_is_refused(
    page, local_stack, app_origin, authenticator, screenshots
) -> None:
    email, _ = confirmed_user(local_stack.api_url)
    sign_in_in_the_app(page, app_origin, email)
    page.get_by_role("button", name="Account").click()
    add_passkey(page)
    sign_out(page)
    sign_in_with_passkey(page, email)
    expect(page.get_by_role("heading", name="Your photos")).to_be_visible()
    sign_out(page)
    # Given a copy of the passkey whose counter starts again from 0 (a cloned authenticator)
    [credential] = authenticator.credentials()
    assert credential["signCount"] > 0
    authenticator.replace({**credential, "signCount": 0})
    challenges = watch_challenges(page)
    # When it signs in, Cognito sees the counter go back and refuses the signature
    sign_in_with_passkey(page, email)
    alert = page.get_by_role("form", name="Sign in").get_by_role("alert")
    expect(alert).to_contain_text("That passkey wasn't accepted")
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    assert challenges == [401]
    page.screenshot(path=screenshots / "passkey-refused.png")


def test_a_browser_without_webauthn_is_told_so(page, local_stack, app_origin) -> None:
    # Given a browser with no Web Authentication API at all
    page.add_init_script("delete window.PublicKeyCredential")
    email, _ = confirmed_user(local_stack.api_url)
    page.goto(f"{app_origin}/")
    # The sign-in view says so, before sending anything
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/auth/" in r.url else None)
    sign_in_with_passkey(page, email)
    alert = page.get_by_role("form", name="Sign in").get_by_role("alert")
    expect(alert).to_contain_text("This browser can't use passkeys")
    assert requests == []
    # And so does the account page
    sign_in_in_the_app(page, app_origin, email)
    page.get_by_role("button", name="Account").click()
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("alert")).to_contain_text("This browser can't use passkeys")
    expect(page.get_by_role("dialog", name="Confirm it's you")).to_be_hidden()
