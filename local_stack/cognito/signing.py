"""Tokens as Cognito signs them: the header (a real ``kid``, no ``typ``), the claims of
access and ID tokens, the JWKS and ``at_hash``.
"""

from __future__ import annotations

import base64
import contextvars
import functools
import hashlib
import json
import uuid
from typing import Any

import jwt
from moto.cognitoidp.models import (
    CognitoIdpUserPool,
)
from moto.utilities.utils import load_resource

from local_stack.cognito.rules import validity_seconds
from local_stack.cognito.state import DEFAULT_SCOPE, clock, pool_state

BOOLEAN_ATTRIBUTES = {"email_verified", "phone_number_verified"}


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


@functools.cache
def _signing_key() -> Any:
    """moto's private key, loaded on the first token signed, not at import: cryptography
    checks an RSA private key as it loads it, 0.13-0.55 s of CPU here (python -X
    importtime), which every start paid before its first answer."""
    return jwt.PyJWK(_PRIVATE_JWK, algorithm="RS256").key


#: Set around ID-token minting by :func:`issue_tokens` (authorization-code grant only).
AT_HASH: contextvars.ContextVar[str | None] = contextvars.ContextVar("at_hash", default=None)


def jwks() -> dict[str, Any]:
    """The JWKS of the one signing key (moto's key pair, with :data:`KEY_ID`)."""
    return {"keys": [{**_MOTO_PUBLIC_JWK, "kid": KEY_ID}]}


def at_hash(access_token: str) -> str:
    """OpenID Connect Core 3.1.3.6 ``at_hash`` for RS256: left half of SHA-256, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def sign(payload: dict[str, Any]) -> str:
    """RS256 JWS with Cognito's header: ``kid`` and ``alg`` only (no ``typ``)."""
    return jwt.encode(
        payload, _signing_key(), algorithm="RS256", headers={"kid": KEY_ID, "typ": None}
    )


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
    expires_in = validity_seconds(self.clients.get(client_id), token_use)
    extra = dict(extra_data or {})
    now = int(clock())
    family = pool_state(self).families.get(extra.get("origin_jti", ""))
    user = self._get_user(username)
    username_is_email = "email" in (self.extended_config.get("UsernameAttributes") or [])
    payload: dict[str, Any] = {}
    if token_use == "id" and AT_HASH.get():
        payload["at_hash"] = AT_HASH.get()
    payload.update(sub=user.id, iss=f"https://cognito-idp.{self.region}.amazonaws.com/{self.id}")
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
                payload[name] = value == "true" if name in BOOLEAN_ATTRIBUTES else value
    return sign(payload), expires_in


def issuer(pool: CognitoIdpUserPool) -> str:
    """The ``iss`` of the pool's tokens (the same string moto signs)."""
    return f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}"


def public_jwks() -> dict[str, Any]:
    """The JWKS with the public half of the key every pool's tokens are signed with
    (``kid`` = :data:`KEY_ID`)."""
    return jwks()
