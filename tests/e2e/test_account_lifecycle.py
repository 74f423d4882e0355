"""The account lifecycle over real HTTP against the local stack (issue 13), with ``pyotp``
as the user's authenticator app: TOTP setup, MFA sign-in and its refusals."""

from __future__ import annotations

import uuid

import pyotp
import pytest
import requests

from tests.support.authenticator import Authenticator

pytestmark = pytest.mark.e2e

PASSWORD = "Correct-Horse-9"


def inbox_code(api: str, email: str, kind: str = "sign_up") -> str:
    messages = requests.get(f"{api}/_local/inbox/{email}", timeout=10).json()["messages"]
    return next(m["code"] for m in messages if m["kind"] == kind)


def new_user(api: str) -> tuple[str, dict]:
    """Sign up, confirm with the inbox code, sign in; (email, tokens)."""
    email = f"acct-{uuid.uuid4().hex[:10]}@example.com"
    assert (
        requests.post(
            f"{api}/auth/sign-up", json={"email": email, "password": PASSWORD}, timeout=30
        ).status_code
        == 201
    )
    assert (
        requests.post(
            f"{api}/auth/confirm", json={"email": email, "code": inbox_code(api, email)}, timeout=30
        ).status_code
        == 200
    )
    return email, sign_in(api, email).json()


def sign_in(api: str, email: str, password: str = PASSWORD) -> requests.Response:
    return requests.post(
        f"{api}/auth/sign-in", json={"email": email, "password": password}, timeout=30
    )


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def answer(api: str, email: str, session: str, code: str) -> requests.Response:
    return requests.post(
        f"{api}/auth/challenge",
        json={
            "email": email,
            "challenge": "SOFTWARE_TOKEN_MFA",
            "session": session,
            "answer": code,
        },
        timeout=30,
    )


def enrol(api: str, tokens: dict) -> Authenticator:
    setup = requests.post(f"{api}/auth/mfa/setup", headers=bearer(tokens), timeout=30)
    assert setup.status_code == 200, setup.text
    body = setup.json()
    app = Authenticator(body["secret_code"])
    parsed = pyotp.parse_uri(body["otpauth_uri"])  # what a QR scanner would read
    assert parsed.secret == body["secret_code"] and parsed.issuer == "Moments"
    verified = requests.post(
        f"{api}/auth/mfa/verify",
        headers=bearer(tokens),
        json={"code": app.fresh_code(), "password": PASSWORD},
        timeout=30,
    )
    assert verified.status_code == 200, verified.text
    assert verified.json() == {"totp_enabled": True}
    return app


def test_totp_setup_then_sign_in_needs_the_authenticator_code(local_stack) -> None:
    api = local_stack.api_url
    # Given a user who set up an authenticator app
    email, tokens = new_user(api)
    app = enrol(api, tokens)
    # When they sign in with the right password
    started = sign_in(api, email)
    # Then the answer is a challenge, not tokens
    assert started.status_code == 200
    body = started.json()
    assert set(body) == {"challenge", "session"} and body["challenge"] == "SOFTWARE_TOKEN_MFA"
    # And a wrong code is refused with the contract's body
    wrong = app.wrong_code()
    refused = answer(api, email, body["session"], wrong)
    assert refused.status_code == 400 and refused.json()["error"] == "code_mismatch"
    # And the app's code gets the tokens, which work on the photo API
    code = app.fresh_code()
    signed_in = answer(api, email, body["session"], code)
    assert signed_in.status_code == 200, signed_in.text
    assert (
        requests.get(f"{api}/photos", headers=bearer(signed_in.json()), timeout=30).status_code
        == 200
    )
    # And the same code cannot sign in again (replayed on a new session)
    replay = answer(api, email, sign_in(api, email).json()["session"], code)
    assert replay.status_code == 400 and replay.json()["error"] == "code_mismatch"


def test_a_spent_session_a_foreign_email_and_a_made_up_session_get_one_answer(local_stack) -> None:
    api = local_stack.api_url
    email, tokens = new_user(api)
    app = enrol(api, tokens)
    session = sign_in(api, email).json()["session"]
    other, _ = new_user(api)
    foreign = answer(api, other, session, app.fresh_code())
    made_up = answer(api, "nobody@example.com", "x" * 64, "123456")
    assert foreign.status_code == made_up.status_code == 401
    assert foreign.json() == made_up.json()
    assert made_up.json()["error"] == "invalid_session"


def test_turning_mfa_off_goes_back_to_password_only(local_stack) -> None:
    api = local_stack.api_url
    email, tokens = new_user(api)
    app = enrol(api, tokens)
    off = requests.delete(
        f"{api}/auth/mfa",
        headers=bearer(tokens),
        json={"password": PASSWORD, "code": app.fresh_code()},
        timeout=30,
    )
    assert off.status_code == 200 and off.json() == {"totp_enabled": False}
    assert "access_token" in sign_in(api, email).json()


def test_mfa_routes_need_an_access_token(local_stack) -> None:
    api = local_stack.api_url
    assert requests.post(f"{api}/auth/mfa/setup", timeout=30).status_code == 401
    _, tokens = new_user(api)
    wrong = requests.post(
        f"{api}/auth/mfa/verify", headers=bearer(tokens), json={"code": "12345x"}, timeout=30
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_request"
    not_set_up = requests.post(
        f"{api}/auth/mfa/verify",
        headers=bearer(tokens),
        json={"code": "123456", "password": PASSWORD},
        timeout=30,
    )
    assert not_set_up.status_code == 400 and not_set_up.json()["error"] == "code_mismatch"


# ---------------------------------------------------------------- account management
def png() -> bytes:
    from tests.e2e.test_journey import png_bytes

    return png_bytes()


def photos_table_rows(stack, sub: str) -> list[dict]:
    """The photos table's rows of ``sub``, read straight from the emulator's DynamoDB."""
    import boto3

    dynamodb = boto3.client("dynamodb", endpoint_url=stack.emulator_url, region_name="us-east-1")
    [table] = [t for t in dynamodb.list_tables()["TableNames"] if "photo" in t.lower()]
    return dynamodb.query(
        TableName=table,
        KeyConditionExpression="user_sub = :s",
        ExpressionAttributeValues={":s": {"S": sub}},
    )["Items"]


def test_profile_name_and_password_changes(local_stack) -> None:
    api = local_stack.api_url
    email, tokens = new_user(api)
    profile = requests.get(f"{api}/auth/account", headers=bearer(tokens), timeout=30)
    assert profile.status_code == 200
    assert profile.json() == {
        "email": email,
        "email_verified": True,
        "name": None,
        "totp_enabled": False,
    }
    named = requests.patch(
        f"{api}/auth/account", headers=bearer(tokens), json={"name": "Ada"}, timeout=30
    )
    assert named.status_code == 200 and named.json()["name"] == "Ada"
    # A wrong current password is refused; the right one changes it
    wrong = requests.post(
        f"{api}/auth/account/password",
        headers=bearer(tokens),
        timeout=30,
        json={"previous_password": "Wrong-Horse-1", "proposed_password": "Another-Horse-10"},
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_credentials"
    changed = requests.post(
        f"{api}/auth/account/password",
        headers=bearer(tokens),
        timeout=30,
        json={"previous_password": PASSWORD, "proposed_password": "Another-Horse-10"},
    )
    assert changed.status_code == 200
    assert sign_in(api, email).status_code == 401
    assert sign_in(api, email, "Another-Horse-10").status_code == 200


def test_email_change_keeps_the_old_sign_in_until_the_code_is_verified(local_stack) -> None:
    api = local_stack.api_url
    email, tokens = new_user(api)
    new_email = f"new-{uuid.uuid4().hex[:10]}@example.com"
    started = requests.post(
        f"{api}/auth/account/email",
        headers=bearer(tokens),
        json={"email": new_email, "password": PASSWORD},
        timeout=30,
    )
    assert started.status_code == 200
    # Until verified, the old email signs in and the new one does not
    assert sign_in(api, email).status_code == 200
    assert sign_in(api, new_email).status_code == 401
    wrong = requests.post(
        f"{api}/auth/account/email/verify",
        headers=bearer(tokens),
        json={"code": "not-it"},
        timeout=30,
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "code_mismatch"
    code = inbox_code(api, new_email, kind="verify_email")
    verified = requests.post(
        f"{api}/auth/account/email/verify", headers=bearer(tokens), json={"code": code}, timeout=30
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["email"] == new_email
    assert sign_in(api, new_email).status_code == 200
    assert sign_in(api, email).status_code == 401


def test_an_email_of_another_account_gets_the_same_answer_and_no_code(local_stack) -> None:
    api = local_stack.api_url
    other, _ = new_user(api)
    _, tokens = new_user(api)
    taken = requests.post(
        f"{api}/auth/account/email",
        headers=bearer(tokens),
        json={"email": other, "password": PASSWORD},
        timeout=30,
    )
    free = requests.post(
        f"{api}/auth/account/email",
        headers=bearer(tokens),
        json={"email": other.replace("acct-", "anew-"), "password": PASSWORD},
        timeout=30,
    )
    assert taken.status_code == free.status_code == 200
    assert (
        taken.json()["code_delivery"]["destination"] == free.json()["code_delivery"]["destination"]
    )
    messages = requests.get(f"{api}/_local/inbox/{other}", timeout=10).json()["messages"]
    assert not [m for m in messages if m["kind"] == "verify_email"]


def test_deleting_the_account_erases_its_photos_and_signs_it_out(local_stack) -> None:
    import jwt

    api = local_stack.api_url
    email, tokens = new_user(api)
    sub = jwt.decode(tokens["access_token"], options={"verify_signature": False})["sub"]
    for _ in range(3):
        uploaded = requests.post(
            f"{api}/photos",
            headers=bearer(tokens),
            timeout=30,
            files={"file": ("a.png", png(), "image/png")},
        )
        assert uploaded.status_code == 201
    assert len(photos_table_rows(local_stack, sub)) == 3
    # When the user deletes the account
    deleted = requests.delete(
        f"{api}/auth/account", headers=bearer(tokens), json={"password": PASSWORD}, timeout=30
    )
    # Then the rows are gone, the tokens are refused, and sign-in fails like for a stranger
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"account_deleted": True, "photos_deleted": 3}
    assert photos_table_rows(local_stack, sub) == []
    assert requests.get(f"{api}/photos", headers=bearer(tokens), timeout=30).status_code == 401
    refreshed = requests.post(
        f"{api}/auth/token",
        timeout=30,
        json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert refreshed.status_code == 400
    assert sign_in(api, email).json() == sign_in(api, "nobody@example.com").json()
    # And a second delete is a clear 4xx
    again = requests.delete(
        f"{api}/auth/account", headers=bearer(tokens), json={"password": PASSWORD}, timeout=30
    )
    assert again.status_code == 401 and again.json()["error"] in ("invalid_token", "unauthorized")


# ---------------------------------------------------------------- passwordless
def email_code(api: str, email: str) -> requests.Response:
    return requests.post(f"{api}/auth/sign-in/email-code", json={"email": email}, timeout=30)


def test_passwordless_sign_in_with_the_emailed_code(local_stack) -> None:
    api = local_stack.api_url
    email, _ = new_user(api)
    started = email_code(api, email)
    assert started.status_code == 200 and started.json()["challenge"] == "EMAIL_OTP"
    code = inbox_code(api, email, kind="sign_in")
    body = {"email": email, "challenge": "EMAIL_OTP", "session": started.json()["session"]}
    wrong = "00000000" if code != "00000000" else "11111111"
    refused = requests.post(f"{api}/auth/challenge", json={**body, "answer": wrong}, timeout=30)
    assert refused.status_code == 400 and refused.json()["error"] == "code_mismatch"
    # A TOTP-shaped answer on the EMAIL_OTP session is the wrong challenge for it
    mismatched = requests.post(
        f"{api}/auth/challenge",
        timeout=30,
        json={**body, "challenge": "SOFTWARE_TOKEN_MFA", "answer": "123456"},
    )
    assert mismatched.status_code == 401 and mismatched.json()["error"] == "invalid_session"
    tokens = requests.post(f"{api}/auth/challenge", json={**body, "answer": code}, timeout=30)
    assert tokens.status_code == 200, tokens.text
    assert (
        requests.get(f"{api}/photos", headers=bearer(tokens.json()), timeout=30).status_code == 200
    )


def test_an_unknown_email_gets_the_same_email_code_answer(local_stack) -> None:
    api = local_stack.api_url
    email, _ = new_user(api)
    known, unknown = (
        email_code(api, email),
        email_code(api, f"nobody-{uuid.uuid4().hex[:8]}@example.com"),
    )
    assert known.status_code == unknown.status_code == 200
    assert set(known.json()) == set(unknown.json())
    assert known.json()["challenge"] == unknown.json()["challenge"] == "EMAIL_OTP"
    assert len(known.json()["session"]) == len(unknown.json()["session"])


def test_a_totp_user_gets_no_emailed_sign_in_code(local_stack) -> None:
    # Cognito's MFA prerequisites: a user with MFA configured has no passwordless first
    # factor. The answer keeps the no-oracle shape, but no code is sent and none passes.
    api = local_stack.api_url
    email, tokens = new_user(api)
    enrol(api, tokens)
    started = email_code(api, email)
    assert started.status_code == 200 and started.json()["challenge"] == "EMAIL_OTP"
    messages = requests.get(f"{api}/_local/inbox/{email}", timeout=10).json()["messages"]
    assert [m for m in messages if m["kind"] == "sign_in"] == []
    body = {"email": email, "challenge": "EMAIL_OTP", "session": started.json()["session"]}
    refused = requests.post(
        f"{api}/auth/challenge", json={**body, "answer": "12345678"}, timeout=30
    )
    assert refused.status_code == 400 and refused.json()["error"] == "code_mismatch"
