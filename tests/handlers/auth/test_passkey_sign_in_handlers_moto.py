"""Passkey sign-in and choice-based sign-in on their events/*.json files: the template's
pool in moto with the local stack's Cognito installed (USER_AUTH, WEB_AUTHN verified by
py_webauthn), passkeys registered at the emulator with boto3 and the software
authenticator of tests/support/passkey.py.

Routes: ``passkey_sign_in`` (POST /auth/sign-in/passkey), ``select_challenge``
(POST /auth/sign-in/select) and ``challenge`` (POST /auth/challenge) with ``credential``
and ``SELECT_CHALLENGE`` bodies.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from local_stack import cognito
from local_stack.cognito.inbox import Inbox
from tests.handlers.auth.auth_events import body_of, load_event, with_body
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


@pytest.fixture
def inbox(moto_pool) -> Iterator[Inbox]:
    """The local Cognito installed, and the template's relying party set on the pool:
    the pool was provisioned (once per package) before the emulation was installed, and
    moto's own SetUserPoolMfaConfig drops ``WebAuthnConfiguration``. ``localhost`` is
    the host of AllowedOrigin's default, user verification ``required`` the template's."""
    inbox = Inbox(stream=io.StringIO())
    cognito.install(inbox)
    set_passkey_config(moto_pool, {"RelyingPartyId": "localhost", "UserVerification": "required"})
    try:
        yield inbox
    finally:
        cognito.uninstall()


def set_passkey_config(moto_pool: Any, config: dict[str, str]) -> None:
    """SetUserPoolMfaConfig's ``WebAuthnConfiguration``, the pool's MFA settings restated
    (the operation sets them all at once)."""
    current = moto_pool.client.get_user_pool_mfa_config(UserPoolId=moto_pool.user_pool_id)
    mfa = {
        k: current[k] for k in ("MfaConfiguration", "SoftwareTokenMfaConfiguration") if k in current
    }
    moto_pool.client.set_user_pool_mfa_config(
        UserPoolId=moto_pool.user_pool_id, **mfa, WebAuthnConfiguration=config
    )


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


def test_a_pool_without_a_relying_party_answers_passkeys_disabled(moto_pool, inbox, lambda_context):
    # Given a pool whose passkey configuration has no relying party (Cognito then refuses
    # WEB_AUTHN with InvalidParameterException); the fixture restores it for the next test
    set_passkey_config(moto_pool, {"UserVerification": "required"})
    response = invoke("passkey_sign_in", load_event("passkey_sign_in"), lambda_context)
    assert response["statusCode"] == 403, response["body"]
    assert body_of(response)["error"] == "passkeys_disabled"


def test_the_offer_is_the_pools_allowed_first_factors(moto_pool, inbox):
    from auth.cognito import CognitoIdentityProvider

    idp = CognitoIdentityProvider(moto_pool.user_pool_id, moto_pool.client_id, moto_pool.client)
    assert idp.first_auth_factors == {"PASSWORD", "WEB_AUTHN"}  # the template, without SES


def test_the_decoys_passkey_settings_are_the_pools(moto_pool, inbox):
    # What a decoy's options are built from (auth.sign_in_choice): the pool's relying party
    # and user verification (GetUserPoolMfaConfig), the client's session lifetime
    from auth.cognito import CognitoIdentityProvider

    idp = CognitoIdentityProvider(moto_pool.user_pool_id, moto_pool.client_id, moto_pool.client)
    described = moto_pool.client.describe_user_pool_client(
        UserPoolId=moto_pool.user_pool_id, ClientId=moto_pool.client_id
    )["UserPoolClient"]
    minutes = described.get("AuthSessionValidity", 3)
    assert idp.passkey_settings == ("localhost", "required", minutes * 60)
