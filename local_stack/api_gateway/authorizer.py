"""API Gateway's ``COGNITO_USER_POOLS`` authorizer, enforced before any handler runs.

What API Gateway checks (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html,
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html):

- the token is the identity-source header's value (API Gateway accepts it raw or as
  ``Bearer <token>``);
- its RS256 signature verifies against the user pool's JWKS (fetched from the emulator,
  ``{emulator}/{pool_id}/.well-known/jwks.json``, and cached by PyJWT's ``PyJWKClient``);
- ``iss`` is ``https://cognito-idp.{region}.amazonaws.com/{pool_id}`` of one of the
  authorizer's pools, and ``exp`` is in the future;
- with ``AuthorizationScopes`` (the authorizer's or the method's own), the token must be an
  access token (``token_use=access``) whose ``scope`` holds at least one of them; without,
  an ID token (``token_use=id``) is expected.

Any failure is :class:`Unauthorized` (the gateway answers with the template's
``UNAUTHORIZED`` gateway response, 401). Success returns the claims the way API Gateway
puts them in ``requestContext.authorizer.claims``: every value a string, ``exp``/``iat``
as ``"Fri Jul 29 18:52:53 UTC 2016"``, numbers and booleans as their text, lists joined
with commas (e.g. ``cognito:groups``).

Difference: API Gateway caches authorizer results per token for a TTL (300 s by default
for Cognito); here every request is verified, which only makes revocation look faster.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import jwt

from local_stack.template import CognitoAuthorizerSpec


class Unauthorized(Exception):
    """The request does not carry an acceptable token (API Gateway: 401 UNAUTHORIZED).

    The message says why, for the console; it never contains the token.
    """


class SigningKeySource(Protocol):
    """What :class:`jwt.PyJWKClient` offers: the key that signed a token."""

    def get_signing_key_from_jwt(self, token: str) -> Any: ...


@dataclass(frozen=True)
class UserPoolKeys:
    """One user pool the authorizer trusts: its issuer URL and its signing keys."""

    issuer: str
    keys: SigningKeySource


def pool_from_arn(arn: str) -> tuple[str, str]:
    """``arn:aws:cognito-idp:{region}:{account}:userpool/{pool_id}`` -> (region, pool_id).

    Raises:
        ValueError: not a user pool ARN.
    """
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "cognito-idp" or not parts[5].startswith("userpool/"):
        raise ValueError(f"not a Cognito user pool ARN: {arn}")
    return parts[3], parts[5].removeprefix("userpool/")


class CognitoUserPoolsAuthorizer:
    """Verifies the identity-source header of a request against trusted user pools.

    Args:
        pools: the pools of the authorizer's ``UserPoolArn`` (one or more).
        header: the identity-source header name (``Identity.Header``), case-insensitive.
        scopes: the authorizer's ``AuthorizationScopes`` (empty: ID tokens expected).
        leeway_s: clock skew tolerated on ``exp``; API Gateway allows none.
    """

    def __init__(
        self,
        pools: Sequence[UserPoolKeys],
        header: str = "Authorization",
        scopes: Sequence[str] = (),
        leeway_s: float = 0,
    ) -> None:
        self._pools = {pool.issuer: pool for pool in pools}
        self.header = header
        self.scopes = tuple(scopes)
        self._leeway = leeway_s

    @classmethod
    def from_spec(
        cls, spec: CognitoAuthorizerSpec, emulator_url: str
    ) -> CognitoUserPoolsAuthorizer:
        """Build the authorizer of ``spec`` with JWKS served by the emulator at ``emulator_url``."""
        pools = []
        for arn in spec.user_pool_arns:
            region, pool_id = pool_from_arn(arn)
            pools.append(
                UserPoolKeys(
                    issuer=f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
                    keys=jwt.PyJWKClient(
                        f"{emulator_url.rstrip('/')}/{pool_id}/.well-known/jwks.json",
                        cache_keys=True,
                        timeout=5,
                    ),
                )
            )
        return cls(pools, header=spec.header, scopes=spec.scopes)

    def authorize(
        self, headers: Mapping[str, str], scopes: Sequence[str] | None = None
    ) -> dict[str, str]:
        """The claims of the request's valid token, as API Gateway passes them.

        Args:
            headers: the request headers (any case).
            scopes: the method's ``AuthorizationScopes`` when it overrides the authorizer's.
        Raises:
            Unauthorized: missing, malformed, unverifiable, expired, foreign, wrong token
                type or missing scope.
        """
        token = _token_from(headers, self.header)
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
            pool = self._pools.get(str(unverified.get("iss")))
            if pool is None:
                raise Unauthorized("token issued by an untrusted issuer")
            key = pool.keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=["RS256"],
                issuer=pool.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "token_use"], "verify_aud": False},
            )
        except Unauthorized:
            raise
        except jwt.PyJWKClientError as exc:
            raise Unauthorized(f"signing key not found: {exc}") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        required = tuple(self.scopes if scopes is None else scopes)
        if required:
            if claims.get("token_use") != "access":
                raise Unauthorized("an access token is required (scopes are configured)")
            granted = set(str(claims.get("scope", "")).split())
            if not granted.intersection(required):
                raise Unauthorized("the token has none of the required scopes")
        elif claims.get("token_use") != "id":
            raise Unauthorized("an ID token is required (no scopes are configured)")
        return api_gateway_claims(claims)


def _token_from(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    value = next((v for k, v in headers.items() if k.lower() == wanted), "")
    value = value.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    if not value:
        raise Unauthorized(f"no token in the {name} header")
    return value


def _api_gateway_date(epoch: Any) -> str:
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(int(epoch)))


def api_gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """JWT claims rendered as API Gateway's REST Cognito authorizer renders them."""
    rendered: dict[str, str] = {}
    for name, value in claims.items():
        if name in ("exp", "iat") and isinstance(value, int | float):
            rendered[name] = _api_gateway_date(value)
        elif isinstance(value, bool):
            rendered[name] = "true" if value else "false"
        elif isinstance(value, list):
            rendered[name] = ",".join(str(item) for item in value)
        else:
            rendered[name] = str(value)
    return rendered
