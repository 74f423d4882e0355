"""The broker's copy of the pool's password policy (no account oracle on weak passwords)."""

import pytest

from auth.errors import UpstreamError, answer
from auth.models import ResetPasswordRequest, SignUpRequest
from auth.password_policy import PasswordPolicy
from shared.errors import DomainError

POLICY = PasswordPolicy(8, ("lowercase", "uppercase", "numbers"))


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Correct-Horse-9", True),
        ("Abcdefg1", True),
        ("Abcdef1", False),  # 7 characters
        ("abcdefg1", False),  # no uppercase
        ("ABCDEFG1", False),  # no lowercase
        ("Abcdefgh", False),  # no number
        ("Ábcdéfg1", False),  # Cognito's classes are ASCII: no uppercase A-Z here
    ],
)
def test_the_policy_follows_cognitos_rules(password, ok):
    assert POLICY.allows(password) is ok


def test_symbols_are_cognitos_special_characters():
    policy = PasswordPolicy(6, ("symbols",))
    assert policy.allows("aaaaa!") and policy.allows("aaaaa^") and not policy.allows("aaaaa§")


def test_the_description_is_one_fixed_sentence():
    assert POLICY.describe() == (
        "The password must have at least 8 characters, with a lowercase letter, "
        "an uppercase letter and a number."
    )


def test_a_weak_password_is_refused_before_cognito_for_new_and_existing_emails(service, idp):
    # Given jane@example.com exists (the fake raises UsernameExists) and new@ does not
    answers = set()
    for email in ("jane@example.com", "new@example.com"):
        with pytest.raises(DomainError) as caught:
            service.sign_up(SignUpRequest(email=email, password="weak"))
        answers.add(
            (
                answer(caught.value).status,
                answer(caught.value).error,
                answer(caught.value).description,
            )
        )
    # Then both get the same 400, and Cognito was never asked
    assert len(answers) == 1 and next(iter(answers))[:2] == (400, "invalid_password")
    assert idp.calls == []


def test_reset_password_checks_the_policy_before_the_code(service, idp):
    with pytest.raises(DomainError) as caught:
        service.reset_password(
            ResetPasswordRequest(email="nobody@example.com", code="123456", password="weak")
        )
    assert (answer(caught.value).status, answer(caught.value).error) == (400, "invalid_password")
    assert idp.calls == []
    assert not isinstance(caught.value, UpstreamError)
