"""The signed-in passkey routes (issue 20) on their events/*.json files, against the
template's pool in moto with the local Cognito installed (every ceremony verified by
py_webauthn there), and tests/support/passkey.py's software authenticator playing the
browser: register, list, sign in with the passkey, delete; and each refusal.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from local_stack.cognito.state import pool_state
from tests.handlers.auth.auth_events import body_of, load_event, with_body, with_headers
from tests.handlers.auth.conftest import user_pool
from tests.handlers.auth.test_account_handlers_moto import EMAIL, PASSWORD, code, invoke, success
from tests.support.passkey import AT, UP, SoftwarePasskey
from tests.support.passkey import passkey_sign_in as sign_in_with_passkey
from tests.support.routes import by_event

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")
BOB = "bob@example.com"


def signed_in(inbox, context, email: str = EMAIL) -> str:
    """``email``'s access token: signed up, confirmed and signed in through the broker."""
    sign_up = with_body(load_event("sign_up"), {"email": email, "password": PASSWORD})
    assert invoke("sign_up", sign_up, context)["statusCode"] == 201
    confirm = with_body(
        load_event("confirm_sign_up"), {"email": email, "code": code(inbox, email, "sign_up")}
    )
    assert invoke("confirm_sign_up", confirm, context)["statusCode"] == 200
    sign_in = with_body(load_event("sign_in"), {"email": email, "password": PASSWORD})
    response = invoke("sign_in", sign_in, context)
    assert response["statusCode"] == 200, response["body"]
    return body_of(response)["access_token"]


def call(event_name: str, access: str, context, body: Any = None, **path: str) -> dict:
    """The route's event with the user's token, ``body`` (JSON) and path parameters."""
    event = with_headers(load_event(event_name), Authorization=f"Bearer {access}")
    if body is not None:
        event = with_body(event, body)
    for name, value in path.items():
        event["pathParameters"][name] = value
        event["path"] = event["resource"].replace("{" + name + "}", value)
    return invoke(event_name, event, context)


def creation_options(access: str, context) -> dict:
    response = call("passkey_registration_options", access, context, {"password": PASSWORD})
    assert response["statusCode"] == 200, response["body"]
    return body_of(response)["credential_creation_options"]


def register(access: str, context, passkey: SoftwarePasskey, **changes: Any) -> dict:
    """registration-options with the proof, the authenticator's answer, POST /auth/passkeys."""
    credential = passkey.create(creation_options(access, context), **changes)
    return call("passkey_register", access, context, {"credential": credential})


def listed(access: str, context) -> list[dict]:
    response = call("list_passkeys", access, context)
    assert response["statusCode"] == 200, response["body"]
    return body_of(response)["passkeys"]


def passkey_sign_in(moto_pool, passkey: SoftwarePasskey, email: str = EMAIL) -> dict:
    """USER_AUTH with WEB_AUTHN straight at the emulator, answered by ``passkey``."""
    client, client_id, secret = moto_pool.client, moto_pool.client_id, moto_pool.client_secret
    return sign_in_with_passkey(client, client_id, secret, email, passkey)


@pytest.fixture
def passkeys(moto_pool, inbox):
    """The template's pool with its passkey relying party, as the local stack provisions
    it: WEB_AUTHN is a first factor (CreateUserPool) and the relying party is the
    template's (set by the ``inbox`` fixture: ``localhost``, user verification required)."""
    pool = user_pool(moto_pool)
    assert (
        "WEB_AUTHN" in pool.extended_config["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"]
    )
    assert pool_state(pool).webauthn_config == {
        "RelyingPartyId": "localhost",
        "UserVerification": "required",
    }
    return pool


# ---------------------------------------------------------------- the happy path


def test_a_passkey_is_registered_listed_signs_in_and_is_deleted(
    moto_pool, passkeys, inbox, lambda_context
):
    # Given a signed-in user and a software authenticator
    access = signed_in(inbox, lambda_context)
    passkey = SoftwarePasskey()
    # When they get creation options with their password, and send the authenticator's answer
    options = creation_options(access, lambda_context)
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    credential = passkey.create(options)
    response = call("passkey_register", access, lambda_context, {"credential": credential})
    # Then the answer is openapi.json's 201 with the new passkey
    assert response["statusCode"] == success(by_event("passkey_register")), response["body"]
    created = body_of(response)
    assert created["credential_id"] == passkey.id
    assert created["relying_party_id"] == "localhost"
    assert created["authenticator_attachment"] == "platform"
    assert created["authenticator_transports"] == ["internal"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created["created_at"])
    # and the list shows it, and it signs in at Cognito (USER_AUTH, WEB_AUTHN)
    assert listed(access, lambda_context) == [created]
    assert passkey_sign_in(moto_pool, passkey)["AuthenticationResult"]["AccessToken"]
    # When they delete it with their password
    deleted = call(
        "delete_passkey", access, lambda_context, {"password": PASSWORD}, credential_id=passkey.id
    )
    # Then it is gone, and no longer signs in
    assert deleted["statusCode"] == success(by_event("delete_passkey")), deleted["body"]
    assert body_of(deleted) == {"deleted": True}
    assert listed(access, lambda_context) == []
    with pytest.raises(moto_pool.client.exceptions.NotAuthorizedException):
        passkey_sign_in(moto_pool, passkey)


def test_a_user_without_passkeys_lists_none(passkeys, inbox, lambda_context):
    access = signed_in(inbox, lambda_context)
    assert listed(access, lambda_context) == []


# ---------------------------------------------------------------- the proof


@pytest.mark.parametrize("event_name", ["passkey_registration_options", "delete_passkey"])
def test_the_proof_routes_refuse_the_token_alone_and_a_wrong_password(
    event_name, passkeys, inbox, lambda_context
):
    access = signed_in(inbox, lambda_context)
    path = {"credential_id": SoftwarePasskey().id} if event_name == "delete_passkey" else {}
    event = with_headers(load_event(event_name), Authorization=f"Bearer {access}")
    event["body"] = None
    for name, value in path.items():
        event["pathParameters"][name] = value
    # The token alone: RFC 9470's step-up challenge
    alone = invoke(event_name, event, lambda_context)
    assert alone["statusCode"] == 401, alone["body"]
    assert body_of(alone)["error"] == "reauthentication_required"
    assert "insufficient_user_authentication" in alone["multiValueHeaders"]["WWW-Authenticate"][0]
    # A wrong password: as a wrong sign-in
    wrong = call(event_name, access, lambda_context, {"password": "Wrong-Horse-1"}, **path)
    assert wrong["statusCode"] == 401, wrong["body"]
    assert body_of(wrong)["error"] == "invalid_credentials"


# ---------------------------------------------------------------- refused registrations


def _garbage_attestation(credential: dict) -> dict:
    credential["response"]["attestationObject"] = "bm90LWNib3I"  # base64url, not CBOR
    return credential


@pytest.mark.parametrize(
    ("case", "changes", "mangle"),
    [
        ("a foreign origin", {"origin": "https://evil.example"}, None),
        ("another relying party", {"rp_id": "evil.example"}, None),
        ("no user verification", {"flags": UP | AT}, None),
        ("a garbage attestation object", {}, _garbage_attestation),
    ],
)
def test_a_refused_credential_is_400_invalid_passkey_and_registers_nothing(
    case, changes, mangle, passkeys, inbox, lambda_context
):
    access = signed_in(inbox, lambda_context)
    credential = SoftwarePasskey().create(creation_options(access, lambda_context), **changes)
    if mangle is not None:
        credential = mangle(credential)
    response = call("passkey_register", access, lambda_context, {"credential": credential})
    assert response["statusCode"] == 400, (case, response["body"])
    assert body_of(response)["error"] == "invalid_passkey"
    assert body_of(response)["error_description"]
    assert listed(access, lambda_context) == []


def test_an_answer_without_pending_options_or_sent_twice_is_refused(
    passkeys, inbox, lambda_context
):
    # Options were got, then spent by the first answer
    access = signed_in(inbox, lambda_context)
    passkey = SoftwarePasskey()
    credential = passkey.create(creation_options(access, lambda_context))
    first = call("passkey_register", access, lambda_context, {"credential": credential})
    assert first["statusCode"] == 201, first["body"]
    # The same answer again: the challenge is single-use
    again = call("passkey_register", access, lambda_context, {"credential": credential})
    assert again["statusCode"] == 400, again["body"]
    assert body_of(again)["error"] == "invalid_passkey"
    assert "registration options" in body_of(again)["error_description"]
    assert [p["credential_id"] for p in listed(access, lambda_context)] == [passkey.id]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"credential": "not-an-object"},
        {"credential": {"id": "x", "rawId": "x", "type": "password", "response": {}}},
        {"credential": {"id": "a b", "rawId": "x", "type": "public-key", "response": {}}},
    ],
)
def test_a_body_that_is_no_registration_response_is_400_invalid_request(
    body, passkeys, inbox, lambda_context
):
    access = signed_in(inbox, lambda_context)
    response = call("passkey_register", access, lambda_context, body)
    assert response["statusCode"] == 400, response["body"]
    assert body_of(response)["error"] == "invalid_request"


# ---------------------------------------------------------------- deleting


def test_another_users_passkey_cannot_be_deleted_and_stays(
    moto_pool, passkeys, inbox, lambda_context
):
    # Given Bob with a passkey, and Alice signed in
    bob = signed_in(inbox, lambda_context, BOB)
    bobs = SoftwarePasskey()
    assert register(bob, lambda_context, bobs)["statusCode"] == 201
    alice = signed_in(inbox, lambda_context)
    # When Alice deletes Bob's credential id with her own right proof
    response = call(
        "delete_passkey", alice, lambda_context, {"password": PASSWORD}, credential_id=bobs.id
    )
    # Then it is 404 passkey_not_found, and Bob's passkey is still there and signs in
    assert response["statusCode"] == 404, response["body"]
    assert body_of(response) == {
        "error": "passkey_not_found",
        "error_description": "You have no such passkey.",
    }
    assert [p["credential_id"] for p in listed(bob, lambda_context)] == [bobs.id]
    assert passkey_sign_in(moto_pool, bobs, BOB)["AuthenticationResult"]


def test_an_id_that_cannot_be_a_credential_id_is_404(passkeys, inbox, lambda_context):
    access = signed_in(inbox, lambda_context)
    response = call(
        "delete_passkey", access, lambda_context, {"password": PASSWORD}, credential_id="a.b*c"
    )
    assert response["statusCode"] == 404, response["body"]
    assert body_of(response)["error"] == "passkey_not_found"


# ---------------------------------------------------------------- a pool without passkeys


@pytest.mark.parametrize("missing", ["the WEB_AUTHN first factor", "the relying party ID"])
def test_a_pool_without_passkeys_answers_403_passkeys_disabled(
    missing, passkeys, inbox, monkeypatch, lambda_context
):
    access = signed_in(inbox, lambda_context)
    if missing == "the relying party ID":
        monkeypatch.setattr(pool_state(passkeys), "webauthn_config", {})
    else:
        sign_in = passkeys.extended_config["Policies"]["SignInPolicy"]
        monkeypatch.setitem(sign_in, "AllowedFirstAuthFactors", ["PASSWORD"])
    response = call("passkey_registration_options", access, lambda_context, {"password": PASSWORD})
    assert response["statusCode"] == 403, response["body"]
    assert body_of(response)["error"] == "passkeys_disabled"
