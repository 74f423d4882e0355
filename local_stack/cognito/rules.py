"""Rules many operations share: token lifetimes, ``ExplicitAuthFlows``, SECRET_HASH and
client secrets, the password policy, case-insensitive usernames, masked destinations.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
)
from moto.core.exceptions import JsonRESTError

from local_stack.cognito.errors import InvalidPasswordError
from local_stack.cognito.originals import moto_original

_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


# token_use -> (validity key, TokenValidityUnits key, default value, default unit); the
# defaults are Cognito's (CreateUserPoolClient API reference).
_VALIDITY = {
    "access": ("AccessTokenValidity", "AccessToken", 1, "hours"),
    "id": ("IdTokenValidity", "IdToken", 1, "hours"),
    "refresh": ("RefreshTokenValidity", "RefreshToken", 30, "days"),
}


# Cognito's password-policy symbol set (developer guide, "Password policies").
_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")


def validity_seconds(client: CognitoIdpUserPoolClient | None, token_use: str) -> int:
    """Lifetime in seconds of a ``token_use`` token ("access", "id", "refresh") for ``client``."""
    key, unit_key, default_value, default_unit = _VALIDITY[token_use]
    config = client.extended_config if client else {}
    value = config.get(key) or default_value
    unit = (config.get("TokenValidityUnits") or {}).get(unit_key) or default_unit
    return int(value) * _UNIT_SECONDS[str(unit).lower()]


def prevents_existence_errors(client: CognitoIdpUserPoolClient) -> bool:
    """Whether the client hides unknown users (``PreventUserExistenceErrors: ENABLED``)."""
    return client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"


#: ExplicitAuthFlows of a client created without any (CreateUserPoolClient API reference:
#: "If you don't specify a value for ExplicitAuthFlows, your app client supports
#: ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH, and ALLOW_CUSTOM_AUTH").
DEFAULT_AUTH_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


# AuthFlow -> the ExplicitAuthFlows values that enable it (ALLOW_* and the legacy name).
FLOW_SETTINGS = {
    "USER_SRP_AUTH": ("ALLOW_USER_SRP_AUTH",),
    "USER_PASSWORD_AUTH": ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"),
    "ADMIN_USER_PASSWORD_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "ADMIN_NO_SRP_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "REFRESH_TOKEN_AUTH": ("ALLOW_REFRESH_TOKEN_AUTH", "REFRESH_TOKEN_AUTH"),
    "REFRESH_TOKEN": ("ALLOW_REFRESH_TOKEN_AUTH", "REFRESH_TOKEN_AUTH"),
    "CUSTOM_AUTH": ("ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"),
    "USER_AUTH": ("ALLOW_USER_AUTH",),
}


def check_flow_allowed(client: CognitoIdpUserPoolClient, auth_flow: str) -> None:
    """Raise InvalidParameterException unless the client's ``ExplicitAuthFlows`` enable
    ``auth_flow`` (API reference, InitiateAuth / AdminInitiateAuth and
    CreateUserPoolClient ``ExplicitAuthFlows``; the message is Cognito's).

    A client with only legacy values (no ``ALLOW_*``) keeps SRP and refresh enabled, as
    Cognito's legacy settings did.
    """
    allowed = list(client.extended_config.get("ExplicitAuthFlows") or DEFAULT_AUTH_FLOWS)
    settings = FLOW_SETTINGS.get(auth_flow, ())
    if any(name in allowed for name in settings):
        return
    legacy_only = not any(name.startswith("ALLOW_") for name in allowed)
    if legacy_only and auth_flow in ("USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        return
    raise InvalidParameterException(f"{auth_flow} flow not enabled for this client")


def rotation(client: CognitoIdpUserPoolClient) -> tuple[bool, int]:
    """(rotation enabled, grace seconds) from the client's ``RefreshTokenRotation``."""
    config = client.extended_config.get("RefreshTokenRotation") or {}
    grace = int(config.get("RetryGracePeriodSeconds") or 0)
    return config.get("Feature") == "ENABLED", max(0, min(grace, 60))


def same_secret(expected: str, given: str | None) -> bool:
    """Constant-time comparison of two strings (any characters; ``None`` never matches)."""
    return given is not None and hmac.compare_digest(expected.encode(), str(given).encode())


def compute_secret_hash(client: CognitoIdpUserPoolClient, username: str) -> str:
    """Base64 HMAC-SHA256 of username + client id keyed by the secret (Cognito SecretHash)."""
    # Not moto's check_secret_hash: it compares with == (not in constant time) and encodes
    # as Latin-1, which raises UnicodeEncodeError for a username outside it (Cognito's
    # usernames are UTF-8; developer guide, "Computing secret hash values").
    digest = hmac.new(
        client.secret.encode(), (username + client.id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def check_secret_hash(
    client: CognitoIdpUserPoolClient, usernames: Iterable[str], secret_hash: str | None
) -> None:
    """Raise NotAuthorizedException unless ``secret_hash`` matches one of ``usernames``.

    Cognito requires SECRET_HASH on every unauthenticated call of a client with a secret
    (developer guide, "Computing secret hash values"); the messages are Cognito's.
    """
    if not client.generate_secret:
        return
    if not secret_hash:
        raise NotAuthorizedError(
            f"Client {client.id} is configured with secret but SECRET_HASH was not received"
        )
    if not any(
        same_secret(compute_secret_hash(client, name), secret_hash) for name in usernames if name
    ):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client.id}")


def check_client_secret(
    client: CognitoIdpUserPoolClient, client_secret: str | None, error: type[JsonRESTError]
) -> None:
    """Raise ``error`` unless ``client_secret`` is the client's secret (when it has one)."""
    if not client.generate_secret:
        return
    if not client_secret:
        raise error(
            f"Client {client.id} is configured with secret but ClientSecret was not received"
        )
    if not same_secret(client.secret, client_secret):
        raise error(f"Unable to verify client secret for client {client.id}")


def mask_email(address: str) -> str:
    """Cognito's masked destination: ``alice@example.com`` → ``a***@e***``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def delivery(address: str) -> dict[str, str]:
    """Cognito's ``CodeDeliveryDetails`` for an email sent to ``address`` (masked)."""
    return {
        "Destination": mask_email(address),
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }


def pool_and_client(
    backend: CognitoIdpBackend, client_id: str
) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
    """The pool and app client of ``client_id`` in ``backend``.

    :raises ResourceNotFoundError: no pool has that client.
    """
    for pool in backend.user_pools.values():
        client = pool.clients.get(client_id)
        if client is not None:
            return pool, client
    raise ResourceNotFoundError(client_id)


def get_pool_user(self: CognitoIdpUserPool, username: str) -> CognitoIdpUser | None:
    """Any operation that names a user: usernames are case-insensitive when the pool says
    ``UsernameConfiguration.CaseSensitive: false`` (CreateUserPool API reference), for the
    username and for the sign-in attributes (``UsernameAttributes``); moto compares exactly.
    """
    user = moto_original(CognitoIdpUserPool, "_get_user")(self, username)
    case_sensitive = (self.extended_config.get("UsernameConfiguration") or {}).get(
        "CaseSensitive", True
    )
    if user is not None or not username or case_sensitive:
        return user
    folded = username.casefold()
    attributes = self.extended_config.get("UsernameAttributes") or []
    for candidate in self.users.values():
        names = [candidate.username] + [candidate.attribute_lookup.get(a) for a in attributes]
        if any(name and name.casefold() == folded for name in names):
            return candidate
    return None


def validate_password(self: CognitoIdpBackend, user_pool_id: str, password: str) -> None:
    """Cognito's password policy, with the failing rule in the message."""
    config = self.describe_user_pool(user_pool_id).extended_config
    policy = config.get("Policies", {}).get("PasswordPolicy", {})
    password = password or ""
    if len(password) < int(policy.get("MinimumLength", 8)):
        raise InvalidPasswordError("Password not long enough")
    if len(password) > 256:
        raise InvalidPasswordError("Password too long")
    if policy.get("RequireUppercase", True) and not re.search(r"[A-Z]", password):
        raise InvalidPasswordError("Password must have uppercase characters")
    if policy.get("RequireLowercase", True) and not re.search(r"[a-z]", password):
        raise InvalidPasswordError("Password must have lowercase characters")
    if policy.get("RequireNumbers", True) and not re.search(r"\d", password):
        raise InvalidPasswordError("Password must have numeric characters")
    if policy.get("RequireSymbols", True) and not _SYMBOLS.intersection(password):
        raise InvalidPasswordError("Password must have symbol characters")


def auth_session_seconds(client: CognitoIdpUserPoolClient) -> int:
    """How long a challenge's Session lives: the client's ``AuthSessionValidity`` minutes
    (3 to 15, default 3; CreateUserPoolClient API reference), in seconds."""
    return 60 * int(client.extended_config.get("AuthSessionValidity") or 3)
