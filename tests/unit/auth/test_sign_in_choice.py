"""Passkey and choice-based sign-in logic (auth.sign_in_choice) against a scripted Cognito:
the decoys that keep the no-oracle rule where Cognito itself would tell, the broker's own
choice sessions, the same Cognito calls for every account state, the refusals' mapping,
and what is sent to RespondToAuthChallenge."""

from __future__ import annotations

import base64
import json
import time
from contextlib import contextmanager
from typing import Any

import pytest
from pydantic import ValidationError

from auth.errors import (
    ChallengeRequired,
    CodeMismatch,
    InvalidSession,
    PasskeysDisabled,
    RefusedAnswer,
    UpstreamError,
    error_mapping,
)
from auth.models import ChallengeAnswer, CodeAnswer, EmailRequest, PasskeyAnswer, SelectAnswer
from auth.service import AuthService
from auth.sign_in_choice import (
    decoy_expiry,
    decoy_session,
    refusal,
    select_session,
    select_session_valid,
    tagged_session_expiry,
)

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
    auth_session_seconds = 180

    def __init__(self, *answers: dict[str, Any] | UpstreamError) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def _next(self, name: str, *args: Any) -> dict[str, Any]:
        self.calls.append((name, args))
        answer = self.answers.pop(0)
        if isinstance(answer, UpstreamError):
            raise answer
        return answer

    def initiate_user_auth(self, username: str, preferred: str) -> dict[str, Any]:
        return self._next("initiate_user_auth", username, preferred)

    def initiate_password_auth(self, username: str, password: str) -> dict[str, Any]:
        return self._next("initiate_password_auth", username)

    def initiate_email_otp(self, username: str) -> dict[str, Any]:
        return self._next("initiate_email_otp", username)

    def respond_to_auth_challenge(self, *args: Any) -> dict[str, Any]:
        return self._next("respond_to_auth_challenge", *args)


#: The pool as the template's environment gives it (AllowedFirstAuthFactors with SMS_OTP,
#: one the broker does not answer; the passkey relying party).
POOL = {
    "first_auth_factors": frozenset({"WEB_AUTHN", "SMS_OTP", "EMAIL_OTP", "PASSWORD"}),
    "webauthn_relying_party_id": "localhost",
    "webauthn_user_verification": "required",
}


def broker(settings, *answers, **pool: Any) -> tuple[AuthService, ScriptedIdp]:
    idp = ScriptedIdp(*answers)
    configured = settings.model_copy(update=POOL | pool)
    return AuthService(configured, idp=idp), idp  # type: ignore[arg-type]


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
def test_the_offer_is_the_deployments_with_a_broker_session_and_no_cognito_call(settings):
    service, idp = broker(settings)
    before = int(time.time())
    answer = service.select_sign_in(EmailRequest(email=EMAIL))
    assert answer.challenge == "SELECT_CHALLENGE"
    assert answer.available_challenges == ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]
    assert idp.calls == []
    assert len(answer.session) == 128  # within Cognito's Session bounds (20 to 2048)
    expires_at = tagged_session_expiry(service._select_key, answer.session, EMAIL)
    assert expires_at is not None and before + 180 <= expires_at <= int(time.time()) + 180


def test_a_deployment_without_emailed_codes_offers_password_and_passkey(settings):
    service, _ = broker(settings, first_auth_factors=frozenset({"PASSWORD", "WEB_AUTHN"}))
    answer = service.select_sign_in(EmailRequest(email=EMAIL))
    assert answer.available_challenges == ["PASSWORD", "WEB_AUTHN"]


def test_a_choice_session_is_good_for_its_email_until_it_expires():
    key, now = b"k" * 32, 1_000_000.0
    session = select_session(key, EMAIL, 1_000_180)
    assert select_session_valid(key, session, EMAIL, now)
    assert not select_session_valid(key, session, EMAIL, 1_000_180)  # expired
    assert not select_session_valid(key, session, "john@example.com", now)  # another email
    assert not select_session_valid(b"j" * 32, session, EMAIL, now)  # another key
    assert not select_session_valid(key, decoy_session(key, "WEB_AUTHN", 1_000_180), EMAIL, now)
    assert not select_session_valid(key, SESSION, EMAIL, now)  # Cognito's or made up
    forged = session[:-2] + ("AA" if session[-2:] != "AA" else "BB")
    assert not select_session_valid(key, forged, EMAIL, now)


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
    assert refusal(mismatch) is mismatch


def test_a_decoy_session_is_refused_as_a_wrong_answer_without_calling_cognito(settings):
    hidden = UpstreamError("InitiateAuth", "UserNotFoundException")
    service, idp = broker(settings, hidden)
    session = service.passkey_sign_in(EmailRequest(email=EMAIL)).session
    request = PasskeyAnswer(
        email=EMAIL, challenge="WEB_AUTHN", session=session, credential=ASSERTION
    )
    with pytest.raises(RefusedAnswer):
        service.answer_challenge(request)
    assert [name for name, _ in idp.calls] == ["initiate_user_auth"]


# ---------------------------------------------------------------- the choice's answer
TOKENS = {"AuthenticationResult": {"AccessToken": "a", "ExpiresIn": 900}}
MFA = {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": SESSION, "ChallengeParameters": {}}
CODE_SENT = {"ChallengeName": "EMAIL_OTP", "Session": SESSION, "ChallengeParameters": {}}
WRONG_PASSWORD = UpstreamError("InitiateAuth", "NotAuthorizedException", "Incorrect username")
HIDDEN = UpstreamError("InitiateAuth", "UserNotFoundException")
#: What Cognito answers each start, by account state (the local Cognito's answers; with
#: PreventUserExistenceErrors on, as the template sets it, simulated challenges for unknown
#: users; the last state is a pool with it off). The users' password is right here.
STATES: dict[str, dict[str, dict[str, Any] | UpstreamError]] = {
    "passkey user": {"PASSWORD": TOKENS, "EMAIL_OTP": CODE_SENT, "WEB_AUTHN": WEB_AUTHN},
    "no-passkey user": {"PASSWORD": TOKENS, "EMAIL_OTP": CODE_SENT, "WEB_AUTHN": WEB_AUTHN},
    "totp user": {"PASSWORD": MFA, "EMAIL_OTP": CODE_SENT, "WEB_AUTHN": WEB_AUTHN},
    "unknown": {"PASSWORD": WRONG_PASSWORD, "EMAIL_OTP": CODE_SENT, "WEB_AUTHN": WEB_AUTHN},
    "unknown, existence errors on": dict.fromkeys(("PASSWORD", "EMAIL_OTP", "WEB_AUTHN"), HIDDEN),
}
#: Cognito's own SELECT_CHALLENGE offer by state ("MFA prerequisites": none passwordless
#: with TOTP; WEB_AUTHN only with a passkey; a draw for unknown users).
OFFERED = {
    "passkey user": ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"],
    "no-passkey user": ["PASSWORD", "EMAIL_OTP"],
    "totp user": ["PASSWORD"],
    "unknown": ["PASSWORD", "EMAIL_OTP"],
    "unknown, existence errors on": [],
}


class StateCognito(ScriptedIdp):
    """Cognito for one account state: every call it could get is answered from
    :data:`STATES` and :data:`OFFERED` (so any path the broker takes runs) and recorded."""

    def __init__(self, state: str) -> None:
        super().__init__()
        self.state = state

    def _start(self, name: str, factor: str, *args: Any) -> dict[str, Any]:
        self.answers = [STATES[self.state][factor]]
        return self._next(name, *args)

    def initiate_user_auth(self, username: str, preferred: str | None = None) -> dict[str, Any]:
        if preferred is not None:
            return self._start("initiate_user_auth", preferred, username, preferred)
        self.answers = [select(OFFERED[self.state])] if OFFERED[self.state] else [HIDDEN]
        return self._next("initiate_user_auth", username, None)

    def initiate_password_auth(self, username: str, password: str) -> dict[str, Any]:
        return self._start("initiate_password_auth", "PASSWORD", username)

    def initiate_email_otp(self, username: str) -> dict[str, Any]:
        return self._start("initiate_email_otp", "EMAIL_OTP", username)

    def respond_to_auth_challenge(self, *args: Any) -> dict[str, Any]:
        answer = args[3].get("ANSWER")  # SELECT_CHALLENGE
        if answer is None or answer in OFFERED[self.state]:
            return self._start("respond_to_auth_challenge", answer or "WEB_AUTHN", *args)
        self.answers = [UpstreamError("RespondToAuthChallenge", "InvalidParameterException")]
        return self._next("respond_to_auth_challenge", *args)


def select(available: list[str]) -> dict[str, Any]:
    return {
        "ChallengeName": "SELECT_CHALLENGE",
        "Session": SESSION,
        "AvailableChallenges": available,
    }


def choice(service: AuthService, answer: str, email: str = EMAIL, **extra: str) -> SelectAnswer:
    """The answer ``answer`` to a fresh offer for ``email``."""
    session = service.select_sign_in(EmailRequest(email=email)).session
    body = {"email": email, "challenge": "SELECT_CHALLENGE", "session": session, "answer": answer}
    return SelectAnswer.model_validate(body | extra)


def chosen(service: AuthService, answer: str) -> Any:
    extra = {"password": "Correct-Horse-9"} if answer == "PASSWORD" else {}
    try:
        return service.answer_challenge(choice(service, answer, **extra))
    except (UpstreamError, RefusedAnswer) as exc:
        return exc


@pytest.mark.parametrize("answer", ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"])
def test_every_account_state_costs_the_same_cognito_calls_per_choice(settings, answer):
    # the timing class as a count: the offer and the choice make the same calls, in the
    # same order, whatever the state (Cognito modelled per state, whatever path is taken)
    calls = {}
    for state in STATES:
        idp = StateCognito(state)
        service = AuthService(settings.model_copy(update=POOL), idp=idp)  # type: ignore[arg-type]
        chosen(service, answer)
        calls[state] = [name for name, _ in idp.calls]
    expected = {
        "PASSWORD": ["initiate_password_auth"],
        "EMAIL_OTP": ["initiate_email_otp"],
        "WEB_AUTHN": ["initiate_user_auth"],
    }[answer]
    assert calls == dict.fromkeys(STATES, expected)


def test_a_choice_starts_the_chosen_factor_as_its_route_does(settings):
    service, idp = broker(settings, MFA, CODE_SENT, WEB_AUTHN, TOKENS)
    totp = service.answer_challenge(choice(service, "PASSWORD", password="Correct-Horse-9"))
    assert totp.model_dump() == {"challenge": "SOFTWARE_TOKEN_MFA", "session": SESSION}
    code = service.answer_challenge(choice(service, "EMAIL_OTP"))
    assert code.model_dump() == {"challenge": "EMAIL_OTP", "session": SESSION}
    passkey = service.answer_challenge(choice(service, "WEB_AUTHN"))
    assert passkey.credential_request_options == OPTIONS
    tokens = service.answer_challenge(choice(service, "PASSWORD", password="Correct-Horse-9"))
    assert tokens.access_token == "a"
    assert idp.calls == [
        ("initiate_password_auth", (EMAIL,)),
        ("initiate_email_otp", (EMAIL,)),
        ("initiate_user_auth", (EMAIL, "WEB_AUTHN")),
        ("initiate_password_auth", (EMAIL,)),
    ]


def test_a_wrong_password_choice_is_invalid_credentials(settings):
    service, _ = broker(settings, WRONG_PASSWORD)
    mapping = error_mapping(chosen(service, "PASSWORD"))
    assert (mapping.status, mapping.error) == (401, "invalid_credentials")


def session_for(service: AuthService, kind: str) -> str:
    """A session that is not the choice's for EMAIL now."""
    key, now = service._select_key, int(time.time())
    return {
        "forged": select_session(b"x" * 32, EMAIL, now + 180),
        "expired": select_session(key, EMAIL, now - 1),
        "other email": service.select_sign_in(EmailRequest(email="john@example.com")).session,
        "cognito's": SESSION,
        "passkey decoy": service.new_decoy_session("WEB_AUTHN"),
    }[kind]


def select_answer(answer: str, session: str) -> SelectAnswer:
    body = {"email": EMAIL, "challenge": "SELECT_CHALLENGE", "session": session, "answer": answer}
    return SelectAnswer.model_validate(
        body | ({"password": "Correct-Horse-9"} if answer == "PASSWORD" else {})
    )


@pytest.mark.parametrize("kind", ["forged", "expired", "other email", "cognito's", "passkey decoy"])
@pytest.mark.parametrize("answer", ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"])
def test_a_session_not_issued_for_this_email_is_invalid_session(settings, kind, answer):
    service, idp = broker(settings)
    with pytest.raises(InvalidSession) as refused:
        service.answer_challenge(select_answer(answer, session_for(service, kind)))
    mapping = error_mapping(refused.value)
    assert (mapping.status, mapping.error) == (401, "invalid_session")
    assert idp.calls == []


class CountingService(AuthService):
    """Records each attempt counted, by family and email."""

    counted: list[tuple[str, str]]

    def attempt(self, family, email):
        self.counted.append((family, email))
        return super().attempt(family, email)


@pytest.mark.parametrize(
    ("answer", "cognito_says", "counted"),
    [("PASSWORD", TOKENS, 1), ("EMAIL_OTP", CODE_SENT, 1), ("WEB_AUTHN", WEB_AUTHN, 0)],
)
def test_a_choice_counts_attempts_as_its_route_does(settings, answer, cognito_says, counted):
    # as POST /auth/sign-in, /sign-in/email-code and /sign-in/passkey count, once at most
    service = CountingService(settings.model_copy(update=POOL), idp=ScriptedIdp(cognito_says))  # type: ignore[arg-type]
    service.counted = []
    chosen(service, answer)
    assert len(service.counted) == counted
    service.counted = []
    with pytest.raises(InvalidSession):
        service.answer_challenge(select_answer(answer, SESSION))
    assert service.counted == [("sign_in", EMAIL)]


def test_decoy_sessions_are_known_only_under_their_key_and_for_their_challenge():
    key, expires_at = b"k" * 32, 1_000_180
    session = decoy_session(key, "WEB_AUTHN", expires_at)
    assert decoy_expiry(key, session, "WEB_AUTHN") == expires_at
    assert decoy_expiry(key, session, "EMAIL_OTP") is None  # not replayed on the code path
    assert decoy_expiry(b"j" * 32, session, "WEB_AUTHN") is None
    assert decoy_expiry(key, SESSION, "WEB_AUTHN") is None
    assert decoy_expiry(key, "not base64 !", "WEB_AUTHN") is None
    assert len(session) == len(SESSION)


def test_a_decoys_expiry_is_not_readable_in_it():
    # a plain big-endian epoch would start every decoy with the same bytes, unlike
    # Cognito's random-looking sessions
    key = b"k" * 32
    heads = {
        base64.urlsafe_b64decode(decoy_session(key, "WEB_AUTHN", 1_000_180) + "==")[:8]
        for _ in range(8)
    }
    assert len(heads) == 8
    assert (1_000_180).to_bytes(8, "big") not in heads


# ---------------------------------------------------------------- decoys answered as real sessions
class Clock:
    """The module's ``time`` with a hand-moved ``time()`` (epoch seconds)."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


class SpendRecords:
    """The attempt counter's decoy spend records in memory (auth.attempts.AttemptCounter
    .spend on DynamoDB in the handler tests); every attempt counted, none refused."""

    def __init__(self) -> None:
        self.answers: dict[str, int] = {}
        self.counted = 0

    @contextmanager
    def attempt(self, family: str, email: str):
        self.counted += 1
        yield

    def reset(self, family: str, email: str) -> None:
        pass

    def spend(self, session: str, expires_at: int) -> bool:
        self.answers[session] = self.answers.get(session, 0) + 1
        return self.answers[session] == 1


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("auth.sign_in_choice.time", fake)
    return fake


UNCONFIRMED = UpstreamError("InitiateAuth", "UserNotConfirmedException", "User is not confirmed.")


def decoy_broker(
    settings, records: SpendRecords | None, *answers
) -> tuple[AuthService, ScriptedIdp]:
    idp = ScriptedIdp(*answers)
    return AuthService(settings.model_copy(update=POOL), idp=idp, attempts=records), idp  # type: ignore[arg-type]


def outcome(service: AuthService, request: CodeAnswer | PasskeyAnswer) -> str:
    """The error body's ``error`` the answer gets."""
    with pytest.raises((RefusedAnswer, InvalidSession, CodeMismatch)) as raised:
        service.answer_challenge(request)
    return error_mapping(raised.value).error


def passkey_decoy(service: AuthService) -> PasskeyAnswer:
    session = service.passkey_sign_in(EmailRequest(email=EMAIL)).session
    return PasskeyAnswer(email=EMAIL, challenge="WEB_AUTHN", session=session, credential=ASSERTION)


def code_decoy(service: AuthService) -> CodeAnswer:
    session = service.email_code_sign_in(EmailRequest(email=EMAIL)).session
    return CodeAnswer(email=EMAIL, challenge="EMAIL_OTP", session=session, answer="12345678")


def test_a_passkey_decoy_is_not_a_code_decoy(settings, clock):
    # a passkey decoy sent as an emailed code's session is not the broker's: Cognito's
    service, idp = decoy_broker(settings, SpendRecords(), HIDDEN)
    session = passkey_decoy(service).session
    calls = []
    idp.respond_to_mfa_challenge = lambda *args: calls.append(args) or {}  # type: ignore[attr-defined]
    request = CodeAnswer(email=EMAIL, challenge="EMAIL_OTP", session=session, answer="12345678")
    with pytest.raises(ChallengeRequired):  # the scripted Cognito answered {}
        service.answer_challenge(request)
    assert len(calls) == 1


def test_a_passkey_decoy_is_spent_by_its_first_answer(settings, clock):
    # as a real WEB_AUTHN session: any answer spends it
    records = SpendRecords()
    service, idp = decoy_broker(settings, records, HIDDEN)
    request = passkey_decoy(service)
    assert outcome(service, request) == "invalid_credentials"
    assert outcome(service, request) == "invalid_session"
    assert outcome(service, request) == "invalid_session"
    assert [name for name, _ in idp.calls] == ["initiate_user_auth"]
    assert records.counted == 3  # every answer counted


def test_a_passkey_decoy_expires_after_the_clients_session_validity(settings, clock):
    service, idp = decoy_broker(settings, SpendRecords(), HIDDEN)
    request = passkey_decoy(service)
    clock.now += ScriptedIdp.auth_session_seconds
    assert outcome(service, request) == "invalid_session"
    assert [name for name, _ in idp.calls] == ["initiate_user_auth"]


def test_without_an_attempts_table_a_live_passkey_decoy_is_not_single_use(settings, clock):
    service, _ = decoy_broker(settings, None, HIDDEN)
    request = passkey_decoy(service)
    assert outcome(service, request) == "invalid_credentials"
    assert outcome(service, request) == "invalid_credentials"
    clock.now += ScriptedIdp.auth_session_seconds
    assert outcome(service, request) == "invalid_session"


def test_a_code_decoy_is_a_wrong_code_while_live(settings, clock):
    # the email-code route's answer to an error an account's state causes: as Cognito's
    # wrong code, each answer counted, no Cognito call, no spend record
    records = SpendRecords()
    service, idp = decoy_broker(settings, records, UNCONFIRMED)
    request = code_decoy(service)
    for _ in range(3):
        assert outcome(service, request) == "code_mismatch"
    assert [name for name, _ in idp.calls] == ["initiate_email_otp"]
    assert records.counted == 1 + 3  # the start and each answer
    assert records.answers == {}


def test_a_code_decoy_expires_after_the_clients_session_validity(settings, clock):
    service, _ = decoy_broker(settings, SpendRecords(), UNCONFIRMED)
    request = code_decoy(service)
    clock.now += ScriptedIdp.auth_session_seconds - 1
    assert outcome(service, request) == "code_mismatch"
    clock.now += 1
    assert outcome(service, request) == "invalid_session"


def test_a_code_decoys_wrong_code_is_cognitos_wrong_code_body():
    cognito = UpstreamError("RespondToAuthChallenge", "CodeMismatchException", "Invalid code")
    assert error_mapping(CodeMismatch()) == error_mapping(cognito)


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
