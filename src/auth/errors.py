"""The auth broker's one error table: Cognito exception names and OAuth error codes -> HTTP.

Every failure the broker gets from upstream becomes an :class:`UpstreamError`, an
:class:`~shared.http.ApiError` whose status, ``error`` code and description come from
:data:`ERRORS`. Sources of the rules:

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

from dataclasses import dataclass

from shared.http import ApiError

ANY = "*"
OAUTH_TOKEN = "oauth2/token"
"""The ``operation`` name used for the hosted UI's token endpoint."""

# Synthetic codes for failures that carry no upstream error name.
UPSTREAM_TIMEOUT = "UpstreamTimeout"
UPSTREAM_UNREACHABLE = "UpstreamUnreachable"
UPSTREAM_THROTTLED = "UpstreamThrottled"
UPSTREAM_UNAVAILABLE = "UpstreamUnavailable"
UPSTREAM_BAD_RESPONSE = "UpstreamBadResponse"


@dataclass(frozen=True)
class ErrorMapping:
    """How one upstream error is answered.

    Attributes:
        status: HTTP status code.
        error: the contract's snake_case code (RFC 6749 section 5.2 names where one fits).
        description: the fixed sentence, or ``None`` to relay the upstream message
            (only for validation-style errors whose messages name a rule, not a value).
        retry_after: seconds for a ``Retry-After`` header, if any.
    """

    status: int
    error: str
    description: str | None
    retry_after: int | None = None


_INVALID_CREDENTIALS = ErrorMapping(401, "invalid_credentials", "The email or password is wrong.")
#: A wrong fresh proof of identity (:meth:`auth.service.AuthService.check_proof`): the
#: status and code of a wrong sign-in, whichever part (password or TOTP code) was wrong.
WRONG_PROOF = ErrorMapping(401, "invalid_credentials", "The password or code is wrong.")
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
_LOCKED_OUT = ErrorMapping(429, "too_many_requests", "Too many attempts; retry later.", 60)
_THROTTLED = ErrorMapping(429, "too_many_requests", "Too many requests; retry later.", 5)
_LIMITED = ErrorMapping(429, "too_many_requests", "Too many attempts; retry later.", 60)
_MISCONFIGURED = ErrorMapping(500, "server_error", "The service is misconfigured.")
_UPSTREAM_FAILED = ErrorMapping(502, "server_error", "The identity provider failed; retry later.")
_UNAVAILABLE = ErrorMapping(
    503, "temporarily_unavailable", "The identity provider is unavailable; retry later.", 5
)

ERRORS: dict[tuple[str, str], ErrorMapping] = {
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
    # The token was checked (GetUser) just before: NotAuthorized is the current password.
    ("ChangePassword", "NotAuthorizedException"): ErrorMapping(
        400, "invalid_credentials", "The current password is wrong."
    ),
    # VerifySoftwareToken's wrong code (API reference: "code mismatch").
    ("*", "EnableSoftwareTokenMFAException"): _CODE_MISMATCH,
    ("*", "SoftwareTokenMFANotFoundException"): ErrorMapping(
        400, "mfa_not_set_up", "Set up an authenticator app first (POST /auth/mfa/setup)."
    ),
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

_MAX_RELAYED = 300


def lookup(operation: str, code: str, message: str | None = None) -> ErrorMapping:
    """The mapping for ``code`` raised by ``operation``; unknown codes map to 502.

    ``message`` matters for one case only: Cognito reports its lockout as
    ``NotAuthorizedException`` "Password attempts exceeded", which becomes 429 with
    ``Retry-After`` instead of "wrong password".
    """
    if code == "NotAuthorizedException" and LOCKOUT_MESSAGE.lower() in (message or "").lower():
        return _LOCKED_OUT
    return ERRORS.get((operation, code)) or ERRORS.get((ANY, code)) or _UPSTREAM_FAILED


class UpstreamError(ApiError):
    """A Cognito or ``/oauth2/token`` failure, already mapped through :data:`ERRORS`.

    Attributes:
        operation: the cognito-idp operation (``"SignUp"``) or :data:`OAUTH_TOKEN`.
        code: the upstream name (``"CodeMismatchException"``, ``"invalid_grant"``) or one
            of the synthetic ``UPSTREAM_*`` codes.
    """

    def __init__(self, operation: str, code: str, message: str | None = None) -> None:
        mapping = lookup(operation, code, message)
        description = mapping.description
        if description is None:
            relayed = (message or "").strip()[:_MAX_RELAYED]
            description = relayed or "The request was rejected."
        headers = {"Retry-After": str(mapping.retry_after)} if mapping.retry_after else None
        super().__init__(mapping.status, mapping.error, description, headers)
        self.operation = operation
        self.code = code
