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
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from photos.config import PhotosConfig
from photos.errors import Unauthorized
from shared import revocation
from shared.http import bearer_token

if TYPE_CHECKING:
    import rsa

# PyJWT and python-rsa are imported only in handler mode: on AWS the authorizer verifies
# tokens, and every import is paid at each cold start.

logger = Logger(child=True)

#: The scope the API's CognitoAuthorizer requires (template.yaml AuthorizationScopes).
REQUIRED_SCOPE = "aws.cognito.signin.user.admin"

#: Cognito signs with RS256 only; pinning it blocks algorithm-confusion attacks
#: (RFC 8725 section 3.1).
ALGORITHMS = ["RS256"]

#: Claims every Cognito access token carries.
REQUIRED_CLAIMS = ["sub", "iss", "exp", "iat", "token_use", "client_id"]

#: RFC 7518 section 3.3: RS256 keys are 2048 bits or larger (Cognito's are 2048).
MIN_RSA_BITS = 2048

_MAX_SUB_CHARS = 128


@functools.cache
def rs256() -> Any:
    """PyJWT's ``Algorithm`` for RS256, verified by python-rsa (one instance).

    Why not PyJWT's own: it needs ``cryptography`` (4.5 MiB zipped, with cffi), which would
    then ship in every photo package for a mode only ``sam local start-api`` uses. python-rsa
    is pure Python (~0.2 MiB with pyasn1) and verifies RSASSA-PKCS1-v1_5 signatures by
    re-encoding the expected block and comparing (no padding parser to fool). PyJWT still
    parses the token and checks every claim (:func:`decoder`).
    """
    import jwt
    from jwt.algorithms import Algorithm
    from jwt.utils import base64url_decode

    class RS256(Algorithm):
        """RSASSA-PKCS1-v1_5 using SHA-256 (RFC 7518 section 3.3), verification only."""

        def prepare_key(self, key: Any) -> rsa.PublicKey:
            import rsa

            if not isinstance(key, rsa.PublicKey):
                raise jwt.InvalidKeyError("an rsa.PublicKey is required")
            return key

        def sign(self, msg: bytes, key: Any) -> bytes:
            raise NotImplementedError("verification only")

        def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
            import rsa

            try:
                return rsa.verify(msg, sig, key) == "SHA-256"
            except rsa.VerificationError:
                return False

        @staticmethod
        def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
            raise NotImplementedError("verification only")

        @staticmethod
        def from_jwk(jwk: str | dict[str, Any]) -> rsa.PublicKey:
            """An RSA public JWK (RFC 7517; ``n``, ``e`` base64url, RFC 7518 section 6.3.1).

            Raises:
                jwt.InvalidKeyError: not an RSA public key of at least 2048 bits.
            """
            import rsa

            data = json.loads(jwk) if isinstance(jwk, str) else jwk
            if not isinstance(data, dict) or data.get("kty") != "RSA":
                raise jwt.InvalidKeyError("not an RSA key")
            try:
                n = int.from_bytes(base64url_decode(data["n"]), "big")
                e = int.from_bytes(base64url_decode(data["e"]), "big")
            except (KeyError, TypeError, ValueError) as exc:
                raise jwt.InvalidKeyError("malformed RSA key") from exc
            if n.bit_length() < MIN_RSA_BITS or e < 3:
                raise jwt.InvalidKeyError("RSA key too weak")
            return rsa.PublicKey(n, e)

    return RS256()


@functools.cache
def decoder() -> Any:
    """A ``jwt.PyJWT`` that knows RS256 (:func:`rs256`) and nothing else: ``none`` and the
    HMAC algorithms are never accepted. PyJWT takes its JWS layer from ``_jws``, the one
    hook for a custom algorithm set (PyJWT is pinned exactly, and
    tests/handlers/photos/test_token_verification_without_cryptography.py runs this path
    with cryptography unimportable).
    """
    import jwt

    jwt_decoder = jwt.PyJWT()
    jwt_decoder._jws = jwt.PyJWS(algorithms=[])
    jwt_decoder._jws.register_algorithm("RS256", rs256())
    return jwt_decoder


class SigningKeys:
    """The pool's RS256 public keys by ``kid``, read from its JWKS URL.

    Fetched with :meth:`jwt.PyJWKClient.fetch_data` (http(s) only, no redirects,
    ``timeout_s``) on first use and again when a token names an unknown ``kid`` (Cognito
    rotates keys rarely), at most once per ``cooldown_s``. Keys that are not RSA
    signature keys of at least 2048 bits are ignored.
    """

    def __init__(
        self,
        url: str,
        timeout_s: float = 5,
        cooldown_s: float = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url, self._timeout_s, self._cooldown_s, self._clock = (
            url,
            timeout_s,
            cooldown_s,
            clock,
        )
        self._keys: dict[str, rsa.PublicKey] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def key_for(self, token: str) -> rsa.PublicKey:
        """The key that signed ``token`` (by its header's ``kid``).

        Raises:
            jwt.PyJWKClientConnectionError: the JWKS could not be fetched.
            jwt.PyJWKClientError: no key with that ``kid``.
            jwt.DecodeError: ``token`` is not a JWS.
        """
        import jwt

        kid = jwt.get_unverified_header(token).get("kid")
        with self._lock:
            stale = self._fetched_at is None or (
                kid not in self._keys and self._clock() - self._fetched_at >= self._cooldown_s
            )
            if stale:
                self._keys = self._fetch()
                self._fetched_at = self._clock()
            if not isinstance(kid, str) or kid not in self._keys:
                raise jwt.PyJWKClientError("no signing key with that kid")
            return self._keys[kid]

    def _fetch(self) -> dict[str, rsa.PublicKey]:
        import jwt

        client = jwt.PyJWKClient(self._url, cache_jwk_set=False, timeout=self._timeout_s)
        keys = {}
        for jwk in client.fetch_data().get("keys") or []:
            usable = isinstance(jwk, dict) and jwk.get("use") in ("sig", None)
            if not usable or jwk.get("alg") not in (None, *ALGORITHMS) or "kid" not in jwk:
                continue
            try:
                keys[str(jwk["kid"])] = rs256().from_jwk(jwk)
            except jwt.InvalidKeyError:
                continue
        return keys


@functools.cache
def jwks_client(url: str) -> SigningKeys:
    """One key set per URL per cold start (it caches the keys, see :class:`SigningKeys`)."""
    return SigningKeys(url)


def verify_access_token(
    token: str, config: PhotosConfig, keys: SigningKeys | None = None
) -> dict[str, Any]:
    """The claims of a valid access token of ``config``'s pool and app client.

    Raises:
        jwt.PyJWTError: any failed check (PyJWKClientError included).
    """
    import jwt

    keys = keys or jwks_client(config.signing_keys_url)
    claims = decoder().decode(
        token,
        keys.key_for(token),
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
