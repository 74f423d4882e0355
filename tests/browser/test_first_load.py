"""The web app's first load (issue 20): a signed-out visitor's first load logs no error.

The app only tries the silent refresh (``POST /auth/token`` with the HttpOnly cookie) when
its non-secret hint says a refresh cookie was set and has not expired (web/js/api.js).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_account_challenges import PASSWORD, confirmed_user

pytestmark = pytest.mark.browser


def watch(page) -> tuple[list[str], list[str]]:
    """Console errors and page errors, and every ``/auth/*`` request with its outcome."""
    errors: list[str] = []
    auth_calls: list[str] = []
    page.on("pageerror", lambda err: errors.append(f"page error: {err}"))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    def on_response(response) -> None:
        if "/auth/" in response.url and "/auth/config" not in response.url:
            auth_calls.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", on_response)
    return errors, auth_calls


def load(page, url: str, heading: str) -> None:
    """Open ``url`` and wait until the app settles on ``heading`` with the network idle."""
    page.goto(url)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    page.wait_for_load_state("networkidle")


def failed(calls: list[str]) -> list[str]:
    return [call for call in calls if int(call.split(" ", 1)[0]) >= 400]


def test_a_signed_out_first_load_logs_no_error(page, local_stack, web_origin) -> None:
    errors, auth_calls = watch(page)
    # Given a fresh browser context (no cookie, empty storage), the app opens on sign-in
    load(page, f"{web_origin}/", "Welcome back")
    # Then nothing went red: no console error and no failed /auth/* request
    assert errors == []
    assert failed(auth_calls) == []


def test_a_reload_restores_the_session_and_a_stale_hint_costs_one_refresh(
    page, local_stack, web_origin
) -> None:
    email, _ = confirmed_user(local_stack.api_url)
    errors, auth_calls = watch(page)
    load(page, f"{web_origin}/", "Welcome back")
    sign_in = page.get_by_role("form", name="Sign in")
    sign_in.get_by_label("Email").fill(email)
    sign_in.get_by_label("Password").fill(PASSWORD)
    sign_in.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your photos")).to_be_visible()

    # When they reload, the cookie restores the session silently
    auth_calls.clear()
    load(page, f"{web_origin}/", "Your photos")
    assert [call.split(" ", 2)[:2] for call in auth_calls] == [["200", "POST"]]
    assert errors == []

    # When they sign out, a reload makes no refresh attempt at all
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    auth_calls.clear()
    load(page, f"{web_origin}/", "Welcome back")
    assert auth_calls == []
    assert errors == []

    # Given a signed-in user who then clears their cookies (the hint goes stale)
    sign_in.get_by_label("Email").fill(email)
    sign_in.get_by_label("Password").fill(PASSWORD)
    sign_in.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your photos")).to_be_visible()
    page.context.clear_cookies()
    # Then one refresh fails (the contract's 400) and clears the hint
    auth_calls.clear()
    load(page, f"{web_origin}/", "Welcome back")
    assert [call.split(" ", 1)[0] for call in auth_calls] == ["400"]
    # And the next load makes no attempt
    auth_calls.clear()
    errors.clear()
    load(page, f"{web_origin}/", "Welcome back")
    assert auth_calls == []
    assert errors == []


def test_resend_code_asks_for_the_email_then_sends_a_code(page, web_origin):
    """The confirm view's "Resend code" button (ui.onClick): without an email it says so
    in the form's alert and sends nothing; with one it answers with where the code went
    (the same answer for any email) and clears the alert."""
    requests_sent = []
    page.on(
        "request", lambda r: requests_sent.append(r.url) if "/auth/resend-code" in r.url else None
    )
    page.goto(f"{web_origin}/")
    page.get_by_role("button", name="Create an account").click()
    page.get_by_role("button", name="I have a code").click()
    resend = page.get_by_role("button", name="Resend code")
    resend.click()
    alert = page.locator("#confirm-form").get_by_role("alert")
    expect(alert).to_have_text("Enter your email first.")
    email = page.get_by_role("textbox", name="Email")  # the one visible: the confirm view's
    expect(email).to_be_focused()
    assert requests_sent == []
    email.fill("nobody-resend@example.com")
    resend.click()
    expect(page.get_by_role("status")).to_contain_text("A new code is on its way to n***@e***.")
    expect(alert).to_be_hidden()
    expect(resend).to_be_enabled()
    assert len(requests_sent) == 1
