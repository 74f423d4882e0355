"""The Cognito behaviours Moments relies on, on moto with local_stack.cognito installed.

Each test pins a gap moto 5.2.5 has on its own (see local_stack/cognito/). The pool and
the app client are built from template.yaml's UserPool / UserPoolClient properties, so the
tests follow the template; variants (no secret, no rotation) override single settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError

from local_stack import cognito
from local_stack.cognito.inbox import Inbox
from tests.support.clock import FakeClock
from tests.support.template_pool import template_properties

PASSWORD = "Correct-Horse-9"
EMAIL = "alice@example.com"


def secret_hash(username: str, client_id: str, secret: str) -> str:
    """SECRET_HASH as the Cognito docs define it (computed here, independently)."""
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


class Pool:
    """A template-shaped pool plus helpers that speak to it the way the broker does."""

    def __init__(self, idp: Any, inbox: Inbox) -> None:
        self.idp = idp
        self.inbox = inbox
        pool_props, self.client_props = template_properties()
        self.pool_id = idp.create_user_pool(**pool_props)["UserPool"]["Id"]
        self.client_id, self.secret = self.add_client()

    def add_client(self, **overrides: Any) -> tuple[str, str | None]:
        props = {**self.client_props, **overrides}
        created = self.idp.create_user_pool_client(UserPoolId=self.pool_id, **props)
        return created["UserPoolClient"]["ClientId"], created["UserPoolClient"].get("ClientSecret")

    def hash(self, username: str, client_id: str | None = None, secret: str | None = None) -> str:
        return secret_hash(username, client_id or self.client_id, secret or self.secret)

    def sign_up(self, email: str = EMAIL, password: str = PASSWORD) -> dict[str, Any]:
        return self.idp.sign_up(
            ClientId=self.client_id,
            Username=email,
            Password=password,
            SecretHash=self.hash(email),
            UserAttributes=[{"Name": "email", "Value": email}],
        )

    def latest_code(self, email: str = EMAIL, kind: str = "sign_up") -> str:
        return next(m["code"] for m in self.inbox.messages(email) if m["kind"] == kind)

    def confirm(self, code: str, email: str = EMAIL) -> None:
        self.idp.confirm_sign_up(
            ClientId=self.client_id,
            Username=email,
            ConfirmationCode=code,
            SecretHash=self.hash(email),
        )

    def signed_up_user(self, email: str = EMAIL) -> None:
        self.sign_up(email)
        self.confirm(self.latest_code(email), email)

    def sign_in(
        self,
        email: str = EMAIL,
        password: str = PASSWORD,
        client_id: str | None = None,
        secret: str | None = None,
    ) -> dict[str, Any]:
        client_id = client_id or self.client_id
        params = {"USERNAME": email, "PASSWORD": password}
        if secret or (client_id == self.client_id and self.secret):
            params["SECRET_HASH"] = secret_hash(email, client_id, secret or self.secret)
        return self.idp.initiate_auth(
            ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params
        )["AuthenticationResult"]

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        return self.idp.get_tokens_from_refresh_token(
            ClientId=self.client_id, ClientSecret=self.secret, RefreshToken=refresh_token
        )["AuthenticationResult"]


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


# ---------------------------------------------------------------- sign-up codes
def test_sign_up_sends_a_random_six_digit_code_that_confirms_the_user(pool: Pool) -> None:
    # Given a new sign-up
    response = pool.sign_up()
    # Then a 6-digit code is in the inbox, and the response says where it went, masked
    [message] = pool.inbox.messages(EMAIL)
    assert message["kind"] == "sign_up" and message["code"].isdigit() and len(message["code"]) == 6
    assert response["UserConfirmed"] is False
    assert response["CodeDeliveryDetails"] == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    # When the user confirms with that code
    pool.confirm(message["code"])
    # Then the user is confirmed and the email is verified
    user = pool.idp.admin_get_user(UserPoolId=pool.pool_id, Username=EMAIL)
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]


def test_a_wrong_code_is_a_code_mismatch_and_the_user_stays_unconfirmed(pool: Pool) -> None:
    pool.sign_up()
    wrong = "000000" if pool.latest_code() != "000000" else "111111"

    code, message = error_of(pool.confirm, code=wrong)

    assert code == "CodeMismatchException"
    assert message == "Invalid verification code provided, please try again."
    user = pool.idp.admin_get_user(UserPoolId=pool.pool_id, Username=EMAIL)
    assert user["UserStatus"] == "UNCONFIRMED"


def test_resend_replaces_the_code_and_the_old_one_stops_working(pool: Pool) -> None:
    pool.sign_up()
    first = pool.latest_code()

    response = pool.idp.resend_confirmation_code(
        ClientId=pool.client_id, Username=EMAIL, SecretHash=pool.hash(EMAIL)
    )
    second = pool.latest_code()

    assert response["CodeDeliveryDetails"]["Destination"] == "a***@e***"
    assert len(pool.inbox.messages(EMAIL)) == 2
    if first != second:  # one chance in a million that the random codes collide
        assert error_of(pool.confirm, code=first)[0] == "CodeMismatchException"
    pool.confirm(second)


def test_a_sign_up_code_expires_after_24_hours(pool: Pool, clock: FakeClock) -> None:
    pool.sign_up()
    code = pool.latest_code()

    clock.advance(24 * 3600)

    assert error_of(pool.confirm, code=code) == (
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    )


def test_admin_confirm_sign_up_still_confirms_without_a_code(pool: Pool) -> None:
    pool.sign_up()

    pool.idp.admin_confirm_sign_up(UserPoolId=pool.pool_id, Username=EMAIL)

    assert pool.sign_in()["AccessToken"]


def test_resend_for_an_unknown_email_looks_like_success_and_sends_nothing(pool: Pool) -> None:
    nobody = "nobody@example.com"
    response = pool.idp.resend_confirmation_code(
        ClientId=pool.client_id, Username=nobody, SecretHash=pool.hash(nobody)
    )

    assert response["CodeDeliveryDetails"]["Destination"] == "n***@e***"
    assert pool.inbox.messages("nobody@example.com") == []


# ---------------------------------------------------------------- forgot password
def test_forgot_password_code_resets_the_password_only_when_the_policy_is_met(pool: Pool) -> None:
    pool.signed_up_user()
    pool.idp.forgot_password(ClientId=pool.client_id, Username=EMAIL, SecretHash=pool.hash(EMAIL))
    code = pool.latest_code(kind="forgot_password")

    def reset(password: str) -> None:
        pool.idp.confirm_forgot_password(
            ClientId=pool.client_id,
            Username=EMAIL,
            ConfirmationCode=code,
            Password=password,
            SecretHash=pool.hash(EMAIL),
        )

    # A password the template's policy refuses (no upper case) is an InvalidPassword...
    assert error_of(reset, password="all-lower-case-9") == (
        "InvalidPasswordException",
        "Password did not conform with policy: Password must have uppercase characters",
    )
    # ...and does not use up the code: a good password then works.
    reset("Brand-New-Pass-7")
    assert pool.sign_in(password="Brand-New-Pass-7")["AccessToken"]
    assert error_of(pool.sign_in)[0] == "NotAuthorizedException"


def test_forgot_password_rejects_a_wrong_code_and_a_stale_one(pool: Pool, clock: FakeClock) -> None:
    pool.signed_up_user()
    pool.idp.forgot_password(ClientId=pool.client_id, Username=EMAIL, SecretHash=pool.hash(EMAIL))
    code = pool.latest_code(kind="forgot_password")
    wrong = "000000" if code != "000000" else "111111"

    def reset(confirmation_code: str) -> None:
        pool.idp.confirm_forgot_password(
            ClientId=pool.client_id,
            Username=EMAIL,
            ConfirmationCode=confirmation_code,
            Password="Brand-New-Pass-7",
            SecretHash=pool.hash(EMAIL),
        )

    assert error_of(reset, confirmation_code=wrong)[0] == "CodeMismatchException"
    clock.advance(3600)
    assert error_of(reset, confirmation_code=code)[0] == "ExpiredCodeException"


def test_forgot_password_for_an_unknown_email_looks_the_same_and_sends_nothing(pool: Pool) -> None:
    pool.signed_up_user()
    known = pool.idp.forgot_password(
        ClientId=pool.client_id, Username=EMAIL, SecretHash=pool.hash(EMAIL)
    )
    unknown = pool.idp.forgot_password(
        ClientId=pool.client_id, Username="bob@example.com", SecretHash=pool.hash("bob@example.com")
    )

    assert known["CodeDeliveryDetails"].keys() == unknown["CodeDeliveryDetails"].keys()
    assert unknown["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert pool.inbox.messages("bob@example.com") == []


# ---------------------------------------------------------------- tokens
def test_token_lifetimes_come_from_the_app_client(pool: Pool) -> None:
    pool.signed_up_user()

    tokens = pool.sign_in()

    access, id_token = claims(tokens["AccessToken"]), claims(tokens["IdToken"])
    assert tokens["ExpiresIn"] == 15 * 60  # template: AccessTokenValidity 15 minutes
    assert access["exp"] - access["iat"] == 15 * 60
    assert id_token["exp"] - id_token["iat"] == 15 * 60


def test_a_refresh_token_past_its_validity_is_refused(pool: Pool, clock: FakeClock) -> None:
    pool.signed_up_user()
    refresh_token = pool.sign_in()["RefreshToken"]

    clock.advance(30 * 86400)  # template: RefreshTokenValidity 30 days

    code, message = error_of(pool.refresh, refresh_token=refresh_token)
    assert (code, message) == ("NotAuthorizedException", "Refresh Token has expired")


def test_access_tokens_carry_the_user_pool_api_scope_and_id_tokens_the_email(pool: Pool) -> None:
    pool.signed_up_user()

    tokens = pool.sign_in()

    assert claims(tokens["AccessToken"])["scope"] == "aws.cognito.signin.user.admin"
    assert claims(tokens["AccessToken"])["token_use"] == "access"
    id_claims = claims(tokens["IdToken"])
    assert id_claims["email"] == EMAIL and id_claims["email_verified"] is True


def test_emails_are_case_insensitive_as_the_pool_says(pool: Pool) -> None:
    pool.signed_up_user()

    tokens = pool.sign_in(email="Alice@Example.COM")

    assert claims(tokens["IdToken"])["email"] == EMAIL


def test_revoked_refresh_token_no_longer_refreshes(pool: Pool) -> None:
    pool.signed_up_user()
    tokens = pool.sign_in()

    pool.idp.revoke_token(
        Token=tokens["RefreshToken"], ClientId=pool.client_id, ClientSecret=pool.secret
    )

    assert error_of(pool.refresh, refresh_token=tokens["RefreshToken"]) == (
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    )
    # and the access tokens it issued no longer work on the user-pool API
    code, _ = error_of(pool.idp.get_user, AccessToken=tokens["AccessToken"])
    assert code == "NotAuthorizedException"


def test_revoke_token_needs_the_client_secret(pool: Pool) -> None:
    pool.signed_up_user()
    refresh_token = pool.sign_in()["RefreshToken"]

    assert error_of(pool.idp.revoke_token, Token=refresh_token, ClientId=pool.client_id)[0] == (
        "UnauthorizedException"
    )
    assert (
        error_of(
            pool.idp.revoke_token,
            Token=refresh_token,
            ClientId=pool.client_id,
            ClientSecret="x" * 40,
        )[0]
        == "UnauthorizedException"
    )
    assert pool.refresh(refresh_token)["AccessToken"]  # still valid


def test_refresh_token_auth_on_a_client_without_rotation(pool: Pool) -> None:
    client_id, secret = pool.add_client(
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        RefreshTokenRotation={"Feature": "DISABLED"},
    )
    pool.signed_up_user()
    tokens = pool.sign_in(client_id=client_id, secret=secret)
    sub = claims(tokens["AccessToken"])["username"]  # Cognito hashes the username (sub)

    def refresh(**params: str) -> dict[str, Any]:
        return pool.idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], **params},
        )["AuthenticationResult"]

    refreshed = refresh(SECRET_HASH=secret_hash(sub, client_id, secret))
    assert "RefreshToken" not in refreshed
    assert claims(refreshed["AccessToken"])["sub"] == claims(tokens["AccessToken"])["sub"]
    plain = pool.idp.get_tokens_from_refresh_token(
        ClientId=client_id, ClientSecret=secret, RefreshToken=tokens["RefreshToken"]
    )["AuthenticationResult"]
    assert "RefreshToken" not in plain  # no rotation: the same refresh token stays in use

    pool.idp.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id, ClientSecret=secret)
    assert error_of(refresh, SECRET_HASH=secret_hash(sub, client_id, secret)) == (
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    )


def test_rotation_issues_a_new_refresh_token_and_the_old_one_lives_only_the_grace_period(
    pool: Pool, clock: FakeClock
) -> None:
    pool.signed_up_user()
    old = pool.sign_in()["RefreshToken"]

    rotated = pool.refresh(old)

    new = rotated["RefreshToken"]
    assert new != old
    clock.advance(9)  # template: RetryGracePeriodSeconds 10
    assert pool.refresh(old)["AccessToken"]  # a client-side retry still works
    clock.advance(1)
    assert error_of(pool.refresh, refresh_token=old)[0] == "NotAuthorizedException"
    assert pool.refresh(new)["AccessToken"]


def test_refresh_token_auth_is_refused_when_the_client_rotates(pool: Pool) -> None:
    # Given the template's client (rotation on, REFRESH_TOKEN_AUTH not in ExplicitAuthFlows)
    # and one that rotates yet lists the flow
    listing_id, listing_secret = pool.add_client(
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )
    pool.signed_up_user()

    def refresh_token_auth(client_id: str, secret: str) -> tuple[str, str]:
        tokens = pool.sign_in(client_id=client_id, secret=secret)
        sub = claims(tokens["AccessToken"])["username"]  # Cognito hashes the username (sub)
        return error_of(
            pool.idp.initiate_auth,
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={
                "REFRESH_TOKEN": tokens["RefreshToken"],
                "SECRET_HASH": secret_hash(sub, client_id, secret),
            },
        )

    # Then the flow is refused by each: not enabled, and with rotation on only
    # GetTokensFromRefreshToken refreshes
    assert refresh_token_auth(pool.client_id, pool.secret) == (
        "InvalidParameterException",
        "REFRESH_TOKEN_AUTH flow not enabled for this client",
    )
    code, message = refresh_token_auth(listing_id, listing_secret)
    assert code == "NotAuthorizedException" and "GetTokensFromRefreshToken" in message


def test_global_sign_out_revokes_every_refresh_token_of_the_user(pool: Pool) -> None:
    pool.signed_up_user()
    first = pool.sign_in()
    second = pool.sign_in(email="ALICE@example.com")

    pool.idp.global_sign_out(AccessToken=second["AccessToken"])

    for tokens in (first, second):
        code, _ = error_of(pool.refresh, refresh_token=tokens["RefreshToken"])
        assert code == "NotAuthorizedException"


# ---------------------------------------------------------------- SECRET_HASH, user existence
def test_secret_hash_is_required_and_checked(pool: Pool) -> None:
    def sign_up(**extra: str) -> None:
        pool.idp.sign_up(ClientId=pool.client_id, Username=EMAIL, Password=PASSWORD, **extra)

    assert error_of(sign_up) == (
        "NotAuthorizedException",
        f"Client {pool.client_id} is configured with secret but SECRET_HASH was not received",
    )
    assert error_of(sign_up, SecretHash=pool.hash("someone-else@example.com")) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {pool.client_id}",
    )
    assert pool.inbox.messages(EMAIL) == []
    pool.signed_up_user()
    code, message = error_of(
        pool.idp.initiate_auth,
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": EMAIL, "PASSWORD": PASSWORD},
    )
    assert (code, "SECRET_HASH was not received" in message) == ("NotAuthorizedException", True)


def test_an_unknown_user_looks_exactly_like_a_wrong_password(pool: Pool) -> None:
    pool.signed_up_user()

    wrong_password = error_of(pool.sign_in, password="Not-The-Password-1")
    unknown_user = error_of(pool.sign_in, email="nobody@example.com")

    assert wrong_password == ("NotAuthorizedException", "Incorrect username or password.")
    assert unknown_user == wrong_password


def test_an_unconfirmed_user_with_the_right_password_is_told_to_confirm(pool: Pool) -> None:
    pool.sign_up()

    assert error_of(pool.sign_in)[0] == "UserNotConfirmedException"


def test_uninstall_gives_moto_back_its_own_behaviour(inbox: Inbox) -> None:
    from moto.cognitoidp.models import CognitoIdpBackend
    from moto.cognitoidp.responses import CognitoIdpResponse

    plain_initiate_auth = CognitoIdpBackend.initiate_auth
    cognito.install(inbox)
    assert CognitoIdpBackend.initiate_auth is not plain_initiate_auth

    cognito.uninstall()

    assert CognitoIdpBackend.initiate_auth is plain_initiate_auth
    assert not hasattr(CognitoIdpResponse, "revoke_token")


# ---------------------------------------------------------------- issue 10: auth flows
SRP_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"]


def srp_client(pool: Pool, **overrides: Any) -> tuple[str, str | None]:
    """An app client that allows SRP (the template's allows USER_PASSWORD_AUTH only)."""
    props = {
        "ExplicitAuthFlows": SRP_FLOWS,
        "RefreshTokenRotation": {"Feature": "DISABLED"},
        "GenerateSecret": False,
        **overrides,
    }
    return pool.add_client(**props)


def srp_sign_in(
    pool: Pool, client_id: str, password: str, email: str = EMAIL, secret: str | None = None
) -> dict[str, Any]:
    """pycognito's SRP client (the one its Cognito class uses), against the emulator."""
    from pycognito.aws_srp import AWSSRP

    srp = AWSSRP(
        username=email,
        password=password,
        pool_id=pool.pool_id,
        client_id=client_id,
        client=pool.idp,
        client_secret=secret,
    )
    return srp.authenticate_user()


def test_srp_is_refused_when_the_client_allows_only_user_password_auth(pool: Pool) -> None:
    # Given the template's client (ExplicitAuthFlows: ALLOW_USER_PASSWORD_AUTH) and a user
    pool.signed_up_user()

    # When an SRP sign-in starts, Then Cognito refuses the flow before any challenge
    code, message = error_of(
        pool.idp.initiate_auth,
        ClientId=pool.client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={"USERNAME": EMAIL, "SRP_A": "ab" * 384, "SECRET_HASH": pool.hash(EMAIL)},
    )
    assert (code, message) == (
        "InvalidParameterException",
        "USER_SRP_AUTH flow not enabled for this client",
    )


def test_srp_signs_in_with_the_right_password_only(pool: Pool) -> None:
    # Given a confirmed user and an SRP-enabled client
    pool.signed_up_user()
    client_id, _ = srp_client(pool)

    # When pycognito signs in with the right password, Then it gets tokens
    tokens = srp_sign_in(pool, client_id, PASSWORD)["AuthenticationResult"]
    assert claims(tokens["AccessToken"])["client_id"] == client_id

    # When it signs in with a wrong password, Then the proof fails
    with pytest.raises(ClientError) as raised:
        srp_sign_in(pool, client_id, "Wrong-Horse-9")
    assert raised.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert raised.value.response["Error"]["Message"] == "Incorrect username or password."


def test_srp_with_a_client_secret_checks_the_secret_hash(pool: Pool) -> None:
    pool.signed_up_user()
    client_id, secret = srp_client(pool, GenerateSecret=True)

    tokens = srp_sign_in(pool, client_id, PASSWORD, secret=secret)["AuthenticationResult"]

    assert claims(tokens["IdToken"])["aud"] == client_id
    with pytest.raises(ClientError):
        srp_sign_in(pool, client_id, PASSWORD, secret="not-the-secret")


def test_a_garbage_srp_proof_is_refused(pool: Pool) -> None:
    # Given a real PASSWORD_VERIFIER challenge
    pool.signed_up_user()
    client_id, _ = srp_client(pool)
    challenge = pool.idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={"USERNAME": EMAIL, "SRP_A": "5" * 768},
    )
    params = challenge["ChallengeParameters"]

    # When the answer is garbage, Then no tokens
    code, message = error_of(
        pool.idp.respond_to_auth_challenge,
        ClientId=client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=challenge["Session"],
        ChallengeResponses={
            "USERNAME": params["USER_ID_FOR_SRP"],
            "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(b"x" * 32).decode(),
            "TIMESTAMP": "Sun Nov 29 20:36:32 UTC 2026",
        },
    )
    assert (code, message) == ("NotAuthorizedException", "Incorrect username or password.")


def test_srp_for_an_unknown_user_looks_like_a_wrong_password(pool: Pool) -> None:
    client_id, _ = srp_client(pool, PreventUserExistenceErrors="ENABLED")

    with pytest.raises(ClientError) as raised:
        srp_sign_in(pool, client_id, PASSWORD, email="nobody@example.com")

    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )


def test_admin_initiate_auth_follows_explicit_auth_flows_and_never_echoes_the_username(
    pool: Pool,
) -> None:
    pool.signed_up_user()
    params = {"USERNAME": EMAIL, "PASSWORD": PASSWORD, "SECRET_HASH": pool.hash(EMAIL)}

    # The template's client does not allow ADMIN_USER_PASSWORD_AUTH
    refused = error_of(
        pool.idp.admin_initiate_auth,
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters=params,
    )
    assert refused[0] == "InvalidParameterException"

    # A client that allows it: a wrong password says nothing about who
    client_id, _ = srp_client(pool, PreventUserExistenceErrors="ENABLED")
    wrong = error_of(
        pool.idp.admin_initiate_auth,
        UserPoolId=pool.pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": EMAIL, "PASSWORD": "Wrong-Horse-9"},
    )
    unknown = error_of(
        pool.idp.admin_initiate_auth,
        UserPoolId=pool.pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "nobody@example.com", "PASSWORD": PASSWORD},
    )
    assert wrong == unknown == ("NotAuthorizedException", "Incorrect username or password.")
    ok = pool.idp.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": EMAIL, "PASSWORD": PASSWORD},
    )
    assert "AccessToken" in ok["AuthenticationResult"]


def test_a_client_without_explicit_auth_flows_gets_cognitos_defaults(pool: Pool) -> None:
    pool.signed_up_user()
    client_id, _ = pool.add_client(
        ExplicitAuthFlows=[], GenerateSecret=False, RefreshTokenRotation={"Feature": "DISABLED"}
    )

    password_auth = error_of(pool.sign_in, client_id=client_id)

    assert password_auth[0] == "InvalidParameterException"
    assert "AccessToken" in srp_sign_in(pool, client_id, PASSWORD)["AuthenticationResult"]


# ---------------------------------------------------------------- issue 10: lockouts
def test_five_wrong_passwords_lock_the_user_out_even_with_the_right_one(
    pool: Pool, clock: FakeClock
) -> None:
    pool.signed_up_user()
    for _ in range(cognito.PASSWORD_FAILURES_BEFORE_LOCKOUT):
        assert (
            error_of(pool.sign_in, password="Wrong-Horse-9")[1] == "Incorrect username or password."
        )

    # Then the right password is refused during the lockout (2^0 s after the fifth)
    assert error_of(pool.sign_in) == ("NotAuthorizedException", "Password attempts exceeded")

    # And once the lockout has passed, the right password works and resets the count
    clock.advance(1)
    assert "AccessToken" in pool.sign_in()
    assert error_of(pool.sign_in, password="Wrong-Horse-9")[1] == "Incorrect username or password."


def test_the_lockout_doubles_with_each_further_failure(pool: Pool, clock: FakeClock) -> None:
    pool.signed_up_user()
    for attempt in range(7):  # failures 1..7: lockouts 1 s, 2 s, 4 s after the 5th..7th
        clock.advance(60)
        error_of(pool.sign_in, password="Wrong-Horse-9")

    clock.advance(3.5)
    assert error_of(pool.sign_in)[1] == "Password attempts exceeded"
    clock.advance(0.5)
    assert "AccessToken" in pool.sign_in()


def test_srp_failures_count_towards_the_same_lockout(pool: Pool) -> None:
    pool.signed_up_user()
    client_id, _ = srp_client(pool)
    for _ in range(cognito.PASSWORD_FAILURES_BEFORE_LOCKOUT):
        with pytest.raises(ClientError):
            srp_sign_in(pool, client_id, "Wrong-Horse-9")

    with pytest.raises(ClientError) as raised:
        srp_sign_in(pool, client_id, PASSWORD)

    assert raised.value.response["Error"]["Message"] == "Password attempts exceeded"


def test_repeated_wrong_sign_up_codes_hit_the_attempt_limit(pool: Pool) -> None:
    pool.sign_up()
    right = pool.latest_code()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(cognito.CODE_FAILURES_BEFORE_LIMIT):
        assert error_of(pool.confirm, code=wrong)[0] == "CodeMismatchException"

    assert error_of(pool.confirm, code=right) == (
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
    )

    # A new code starts the count again
    pool.idp.resend_confirmation_code(
        ClientId=pool.client_id, Username=EMAIL, SecretHash=pool.hash(EMAIL)
    )
    pool.confirm(pool.latest_code())


def test_repeated_wrong_reset_codes_hit_the_attempt_limit(pool: Pool) -> None:
    pool.signed_up_user()
    pool.idp.forgot_password(ClientId=pool.client_id, Username=EMAIL, SecretHash=pool.hash(EMAIL))
    right = pool.latest_code(kind="forgot_password")
    wrong = "000000" if right != "000000" else "111111"

    def reset(code: str) -> None:
        pool.idp.confirm_forgot_password(
            ClientId=pool.client_id,
            Username=EMAIL,
            SecretHash=pool.hash(EMAIL),
            ConfirmationCode=code,
            Password="New-Horse-10",
        )

    for _ in range(cognito.CODE_FAILURES_BEFORE_LIMIT):
        assert error_of(reset, code=wrong)[0] == "CodeMismatchException"
    assert error_of(reset, code=right)[0] == "LimitExceededException"


# ---------------------------------------------------------------- issue 10: token shape
def test_tokens_have_cognitos_header_and_claims(pool: Pool) -> None:
    pool.signed_up_user()
    tokens = pool.sign_in()
    access, id_token = tokens["AccessToken"], tokens["IdToken"]

    for token in (access, id_token):
        header = jwt.get_unverified_header(token)
        assert header == {"alg": "RS256", "kid": cognito.KEY_ID}  # no typ, a real kid
        assert header["kid"] in [key["kid"] for key in cognito.public_jwks()["keys"]]
    a, i = claims(access), claims(id_token)
    assert a["version"] == 2 and "version" not in i
    assert a["origin_jti"] == i["origin_jti"] and a["event_id"] == i["event_id"]
    assert a["jti"] != i["jti"]
    assert {
        "sub",
        "iss",
        "client_id",
        "origin_jti",
        "event_id",
        "token_use",
        "scope",
        "auth_time",
        "exp",
        "iat",
        "jti",
        "username",
    } <= set(a)
    assert {
        "sub",
        "iss",
        "aud",
        "cognito:username",
        "origin_jti",
        "event_id",
        "token_use",
        "auth_time",
        "exp",
        "iat",
        "jti",
        "email",
    } <= set(i)


def test_refreshed_tokens_keep_auth_time_and_event_id(pool: Pool, clock: FakeClock) -> None:
    # Given a sign-in
    pool.signed_up_user()
    signed_in = pool.sign_in()
    first = claims(signed_in["AccessToken"])

    # When its refresh token is used two minutes later
    clock.advance(120)
    refreshed = claims(pool.refresh(signed_in["RefreshToken"])["AccessToken"])

    # Then the new token is new, but the authentication it stands for is the same one
    assert refreshed["iat"] == first["iat"] + 120
    assert refreshed["auth_time"] == first["auth_time"]
    assert refreshed["event_id"] == first["event_id"]
    assert refreshed["origin_jti"] == first["origin_jti"]
    assert refreshed["jti"] != first["jti"]


def test_ids_have_cognitos_formats(pool: Pool) -> None:
    import re

    assert re.fullmatch(r"us-east-1_[0-9A-Za-z]{9}", pool.pool_id)
    assert re.fullmatch(r"[0-9a-z]{26}", pool.client_id)
    described = pool.idp.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]
    assert described["Arn"].endswith(f":userpool/{pool.pool_id}")


def test_the_added_state_survives_export_and_import_through_json(pool: Pool) -> None:
    import json

    from local_stack.cognito import find_user_pool

    # Given a user with a live session, a pending reset code and two wrong passwords
    pool.signed_up_user()
    tokens = pool.sign_in()
    pool.idp.forgot_password(ClientId=pool.client_id, Username=EMAIL, SecretHash=pool.hash(EMAIL))
    for _ in range(2):
        error_of(pool.sign_in, password="Wrong-Horse-9")
    moto_pool = find_user_pool(pool.pool_id)
    saved = json.loads(json.dumps(cognito.export_state(moto_pool)))

    # When the state is wiped and imported again
    cognito.import_state(moto_pool, {})
    cognito.import_state(moto_pool, saved)

    # Then refresh keeps the family's claims, the reset code works and the count goes on
    refreshed = claims(pool.refresh(tokens["RefreshToken"])["AccessToken"])
    assert refreshed["event_id"] == claims(tokens["AccessToken"])["event_id"]
    for _ in range(3):
        error_of(pool.sign_in, password="Wrong-Horse-9")
    assert error_of(pool.sign_in)[1] == "Password attempts exceeded"
    pool.idp.confirm_forgot_password(
        ClientId=pool.client_id,
        Username=EMAIL,
        SecretHash=pool.hash(EMAIL),
        ConfirmationCode=pool.latest_code(kind="forgot_password"),
        Password="New-Horse-10",
    )


def test_signing_up_twice_says_so_without_echoing_the_email(pool: Pool) -> None:
    pool.signed_up_user()

    code, message = error_of(pool.sign_up)

    assert (code, message) == (
        "UsernameExistsException",
        "An account with the given email already exists.",
    )


@pytest.mark.parametrize(
    ("timestamp", "outcome"),
    [
        ("Sun Nov 1 20:36:32 UTC 2026", "signed in"),
        ("Sun Nov 01 20:36:32 UTC 2026", "NotAuthorizedException"),  # Cognito signs "Nov 1"
        ("2026-11-01T20:36:32Z", "InvalidParameterException"),
    ],
    ids=["cognito-format", "zero-padded-day", "iso-8601"],
)
def test_the_srp_timestamp_is_read_as_cognito_reads_it(
    pool: Pool, monkeypatch: pytest.MonkeyPatch, timestamp: str, outcome: str
) -> None:
    from pycognito.aws_srp import AWSSRP

    pool.signed_up_user()
    client_id, _ = srp_client(pool)
    monkeypatch.setattr(
        AWSSRP, "get_cognito_formatted_timestamp", staticmethod(lambda _: timestamp)
    )

    try:
        srp_sign_in(pool, client_id, PASSWORD)
        result = "signed in"
    except ClientError as error:
        result = error.response["Error"]["Code"]

    assert result == outcome
