"""The attempt counter's place in the broker's logic (issue 22): counted before Cognito,
refused without calling it, cleared by a success. The counter itself (DynamoDB, the
window, atomicity) is tested in tests/handlers/auth/test_attempts_moto.py."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from auth.attempts import TooManyAttempts
from auth.errors import UpstreamError, answer
from auth.models import (
    CodeAnswer,
    ConfirmRequest,
    EmailRequest,
    ResetPasswordRequest,
    SignInRequest,
)
from auth.service import AuthService

EMAIL = "jane@example.com"


@dataclass
class FakeCounter:
    """Allows ``allowed`` attempts in all, then refuses; logs what the broker did."""

    allowed: int = 100
    log: list[tuple[str, str, str]] = field(default_factory=list)

    @contextmanager
    def attempt(self, family, email):
        if self.allowed <= 0:
            self.log.append(("refused", family, email))
            raise TooManyAttempts(60)
        self.allowed -= 1
        self.log.append(("counted", family, email))
        yield

    def reset(self, family, email):
        self.log.append(("reset", family, email))


CALLS = {
    "sign_in": lambda b: b.sign_in(SignInRequest(email=EMAIL, password="Correct-Horse-9")),
    "email_code": lambda b: b.email_code_sign_in(EmailRequest(email=EMAIL)),
    "challenge": lambda b: b.answer_challenge(
        CodeAnswer(email=EMAIL, challenge="SOFTWARE_TOKEN_MFA", session="s" * 20, answer="123456")
    ),
    "confirm": lambda b: b.confirm(ConfirmRequest(email=EMAIL, code="123456")),
    "reset_password": lambda b: b.reset_password(
        ResetPasswordRequest(email=EMAIL, code="123456", password="Another-Horse-8")
    ),
    "resend_code": lambda b: b.resend_code(EmailRequest(email=EMAIL)),
    "forgot_password": lambda b: b.forgot_password(EmailRequest(email=EMAIL)),
}
FAMILY = {
    "sign_in": "sign_in",
    "email_code": "sign_in",
    "challenge": "sign_in",
    "confirm": "confirm",
    "reset_password": "reset_password",
    "resend_code": "code_delivery",
    "forgot_password": "code_delivery",
}
#: Routes whose success clears nothing: an emailed code requested is no sign-in yet, and
#: the code-delivery routes answer every email with the same success.
NOT_CLEARED = {"email_code", "resend_code", "forgot_password"}


@pytest.mark.parametrize("route", list(CALLS))
def test_over_the_limit_cognito_is_not_called(settings, idp, route):
    counter = FakeCounter(allowed=0)
    broker = AuthService(settings, idp=idp, attempts=counter)
    with pytest.raises(TooManyAttempts) as caught:
        CALLS[route](broker)
    over = answer(caught.value)
    assert over.status == 429 and over.headers == {"Retry-After": "60"}
    assert idp.calls == []
    assert counter.log == [("refused", FAMILY[route], EMAIL)]


def test_a_success_clears_its_familys_counter_and_a_failure_does_not(settings, idp, monkeypatch):
    counter = FakeCounter()
    broker = AuthService(settings, idp=idp, attempts=counter)
    monkeypatch.setattr(
        idp,
        "respond_to_mfa_challenge",
        lambda *a: {"AuthenticationResult": {"AccessToken": "a", "ExpiresIn": 900}},
        raising=False,
    )
    monkeypatch.setattr(idp, "initiate_email_otp", lambda *a: {"Session": "s"}, raising=False)
    for route, call in CALLS.items():
        counter.log.clear()
        call(broker)
        expected = [("counted", FAMILY[route], EMAIL)]
        if route not in NOT_CLEARED:
            expected.append(("reset", FAMILY[route], EMAIL))
        assert counter.log == expected, route
    # A wrong password is counted and not cleared
    counter.log.clear()
    with pytest.raises(UpstreamError):
        broker.sign_in(SignInRequest(email=EMAIL, password="Wrong-Horse-1"))
    assert counter.log == [("counted", "sign_in", EMAIL)]
