"""Choice-based sign-in without a preferred challenge: InitiateAuth ``USER_AUTH`` answers
``SELECT_CHALLENGE`` with the user's ``AvailableChallenges``, and RespondToAuthChallenge
``SELECT_CHALLENGE`` takes the ``ANSWER`` (developer guide, "Authentication flows",
choice-based sign-in; API reference, ChallengeResponseType).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient

from local_stack.cognito.email_otp import start_email_otp
from local_stack.cognito.errors import INVALID_SESSION
from local_stack.cognito.rules import auth_session_seconds, check_secret_hash
from local_stack.cognito.state import ChallengeSession, clock, open_challenge
from local_stack.cognito.user_auth import (
    has_mfa,
    passwordless_user,
    simulated_digest,
    start_web_authn,
    take_session,
)
from local_stack.cognito.webauthn import first_factors, relying_party, user_passkeys


def available_challenges(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, username: str
) -> list[str]:
    """The challenges a user may pick, in Cognito's order: ``PASSWORD`` and
    ``PASSWORD_SRP`` when the pool allows the ``PASSWORD`` factor; ``EMAIL_OTP`` when
    allowed and the user may use a passwordless factor; ``WEB_AUTHN`` when allowed (with
    a relying party) and the user has a passkey and may use it.

    A user hidden by the no-oracle rule (unknown under PreventUserExistenceErrors,
    unconfirmed, disabled) gets an offer drawn from the pool's allowed types ("Managing
    user existence error responses": a challenge chosen at random from the allowed types):
    the same as a real user's, with ``WEB_AUTHN`` for half the names, fixed per name. A
    user with MFA gets no passwordless factor ("MFA prerequisites").

    :raises UserNotFoundError: unknown user, PreventUserExistenceErrors off.
    """
    factors = first_factors(pool)
    offer = ["PASSWORD", "PASSWORD_SRP"] if "PASSWORD" in factors else []
    user = passwordless_user(pool, client, username)
    known = pool._get_user(username)
    if user is None and known is not None and has_mfa(pool, known):
        return offer  # MFA configured: no passwordless first factor
    if "EMAIL_OTP" in factors:
        offer.append("EMAIL_OTP")
    if relying_party(pool) is not None:
        if user is None:  # hidden: unknown, unconfirmed or disabled
            has_passkey = simulated_digest(pool, username)[0] & 1 == 1
        else:
            has_passkey = bool(user_passkeys(pool, user))
        if has_passkey:
            offer.append("WEB_AUTHN")
    return offer


def start_select_challenge(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, params: dict[str, str]
) -> dict[str, Any]:
    """InitiateAuth ``USER_AUTH`` without ``PREFERRED_CHALLENGE``: ``SELECT_CHALLENGE`` with
    ``AvailableChallenges`` (:func:`available_challenges`) and a Session that lives the
    client's ``AuthSessionValidity``."""
    username = params["USERNAME"]
    check_secret_hash(client, [username], params.get("SECRET_HASH"))
    offer = available_challenges(pool, client, username)
    session = open_challenge(
        pool,
        ChallengeSession(
            username,
            client.id,
            clock() + auth_session_seconds(client),
            challenge="SELECT_CHALLENGE",
            available=offer,
        ),
    )
    return {
        "ChallengeName": "SELECT_CHALLENGE",
        "Session": session,
        "ChallengeParameters": {},
        "AvailableChallenges": offer,
    }


def answer_select_challenge(
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    session: str | None,
    responses: dict[str, str],
    password_sign_in: Callable[[dict[str, str]], dict[str, Any]],
    srp_start: Callable[[dict[str, str]], dict[str, Any]],
) -> dict[str, Any]:
    """RespondToAuthChallenge ``SELECT_CHALLENGE``: ``USERNAME`` and ``ANSWER`` (one of the
    offered challenges), plus ``PASSWORD`` for ``PASSWORD`` (tokens or the MFA challenge,
    through ``password_sign_in``) or ``SRP_A`` for ``PASSWORD_SRP`` (``PASSWORD_VERIFIER``,
    through ``srp_start``). ``EMAIL_OTP`` and ``WEB_AUTHN`` lead to their challenge. The
    Session is spent by any answer.

    :raises NotAuthorizedError: unknown, expired or spent Session, another client's, or a
        ``USERNAME`` other than the session's.
    :raises InvalidParameterException: ``ANSWER`` missing or not offered.
    """
    item = take_session(pool, client, session, "SELECT_CHALLENGE")
    if responses.get("USERNAME") != item.username:
        raise NotAuthorizedError(INVALID_SESSION)
    answer = responses.get("ANSWER") or ""
    if answer not in item.available:
        raise InvalidParameterException(f"{answer or 'ANSWER'} is not an available challenge")
    params = {k: v for k, v in responses.items() if k != "ANSWER"}
    if answer == "PASSWORD":
        return password_sign_in(params)
    if answer == "PASSWORD_SRP":
        return srp_start(params)
    if answer == "EMAIL_OTP":
        return start_email_otp(pool, client, params)
    return start_web_authn(pool, client, params)
