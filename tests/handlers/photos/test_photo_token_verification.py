"""``TOKEN_VERIFICATION=handler`` (issue 4): ``sam local start-api`` skips the Cognito
authorizer, so the photo handlers verify the Bearer token themselves.

Tokens come from moto's emulated user pool (signed with moto's key,
``moto/cognitoidp/resources/jwks-private.json``). Forged variants are minted with that
same key, changing one claim at a time, so each rejection is due to exactly that check;
a control test proves a freshly minted token with unchanged claims is accepted. The
handler reads the pool's public JWKS from ``JWKS_URL``, here moto's ``jwks-public.json``
served on a free local port.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

from tests.handlers.photos.photo_events import BUCKET_NAME, body_of, load_event

PASSWORD = "Correct-horse-9"


def _sam_local(event: dict[str, Any], token: str | None) -> dict[str, Any]:
    """``event`` as ``sam local start-api`` delivers it: no authorizer claims."""
    del event["requestContext"]["authorizer"]
    event["headers"].pop("Authorization", None)
    event["multiValueHeaders"].pop("Authorization", None)
    if token is not None:
        event["headers"]["Authorization"] = f"Bearer {token}"
        event["multiValueHeaders"]["Authorization"] = [f"Bearer {token}"]
    return event


class Pool:
    """A moto user pool with two app clients and one confirmed user."""

    def __init__(self) -> None:
        self.cognito = boto3.client("cognito-idp")
        self.pool_id = self.cognito.create_user_pool(
            PoolName="moments-test", UsernameAttributes=["email"]
        )["UserPool"]["Id"]
        self.client_id = self._client("broker")
        self.other_client_id = self._client("someone-elses-app")
        self.email = "ada@example.com"
        self.cognito.admin_create_user(
            UserPoolId=self.pool_id, Username=self.email, MessageAction="SUPPRESS"
        )
        self.cognito.admin_set_user_password(
            UserPoolId=self.pool_id, Username=self.email, Password=PASSWORD, Permanent=True
        )

    def _client(self, name: str) -> str:
        return self.cognito.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName=name,
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]

    def sign_in(self, client_id: str | None = None) -> dict[str, str]:
        return self.cognito.admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=client_id or self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": self.email, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]


def mint(claims: dict[str, Any], key: Any = None, **header: Any) -> str:
    """A token signed with moto's pool key (or ``key``), kid ``dummy`` like moto's."""
    signing_key = key or jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key
    return jwt.encode(claims, signing_key, algorithm="RS256", headers={"kid": "dummy", **header})


@pytest.fixture
def pool(aws: None) -> Pool:
    return Pool()


@pytest.fixture
def jwks_url() -> Iterator[str]:
    """The pool's public JWKS (moto's ``jwks-public.json``) served over HTTP on a free
    port, as Cognito serves ``/.well-known/jwks.json``. moto cannot intercept urllib,
    which PyJWKClient uses, and PyJWKClient accepts only http(s) URLs."""
    body = json.dumps(load_resource("cognitoidp/resources/jwks-public.json")).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's method name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def handler_mode(cold_start, pool: Pool, jwks_url: str) -> Callable[[str], Callable]:
    """``handler_mode("list_photos")``: the function with env.json's overrides for
    ``sam local start-api`` against the (emulated) pool."""

    def start(name: str) -> Callable:
        return cold_start(
            name,
            physical_ids={"UserPool": pool.pool_id, "UserPoolClient": pool.client_id},
            TOKEN_VERIFICATION="handler",
            JWKS_URL=jwks_url,
        )

    return start


@pytest.fixture
def access_claims(pool: Pool) -> dict[str, Any]:
    """The claims of a real access token from the pool."""
    return jwt.decode(pool.sign_in()["AccessToken"], options={"verify_signature": False})


def test_a_real_access_token_is_accepted_and_its_sub_owns_the_photo(pool, handler_mode):
    # Given an access token from the user pool, sent as sam local would (no claims)
    token = pool.sign_in()["AccessToken"]
    sub = jwt.decode(token, options={"verify_signature": False})["sub"]
    upload, list_photos = handler_mode("upload_photo"), handler_mode("list_photos")

    # When the user uploads and lists
    created = upload(_sam_local(load_event("upload_photo"), token))
    listed = list_photos(_sam_local(load_event("list_photos"), token))

    # Then both succeed, and the photo is filed under the token's sub (not the event's)
    assert created["statusCode"] == 201, created["body"]
    assert listed["statusCode"] == 200
    assert [p["photo_id"] for p in body_of(listed)["items"]] == [body_of(created)["photo_id"]]
    photo_id = body_of(created)["photo_id"]
    stored = boto3.client("s3").head_object(Bucket=BUCKET_NAME, Key=f"{sub}/{photo_id}")
    assert stored["ContentLength"] == body_of(created)["size_bytes"]


def test_a_minted_token_with_unchanged_claims_is_accepted(handler_mode, access_claims):
    # The control for the forgeries below: minting itself does not cause a 401.
    response = handler_mode("list_photos")(
        _sam_local(load_event("list_photos"), mint(access_claims))
    )

    assert response["statusCode"] == 200


def _forged(access_claims: dict[str, Any], pool: Pool, kind: str) -> str:
    now = int(time.time())
    if kind == "signed by another key":
        other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return mint(access_claims, key=other_key)
    if kind == "expired":
        return mint({**access_claims, "iat": now - 7200, "exp": now - 60})
    if kind == "missing scope":
        return mint({k: v for k, v in access_claims.items() if k != "scope"})
    if kind == "other scope only":
        return mint({**access_claims, "scope": "openid email"})
    if kind == "another pool":
        issuer = access_claims["iss"].rsplit("/", 1)[0] + "/us-east-1_SomeOther"
        return mint({**access_claims, "iss": issuer})
    if kind == "id token":
        return pool.sign_in()["IdToken"]
    if kind == "access token of another client":
        return pool.sign_in(pool.other_client_id)["AccessToken"]
    if kind == "unsigned (alg none)":
        return jwt.encode(access_claims, None, algorithm="none", headers={"kid": "dummy"})
    if kind == "garbage":
        return "not-a-jwt"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "signed by another key",
        "expired",
        "id token",
        "access token of another client",
        "missing scope",
        "other scope only",
        "another pool",
        "unsigned (alg none)",
        "garbage",
    ],
)
def test_each_check_rejects_a_bad_token(pool, handler_mode, access_claims, kind):
    # Given a token that fails exactly one check
    token = _forged(access_claims, pool, kind)

    # When it reaches a photo handler without the authorizer
    response = handler_mode("list_photos")(_sam_local(load_event("list_photos"), token))

    # Then it is the contract's 401
    assert response["statusCode"] == 401
    assert body_of(response)["error"] == "unauthorized"


def test_claims_in_the_event_do_not_replace_the_token(handler_mode):
    # Given handler mode and an event that carries claims but no Authorization header
    event = load_event("get_photo")
    event["headers"].pop("Authorization")
    event["multiValueHeaders"].pop("Authorization")

    # When it runs
    response = handler_mode("get_photo")(event)

    # Then the claims are not trusted: 401
    assert response["statusCode"] == 401


def test_a_signed_out_token_is_refused_in_handler_mode_too(pool, handler_mode):
    # Given a real access token, and the broker's record of its session's sign-out
    from shared import revocation

    token = pool.sign_in()["AccessToken"]
    claims = jwt.decode(token, options={"verify_signature": False})
    list_photos = handler_mode("list_photos")
    assert list_photos(_sam_local(load_event("list_photos"), token))["statusCode"] == 200
    revocation.record_sign_out(
        boto3.client("dynamodb"),
        "moments-local-RevocationsTable",
        user_sub=claims["sub"],
        now=int(time.time()),
        ttl_seconds=900,
        origin_jti=claims["origin_jti"],
    )
    # When the still-unexpired token comes back
    response = list_photos(_sam_local(load_event("list_photos"), token))
    # Then it is refused as the authorizer mode refuses it
    assert response["statusCode"] == 401


def test_a_session_signed_out_by_its_refresh_token_is_refused_in_handler_mode(pool, handler_mode):
    # Given two sessions of one user, the first one's refresh token recorded by the broker
    # as it handed it out (issue 23)
    from auth.revocations import RevocationTable

    first, second = pool.sign_in(), pool.sign_in()
    claims = jwt.decode(first["AccessToken"], options={"verify_signature": False})
    table = RevocationTable("moments-local-RevocationsTable", 900, family_key=lambda: b"k" * 32)
    table.remember_refresh_token(
        first["RefreshToken"],
        user_sub=claims["sub"],
        origin_jti=claims["origin_jti"],
        lifetime_seconds=86400,
    )
    list_photos = handler_mode("list_photos")
    assert (
        list_photos(_sam_local(load_event("list_photos"), first["AccessToken"]))["statusCode"]
        == 200
    )
    # When the broker signs out with that refresh token alone (AuthService.sign_out's
    # lookup and record, in the same calls)
    sub, origin_jti = table.refresh_token_family(first["RefreshToken"])
    table.record(sub, origin_jti=origin_jti, everywhere=False)
    # Then, in the same second, that session's access token is refused, the other not
    status = list_photos(_sam_local(load_event("list_photos"), first["AccessToken"]))
    assert status["statusCode"] == 401
    other = list_photos(_sam_local(load_event("list_photos"), second["AccessToken"]))
    assert other["statusCode"] == 200
