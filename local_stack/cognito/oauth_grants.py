"""What the hosted-UI stand-in (:mod:`local_stack.cognito.hosted_ui`) needs from the pool:
password checks, tokens for the authorization-code and refresh-token grants, revocation
and the user of an access token. Tokens are minted with moto's key and issuer, so the
API's authorizer accepts them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from moto.cognitoidp.exceptions import (
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotConfirmedException,
)
from moto.cognitoidp.models import (
    CognitoIdpUser,
    CognitoIdpUserPool,
    UserStatus,
    cognitoidp_backends,
)

from local_stack.cognito.errors import INCORRECT_CREDENTIALS
from local_stack.cognito.lockout import check_password
from local_stack.cognito.signing import AT_HASH, at_hash
from local_stack.cognito.state import DEFAULT_SCOPE, LOCK, Family, clock, pool_state
from local_stack.cognito.tokens import refresh_result


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
        raise NotAuthorizedError(INCORRECT_CREDENTIALS)
    check_password(pool, user, password)
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
    when = int(clock()) if auth_time is None else int(auth_time)
    with LOCK:
        pool_state(pool).families[family] = Family(granted, when, nonce)
    access_token, expires_in = pool.create_access_token(client_id, user.username, family)
    id_token = None
    if "openid" in granted:
        marker = AT_HASH.set(at_hash(access_token))
        try:
            id_token, _ = pool.create_id_token(client_id, user.username, family)
        finally:
            AT_HASH.reset(marker)
    return TokenSet(access_token, expires_in, id_token, refresh_token)


def refresh(pool: CognitoIdpUserPool, client_id: str, refresh_token: str) -> TokenSet:
    """The refresh_token grant for an already authenticated client (rotation per client).

    :raises NotAuthorizedError: revoked, expired, rotated-out or foreign refresh token.
    :raises ResourceNotFoundError: unknown client.
    """
    client = pool.clients.get(client_id)
    if client is None:
        raise ResourceNotFoundError(client_id)
    result = refresh_result(pool, client, refresh_token, rotate=True)
    record = pool.refresh_tokens.get(refresh_token)
    family = pool_state(pool).families.get(record[2]) if record else None
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
    family = pool_state(pool).families.get(record[2]) if record else None
    return family.scopes if family else (DEFAULT_SCOPE,)


def user_for_access_token(pool: CognitoIdpUserPool, access_token: str) -> CognitoIdpUser | None:
    """The user of a live access token of ``pool``: issued, not revoked, not expired."""
    if access_token not in pool.access_tokens:
        return None
    meta = pool_state(pool).access.get(access_token)
    if meta is not None and clock() >= meta.expires_at:
        return None
    user = pool._get_user(pool.access_tokens[access_token][1])
    return user if user is not None and user.enabled else None
