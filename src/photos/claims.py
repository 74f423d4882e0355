"""The caller's identity: the Cognito ``sub`` that owns every photo they touch.

On AWS, API Gateway's Cognito user pools authorizer has already verified the access
token and put its claims in ``requestContext.authorizer.claims`` (string values). The
owner is ``claims["sub"]``, never a request field. No claims means the route was reached
without the authorizer: 401, never let through.

``sam local start-api`` skips Cognito authorizers (issue 4), so when
``TOKEN_VERIFICATION=handler`` the handler verifies the Bearer token itself, the way the
authorizer and Cognito's docs ("Verifying a JSON web token") do: RS256 signature against
the pool's JWKS, ``iss``, ``exp``, ``token_use == "access"``, ``client_id``, and the
``aws.cognito.signin.user.admin`` scope the API's authorizer requires. Any failure is the
same 401. Tokens are never logged.

In both modes two checks follow that API Gateway's authorizer does not make (issue 9):

- audience: the token's ``client_id`` must be one of the app clients this API serves
  (:attr:`PhotosConfig.allowed_client_ids`, from the template). The authorizer admits an
  access token of *any* app client of the pool.
- revocation: the user has not signed out since the token was issued
  (:mod:`shared.revocation`, one ``GetItem``). Without it a signed-out access token keeps
  working until it expires.
"""

from __future__ import annotations

import calendar
import functools
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from photos.config import PhotosConfig
from photos.errors import Unauthorized
from shared import revocation
from shared.http import bearer_token

if TYPE_CHECKING:
    import jwt

# PyJWT (and cryptography under it) is imported only in handler mode: on AWS the
# authorizer verifies tokens, and the import would add ~40 ms to every cold start.

logger = Logger(child=True)

#: The scope the API's CognitoAuthorizer requires (template.yaml AuthorizationScopes).
REQUIRED_SCOPE = "aws.cognito.signin.user.admin"

#: Cognito signs with RS256 only; pinning it blocks algorithm-confusion attacks
#: (RFC 8725 section 3.1).
ALGORITHMS = ["RS256"]

#: Claims every Cognito access token carries.
REQUIRED_CLAIMS = ["sub", "iss", "exp", "iat", "token_use", "client_id"]

_MAX_SUB_CHARS = 128


@functools.cache
def jwks_client(url: str) -> jwt.PyJWKClient:
    """One JWKS client per URL per cold start; it caches the keys and refetches on an
    unknown ``kid`` (Cognito rotates keys rarely)."""
    import jwt

    return jwt.PyJWKClient(url, cache_keys=True, timeout=5)


def verify_access_token(
    token: str, config: PhotosConfig, keys: jwt.PyJWKClient | None = None
) -> dict[str, Any]:
    """The claims of a valid access token of ``config``'s pool and app client.

    Raises:
        jwt.PyJWTError: any failed check (PyJWKClientError included).
    """
    import jwt

    keys = keys or jwks_client(config.signing_keys_url)
    signing_key = keys.get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        signing_key.key,
        algorithms=ALGORITHMS,
        issuer=config.issuer,
        options={"require": REQUIRED_CLAIMS},
        leeway=0,
    )
    if claims.get("token_use") != "access":
        raise jwt.InvalidTokenError("token_use is not access")
    if claims.get("client_id") not in config.allowed_client_ids:
        raise jwt.InvalidTokenError("client_id does not match")
    scopes = str(claims.get("scope", "")).split()
    if REQUIRED_SCOPE not in scopes:
        raise jwt.InvalidTokenError("required scope missing")
    return claims


def caller_sub(event: APIGatewayProxyEvent, config: PhotosConfig) -> str:
    """The ``sub`` of the verified caller of ``event``.

    Raises:
        Unauthorized: no claims from the authorizer (authorizer mode), or no valid
            Bearer access token (handler mode).
    """
    if config.token_verification == "handler":
        import jwt

        try:
            token = bearer_token(event.headers)
        except ValueError:
            token = None
        if token is None:
            raise Unauthorized()
        try:
            claims = verify_access_token(token, config)
        except jwt.PyJWTError as exc:
            # The reason, never the token. An unreachable JWKS is an operations problem.
            log = logger.warning if isinstance(exc, jwt.PyJWKClientConnectionError) else logger.info
            log("access token rejected", extra={"reason": type(exc).__name__})
            raise Unauthorized() from exc
    else:
        claims = event.request_context.authorizer.claims
    sub = claims.get("sub") if isinstance(claims, dict) else None
    if not isinstance(sub, str) or not 0 < len(sub) <= _MAX_SUB_CHARS or "/" in sub:
        raise Unauthorized()
    if claims.get("client_id") not in config.allowed_client_ids:
        logger.info("access token rejected", extra={"reason": "client_id not served"})
        raise Unauthorized()
    if config.revocations_table_name and _signed_out(claims, sub, config):
        logger.info("access token rejected", extra={"reason": "signed out"})
        raise Unauthorized()
    return sub


#: How API Gateway's REST Cognito authorizer renders ``iat``/``exp`` in the event's
#: claims, e.g. ``Sat Nov 21 09:00:00 UTC 2026`` (always UTC).
_API_GATEWAY_TIME = "%a %b %d %H:%M:%S UTC %Y"


def issued_at(claims: Mapping[str, Any]) -> int:
    """The token's ``iat`` in epoch seconds, from a JWT number, a numeric string, or
    API Gateway's rendering (:data:`_API_GATEWAY_TIME`).

    Raises:
        Unauthorized: no parsable ``iat`` (every Cognito access token has one).
    """
    value = claims.get("iat")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        if value.isdigit():
            return int(value)
        try:
            return calendar.timegm(time.strptime(value, _API_GATEWAY_TIME))
        except ValueError:
            pass
    raise Unauthorized()


def _signed_out(claims: Mapping[str, Any], sub: str, config: PhotosConfig) -> bool:
    """One strongly consistent GetItem on the revocations table (:mod:`shared.revocation`).

    A failed read propagates as botocore's ``ClientError`` (the service's error table
    answers 5xx): an outage must not let signed-out tokens back in.
    """
    from photos.store import aws_client  # the service's one DynamoDB client

    origin_jti = claims.get("origin_jti")
    return revocation.is_revoked(
        aws_client("dynamodb"),
        str(config.revocations_table_name),
        user_sub=sub,
        issued_at=issued_at(claims),
        origin_jti=origin_jti if isinstance(origin_jti, str) and origin_jti else None,
    )
