"""Token families: refresh-token lifetimes, rotation and revocation, GetTokensFromRefreshToken,
and Cognito's checks on access tokens of token-authorized operations.
"""

from __future__ import annotations

import uuid
from typing import Any

from moto.cognitoidp.exceptions import (
    NotAuthorizedError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
)

from local_stack.cognito.originals import moto_original
from local_stack.cognito.rules import (
    check_client_secret,
    pool_and_client,
    rotation,
    validity_seconds,
)
from local_stack.cognito.state import (
    DEFAULT_SCOPE,
    LOCK,
    AccessMeta,
    Family,
    RefreshMeta,
    clock,
    pool_state,
)


def revoke_family(pool: CognitoIdpUserPool, family: str) -> None:
    """Revoke every refresh token of ``family`` and the access tokens they issued."""
    with LOCK:
        for token, record in list(pool.refresh_tokens.items()):
            if record is not None and record[2] == family:
                pool.refresh_tokens[token] = None
        for token, meta in pool_state(pool).access.items():
            if meta.family == family:
                pool.access_tokens.pop(token, None)


def check_refresh_usable(pool: CognitoIdpUserPool, refresh_token: str) -> tuple[str, str, str]:
    """Return moto's (client_id, username, family) record or raise NotAuthorizedException."""
    if refresh_token not in pool.refresh_tokens:
        raise NotAuthorizedError("Invalid Refresh Token")
    record = pool.refresh_tokens[refresh_token]
    if record is None:
        raise NotAuthorizedError("Refresh Token has been revoked")
    meta = pool_state(pool).refresh.get(refresh_token)
    now = clock()
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


def rotate_refresh_token(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, old: str, grace: int
) -> str:
    """Issue the successor of refresh token ``old``; ``old`` keeps working ``grace`` seconds."""
    client_id, username, family = pool.refresh_tokens[old]
    new = str(uuid.uuid4())
    now = clock()
    with LOCK:
        state = pool_state(pool)
        old_meta = state.refresh.get(old)
        # The successor keeps the family's absolute expiry: rotation never extends a session
        # beyond RefreshTokenValidity from sign-in (the conservative reading of the docs).
        expires_at = old_meta.expires_at if old_meta else now + validity_seconds(client, "refresh")
        pool.refresh_tokens[new] = (client_id, username, family)
        state.refresh[new] = RefreshMeta(family=family, expires_at=expires_at)
        if old_meta is not None:
            retire = now + grace
            if old_meta.retired_at is None or retire < old_meta.retired_at:
                old_meta.retired_at = retire
    return new


def refresh_result(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, refresh_token: str, *, rotate: bool
) -> dict[str, Any]:
    """AuthenticationResult for a usable ``refresh_token`` of ``client``."""
    record = check_refresh_usable(pool, refresh_token)
    if record[0] != client.id:
        raise NotAuthorizedError("Invalid Refresh Token")
    access_token, id_token, expires_in = pool.create_tokens_from_refresh_token(refresh_token)
    result: dict[str, Any] = {
        "AccessToken": access_token,
        "IdToken": id_token,
        "ExpiresIn": expires_in,
        "TokenType": "Bearer",
    }
    enabled, grace = rotation(client)
    if rotate and enabled:
        result["RefreshToken"] = rotate_refresh_token(pool, client, refresh_token, grace)
    return result


def create_refresh_token(
    self: CognitoIdpUserPool, client_id: str, username: str
) -> tuple[str, str]:
    """Token minting: the refresh token's lifetime is the client's ``RefreshTokenValidity``
    (moto's never expire); a new authentication starts a family with the user-pool API scope.
    """
    token, family = moto_original(CognitoIdpUserPool, "create_refresh_token")(
        self, client_id, username
    )
    now = clock()
    lifetime = validity_seconds(self.clients.get(client_id), "refresh")
    with LOCK:
        state = pool_state(self)
        state.families.setdefault(family, Family((DEFAULT_SCOPE,), int(now)))
        state.refresh[token] = RefreshMeta(family=family, expires_at=now + lifetime)
    return token, family


def create_access_token(
    self: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str
) -> tuple[str, int]:
    """Token minting: each access token's family and expiry are recorded, so that RevokeToken
    and GlobalSignOut reach it and GetUser can refuse it once expired.
    """
    token, expires_in = moto_original(CognitoIdpUserPool, "create_access_token")(
        self, client_id, username, origin_jti
    )
    with LOCK:
        pool_state(self).access[token] = AccessMeta(origin_jti, clock() + expires_in)
    return token, expires_in


def create_tokens_from_refresh_token(
    self: CognitoIdpUserPool, refresh_token: str
) -> tuple[str, str, int]:
    """InitiateAuth REFRESH_TOKEN_AUTH: the refresh token must be live, not revoked, not
    rotated out and its user enabled (:func:`check_refresh_usable`) before moto mints.
    """
    check_refresh_usable(self, refresh_token)
    return moto_original(CognitoIdpUserPool, "create_tokens_from_refresh_token")(
        self, refresh_token
    )


def token_user(
    self: CognitoIdpBackend, access_token: str
) -> tuple[CognitoIdpUserPool, CognitoIdpUser]:
    """The pool and user of a live access token with the admin scope.

    :raises NotAuthorizedError: as :func:`check_access_token`, or the user is gone.
    """
    check_access_token(self, access_token)
    for pool in self.user_pools.values():
        if access_token in pool.access_tokens:
            user = pool._get_user(pool.access_tokens[access_token][1])
            if user is not None:
                return pool, user
    raise NotAuthorizedError("Invalid Access Token")


def get_tokens_from_refresh_token(
    self: CognitoIdpBackend, client_id: str, refresh_token: str, client_secret: str | None
) -> dict[str, Any]:
    """GetTokensFromRefreshToken (moto lacks it): new tokens from a usable refresh token,
    with the client secret checked and a successor refresh token when the client rotates
    (API reference, GetTokensFromRefreshToken and RefreshTokenRotationType).
    """
    pool, client = pool_and_client(self, client_id)
    check_client_secret(client, client_secret, NotAuthorizedError)
    return {"AuthenticationResult": refresh_result(pool, client, refresh_token, rotate=True)}


def check_access_token(self: CognitoIdpBackend, access_token: str) -> None:
    """Cognito's checks on the access token of a token-authorized user operation.

    The token must be live (not revoked, not expired) and carry the
    ``aws.cognito.signin.user.admin`` scope (API reference, GlobalSignOut / GetUser:
    "It must include the scope aws.cognito.signin.user.admin"); hosted-UI tokens
    have it only when the authorization request asked for it. The messages are
    Cognito's; moto's own would echo the token.

    :raises NotAuthorizedError: revoked, expired, unknown, or without that scope.
    """
    for pool in self.user_pools.values():
        state = pool_state(pool)
        meta = state.access.get(access_token)
        if access_token not in pool.access_tokens:
            if meta is not None:  # ours, and since revoked (RevokeToken, GlobalSignOut)
                raise NotAuthorizedError("Access Token has been revoked")
            continue
        if meta is None:
            return  # minted before install(): moto's rules apply
        if clock() >= meta.expires_at:
            raise NotAuthorizedError("Access Token has expired")
        family = state.families.get(meta.family)
        if family is not None and DEFAULT_SCOPE not in family.scopes:
            raise NotAuthorizedError("Access Token does not have required scopes")
        return
    raise NotAuthorizedError("Invalid Access Token")


def revoke_refresh_token(pool: CognitoIdpUserPool, refresh_token: str) -> None:
    """Revoke ``refresh_token``'s family and its access tokens (no-op when unknown)."""
    record = pool.refresh_tokens.get(refresh_token)
    meta = pool_state(pool).refresh.get(refresh_token)
    family = record[2] if record else (meta.family if meta else None)
    if family is not None:
        revoke_family(pool, family)
