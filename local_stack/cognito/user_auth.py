"""Choice-based sign-in (InitiateAuth ``USER_AUTH``; moto has none): the
``PREFERRED_CHALLENGE`` dispatch, passkey sign-in (the ``WEB_AUTHN`` challenge, verified by
py_webauthn) and the rule that a user with MFA gets no passwordless first factor.

Cognito's developer guide, "Authentication flows" (choice-based sign-in) and "MFA
prerequisites": a user who has MFA configured cannot sign in with a passwordless first
factor (``EMAIL_OTP``, ``SMS_OTP``, ``WEB_AUTHN``) unless passkeys satisfy MFA
(``WebAuthnMfaSettings``, not emulated).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    UserNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
)
from webauthn import (
    generate_authentication_options,
    options_to_json,
    verify_authentication_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_client_data_json,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse
from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

from local_stack.cognito.errors import INCORRECT_CREDENTIALS, INVALID_SESSION
from local_stack.cognito.rules import (
    auth_session_seconds,
    check_secret_hash,
    prevents_existence_errors,
)
from local_stack.cognito.state import LOCK, ChallengeSession, clock, open_challenge, pool_state
from local_stack.cognito.webauthn import allowed_origin, relying_party, user_passkeys

#: Keys what unknown users are shown (a credential id, a SELECT_CHALLENGE offer), so that
#: one name always gets the same and nothing tells them from a real user
#: (PreventUserExistenceErrors). Per process: a restart changes it, as a redeploy might.
_SIMULATION_KEY = secrets.token_bytes(32)


def simulated_digest(pool: CognitoIdpUserPool, username: str) -> bytes:
    """32 bytes fixed for ``username`` in ``pool`` (HMAC-SHA256 under a process key), from
    which simulated answers for hidden users are drawn."""
    return hmac.new(_SIMULATION_KEY, f"{pool.id}|{username}".encode(), hashlib.sha256).digest()


def has_mfa(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> bool:
    """Whether ``user`` has MFA configured: a verified TOTP software token turned on, in a
    pool whose ``MfaConfiguration`` is not ``OFF`` (what leads to ``SOFTWARE_TOKEN_MFA``)."""
    return (
        pool.mfa_config != "OFF"
        and bool(user.software_token_mfa_enabled)
        and user.id in pool_state(pool).totp
    )


def passwordless_user(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, username: str
) -> CognitoIdpUser | None:
    """The user a passwordless first factor may sign in, or None for a simulated challenge
    (unknown, disabled, unconfirmed, or with MFA configured).

    :raises UserNotFoundError: unknown user and the client does not prevent user existence
        errors.
    """
    user = pool._get_user(username)
    if user is None and not prevents_existence_errors(client):
        raise UserNotFoundError("User does not exist.")
    if user is None or not user.enabled or user.status != UserStatus.CONFIRMED:
        return None
    return None if has_mfa(pool, user) else user


def start_web_authn(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, params: dict[str, str]
) -> dict[str, Any]:
    """InitiateAuth ``USER_AUTH`` with ``PREFERRED_CHALLENGE: WEB_AUTHN``: the ``WEB_AUTHN``
    challenge, ``ChallengeParameters.CREDENTIAL_REQUEST_OPTIONS`` being W3C
    PublicKeyCredentialRequestOptionsJSON whose challenge lives as long as the Session
    (the client's ``AuthSessionValidity``).

    A user without a passkey, or one the no-oracle rule hides (:func:`passwordless_user`),
    gets the same shape with a simulated credential id; no answer passes it.

    :raises InvalidParameterException: WEB_AUTHN not allowed by the pool, or no RP ID.
    """
    username = params["USERNAME"]
    party = relying_party(pool)
    if party is None:
        raise InvalidParameterException("WEB_AUTHN is not an allowed first auth factor")
    rp_id, uv_required = party
    check_secret_hash(client, [username], params.get("SECRET_HASH"))
    user = passwordless_user(pool, client, username)
    keys = list(user_passkeys(pool, user)) if user is not None else []
    ids = [base64url_to_bytes(k) for k in keys] or [simulated_digest(pool, username)[:16]]
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=auth_session_seconds(client) * 1000,
        allow_credentials=[PublicKeyCredentialDescriptor(id=i) for i in ids],
        user_verification=(
            UserVerificationRequirement.REQUIRED
            if uv_required
            else UserVerificationRequirement.PREFERRED
        ),
    )
    session = open_challenge(
        pool,
        ChallengeSession(
            user.username if user is not None and keys else "",
            client.id,
            clock() + auth_session_seconds(client),
            challenge="WEB_AUTHN",
            webauthn_challenge=bytes_to_base64url(options.challenge),
        ),
    )
    return {
        "ChallengeName": "WEB_AUTHN",
        "Session": session,
        "ChallengeParameters": {"CREDENTIAL_REQUEST_OPTIONS": options_to_json(options)},
    }


def take_session(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, session: str | None, challenge: str
) -> ChallengeSession:
    """Spend this client's live ``challenge`` Session (single use, right or wrong answer).

    :raises NotAuthorizedError: unknown, expired or spent Session, or another client's or
        challenge's (which is left in place).
    """
    with LOCK:
        sessions = pool_state(pool).mfa
        item = sessions.get(session or "")
        if item is None or item.client_id != client.id or item.challenge != challenge:
            raise NotAuthorizedError(INVALID_SESSION)
        del sessions[session or ""]
    if clock() >= item.expires_at:
        raise NotAuthorizedError(INVALID_SESSION)
    return item


def answer_web_authn(
    self: CognitoIdpBackend,
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    session: str | None,
    responses: dict[str, str],
) -> dict[str, Any]:
    """RespondToAuthChallenge ``WEB_AUTHN``: ``USERNAME`` and ``CREDENTIAL`` (W3C
    AuthenticationResponseJSON as a string), tokens when py_webauthn verifies it.

    The Session is spent by any answer. Checks: the Session's user is ``USERNAME``'s and
    still may use a passwordless factor; the credential is one of *that* user's passkeys;
    the origin (:func:`allowed_origin`); then py_webauthn: challenge, origin, rpIdHash,
    UP, UV when the pool requires it, the signature over authenticatorData ‖
    SHA-256(clientDataJSON) with the stored COSE key, and a sign count that grew (or is 0
    on both sides). The new sign count is kept.

    :raises NotAuthorizedError: any failed check ("Incorrect username or password.", or
        the invalid-session message for a bad Session); nothing but the Session changes.
    :raises InvalidParameterException: ``USERNAME`` or ``CREDENTIAL`` missing.
    """
    for name in ("USERNAME", "CREDENTIAL"):
        if not responses.get(name):
            raise InvalidParameterException(f"Missing required parameter {name}")
    item = take_session(pool, client, session, "WEB_AUTHN")
    user = pool._get_user(item.username) if item.username else None
    named = pool._get_user(responses["USERNAME"])
    if item.username and named is not user:
        raise NotAuthorizedError(INVALID_SESSION)
    check_secret_hash(
        client,
        [responses["USERNAME"]] + ([user.username, user.id] if user else []),
        responses.get("SECRET_HASH"),
    )
    party = relying_party(pool)
    if user is None or party is None or passwordless_user(pool, client, user.username) is None:
        raise NotAuthorizedError(INCORRECT_CREDENTIALS)
    _verify_assertion(pool, user, party, item.webauthn_challenge, responses["CREDENTIAL"])
    return self._log_user_in(pool, client, user.username)


def _verify_assertion(
    pool: CognitoIdpUserPool,
    user: CognitoIdpUser,
    party: tuple[str, bool],
    challenge: str,
    credential: str,
) -> None:
    """Verify ``credential`` (AuthenticationResponseJSON) for ``user`` and keep its new
    sign count; see :func:`answer_web_authn`.

    :raises NotAuthorizedError: any failed check.
    """
    rp_id, uv_required = party
    try:
        parsed = parse_authentication_credential_json(credential)
        origin = parse_client_data_json(parsed.response.client_data_json).origin
    except Exception as error:  # py_webauthn raises several types for malformed input
        raise NotAuthorizedError(INCORRECT_CREDENTIALS) from error
    key = bytes_to_base64url(parsed.raw_id)
    passkey = user_passkeys(pool, user).get(key)
    if passkey is None or not allowed_origin(origin, rp_id):
        raise NotAuthorizedError(INCORRECT_CREDENTIALS)
    try:
        verified = verify_authentication_response(
            credential=json.loads(credential),
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=base64url_to_bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=uv_required,
        )
    except InvalidAuthenticationResponse as error:
        raise NotAuthorizedError(INCORRECT_CREDENTIALS) from error
    with LOCK:
        passkey.sign_count = verified.new_sign_count
