"""Close the gaps between moto 5.2.5's cognito-idp and Amazon Cognito that Moments relies on.

:func:`install` patches moto's in-process backend (``moto.cognitoidp.models``) and its
JSON handlers (``moto.cognitoidp.responses.CognitoIdpResponse``) once per process. It works
the same for ``mock_aws`` in tests and for the ``ThreadedMotoServer`` the local stack runs.

What changes (moto's behaviour → what Cognito does, and what this module now does):

* SignUp / ResendConfirmationCode: no code sent, any code accepted → a random 6-digit code
  (``secrets``) goes to the dev :class:`~local_stack.cognito.inbox.Inbox`; ConfirmSignUp accepts only
  the latest code, for 24 hours (Cognito developer guide, "Signing up and confirming user
  accounts": confirmation codes are valid for 24 hours). ResendConfirmationCode is added.
* ForgotPassword / ConfirmForgotPassword: code in a moto-only header, any code accepted →
  a real code in the inbox, valid 1 hour ("Forgot password", Cognito developer guide); the
  new password must meet the pool's password policy (InvalidPasswordException).
* RevokeToken and GetTokensFromRefreshToken are added (moto answers 500). Revocation
  covers the whole refresh-token family and the access tokens it issued (API reference,
  RevokeToken). Rotation follows the client's ``RefreshTokenRotation`` (API reference,
  RefreshTokenRotationType: the old token lives ``RetryGracePeriodSeconds``, 0-60 s).
* Token lifetimes come from the client (``AccessTokenValidity`` / ``IdTokenValidity`` /
  ``RefreshTokenValidity`` with ``TokenValidityUnits``; moto always uses 1 h and refresh
  tokens never expire). Access tokens carry ``scope``; ID tokens carry the user's
  attributes (``email``, boolean ``email_verified``, ...).
* SECRET_HASH is checked when the client has a secret (moto ignores it), with Cognito's
  messages. ``PreventUserExistenceErrors=ENABLED`` hides unknown users (Cognito developer
  guide, "Managing user existence error responses").
* GlobalSignOut revokes every refresh token of the user, however the user signed in (moto
  compares the sign-in name as typed), whichever flow issued the access token (password
  sign-in or the hosted UI's code grant). GlobalSignOut and GetUser refuse an access token
  that is revoked, expired or lacks the ``aws.cognito.signin.user.admin`` scope, with
  Cognito's messages (moto accepts any live token and echoes the token in its error).
  Usernames are case-insensitive when the pool says
  ``UsernameConfiguration.CaseSensitive: false``. Password-policy errors name the rule.
* Every auth flow (InitiateAuth, AdminInitiateAuth) is checked against the client's
  ``ExplicitAuthFlows`` (:func:`_check_flow_allowed`). ``USER_SRP_AUTH`` is real SRP
  (:mod:`local_stack.cognito.srp`): moto answered a fake challenge and accepted any proof.
  Errors never echo the username, and unknown users look like wrong passwords in every
  flow under ``PreventUserExistenceErrors`` (developer guide, "Managing user existence
  error responses").
* Lockouts (moto has none): wrong passwords lock the user out as Cognito does
  (:data:`PASSWORD_FAILURES_BEFORE_LOCKOUT`), wrong codes hit ``LimitExceededException``
  (:data:`CODE_FAILURES_BEFORE_LIMIT`).
* Tokens have Cognito's header (a real ``kid``, no ``typ``) and claims (``event_id``,
  ``origin_jti``, ``version``, ``at_hash`` from the code grant); pool and client ids have
  Cognito's formats (:func:`cognito_pool_id`, :func:`cognito_client_id`).
* TOTP MFA (moto hands every user one fixed secret and, unless an env var says otherwise,
  accepts any code): AssociateSoftwareToken gives each user a random secret,
  VerifySoftwareToken and the ``SOFTWARE_TOKEN_MFA`` challenge check RFC 6238 codes (±1
  step, never the same step twice), the challenge's Session lives the client's
  ``AuthSessionValidity`` and takes :data:`MFA_ANSWERS_PER_SESSION` wrong answers
  (:func:`_totp_matches`, :func:`_mfa_challenge`). SetUserMFAPreference checks the token.
* Account self-service (moto lacks VerifyUserAttribute and DeleteUser, and its
  UpdateUserAttributes / ChangePassword skip Cognito's rules): UpdateUserAttributes of
  ``email`` honours ``UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate``
  (the old email stays the sign-in name until VerifyUserAttribute takes the code sent to
  the new one), ChangePassword counts towards the lockout, DeleteUser signs the user out
  and forgets them (:func:`_account_ops`).
* Choice-based sign-in (moto has no ``USER_AUTH``): ``USER_AUTH`` with
  ``PREFERRED_CHALLENGE: EMAIL_OTP`` mails an 8-digit code (kind ``sign_in``) and answers
  an ``EMAIL_OTP`` challenge; the pool's ``SignInPolicy.AllowedFirstAuthFactors`` must list
  ``EMAIL_OTP`` (:func:`_start_email_otp`).
* All added state is in :class:`_PoolState`, one plain-data object per pool.

Helpers for the hosted-UI stand-in (:mod:`local_stack.cognito.hosted_ui.app`) live at the bottom:
:func:`find_user_pool`, :func:`password_sign_in`, :func:`issue_tokens`,
:func:`refresh`, :func:`revoke_refresh_token`, :func:`user_for_access_token`,
:func:`public_jwks`, :func:`issuer`, :func:`now`. They mint tokens with moto's own key
and issuer, so the API's authorizer accepts them. Tests that share a process with suites
expecting plain moto call :func:`uninstall` afterwards.

Never log codes, passwords, secrets or tokens here: the inbox is the only place a code is
shown, on purpose.
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import hmac
import json
import re
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from moto.cognitoidp import models as _models
from moto.cognitoidp import responses as _responses
from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    ExpiredCodeException,
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UsernameExistsException,
    UserNotConfirmedException,
    UserNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
    cognitoidp_backends,
)
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.utilities.utils import load_resource

from local_stack.cognito import srp as cognito_srp
from local_stack.cognito.inbox import Inbox

__all__ = [
    "DEFAULT_SCOPE",
    "TokenSet",
    "export_state",
    "find_user_pool",
    "granted_scopes",
    "import_state",
    "install",
    "issue_tokens",
    "issuer",
    "now",
    "password_sign_in",
    "public_jwks",
    "refresh",
    "revoke_refresh_token",
    "same_secret",
    "uninstall",
    "user_for_access_token",
]

#: The scope Cognito puts in access tokens from the user-pool API (InitiateAuth, refresh).
DEFAULT_SCOPE = "aws.cognito.signin.user.admin"
#: Sign-up confirmation codes: 24 hours (Cognito developer guide, sign-up confirmation).
SIGN_UP_CODE_TTL_SECONDS = 24 * 3600
#: Forgot-password codes: 1 hour (Cognito developer guide, ForgotPassword).
RESET_CODE_TTL_SECONDS = 3600
#: Attribute verification codes: 24 hours (Cognito developer guide, "Verifying updates to
#: email addresses and phone numbers": the code is valid for 24 hours).
VERIFY_CODE_TTL_SECONDS = 24 * 3600

_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# token_use -> (validity key, TokenValidityUnits key, default value, default unit); the
# defaults are Cognito's (CreateUserPoolClient API reference).
_VALIDITY = {
    "access": ("AccessTokenValidity", "AccessToken", 1, "hours"),
    "id": ("IdTokenValidity", "IdToken", 1, "hours"),
    "refresh": ("RefreshTokenValidity", "RefreshToken", 30, "days"),
}
# Cognito's password-policy symbol set (developer guide, "Password policies").
_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
_BOOLEAN_ATTRIBUTES = {"email_verified", "phone_number_verified"}


# ---------------------------------------------------------------- errors moto lacks
class _InvalidPassword(JsonRESTError):
    def __init__(self, rule: str) -> None:
        super().__init__(
            "InvalidPasswordException", f"Password did not conform with policy: {rule}"
        )


class _Unauthorized(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnauthorizedException", message)


class _UnsupportedTokenType(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("UnsupportedTokenTypeException", "Unsupported token type")


class _UnsupportedOperation(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedOperationException", message)


class _AliasExists(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("AliasExistsException", "An account with the given email already exists.")


class _LimitExceeded(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(
            "LimitExceededException", "Attempt limit exceeded, please try after some time."
        )


# ---------------------------------------------------------------- state moto lacks
@dataclass
class _Code:
    code: str
    expires_at: float


@dataclass
class _Family:
    """What one authentication granted; shared by the refresh tokens rotated from it."""

    scopes: tuple[str, ...]
    auth_time: int
    nonce: str | None = None  # from the authorization request, echoed in ID tokens
    # Cognito's ``event_id``: one per authentication event, in every token it produced.
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class _Failures:
    """Wrong passwords of one user (Cognito's sign-in lockout, see :func:`_password_ok`)."""

    count: int = 0
    locked_until: float = 0.0
    last_attempt: float = 0.0


@dataclass
class _SrpSession:
    """A ``PASSWORD_VERIFIER`` challenge handed out by ``USER_SRP_AUTH``."""

    challenge: cognito_srp.SrpChallenge
    client_id: str
    username: str  # the user's username; "" for a simulated (unknown-user) challenge
    expires_at: float
    session: str  # the Session returned with the challenge


@dataclass
class _RefreshMeta:
    family: str
    expires_at: float
    retired_at: float | None = None  # set by rotation: unusable from then on


@dataclass
class _AccessMeta:
    family: str
    expires_at: float


@dataclass
class _MfaSession:
    """A ``SOFTWARE_TOKEN_MFA`` challenge handed out after a right password."""

    username: str  # moto's username of the user; "" for a simulated (unknown-user) one
    client_id: str
    expires_at: float
    wrong_answers: int = 0
    challenge: str = "SOFTWARE_TOKEN_MFA"  # or "EMAIL_OTP" (USER_AUTH, passwordless)


@dataclass
class _PoolState:
    """Everything this module adds to one moto user pool (plain data, serialisable).

    It is the one place of the emulator's Cognito state that moto does not keep itself:
    codes, token families (scopes, ``auth_time``, ``event_id``), refresh/access token
    metadata, lockout counters and SRP challenges. It lives on the pool object
    (``pool.__dict__["_local_stack_state"]``), next to moto's own ``users``,
    ``refresh_tokens`` (revocations are ``None`` there) and ``access_tokens``, so that
    persisting the pool persists it too. Signing keys are moto's static key (see
    :data:`KEY_ID`), so there is no key state.
    """

    codes: dict[tuple[str, str], _Code] = field(default_factory=dict)  # (user.id, kind)
    families: dict[str, _Family] = field(default_factory=dict)  # origin_jti -> family
    refresh: dict[str, _RefreshMeta] = field(default_factory=dict)
    access: dict[str, _AccessMeta] = field(default_factory=dict)
    # Lockouts: user.id -> wrong passwords; (user.id, kind) -> wrong codes since the last
    # code was issued (kind: "sign_up" / "forgot_password").
    failures: dict[str, _Failures] = field(default_factory=dict)
    code_failures: dict[tuple[str, str], int] = field(default_factory=dict)
    # USER_SRP_AUTH challenges in flight, by Session.
    srp: dict[str, _SrpSession] = field(default_factory=dict)
    # TOTP: user.id -> base32 secret from AssociateSoftwareToken, not yet verified; user.id
    # -> the verified secret; user.id -> the last RFC 6238 time step accepted (no reuse).
    totp_pending: dict[str, str] = field(default_factory=dict)
    totp: dict[str, str] = field(default_factory=dict)
    totp_last_step: dict[str, int] = field(default_factory=dict)
    # SOFTWARE_TOKEN_MFA challenges in flight, by Session.
    mfa: dict[str, _MfaSession] = field(default_factory=dict)
    # user.id -> the new email waiting for VerifyUserAttribute (its code: kind "verify_email").
    pending_email: dict[str, str] = field(default_factory=dict)


@dataclass
class _Settings:
    inbox: Inbox | None = None
    clock: Callable[[], float] = time.time


_SETTINGS = _Settings()
_LOCK = threading.RLock()  # moto's server is threaded; our side tables are shared
_INSTALLED = False
_MISSING = object()
# (class, attribute, what it was before install) so that uninstall() can restore moto.
_ORIGINALS: list[tuple[type, str, Any]] = []


def _set(cls: type, name: str, value: Any) -> None:
    """Replace ``cls.name`` (or add it), remembering the original for :func:`uninstall`."""
    _ORIGINALS.append((cls, name, cls.__dict__.get(name, _MISSING)))
    setattr(cls, name, value)


_STATE_ATTR = "_local_stack_state"


def _now() -> float:
    return _SETTINGS.clock()


def _state(pool: CognitoIdpUserPool) -> _PoolState:
    # Kept on the pool object itself, so moto's reset (new pool objects) resets it too.
    with _LOCK:
        state = pool.__dict__.get(_STATE_ATTR)
        if state is None:
            state = _PoolState()
            pool.__dict__[_STATE_ATTR] = state
        return state


# ---------------------------------------------------------------- small rules
def _validity_seconds(client: CognitoIdpUserPoolClient | None, token_use: str) -> int:
    """Lifetime in seconds of a ``token_use`` token ("access", "id", "refresh") for ``client``."""
    key, unit_key, default_value, default_unit = _VALIDITY[token_use]
    config = client.extended_config if client else {}
    value = config.get(key) or default_value
    unit = (config.get("TokenValidityUnits") or {}).get(unit_key) or default_unit
    return int(value) * _UNIT_SECONDS[str(unit).lower()]


def _prevents_existence_errors(client: CognitoIdpUserPoolClient) -> bool:
    return client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"


#: ExplicitAuthFlows of a client created without any (CreateUserPoolClient API reference:
#: "If you don't specify a value for ExplicitAuthFlows, your app client supports
#: ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH, and ALLOW_CUSTOM_AUTH").
DEFAULT_AUTH_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
# AuthFlow -> the ExplicitAuthFlows values that enable it (ALLOW_* and the legacy name).
_FLOW_SETTINGS = {
    "USER_SRP_AUTH": ("ALLOW_USER_SRP_AUTH",),
    "USER_PASSWORD_AUTH": ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"),
    "ADMIN_USER_PASSWORD_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "ADMIN_NO_SRP_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "REFRESH_TOKEN_AUTH": ("ALLOW_REFRESH_TOKEN_AUTH", "REFRESH_TOKEN_AUTH"),
    "REFRESH_TOKEN": ("ALLOW_REFRESH_TOKEN_AUTH", "REFRESH_TOKEN_AUTH"),
    "CUSTOM_AUTH": ("ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"),
    "USER_AUTH": ("ALLOW_USER_AUTH",),
}


def _check_flow_allowed(client: CognitoIdpUserPoolClient, auth_flow: str) -> None:
    """Raise InvalidParameterException unless the client's ``ExplicitAuthFlows`` enable
    ``auth_flow`` (API reference, InitiateAuth / AdminInitiateAuth and
    CreateUserPoolClient ``ExplicitAuthFlows``; the message is Cognito's).

    A client with only legacy values (no ``ALLOW_*``) keeps SRP and refresh enabled, as
    Cognito's legacy settings did.
    """
    allowed = list(client.extended_config.get("ExplicitAuthFlows") or DEFAULT_AUTH_FLOWS)
    settings = _FLOW_SETTINGS.get(auth_flow, ())
    if any(name in allowed for name in settings):
        return
    legacy_only = not any(name.startswith("ALLOW_") for name in allowed)
    if legacy_only and auth_flow in ("USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        return
    raise InvalidParameterException(f"{auth_flow} flow not enabled for this client")


# ---------------------------------------------------------------- lockouts
#: Wrong passwords before Cognito locks a user out, and the longest lockout (developer
#: guide, "Authentication with a user pool" > "Lockout behavior for failed sign-in
#: attempts": after five failed attempts, a lockout of 2^(n-5) seconds for n failures,
#: up to about 15 minutes; attempts during a lockout fail with "Password attempts
#: exceeded" and do not count; 15 minutes without attempts reset the count).
PASSWORD_FAILURES_BEFORE_LOCKOUT = 5
MAX_LOCKOUT_SECONDS = 900
#: Wrong confirmation / reset codes accepted before LimitExceededException. Cognito does
#: not publish this number ("we do not share externally the exact limits", Cognito team,
#: amazon-cognito-identity-js issue 548); five CodeMismatchException and then
#: LimitExceededException is what clients observe (amplify-ui-android issue 180). Here
#: the count starts again when a new code is issued (ResendConfirmationCode,
#: ForgotPassword).
CODE_FAILURES_BEFORE_LIMIT = 5
_INCORRECT = "Incorrect username or password."
# RespondToAuthChallenge PASSWORD_VERIFIER's TIMESTAMP, Java's "EEE MMM d HH:mm:ss z yyyy"
# (Cognito's InvalidParameterException names that pattern).
_SRP_TIMESTAMP = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(\d{1,2}) (\d{2}:\d{2}:\d{2}) ([A-Za-z]{1,5}) (\d{4})"
)


def _srp_timestamp(text: str) -> str:
    """The TIMESTAMP as Cognito signs it: parsed, then re-rendered with an unpadded day.

    Cognito parses the client's TIMESTAMP and checks the signature over its own rendering,
    so a zero-padded day ("Nov 05") fails the proof (observed: warrant PR 12, "leading
    zero in a day number"); a TIMESTAMP that does not parse is InvalidParameterException
    (observed: amazon-cognito-identity-js issue 683).
    """
    match = _SRP_TIMESTAMP.fullmatch(text)
    if match is None:
        raise InvalidParameterException(
            "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."
        )
    weekday, month, day, clock, zone, year = match.groups()
    return f"{weekday} {month} {int(day)} {clock} {zone} {year}"


def _password_ok(pool: CognitoIdpUserPool, user: CognitoIdpUser, password: str | None) -> bool:
    """Check ``password`` under Cognito's lockout; True when right (and not locked out).

    :raises NotAuthorizedError: "Password attempts exceeded" while the user is locked out,
        whatever the password.
    """
    now = _now()
    with _LOCK:
        failures = _state(pool).failures.setdefault(user.id, _Failures())
        if failures.last_attempt and now - failures.last_attempt >= MAX_LOCKOUT_SECONDS:
            failures.count, failures.locked_until = 0, 0.0
        if now < failures.locked_until:
            raise NotAuthorizedError("Password attempts exceeded")
        failures.last_attempt = now
        if password is not None and same_secret(str(user.password or ""), password):
            failures.count, failures.locked_until = 0, 0.0
            return True
        failures.count += 1
        if failures.count >= PASSWORD_FAILURES_BEFORE_LOCKOUT:
            lockout = 2 ** (failures.count - PASSWORD_FAILURES_BEFORE_LOCKOUT)
            failures.locked_until = now + min(lockout, MAX_LOCKOUT_SECONDS)
        return False


def _check_password(pool: CognitoIdpUserPool, user: CognitoIdpUser, password: str | None) -> None:
    """Raise Cognito's NotAuthorizedException for a wrong password (never the username)."""
    if not _password_ok(pool, user, password):
        raise NotAuthorizedError(_INCORRECT)


def _rotation(client: CognitoIdpUserPoolClient) -> tuple[bool, int]:
    """(rotation enabled, grace seconds) from the client's ``RefreshTokenRotation``."""
    config = client.extended_config.get("RefreshTokenRotation") or {}
    grace = int(config.get("RetryGracePeriodSeconds") or 0)
    return config.get("Feature") == "ENABLED", max(0, min(grace, 60))


def same_secret(expected: str, given: str | None) -> bool:
    """Constant-time comparison of two strings (any characters; ``None`` never matches)."""
    return given is not None and hmac.compare_digest(expected.encode(), str(given).encode())


def _secret_hash(client: CognitoIdpUserPoolClient, username: str) -> str:
    """Base64 HMAC-SHA256 of username + client id keyed by the secret (Cognito SecretHash)."""
    digest = hmac.new(
        client.secret.encode(), (username + client.id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def _check_secret_hash(
    client: CognitoIdpUserPoolClient, usernames: Iterable[str], secret_hash: str | None
) -> None:
    """Raise NotAuthorizedException unless ``secret_hash`` matches one of ``usernames``.

    Cognito requires SECRET_HASH on every unauthenticated call of a client with a secret
    (developer guide, "Computing secret hash values"); the messages are Cognito's.
    """
    if not client.generate_secret:
        return
    if not secret_hash:
        raise NotAuthorizedError(
            f"Client {client.id} is configured with secret but SECRET_HASH was not received"
        )
    if not any(same_secret(_secret_hash(client, name), secret_hash) for name in usernames if name):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client.id}")


def _check_client_secret(
    client: CognitoIdpUserPoolClient, client_secret: str | None, error: type[JsonRESTError]
) -> None:
    """Raise ``error`` unless ``client_secret`` is the client's secret (when it has one)."""
    if not client.generate_secret:
        return
    if not client_secret:
        raise error(
            f"Client {client.id} is configured with secret but ClientSecret was not received"
        )
    if not same_secret(client.secret, client_secret):
        raise error(f"Unable to verify client secret for client {client.id}")


def _mask_email(address: str) -> str:
    """Cognito's masked destination: ``alice@example.com`` → ``a***@e***``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def _delivery(address: str) -> dict[str, str]:
    return {
        "Destination": _mask_email(address),
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }


def _pool_and_client(
    backend: CognitoIdpBackend, client_id: str
) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
    for pool in backend.user_pools.values():
        client = pool.clients.get(client_id)
        if client is not None:
            return pool, client
    raise ResourceNotFoundError(client_id)


# ---------------------------------------------------------------- codes
_CODE_MISMATCH = "Invalid verification code provided, please try again."
_CODE_EXPIRED = "Invalid code provided, please request a code again."


def _code_user(
    backend: CognitoIdpBackend, client_id: str, username: str
) -> tuple[CognitoIdpUserPool, CognitoIdpUser | None]:
    """The pool and user a code operation is about; the user is None only when unknown
    and the client hides user existence (the caller then answers as Cognito does).

    :raises UserNotFoundError: unknown user, and the client does not hide it.
    """
    pool, client = _pool_and_client(backend, client_id)
    user = pool._get_user(username)
    if user is None and not _prevents_existence_errors(client):
        raise UserNotFoundError("Username/client id combination not found.")
    return pool, user


def _issue_code(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, kind: str, ttl: int, to: str | None = None
) -> None:
    """Replace the user's pending ``kind`` code with a fresh one and deliver it (to the
    user's email, or to ``to``: a new address being verified)."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    with _LOCK:
        _state(pool).codes[(user.id, kind)] = _Code(code, _now() + ttl)
        _state(pool).code_failures.pop((user.id, kind), None)
    if _SETTINGS.inbox is not None:
        _SETTINGS.inbox.deliver(
            to or user.attribute_lookup.get("email") or user.username, kind, code
        )


def _check_code(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, kind: str, code: str | None, *, consume: bool
) -> None:
    """Raise CodeMismatchException / ExpiredCodeException unless ``code`` is the live one.

    :raises LimitExceededException: after :data:`CODE_FAILURES_BEFORE_LIMIT` wrong codes
        for this user and kind, whatever the code, until a new code is issued.
    """
    with _LOCK:
        state = _state(pool)
        codes = state.codes
        pending = codes.get((user.id, kind))
        if state.code_failures.get((user.id, kind), 0) >= CODE_FAILURES_BEFORE_LIMIT:
            raise _LimitExceeded()
        if pending is None:
            raise ExpiredCodeException(_CODE_EXPIRED)
        if not code or not same_secret(pending.code, code):
            state.code_failures[(user.id, kind)] = state.code_failures.get((user.id, kind), 0) + 1
            raise CodeMismatchException(_CODE_MISMATCH)
        if _now() >= pending.expires_at:
            del codes[(user.id, kind)]
            raise ExpiredCodeException(_CODE_EXPIRED)
        if consume:
            del codes[(user.id, kind)]


# ---------------------------------------------------------------- TOTP MFA
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
_INVALID_SESSION = "Invalid session for the user, session is expired."


class _EnableSoftwareTokenMfa(JsonRESTError):
    def __init__(self) -> None:
        # VerifySoftwareToken API reference: "EnableSoftwareTokenMFAException ... there is
        # a code mismatch and the service fails to configure the software token TOTP MFA".
        super().__init__("EnableSoftwareTokenMFAException", "Code mismatch")


def _new_totp_secret() -> str:
    """A random 160-bit key in base32 (RFC 4226 section 4 recommends 160 bits), the
    32-character ``SecretCode`` shape AssociateSoftwareToken returns."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def _totp_matches(secret: str, code: str | None, when: float) -> int | None:
    """The RFC 6238 time step ``code`` is valid for at ``when`` (±:data:`TOTP_DRIFT_STEPS`),
    or None. Codes are compared in constant time (cryptography's TOTP.verify)."""
    if not code or len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    totp = TOTP(
        base64.b32decode(secret), TOTP_DIGITS, SHA1(), TOTP_STEP_SECONDS, enforce_key_length=False
    )
    step = int(when) // TOTP_STEP_SECONDS
    for candidate in range(step - TOTP_DRIFT_STEPS, step + TOTP_DRIFT_STEPS + 1):
        try:
            totp.verify(code.encode(), candidate * TOTP_STEP_SECONDS)
        except InvalidToken:
            continue
        return candidate
    return None


def _use_totp(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, secret: str, code: str | None
) -> bool:
    """True, and the step burnt, when ``code`` is a live code of ``secret`` whose step is
    later than the last one this user spent (a code works once, RFC 6238 section 5.2)."""
    with _LOCK:
        state = _state(pool)
        step = _totp_matches(secret, code, _now())
        if step is None or step <= state.totp_last_step.get(user.id, -1):
            return False
        state.totp_last_step[user.id] = step
        return True


def _mfa_challenge(
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
    if user.id not in _state(pool).totp:
        return None
    session = secrets.token_urlsafe(96)
    minutes = int(client.extended_config.get("AuthSessionValidity") or 3)
    with _LOCK:
        sessions = _state(pool).mfa
        now = _now()
        for key in [k for k, item in sessions.items() if item.expires_at <= now]:
            del sessions[key]
        sessions[session] = _MfaSession(user.username, client.id, now + 60 * minutes)
    return {
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": session,
        "ChallengeParameters": {"USER_ID_FOR_SRP": user_id},
    }


# ---------------------------------------------------------------- passwordless (USER_AUTH)
#: Email OTP sign-in codes have 8 digits (developer guide, "Passwordless sign-in with
#: one-time passwords"; MFA codes have 6).
EMAIL_OTP_DIGITS = 8


def _start_email_otp(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, params: dict[str, str]
) -> dict[str, Any]:
    """InitiateAuth ``USER_AUTH`` with ``PREFERRED_CHALLENGE: EMAIL_OTP``.

    API reference, InitiateAuth (USER_AUTH): the answer is the ``EMAIL_OTP`` challenge with
    ``CODE_DELIVERY_DESTINATION`` / ``CODE_DELIVERY_DELIVERY_MEDIUM``; the code lives as
    long as the Session (``AuthSessionValidity``). The factor must be allowed by the pool
    (``Policies.SignInPolicy.AllowedFirstAuthFactors``). Unknown and unconfirmed users get
    a simulated challenge and no email (PreventUserExistenceErrors), so the answer cannot
    tell them apart; no answer passes it. Without ``PREFERRED_CHALLENGE`` Cognito offers
    ``SELECT_CHALLENGE``, which this emulation does not: it asks for the parameter.

    :raises InvalidParameterException: no USERNAME / PREFERRED_CHALLENGE, or EMAIL_OTP is
        not an allowed first factor of the pool.
    """
    username = params.get("USERNAME")
    if not username:
        raise InvalidParameterException("Missing required parameter USERNAME")
    preferred = params.get("PREFERRED_CHALLENGE")
    if preferred != "EMAIL_OTP":
        raise InvalidParameterException(
            "The local stack emulates USER_AUTH with PREFERRED_CHALLENGE=EMAIL_OTP only"
        )
    factors = ((pool.extended_config.get("Policies") or {}).get("SignInPolicy") or {}).get(
        "AllowedFirstAuthFactors"
    ) or ["PASSWORD"]
    if "EMAIL_OTP" not in factors:
        raise InvalidParameterException("EMAIL_OTP is not an allowed first auth factor")
    _check_secret_hash(client, [username], params.get("SECRET_HASH"))
    user = pool._get_user(username)
    real = user is not None and user.enabled and user.status == UserStatus.CONFIRMED
    if user is None and not _prevents_existence_errors(client):
        raise UserNotFoundError("User does not exist.")
    session = secrets.token_urlsafe(96)
    minutes = int(client.extended_config.get("AuthSessionValidity") or 3)
    with _LOCK:
        state = _state(pool)
        now = _now()
        for key in [k for k, item in state.mfa.items() if item.expires_at <= now]:
            del state.mfa[key]
        state.mfa[session] = _MfaSession(
            user.username if real and user else "",
            client.id,
            now + 60 * minutes,
            challenge="EMAIL_OTP",
        )
    if real and user is not None:
        code = f"{secrets.randbelow(10**EMAIL_OTP_DIGITS):0{EMAIL_OTP_DIGITS}d}"
        with _LOCK:
            _state(pool).codes[(user.id, "sign_in")] = _Code(code, _now() + 60 * minutes)
        if _SETTINGS.inbox is not None:
            _SETTINGS.inbox.deliver(user.attribute_lookup.get("email") or username, "sign_in", code)
    return {
        "ChallengeName": "EMAIL_OTP",
        "Session": session,
        "ChallengeParameters": {
            "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
            "CODE_DELIVERY_DESTINATION": _mask_email(username),
        },
    }


# ---------------------------------------------------------------- tokens
def _revoke_family(pool: CognitoIdpUserPool, family: str) -> None:
    """Revoke every refresh token of ``family`` and the access tokens they issued."""
    with _LOCK:
        for token, record in list(pool.refresh_tokens.items()):
            if record is not None and record[2] == family:
                pool.refresh_tokens[token] = None
        for token, meta in _state(pool).access.items():
            if meta.family == family:
                pool.access_tokens.pop(token, None)


def _check_refresh_usable(pool: CognitoIdpUserPool, refresh_token: str) -> tuple[str, str, str]:
    """Return moto's (client_id, username, family) record or raise NotAuthorizedException."""
    if refresh_token not in pool.refresh_tokens:
        raise NotAuthorizedError("Invalid Refresh Token")
    record = pool.refresh_tokens[refresh_token]
    if record is None:
        raise NotAuthorizedError("Refresh Token has been revoked")
    meta = _state(pool).refresh.get(refresh_token)
    now = _now()
    if meta is not None and now >= meta.expires_at:
        raise NotAuthorizedError("Refresh Token has expired")
    if meta is not None and meta.retired_at is not None and now >= meta.retired_at:
        raise NotAuthorizedError("Invalid Refresh Token")
    user = pool._get_user(record[1])
    if user is None:
        raise NotAuthorizedError("Invalid Refresh Token")
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    return record


def _rotate(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, old: str, grace: int
) -> str:
    """Issue the successor of refresh token ``old``; ``old`` keeps working ``grace`` seconds."""
    client_id, username, family = pool.refresh_tokens[old]
    new = str(uuid.uuid4())
    now = _now()
    with _LOCK:
        state = _state(pool)
        old_meta = state.refresh.get(old)
        # The successor keeps the family's absolute expiry: rotation never extends a session
        # beyond RefreshTokenValidity from sign-in (the conservative reading of the docs).
        expires_at = old_meta.expires_at if old_meta else now + _validity_seconds(client, "refresh")
        pool.refresh_tokens[new] = (client_id, username, family)
        state.refresh[new] = _RefreshMeta(family=family, expires_at=expires_at)
        if old_meta is not None:
            retire = now + grace
            if old_meta.retired_at is None or retire < old_meta.retired_at:
                old_meta.retired_at = retire
    return new


def _refresh_result(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, refresh_token: str, *, rotate: bool
) -> dict[str, Any]:
    """AuthenticationResult for a usable ``refresh_token`` of ``client``."""
    record = _check_refresh_usable(pool, refresh_token)
    if record[0] != client.id:
        raise NotAuthorizedError("Invalid Refresh Token")
    access_token, id_token, expires_in = pool.create_tokens_from_refresh_token(refresh_token)
    result: dict[str, Any] = {
        "AccessToken": access_token,
        "IdToken": id_token,
        "ExpiresIn": expires_in,
        "TokenType": "Bearer",
    }
    enabled, grace = _rotation(client)
    if rotate and enabled:
        result["RefreshToken"] = _rotate(pool, client, refresh_token, grace)
    return result


# ---------------------------------------------------------------- signing and ids
def _thumbprint(public_jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256), base64 like Cognito's ``kid`` values."""
    members = {name: public_jwk[name] for name in ("e", "kty", "n")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.b64encode(hashlib.sha256(canonical).digest()).decode()


_MOTO_PUBLIC_JWK: dict[str, Any] = load_resource("cognitoidp/resources/jwks-public.json")["keys"][0]
#: The ``kid`` of the one key every emulated pool signs with (moto's key pair; moto calls
#: it ``"dummy"``). A real key id, as Cognito's JWKS and token headers carry.
KEY_ID = _thumbprint(_MOTO_PUBLIC_JWK)
_PRIVATE_JWK = dict(load_resource("cognitoidp/resources/jwks-private.json"), kid=KEY_ID)
_SIGNING_KEY = jwt.PyJWK(_PRIVATE_JWK, algorithm="RS256").key
#: Set around ID-token minting by :func:`issue_tokens` (authorization-code grant only).
_AT_HASH: contextvars.ContextVar[str | None] = contextvars.ContextVar("at_hash", default=None)


def _jwks() -> dict[str, Any]:
    return {"keys": [{**_MOTO_PUBLIC_JWK, "kid": KEY_ID}]}


def at_hash(access_token: str) -> str:
    """OpenID Connect Core 3.1.3.6 ``at_hash`` for RS256: left half of SHA-256, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def _sign(payload: dict[str, Any]) -> str:
    """RS256 JWS with Cognito's header: ``kid`` and ``alg`` only (no ``typ``)."""
    return jwt.encode(
        payload, _SIGNING_KEY, algorithm="RS256", headers={"kid": KEY_ID, "typ": None}
    )


_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_BASE36 = string.digits + string.ascii_lowercase


def _encode(number: int, alphabet: str, length: int) -> str:
    out = []
    for _ in range(length):
        number, digit = divmod(number, len(alphabet))
        out.append(alphabet[digit])
    return "".join(out)


def cognito_pool_id(region: str, seed: str) -> str:
    """A user pool id in Cognito's format, ``<region>_`` + 9 letters/digits (e.g.
    ``us-east-1_aB3dE5fG7``; API reference, UserPoolType ``Id`` pattern
    ``[\\w-]+_[0-9a-zA-Z]+``). Derived from moto's id (``seed``), so moto's HASH id strategy
    still gives stable ids."""
    number = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    return f"{region}_{_encode(number, _BASE62, 9)}"


def cognito_client_id(seed: str) -> str:
    """An app client id in Cognito's format: 26 lower-case letters and digits (API
    reference, UserPoolClientType ``ClientId``). Derived from moto's id (``seed``)."""
    return _encode(int(hashlib.sha256(seed.encode()).hexdigest(), 16), _BASE36, 26)


class _SharedKeyImports:
    """Stands in for ``joserfc.jwk`` in moto's cognito-idp models: ``RSAKey.import_key``
    of the same JWK returns one shared (immutable) key object, for the whole process."""

    _keys: dict[str, Any] = {}  # noqa: RUF012 (a process-wide cache, on purpose)

    def __init__(self, jwk_module: Any) -> None:
        self._jwk = jwk_module
        self.RSAKey = self  # moto calls jwk.RSAKey.import_key(...)

    def import_key(self, value: Any) -> Any:
        cache_key = json.dumps(value, sort_keys=True)
        if cache_key not in self._keys:
            self._keys[cache_key] = self._jwk.RSAKey.import_key(value)
        return self._keys[cache_key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._jwk, name)


def _patch_ids(
    pool_cls: type[CognitoIdpUserPool], client_cls: type[CognitoIdpUserPoolClient]
) -> None:
    original_pool_init = pool_cls.__init__
    original_client_init = client_cls.__init__

    def pool_init(self: CognitoIdpUserPool, *args: Any, **kwargs: Any) -> None:
        original_pool_init(self, *args, **kwargs)
        self.id = cognito_pool_id(self.region, self.id)
        self.arn = f"{self.arn.rsplit('/', 1)[0]}/{self.id}"

    def client_init(self: CognitoIdpUserPoolClient, *args: Any, **kwargs: Any) -> None:
        original_client_init(self, *args, **kwargs)
        self.id = cognito_client_id(self.id)

    _set(pool_cls, "__init__", pool_init)
    _set(client_cls, "__init__", client_init)
    # moto imports the same private JWK file for every pool it creates, and joserfc recovers
    # the RSA primes from n, e and d each time (about 0.2 s a pool). Import it once.
    _set(_models, "jwk", _SharedKeyImports(_models.jwk))  # type: ignore[arg-type]
    # moto serves one static JWKS at /<pool id>/.well-known/jwks.json: give it the real kid.
    _set(_responses.CognitoIdpJsonWebKeyResponse, "json_web_key", json.dumps(_jwks()).encode())


# ---------------------------------------------------------------- patches: the pool model
def _patch_pool(cls: type[CognitoIdpUserPool]) -> None:
    original_get_user = cls._get_user
    original_create_refresh_token = cls.create_refresh_token
    original_create_access_token = cls.create_access_token
    original_create_tokens = cls.create_tokens_from_refresh_token

    def _get_user(self: CognitoIdpUserPool, username: str) -> CognitoIdpUser | None:
        user = original_get_user(self, username)
        case_sensitive = (self.extended_config.get("UsernameConfiguration") or {}).get(
            "CaseSensitive", True
        )
        if user is not None or not username or case_sensitive:
            return user
        folded = username.casefold()
        attributes = self.extended_config.get("UsernameAttributes") or []
        for candidate in self.users.values():
            names = [candidate.username] + [candidate.attribute_lookup.get(a) for a in attributes]
            if any(name and name.casefold() == folded for name in names):
                return candidate
        return None

    def create_jwt(
        self: CognitoIdpUserPool,
        client_id: str,
        username: str,
        token_use: str,
        expires_in: int = 3600,
        extra_data: dict[str, Any] | None = None,
    ) -> tuple[str, int]:
        """Mint a token with Cognito's claims and header (replaces moto's ``create_jwt``).

        Claims as Cognito issues them (developer guide, "Understanding the access token" /
        "Understanding the identity (ID) token"): both carry ``origin_jti``, ``event_id``,
        ``jti``, ``auth_time`` (the authentication's, not renewed by refresh or single
        sign-on); access tokens ``client_id``, ``scope``, ``username`` and ``version: 2``;
        ID tokens ``aud``, ``cognito:username``, the user's attributes and, from the
        authorization-code grant, ``at_hash``. Header: ``kid`` (:data:`KEY_ID`), ``alg``.
        """
        expires_in = _validity_seconds(self.clients.get(client_id), token_use)
        extra = dict(extra_data or {})
        now = int(_now())
        family = _state(self).families.get(extra.get("origin_jti", ""))
        user = self._get_user(username)
        username_is_email = "email" in (self.extended_config.get("UsernameAttributes") or [])
        payload: dict[str, Any] = {}
        if token_use == "id" and _AT_HASH.get():
            payload["at_hash"] = _AT_HASH.get()
        payload.update(
            sub=user.id, iss=f"https://cognito-idp.{self.region}.amazonaws.com/{self.id}"
        )
        if token_use == "id":
            payload["cognito:username"] = user.id if username_is_email else user.username
            payload["aud"] = client_id
        else:
            payload["client_id"] = client_id
        payload.update(extra)
        payload.update(
            event_id=family.event_id if family else str(uuid.uuid4()),
            token_use=token_use,
            auth_time=family.auth_time if family else now,
            exp=now + expires_in,
            iat=now,
            jti=str(uuid.uuid4()),
        )
        if token_use == "access":
            payload["scope"] = " ".join(family.scopes) if family else DEFAULT_SCOPE
            payload["username"] = user.id if username_is_email else user.username
            payload["version"] = 2
        elif token_use == "id":
            if family is not None and family.nonce:
                payload["nonce"] = family.nonce
            for name, value in user.attribute_lookup.items():
                if name != "sub" and not name.startswith("dev:"):
                    payload[name] = value == "true" if name in _BOOLEAN_ATTRIBUTES else value
        return _sign(payload), expires_in

    def create_refresh_token(
        self: CognitoIdpUserPool, client_id: str, username: str
    ) -> tuple[str, str]:
        token, family = original_create_refresh_token(self, client_id, username)
        now = _now()
        lifetime = _validity_seconds(self.clients.get(client_id), "refresh")
        with _LOCK:
            state = _state(self)
            state.families.setdefault(family, _Family((DEFAULT_SCOPE,), int(now)))
            state.refresh[token] = _RefreshMeta(family=family, expires_at=now + lifetime)
        return token, family

    def create_access_token(
        self: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str
    ) -> tuple[str, int]:
        token, expires_in = original_create_access_token(self, client_id, username, origin_jti)
        with _LOCK:
            _state(self).access[token] = _AccessMeta(origin_jti, _now() + expires_in)
        return token, expires_in

    def create_tokens_from_refresh_token(
        self: CognitoIdpUserPool, refresh_token: str
    ) -> tuple[str, str, int]:
        _check_refresh_usable(self, refresh_token)
        return original_create_tokens(self, refresh_token)

    def sign_out(self: CognitoIdpUserPool, username: str) -> None:
        # moto compares the sign-in name as typed; Cognito signs the *user* out everywhere.
        target = self._get_user(username)
        if target is None:
            return
        with _LOCK:
            for token, record in list(self.refresh_tokens.items()):
                if record is not None and self._get_user(record[1]) is target:
                    self.refresh_tokens[token] = None
            for token, (_, signed_in_as) in list(self.access_tokens.items()):
                if self._get_user(signed_in_as) is target:
                    self.access_tokens.pop(token, None)

    _set(cls, "_get_user", _get_user)
    _set(cls, "create_jwt", create_jwt)
    _set(cls, "create_refresh_token", create_refresh_token)
    _set(cls, "create_access_token", create_access_token)
    _set(cls, "create_tokens_from_refresh_token", create_tokens_from_refresh_token)
    _set(cls, "sign_out", sign_out)


# ---------------------------------------------------------------- patches: the backend
def _patch_backend(cls: type[CognitoIdpBackend]) -> None:
    original_sign_up = cls.sign_up
    original_confirm_sign_up = cls.confirm_sign_up
    original_admin_confirm_sign_up = cls.admin_confirm_sign_up
    original_initiate_auth = cls.initiate_auth
    original_admin_initiate_auth = cls.admin_initiate_auth
    original_respond_to_auth_challenge = cls.respond_to_auth_challenge
    original_get_user = cls.get_user
    original_global_sign_out = cls.global_sign_out

    def _validate_password(self: CognitoIdpBackend, user_pool_id: str, password: str) -> None:
        """Cognito's password policy, with the failing rule in the message."""
        config = self.describe_user_pool(user_pool_id).extended_config
        policy = config.get("Policies", {}).get("PasswordPolicy", {})
        password = password or ""
        if len(password) < int(policy.get("MinimumLength", 8)):
            raise _InvalidPassword("Password not long enough")
        if len(password) > 256:
            raise _InvalidPassword("Password too long")
        if policy.get("RequireUppercase", True) and not re.search(r"[A-Z]", password):
            raise _InvalidPassword("Password must have uppercase characters")
        if policy.get("RequireLowercase", True) and not re.search(r"[a-z]", password):
            raise _InvalidPassword("Password must have lowercase characters")
        if policy.get("RequireNumbers", True) and not re.search(r"\d", password):
            raise _InvalidPassword("Password must have numeric characters")
        if policy.get("RequireSymbols", True) and not _SYMBOLS.intersection(password):
            raise _InvalidPassword("Password must have symbol characters")

    def sign_up(
        self: CognitoIdpBackend,
        client_id: str,
        username: str,
        password: str,
        attributes: list[dict[str, str]],
    ) -> tuple[CognitoIdpUser, Any]:
        try:
            user, _ = original_sign_up(self, client_id, username, password, attributes)
        except UsernameExistsException as error:
            # moto's message is the username itself; Cognito's names no one.
            pool, _client = _pool_and_client(self, client_id)
            by_email = "email" in (pool.extended_config.get("UsernameAttributes") or [])
            raise UsernameExistsException(
                "An account with the given email already exists."
                if by_email
                else "User already exists"
            ) from error
        pool, _client = _pool_and_client(self, client_id)
        email = user.attribute_lookup.get("email")
        if (
            user.status == UserStatus.UNCONFIRMED
            and email
            and "email" in (pool.extended_config.get("AutoVerifiedAttributes") or [])
        ):
            _issue_code(pool, user, "sign_up", SIGN_UP_CODE_TTL_SECONDS)
            return user, _delivery(email)
        return user, None

    def confirm_sign_up(
        self: CognitoIdpBackend, client_id: str, username: str, confirmation_code: str | None = None
    ) -> str:
        pool, user = _code_user(self, client_id, username)
        if user is None:
            raise CodeMismatchException(_CODE_MISMATCH)
        if user.status == UserStatus.CONFIRMED:
            raise NotAuthorizedError("User cannot be confirmed. Current status is CONFIRMED")
        _check_code(pool, user, "sign_up", confirmation_code, consume=True)
        result = original_confirm_sign_up(self, client_id, user.username)
        if "email" in (pool.extended_config.get("AutoVerifiedAttributes") or []):
            # Confirming with the emailed code verifies the address, as in Cognito.
            user.update_attributes([{"Name": "email_verified", "Value": "true"}])
        return result

    def admin_confirm_sign_up(self: CognitoIdpBackend, user_pool_id: str, username: str) -> str:
        result = original_admin_confirm_sign_up(self, user_pool_id, username)
        pool = self.describe_user_pool(user_pool_id)
        user = pool._get_user(username)
        with _LOCK:
            _state(pool).codes.pop((user.id, "sign_up"), None)
        return result

    def resend_confirmation_code(
        self: CognitoIdpBackend, client_id: str, username: str
    ) -> dict[str, Any]:
        pool, user = _code_user(self, client_id, username)
        if user is None:
            return {"CodeDeliveryDetails": _delivery(username)}  # simulated, as Cognito does
        if user.status == UserStatus.CONFIRMED:
            raise InvalidParameterException("User is already confirmed.")
        email = user.attribute_lookup.get("email")
        if not email:
            raise InvalidParameterException("Cannot deliver a code: the user has no email address.")
        _issue_code(pool, user, "sign_up", SIGN_UP_CODE_TTL_SECONDS)
        return {"CodeDeliveryDetails": _delivery(email)}

    def forgot_password(
        self: CognitoIdpBackend, client_id: str, username: str
    ) -> tuple[None, dict[str, Any]]:
        pool, user = _code_user(self, client_id, username)
        if user is None:
            return None, {"CodeDeliveryDetails": _delivery(username)}
        # moto's own helper applies AccountRecoverySetting (admin_only -> NotAuthorized).
        recovery = pool.extended_config.get("AccountRecoverySetting")
        self._get_code_delivery_details(recovery, user, username)
        email = user.attribute_lookup.get("email")
        if not email:
            raise InvalidParameterException(
                "Cannot reset password for the user as there is no registered/verified email"
                " or phone_number"
            )
        user.confirmation_code = None  # never moto's magic "moto-confirmation-code:" value
        _issue_code(pool, user, "forgot_password", RESET_CODE_TTL_SECONDS)
        return None, {"CodeDeliveryDetails": _delivery(email)}

    def confirm_forgot_password(
        self: CognitoIdpBackend,
        client_id: str,
        username: str,
        password: str,
        confirmation_code: str,
    ) -> None:
        pool, user = _code_user(self, client_id, username)
        if user is None:
            raise CodeMismatchException(_CODE_MISMATCH)
        _check_code(pool, user, "forgot_password", confirmation_code, consume=False)
        self._validate_password(pool.id, password)
        _check_code(pool, user, "forgot_password", confirmation_code, consume=True)
        user.password = password
        if user.status in (UserStatus.RESET_REQUIRED, UserStatus.FORCE_CHANGE_PASSWORD):
            user.status = UserStatus.CONFIRMED

    def _password_flow(
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
        _check_secret_hash(client, [username], params.get("SECRET_HASH"))
        user = pool._get_user(username)
        if user is None:
            if _prevents_existence_errors(client):
                raise NotAuthorizedError(_INCORRECT)
            raise UserNotFoundError("User does not exist.")
        _check_password(pool, user, params.get("PASSWORD"))
        if not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        if user.status == UserStatus.UNCONFIRMED:
            raise UserNotConfirmedException("User is not confirmed.")
        if user.status == UserStatus.CONFIRMED:
            challenge = _mfa_challenge(pool, client, user, _srp_user_id(pool, user))
            if challenge is not None:
                return challenge
        return sign_in()

    def _srp_user_id(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> str:
        # Cognito's username: the sub when email/phone are the sign-in names.
        return user.id if pool.extended_config.get("UsernameAttributes") else user.username

    def _start_srp(
        self: CognitoIdpBackend,
        pool: CognitoIdpUserPool,
        client: CognitoIdpUserPoolClient,
        params: dict[str, str],
    ) -> dict[str, Any]:
        """USER_SRP_AUTH: a real ``PASSWORD_VERIFIER`` challenge (:mod:`cognito_srp`).

        Unknown users under ``PreventUserExistenceErrors`` get a simulated challenge that
        no proof passes, so the failure comes, as for a wrong password, from
        RespondToAuthChallenge ("Managing user existence error responses").
        """
        username = params.get("USERNAME")
        srp_a = params.get("SRP_A")
        if not username:
            raise InvalidParameterException("Missing required parameter USERNAME")
        if not srp_a:
            raise InvalidParameterException("Missing required parameter SRP_A")
        _check_secret_hash(client, [username], params.get("SECRET_HASH"))
        user = pool._get_user(username)
        if user is None and not _prevents_existence_errors(client):
            raise UserNotFoundError("User does not exist.")
        user_id = _srp_user_id(pool, user) if user is not None else username
        try:
            challenge = cognito_srp.start(
                pool.id.split("_", 1)[1],
                user_id,
                str(user.password or "") if user else "",
                srp_a,
                simulated=user is None,
            )
        except ValueError as error:
            raise InvalidParameterException("Invalid SRP_A") from error
        session = secrets.token_urlsafe(96)
        minutes = int(client.extended_config.get("AuthSessionValidity") or 3)
        with _LOCK:
            srp = _state(pool).srp
            now = _now()
            for block in [b for b, item in srp.items() if item.expires_at <= now]:
                del srp[block]
            srp[challenge.secret_block] = _SrpSession(
                challenge,
                client.id,
                user.username if user else "",
                now + 60 * minutes,
                session,
            )
        return {
            "ChallengeName": "PASSWORD_VERIFIER",
            "Session": session,
            "ChallengeParameters": {
                "SALT": challenge.salt_hex,
                "SRP_B": challenge.b_hex,
                "USERNAME": user_id,
                "USER_ID_FOR_SRP": user_id,
                "SECRET_BLOCK": challenge.secret_block,
            },
        }

    def _verify_srp(
        self: CognitoIdpBackend,
        pool: CognitoIdpUserPool,
        client: CognitoIdpUserPoolClient,
        session: str | None,
        responses: dict[str, str],
    ) -> dict[str, Any]:
        """RespondToAuthChallenge PASSWORD_VERIFIER: check PASSWORD_CLAIM_SIGNATURE.

        The challenge is single-use and lives ``AuthSessionValidity`` minutes (default 3;
        CreateUserPoolClient API reference). A wrong proof counts as a wrong password
        towards the lockout.
        """
        for name in ("PASSWORD_CLAIM_SIGNATURE", "PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP"):
            if not responses.get(name):
                raise InvalidParameterException(f"Missing required parameter {name}")
        timestamp = _srp_timestamp(responses["TIMESTAMP"])
        with _LOCK:
            item = _state(pool).srp.pop(responses["PASSWORD_CLAIM_SECRET_BLOCK"], None)
        if (
            item is None
            or item.client_id != client.id
            or (session and not same_secret(item.session, session))
            or _now() >= item.expires_at
        ):
            raise NotAuthorizedError("Invalid session for the user, session is expired.")
        if item.challenge.simulated:
            raise NotAuthorizedError(_INCORRECT)
        user = pool._get_user(item.username)
        if user is None:
            raise NotAuthorizedError(_INCORRECT)
        _check_secret_hash(
            client,
            [responses.get("USERNAME") or "", user.username, user.id],
            responses.get("SECRET_HASH"),
        )
        pool_name = pool.id.split("_", 1)[1]
        expected = cognito_srp.expected_signature(
            item.challenge, pool_name, str(user.password or ""), timestamp
        )
        proof_ok = same_secret(expected, responses["PASSWORD_CLAIM_SIGNATURE"])
        # The password is right exactly when the proof is: feed the lockout with that.
        if not _password_ok(pool, user, user.password if proof_ok else None):
            raise NotAuthorizedError(_INCORRECT)
        if not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        if user.status == UserStatus.UNCONFIRMED:
            raise UserNotConfirmedException("User is not confirmed.")
        if user.status in (UserStatus.FORCE_CHANGE_PASSWORD, UserStatus.RESET_REQUIRED):
            moto_session = str(uuid.uuid4())
            self.sessions[moto_session] = (user.username, pool)
            return {
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "ChallengeParameters": {"USERNAME": _srp_user_id(pool, user)},
                "Session": moto_session,
            }
        challenge = _mfa_challenge(pool, client, user, _srp_user_id(pool, user))
        if challenge is not None:
            return challenge
        return self._log_user_in(pool, client, user.username)

    def _answer_totp(
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
        with _LOCK:
            item = _state(pool).mfa.get(session or "")
            if item is not None and _now() >= item.expires_at:
                _state(pool).mfa.pop(session or "", None)
                item = None
            # A session is refused, and kept, when answered for another client or challenge.
            if item is None or item.client_id != client.id or item.challenge != challenge:
                raise NotAuthorizedError(_INVALID_SESSION)
        user = pool._get_user(item.username) if item.username else None
        named = pool._get_user(responses["USERNAME"])
        if item.username and (user is None or named is not user):
            raise NotAuthorizedError(_INVALID_SESSION)
        _check_secret_hash(
            client,
            [responses["USERNAME"]] + ([user.username, user.id] if user else []),
            responses.get("SECRET_HASH"),
        )
        if user is None:  # simulated: no answer is right
            right = False
        elif challenge == "EMAIL_OTP":
            with _LOCK:
                pending = _state(pool).codes.get((user.id, "sign_in"))
                right = (
                    pending is not None
                    and _now() < pending.expires_at
                    and same_secret(pending.code, responses[answer_name])
                )
                if right:
                    del _state(pool).codes[(user.id, "sign_in")]
        else:
            secret = _state(pool).totp.get(user.id)
            right = secret is not None and _use_totp(pool, user, secret, responses[answer_name])
        if not right or user is None:
            with _LOCK:
                item.wrong_answers += 1
                if item.wrong_answers >= MFA_ANSWERS_PER_SESSION:
                    _state(pool).mfa.pop(session or "", None)
            raise CodeMismatchException("Invalid code received for user")
        with _LOCK:
            _state(pool).mfa.pop(session or "", None)
        if not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        return self._log_user_in(pool, client, user.username)

    def _token_user(
        self: CognitoIdpBackend, access_token: str
    ) -> tuple[CognitoIdpUserPool, CognitoIdpUser]:
        """The pool and user of a live access token with the admin scope.

        :raises NotAuthorizedError: as :func:`_check_access_token`, or the user is gone.
        """
        _check_access_token(self, access_token)
        for pool in self.user_pools.values():
            if access_token in pool.access_tokens:
                user = pool._get_user(pool.access_tokens[access_token][1])
                if user is not None:
                    return pool, user
        raise NotAuthorizedError("Invalid Access Token")

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
            raise _UnsupportedOperation("MFA_SETUP sessions are not emulated; use AccessToken")
        pool, user = _token_user(self, access_token)
        secret = _new_totp_secret()
        with _LOCK:
            _state(pool).totp_pending[user.id] = secret
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
            raise _UnsupportedOperation("MFA_SETUP sessions are not emulated; use AccessToken")
        pool, user = _token_user(self, access_token)
        secret = _state(pool).totp_pending.get(user.id)
        if secret is None or not _use_totp(pool, user, secret, user_code):
            raise _EnableSoftwareTokenMfa()
        with _LOCK:
            state = _state(pool)
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
        pool, user = _token_user(self, access_token)
        self.admin_set_user_mfa_preference(
            pool.id, user.username, software_token_mfa_settings, sms_mfa_settings
        )

    def initiate_auth(
        self: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> dict[str, Any]:
        pool, client = _pool_and_client(self, client_id)
        params = auth_parameters or {}
        _check_flow_allowed(client, auth_flow)
        if auth_flow == "USER_PASSWORD_AUTH":
            return _password_flow(
                self,
                pool,
                client,
                params,
                lambda: original_initiate_auth(self, client_id, auth_flow, params),
            )
        if auth_flow == "USER_SRP_AUTH":
            return _start_srp(self, pool, client, params)
        if auth_flow == "USER_AUTH":
            return _start_email_otp(pool, client, params)
        if auth_flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            token = params.get("REFRESH_TOKEN")
            if not token:
                raise InvalidParameterException("Missing required parameter REFRESH_TOKEN")
            if _rotation(client)[0]:
                # RefreshTokenRotationType: with rotation on, refresh only through
                # GetTokensFromRefreshToken.
                raise NotAuthorizedError(
                    "Refresh token rotation is enabled for this client;"
                    " use GetTokensFromRefreshToken"
                )
            record = _check_refresh_usable(pool, token)
            user = pool._get_user(record[1])
            # Cognito hashes the user's *username* here (the sub in email-username pools);
            # the name typed at sign-in is accepted too, since moto stores that.
            _check_secret_hash(client, [user.username, record[1]], params.get("SECRET_HASH"))
            return {"AuthenticationResult": _refresh_result(pool, client, token, rotate=False)}
        return original_initiate_auth(self, client_id, auth_flow, params)

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
        if auth_flow not in _FLOW_SETTINGS or auth_flow in ("USER_SRP_AUTH", "USER_PASSWORD_AUTH"):
            raise InvalidParameterException("Initiate Auth method not supported")
        _check_flow_allowed(client, auth_flow)
        if auth_flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
            return _password_flow(
                self,
                pool,
                client,
                params,
                lambda: original_admin_initiate_auth(
                    self, user_pool_id, client_id, auth_flow, params
                ),
            )
        if auth_flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            return initiate_auth(self, client_id, auth_flow, params)
        return original_admin_initiate_auth(self, user_pool_id, client_id, auth_flow, params)

    def respond_to_auth_challenge(
        self: CognitoIdpBackend,
        session: str,
        client_id: str,
        challenge_name: str,
        challenge_responses: dict[str, str],
    ) -> dict[str, Any]:
        if challenge_name == "PASSWORD_VERIFIER":
            pool, client = _pool_and_client(self, client_id)
            return _verify_srp(self, pool, client, session, challenge_responses or {})
        if challenge_name in ("SOFTWARE_TOKEN_MFA", "EMAIL_OTP"):
            pool, client = _pool_and_client(self, client_id)
            return _answer_totp(
                self, pool, client, session, challenge_responses or {}, challenge_name
            )
        return original_respond_to_auth_challenge(
            self, session, client_id, challenge_name, challenge_responses
        )

    def get_tokens_from_refresh_token(
        self: CognitoIdpBackend, client_id: str, refresh_token: str, client_secret: str | None
    ) -> dict[str, Any]:
        pool, client = _pool_and_client(self, client_id)
        _check_client_secret(client, client_secret, NotAuthorizedError)
        return {"AuthenticationResult": _refresh_result(pool, client, refresh_token, rotate=True)}

    def revoke_token(
        self: CognitoIdpBackend, client_id: str, token: str, client_secret: str | None
    ) -> None:
        pool, client = _pool_and_client(self, client_id)
        if client.extended_config.get("EnableTokenRevocation") is False:
            raise _UnsupportedOperation("Token revocation is not enabled for this client")
        _check_client_secret(client, client_secret, _Unauthorized)
        if token.count(".") == 2:  # a JWT: access or ID token; only refresh tokens revoke
            raise _UnsupportedTokenType()
        if token not in pool.refresh_tokens:
            return  # RFC 7009 section 2.2: an unknown token is not an error
        record = pool.refresh_tokens[token]
        if record is not None and record[0] != client.id:
            raise _Unauthorized("The token was not issued to this client")
        revoke_refresh_token(pool, token)

    def _check_access_token(self: CognitoIdpBackend, access_token: str) -> None:
        """Cognito's checks on the access token of a token-authorized user operation.

        The token must be live (not revoked, not expired) and carry the
        ``aws.cognito.signin.user.admin`` scope (API reference, GlobalSignOut / GetUser:
        "It must include the scope aws.cognito.signin.user.admin"); hosted-UI tokens
        have it only when the authorization request asked for it. The messages are
        Cognito's; moto's own would echo the token.

        :raises NotAuthorizedError: revoked, expired, unknown, or without that scope.
        """
        for pool in self.user_pools.values():
            state = _state(pool)
            meta = state.access.get(access_token)
            if access_token not in pool.access_tokens:
                if meta is not None:  # ours, and since revoked (RevokeToken, GlobalSignOut)
                    raise NotAuthorizedError("Access Token has been revoked")
                continue
            if meta is None:
                return  # minted before install(): moto's rules apply
            if _now() >= meta.expires_at:
                raise NotAuthorizedError("Access Token has expired")
            family = state.families.get(meta.family)
            if family is not None and DEFAULT_SCOPE not in family.scopes:
                raise NotAuthorizedError("Access Token does not have required scopes")
            return
        raise NotAuthorizedError("Invalid Access Token")

    def get_user(self: CognitoIdpBackend, access_token: str) -> CognitoIdpUser:
        _check_access_token(self, access_token)
        return original_get_user(self, access_token)

    def global_sign_out(self: CognitoIdpBackend, access_token: str) -> None:
        _check_access_token(self, access_token)
        original_global_sign_out(self, access_token)

    _set(cls, "_validate_password", _validate_password)
    _set(cls, "sign_up", sign_up)
    _set(cls, "confirm_sign_up", confirm_sign_up)
    _set(cls, "admin_confirm_sign_up", admin_confirm_sign_up)
    _set(cls, "resend_confirmation_code", resend_confirmation_code)
    _set(cls, "forgot_password", forgot_password)
    _set(cls, "confirm_forgot_password", confirm_forgot_password)
    _set(cls, "initiate_auth", initiate_auth)
    _set(cls, "admin_initiate_auth", admin_initiate_auth)
    _set(cls, "respond_to_auth_challenge", respond_to_auth_challenge)
    _set(cls, "get_tokens_from_refresh_token", get_tokens_from_refresh_token)
    _set(cls, "revoke_token", revoke_token)
    _set(cls, "get_user", get_user)
    _set(cls, "global_sign_out", global_sign_out)
    _account_ops(cls, _token_user)
    _set(cls, "associate_software_token", associate_software_token)
    _set(cls, "verify_software_token", verify_software_token)
    _set(cls, "set_user_mfa_preference", set_user_mfa_preference)


# ---------------------------------------------------------------- patches: account self-service
def _account_ops(
    cls: type[CognitoIdpBackend],
    token_user: Callable[[CognitoIdpBackend, str], tuple[CognitoIdpUserPool, CognitoIdpUser]],
) -> None:
    """UpdateUserAttributes, VerifyUserAttribute, ChangePassword and DeleteUser with the
    user's access token, as the cognito-idp API reference describes them."""

    def _email_taken(pool: CognitoIdpUserPool, user: CognitoIdpUser, email: str) -> bool:
        if "email" not in (pool.extended_config.get("UsernameAttributes") or []):
            return False
        other = pool._get_user(email)
        return other is not None and other is not user

    def update_user_attributes(
        self: CognitoIdpBackend, access_token: str, attributes: list[dict[str, str]]
    ) -> dict[str, Any]:
        """UpdateUserAttributes -> ``{CodeDeliveryDetailsList}``.

        A new ``email`` gets a code (kind ``verify_email``) sent to the new address. With
        ``email`` in ``UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate``
        the user keeps the old, verified email (and signs in with it) until
        VerifyUserAttribute; otherwise the email changes now, unverified (API reference,
        UpdateUserAttributes and UserAttributeUpdateSettingsType).

        :raises AliasExistsException: another user has that email (email-username pools).
        """
        pool, user = token_user(self, access_token)
        attributes = list(attributes or [])
        email = next((a.get("Value") for a in attributes if a.get("Name") == "email"), None)
        others = [a for a in attributes if a.get("Name") not in ("email", "email_verified")]
        delivery: list[dict[str, str]] = []
        if (
            email is not None
            and email.lower() != str(user.attribute_lookup.get("email", "")).lower()
        ):
            if _email_taken(pool, user, email):
                raise _AliasExists()
            settings = pool.extended_config.get("UserAttributeUpdateSettings") or {}
            if "email" in (settings.get("AttributesRequireVerificationBeforeUpdate") or []):
                with _LOCK:
                    _state(pool).pending_email[user.id] = email
            else:
                others += [
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "false"},
                ]
            _issue_code(pool, user, "verify_email", VERIFY_CODE_TTL_SECONDS, to=email)
            delivery.append(_delivery(email))
        if others:
            user.update_attributes(others)
        return {"CodeDeliveryDetailsList": delivery}

    def verify_user_attribute(
        self: CognitoIdpBackend, access_token: str, attribute_name: str, code: str
    ) -> None:
        """VerifyUserAttribute for ``email``: the code sent by UpdateUserAttributes makes the
        pending address the user's email (and sign-in name), verified.

        :raises CodeMismatchException / ExpiredCodeException / LimitExceededException: as
            for the other codes (:func:`_check_code`).
        :raises AliasExistsException: the address was taken meanwhile.
        """
        pool, user = token_user(self, access_token)
        if attribute_name != "email":
            raise InvalidParameterException("Only email can be verified here.")
        _check_code(pool, user, "verify_email", code, consume=False)
        with _LOCK:
            email = _state(pool).pending_email.get(user.id) or user.attribute_lookup.get("email")
            if email and _email_taken(pool, user, email):
                raise _AliasExists()
            _check_code(pool, user, "verify_email", code, consume=True)
            _state(pool).pending_email.pop(user.id, None)
            # moto files tokens under the name typed at sign-in (the old email): refile
            # them under the user's username, so they outlive the rename as in Cognito.
            for token, (client_id, name) in list(pool.access_tokens.items()):
                if pool._get_user(name) is user:
                    pool.access_tokens[token] = (client_id, user.username)
            for token, record in list(pool.refresh_tokens.items()):
                if record is not None and pool._get_user(record[1]) is user:
                    pool.refresh_tokens[token] = (record[0], user.username, record[2])
            user.update_attributes(
                [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
            )

    def change_password(
        self: CognitoIdpBackend, access_token: str, previous_password: str, proposed_password: str
    ) -> None:
        """ChangePassword: the previous password is checked under the lockout, the new one
        against the pool's policy (API reference, ChangePassword). moto's own echoes the
        username in its error."""
        pool, user = token_user(self, access_token)
        _check_password(pool, user, previous_password)
        self._validate_password(pool.id, proposed_password)
        user.password = proposed_password

    def delete_user(self: CognitoIdpBackend, access_token: str) -> None:
        """DeleteUser (moto has none): the user is signed out everywhere and removed; their
        tokens stop working at once (API reference, DeleteUser)."""
        pool, user = token_user(self, access_token)
        pool.sign_out(user.username)
        self.admin_delete_user(pool.id, user.username)
        with _LOCK:
            state = _state(pool)
            for table in (
                state.totp,
                state.totp_pending,
                state.totp_last_step,
                state.pending_email,
                state.failures,
            ):
                table.pop(user.id, None)
            for key in [k for k in state.codes if k[0] == user.id]:
                del state.codes[key]

    _set(cls, "update_user_attributes", update_user_attributes)
    _set(cls, "verify_user_attribute", verify_user_attribute)
    _set(cls, "change_password", change_password)
    _set(cls, "delete_user", delete_user)


# ---------------------------------------------------------------- patches: JSON handlers
def _patch_responses(cls: type[_responses.CognitoIdpResponse]) -> None:
    """Handlers for the operations moto lacks, and SecretHash on those that carry it.

    moto's handlers drop ``SecretHash`` and ``ConfirmationCode`` before calling the backend,
    so those checks have to sit at this layer. moto dispatches by method name
    (``RevokeToken`` -> ``revoke_token``), which is the hook used for the new operations.
    """
    original_sign_up = cls.sign_up
    original_confirm_forgot_password = cls.confirm_forgot_password

    def _backend_and_client(
        self: _responses.CognitoIdpResponse,
    ) -> tuple[CognitoIdpBackend, CognitoIdpUserPoolClient]:
        client_id = self._get_param("ClientId")
        # moto's own lookup across accounts and regions (unauthenticated calls carry none)
        backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        return backend, _pool_and_client(backend, client_id)[1]

    def _check_request_secret_hash(self: _responses.CognitoIdpResponse) -> CognitoIdpBackend:
        backend, client = _backend_and_client(self)
        username = self._get_param("Username") or ""
        _check_secret_hash(client, [username], self._get_param("SecretHash"))
        return backend

    def sign_up(self: _responses.CognitoIdpResponse) -> ActionResult:
        _check_request_secret_hash(self)
        return original_sign_up(self)

    def confirm_sign_up(self: _responses.CognitoIdpResponse) -> ActionResult:
        backend = _check_request_secret_hash(self)
        backend.confirm_sign_up(
            self._get_param("ClientId"),
            self._get_param("Username"),
            self._get_param("ConfirmationCode"),
        )
        return EmptyResult()

    def resend_confirmation_code(self: _responses.CognitoIdpResponse) -> ActionResult:
        backend = _check_request_secret_hash(self)
        client_id, username = self._get_param("ClientId"), self._get_param("Username")
        return ActionResult(backend.resend_confirmation_code(client_id, username))

    def forgot_password(self: _responses.CognitoIdpResponse) -> ActionResult:
        backend = _check_request_secret_hash(self)
        client_id, username = self._get_param("ClientId"), self._get_param("Username")
        _, response = backend.forgot_password(client_id, username)
        return ActionResult(response)  # no x-moto-forgot-password-confirmation-code header

    def confirm_forgot_password(self: _responses.CognitoIdpResponse) -> ActionResult:
        _check_request_secret_hash(self)
        return original_confirm_forgot_password(self)

    def get_tokens_from_refresh_token(self: _responses.CognitoIdpResponse) -> ActionResult:
        backend, _ = _backend_and_client(self)
        return ActionResult(
            backend.get_tokens_from_refresh_token(
                self._get_param("ClientId"),
                self._get_param("RefreshToken"),
                self._get_param("ClientSecret"),
            )
        )

    def revoke_token(self: _responses.CognitoIdpResponse) -> ActionResult:
        backend, _ = _backend_and_client(self)
        backend.revoke_token(
            self._get_param("ClientId"),
            self._get_param("Token") or "",
            self._get_param("ClientSecret"),
        )
        return EmptyResult()

    def _token_backend(self: _responses.CognitoIdpResponse) -> CognitoIdpBackend:
        return self._get_region_agnostic_backend()._find_backend_by_access_token(
            self._get_param("AccessToken") or ""
        )

    def update_user_attributes(self: _responses.CognitoIdpResponse) -> ActionResult:
        backend = _token_backend(self)
        return ActionResult(
            backend.update_user_attributes(
                self._get_param("AccessToken") or "", self._get_param("UserAttributes") or []
            )
        )

    def verify_user_attribute(self: _responses.CognitoIdpResponse) -> ActionResult:
        _token_backend(self).verify_user_attribute(
            self._get_param("AccessToken") or "",
            self._get_param("AttributeName") or "",
            self._get_param("Code") or "",
        )
        return EmptyResult()

    def delete_user(self: _responses.CognitoIdpResponse) -> ActionResult:
        _token_backend(self).delete_user(self._get_param("AccessToken") or "")
        return EmptyResult()

    _set(cls, "sign_up", sign_up)
    _set(cls, "confirm_sign_up", confirm_sign_up)
    _set(cls, "resend_confirmation_code", resend_confirmation_code)
    _set(cls, "update_user_attributes", update_user_attributes)
    _set(cls, "verify_user_attribute", verify_user_attribute)
    _set(cls, "delete_user", delete_user)
    _set(cls, "forgot_password", forgot_password)
    _set(cls, "confirm_forgot_password", confirm_forgot_password)
    _set(cls, "get_tokens_from_refresh_token", get_tokens_from_refresh_token)
    _set(cls, "revoke_token", revoke_token)


def install(inbox: Inbox, *, clock: Callable[[], float] | None = None) -> None:
    """Patch moto's cognito-idp (once per process) and route its codes to ``inbox``.

    Idempotent: later calls only swap the inbox (and the clock, when given), which is how
    tests give each case a fresh inbox.

    :param inbox: where SignUp / ResendConfirmationCode / ForgotPassword codes go.
    :param clock: seconds since the epoch, used for code and token lifetimes; injectable
        so tests can age codes and tokens. Left unchanged when omitted (``time.time`` at
        first install).
    """
    global _INSTALLED
    with _LOCK:
        _SETTINGS.inbox = inbox
        if clock is not None:
            _SETTINGS.clock = clock
        if _INSTALLED:
            return
        _patch_ids(_models.CognitoIdpUserPool, _models.CognitoIdpUserPoolClient)
        _patch_pool(_models.CognitoIdpUserPool)
        _patch_backend(_models.CognitoIdpBackend)
        _patch_responses(_responses.CognitoIdpResponse)
        _INSTALLED = True


def uninstall() -> None:
    """Give moto back its own cognito-idp behaviour (for test suites that share a process).

    The local stack never calls this; tests do, so that suites which rely on plain moto
    are not affected by the order in which pytest runs them.
    """
    global _INSTALLED
    with _LOCK:
        while _ORIGINALS:
            cls, name, original = _ORIGINALS.pop()
            if original is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, original)
        _SETTINGS.inbox = None
        _SETTINGS.clock = time.time
        _INSTALLED = False


# ---------------------------------------------------------------- hosted-UI helpers
@dataclass(frozen=True)
class TokenSet:
    """Tokens as the OAuth token endpoint returns them (``expires_in`` in seconds)."""

    access_token: str
    expires_in: int
    id_token: str | None = None
    refresh_token: str | None = None
    token_type: str = "Bearer"

    def as_oauth(self) -> dict[str, Any]:
        """The RFC 6749 section 5.1 token response, without absent members."""
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
        }
        if self.id_token:
            body["id_token"] = self.id_token
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        return body


def find_user_pool(user_pool_id: str) -> CognitoIdpUserPool:
    """The emulated pool ``user_pool_id`` (its region is the id's prefix), in any account.

    :raises ResourceNotFoundError: when no account has that pool.
    """
    region = user_pool_id.split("_", 1)[0]
    for account_id in list(cognitoidp_backends.keys()):
        pool = cognitoidp_backends[account_id][region].user_pools.get(user_pool_id)
        if pool is not None:
            return pool
    raise ResourceNotFoundError(user_pool_id)


def issuer(pool: CognitoIdpUserPool) -> str:
    """The ``iss`` of the pool's tokens (the same string moto signs)."""
    return f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}"


def public_jwks() -> dict[str, Any]:
    """The JWKS with the public half of the key every pool's tokens are signed with
    (``kid`` = :data:`KEY_ID`)."""
    return _jwks()


def password_sign_in(
    pool: CognitoIdpUserPool, client_id: str, username: str, password: str
) -> CognitoIdpUser:
    """Check a user's password as the hosted UI does.

    :raises NotAuthorizedError: unknown user, wrong password (same message for both),
        "Password attempts exceeded" (the lockout, shared with the API's flows) or
        disabled user.
    :raises UserNotConfirmedException: right password, account not confirmed yet.
    """
    user = pool._get_user(username) if username else None
    if user is None:
        raise NotAuthorizedError(_INCORRECT)
    _check_password(pool, user, password)
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    if user.status == UserStatus.UNCONFIRMED:
        raise UserNotConfirmedException("User is not confirmed.")
    return user


def issue_tokens(
    pool: CognitoIdpUserPool,
    client_id: str,
    user: CognitoIdpUser,
    scopes: Iterable[str],
    nonce: str | None = None,
    auth_time: int | None = None,
) -> TokenSet:
    """Mint access (+ ID when ``openid`` is granted) and refresh tokens for a code grant.

    The access token's ``scope`` is ``scopes``; later refreshes keep it. ``nonce`` (OpenID
    Connect Core section 3.1.2.1) goes into the ID token, with ``at_hash`` (section
    3.1.3.6; Cognito's code-grant ID tokens carry it). ``auth_time`` is when the user
    authenticated (seconds since the epoch; default now): single sign-on from the hosted
    UI's session passes the session's, so it is not renewed.
    """
    granted = tuple(dict.fromkeys(scopes))
    refresh_token, family = pool.create_refresh_token(client_id, user.username)
    when = int(_now()) if auth_time is None else int(auth_time)
    with _LOCK:
        _state(pool).families[family] = _Family(granted, when, nonce)
    access_token, expires_in = pool.create_access_token(client_id, user.username, family)
    id_token = None
    if "openid" in granted:
        marker = _AT_HASH.set(at_hash(access_token))
        try:
            id_token, _ = pool.create_id_token(client_id, user.username, family)
        finally:
            _AT_HASH.reset(marker)
    return TokenSet(access_token, expires_in, id_token, refresh_token)


def refresh(pool: CognitoIdpUserPool, client_id: str, refresh_token: str) -> TokenSet:
    """The refresh_token grant for an already authenticated client (rotation per client).

    :raises NotAuthorizedError: revoked, expired, rotated-out or foreign refresh token.
    :raises ResourceNotFoundError: unknown client.
    """
    client = pool.clients.get(client_id)
    if client is None:
        raise ResourceNotFoundError(client_id)
    result = _refresh_result(pool, client, refresh_token, rotate=True)
    record = pool.refresh_tokens.get(refresh_token)
    family = _state(pool).families.get(record[2]) if record else None
    with_id = family is None or "openid" in family.scopes or DEFAULT_SCOPE in family.scopes
    return TokenSet(
        result["AccessToken"],
        result["ExpiresIn"],
        result["IdToken"] if with_id else None,
        result.get("RefreshToken"),
    )


def granted_scopes(pool: CognitoIdpUserPool, refresh_token: str) -> tuple[str, ...]:
    """The scopes the authentication behind ``refresh_token`` granted (what its access
    tokens carry); ``(DEFAULT_SCOPE,)`` for tokens from the user-pool API."""
    record = pool.refresh_tokens.get(refresh_token)
    family = _state(pool).families.get(record[2]) if record else None
    return family.scopes if family else (DEFAULT_SCOPE,)


def revoke_refresh_token(pool: CognitoIdpUserPool, refresh_token: str) -> None:
    """Revoke ``refresh_token``'s family and its access tokens (no-op when unknown)."""
    record = pool.refresh_tokens.get(refresh_token)
    meta = _state(pool).refresh.get(refresh_token)
    family = record[2] if record else (meta.family if meta else None)
    if family is not None:
        _revoke_family(pool, family)


def user_for_access_token(pool: CognitoIdpUserPool, access_token: str) -> CognitoIdpUser | None:
    """The user of a live access token of ``pool``: issued, not revoked, not expired."""
    if access_token not in pool.access_tokens:
        return None
    meta = _state(pool).access.get(access_token)
    if meta is not None and _now() >= meta.expires_at:
        return None
    user = pool._get_user(pool.access_tokens[access_token][1])
    return user if user is not None and user.enabled else None


def now() -> float:
    """The clock :func:`install` was given (seconds since the epoch)."""
    return _now()


# ---------------------------------------------------------------- persistence
def export_state(pool: CognitoIdpUserPool) -> dict[str, Any]:
    """What this module keeps for ``pool`` (:class:`_PoolState`) as JSON-ready data.

    moto's own pool data (users, ``refresh_tokens`` with revocations as ``None``,
    ``access_tokens``) is not included; a stack that persists its state saves both.
    Tuple keys become ``"<user id>|<kind>"`` strings. See :func:`import_state`.
    """
    with _LOCK:
        state = _state(pool)
        return {
            "codes": {f"{k[0]}|{k[1]}": asdict(v) for k, v in state.codes.items()},
            "families": {k: asdict(v) for k, v in state.families.items()},
            "refresh": {k: asdict(v) for k, v in state.refresh.items()},
            "access": {k: asdict(v) for k, v in state.access.items()},
            "failures": {k: asdict(v) for k, v in state.failures.items()},
            "code_failures": {f"{k[0]}|{k[1]}": v for k, v in state.code_failures.items()},
            "srp": {k: asdict(v) for k, v in state.srp.items()},
            "totp_pending": dict(state.totp_pending),
            "totp": dict(state.totp),
            "totp_last_step": dict(state.totp_last_step),
            "mfa": {k: asdict(v) for k, v in state.mfa.items()},
            "pending_email": dict(state.pending_email),
        }


def import_state(pool: CognitoIdpUserPool, data: dict[str, Any]) -> None:
    """Replace ``pool``'s :class:`_PoolState` with an :func:`export_state` result."""

    def pair(key: str) -> tuple[str, str]:
        user_id, _, kind = key.rpartition("|")
        return user_id, kind

    state = _PoolState(
        codes={pair(k): _Code(**v) for k, v in (data.get("codes") or {}).items()},
        families={
            k: _Family(**{**v, "scopes": tuple(v["scopes"])})
            for k, v in (data.get("families") or {}).items()
        },
        refresh={k: _RefreshMeta(**v) for k, v in (data.get("refresh") or {}).items()},
        access={k: _AccessMeta(**v) for k, v in (data.get("access") or {}).items()},
        failures={k: _Failures(**v) for k, v in (data.get("failures") or {}).items()},
        code_failures={pair(k): int(v) for k, v in (data.get("code_failures") or {}).items()},
        srp={
            k: _SrpSession(**{**v, "challenge": cognito_srp.SrpChallenge(**v["challenge"])})
            for k, v in (data.get("srp") or {}).items()
        },
        totp_pending=dict(data.get("totp_pending") or {}),
        totp=dict(data.get("totp") or {}),
        totp_last_step={k: int(v) for k, v in (data.get("totp_last_step") or {}).items()},
        mfa={k: _MfaSession(**v) for k, v in (data.get("mfa") or {}).items()},
        pending_email=dict(data.get("pending_email") or {}),
    )
    with _LOCK:
        pool.__dict__[_STATE_ATTR] = state
