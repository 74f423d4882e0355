"""Passkey sign-in and choice-based sign-in on their events/*.json files: the template's
pool in moto with the local stack's Cognito installed (USER_AUTH, WEB_AUTHN verified by
py_webauthn), passkeys registered at the emulator with boto3 and the software
authenticator of tests/support/passkey.py.

Routes: ``passkey_sign_in`` (POST /auth/sign-in/passkey), ``select_challenge``
(POST /auth/sign-in/select) and ``challenge`` (POST /auth/challenge) with ``credential``
and ``SELECT_CHALLENGE`` bodies.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import boto3
import pytest

from local_stack.cognito.inbox import Inbox
from local_stack.cognito.state import pool_state
from tests.handlers.auth.auth_events import body_of, load_event, with_body
from tests.handlers.auth.conftest import user_pool
from tests.handlers.auth.test_account_handlers_moto import (
    EMAIL,
    PASSWORD,
    _totp,
    code,
    invoke,
    signed_in,
    success,
)
from tests.support.passkey import SoftwarePasskey
from tests.support.routes import by_event

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")


def register(moto_pool: Any, access: str) -> SoftwarePasskey:
    """A passkey registered for the access token's user, straight at the emulator."""
    passkey = SoftwarePasskey()
    started = moto_pool.client.start_web_authn_registration(AccessToken=access)
    credential = passkey.create(started["CredentialCreationOptions"])
    moto_pool.client.complete_web_authn_registration(AccessToken=access, Credential=credential)
    return passkey


def start(event_name: str, email: str, context: Any) -> dict[str, Any]:
    response = invoke(event_name, with_body(load_event(event_name), {"email": email}), context)
    assert response["statusCode"] == 200, response["body"]
    return body_of(response)


def answer(body: dict[str, Any], context: Any) -> dict[str, Any]:
    return invoke("challenge", with_body(load_event("challenge"), body), context)


def passkey_answer(email: str, started: dict[str, Any], passkey: SoftwarePasskey, **kw: Any):
    credential = json.loads(passkey.get(started["credential_request_options"], **kw))
    return {
        "email": email,
        "challenge": "WEB_AUTHN",
        "session": started["session"],
        "credential": credential,
    }


def shape(body: dict[str, Any]) -> tuple[Any, ...]:
    """The parts of an answer that must not depend on the account: the keys, the session's
    length, and for passkeys the options' keys, the allowed credentials' count and id
    lengths."""
    options = body.get("credential_request_options")
    return (
        sorted(body),
        len(body["session"]),
        body["challenge"],
        None if options is None else sorted(options),
        None if options is None else [len(c["id"]) for c in options["allowCredentials"]],
        None if options is None else (options["rpId"], options["userVerification"]),
    )


@pytest.fixture
def alice(moto_pool, inbox: Inbox, lambda_context) -> SoftwarePasskey:
    """The events' user, with a passkey."""
    return register(moto_pool, signed_in(inbox, lambda_context))


def test_the_passkey_event_gets_options_and_the_assertion_gets_tokens(alice, lambda_context):
    # Given the events' user with a passkey: the route's own event
    response = invoke("passkey_sign_in", load_event("passkey_sign_in"), lambda_context)
    assert response["statusCode"] == success(by_event("passkey_sign_in")), response["body"]
    started = body_of(response)
    options = started["credential_request_options"]
    assert started["challenge"] == "WEB_AUTHN"
    assert options["rpId"] == "localhost" and options["userVerification"] == "required"
    assert [c["id"] for c in options["allowCredentials"]] == [alice.id]
    # When the authenticator's assertion is the answer
    signed = answer(passkey_answer(EMAIL, started, alice), lambda_context)
    # Then tokens
    assert signed["statusCode"] == success(by_event("challenge")), signed["body"]
    assert body_of(signed)["token_type"] == "Bearer"


def test_a_tampered_signature_is_invalid_credentials_and_the_session_is_spent(
    alice, lambda_context
):
    started = start("passkey_sign_in", EMAIL, lambda_context)
    body = passkey_answer(EMAIL, started, alice)
    signature = body["credential"]["response"]["signature"]
    body["credential"]["response"]["signature"] = signature[:-4] + (
        "AAAA" if signature[-4:] != "AAAA" else "BBBB"
    )
    refused = answer(body, lambda_context)
    assert refused["statusCode"] == 401 and body_of(refused)["error"] == "invalid_credentials"
    again = answer(passkey_answer(EMAIL, started, alice), lambda_context)
    assert again["statusCode"] == 401 and body_of(again)["error"] == "invalid_session"


def pool_offer(moto_pool: Any) -> list[str]:
    """What /auth/sign-in/select offers every email: the pool's AllowedFirstAuthFactors
    the broker answers, in its order (the template's pool without SES: no EMAIL_OTP)."""
    pool = moto_pool.client.describe_user_pool(UserPoolId=moto_pool.user_pool_id)["UserPool"]
    allowed = pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"]
    return [f for f in ("PASSWORD", "EMAIL_OTP", "WEB_AUTHN") if f in allowed]


def test_the_select_event_offers_the_factors_and_password_gets_tokens(
    alice, moto_pool, lambda_context
):
    response = invoke("select_challenge", load_event("select_challenge"), lambda_context)
    assert response["statusCode"] == success(by_event("select_challenge")), response["body"]
    offer = body_of(response)
    assert offer["challenge"] == "SELECT_CHALLENGE"
    assert offer["available_challenges"] == pool_offer(moto_pool) == ["PASSWORD", "WEB_AUTHN"]
    chosen = {"email": EMAIL, "challenge": "SELECT_CHALLENGE", "session": offer["session"]}
    signed = answer(chosen | {"answer": "PASSWORD", "password": PASSWORD}, lambda_context)
    assert signed["statusCode"] == 200, signed["body"]
    assert body_of(signed)["token_type"] == "Bearer"


def test_choosing_web_authn_leads_to_the_passkey_challenge(alice, lambda_context):
    offer = start("select_challenge", EMAIL, lambda_context)
    chosen = {"email": EMAIL, "challenge": "SELECT_CHALLENGE", "session": offer["session"]}
    next_step = answer(chosen | {"answer": "WEB_AUTHN"}, lambda_context)
    assert next_step["statusCode"] == 200, next_step["body"]
    started = body_of(next_step)
    assert started["challenge"] == "WEB_AUTHN"
    signed = answer(passkey_answer(EMAIL, started, alice), lambda_context)
    assert signed["statusCode"] == 200 and body_of(signed)["token_type"] == "Bearer"


def test_a_wrong_password_choice_is_invalid_credentials(alice, lambda_context):
    offer = start("select_challenge", EMAIL, lambda_context)
    chosen = {"email": EMAIL, "challenge": "SELECT_CHALLENGE", "session": offer["session"]}
    refused = answer(chosen | {"answer": "PASSWORD", "password": "Wrong-Horse-1"}, lambda_context)
    assert refused["statusCode"] == 401 and body_of(refused)["error"] == "invalid_credentials"


def test_a_totp_user_is_offered_every_factor_and_password_then_asks_for_the_code(
    moto_pool, inbox, lambda_context
):
    access = signed_in(inbox, lambda_context)
    totp = _totp(access, lambda_context)
    verify = {"code": totp.now(), "password": PASSWORD}
    event = with_body(load_event("mfa_verify"), verify)
    event["headers"]["Authorization"] = f"Bearer {access}"
    assert invoke("mfa_verify", event, lambda_context)["statusCode"] == 200
    # Cognito offers this user PASSWORD only ("MFA prerequisites"); the broker's offer is
    # the deployment's, as for every email
    offer = start("select_challenge", EMAIL, lambda_context)
    assert offer["available_challenges"] == pool_offer(moto_pool)
    chosen = {"email": EMAIL, "challenge": "SELECT_CHALLENGE", "session": offer["session"]}
    step = answer(chosen | {"answer": "PASSWORD", "password": PASSWORD}, lambda_context)
    assert step["statusCode"] == 200, step["body"]
    assert body_of(step)["challenge"] == "SOFTWARE_TOKEN_MFA"


@pytest.mark.parametrize("kind", ["another email's", "made up", "tampered"])
def test_a_choice_session_not_issued_for_the_email_is_invalid_session(alice, kind, lambda_context):
    offer = start("select_challenge", "john@example.com", lambda_context)["session"]
    session = {
        "another email's": offer,
        "made up": "A" * 128,
        "tampered": start("select_challenge", EMAIL, lambda_context)["session"][:-1] + "x",
    }[kind]
    chosen = {"email": EMAIL, "challenge": "SELECT_CHALLENGE", "session": session}
    refused = answer(chosen | {"answer": "PASSWORD", "password": PASSWORD}, lambda_context)
    assert refused["statusCode"] == 401, refused["body"]
    assert body_of(refused)["error"] == "invalid_session"


def test_a_passkey_choice_by_a_user_without_a_passkey_gets_a_challenge_no_answer_passes(
    alice, moto_pool, inbox, lambda_context
):
    # Given a user without a passkey (Cognito offers them no WEB_AUTHN) beside alice
    other = "nopasskey@example.com"
    signed_up = with_body(load_event("sign_up"), {"email": other, "password": PASSWORD})
    assert invoke("sign_up", signed_up, lambda_context)["statusCode"] == 201
    confirm = {"email": other, "code": code(inbox, other, "sign_up")}
    assert invoke("confirm_sign_up", with_body(load_event("confirm_sign_up"), confirm),
                  lambda_context)["statusCode"] == 200  # fmt: skip
    steps = {}
    for email in (EMAIL, other):
        offer = start("select_challenge", email, lambda_context)
        chosen = {"email": email, "challenge": "SELECT_CHALLENGE", "session": offer["session"]}
        step = answer(chosen | {"answer": "WEB_AUTHN"}, lambda_context)
        assert step["statusCode"] == 200, (email, step["body"])
        steps[email] = body_of(step)
    # Then the same shape as alice's real passkey challenge ...
    assert shape(steps[other]) == shape(steps[EMAIL])
    # ... naming the credential the passkey route names for that email (no real passkey)
    route = start("passkey_sign_in", other, lambda_context)["credential_request_options"]
    assert (
        steps[other]["credential_request_options"]["allowCredentials"]
        == (route["allowCredentials"])
    )
    [decoy_id] = route["allowCredentials"]
    assert decoy_id["id"] != alice.id
    # and no assertion passes it
    refused = answer(passkey_answer(other, steps[other], alice), lambda_context)
    assert refused["statusCode"] == 401 and body_of(refused)["error"] == "invalid_credentials"


def _states(moto_pool, inbox: Inbox, context) -> dict[str, str]:
    """Emails in each account state the no-oracle rule covers (the events' user has a
    passkey and is the reference)."""
    emails = {
        "unknown": "nobody@example.com",
        "unconfirmed": "unconfirmed@example.com",
        "disabled": "disabled@example.com",
        "totp": "totp@example.com",
    }
    for state in ("unconfirmed", "disabled", "totp"):
        signed_up = with_body(load_event("sign_up"), {"email": emails[state], "password": PASSWORD})
        assert invoke("sign_up", signed_up, context)["statusCode"] == 201
        if state == "unconfirmed":
            continue
        confirmed = with_body(
            load_event("confirm_sign_up"),
            {"email": emails[state], "code": code(inbox, emails[state], "sign_up")},
        )
        assert invoke("confirm_sign_up", confirmed, context)["statusCode"] == 200
    moto_pool.client.admin_disable_user(
        UserPoolId=moto_pool.user_pool_id, Username=emails["disabled"]
    )
    tokens = moto_pool.client.initiate_auth(
        ClientId=moto_pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": emails["totp"],
            "PASSWORD": PASSWORD,
            "SECRET_HASH": _secret_hash(moto_pool, emails["totp"]),
        },
    )["AuthenticationResult"]["AccessToken"]
    secret = moto_pool.client.associate_software_token(AccessToken=tokens)["SecretCode"]
    import pyotp

    moto_pool.client.verify_software_token(AccessToken=tokens, UserCode=pyotp.TOTP(secret).now())
    moto_pool.client.set_user_mfa_preference(
        AccessToken=tokens, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    return emails


def _secret_hash(moto_pool, username: str) -> str:
    from auth.cognito import secret_hash

    return secret_hash(moto_pool.client_secret, username, moto_pool.client_id)


@pytest.mark.parametrize("event_name", ["passkey_sign_in", "select_challenge"])
def test_every_account_state_gets_the_status_and_shape_of_a_user_with_a_passkey(
    event_name, alice, moto_pool, inbox, lambda_context
):
    reference = start(event_name, EMAIL, lambda_context)
    for state, email in _states(moto_pool, inbox, lambda_context).items():
        response = invoke(
            event_name, with_body(load_event(event_name), {"email": email}), lambda_context
        )
        assert response["statusCode"] == 200, (state, response["body"])
        assert shape(body_of(response)) == shape(reference), state
        offered = body_of(response).get("available_challenges")
        assert offered == reference.get("available_challenges"), state


def test_a_pool_without_a_relying_party_answers_passkeys_disabled(
    moto_pool, inbox, lambda_context, monkeypatch
):
    # Given a pool whose passkey configuration has no relying party (Cognito then refuses
    # WEB_AUTHN with InvalidParameterException)
    monkeypatch.setattr(
        pool_state(user_pool(moto_pool)), "webauthn_config", {"UserVerification": "required"}
    )
    response = invoke("passkey_sign_in", load_event("passkey_sign_in"), lambda_context)
    assert response["statusCode"] == 403, response["body"]
    assert body_of(response)["error"] == "passkeys_disabled"


def test_the_brokers_first_factors_and_relying_party_are_the_pools(moto_pool, aws_state):
    """What the offer and a decoy's options are built from (the functions' environment,
    auth.config) is what the pool was provisioned with: its AllowedFirstAuthFactors
    (DescribeUserPool) and the template's WebAuthnRelyingPartyID / WebAuthnUserVerification."""
    from auth.config import load_settings

    settings = load_settings()
    pool = moto_pool.client.describe_user_pool(UserPoolId=moto_pool.user_pool_id)["UserPool"]
    factors = pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"]
    assert settings.first_auth_factors == set(factors) == {"PASSWORD", "WEB_AUTHN"}
    props = aws_state.resolve(aws_state.raw["Resources"]["UserPool"]["Properties"])
    assert settings.webauthn_relying_party_id == props["WebAuthnRelyingPartyID"] == "localhost"
    assert settings.webauthn_user_verification == props["WebAuthnUserVerification"]


# ---------------------------------------------------------------- decoys answered as real sessions
ATTEMPTS_TABLE = "moments-local-AttemptsTable"
NOBODY = "nobody@example.com"


def broker_decoy(moto_pool: Any, challenge: str, expires_at: int) -> str:
    """A decoy session as the broker makes one (auth.sign_in_choice) when Cognito answers
    an account state with an error: the emulator simulates those states instead (it runs
    with PreventUserExistenceErrors on), so the handler tests make it with the broker's key."""
    from auth.cognito import derived_key
    from auth.sign_in_choice import DECOY_KEY, decoy_session

    return decoy_session(derived_key(moto_pool.client_secret, DECOY_KEY), challenge, expires_at)


def outcomes(bodies: list[dict[str, Any]], context: Any) -> list[tuple[int, str]]:
    """Each answer in order -> (status, error)."""
    results = [answer(body, context) for body in bodies]
    return [(r["statusCode"], body_of(r).get("error", "")) for r in results]


def test_a_passkey_decoy_is_single_use_as_a_real_web_authn_session(
    alice, moto_pool, lambda_context
):
    # A real session answered by a passkey Cognito refuses, then by the right one
    started = start("passkey_sign_in", EMAIL, lambda_context)
    stranger = SoftwarePasskey()
    real = outcomes(
        [passkey_answer(EMAIL, started, stranger), passkey_answer(EMAIL, started, alice)],
        lambda_context,
    )
    assert real == [(401, "invalid_credentials"), (401, "invalid_session")]
    # The broker's decoy answered twice: the same, with one spend record on AttemptsTable
    expires_at = int(time.time()) + 180
    decoy = {**started, "session": broker_decoy(moto_pool, "WEB_AUTHN", expires_at)}
    answers = [passkey_answer(NOBODY, decoy, stranger), passkey_answer(NOBODY, decoy, alice)]
    assert outcomes(answers, lambda_context) == real
    assert spend_record(decoy["session"])["Item"]["expires_at"] == {"N": str(expires_at)}


def test_an_expired_passkey_decoy_is_an_invalid_session(alice, moto_pool, lambda_context):
    started = start("passkey_sign_in", EMAIL, lambda_context)
    decoy = {**started, "session": broker_decoy(moto_pool, "WEB_AUTHN", int(time.time()) - 1)}
    assert outcomes([passkey_answer(NOBODY, decoy, alice)], lambda_context) == [
        (401, "invalid_session")
    ]
    assert "Item" not in spend_record(decoy["session"])  # nothing written


def spend_record(session: str) -> dict[str, Any]:
    """GetItem of the decoy's spend record on AttemptsTable (auth.attempts.AttemptCounter.spend)."""
    digest = hashlib.sha256(session.encode()).hexdigest()
    return boto3.client("dynamodb").get_item(
        TableName=ATTEMPTS_TABLE, Key={"counter_key": {"S": f"decoy#{digest}"}}
    )


def test_a_code_decoy_gets_cognitos_wrong_code_answer_while_live(
    alice, moto_pool, inbox, monkeypatch, lambda_context
):
    # Given the pool with emailed codes (the template adds EMAIL_OTP where SES is set up)
    sign_in = user_pool(moto_pool).extended_config["Policies"]["SignInPolicy"]
    monkeypatch.setitem(sign_in, "AllowedFirstAuthFactors", ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"])
    # A real EMAIL_OTP session answered with wrong codes (the start and three answers
    # reach the attempt limit, 4)
    started = start("email_code_sign_in", EMAIL, lambda_context)
    wrong = "0" * 8 if code(inbox, EMAIL, "sign_in") != "0" * 8 else "1" * 8
    body = {"email": EMAIL, "challenge": "EMAIL_OTP", "session": started["session"]}
    real = [answer(body | {"answer": wrong}, lambda_context) for _ in range(3)]
    assert [r["statusCode"] for r in real] == [400] * 3
    # The broker's code decoy: the same answers, body for body; expired: invalid_session
    live = broker_decoy(moto_pool, "EMAIL_OTP", int(time.time()) + 180)
    decoy = {"email": NOBODY, "challenge": "EMAIL_OTP", "session": live, "answer": wrong}
    answers = [answer(decoy, lambda_context) for _ in range(3)]
    assert [body_of(a) for a in answers] == [body_of(r) for r in real]
    assert body_of(real[0])["error"] == "code_mismatch"
    expired = decoy | {"session": broker_decoy(moto_pool, "EMAIL_OTP", int(time.time()) - 1)}
    assert outcomes([expired], lambda_context) == [(401, "invalid_session")]
