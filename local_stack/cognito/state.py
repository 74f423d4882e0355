"""The local Cognito's own state: plain dataclasses per pool, the lock around them, and
the settings :func:`local_stack.cognito.install` sets (the dev inbox and the clock).
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp.models import (
    CognitoIdpUserPool,
)

from local_stack.cognito import srp as cognito_srp
from local_stack.cognito.inbox import Inbox

#: The scope Cognito puts in access tokens from the user-pool API (InitiateAuth, refresh).
DEFAULT_SCOPE = "aws.cognito.signin.user.admin"


@dataclass
class Code:
    """A code sent to a user, and when it stops working (seconds since the epoch)."""

    code: str
    expires_at: float


@dataclass
class Family:
    """What one authentication granted; shared by the refresh tokens rotated from it."""

    scopes: tuple[str, ...]
    auth_time: int
    nonce: str | None = None  # from the authorization request, echoed in ID tokens
    # Cognito's ``event_id``: one per authentication event, in every token it produced.
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Failures:
    """Wrong passwords of one user (Cognito's sign-in lockout, see :func:`password_ok`)."""

    count: int = 0
    locked_until: float = 0.0
    last_attempt: float = 0.0


@dataclass
class SrpSession:
    """A ``PASSWORD_VERIFIER`` challenge handed out by ``USER_SRP_AUTH``."""

    challenge: cognito_srp.SrpChallenge
    client_id: str
    username: str  # the user's username; "" for a simulated (unknown-user) challenge
    expires_at: float
    session: str  # the Session returned with the challenge


@dataclass
class RefreshMeta:
    """A refresh token's family, absolute expiry and, once rotated out, its retirement time."""

    family: str
    expires_at: float
    retired_at: float | None = None  # set by rotation: unusable from then on


@dataclass
class AccessMeta:
    """An access token's family and expiry (seconds since the epoch)."""

    family: str
    expires_at: float


@dataclass
class ChallengeSession:
    """A ``SOFTWARE_TOKEN_MFA`` challenge handed out after a right password."""

    username: str  # moto's username of the user; "" for a simulated (unknown-user) one
    client_id: str
    expires_at: float
    wrong_answers: int = 0
    challenge: str = "SOFTWARE_TOKEN_MFA"  # or "EMAIL_OTP" / "WEB_AUTHN" (USER_AUTH)
    webauthn_challenge: str = ""  # WEB_AUTHN: the base64url challenge the options carry
    available: list[str] = field(default_factory=list)  # SELECT_CHALLENGE: the offer


@dataclass
class Passkey:
    """A WebAuthn credential registered by CompleteWebAuthnRegistration (bytes as base64url)."""

    user_id: str  # the ``sub`` of the user who registered it; only they may sign in with it
    public_key: str  # the COSE public key
    sign_count: int  # the authenticator's counter at the last use (W3C WebAuthn §6.1.1)
    relying_party_id: str
    created_at: float  # seconds since the epoch
    friendly_name: str = ""
    attachment: str = ""  # "platform" / "cross-platform", when the client said
    transports: list[str] = field(default_factory=list)


@dataclass
class Registration:
    """A StartWebAuthnRegistration challenge waiting for CompleteWebAuthnRegistration."""

    challenge: str  # base64url
    expires_at: float


@dataclass
class PoolState:
    """Everything this module adds to one moto user pool (plain data, serialisable).

    It is the one place of the emulator's Cognito state that moto does not keep itself:
    codes, token families (scopes, ``auth_time``, ``event_id``), refresh/access token
    metadata, lockout counters and SRP challenges. It lives on the pool object
    (``pool.__dict__["_local_stack_state"]``), next to moto's own ``users``,
    ``refresh_tokens`` (revocations are ``None`` there) and ``access_tokens``, so that
    persisting the pool persists it too. Signing keys are moto's static key (see
    :data:`KEY_ID`), so there is no key state.
    """

    codes: dict[tuple[str, str], Code] = field(default_factory=dict)  # (user.id, kind)
    families: dict[str, Family] = field(default_factory=dict)  # origin_jti -> family
    refresh: dict[str, RefreshMeta] = field(default_factory=dict)
    access: dict[str, AccessMeta] = field(default_factory=dict)
    # Lockouts: user.id -> wrong passwords; (user.id, kind) -> wrong codes since the last
    # code was issued (kind: "sign_up" / "forgot_password").
    failures: dict[str, Failures] = field(default_factory=dict)
    code_failures: dict[tuple[str, str], int] = field(default_factory=dict)
    # USER_SRP_AUTH challenges in flight, by Session.
    srp: dict[str, SrpSession] = field(default_factory=dict)
    # TOTP: user.id -> base32 secret from AssociateSoftwareToken, not yet verified; user.id
    # -> the verified secret; user.id -> the last RFC 6238 time step accepted (no reuse).
    totp_pending: dict[str, str] = field(default_factory=dict)
    totp: dict[str, str] = field(default_factory=dict)
    totp_last_step: dict[str, int] = field(default_factory=dict)
    # SOFTWARE_TOKEN_MFA challenges in flight, by Session.
    mfa: dict[str, ChallengeSession] = field(default_factory=dict)
    # user.id -> the new email waiting for VerifyUserAttribute (its code: kind "verify_email").
    pending_email: dict[str, str] = field(default_factory=dict)
    # SetUserPoolMfaConfig's WebAuthnConfiguration (RelyingPartyId, UserVerification).
    webauthn_config: dict[str, str] = field(default_factory=dict)
    # Passkeys by base64url credential id; registrations in flight by user.id.
    passkeys: dict[str, Passkey] = field(default_factory=dict)
    registrations: dict[str, Registration] = field(default_factory=dict)


@dataclass
class Settings:
    """Where codes go (the dev inbox) and the clock; set by ``install``."""

    inbox: Inbox | None = None
    clock: Callable[[], float] = time.time


SETTINGS = Settings()


LOCK = threading.RLock()  # moto's server is threaded; our side tables are shared


STATE_ATTRIBUTE = "_local_stack_state"


def clock() -> float:
    """Now, in seconds since the epoch, by the clock :func:`install` was given."""
    return SETTINGS.clock()


def pool_state(pool: CognitoIdpUserPool) -> PoolState:
    # Kept on the pool object itself, so moto's reset (new pool objects) resets it too.
    """The :class:`PoolState` of ``pool``, created on first use.

    Kept on the pool object itself, so moto's reset (new pool objects) resets it too.
    """
    with LOCK:
        state = pool.__dict__.get(STATE_ATTRIBUTE)
        if state is None:
            state = PoolState()
            pool.__dict__[STATE_ATTRIBUTE] = state
        return state


def drop_expired(sessions: dict[str, Any], now: float) -> None:
    """Remove the challenge sessions of ``sessions`` whose ``expires_at`` is past (seconds
    since the epoch). Call with :data:`LOCK` held."""
    for key in [key for key, item in sessions.items() if item.expires_at <= now]:
        del sessions[key]


def open_challenge(pool: CognitoIdpUserPool, item: ChallengeSession) -> str:
    """Keep ``item`` under a new random Session (the opaque string InitiateAuth returns),
    dropping the pool's expired challenge sessions first; the Session."""
    session = secrets.token_urlsafe(96)
    with LOCK:
        sessions = pool_state(pool).mfa
        drop_expired(sessions, clock())
        sessions[session] = item
    return session
