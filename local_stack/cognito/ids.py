"""Pool and app-client ids in Cognito's formats, and moto's key imported once per process."""

from __future__ import annotations

import hashlib
import json
import string
from typing import Any

from moto.cognitoidp.models import (
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
)

from local_stack.cognito.originals import moto_original

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


_BASE36 = string.digits + string.ascii_lowercase


def _encode(number: int, alphabet: str, length: int) -> str:
    """``number`` written with ``length`` digits of ``alphabet``, least significant first."""
    out = []
    for _ in range(length):
        number, digit = divmod(number, len(alphabet))
        out.append(alphabet[digit])
    return "".join(out)


def cognito_pool_id(region: str, seed: str) -> str:
    """A user pool id in Cognito's format, ``<region>_`` + 9 letters/digits (e.g.
    ``us-east-1_aB3dE5fG7``; API reference, UserPoolType ``Id`` pattern
    ``[\\w-]+_[0-9a-zA-Z]+``). Derived from moto's id (``seed``), so moto's HASH id strategy
    still gives stable ids."""
    number = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    return f"{region}_{_encode(number, _BASE62, 9)}"


def cognito_client_id(seed: str) -> str:
    """An app client id in Cognito's format: 26 lower-case letters and digits (API
    reference, UserPoolClientType ``ClientId``). Derived from moto's id (``seed``)."""
    return _encode(int(hashlib.sha256(seed.encode()).hexdigest(), 16), _BASE36, 26)


class SharedKeyImports:
    """Stands in for ``joserfc.jwk`` in moto's cognito-idp models: ``RSAKey.import_key``
    of the same JWK returns one shared (immutable) key object, for the whole process."""

    _keys: dict[str, Any] = {}  # noqa: RUF012 (a process-wide cache, on purpose)

    def __init__(self, jwk_module: Any) -> None:
        self._jwk = jwk_module
        self.RSAKey = self  # moto calls jwk.RSAKey.import_key(...)

    def import_key(self, value: Any) -> Any:
        cache_key = json.dumps(value, sort_keys=True)
        if cache_key not in self._keys:
            self._keys[cache_key] = self._jwk.RSAKey.import_key(value)
        return self._keys[cache_key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._jwk, name)


def user_pool_init(self: CognitoIdpUserPool, *args: Any, **kwargs: Any) -> None:
    """CreateUserPool: the pool id in Cognito's format (:func:`cognito_pool_id`)."""
    moto_original(CognitoIdpUserPool, "__init__")(self, *args, **kwargs)
    self.id = cognito_pool_id(self.region, self.id)
    self.arn = f"{self.arn.rsplit('/', 1)[0]}/{self.id}"


def user_pool_client_init(self: CognitoIdpUserPoolClient, *args: Any, **kwargs: Any) -> None:
    """CreateUserPoolClient: the client id in Cognito's format (:func:`cognito_client_id`)."""
    moto_original(CognitoIdpUserPoolClient, "__init__")(self, *args, **kwargs)
    self.id = cognito_client_id(self.id)
