"""The auth broker's configuration: template.yaml's environment, read once per cold start.

Every broker function gets the same variables (``&AuthEnv`` in template.yaml):

- ``USER_POOL_ID``, ``USER_POOL_CLIENT_ID``: the pool and its confidential app client. The
  client *secret* is not here: :mod:`auth.cognito` reads it with DescribeUserPoolClient.
- ``COGNITO_DOMAIN_URL``: base URL of the hosted UI, e.g.
  ``https://moments-dev-123.auth.eu-west-1.amazoncognito.com`` (locally, the stand-in).
- ``OAUTH_SCOPES``: space-separated scopes (RFC 6749 section 3.3).
- ``CALLBACK_URLS``, ``LOGOUT_URLS``: comma-separated exact URLs registered on the client.
- ``ALLOWED_ORIGIN`` is read by :func:`shared.http.build_resolver` (CORS), not here.
- ``AWS_REGION``: set by Lambda itself (``AWS_DEFAULT_REGION`` as a local fallback).
- ``REVOCATIONS_TABLE_NAME``: the sign-out records table (:mod:`shared.revocation`);
  unset means sign-out writes no record.
- ``ATTEMPTS_TABLE_NAME``: the attempt counters (:mod:`auth.attempts`); unset means no
  counting (the template always sets it).
- ``PASSWORD_MIN_LENGTH``, ``PASSWORD_REQUIRE``: the pool's password policy
  (:mod:`auth.password_policy`), so a weak password is refused the same for every email.
- ``FIRST_AUTH_FACTORS``: the pool's ``SignInPolicy.AllowedFirstAuthFactors``, comma-separated
  (Cognito's default when unset: ``PASSWORD``, API reference SignInPolicyType): what
  choice-based sign-in offers.
- ``WEBAUTHN_RELYING_PARTY_ID``, ``WEBAUTHN_USER_VERIFICATION``: the pool's passkey relying
  party (``preferred`` unless ``required``, API reference WebAuthnConfigurationType), named
  by a passkey decoy's options (:mod:`auth.sign_in_choice`).
- ``ACCESS_TOKEN_VALIDITY_MINUTES``: the app client's access-token lifetime (template
  parameter ``AccessTokenValidityMinutes``, 5 to 1440; default 60, Cognito's default),
  the TTL of each sign-out record.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from auth.password_policy import PasswordPolicy


class AuthSettings(BaseModel):
    """Validated, immutable broker settings.

    Raises:
        pydantic.ValidationError: via :func:`settings_from_env` when a variable is missing
            or malformed; the function then fails at cold start, loudly, not per request.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    region: str = Field(min_length=1, max_length=32)
    user_pool_id: str = Field(min_length=1, max_length=128)
    client_id: str = Field(min_length=1, max_length=128)
    cognito_domain_url: str = Field(pattern=r"^https?://[^\s/]+$", max_length=2048)
    oauth_scopes: tuple[str, ...]
    callback_urls: tuple[str, ...]
    logout_urls: tuple[str, ...]
    revocations_table_name: str | None = Field(default=None, max_length=255)
    attempts_table_name: str | None = Field(default=None, max_length=255)
    # The photos table: DELETE /auth/account erases the user's rows (issue 13).
    photos_table_name: str | None = Field(default=None, max_length=255)
    access_token_validity_seconds: int = Field(default=3600, ge=300, le=86400)
    password_policy: PasswordPolicy = PasswordPolicy()
    first_auth_factors: frozenset[str] = frozenset({"PASSWORD"})
    webauthn_relying_party_id: str | None = Field(default=None, max_length=127)
    webauthn_user_verification: str = Field(default="preferred", pattern="^(required|preferred)$")

    @property
    def authorize_url(self) -> str:
        """The hosted UI's authorization endpoint (Cognito: ``/oauth2/authorize``)."""
        return f"{self.cognito_domain_url}/oauth2/authorize"

    @property
    def token_url(self) -> str:
        """The hosted UI's token endpoint (Cognito: ``/oauth2/token``)."""
        return f"{self.cognito_domain_url}/oauth2/token"

    @property
    def logout_url(self) -> str:
        """The hosted UI's logout endpoint (Cognito: ``/logout``)."""
        return f"{self.cognito_domain_url}/logout"

    @property
    def userinfo_url(self) -> str:
        """The hosted UI's OIDC userinfo endpoint (Cognito: ``/oauth2/userInfo``)."""
        return f"{self.cognito_domain_url}/oauth2/userInfo"


def _split(value: str, sep: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(sep) if part.strip())


def settings_from_env(env: Mapping[str, str]) -> AuthSettings:
    """Build :class:`AuthSettings` from an environment mapping (``os.environ`` in Lambda).

    Raises:
        RuntimeError: naming the first missing or invalid variable (never its value).
    """
    try:
        return AuthSettings(
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION", ""),
            user_pool_id=env.get("USER_POOL_ID", ""),
            client_id=env.get("USER_POOL_CLIENT_ID", ""),
            cognito_domain_url=env.get("COGNITO_DOMAIN_URL", "").rstrip("/"),
            oauth_scopes=_split(env.get("OAUTH_SCOPES", ""), None),
            callback_urls=_split(env.get("CALLBACK_URLS", ""), ","),
            logout_urls=_split(env.get("LOGOUT_URLS", ""), ","),
            revocations_table_name=env.get("REVOCATIONS_TABLE_NAME") or None,
            attempts_table_name=env.get("ATTEMPTS_TABLE_NAME") or None,
            photos_table_name=env.get("PHOTOS_TABLE_NAME") or None,
            access_token_validity_seconds=int(env.get("ACCESS_TOKEN_VALIDITY_MINUTES") or 60) * 60,
            password_policy=PasswordPolicy.parse(
                env.get("PASSWORD_MIN_LENGTH"), env.get("PASSWORD_REQUIRE")
            ),
            first_auth_factors=frozenset(_split(env.get("FIRST_AUTH_FACTORS") or "PASSWORD", ",")),
            webauthn_relying_party_id=env.get("WEBAUTHN_RELYING_PARTY_ID") or None,
            webauthn_user_verification=env.get("WEBAUTHN_USER_VERIFICATION") or "preferred",
        )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError, like int()'s
        errors = exc.errors(include_input=False) if isinstance(exc, ValidationError) else []
        field = errors[0]["loc"][0] if errors else "ACCESS_TOKEN_VALIDITY_MINUTES or PASSWORD_*"
        raise RuntimeError(
            f"auth broker misconfigured: environment for {field!s} is invalid"
        ) from exc


@cache
def load_settings() -> AuthSettings:
    """The settings of this container, read from ``os.environ`` on first use only."""
    return settings_from_env(os.environ)
