"""Handler-mode token verification works as the photo packages ship it: without
``cryptography`` (tools/build_function.py leaves it out; tests/sam checks the packages).

The dev virtualenv has cryptography (moto needs it), so the check runs in a fresh
interpreter in which ``import cryptography`` fails, as in a Lambda package: PyJWT then has
no RS256 of its own, and only ``photos.claims``' python-rsa one can verify.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa
from moto.utilities.utils import load_resource

from local_stack.template import Template
from tests.handlers.photos.conftest import function_environment

ROOT = Path(__file__).resolve().parents[3]
POOL = "us-east-1_Pool12345"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"

PROBE = r"""
import json, sys
sys.modules["cryptography"] = None  # "import cryptography" now raises ImportError
import jwt
assert not jwt.algorithms.has_crypto
from photos import claims
from photos.config import load_config

case = json.load(sys.stdin)
key = claims.rs256().from_jwk(case["jwk"])

class Keys:
    def key_for(self, token):
        return key

results = []
for token in case["tokens"]:
    try:
        results.append(claims.verify_access_token(token, load_config(), Keys())["sub"])
    except jwt.PyJWTError as exc:
        results.append(type(exc).__name__)
assert not any(name.startswith("cryptography") for name in sys.modules if sys.modules[name])
print(json.dumps(results))
"""


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": "ada-sub", "iss": ISSUER, "iat": now, "exp": now + 600, "token_use": "access",
        "client_id": "client123", "scope": "aws.cognito.signin.user.admin", **changes,
    }  # fmt: skip


def test_rs256_tokens_are_verified_with_python_rsa_alone(template: Template) -> None:
    # Given moto's pool key pair (a real 2048-bit RSA JWK) and tokens signed with it or not
    private = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key
    public = load_resource("cognitoidp/resources/jwks-public.json")["keys"][0]
    other = crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens = [
        jwt.encode(_claims(), private, algorithm="RS256"),
        jwt.encode(_claims(), other, algorithm="RS256"),  # another key
        jwt.encode(_claims(exp=int(time.time()) - 5), private, algorithm="RS256"),
        jwt.encode(_claims(), "secret-secret-secret-secret-32b!", algorithm="HS256"),
        jwt.encode(_claims(), None, algorithm="none"),
        jwt.encode(_claims(token_use="id"), private, algorithm="RS256"),
    ]
    env = {
        **os.environ,
        **function_environment(template, "photos.handlers.list_photos.lambda_handler"),
        "PYTHONPATH": str(ROOT / "src"),
        "TOKEN_VERIFICATION": "handler",
        "USER_POOL_ID": POOL,
        "USER_POOL_CLIENT_ID": "client123",
    }

    # When a fresh interpreter without cryptography verifies them
    out = subprocess.run(
        [sys.executable, "-c", PROBE], input=json.dumps({"jwk": public, "tokens": tokens}),
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    # Then only the genuine access token passes, each forgery fails its own check
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [
        "ada-sub",
        "InvalidSignatureError",
        "ExpiredSignatureError",
        "InvalidAlgorithmError",
        "InvalidAlgorithmError",
        "InvalidTokenError",
    ]
