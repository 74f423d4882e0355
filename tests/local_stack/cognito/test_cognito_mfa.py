"""TOTP MFA in the local stack: real RFC 6238 codes, single use, expiring sessions.

moto 5.2.5 gives every user the same secret and accepts any code; these tests use
``pyotp`` as the user's authenticator app against local_stack.cognito's emulation.
"""

from __future__ import annotations

from typing import Any

import pyotp

from local_stack import cognito
from tests.local_stack.cognito.test_cognito_gaps import EMAIL, PASSWORD, Pool, error_of, secret_hash
from tests.support.clock import FakeClock


def password_auth(pool: Pool, email: str = EMAIL, password: str = PASSWORD) -> dict[str, Any]:
    return pool.idp.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password, "SECRET_HASH": pool.hash(email)},
    )


def answer(pool: Pool, session: str, code: str, email: str = EMAIL) -> dict[str, Any]:
    return pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=session,
        ChallengeResponses={
            "USERNAME": email,
            "SOFTWARE_TOKEN_MFA_CODE": code,
            "SECRET_HASH": pool.hash(email),
        },
    )


def wrong_code(totp: pyotp.TOTP, at: float) -> str:
    """A 6-digit code that is none of the codes valid around ``at``."""
    valid = {totp.at(at + d * 30) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def enrol(pool: Pool, clock: FakeClock, email: str = EMAIL) -> pyotp.TOTP:
    """Sign up, associate and verify an authenticator, prefer TOTP."""
    pool.signed_up_user(email)
    access = pool.sign_in(email)["AccessToken"]
    secret = pool.idp.associate_software_token(AccessToken=access)["SecretCode"]
    app = pyotp.TOTP(secret)
    assert (
        pool.idp.verify_software_token(
            AccessToken=access, UserCode=app.at(clock.now), FriendlyDeviceName="phone"
        )["Status"]
        == "SUCCESS"
    )
    pool.idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    clock.advance(60)  # two steps on: the verification code's step is spent and stale
    return app


def test_each_user_gets_their_own_random_base32_secret(pool: Pool) -> None:
    pool.signed_up_user(EMAIL)
    pool.signed_up_user("bob@example.com")
    first = pool.idp.associate_software_token(AccessToken=pool.sign_in()["AccessToken"])
    second = pool.idp.associate_software_token(
        AccessToken=pool.sign_in("bob@example.com")["AccessToken"]
    )
    assert len(first["SecretCode"]) == 32 and pyotp.TOTP(first["SecretCode"]).now().isdigit()
    assert first["SecretCode"] != second["SecretCode"]


def test_verify_software_token_refuses_a_wrong_code_and_mfa_cannot_be_enabled(
    pool: Pool, clock: FakeClock
) -> None:
    # Given a user who associated an authenticator
    pool.signed_up_user()
    access = pool.sign_in()["AccessToken"]
    app = pyotp.TOTP(pool.idp.associate_software_token(AccessToken=access)["SecretCode"])
    # When they verify with a wrong code (moto alone accepts any)
    code, message = error_of(
        pool.idp.verify_software_token, AccessToken=access, UserCode=wrong_code(app, clock.now)
    )
    # Then it is refused, and TOTP cannot be turned on
    assert (code, message) == ("EnableSoftwareTokenMFAException", "Code mismatch")
    assert error_of(
        pool.idp.set_user_mfa_preference,
        AccessToken=access,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    ) == ("InvalidParameterException", "User has not verified software token mfa")


def test_sign_in_with_totp_preferred_is_a_challenge_answered_by_the_app(
    pool: Pool, clock: FakeClock
) -> None:
    app = enrol(pool, clock)
    # When the user signs in with the right password
    started = password_auth(pool)
    # Then there are no tokens yet, only a SOFTWARE_TOKEN_MFA challenge
    assert "AuthenticationResult" not in started
    assert started["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    # And the authenticator's current code yields the tokens
    result = answer(pool, started["Session"], app.at(clock.now))["AuthenticationResult"]
    assert pool.idp.get_user(AccessToken=result["AccessToken"])["PreferredMfaSetting"] == (
        "SOFTWARE_TOKEN_MFA"
    )


def test_a_wrong_totp_code_is_refused_and_the_session_dies_after_three(
    pool: Pool, clock: FakeClock
) -> None:
    app = enrol(pool, clock)
    session = password_auth(pool)["Session"]
    bad = wrong_code(app, clock.now)
    for _ in range(cognito.MFA_ANSWERS_PER_SESSION):
        assert error_of(answer, pool=pool, session=session, code=bad) == (
            "CodeMismatchException",
            "Invalid code received for user",
        )
    # Then even the right code no longer works on that session
    assert error_of(answer, pool=pool, session=session, code=app.at(clock.now)) == (
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    )


def test_codes_one_step_old_work_but_two_steps_old_do_not(pool: Pool, clock: FakeClock) -> None:
    app = enrol(pool, clock)
    session = password_auth(pool)["Session"]
    too_old = app.at(clock.now - 60)
    if too_old not in {app.at(clock.now + d * 30) for d in (-1, 0, 1)}:
        assert error_of(answer, pool=pool, session=session, code=too_old)[0] == (
            "CodeMismatchException"
        )
    assert answer(pool, session, app.at(clock.now - 30))["AuthenticationResult"]


def test_a_totp_code_cannot_be_used_twice(pool: Pool, clock: FakeClock) -> None:
    app = enrol(pool, clock)
    code = app.at(clock.now)
    answer(pool, password_auth(pool)["Session"], code)
    # When the same code is replayed on a new sign-in, within its 30 s
    replay = password_auth(pool)["Session"]
    assert error_of(answer, pool=pool, session=replay, code=code)[0] == "CodeMismatchException"
    # Then the next step's code works
    clock.advance(30)
    assert answer(pool, replay, app.at(clock.now))["AuthenticationResult"]


def test_the_challenge_session_expires_after_auth_session_validity(
    pool: Pool, clock: FakeClock
) -> None:
    app = enrol(pool, clock)
    session = password_auth(pool)["Session"]
    clock.advance(3 * 60)  # AuthSessionValidity defaults to 3 minutes
    assert error_of(answer, pool=pool, session=session, code=app.at(clock.now)) == (
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    )


def test_a_session_cannot_be_answered_for_another_user(pool: Pool, clock: FakeClock) -> None:
    app = enrol(pool, clock)
    bob = enrol(pool, clock, "bob@example.com")
    alice_session = password_auth(pool)["Session"]
    # Bob's code, Bob's name, Alice's session
    assert (
        error_of(
            answer,
            pool=pool,
            session=alice_session,
            code=bob.at(clock.now),
            email="bob@example.com",
        )[0]
        == "NotAuthorizedException"
    )
    assert answer(pool, alice_session, app.at(clock.now))["AuthenticationResult"]


def test_turning_totp_off_signs_in_with_the_password_alone(pool: Pool, clock: FakeClock) -> None:
    app = enrol(pool, clock)
    access = answer(pool, password_auth(pool)["Session"], app.at(clock.now))[
        "AuthenticationResult"
    ]["AccessToken"]
    pool.idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False}
    )
    assert password_auth(pool)["AuthenticationResult"]["AccessToken"]


def test_a_wrong_password_never_reaches_the_challenge(pool: Pool, clock: FakeClock) -> None:
    enrol(pool, clock)
    assert error_of(password_auth, pool=pool, password="Wrong-Horse-9") == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )


def test_totp_state_survives_export_and_import(pool: Pool, clock: FakeClock) -> None:
    app = enrol(pool, clock)
    moto_pool = cognito.find_user_pool(pool.pool_id)
    data = cognito.export_state(moto_pool)
    cognito.import_state(moto_pool, {})  # the state wiped, as in a new process
    cognito.import_state(moto_pool, data)
    assert answer(pool, password_auth(pool)["Session"], app.at(clock.now))["AuthenticationResult"]


_ = secret_hash
