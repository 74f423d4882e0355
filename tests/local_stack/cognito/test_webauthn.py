"""Passkeys (WebAuthn) in the local Cognito, through boto3 against the emulation, with a
software authenticator (tests/support/passkey.py); every ceremony is verified by
py_webauthn in the emulator. moto has none of these operations.
"""

from __future__ import annotations

import json
from typing import Any

import pyotp
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from moto.backends import get_backend

from local_stack.cognito.inbox import Inbox
from local_stack.cognito.saved_state import export_state, import_state
from tests.local_stack.cognito.test_cognito_gaps import EMAIL, PASSWORD, error_of
from tests.local_stack.cognito.test_cognito_passwordless import SES, PasswordlessPool
from tests.support.clock import FakeClock
from tests.support.passkey import AT, UP, SoftwarePasskey
from tests.support.template_pool import template_properties

BOB = "bob@example.com"


class PasskeyPool(PasswordlessPool):
    """The template's pool (WEB_AUTHN allowed) with ``localhost`` as relying party, as
    provisioning sets it; ``factors`` replaces the allowed first factors."""

    def __init__(
        self,
        idp: Any,
        inbox: Inbox,
        user_verification: str = "required",
        factors: list[str] | None = None,
    ) -> None:
        self.idp, self.inbox = idp, inbox
        pool_props, self.client_props = template_properties(SES)
        sign_in = pool_props["Policies"]["SignInPolicy"]
        assert "WEB_AUTHN" in sign_in["AllowedFirstAuthFactors"]
        if factors is not None:
            sign_in["AllowedFirstAuthFactors"] = factors
        self.pool_id = idp.create_user_pool(**pool_props)["UserPool"]["Id"]
        self.client_id, self.secret = self.add_client()
        idp.set_user_pool_mfa_config(
            UserPoolId=self.pool_id,
            MfaConfiguration="OPTIONAL",
            SoftwareTokenMfaConfiguration={"Enabled": True},
            WebAuthnConfiguration={
                "RelyingPartyId": "localhost",
                "UserVerification": user_verification,
            },
        )

    def user(self, email: str = EMAIL) -> str:
        """A confirmed user's access token."""
        self.signed_up_user(email)
        return str(self.sign_in(email)["AccessToken"])

    def register(self, access: str, passkey: SoftwarePasskey, **changes: Any) -> dict[str, Any]:
        started = self.idp.start_web_authn_registration(AccessToken=access)
        credential = passkey.create(started["CredentialCreationOptions"], **changes)
        return dict(
            self.idp.complete_web_authn_registration(AccessToken=access, Credential=credential)
        )

    def start_passkey(self, email: str = EMAIL) -> dict[str, Any]:
        return dict(
            self.idp.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="USER_AUTH",
                AuthParameters={
                    "USERNAME": email,
                    "PREFERRED_CHALLENGE": "WEB_AUTHN",
                    "SECRET_HASH": self.hash(email),
                },
            )
        )

    def answer_passkey(self, session: str, credential: str, email: str = EMAIL) -> dict[str, Any]:
        return dict(
            self.idp.respond_to_auth_challenge(
                ClientId=self.client_id,
                ChallengeName="WEB_AUTHN",
                Session=session,
                ChallengeResponses={
                    "USERNAME": email,
                    "CREDENTIAL": credential,
                    "SECRET_HASH": self.hash(email),
                },
            )
        )

    def passkey_sign_in(self, passkey: SoftwarePasskey, email: str = EMAIL, **changes: Any) -> Any:
        """Start, let the authenticator answer (``changes`` break it), answer."""
        started = self.start_passkey(email)
        options = json.loads(started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
        return self.answer_passkey(started["Session"], passkey.get(options, **changes), email)

    def passkeys(self, access: str) -> list[dict[str, Any]]:
        return list(self.idp.list_web_authn_credentials(AccessToken=access)["Credentials"])


@pytest.fixture
def pool(idp: Any, inbox: Inbox) -> PasskeyPool:
    return PasskeyPool(idp, inbox)


def refused(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    return error_of(lambda: call(*args, **kwargs))


# ---------------------------------------------------------------- the happy path
def test_register_list_sign_in_and_delete_a_passkey(pool: PasskeyPool) -> None:
    access = pool.user()
    passkey = SoftwarePasskey()
    started = pool.idp.start_web_authn_registration(AccessToken=access)
    options = started["CredentialCreationOptions"]
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    pool.idp.complete_web_authn_registration(AccessToken=access, Credential=passkey.create(options))
    [listed] = pool.passkeys(access)
    assert listed["CredentialId"] == passkey.id
    assert listed["RelyingPartyId"] == "localhost"
    assert listed["AuthenticatorAttachment"] == "platform"

    signed_in = pool.passkey_sign_in(passkey)
    assert signed_in["AuthenticationResult"]["AccessToken"]
    assert pool.passkey_sign_in(passkey)["AuthenticationResult"]["IdToken"]

    pool.idp.delete_web_authn_credential(AccessToken=access, CredentialId=passkey.id)
    assert pool.passkeys(access) == []


def test_the_request_options_name_the_users_passkeys(pool: PasskeyPool) -> None:
    passkey = SoftwarePasskey()
    pool.register(pool.user(), passkey)
    started = pool.start_passkey()
    assert started["ChallengeName"] == "WEB_AUTHN"
    options = json.loads(started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert [c["id"] for c in options["allowCredentials"]] == [passkey.id]
    assert options["rpId"] == "localhost" and options["userVerification"] == "required"


def test_passkeys_survive_a_restart(pool: PasskeyPool) -> None:
    access = pool.user()
    passkey = SoftwarePasskey()
    pool.register(access, passkey)
    pool.passkey_sign_in(passkey)
    moto_pool = get_backend("cognito-idp")["123456789012"]["us-east-1"].user_pools[pool.pool_id]
    saved = json.loads(json.dumps(export_state(moto_pool)))
    import_state(moto_pool, {})
    assert pool.passkeys(access) == []
    import_state(moto_pool, saved)
    assert [c["CredentialId"] for c in pool.passkeys(access)] == [passkey.id]
    # the sign count came back too: the same count again is refused, a higher one passes
    assert refused(pool.passkey_sign_in, passkey, count=False)[0] == "NotAuthorizedException"
    assert pool.passkey_sign_in(passkey)["AuthenticationResult"]["AccessToken"]


# ---------------------------------------------------------------- registration refusals
def test_registration_refusals(pool: PasskeyPool) -> None:
    access = pool.user()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"origin": "https://evil.example"}, "WebAuthnOriginNotAllowedException"),
        ({"origin": "http://127.0.0.1:3000"}, "WebAuthnOriginNotAllowedException"),
        ({"rp_id": "evil.example"}, "WebAuthnRelyingPartyMismatchException"),
        ({"flags": UP | AT}, "WebAuthnCredentialNotSupportedException"),  # no UV
    ]
    for changes, code in cases:
        assert refused(pool.register, access, SoftwarePasskey(), **changes)[0] == code, changes
    assert pool.passkeys(access) == []


def test_a_registration_challenge_is_single_use_and_expires(
    pool: PasskeyPool, clock: FakeClock
) -> None:
    access = pool.user()
    passkey = SoftwarePasskey()
    options = pool.idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
    credential = passkey.create(options)
    pool.idp.complete_web_authn_registration(AccessToken=access, Credential=credential)
    replay = SoftwarePasskey().create(options)
    assert refused(pool.idp.complete_web_authn_registration, AccessToken=access, Credential=replay)[
        0
    ] == ("WebAuthnChallengeNotFoundException")
    options = pool.idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
    clock.advance(301)
    late = SoftwarePasskey().create(options)
    assert refused(pool.idp.complete_web_authn_registration, AccessToken=access, Credential=late)[
        0
    ] == ("WebAuthnChallengeNotFoundException")
    assert [c["CredentialId"] for c in pool.passkeys(access)] == [passkey.id]


def test_a_pool_without_web_authn_refuses_registration(idp: Any, inbox: Inbox) -> None:
    plain = PasskeyPool(idp, inbox, factors=["PASSWORD", "EMAIL_OTP"])
    plain.signed_up_user()
    access = plain.sign_in()["AccessToken"]
    assert refused(idp.start_web_authn_registration, AccessToken=access)[0] == (
        "WebAuthnNotEnabledException"
    )


# ---------------------------------------------------------------- sign-in refusals
def test_sign_in_refusals_leave_no_state(pool: PasskeyPool) -> None:
    access = pool.user()
    passkey = SoftwarePasskey()
    pool.register(access, passkey)
    forger = ec.generate_private_key(ec.SECP256R1())
    cases: list[dict[str, Any]] = [
        {"signer": forger},  # forged signature
        {"origin": "https://evil.example"},  # foreign origin
        {"rp_id": "evil.example"},  # another RP's rpIdHash
        {"flags": UP},  # no user verification, the pool requires it
    ]
    for changes in cases:
        before = passkey.sign_count
        assert refused(pool.passkey_sign_in, passkey, **changes) == (
            "NotAuthorizedException",
            "Incorrect username or password.",
        ), changes
        passkey.sign_count = before  # the emulator kept its count: nothing was stored
    assert pool.passkey_sign_in(passkey)["AuthenticationResult"]["AccessToken"]


def test_a_sign_in_challenge_is_single_use_and_dies_with_the_session(
    pool: PasskeyPool, clock: FakeClock
) -> None:
    pool.register(pool.user(), passkey := SoftwarePasskey())
    started = pool.start_passkey()
    options = json.loads(started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert pool.answer_passkey(started["Session"], passkey.get(options))["AuthenticationResult"]
    replayed = refused(pool.answer_passkey, started["Session"], passkey.get(options))
    assert replayed[0] == "NotAuthorizedException"
    # The same challenge in a new Session is refused too (the challenge is the Session's)
    fresh = pool.start_passkey()
    assert refused(pool.answer_passkey, fresh["Session"], passkey.get(options)) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )
    late = pool.start_passkey()
    clock.advance(3 * 60)
    late_options = json.loads(late["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert refused(pool.answer_passkey, late["Session"], passkey.get(late_options))[0] == (
        "NotAuthorizedException"
    )


def test_a_credential_is_bound_to_the_user_who_registered_it(pool: PasskeyPool) -> None:
    alice_key, bob_key = SoftwarePasskey(), SoftwarePasskey()
    pool.register(pool.user(EMAIL), alice_key)
    bob_access = pool.user(BOB)
    pool.register(bob_access, bob_key)
    # Alice's challenge answered with Bob's passkey
    assert refused(pool.passkey_sign_in, bob_key, EMAIL) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )
    # Bob cannot delete Alice's passkey
    assert refused(
        pool.idp.delete_web_authn_credential, AccessToken=bob_access, CredentialId=alice_key.id
    )[0] == ("ResourceNotFoundException")
    assert pool.passkey_sign_in(alice_key)["AuthenticationResult"]


def test_a_deleted_credential_no_longer_signs_in(pool: PasskeyPool) -> None:
    access = pool.user()
    pool.register(access, passkey := SoftwarePasskey())
    pool.idp.delete_web_authn_credential(AccessToken=access, CredentialId=passkey.id)
    assert refused(pool.passkey_sign_in, passkey) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )


def test_an_unknown_user_gets_the_same_challenge_shape(pool: PasskeyPool) -> None:
    pool.register(pool.user(), SoftwarePasskey())
    known, unknown = pool.start_passkey(), pool.start_passkey("nobody@example.com")
    assert known.keys() == unknown.keys() and unknown["ChallengeName"] == "WEB_AUTHN"
    options = [
        json.loads(r["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]) for r in (known, unknown)
    ]
    assert options[0].keys() == options[1].keys()
    assert len(options[1]["allowCredentials"]) == 1
    again = json.loads(
        pool.start_passkey("nobody@example.com")["ChallengeParameters"][
            "CREDENTIAL_REQUEST_OPTIONS"
        ]
    )
    assert again["allowCredentials"] == options[1]["allowCredentials"]


# ---------------------------------------------------------------- the MFA rule
def test_a_user_with_totp_gets_no_passwordless_first_factor(
    pool: PasskeyPool, clock: FakeClock
) -> None:
    # TOTP off: the emailed code signs the user in, and so does the passkey
    access = pool.user()
    pool.register(access, passkey := SoftwarePasskey())
    started = pool.start()
    assert pool.answer(started["Session"], pool.latest_code(kind="sign_in"))["AuthenticationResult"]
    assert pool.passkey_sign_in(passkey)["AuthenticationResult"]
    # TOTP on: no code is sent, and neither answer passes
    sent_before = len(pool.inbox.messages(EMAIL))
    enrol_totp(pool, clock, access)
    started = pool.start()
    assert started["ChallengeName"] == "EMAIL_OTP"
    assert len(pool.inbox.messages(EMAIL)) == sent_before
    assert refused(pool.answer, started["Session"], "12345678")[0] == "CodeMismatchException"
    assert refused(pool.passkey_sign_in, passkey) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )


def enrol_totp(pool: PasskeyPool, clock: FakeClock, access: str) -> None:
    """Turn TOTP MFA on for the user of ``access`` (as test_cognito_mfa.enrol does)."""
    secret = pool.idp.associate_software_token(AccessToken=access)["SecretCode"]
    code = pyotp.TOTP(secret).at(clock.now)
    pool.idp.verify_software_token(AccessToken=access, UserCode=code)
    pool.idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    clock.advance(60)


# ---------------------------------------------------------------- SELECT_CHALLENGE
def select(pool: PasskeyPool, email: str = EMAIL) -> dict[str, Any]:
    return dict(
        pool.idp.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": email, "SECRET_HASH": pool.hash(email)},
        )
    )


def choose(pool: PasskeyPool, session: str, answer: str, email: str = EMAIL, **more: str) -> Any:
    return pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="SELECT_CHALLENGE",
        Session=session,
        ChallengeResponses={
            "USERNAME": email,
            "ANSWER": answer,
            "SECRET_HASH": pool.hash(email),
            **more,
        },
    )


def test_select_challenge_offers_web_authn_only_to_a_user_with_a_passkey(
    pool: PasskeyPool,
) -> None:
    access = pool.user()
    offered = select(pool)
    assert offered["ChallengeName"] == "SELECT_CHALLENGE"
    assert offered["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]
    pool.register(access, passkey := SoftwarePasskey())
    offered = select(pool)
    assert offered["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "WEB_AUTHN"]
    # choosing WEB_AUTHN leads to the passkey challenge, which signs the user in
    chosen = choose(pool, offered["Session"], "WEB_AUTHN")
    assert chosen["ChallengeName"] == "WEB_AUTHN"
    options = json.loads(chosen["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert pool.answer_passkey(chosen["Session"], passkey.get(options))["AuthenticationResult"]
    # the SELECT_CHALLENGE Session was spent
    assert refused(choose, pool, offered["Session"], "WEB_AUTHN")[0] == "NotAuthorizedException"


def test_select_challenge_answers_password_and_email_otp(pool: PasskeyPool) -> None:
    pool.user()
    by_password = choose(pool, select(pool)["Session"], "PASSWORD", PASSWORD=PASSWORD)
    assert by_password["AuthenticationResult"]["AccessToken"]
    wrong = refused(choose, pool, select(pool)["Session"], "PASSWORD", PASSWORD="Wrong-pass-1!")
    assert wrong == ("NotAuthorizedException", "Incorrect username or password.")
    by_code = choose(pool, select(pool)["Session"], "EMAIL_OTP")
    assert by_code["ChallengeName"] == "EMAIL_OTP"
    code = pool.latest_code(kind="sign_in")
    assert pool.answer(by_code["Session"], code)["AuthenticationResult"]


def test_select_challenge_refuses_an_answer_it_did_not_offer(pool: PasskeyPool) -> None:
    pool.user()
    assert refused(choose, pool, select(pool)["Session"], "WEB_AUTHN")[0] == (
        "InvalidParameterException"
    )


def test_select_challenge_hides_unknown_users_and_mfa_drops_passwordless(
    pool: PasskeyPool, clock: FakeClock
) -> None:
    access = pool.user()
    pool.register(access, SoftwarePasskey())
    offers = {
        tuple(select(pool, f"nobody{i}@example.com")["AvailableChallenges"]) for i in range(16)
    }
    # unknown names get the offers real users get: with and without a passkey
    assert offers == {
        ("PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"),
        ("PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "WEB_AUTHN"),
    }
    first = select(pool, "nobody0@example.com")["AvailableChallenges"]
    assert select(pool, "nobody0@example.com")["AvailableChallenges"] == first
    enrol_totp(pool, clock, access)
    assert select(pool)["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
