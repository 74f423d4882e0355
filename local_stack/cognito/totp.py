"""TOTP MFA (RFC 6238) as Cognito's software tokens: AssociateSoftwareToken,
VerifySoftwareToken, SetUserMFAPreference, the ``SOFTWARE_TOKEN_MFA`` challenge after a
right password, and the check of its code (:func:`answer_code_challenge`, which also
checks ``EMAIL_OTP`` answers). moto hands every user one fixed secret and accepts any
code.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from cryptography.hazmat.primitives.twofactor import InvalidToken
from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
)
from moto.cognitoidp.utils import cognito_totp

from local_stack.cognito.errors import (
    INVALID_SESSION,
    EnableSoftwareTokenMfaError,
    UnsupportedOperationError,
)
from local_stack.cognito.rules import auth_session_seconds, check_secret_hash, same_secret
from local_stack.cognito.state import LOCK, ChallengeSession, clock, open_challenge, pool_state
from local_stack.cognito.tokens import token_user

#: RFC 6238 parameters of Cognito's software tokens: 6 digits, HMAC-SHA1, 30-second steps
#: (developer guide, "TOTP software token MFA": "a six-digit code ... refreshed every 30
#: seconds"; the SecretCode is a base32 key as authenticator apps read it).
TOTP_DIGITS = 6


TOTP_STEP_SECONDS = 30


#: Steps accepted either side of now (RFC 6238 section 5.2 recommends at most one step of
#: network delay / clock drift).
TOTP_DRIFT_STEPS = 1


#: Wrong answers one ``SOFTWARE_TOKEN_MFA`` Session takes before it is void. Cognito does
#: not publish the number (only that a session is single-use and lives
#: ``AuthSessionValidity`` minutes, CreateUserPoolClient API reference); three is the
#: retry budget Cognito's own custom-challenge examples use.
MFA_ANSWERS_PER_SESSION = 3


def new_totp_secret() -> str:
    """A random 160-bit key in base32 (RFC 4226 section 4 recommends 160 bits), the
    32-character ``SecretCode`` shape AssociateSoftwareToken returns."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def totp_matches(secret: str, code: str | None, when: float) -> int | None:
    """The RFC 6238 time step ``code`` is valid for at ``when`` (±:data:`TOTP_DRIFT_STEPS`),
    or None. Codes are compared in constant time (cryptography's TOTP.verify).

    The TOTP itself is moto's (``cognito_totp``: 6 digits, SHA-1, 30 s). moto's
    ``verify_totp`` is not used: it reads ``time.time()`` instead of the injected clock and
    does not say which step matched, which the no-reuse rule needs.
    """
    if not code or len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    totp = cognito_totp(secret)
    step = int(when) // TOTP_STEP_SECONDS
    for candidate in range(step - TOTP_DRIFT_STEPS, step + TOTP_DRIFT_STEPS + 1):
        try:
            totp.verify(code.encode(), candidate * TOTP_STEP_SECONDS)
        except InvalidToken:
            continue
        return candidate
    return None


def use_totp(pool: CognitoIdpUserPool, user: CognitoIdpUser, secret: str, code: str | None) -> bool:
    """True, and the step burnt, when ``code`` is a live code of ``secret`` whose step is
    later than the last one this user spent (a code works once, RFC 6238 section 5.2)."""
    with LOCK:
        state = pool_state(pool)
        step = totp_matches(secret, code, clock())
        if step is None or step <= state.totp_last_step.get(user.id, -1):
            return False
        state.totp_last_step[user.id] = step
        return True


def mfa_challenge(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser, user_id: str
) -> dict[str, Any] | None:
    """The ``SOFTWARE_TOKEN_MFA`` challenge a right password leads to, or None when the
    user has no TOTP MFA turned on (or the pool's ``MfaConfiguration`` is ``OFF``).

    API reference, InitiateAuth: with MFA the response is ``ChallengeName``, ``Session``
    and ``ChallengeParameters`` (``USER_ID_FOR_SRP``) instead of tokens; the Session is
    valid for the client's ``AuthSessionValidity`` minutes (3 to 15, default 3).
    """
    if pool.mfa_config == "OFF" or not user.software_token_mfa_enabled:
        return None
    if user.id not in pool_state(pool).totp:
        return None
    session = open_challenge(
        pool, ChallengeSession(user.username, client.id, clock() + auth_session_seconds(client))
    )
    return {
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": session,
        "ChallengeParameters": {"USER_ID_FOR_SRP": user_id},
    }


def answer_code_challenge(
    self: CognitoIdpBackend,
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    session: str | None,
    responses: dict[str, str],
    challenge: str = "SOFTWARE_TOKEN_MFA",
) -> dict[str, Any]:
    """RespondToAuthChallenge ``SOFTWARE_TOKEN_MFA`` (a TOTP code) or ``EMAIL_OTP`` (the
    emailed sign-in code, ``EMAIL_OTP_CODE``): tokens for a right code.

    API reference, RespondToAuthChallenge: the responses are ``USERNAME``,
    ``SOFTWARE_TOKEN_MFA_CODE`` and ``SECRET_HASH`` (client with a secret). The Session
    must be one this client got from a password sign-in and not expired
    (``AuthSessionValidity``); it is spent by a right answer or by
    :data:`MFA_ANSWERS_PER_SESSION` wrong ones. ``USERNAME`` must name the session's
    user (any of their sign-in names).

    :raises NotAuthorizedError: unknown, expired, spent or foreign session, or another
        user's name ("Invalid session for the user, session is expired.").
    :raises CodeMismatchException: wrong, stale (beyond one step) or reused code.
    :raises InvalidParameterException: a response is missing.
    """
    answer_name = f"{challenge}_CODE"
    for name in ("USERNAME", answer_name):
        if not responses.get(name):
            raise InvalidParameterException(f"Missing required parameter {name}")
    with LOCK:
        item = pool_state(pool).mfa.get(session or "")
        if item is not None and clock() >= item.expires_at:
            pool_state(pool).mfa.pop(session or "", None)
            item = None
        # A session is refused, and kept, when answered for another client or challenge.
        if item is None or item.client_id != client.id or item.challenge != challenge:
            raise NotAuthorizedError(INVALID_SESSION)
    user = pool._get_user(item.username) if item.username else None
    named = pool._get_user(responses["USERNAME"])
    if item.username and (user is None or named is not user):
        raise NotAuthorizedError(INVALID_SESSION)
    check_secret_hash(
        client,
        [responses["USERNAME"]] + ([user.username, user.id] if user else []),
        responses.get("SECRET_HASH"),
    )
    if user is None:  # simulated: no answer is right
        right = False
    elif challenge == "EMAIL_OTP":
        with LOCK:
            pending = pool_state(pool).codes.get((user.id, "sign_in"))
            right = (
                pending is not None
                and clock() < pending.expires_at
                and same_secret(pending.code, responses[answer_name])
            )
            if right:
                del pool_state(pool).codes[(user.id, "sign_in")]
    else:
        secret = pool_state(pool).totp.get(user.id)
        right = secret is not None and use_totp(pool, user, secret, responses[answer_name])
    if not right or user is None:
        with LOCK:
            item.wrong_answers += 1
            if item.wrong_answers >= MFA_ANSWERS_PER_SESSION:
                pool_state(pool).mfa.pop(session or "", None)
        raise CodeMismatchException("Invalid code received for user")
    with LOCK:
        pool_state(pool).mfa.pop(session or "", None)
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    return self._log_user_in(pool, client, user.username)


def associate_software_token(
    self: CognitoIdpBackend, access_token: str, session: str | None
) -> dict[str, str]:
    """AssociateSoftwareToken with an access token: a new random TOTP secret for the
    user (API reference: the ``SecretCode`` to give the authenticator app; the user's
    MFA is unchanged until VerifySoftwareToken and SetUserMFAPreference). A new call
    replaces a pending, unverified secret. The ``Session`` variant (``MFA_SETUP`` in
    pools where MFA is ``ON``) is not emulated: Moments' pool has MFA ``OPTIONAL``.
    """
    if session and not access_token:
        raise UnsupportedOperationError("MFA_SETUP sessions are not emulated; use AccessToken")
    pool, user = token_user(self, access_token)
    secret = new_totp_secret()
    with LOCK:
        pool_state(pool).totp_pending[user.id] = secret
    return {"SecretCode": secret}


def verify_software_token(
    self: CognitoIdpBackend,
    access_token: str,
    session: str | None,
    user_code: str,
    friendly_device_name: str | None,
) -> dict[str, str]:
    """VerifySoftwareToken: a right code of the pending secret makes it the user's
    verified software token (API reference; ``Status: SUCCESS``).

    :raises EnableSoftwareTokenMFAException: wrong, stale or reused code ("Code
        mismatch"), or no AssociateSoftwareToken first.
    :raises NotAuthorizedError: bad access token.
    """
    if session and not access_token:
        raise UnsupportedOperationError("MFA_SETUP sessions are not emulated; use AccessToken")
    pool, user = token_user(self, access_token)
    secret = pool_state(pool).totp_pending.get(user.id)
    if secret is None or not use_totp(pool, user, secret, user_code):
        raise EnableSoftwareTokenMfaError()
    with LOCK:
        state = pool_state(pool)
        state.totp[user.id] = state.totp_pending.pop(user.id)
    user.token_verified = True
    return {"Status": "SUCCESS"}


def set_user_mfa_preference(
    self: CognitoIdpBackend,
    access_token: str,
    software_token_mfa_settings: dict[str, bool],
    sms_mfa_settings: dict[str, bool],
) -> None:
    """SetUserMFAPreference with Cognito's access-token checks (moto accepts revoked
    tokens); enabling TOTP needs a verified software token (InvalidParameterException
    "User has not verified software token mfa", moto's rule and Cognito's)."""
    pool, user = token_user(self, access_token)
    self.admin_set_user_mfa_preference(
        pool.id, user.username, software_token_mfa_settings, sms_mfa_settings
    )
