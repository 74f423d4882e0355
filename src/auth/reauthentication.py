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

from typing import TYPE_CHECKING, Any

from auth.errors import WRONG_PROOF, UpstreamError
from auth.models import Proof
from shared.http import ApiError

if TYPE_CHECKING:
    from auth.service import IdentityProvider

#: RFC 9470 section 3 (OAuth 2.0 Step Up Authentication Challenge): the Bearer error a
#: resource server answers when the user must authenticate again; ``max_age=0`` asks for
#: an authentication that happens now.
STEP_UP_CHALLENGE = 'Bearer error="insufficient_user_authentication", max_age=0'

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


class ReauthenticationRequired(ApiError):
    """401 ``reauthentication_required``: the request carries no (or not enough) proof.

    Sent with ``WWW-Authenticate`` :data:`STEP_UP_CHALLENGE`.
    """

    def __init__(self, description: str) -> None:
        super().__init__(
            401,
            "reauthentication_required",
            description,
            {"WWW-Authenticate": STEP_UP_CHALLENGE},
        )


def wrong_proof() -> ApiError:
    """401 ``invalid_credentials``: the status and code of a wrong sign-in."""
    return ApiError(WRONG_PROOF.status, WRONG_PROOF.error, WRONG_PROOF.description or "")


def totp_enabled(user: dict[str, Any]) -> bool:
    """Whether GetUser's ``UserMFASettingList`` has TOTP on."""
    return _TOTP in (user.get("UserMFASettingList") or [])


def check_proof(idp: IdentityProvider, access_token: str, proof: Proof) -> dict[str, Any]:
    """Check ``proof`` for the user of ``access_token``; nothing changes on any failure.

    This is the one function every sensitive route calls: a per-email attempt counter
    belongs in its ``except`` branch (the ``email`` is the token's user's).

    Returns:
        GetUser's response for the token's user (``Username``, ``UserAttributes``,
        ``UserMFASettingList``), so the caller needs no second GetUser.

    Raises:
        UpstreamError: 401 ``invalid_token`` (GetUser refused the access token); 429
            ``too_many_requests`` (Cognito's lockout); 5xx.
        ReauthenticationRequired: 401 ``reauthentication_required``: no password, or no
            code for a user with TOTP on.
        ApiError: 401 ``invalid_credentials`` for a wrong password or code.
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
    email = next((a["Value"] for a in user.get("UserAttributes", []) if a["Name"] == "email"), "")
    try:
        result = idp.initiate_password_auth(email, proof.password)
        if result.get("ChallengeName") == _TOTP and result.get("Session"):
            if not proof.code:  # TOTP turned on since GetUser
                raise ReauthenticationRequired(
                    "Confirm it is you: send a current code from the authenticator app as well."
                )
            result = idp.respond_to_mfa_challenge(email, _TOTP, str(result["Session"]), proof.code)
    except UpstreamError as exc:
        # Cognito's lockout is a NotAuthorizedException mapped to 429: it stays a 429.
        if exc.code not in _WRONG_PROOF_CODES or exc.status == 429:
            raise
        raise wrong_proof() from exc
    tokens = result.get("AuthenticationResult")
    if not isinstance(tokens, dict):
        raise ApiError(
            403, "challenge_required", "Sign-in needs a further step this API does not answer."
        )
    if tokens.get("RefreshToken"):
        idp.revoke_token(str(tokens["RefreshToken"]))
    return user
