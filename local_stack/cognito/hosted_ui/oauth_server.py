"""Authlib's authorization server wired to the emulated pool: the authorization-code grant
with PKCE (S256 only), the refresh-token grant, the revocation endpoint (RFC 7009) and the
Bearer validator for ``/oauth2/userInfo`` (RFC 6750)."""

from __future__ import annotations

from typing import Any, ClassVar

import jwt
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import (
    InvalidGrantError,
    InvalidRequestError,
    UnsupportedTokenTypeError,
    grants,
)
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, g
from moto.cognitoidp.models import CognitoIdpUser
from moto.core.exceptions import JsonRESTError

from local_stack import cognito
from local_stack.cognito.hosted_ui.context import HostedUi, current
from local_stack.cognito.hosted_ui.oauth_models import AccessToken, AppClient, RefreshCredential
from local_stack.cognito.hosted_ui.store import AuthorizationCode

__all__ = ["build_server", "require_oauth"]

# How clients authenticate at the token and revocation endpoints, as Cognito's accept.
_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")


class _UnsupportedTokenType(UnsupportedTokenTypeError):
    """RFC 7009 section 2.2.1 ``unsupported_token_type``, with RFC 6749 section 5.2's 400
    (Authlib's class answers 401)."""

    status_code = 400


class _S256Only(CodeChallenge):
    """PKCE with S256 only (RFC 7636 section 4.2; Cognito supports only S256).

    Optional for confidential clients, as in Cognito (developer guide, "Authorize
    endpoint": ``code_challenge`` is optional); required for public clients (no secret),
    which is stricter than Cognito and what RFC 9700 section 2.1.1 asks.
    """

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            client = grant.request.client
            if client is not None and client.check_endpoint_auth_method("none", "token"):
                raise InvalidRequestError("Missing 'code_challenge': PKCE is required")
            return
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Unsupported 'code_challenge_method': only S256 is accepted")
        super().validate_code_challenge(grant, redirect_uri)


def _save_token(token: dict[str, Any], oauth_request: Any) -> None:
    """Remember the refresh token a code produced, so a replayed code can revoke it."""
    code = getattr(oauth_request, "authorization_code", None)
    if code is not None:
        current().store.record_refresh_token(code.code, token.get("refresh_token"))


class _CodeGrant(grants.AuthorizationCodeGrant):
    """The authorization-code grant: single-use codes of :data:`AUTHORIZATION_CODE_TTL_SECONDS`
    (a replay revokes what the code produced, RFC 6749 section 4.1.2); tokens from the pool."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(_AUTH_METHODS)

    def save_authorization_code(self, code: str, oauth_request: Any) -> None:
        data = oauth_request.payload.data
        current().store.save_code(
            AuthorizationCode(
                code=code,
                client_id=oauth_request.client.client_id,
                redirect_uri=oauth_request.payload.redirect_uri,
                scope=oauth_request.scope,
                username=oauth_request.user.username,
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                issued_at=cognito.now(),
                nonce=data.get("nonce"),
                auth_time=g.get("auth_time"),
            )
        )

    def query_authorization_code(self, code: str, client: AppClient) -> AuthorizationCode | None:
        hosted_ui = current()
        item, replayed_refresh_token = hosted_ui.store.claim_code(code, client.client_id)
        if replayed_refresh_token:
            cognito.revoke_refresh_token(hosted_ui.pool(), replayed_refresh_token)
        return item

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing to do: :meth:`Store.claim_code` already spent it."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> CognitoIdpUser | None:
        return current().pool()._get_user(authorization_code.username)

    def generate_token(
        self,
        user: CognitoIdpUser | None = None,
        scope: str | None = None,
        grant_type: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        """Tokens from the emulated pool (moto's key and issuer), with the granted scopes."""
        code: AuthorizationCode = self.request.authorization_code
        tokens = cognito.issue_tokens(
            current().pool(),
            code.client_id,
            user,
            scope_to_list(scope) or [],
            code.nonce,
            code.auth_time,
        )
        return tokens.as_oauth()


class _RefreshGrant(grants.RefreshTokenGrant):
    """The refresh-token grant: the pool's refresh (rotation per client, granted scopes kept)."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(_AUTH_METHODS)

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshCredential | None:
        pool = current().pool()
        if refresh_token not in pool.refresh_tokens:
            return None
        record = pool.refresh_tokens[refresh_token]
        if record is None:
            raise InvalidGrantError("Refresh Token has been revoked")
        scopes = cognito.granted_scopes(pool, refresh_token)
        return RefreshCredential(refresh_token, record[0], record[1], " ".join(scopes))

    def authenticate_user(self, credential: RefreshCredential) -> CognitoIdpUser | None:
        return current().pool()._get_user(credential.username)

    def issue_token(self, user: CognitoIdpUser, credential: RefreshCredential) -> dict[str, Any]:
        try:
            pool = current().pool()
            tokens = cognito.refresh(pool, credential.client_id, credential.refresh_token)
            return tokens.as_oauth()
        except JsonRESTError as error:
            raise InvalidGrantError(error.message) from error

    def revoke_old_credential(self, credential: RefreshCredential) -> None:
        """Nothing to do: rotation (when the client enables it) is cognito.refresh's job."""


class _Revocation(RevocationEndpoint):
    """``POST /oauth2/revoke`` (Cognito developer guide, "Revoke endpoint"; RFC 7009).

    Revokes a refresh token, the tokens rotated from it and the access tokens it
    issued. An access or ID token is ``unsupported_token_type`` (Cognito revokes
    refresh tokens only); an unknown or already revoked token is 200, as RFC 7009
    section 2.2 says.
    """

    CLIENT_AUTH_METHODS = _AUTH_METHODS
    SUPPORTED_TOKEN_TYPES = ("refresh_token",)

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        if token_string.count(".") == 2:
            raise _UnsupportedTokenType()
        record = current().pool().refresh_tokens.get(token_string)
        if record is None:
            return None
        return RefreshCredential(token_string, record[0], record[1])

    def revoke_token(self, token: RefreshCredential, request: Any) -> None:
        cognito.revoke_refresh_token(current().pool(), token.refresh_token)


class _AccessTokenValidator(BearerTokenValidator):
    """RFC 6750 Bearer access tokens of the pool: moto's static key, the pool's issuer, and
    ``exp`` against the stack's clock (:meth:`AccessToken.is_expired`)."""

    _signing_key = jwt.PyJWK(cognito.public_jwks()["keys"][0])  # moto's one, static key

    def authenticate_token(self, token_string: str) -> AccessToken | None:
        pool = current().pool()
        try:
            claims = jwt.decode(
                token_string,
                key=self._signing_key,
                algorithms=["RS256"],
                issuer=cognito.issuer(pool),
                options={"require": ["exp", "iat", "sub", "token_use"], "verify_exp": False},
            )
        except jwt.PyJWTError:
            return None
        if claims.get("token_use") != "access":
            return None
        return AccessToken(claims, cognito.user_for_access_token(pool, token_string))


#: ``@require_oauth("openid")`` guards a route with a Bearer access token of the pool.
require_oauth = ResourceProtector()
require_oauth.register_token_validator(_AccessTokenValidator())


def build_server(app: Flask, hosted_ui: HostedUi) -> AuthorizationServer:
    """Authlib's server for ``app``, with the grants and the revocation endpoint."""
    server = AuthorizationServer(app, query_client=hosted_ui.query_client, save_token=_save_token)
    server.register_grant(_CodeGrant, [_S256Only(required=True)])
    server.register_grant(_RefreshGrant)
    server.register_endpoint(_Revocation)
    return server
