"""Passwordless sign-in (USER_AUTH + EMAIL_OTP) in the local stack; moto has no USER_AUTH."""

from __future__ import annotations

from typing import Any

import pytest

from local_stack.cognito.inbox import Inbox
from tests.local_stack.cognito.test_cognito_gaps import EMAIL, Pool, error_of
from tests.support.clock import FakeClock
from tests.support.template_pool import template_properties

SES = {"PasswordlessEmailSourceArn": "arn:aws:ses:us-east-1:123456789012:identity/dev@example.com"}


class PasswordlessPool(Pool):
    def __init__(self, idp: Any, inbox: Inbox, parameters: dict[str, str]) -> None:
        self.idp, self.inbox = idp, inbox
        pool_props, self.client_props = template_properties(parameters)
        self.pool_id = idp.create_user_pool(**pool_props)["UserPool"]["Id"]
        self.client_id, self.secret = self.add_client()

    def start(self, email: str = EMAIL) -> dict[str, Any]:
        return self.idp.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={
                "USERNAME": email,
                "PREFERRED_CHALLENGE": "EMAIL_OTP",
                "SECRET_HASH": self.hash(email),
            },
        )

    def answer(self, session: str, code: str, email: str = EMAIL) -> dict[str, Any]:
        return self.idp.respond_to_auth_challenge(
            ClientId=self.client_id,
            ChallengeName="EMAIL_OTP",
            Session=session,
            ChallengeResponses={
                "USERNAME": email,
                "EMAIL_OTP_CODE": code,
                "SECRET_HASH": self.hash(email),
            },
        )


@pytest.fixture
def pool(idp: Any, inbox: Inbox) -> PasswordlessPool:
    return PasswordlessPool(idp, inbox, SES)


@pytest.fixture
def password_only_pool(idp: Any, inbox: Inbox) -> PasswordlessPool:
    return PasswordlessPool(idp, inbox, {})


def test_an_emailed_eight_digit_code_signs_the_user_in(pool: PasswordlessPool) -> None:
    pool.signed_up_user()
    started = pool.start()
    assert started["ChallengeName"] == "EMAIL_OTP"
    assert started["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "a***@e***"
    code = pool.latest_code(kind="sign_in")
    assert len(code) == 8 and code.isdigit()
    wrong = "00000000" if code != "00000000" else "11111111"
    assert error_of(pool.answer, session=started["Session"], code=wrong)[0] == (
        "CodeMismatchException"
    )
    assert pool.answer(started["Session"], code)["AuthenticationResult"]["AccessToken"]
    # The code is spent
    again = pool.start()
    assert error_of(pool.answer, session=again["Session"], code=code)[0] == "CodeMismatchException"


def test_an_unknown_email_gets_the_same_challenge_and_no_code(pool: PasswordlessPool) -> None:
    started = pool.start("nobody@example.com")
    assert started["ChallengeName"] == "EMAIL_OTP"
    assert pool.inbox.messages("nobody@example.com") == []
    assert (
        error_of(
            pool.answer, session=started["Session"], code="12345678", email="nobody@example.com"
        )[0]
        == "CodeMismatchException"
    )


def test_the_code_dies_with_the_session(pool: PasswordlessPool, clock: FakeClock) -> None:
    pool.signed_up_user()
    started = pool.start()
    code = pool.latest_code(kind="sign_in")
    clock.advance(3 * 60)
    assert error_of(pool.answer, session=started["Session"], code=code)[0] == (
        "NotAuthorizedException"
    )


def test_without_ses_the_pool_refuses_user_auth(password_only_pool: PasswordlessPool) -> None:
    password_only_pool.signed_up_user()
    assert error_of(password_only_pool.start)[0] == "InvalidParameterException"
