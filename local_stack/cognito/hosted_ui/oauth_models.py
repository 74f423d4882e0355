"""What Authlib needs to see of the emulated pool: app clients, refresh credentials and
access tokens (Authlib's ClientMixin / token protocols)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.util import scope_to_list
from moto.cognitoidp.models import CognitoIdpUser

from local_stack import cognito

__all__ = ["AccessToken", "AppClient", "RefreshCredential"]


class AppClient(ClientMixin):
    """Authlib's view of a moto app client (read fresh on every request)."""

    def __init__(self, client_id: str, config: dict[str, Any], secret: str | None) -> None:
        self.client_id = client_id
        self._secret = secret
        self._callback_urls: list[str] = list(config.get("CallbackURLs") or [])
        self.logout_urls: list[str] = list(config.get("LogoutURLs") or [])
        self._scopes: list[str] = list(config.get("AllowedOAuthScopes") or [])
        self._code_flow = bool(config.get("AllowedOAuthFlowsUserPoolClient")) and "code" in (
            config.get("AllowedOAuthFlows") or []
        )

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # Cognito requires redirect_uri on every authorization request

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """All allowed scopes when none are asked for; ``None`` (invalid_scope) when any
        requested scope is not allowed, or ``email``/``profile`` come without ``openid``."""
        if not scope:
            return " ".join(self._scopes)
        requested = scope_to_list(scope)
        if not set(requested) <= set(self._scopes):
            return None
        if {"email", "profile", "phone"} & set(requested) and "openid" not in requested:
            return None
        return " ".join(dict.fromkeys(requested))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self._callback_urls  # exact match, RFC 6749 section 3.1.2

    def check_client_secret(self, client_secret: str) -> bool:
        return self._secret is not None and cognito.same_secret(self._secret, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self._secret is None:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and self._code_flow

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "authorization_code":
            return self._code_flow
        return grant_type == "refresh_token"


@dataclass
class RefreshCredential:
    refresh_token: str
    client_id: str
    username: str
    scope: str = ""  # what the authentication granted (local_stack.cognito keeps it)

    def check_client(self, client: AppClient) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        """The granted scopes: a refresh request's ``scope`` may name these or fewer
        (RFC 6749 section 6); the new tokens keep the granted ones, as Cognito's do."""
        return self.scope


@dataclass
class AccessToken:
    claims: dict[str, Any]
    user: CognitoIdpUser | None

    def is_expired(self) -> bool:
        return cognito.now() >= self.claims["exp"]

    def is_revoked(self) -> bool:
        return self.user is None

    def get_scope(self) -> str:
        return str(self.claims.get("scope", ""))
