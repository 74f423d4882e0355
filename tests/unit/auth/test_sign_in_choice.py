"""Passkey and choice-based sign-in logic (auth.sign_in_choice) against a scripted Cognito:
the decoys that keep the no-oracle rule where Cognito itself would tell, the refusals'
mapping, and what is sent to RespondToAuthChallenge."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from auth.errors import (
    CodeMismatch,
    PasskeysDisabled,
    RefusedAnswer,
    UpstreamError,
    error_mapping,
)
from auth.models import ChallengeAnswer, CodeAnswer, EmailRequest, PasskeyAnswer, SelectAnswer
from auth.service import AuthService
from auth.sign_in_choice import decoy_session, is_decoy, refusal

EMAIL = "jane@example.com"
SESSION = "s" * 128
#: What the local Cognito (py_webauthn's options_to_json) sends for a user with a passkey.
OPTIONS = {
    "challenge": "NX9obnp0xKbU2bBxdBunLAXZa6vu3HZ_jsaTiwZMv6B6GECdkCLUMUL_cKgRvNk4mK2u9wzFVwL7uoWf_BpMRw",
    "timeout": 180000,
    "rpId": "localhost",
    "allowCredentials": [{"id": "q0Xv1mW3RZq0b2Yy8m0iRA", "type": "public-key"}],
    "userVerification": "required",
}
WEB_AUTHN = {
    "ChallengeName": "WEB_AUTHN",
    "Session": SESSION,
    "ChallengeParameters": {"CREDENTIAL_REQUEST_OPTIONS": json.dumps(OPTIONS)},
}
ASSERTION = {
    "id": "q0Xv1mW3RZq0b2Yy8m0iRA",
    "rawId": "q0Xv1mW3RZq0b2Yy8m0iRA",
    "type": "public-key",
    "response": {"clientDataJSON": "eyJ0", "authenticatorData": "SZYN", "signature": "MEUC"},
    "authenticatorAttachment": "platform",
    "clientExtensionResults": {},
}


class ScriptedIdp:
    """Answers each call with the next scripted result (a dict, or an error to raise)."""

    client_secret = "example-client-secret"
    passkey_settings = ("localhost", "required", 180)
    #: the pool's AllowedFirstAuthFactors (SMS_OTP: one the broker does not answer)
    first_auth_factors = frozenset({"WEB_AUTHN", "SMS_OTP", "EMAIL_OTP", "PASSWORD"})

    def __init__(self, *answers: dict[str, Any] | UpstreamError) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def _next(self, name: str, *args: Any) -> dict[str, Any]:
        self.calls.append((name, args))
        answer = self.answers.pop(0)
        if isinstance(answer, UpstreamError):
            raise answer
        return answer

    def initiate_user_auth(self, username: str, preferred: str | None = None) -> dict[str, Any]:
        return self._next("initiate_user_auth", username, preferred)

    def respond_to_auth_challenge(self, *args: Any) -> dict[str, Any]:
        return self._next("respond_to_auth_challenge", *args)


def broker(settings, *answers) -> tuple[AuthService, ScriptedIdp]:
    idp = ScriptedIdp(*answers)
    return AuthService(settings, idp=idp), idp  # type: ignore[arg-type]


def shape(options: dict[str, Any]) -> tuple[Any, ...]:
    """What must not differ between emails: keys, key order, and the credential list's length
    and id lengths (values differ by nature: the challenge, the ids)."""
    return (
        list(options),
        len(options["allowCredentials"]),
        [sorted(c) for c in options["allowCredentials"]],
        [len(c["id"]) for c in options["allowCredentials"]],
        len(options["challenge"]),
        options["rpId"],
        options["timeout"],
        options["userVerification"],
    )


# ---------------------------------------------------------------- passkey sign-in, step one
def test_cognitos_web_authn_challenge_is_passed_on_parsed(settings):
    service, idp = broker(settings, WEB_AUTHN)
    answer = service.passkey_sign_in(EmailRequest(email=EMAIL))
    assert answer.model_dump() == {
        "challenge": "WEB_AUTHN",
        "session": SESSION,
        "credential_request_options": OPTIONS,
    }
    assert idp.calls == [("initiate_user_auth", (EMAIL, "WEB_AUTHN"))]


@pytest.mark.parametrize(
    "cognito_says",
    [
        UpstreamError("InitiateAuth", "UserNotFoundException"),
        UpstreamError("InitiateAuth", "NotAuthorizedException", "User is disabled."),
        UpstreamError("InitiateAuth", "UserNotConfirmedException"),
        {"ChallengeName": "SELECT_CHALLENGE", "Session": SESSION, "AvailableChallenges": []},
        {"ChallengeName": "EMAIL_OTP", "Session": SESSION},
    ],
    ids=["unknown", "disabled", "unconfirmed", "select", "email-otp"],
)
def test_what_an_accounts_state_causes_gets_a_decoy_of_the_same_shape(settings, cognito_says):
    service, _ = broker(settings, WEB_AUTHN, cognito_says, cognito_says)
    real = service.passkey_sign_in(EmailRequest(email="real@example.com")).model_dump()
    decoy = service.passkey_sign_in(EmailRequest(email=EMAIL)).model_dump()
    again = service.passkey_sign_in(EmailRequest(email=EMAIL)).model_dump()
    assert list(decoy) == list(real)
    assert len(decoy["session"]) == len(real["session"])
    assert shape(decoy["credential_request_options"]) == shape(real["credential_request_options"])
    # the credential id is stable per email, the challenge and the session are not
    decoy_options, again_options = (
        decoy["credential_request_options"],
        again["credential_request_options"],
    )
    assert decoy_options["allowCredentials"] == again_options["allowCredentials"]
    assert decoy_options["challenge"] != again_options["challenge"]
    assert decoy["session"] != again["session"]


def test_decoy_credential_ids_differ_per_email(settings):
    hidden = UpstreamError("InitiateAuth", "UserNotFoundException")
    service, _ = broker(settings, hidden, hidden)
    ids = [
        service.passkey_sign_in(EmailRequest(email=e)).credential_request_options[
            "allowCredentials"
        ][0]["id"]
        for e in ("a@example.com", "b@example.com")
    ]
    assert ids[0] != ids[1]


def test_a_pool_without_web_authn_is_passkeys_disabled(settings):
    service, _ = broker(settings, UpstreamError("InitiateAuth", "InvalidParameterException"))
    with pytest.raises(PasskeysDisabled) as refused:
        service.passkey_sign_in(EmailRequest(email=EMAIL))
    assert error_mapping(refused.value).status == 403
    assert error_mapping(refused.value).error == "passkeys_disabled"


def test_a_throttled_cognito_is_not_hidden(settings):
    service, _ = broker(settings, UpstreamError("InitiateAuth", "TooManyRequestsException"))
    with pytest.raises(UpstreamError):
        service.passkey_sign_in(EmailRequest(email=EMAIL))


# ---------------------------------------------------------------- choice, step one
def select(available: list[str]) -> dict[str, Any]:
    return {
        "ChallengeName": "SELECT_CHALLENGE",
        "Session": SESSION,
        "AvailableChallenges": available,
    }


@pytest.mark.parametrize(
    "available",
    [
        ["WEB_AUTHN", "SMS_OTP", "PASSWORD_SRP", "EMAIL_OTP", "PASSWORD"],  # a passkey
        ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"],  # no passkey
        ["PASSWORD", "PASSWORD_SRP"],  # TOTP MFA: no passwordless factor
        [],
    ],
    ids=["passkey", "password-only", "totp", "none"],
)
def test_the_offer_is_the_deployments_whatever_cognito_offers_the_user(settings, available):
    service, idp = broker(settings, select(available))
    answer = service.select_sign_in(EmailRequest(email=EMAIL))
    assert answer.available_challenges == ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]
    assert answer.session == SESSION
    assert idp.calls == [("initiate_user_auth", (EMAIL, None))]


def test_a_deployment_without_emailed_codes_offers_password_and_passkey(settings):
    service, idp = broker(settings, select(["PASSWORD"]))
    idp.first_auth_factors = frozenset({"PASSWORD", "WEB_AUTHN"})
    answer = service.select_sign_in(EmailRequest(email=EMAIL))
    assert answer.available_challenges == ["PASSWORD", "WEB_AUTHN"]


def test_a_hidden_error_on_select_gets_a_decoy_session_and_the_same_offer(settings):
    service, _ = broker(settings, UpstreamError("InitiateAuth", "UserNotFoundException"))
    answer = service.select_sign_in(EmailRequest(email=EMAIL))
    assert answer.challenge == "SELECT_CHALLENGE"
    assert answer.available_challenges == ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]
    assert len(answer.session) == 128 and is_decoy(service._decoy_key, answer.session)


# ---------------------------------------------------------------- the answers
def test_a_passkey_answer_sends_the_credential_as_a_json_string(settings):
    tokens = {"AuthenticationResult": {"AccessToken": "a", "ExpiresIn": 900}}
    service, idp = broker(settings, tokens)
    request = PasskeyAnswer(
        email=EMAIL, challenge="WEB_AUTHN", session=SESSION, credential=ASSERTION
    )
    assert service.answer_challenge(request).access_token == "a"
    [(name, (email, challenge, session, responses))] = idp.calls
    assert (name, email, challenge, session) == (
        "respond_to_auth_challenge", EMAIL, "WEB_AUTHN", SESSION
    )  # fmt: skip
    assert json.loads(responses["CREDENTIAL"]) == ASSERTION


def test_a_password_choice_sends_answer_and_password_and_passes_on_the_mfa_step(settings):
    mfa = {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": SESSION, "ChallengeParameters": {}}
    service, idp = broker(settings, mfa)
    request = SelectAnswer(
        email=EMAIL, challenge="SELECT_CHALLENGE", session=SESSION, answer="PASSWORD",
        password="Correct-Horse-9",
    )  # fmt: skip
    answer = service.answer_challenge(request)
    assert answer.model_dump() == {"challenge": "SOFTWARE_TOKEN_MFA", "session": SESSION}
    assert idp.calls[0][1][3] == {"ANSWER": "PASSWORD", "PASSWORD": "Correct-Horse-9"}


def test_a_web_authn_choice_answers_the_passkey_options(settings):
    service, _ = broker(settings, WEB_AUTHN)
    request = SelectAnswer(
        email=EMAIL, challenge="SELECT_CHALLENGE", session=SESSION, answer="WEB_AUTHN"
    )
    assert service.answer_challenge(request).credential_request_options == OPTIONS


@pytest.mark.parametrize(
    ("message", "status", "error"),
    [
        ("Incorrect username or password.", 401, "invalid_credentials"),
        ("Invalid session for the user, session is expired.", 401, "invalid_session"),
        ("Password attempts exceeded", 429, "too_many_requests"),
    ],
)
def test_cognitos_refusals_are_told_apart_by_their_message(settings, message, status, error):
    refused = UpstreamError("RespondToAuthChallenge", "NotAuthorizedException", message)
    service, _ = broker(settings, refused)
    request = PasskeyAnswer(
        email=EMAIL, challenge="WEB_AUTHN", session=SESSION, credential=ASSERTION
    )
    with pytest.raises((UpstreamError, RefusedAnswer)) as raised:
        service.answer_challenge(request)
    mapping = error_mapping(raised.value)
    assert (mapping.status, mapping.error) == (status, error)


def test_refusal_leaves_other_errors_alone():
    mismatch = UpstreamError("RespondToAuthChallenge", "CodeMismatchException")
    assert refusal(mismatch, "x") is mismatch


def test_a_decoy_session_is_refused_as_a_wrong_answer_without_calling_cognito(settings):
    hidden = UpstreamError("InitiateAuth", "UserNotFoundException")
    service, idp = broker(settings, hidden, hidden)
    session = service.passkey_sign_in(EmailRequest(email=EMAIL)).session
    request = PasskeyAnswer(
        email=EMAIL, challenge="WEB_AUTHN", session=session, credential=ASSERTION
    )
    with pytest.raises(RefusedAnswer):
        service.answer_challenge(request)
    offer = service.select_sign_in(EmailRequest(email=EMAIL)).session
    choice = {"email": EMAIL, "challenge": "SELECT_CHALLENGE", "session": offer}
    with pytest.raises(RefusedAnswer):
        service.answer_challenge(
            SelectAnswer.model_validate(choice | {"answer": "PASSWORD", "password": "Wrong-1"})
        )
    passkey = service.answer_challenge(
        SelectAnswer.model_validate(choice | {"answer": "WEB_AUTHN"})
    )
    assert passkey.challenge == "WEB_AUTHN" and is_decoy(service._decoy_key, passkey.session)
    code = service.answer_challenge(SelectAnswer.model_validate(choice | {"answer": "EMAIL_OTP"}))
    assert code.challenge == "EMAIL_OTP"
    with pytest.raises(CodeMismatch):  # as a wrong code, not as a bad session
        service.answer_challenge(
            CodeAnswer(email=EMAIL, challenge="EMAIL_OTP", session=code.session, answer="12345678")
        )
    assert [name for name, _ in idp.calls] == ["initiate_user_auth", "initiate_user_auth"]


# ---------------------------------------------------------------- a choice not offered
UNOFFERED = UpstreamError(
    "RespondToAuthChallenge", "InvalidParameterException", "WEB_AUTHN is not an available challenge"
)


def choice(answer: str, **extra: str) -> SelectAnswer:
    body = {"email": EMAIL, "challenge": "SELECT_CHALLENGE", "session": SESSION, "answer": answer}
    return SelectAnswer.model_validate(body | extra)


def test_an_unoffered_passkey_choice_gets_what_the_passkey_route_answers(settings):
    # Cognito simulates a WEB_AUTHN challenge for this email: the choice passes it on, so
    # its credential id is the one POST /auth/sign-in/passkey names for the email
    simulated = {**WEB_AUTHN, "Session": "t" * 128}
    service, idp = broker(settings, UNOFFERED, simulated)
    step = service.answer_challenge(choice("WEB_AUTHN")).model_dump()
    assert step == {
        "challenge": "WEB_AUTHN",
        "session": "t" * 128,
        "credential_request_options": OPTIONS,
    }
    assert [name for name, _ in idp.calls] == ["respond_to_auth_challenge", "initiate_user_auth"]
    assert idp.calls[1][1] == (EMAIL, "WEB_AUTHN")


def test_an_unoffered_passkey_choice_gets_the_passkey_routes_decoy(settings):
    hidden = UpstreamError("InitiateAuth", "UserNotFoundException")
    service, idp = broker(settings, WEB_AUTHN, UNOFFERED, hidden, hidden)
    real = service.answer_challenge(choice("WEB_AUTHN")).model_dump()
    decoy = service.answer_challenge(choice("WEB_AUTHN")).model_dump()
    route = service.passkey_sign_in(EmailRequest(email=EMAIL)).model_dump()
    assert list(decoy) == list(real) and len(decoy["session"]) == len(real["session"])
    assert shape(decoy["credential_request_options"]) == shape(real["credential_request_options"])
    # the same credential id as POST /auth/sign-in/passkey's decoy for that email
    assert (
        decoy["credential_request_options"]["allowCredentials"]
        == route["credential_request_options"]["allowCredentials"]
    )
    assert is_decoy(service._decoy_key, decoy["session"])
    with pytest.raises(RefusedAnswer):  # any assertion is a refused passkey
        service.answer_challenge(
            PasskeyAnswer(
                email=EMAIL, challenge="WEB_AUTHN", session=decoy["session"], credential=ASSERTION
            )
        )
    assert len(idp.calls) == 4  # the decoy's answer never reaches Cognito


def test_an_unoffered_passkey_choice_in_a_pool_without_passkeys_gets_a_decoy(settings):
    disabled = UpstreamError("InitiateAuth", "InvalidParameterException")
    service, _ = broker(settings, UNOFFERED, disabled)
    step = service.answer_challenge(choice("WEB_AUTHN"))
    assert step.challenge == "WEB_AUTHN" and is_decoy(service._decoy_key, step.session)


def test_an_unoffered_emailed_code_choice_gets_a_code_challenge_no_code_passes(settings):
    sent = {"ChallengeName": "EMAIL_OTP", "Session": SESSION, "ChallengeParameters": {}}
    service, idp = broker(settings, sent, UNOFFERED)
    real = service.answer_challenge(choice("EMAIL_OTP")).model_dump()
    decoy = service.answer_challenge(choice("EMAIL_OTP")).model_dump()
    assert real == {"challenge": "EMAIL_OTP", "session": SESSION}
    assert list(decoy) == list(real) and decoy["challenge"] == "EMAIL_OTP"
    assert len(decoy["session"]) == 128
    answer = CodeAnswer(
        email=EMAIL, challenge="EMAIL_OTP", session=decoy["session"], answer="1" * 8
    )
    with pytest.raises(CodeMismatch) as refused:
        service.answer_challenge(answer)
    assert error_mapping(refused.value).error == "code_mismatch"
    assert len(idp.calls) == 2


def test_an_invalid_password_choice_is_not_hidden(settings):
    # PASSWORD is offered to everyone: Cognito refusing it is a request to look at
    refused = UpstreamError("RespondToAuthChallenge", "InvalidParameterException", "Missing")
    service, _ = broker(settings, refused)
    with pytest.raises(UpstreamError) as raised:
        service.answer_challenge(choice("PASSWORD", password="Correct-Horse-9"))
    assert raised.value is refused


def test_decoy_sessions_are_known_only_under_their_key():
    session = decoy_session(b"k" * 32)
    assert is_decoy(b"k" * 32, session)
    assert not is_decoy(b"j" * 32, session)
    assert not is_decoy(b"k" * 32, SESSION)
    assert not is_decoy(b"k" * 32, "not base64 !")


# ---------------------------------------------------------------- the body shapes
@pytest.mark.parametrize(
    "body",
    [
        {"answer": "PASSWORD"},
        {"answer": "WEB_AUTHN", "password": "Correct-Horse-9"},
        {"answer": "SMS_OTP"},
    ],
)
def test_a_select_answer_needs_the_password_exactly_with_password(body):
    with pytest.raises(ValidationError):
        ChallengeAnswer.model_validate(
            {"email": EMAIL, "challenge": "SELECT_CHALLENGE", "session": SESSION} | body
        )


def test_the_challenge_field_picks_the_body_shape():
    base = {"email": EMAIL, "session": SESSION}
    code = ChallengeAnswer.model_validate(base | {"challenge": "EMAIL_OTP", "answer": "12345678"})
    passkey = ChallengeAnswer.model_validate(
        base | {"challenge": "WEB_AUTHN", "credential": ASSERTION}
    )
    assert type(code.root).__name__ == "CodeAnswer"
    assert type(passkey.root).__name__ == "PasskeyAnswer"
    with pytest.raises(ValidationError):  # a code where a credential belongs
        ChallengeAnswer.model_validate(base | {"challenge": "WEB_AUTHN", "answer": "123456"})
