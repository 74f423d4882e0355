"""A stand-in for the Cognito hosted UI and its OAuth 2.0 endpoints (dev-only).

``create_app(...)`` returns a WSGI app (Flask) that the local stack serves on its own
port (http://127.0.0.1:3001). It plays the user pool domain of the template's
``UserPoolDomain`` so that the SPA and ``POST /auth/token`` run unchanged:

=====================================  ==================================================
``GET /oauth2/authorize``, ``/login``  login page (Email, Password, "Sign in", sign-up link)
``POST /login``                        check the password, redirect with ``code`` + ``state``
``/signup``, ``/confirmUser``          sign up, then confirm with the code from the inbox
``POST /resendcode``                   send a new sign-up code
``POST /oauth2/token``                 ``authorization_code`` (PKCE) and ``refresh_token``
``POST /oauth2/revoke``                revoke a refresh token (RFC 7009)
``GET /logout``                        end the hosted-UI session, redirect to ``logout_uri``
``GET|POST /oauth2/userInfo``          the user's claims for a Bearer access token
``/.well-known/openid-configuration``  discovery; ``/.well-known/jwks.json``: moto's key
=====================================  ==================================================

Protocol handling is Authlib's (``authlib.oauth2.rfc6749`` grants, ``rfc7636.CodeChallenge``,
``rfc6750`` Bearer validation); this module only supplies storage and Cognito's rules:

* PKCE must be S256; ``plain`` is refused (Cognito supports S256 only). It is optional for
  confidential clients, as in Cognito, and required for public clients (RFC 9700 section
  2.1.1; stricter than Cognito).
* A refresh request may carry ``scope``: the granted scopes or fewer (RFC 6749 section 6);
  the new tokens keep the granted scopes, as Cognito's do. ``auth_time`` is the sign-in's,
  also when single sign-on (the session cookie) skips the form.
* Authorization codes are single-use and live 5 minutes (Cognito: "authorization codes
  are valid for five minutes"); reusing one also revokes the tokens it produced
  (RFC 6749 section 4.1.2).
* ``redirect_uri`` must equal one of the client's ``CallbackURLs`` exactly; on a mismatch
  (or an unknown client) the user sees an error page and is never redirected
  (RFC 6749 section 4.1.2.1). Other authorization errors redirect with RFC 6749 error codes
  and the ``state``; token errors are RFC 6749 section 5.2 JSON.
* Clients authenticate with ``client_secret_basic`` or ``client_secret_post`` (``none``
  for clients without a secret), as Cognito's token endpoint accepts.
* Tokens are minted by the emulated pool (:mod:`local_stack.cognito`), so ``iss``, ``kid``
  and the signature are what the API's authorizer checks; the access token's ``scope`` is
  the granted scopes; code-grant ID tokens carry ``at_hash``.
* Discovery's ``issuer`` is Cognito's (``https://cognito-idp.<region>.amazonaws.com/<pool>``),
  the ``iss`` of every token; clients discover this document by its full URL (see
  docs/local-stack.md, "The issuer").

Pages are server-rendered HTML with labels, real buttons and no script at all.

Modules: :mod:`.pages` (the hosted pages), :mod:`.oauth_endpoints` (token, revoke,
userInfo, discovery, JWKS), :mod:`.oauth_server` (Authlib's grants and validators),
:mod:`.oauth_models`, :mod:`.store` (codes and sessions), :mod:`.context` (what a request
handler finds of its app).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response

from local_stack import cognito
from local_stack.cognito.hosted_ui.context import EXTENSION, HostedUi
from local_stack.cognito.hosted_ui.oauth_endpoints import oauth_endpoints
from local_stack.cognito.hosted_ui.oauth_server import build_server
from local_stack.cognito.hosted_ui.pages import TEMPLATES, pages
from local_stack.cognito.hosted_ui.store import (
    AUTHORIZATION_CODE_TTL_SECONDS,
    SESSION_TTL_SECONDS,
    Store,
)
from local_stack.cognito.inbox import Inbox

__all__ = ["AUTHORIZATION_CODE_TTL_SECONDS", "SESSION_TTL_SECONDS", "create_app"]

_SECURITY_HEADERS = {
    # No script anywhere; styles only from our own stylesheet.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # never leak code/state in a Referer
}


def create_app(
    *,
    region: str,
    user_pool_id: str,
    client_id: str,
    base_url: str,
    inbox: Inbox,
    clock: Callable[[], float] | None = None,
) -> Flask:
    """Build the hosted-UI stand-in for ``user_pool_id`` (any of its app clients).

    :param region: the pool's region; ``iss`` is
        ``https://cognito-idp.<region>.amazonaws.com/<user_pool_id>``.
    :param user_pool_id: the emulated pool; looked up per request, so it may be created later.
    :param client_id: the app client the local stack configures (shown at ``/``); every
        client of the pool is served, each with its own callback and sign-out URLs.
    :param base_url: where this app is served, e.g. ``http://127.0.0.1:3001`` (discovery URLs).
    :param inbox: where sign-up codes go (installs :mod:`local_stack.cognito` if needed).
    :param clock: optional clock (seconds since the epoch) shared with the Cognito patches.
    :returns: a Flask (WSGI) application; ``app.extensions["hosted_ui_store"]`` is its
        :class:`~local_stack.cognito.hosted_ui.store.Store` (snapshot / restore).
    """
    cognito.install(inbox, clock=clock)
    store = Store(cognito.now)
    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.config.update(OAUTH2_SCOPES_SUPPORTED=None)
    hosted_ui = HostedUi(region, user_pool_id, client_id, base_url.rstrip("/"), store)
    app.extensions[EXTENSION] = hosted_ui
    app.extensions["hosted_ui_store"] = store
    hosted_ui.server = build_server(app, hosted_ui)
    app.after_request(_security_headers)
    app.register_blueprint(pages)
    app.register_blueprint(oauth_endpoints)
    return app


def _security_headers(response: Response) -> Response:
    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response
