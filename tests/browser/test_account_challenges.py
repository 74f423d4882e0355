"""Sign-in challenges in the web app (issue 13): a TOTP code after the password, and the
passwordless "Email me a code". pyotp is the user's authenticator app."""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.test_browser_journey import inbox_code
from tests.support.authenticator import Authenticator

pytestmark = pytest.mark.browser

PASSWORD = "Correct-Horse-9"


def confirmed_user(api: str) -> tuple[str, dict]:
    email = f"chal-{uuid.uuid4().hex[:10]}@example.com"
    requests.post(f"{api}/auth/sign-up", json={"email": email, "password": PASSWORD}, timeout=30)
    requests.post(
        f"{api}/auth/confirm", json={"email": email, "code": inbox_code(api, email)}, timeout=30
    )
    tokens = requests.post(
        f"{api}/auth/sign-in", json={"email": email, "password": PASSWORD}, timeout=30
    ).json()
    return email, tokens


def test_a_totp_user_signs_in_with_the_authenticator_code(
    page, local_stack, web_origin, screenshots
) -> None:
    api = local_stack.api_url
    # Given a user with an authenticator app set up (over the API)
    email, tokens = confirmed_user(api)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    app = Authenticator(
        requests.post(f"{api}/auth/mfa/setup", headers=auth, timeout=30).json()["secret_code"]
    )
    used = app.fresh_code()
    assert (
        requests.post(
            f"{api}/auth/mfa/verify",
            headers=auth,
            json={"code": used, "password": PASSWORD},
            timeout=30,
        ).status_code
        == 200
    )
    # When they sign in with their password in the app
    page.goto(f"{web_origin}/")
    sign_in = page.get_by_role("form", name="Sign in")
    sign_in.get_by_label("Email").fill(email)
    sign_in.get_by_label("Password").fill(PASSWORD)
    sign_in.get_by_role("button", name="Sign in").click()
    # Then the app asks for the authenticator's code
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    challenge = page.get_by_role("form", name="Verification code")
    challenge.get_by_label("Code").fill(app.wrong_code())
    challenge.get_by_role("button", name="Verify").click()
    expect(challenge.get_by_role("alert")).to_contain_text("The code is wrong")
    page.screenshot(path=screenshots / "13-totp-challenge.png")
    challenge.get_by_label("Code").fill(app.fresh_code())  # the setup code is spent
    challenge.get_by_role("button", name="Verify").click()
    # And the right code opens the photos
    expect(page.get_by_role("heading", name="Your photos")).to_be_visible()


def test_email_me_a_code_signs_in_without_a_password(page, local_stack, web_origin) -> None:
    api = local_stack.api_url
    email, _ = confirmed_user(api)
    page.goto(f"{web_origin}/")
    page.get_by_role("form", name="Sign in").get_by_label("Email").fill(email)
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    challenge = page.get_by_role("form", name="Verification code")
    challenge.get_by_label("Code").fill(inbox_code(api, email, kind="sign_in"))
    challenge.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Your photos")).to_be_visible()


def sign_in_in_the_app(page, web_origin: str, email: str) -> None:
    page.goto(f"{web_origin}/")
    sign_in = page.get_by_role("form", name="Sign in")
    sign_in.get_by_label("Email").fill(email)
    sign_in.get_by_label("Password").fill(PASSWORD)
    sign_in.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your photos")).to_be_visible()


def test_the_account_page_sets_up_mfa_from_the_qr_code_and_deletes_the_account(
    page, local_stack, web_origin, screenshots
) -> None:
    api = local_stack.api_url
    email, _ = confirmed_user(api)
    sign_in_in_the_app(page, web_origin, email)
    # When the user opens the account page and names themselves
    page.get_by_role("button", name="Account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()
    profile = page.get_by_role("form", name="Profile")
    profile.get_by_label("Name").fill("Ada")
    profile.get_by_role("button", name="Save name").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    # And sets up an authenticator app: the QR code is drawn, the key shown
    page.get_by_role("button", name="Set up an authenticator app").click()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("c => c.width") > 100
    secret = page.locator("#mfa-secret").inner_text()
    page.screenshot(path=screenshots / "13-mfa-qr-setup.png")
    app = Authenticator(secret)
    form = page.get_by_role("form", name="Authenticator code")
    form.get_by_label("Code from the app").fill(app.fresh_code())
    form.get_by_role("button", name="Turn on").click()
    # Turning MFA on asks for the password first (a fresh proof, issue 25)
    proof = page.get_by_role("dialog", name="Confirm it's you")
    expect(proof.get_by_label("Code from your authenticator app")).to_be_hidden()
    proof.get_by_label("Your password").fill(PASSWORD)
    proof.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("On: signing in asks for a code")).to_be_visible()
    page.screenshot(path=screenshots / "13-account-page.png")
    # When they delete the account, the dialog asks for the password and, MFA being on,
    # the code; cancelling it deletes nothing
    page.get_by_role("button", name="Delete my account").click()
    expect(proof).to_be_visible()
    expect(proof.get_by_label("Your password")).to_be_focused()
    proof.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("nothing was changed")).to_be_visible()
    # A wrong password is refused and the user stays signed in on the account page
    page.get_by_role("button", name="Delete my account").click()
    proof.get_by_label("Your password").fill("Wrong-Horse-1")
    proof.get_by_label("Code from your authenticator app").fill(app.totp.now())
    proof.get_by_role("button", name="Delete account").click()
    expect(page.locator("#account-error")).to_contain_text("The password or code is wrong")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.screenshot(path=screenshots / "25-delete-account-proof.png")
    # And the right password and code delete it, back to sign-in
    page.get_by_role("button", name="Delete my account").click()
    proof.get_by_label("Your password").fill(PASSWORD)
    proof.get_by_label("Code from your authenticator app").fill(app.fresh_code())
    proof.get_by_role("button", name="Delete account").click()
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    # Then the account is gone: its password no longer signs in
    gone = requests.post(
        f"{api}/auth/sign-in", json={"email": email, "password": PASSWORD}, timeout=30
    )
    assert gone.status_code == 401


def test_the_account_page_changes_the_password_and_the_email(page, local_stack, web_origin) -> None:
    api = local_stack.api_url
    email, _ = confirmed_user(api)
    new_email = email.replace("chal-", "moved-")
    sign_in_in_the_app(page, web_origin, email)
    page.get_by_role("button", name="Account").click()
    # A wrong current password is refused next to the form; the right one changes it
    password = page.get_by_role("form", name="Change password")
    password.get_by_label("Current password").fill("Wrong-Horse-1")
    password.get_by_label("New password").fill("Another-Horse-10")
    password.get_by_role("button", name="Change password").click()
    expect(password.get_by_role("alert")).to_contain_text("current password is wrong")
    password.get_by_label("Current password").fill(PASSWORD)
    password.get_by_label("New password").fill("Another-Horse-10")
    password.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()
    # The email changes only once the code sent to the new address is entered
    change = page.get_by_role("form", name="Change email")
    change.get_by_label("New email").fill(new_email)
    change.get_by_role("button", name="Send a code").click()
    proof = page.get_by_role("dialog", name="Confirm it's you")
    proof.get_by_label("Your password").fill("Another-Horse-10")
    proof.get_by_role("button", name="Send a code").click()
    verify = page.get_by_role("form", name="Verify new email")
    expect(verify).to_be_visible()
    verify.get_by_label("Code").fill(inbox_code(api, new_email, kind="verify_email"))
    verify.get_by_role("button", name="Verify email").click()
    expect(page.get_by_text(f"Signed in as {new_email}")).to_be_visible()
    signed_in = requests.post(
        f"{api}/auth/sign-in", timeout=30, json={"email": new_email, "password": "Another-Horse-10"}
    )
    assert signed_in.status_code == 200
