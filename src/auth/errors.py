"""The auth broker's one error table: Cognito exception names, OAuth error codes and the
logic's own refusals -> HTTP.

The adapters raise every failure they get from upstream as an :class:`UpstreamError` (the
operation and the upstream's error name; no status), and the logic (``service.py``) raises
the :class:`BrokerError` kinds below for what it refuses itself. Only :data:`ERRORS`
turns either into a status, ``error`` code and description: ``auth.api.AuthApp`` answers
through :func:`error_mapping`, as ``photos.errors`` does for the photo service. Sources
of the rules:

- Cognito exception names: the cognito-idp API reference ("Errors" of each operation).
  With ``PreventUserExistenceErrors: ENABLED`` Cognito itself answers unknown users with
  ``NotAuthorizedException`` (sign-in) or ``CodeMismatchException`` (confirm / reset); the
  table maps ``UserNotFoundException`` the same way, so an emulator that leaks it (moto)
  cannot make the broker leak it either.
- OAuth error codes from ``/oauth2/token``: RFC 6749 section 5.2. ``invalid_client`` and
  ``unauthorized_client`` describe the *broker's* credentials, not the caller's, so they
  become 500 ``server_error`` (a misconfiguration to fix, not something a caller can retry
  or correct); passing them through would invite the caller to authenticate itself.
- Transport failures (timeouts, refused connections, upstream 5xx) become 502
  ``server_error`` or 503 ``temporarily_unavailable`` with ``Retry-After`` (RFC 9110
  section 10.2.3), never a traceback.

The ``Retry-After`` values are the broker's hints: Cognito publishes no reset time. Its
quotas are per second (``TooManyRequestsException``) or per account and hour
(``LimitExceededException``, e.g. resending codes), hence the two values.
"""

from __future__ import annotations

from dataclasses import replace

from shared.errors import ANY, DomainError
from shared.http import SERVER_ERROR, ApiError, ErrorMapping

OAUTH_TOKEN = "oauth2/token"
"""The ``operation`` name used for the hosted UI's token endpoint."""

#: The one sentence of every per-account limit: Cognito's lockout and code limits, and the
#: broker's own attempt counter (:mod:`auth.attempts`), which answers them alike.
LIMITED_DESCRIPTION = "Too many attempts; retry later."

# Synthetic codes for failures that carry no upstream error name.
UPSTREAM_TIMEOUT = "UpstreamTimeout"
UPSTREAM_UNREACHABLE = "UpstreamUnreachable"
UPSTREAM_THROTTLED = "UpstreamThrottled"
UPSTREAM_UNAVAILABLE = "UpstreamUnavailable"
UPSTREAM_BAD_RESPONSE = "UpstreamBadResponse"


class UpstreamError(DomainError):
    """A Cognito, ``/oauth2/token`` or DynamoDB failure, in the upstream's own terms.

    Args:
        operation: the cognito-idp operation (``"SignUp"``), :data:`OAUTH_TOKEN` or the
            DynamoDB call.
        code: the upstream name (``"CodeMismatchException"``, ``"invalid_grant"``) or one
            of the synthetic ``UPSTREAM_*`` codes.
        message: the upstream's message; relayed only where :data:`ERRORS` says so.
    """

    def __init__(self, operation: str, code: str, message: str | None = None) -> None:
        super().__init__(message or "", code=code, operation=operation)


class BrokerError(DomainError):
    """A request the broker's logic refuses; its class name is its row in :data:`ERRORS`
    (``(ANY, name)``) and its message the sentence for the caller."""


class InvalidRequest(BrokerError):
    """The request is well formed but not acceptable (the sentence says why)."""


class InvalidGrant(BrokerError):
    """A grant the broker refuses before any upstream call (RFC 6749 section 5.2)."""


class PasswordRejected(BrokerError):
    """The password breaks the pool's policy (the sentence lists the rules)."""


class ChallengeRequired(BrokerError):
    """Sign-in needs a challenge this API does not answer."""


class PasswordlessDisabled(BrokerError):
    """The deployment has no SES identity for emailed sign-in codes."""


class PasskeysDisabled(BrokerError):
    """The pool does not allow ``WEB_AUTHN`` as a first factor."""


class RefusedAnswer(BrokerError):
    """Cognito refused a passkey answered to a sign-in challenge (or the
    session was one of the broker's decoys, :mod:`auth.sign_in_choice`)."""


class InvalidSession(BrokerError):
    """A ``SELECT_CHALLENGE`` session the broker did not issue for this email, or one
    that has expired (:mod:`auth.sign_in_choice`)."""


class CodeMismatch(BrokerError):
    """The authenticator's code was not accepted."""


class ReauthenticationRequired(BrokerError):
    """A sensitive route came without (enough of) a fresh proof of identity
    (:mod:`auth.reauthentication`); the sentence says what to send."""


class WrongProof(BrokerError):
    """The fresh proof's password or code is wrong (:mod:`auth.reauthentication`)."""


class MfaAlreadyEnabled(BrokerError):
    """TOTP is already on; turning it on again would replace the authenticator."""


class InvalidPasskey(BrokerError):
    """Cognito refused a passkey registration (CompleteWebAuthnRegistration); the sentence
    says why in the user's terms (:mod:`auth.passkeys`)."""


class PasskeyNotFound(BrokerError):
    """The signed-in user has no passkey with that credential id (another user's, a
    deleted one, or none ever)."""


class TooManyAttempts(BrokerError):
    """The email's attempt counter is full (:mod:`auth.attempts`), or Cognito's own
    lockout or code limit answered for it: one answer for every email.

    Args:
        retry_after_seconds: seconds until the counter's window ends (at least 1); the
            edge sends them as ``Retry-After`` (RFC 9110 section 10.2.3).
    """

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(LIMITED_DESCRIPTION)
        self.retry_after_seconds = max(1, int(retry_after_seconds))


#: RFC 9470 section 3 (OAuth 2.0 Step Up Authentication Challenge): the Bearer error a
#: resource server answers when the user must authenticate again; ``max_age=0`` asks for
#: an authentication that happens now.
STEP_UP_CHALLENGE = 'Bearer error="insufficient_user_authentication", max_age=0'
_INVALID_CREDENTIALS = ErrorMapping(401, "invalid_credentials", "The email or password is wrong.")
_INVALID_GRANT_REFRESH = ErrorMapping(
    400, "invalid_grant", "The refresh token is invalid, expired or revoked."
)
_CODE_MISMATCH = ErrorMapping(400, "code_mismatch", "The code is wrong.")
# One answer for every confirm / reset failure that depends on the account's state
# (unknown, unconfirmed, already confirmed, no pending reset, code expired): OWASP ASVS
# 5.0 section 6.3.8, no account oracle. The sentence still tells a real user what to do.
_CONFIRM_FAILED = ErrorMapping(
    400,
    "code_mismatch",
    "If that email can be confirmed, the code is wrong or has expired; request a new one.",
)
_RESET_FAILED = ErrorMapping(
    400,
    "code_mismatch",
    "If that email can reset its password, the code is wrong or has expired; request a new one.",
)
_INVALID_TOKEN = ErrorMapping(
    401, "invalid_token", "The access token is invalid, expired or revoked."
)
_INVALID_SESSION = ErrorMapping(
    401, "invalid_session", "The sign-in session is invalid or has expired; sign in again."
)
# Cognito's own lockout after repeated wrong passwords: NotAuthorizedException with the
# message "Password attempts exceeded" (Cognito guide, "User pool lockout behavior": 5
# failures, then a lockout from 1 second doubling to about 15 minutes).
LOCKOUT_MESSAGE = "Password attempts exceeded"
_LOCKED_OUT = ErrorMapping(429, "too_many_requests", LIMITED_DESCRIPTION, 60)
_THROTTLED = ErrorMapping(429, "too_many_requests", "Too many requests; retry later.", 5)
_LIMITED = ErrorMapping(429, "too_many_requests", LIMITED_DESCRIPTION, 60)
_PASSKEYS_DISABLED = ErrorMapping(
    403, "passkeys_disabled", "Passkeys are not enabled on this deployment."
)
_MISCONFIGURED = ErrorMapping(500, "server_error", "The service is misconfigured.")
_UPSTREAM_FAILED = ErrorMapping(502, "server_error", "The identity provider failed; retry later.")
_UNAVAILABLE = ErrorMapping(
    503, "temporarily_unavailable", "The identity provider is unavailable; retry later.", 5
)

ERRORS: dict[tuple[str, str], ErrorMapping] = {
    # -- the logic's own refusals (BrokerError kinds): the sentence is the logic's
    (ANY, "InvalidRequest"): ErrorMapping(400, "invalid_request", None),
    (ANY, "InvalidGrant"): ErrorMapping(400, "invalid_grant", None),
    (ANY, "PasswordRejected"): ErrorMapping(400, "invalid_password", None),
    (ANY, "ChallengeRequired"): ErrorMapping(403, "challenge_required", None),
    (ANY, "PasswordlessDisabled"): ErrorMapping(
        403,
        "passwordless_disabled",
        "Sign-in with an emailed code is not enabled on this deployment.",
    ),
    (ANY, "PasskeysDisabled"): ErrorMapping(
        403, "passkeys_disabled", "Sign-in with a passkey is not enabled on this deployment."
    ),
    # A refused passkey (auth.sign_in_choice.refusal), as a wrong sign-in.
    (ANY, "RefusedAnswer"): ErrorMapping(401, "invalid_credentials", None),
    (ANY, "CodeMismatch"): _CODE_MISMATCH,
    (ANY, "InvalidSession"): _INVALID_SESSION,
    # The fresh proof (auth.reauthentication): RFC 9470 section 3's step-up challenge
    # (max_age=0: an authentication that happens now); a wrong proof answers as a wrong
    # sign-in, whichever part (password or TOTP code) was wrong.
    (ANY, "ReauthenticationRequired"): ErrorMapping(
        401,
        "reauthentication_required",
        None,
        headers={"WWW-Authenticate": STEP_UP_CHALLENGE},
    ),
    (ANY, "WrongProof"): ErrorMapping(401, "invalid_credentials", "The password or code is wrong."),
    (ANY, "MfaAlreadyEnabled"): ErrorMapping(
        409,
        "mfa_enabled",
        "An authenticator app is already on; turn MFA off first (DELETE /auth/mfa).",
    ),
    # Retry-After: the error's own seconds to the window's end (error_mapping).
    (ANY, "TooManyAttempts"): _LIMITED,
    # Passkeys (auth.passkeys, issue 20): a refused registration and an unknown id.
    (ANY, "InvalidPasskey"): ErrorMapping(400, "invalid_passkey", None),
    (ANY, "PasskeyNotFound"): ErrorMapping(404, "passkey_not_found", "You have no such passkey."),
    # -- operation-specific entries win over the ANY entries below
    ("InitiateAuth", "NotAuthorizedException"): _INVALID_CREDENTIALS,
    ("InitiateAuth", "UserNotFoundException"): _INVALID_CREDENTIALS,
    ("GetTokensFromRefreshToken", "NotAuthorizedException"): _INVALID_GRANT_REFRESH,
    ("GetTokensFromRefreshToken", "UserNotFoundException"): _INVALID_GRANT_REFRESH,
    ("GetTokensFromRefreshToken", "RefreshTokenReuseException"): _INVALID_GRANT_REFRESH,
    ("ConfirmSignUp", "CodeMismatchException"): _CONFIRM_FAILED,
    ("ConfirmSignUp", "ExpiredCodeException"): _CONFIRM_FAILED,
    ("ConfirmSignUp", "NotAuthorizedException"): _CONFIRM_FAILED,  # already confirmed
    ("ConfirmSignUp", "UserNotFoundException"): _CONFIRM_FAILED,
    ("ConfirmForgotPassword", "CodeMismatchException"): _RESET_FAILED,
    ("ConfirmForgotPassword", "ExpiredCodeException"): _RESET_FAILED,  # also: no reset pending
    ("ConfirmForgotPassword", "NotAuthorizedException"): _RESET_FAILED,
    ("ConfirmForgotPassword", "UserNotFoundException"): _RESET_FAILED,
    # "Cannot reset password for the user as there is no registered/verified email"
    ("ConfirmForgotPassword", "InvalidParameterException"): _RESET_FAILED,
    ("GlobalSignOut", "NotAuthorizedException"): _INVALID_TOKEN,
    # Sign-in challenges (RespondToAuthChallenge): an unknown, expired or spent session
    # and a session of another user get one answer (no account oracle).
    ("RespondToAuthChallenge", "NotAuthorizedException"): _INVALID_SESSION,
    ("RespondToAuthChallenge", "UserNotFoundException"): _INVALID_SESSION,
    ("RespondToAuthChallenge", "ExpiredCodeException"): _INVALID_SESSION,
    ("RespondToAuthChallenge", "CodeMismatchException"): _CODE_MISMATCH,
    # Operations authorised by the user's access token (revoked, expired, user deleted).
    ("GetUser", "NotAuthorizedException"): _INVALID_TOKEN,
    ("GetUser", "UserNotFoundException"): _INVALID_TOKEN,
    ("AssociateSoftwareToken", "NotAuthorizedException"): _INVALID_TOKEN,
    ("VerifySoftwareToken", "NotAuthorizedException"): _INVALID_TOKEN,
    ("SetUserMFAPreference", "NotAuthorizedException"): _INVALID_TOKEN,
    ("UpdateUserAttributes", "NotAuthorizedException"): _INVALID_TOKEN,
    ("VerifyUserAttribute", "NotAuthorizedException"): _INVALID_TOKEN,
    ("DeleteUser", "NotAuthorizedException"): _INVALID_TOKEN,
    ("DeleteUser", "UserNotFoundException"): _INVALID_TOKEN,
    ("StartWebAuthnRegistration", "NotAuthorizedException"): _INVALID_TOKEN,
    ("ListWebAuthnCredentials", "NotAuthorizedException"): _INVALID_TOKEN,
    ("DeleteWebAuthnCredential", "NotAuthorizedException"): _INVALID_TOKEN,
    # The token was checked (GetUser) just before: NotAuthorized is the current password.
    ("ChangePassword", "NotAuthorizedException"): ErrorMapping(
        400, "invalid_credentials", "The current password is wrong."
    ),
    # VerifySoftwareToken's wrong code (API reference: "code mismatch").
    ("*", "EnableSoftwareTokenMFAException"): _CODE_MISMATCH,
    ("*", "SoftwareTokenMFANotFoundException"): ErrorMapping(
        400, "mfa_not_set_up", "Set up an authenticator app first (POST /auth/mfa/setup)."
    ),
    # A pool without passkeys: WEB_AUTHN not among its first factors (or the Lite
    # feature plan), or no relying party ID (API reference, StartWebAuthnRegistration).
    ("*", "WebAuthnNotEnabledException"): _PASSKEYS_DISABLED,
    ("*", "WebAuthnConfigurationMissingException"): _PASSKEYS_DISABLED,
    # -- cognito-idp, any operation
    ("*", "UsernameExistsException"): ErrorMapping(
        409, "user_exists", "An account with this email already exists."
    ),
    ("*", "AliasExistsException"): ErrorMapping(
        409, "user_exists", "An account with this email already exists."
    ),
    ("*", "InvalidPasswordException"): ErrorMapping(400, "invalid_password", None),
    ("*", "PasswordHistoryPolicyViolationException"): ErrorMapping(
        400, "invalid_password", "The new password was used recently; choose another."
    ),
    ("*", "InvalidParameterException"): ErrorMapping(400, "invalid_request", None),
    ("*", "CodeMismatchException"): _CODE_MISMATCH,
    ("*", "UserNotFoundException"): _CODE_MISMATCH,
    ("*", "ExpiredCodeException"): ErrorMapping(
        400, "expired_code", "The code has expired; request a new one."
    ),
    ("*", "UserNotConfirmedException"): ErrorMapping(
        403, "user_not_confirmed", "Confirm the account with the emailed code first."
    ),
    ("*", "PasswordResetRequiredException"): ErrorMapping(
        403, "password_reset_required", "Reset the password with POST /auth/forgot-password."
    ),
    ("*", "NotAuthorizedException"): ErrorMapping(
        403, "not_authorized", "This account cannot do that now."
    ),
    ("*", "UnsupportedTokenTypeException"): ErrorMapping(
        400, "unsupported_token_type", "Only refresh tokens can be revoked."
    ),
    ("*", "UnauthorizedException"): ErrorMapping(
        400, "invalid_grant", "The token was not issued to this client."
    ),
    ("*", "ForbiddenException"): ErrorMapping(403, "forbidden", "The request was refused."),
    ("*", "TooManyRequestsException"): _THROTTLED,
    ("*", "LimitExceededException"): _LIMITED,
    ("*", "TooManyFailedAttemptsException"): _LIMITED,
    ("*", "CodeDeliveryFailureException"): ErrorMapping(
        502, "code_delivery_failed", "The code could not be sent; retry later."
    ),
    ("*", "ResourceNotFoundException"): _MISCONFIGURED,
    ("*", "InvalidUserPoolConfigurationException"): _MISCONFIGURED,
    ("*", "UnsupportedOperationException"): _MISCONFIGURED,
    ("*", "OperationNotEnabledException"): _MISCONFIGURED,
    ("*", "InvalidEmailRoleAccessPolicyException"): _MISCONFIGURED,
    ("*", "InvalidSmsRoleAccessPolicyException"): _MISCONFIGURED,
    ("*", "InvalidSmsRoleTrustRelationshipException"): _MISCONFIGURED,
    ("*", "InternalErrorException"): _UPSTREAM_FAILED,
    ("*", "UnexpectedLambdaException"): _UPSTREAM_FAILED,
    ("*", "UserLambdaValidationException"): _UPSTREAM_FAILED,
    ("*", "InvalidLambdaResponseException"): _UPSTREAM_FAILED,
    # -- the hosted UI's /oauth2/token (RFC 6749 section 5.2)
    (OAUTH_TOKEN, "invalid_request"): ErrorMapping(400, "invalid_request", None),
    (OAUTH_TOKEN, "invalid_grant"): ErrorMapping(
        400,
        "invalid_grant",
        "The authorization code is invalid, expired or already used, or the redirect_uri "
        "or code_verifier does not match it.",
    ),
    (OAUTH_TOKEN, "invalid_scope"): ErrorMapping(400, "invalid_scope", None),
    (OAUTH_TOKEN, "unsupported_grant_type"): ErrorMapping(
        400, "unsupported_grant_type", "The identity provider refused this grant type."
    ),
    (OAUTH_TOKEN, "invalid_client"): _MISCONFIGURED,
    (OAUTH_TOKEN, "unauthorized_client"): _MISCONFIGURED,
    # -- transport (either upstream)
    ("*", UPSTREAM_TIMEOUT): _UNAVAILABLE,
    ("*", UPSTREAM_UNREACHABLE): _UNAVAILABLE,
    ("*", UPSTREAM_UNAVAILABLE): _UNAVAILABLE,
    ("*", UPSTREAM_THROTTLED): _THROTTLED,
    ("*", UPSTREAM_BAD_RESPONSE): _UPSTREAM_FAILED,
}
"""``(operation or "*", upstream code) -> ErrorMapping``; unknown codes get a 502."""


def lookup(operation: str, code: str, message: str | None = None) -> ErrorMapping:
    """The mapping for ``code`` raised by ``operation``; unknown codes map to 502.

    ``message`` matters for one case only: Cognito reports its lockout as
    ``NotAuthorizedException`` "Password attempts exceeded", which becomes 429 with
    ``Retry-After`` instead of "wrong password".
    """
    if code == "NotAuthorizedException" and LOCKOUT_MESSAGE.lower() in (message or "").lower():
        return _LOCKED_OUT
    return ERRORS.get((operation, code)) or ERRORS.get((ANY, code)) or _UPSTREAM_FAILED


def error_mapping(exc: DomainError) -> ErrorMapping:
    """The answer to ``exc``: :func:`lookup` for an upstream failure, the logic's row for
    a :class:`BrokerError` (:class:`TooManyAttempts` with its own ``Retry-After``); any
    other domain error is a fault (500)."""
    if isinstance(exc, UpstreamError):
        return lookup(exc.operation, exc.code, exc.message)
    if isinstance(exc, TooManyAttempts):
        return replace(ERRORS[(ANY, exc.code)], retry_after=exc.retry_after_seconds)
    return ERRORS.get((exc.operation, exc.code)) or ERRORS.get((ANY, exc.code)) or SERVER_ERROR


def answer(exc: DomainError) -> ApiError:
    """The :class:`~shared.http.ApiError` the edge renders for ``exc`` (status, code,
    sentence, headers)."""
    return error_mapping(exc).api_error(exc.message)
