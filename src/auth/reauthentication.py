"""A fresh proof of identity for the sensitive account routes (OWASP ASVS 5.0
requirement 7.5.1: "the application requires full re-authentication before allowing
modifications to sensitive account attributes").

Deleting the account, turning TOTP MFA on or off and changing the sign-in email take a
:class:`~auth.models.Proof` on top of the access token. :func:`check_proof` is the one
place that checks it, through Cognito and the pool's own sign-in flow:

1. GetUser checks the access token and names its user; the proof is checked against that
   user's sign-in email, never one from the request.
2. InitiateAuth ``USER_PASSWORD_AUTH`` with the password (and SECRET_HASH). For a user with
   TOTP on, Cognito answers ``SOFTWARE_TOKEN_MFA``; RespondToAuthChallenge answers it
   with the proof's code.
3. The tokens that sign-in issues are not needed: RevokeToken revokes its refresh token
   and the access token issued with it (cognito-idp API reference, RevokeToken).

A wrong password counts toward Cognito's own lockout like a wrong sign-in (developer
guide, "User pool lockout behavior"), and a wrong code toward the challenge's. Nothing
here is stored or logged.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from auth.core import attributes_of
from auth.errors import (
    ChallengeRequired,
    ReauthenticationRequired,
    UpstreamError,
    WrongProof,
    lookup,
)
from auth.models import Proof

if TYPE_CHECKING:
    from auth.core import IdentityProvider

#: Upstream errors that mean "the password or code is wrong" during the proof: a wrong
#: password (InitiateAuth), a wrong, stale or reused code, or a spent challenge session
#: (RespondToAuthChallenge).
_WRONG_PROOF_CODES = frozenset(
    {
        "NotAuthorizedException",
        "UserNotFoundException",
        "CodeMismatchException",
        "ExpiredCodeException",
    }
)
_TOTP = "SOFTWARE_TOKEN_MFA"


def totp_enabled(user: dict[str, Any]) -> bool:
    """Whether GetUser's ``UserMFASettingList`` has TOTP on."""
    return _TOTP in (user.get("UserMFASettingList") or [])


def check_proof(
    idp: IdentityProvider,
    access_token: str,
    proof: Proof,
    attempt: Callable[[str], AbstractContextManager[None]],
) -> dict[str, Any]:
    """Check ``proof`` for the user of ``access_token``; nothing changes on any failure.

    This is the one function every sensitive route calls. ``attempt(email)`` wraps the
    Cognito calls that check the password and code, with the token's user's sign-in email:
    the broker passes its attempt counter's sign-in family (:mod:`auth.attempts`), so a
    wrong proof counts toward the same limit as a wrong sign-in (issue 25), and over it
    the proof is refused before Cognito is called.

    Returns:
        GetUser's response for the token's user (``Username``, ``UserAttributes``,
        ``UserMFASettingList``), so the caller needs no second GetUser.

    Raises:
        UpstreamError: 401 ``invalid_token`` (GetUser refused the access token); 429
            ``too_many_requests`` (Cognito's lockout); 5xx.
        ReauthenticationRequired: (401 ``reauthentication_required``) no password, or
            no code for a user with TOTP on.
        WrongProof: (401 ``invalid_credentials``) a wrong password or code.
        TooManyAttempts: (429) from ``attempt``: the email's attempt limit.
        ChallengeRequired: (403) Cognito asked for a step this API does not answer.
    """
    user = idp.get_user(access_token)
    mfa = totp_enabled(user)
    if not proof.password:
        raise ReauthenticationRequired(
            "Confirm it is you: send the account's password"
            + (" and a current code from the authenticator app." if mfa else ".")
        )
    if mfa and not proof.code:
        raise ReauthenticationRequired(
            "Confirm it is you: send a current code from the authenticator app as well."
        )
    email = attributes_of(user).get("email", "")
    try:
        with attempt(email):
            result = idp.initiate_password_auth(email, proof.password)
            if result.get("ChallengeName") == _TOTP and result.get("Session"):
                if not proof.code:  # TOTP turned on since GetUser
                    raise ReauthenticationRequired(
                        "Confirm it is you: send a current code from the authenticator app as well."
                    )
                session = str(result["Session"])
                result = idp.respond_to_mfa_challenge(email, _TOTP, session, proof.code)
    except UpstreamError as exc:
        # Cognito's lockout is a NotAuthorizedException mapped to 429: it stays a 429.
        if (
            exc.code not in _WRONG_PROOF_CODES
            or lookup(exc.operation, exc.code, exc.message).status == 429
        ):
            raise
        raise WrongProof() from exc
    tokens = result.get("AuthenticationResult")
    if not isinstance(tokens, dict):
        raise ChallengeRequired("Sign-in needs a further step this API does not answer.")
    if tokens.get("RefreshToken"):
        idp.revoke_token(str(tokens["RefreshToken"]))
    return user
