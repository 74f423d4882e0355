"""The local COGNITO_USER_POOLS authorizer accepts what API Gateway accepts, and no more.

Tokens are signed by a test RSA key published as a JWKS; the authorizer reads it through
PyJWT's JWK parsing, as it reads the emulator's JWKS in the running stack.
"""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from local_stack.api_gateway.authorizer import (
    CognitoUserPoolsAuthorizer,
    Unauthorized,
    UserPoolKeys,
    api_gateway_claims,
    pool_from_arn,
)

POOL_ID = "us-east-1_TestPool"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}"
SCOPE = "aws.cognito.signin.user.admin"


def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY = _private_key()
OTHER_KEY = _private_key()


class JwksKeys:
    """A ``PyJWKClient`` stand-in over an in-memory JWKS (PyJWKClient fetches only http)."""

    def __init__(self, *private_keys: rsa.RSAPrivateKey) -> None:
        keys = []
        for index, private in enumerate(private_keys):
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
            keys.append({**jwk, "kid": f"key-{index}", "alg": "RS256", "use": "sig"})
        self.jwks = jwt.PyJWKSet.from_dict({"keys": keys})

    def get_signing_key_from_jwt(self, token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self.jwks.keys:
            if key.key_id == kid:
                return key
        raise jwt.PyJWKClientError(f"no key {kid}")


def sign(claims: dict[str, Any], key: rsa.RSAPrivateKey = KEY, kid: str = "key-0") -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def access_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": "11111111-2222-3333-4444-555555555555",
        "iss": ISSUER,
        "client_id": "client123",
        "token_use": "access",
        "scope": f"openid email {SCOPE}",
        "auth_time": now,
        "iat": now,
        "exp": now + 900,
        "jti": "jti-1",
        "username": "11111111-2222-3333-4444-555555555555",
        **overrides,
    }


@pytest.fixture
def authorizer() -> CognitoUserPoolsAuthorizer:
    return CognitoUserPoolsAuthorizer(
        [UserPoolKeys(issuer=ISSUER, keys=JwksKeys(KEY))],
        header="Authorization",
        scopes=[SCOPE],
    )


@pytest.mark.parametrize("prefix", ["Bearer ", "bearer ", ""])
def test_a_valid_access_token_yields_its_claims_as_strings(authorizer, prefix):
    # Given an access token from the trusted pool with the required scope
    claims = access_claims(**{"cognito:groups": ["admin", "editors"], "exp": 1700000000 + 10**9})
    token = sign(claims)

    # When the request carries it, raw or as a Bearer token
    result = authorizer.authorize({"authorization": prefix + token})

    # Then the claims come back as API Gateway passes them: every value a string
    assert result["sub"] == claims["sub"]
    assert result["token_use"] == "access"
    assert result["auth_time"] == str(claims["auth_time"])
    assert result["cognito:groups"] == "admin,editors"
    assert all(isinstance(value, str) for value in result.values())


def test_claims_render_exp_and_iat_as_api_gateway_dates():
    rendered = api_gateway_claims({"exp": 1469814773, "email_verified": True, "n": 3})
    assert rendered == {"exp": "Fri Jul 29 17:52:53 UTC 2016", "email_verified": "true", "n": "3"}


@pytest.mark.parametrize(
    ("case", "headers"),
    [
        ("no header", {}),
        ("empty header", {"Authorization": "Bearer "}),
        ("not a JWT", {"Authorization": "Bearer not-a-jwt"}),
        ("expired", {"Authorization": sign(access_claims(exp=int(time.time()) - 5))}),
        (
            "wrong issuer",
            {
                "Authorization": sign(
                    access_claims(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other")
                )
            },
        ),
        (
            "issuer of another region",
            {
                "Authorization": sign(
                    access_claims(iss=f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL_ID}")
                )
            },
        ),
        ("ID token", {"Authorization": sign(access_claims(token_use="id", scope=None))}),
        ("missing scope", {"Authorization": sign(access_claims(scope="openid email"))}),
        ("bad signature", {"Authorization": sign(access_claims(), key=OTHER_KEY)}),
        ("unknown key id", {"Authorization": sign(access_claims(), kid="key-9")}),
        (
            "HS256 with the public key",
            {
                "Authorization": jwt.encode(
                    access_claims(), "s" * 32, algorithm="HS256", headers={"kid": "key-0"}
                )
            },
        ),
    ],
)
def test_a_bad_token_is_refused(authorizer, case, headers):
    # Given a request whose token API Gateway would refuse (see the case name)
    # When it is authorized / Then it is Unauthorized
    with pytest.raises(Unauthorized):
        authorizer.authorize(headers)


def test_a_method_can_override_the_authorizer_scopes(authorizer):
    # Given a token with only the openid scope
    token = sign(access_claims(scope="openid"))

    # When the method asks for openid itself, it passes; the authorizer's scope would not
    assert authorizer.authorize({"Authorization": token}, scopes=["openid"])["scope"] == "openid"
    with pytest.raises(Unauthorized):
        authorizer.authorize({"Authorization": token})


def test_without_scopes_only_id_tokens_pass():
    # Given an authorizer with no AuthorizationScopes (API Gateway then expects ID tokens)
    authorizer = CognitoUserPoolsAuthorizer([UserPoolKeys(ISSUER, JwksKeys(KEY))])
    id_token = sign(access_claims(token_use="id", scope=None, aud="client123"))

    assert authorizer.authorize({"Authorization": id_token})["token_use"] == "id"
    with pytest.raises(Unauthorized):
        authorizer.authorize({"Authorization": sign(access_claims())})


def test_the_identity_header_is_the_one_the_template_names():
    authorizer = CognitoUserPoolsAuthorizer(
        [UserPoolKeys(ISSUER, JwksKeys(KEY))], header="X-Token", scopes=[SCOPE]
    )
    token = sign(access_claims())

    assert authorizer.authorize({"x-token": token})["sub"]
    with pytest.raises(Unauthorized):
        authorizer.authorize({"Authorization": token})


def test_pool_from_arn_reads_region_and_pool_id():
    arn = f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{POOL_ID}"
    assert pool_from_arn(arn) == ("us-east-1", POOL_ID)
    with pytest.raises(ValueError):
        pool_from_arn("arn:aws:s3:::bucket")
