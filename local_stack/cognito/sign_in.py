"""Sign-in: InitiateAuth, AdminInitiateAuth and RespondToAuthChallenge dispatch each flow
and challenge to its module (password here; :mod:`user_srp_auth`, :mod:`email_otp`,
:mod:`totp`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotConfirmedException,
    UserNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
)

from local_stack.cognito.email_otp import start_email_otp
from local_stack.cognito.errors import INCORRECT_CREDENTIALS
from local_stack.cognito.lockout import check_password
from local_stack.cognito.originals import moto_original
from local_stack.cognito.rules import (
    FLOW_SETTINGS,
    check_flow_allowed,
    check_secret_hash,
    pool_and_client,
    prevents_existence_errors,
    rotation,
)
from local_stack.cognito.select_challenge import answer_select_challenge, start_select_challenge
from local_stack.cognito.tokens import check_refresh_usable, refresh_result
from local_stack.cognito.totp import answer_code_challenge, mfa_challenge
from local_stack.cognito.user_auth import answer_web_authn, start_web_authn
from local_stack.cognito.user_srp_auth import srp_user_id, start_srp, verify_srp


def password_flow(
    self: CognitoIdpBackend,
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    params: dict[str, str],
    sign_in: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH: Cognito's checks, then ``sign_in``
    (moto's own flow, which issues tokens or the next challenge)."""
    username = params.get("USERNAME")
    if not username:
        raise InvalidParameterException("Missing required parameter USERNAME")
    check_secret_hash(client, [username], params.get("SECRET_HASH"))
    user = pool._get_user(username)
    if user is None:
        if prevents_existence_errors(client):
            raise NotAuthorizedError(INCORRECT_CREDENTIALS)
        raise UserNotFoundError("User does not exist.")
    check_password(pool, user, params.get("PASSWORD"))
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    if user.status == UserStatus.UNCONFIRMED:
        raise UserNotConfirmedException("User is not confirmed.")
    if user.status == UserStatus.CONFIRMED:
        challenge = mfa_challenge(pool, client, user, srp_user_id(pool, user))
        if challenge is not None:
            return challenge
    return sign_in()


def user_password_auth(
    self: CognitoIdpBackend,
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    params: dict[str, str],
) -> dict[str, Any]:
    """``USER_PASSWORD_AUTH`` (also the ``PASSWORD`` answer to ``SELECT_CHALLENGE``):
    :func:`password_flow` around moto's InitiateAuth."""
    return password_flow(
        self,
        pool,
        client,
        params,
        lambda: moto_original(CognitoIdpBackend, "initiate_auth")(
            self, client.id, "USER_PASSWORD_AUTH", params
        ),
    )


def start_user_auth(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, params: dict[str, str]
) -> dict[str, Any]:
    """InitiateAuth ``USER_AUTH`` by ``PREFERRED_CHALLENGE``: ``WEB_AUTHN``
    (:mod:`user_auth`), ``EMAIL_OTP`` (:mod:`email_otp`), or none: ``SELECT_CHALLENGE``
    (:mod:`select_challenge`).

    :raises InvalidParameterException: no ``USERNAME``, or another preferred challenge.
    """
    if not params.get("USERNAME"):
        raise InvalidParameterException("Missing required parameter USERNAME")
    preferred = params.get("PREFERRED_CHALLENGE")
    if preferred == "WEB_AUTHN":
        return start_web_authn(pool, client, params)
    if preferred == "EMAIL_OTP":
        return start_email_otp(pool, client, params)
    if not preferred:
        return start_select_challenge(pool, client, params)
    raise InvalidParameterException(
        "The local stack emulates PREFERRED_CHALLENGE WEB_AUTHN or EMAIL_OTP (or none)"
    )


def initiate_auth(
    self: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
) -> dict[str, Any]:
    """InitiateAuth with Cognito's rules (API reference, InitiateAuth): the client's
    ``ExplicitAuthFlows`` are enforced; ``USER_PASSWORD_AUTH`` checks SECRET_HASH, the
    lockout, ``PreventUserExistenceErrors`` and leads to the TOTP challenge when the user has
    MFA; ``USER_SRP_AUTH`` is real SRP (:mod:`user_srp_auth`); ``USER_AUTH`` is a passkey or
    an email OTP (:func:`start_user_auth`); ``REFRESH_TOKEN_AUTH`` checks the refresh token's lifetime,
    revocation and SECRET_HASH, and is refused when the client rotates refresh tokens.
    """
    pool, client = pool_and_client(self, client_id)
    params = auth_parameters or {}
    check_flow_allowed(client, auth_flow)
    if auth_flow == "USER_PASSWORD_AUTH":
        return user_password_auth(self, pool, client, params)
    if auth_flow == "USER_SRP_AUTH":
        return start_srp(self, pool, client, params)
    if auth_flow == "USER_AUTH":
        return start_user_auth(pool, client, params)
    if auth_flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        token = params.get("REFRESH_TOKEN")
        if not token:
            raise InvalidParameterException("Missing required parameter REFRESH_TOKEN")
        if rotation(client)[0]:
            # RefreshTokenRotationType: with rotation on, refresh only through
            # GetTokensFromRefreshToken.
            raise NotAuthorizedError(
                "Refresh token rotation is enabled for this client; use GetTokensFromRefreshToken"
            )
        record = check_refresh_usable(pool, token)
        user = pool._get_user(record[1])
        # Cognito hashes the user's *username* here (the sub in email-username pools);
        # the name typed at sign-in is accepted too, since moto stores that.
        check_secret_hash(client, [user.username, record[1]], params.get("SECRET_HASH"))
        return {"AuthenticationResult": refresh_result(pool, client, token, rotate=False)}
    return moto_original(CognitoIdpBackend, "initiate_auth")(self, client_id, auth_flow, params)


def admin_initiate_auth(
    self: CognitoIdpBackend,
    user_pool_id: str,
    client_id: str,
    auth_flow: str,
    auth_parameters: dict[str, str],
) -> dict[str, Any]:
    """AdminInitiateAuth with the client's ExplicitAuthFlows, SECRET_HASH, lockout and
    PreventUserExistenceErrors applied as in InitiateAuth (API reference,
    AdminInitiateAuth); moto's errors echo the username."""
    pool = self.describe_user_pool(user_pool_id)
    client = pool.clients.get(client_id)
    if client is None:
        raise ResourceNotFoundError(client_id)
    params = auth_parameters or {}
    if auth_flow not in FLOW_SETTINGS or auth_flow in ("USER_SRP_AUTH", "USER_PASSWORD_AUTH"):
        raise InvalidParameterException("Initiate Auth method not supported")
    check_flow_allowed(client, auth_flow)
    if auth_flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
        return password_flow(
            self,
            pool,
            client,
            params,
            lambda: moto_original(CognitoIdpBackend, "admin_initiate_auth")(
                self, user_pool_id, client_id, auth_flow, params
            ),
        )
    if auth_flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        return initiate_auth(self, client_id, auth_flow, params)
    return moto_original(CognitoIdpBackend, "admin_initiate_auth")(
        self, user_pool_id, client_id, auth_flow, params
    )


def respond_to_auth_challenge(
    self: CognitoIdpBackend,
    session: str,
    client_id: str,
    challenge_name: str,
    challenge_responses: dict[str, str],
) -> dict[str, Any]:
    """RespondToAuthChallenge: ``PASSWORD_VERIFIER`` checks the SRP proof
    (:func:`verify_srp`); ``SELECT_CHALLENGE`` the chosen challenge
    (:func:`answer_select_challenge`); ``WEB_AUTHN`` the passkey assertion
    (:func:`answer_web_authn`); ``SOFTWARE_TOKEN_MFA`` and ``EMAIL_OTP`` check the code against
    the Session (:func:`answer_code_challenge`); other challenges are moto's.
    """
    if challenge_name == "PASSWORD_VERIFIER":
        pool, client = pool_and_client(self, client_id)
        return verify_srp(self, pool, client, session, challenge_responses or {})
    if challenge_name == "SELECT_CHALLENGE":
        pool, client = pool_and_client(self, client_id)
        return answer_select_challenge(
            pool,
            client,
            session,
            challenge_responses or {},
            lambda params: user_password_auth(self, pool, client, params),
            lambda params: start_srp(self, pool, client, params),
        )
    if challenge_name == "WEB_AUTHN":
        pool, client = pool_and_client(self, client_id)
        return answer_web_authn(self, pool, client, session, challenge_responses or {})
    if challenge_name in ("SOFTWARE_TOKEN_MFA", "EMAIL_OTP"):
        pool, client = pool_and_client(self, client_id)
        return answer_code_challenge(
            self, pool, client, session, challenge_responses or {}, challenge_name
        )
    return moto_original(CognitoIdpBackend, "respond_to_auth_challenge")(
        self, session, client_id, challenge_name, challenge_responses
    )
