"""The OAuth 2.0 and OpenID Connect endpoints: token, revocation, userInfo, discovery and
the JWKS (Cognito developer guide, "User pool endpoints")."""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import current_token
from authlib.oauth2.rfc6749.util import scope_to_list
from flask import Blueprint, Response, current_app
from moto.cognitoidp.models import CognitoIdpUser

from local_stack import cognito
from local_stack.cognito.hosted_ui.context import current
from local_stack.cognito.hosted_ui.oauth_server import require_oauth

__all__ = ["oauth_endpoints"]

oauth_endpoints = Blueprint("oauth_endpoints", __name__)
# Client authentication at the token and revocation endpoints (as Cognito's).
_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def _json(document: Any) -> Response:
    return current_app.response_class(current_app.json.dumps(document), mimetype="application/json")


@oauth_endpoints.post("/oauth2/token")
def token() -> Response:
    """``authorization_code`` (PKCE) and ``refresh_token`` grants (Authlib)."""
    return current().server.create_token_response()


@oauth_endpoints.post("/oauth2/revoke")
def revoke() -> Response:
    """RFC 7009 revocation of a refresh token (see ``oauth_server._Revocation``)."""
    return current().server.create_endpoint_response("revocation")


@oauth_endpoints.route("/oauth2/userInfo", methods=["GET", "POST"])
@require_oauth("openid")
def user_info() -> Response:
    """The user's claims allowed by the token's scopes (``aws.cognito.signin.user.admin``:
    all of them), for a Bearer access token granted ``openid``."""
    user: CognitoIdpUser = current_token.user
    scopes = set(scope_to_list(current_token.get_scope()) or [])
    everything = cognito.DEFAULT_SCOPE in scopes
    claims: dict[str, Any] = {"sub": user.id, "username": user.username}
    for name, value in user.attribute_lookup.items():
        if name == "sub" or name.startswith("dev:"):
            continue
        if name.startswith("email"):
            wanted = "email" in scopes
        elif name.startswith("phone_number"):
            wanted = "phone" in scopes
        else:
            wanted = "profile" in scopes
        if wanted or everything:
            claims[name] = value
    return _json(claims)


@oauth_endpoints.get("/.well-known/openid-configuration")
def openid_configuration() -> Response:
    """OpenID Connect Discovery 1.0: Cognito's issuer, this app's endpoints."""
    hosted_ui = current()
    base_url = hosted_ui.base_url
    return _json(
        {
            "issuer": f"https://cognito-idp.{hosted_ui.region}.amazonaws.com/{hosted_ui.user_pool_id}",
            "authorization_endpoint": f"{base_url}/oauth2/authorize",
            "token_endpoint": f"{base_url}/oauth2/token",
            "userinfo_endpoint": f"{base_url}/oauth2/userInfo",
            "end_session_endpoint": f"{base_url}/logout",
            "revocation_endpoint": f"{base_url}/oauth2/revoke",
            "revocation_endpoint_auth_methods_supported": _AUTH_METHODS,
            "jwks_uri": f"{base_url}/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "scopes_supported": ["openid", "email", "phone", "profile", cognito.DEFAULT_SCOPE],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": _AUTH_METHODS,
            "code_challenge_methods_supported": ["S256"],
        }
    )


@oauth_endpoints.get("/.well-known/jwks.json")
def jwks() -> Response:
    """The public key every pool's tokens are signed with."""
    return _json(cognito.public_jwks())
