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
"""

from __future__ import annotations

import functools
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

import jwt
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    UnsupportedTokenTypeError,
    grants,
)
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, Response, g, redirect, render_template, request
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool
from moto.core.exceptions import JsonRESTError

from local_stack import cognito
from local_stack.cognito.inbox import Inbox

__all__ = ["AUTHORIZATION_CODE_TTL_SECONDS", "SESSION_TTL_SECONDS", "create_app"]

#: Cognito authorization codes are valid for five minutes.
AUTHORIZATION_CODE_TTL_SECONDS = 300
#: The hosted UI's sign-in session (cookie) lasts one hour in Cognito.
SESSION_TTL_SECONDS = 3600
SESSION_COOKIE = "hosted_ui_session"
# The authorization request, carried from page to page in the query string.
_OAUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
)
_TEMPLATES = Path(__file__).parent / "templates"
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


# ---------------------------------------------------------------- Authlib models
class _Client(ClientMixin):
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
class _AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    username: str
    code_challenge: str
    code_challenge_method: str
    issued_at: float
    nonce: str | None = None
    used: bool = False
    refresh_token: str | None = None
    auth_time: int | None = None  # when the user signed in (the session's, on SSO)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class _RefreshCredential:
    refresh_token: str
    client_id: str
    username: str
    scope: str = ""  # what the authentication granted (local_stack.cognito keeps it)

    def check_client(self, client: _Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        """The granted scopes: a refresh request's ``scope`` may name these or fewer
        (RFC 6749 section 6); the new tokens keep the granted ones, as Cognito's do."""
        return self.scope


@dataclass
class _AccessToken:
    claims: dict[str, Any]
    user: CognitoIdpUser | None

    def is_expired(self) -> bool:
        return cognito.now() >= self.claims["exp"]

    def is_revoked(self) -> bool:
        return self.user is None

    def get_scope(self) -> str:
        return str(self.claims.get("scope", ""))


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


# ---------------------------------------------------------------- in-memory stores
class _Store:
    """Authorization codes and hosted-UI sessions, guarded by one lock.

    This is all the state the hosted UI keeps (tokens and users live in the emulated pool,
    :class:`local_stack.cognito.state.PoolState`). :meth:`snapshot` / :meth:`restore` turn it
    into JSON-ready data and back, for a stack that persists its state across restarts;
    the app exposes the store as ``app.extensions["hosted_ui_store"]``.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, _AuthorizationCode] = {}
        self._sessions: dict[str, tuple[str, float, int]] = {}  # id -> (user, expiry, auth_time)

    def save_code(self, item: _AuthorizationCode) -> None:
        with self._lock:
            now = self._clock()
            self._codes = {  # drop codes past their lifetime, then add
                key: value
                for key, value in self._codes.items()
                if now - value.issued_at < AUTHORIZATION_CODE_TTL_SECONDS
            }
            self._codes[item.code] = item

    def claim_code(self, code: str, client_id: str) -> tuple[_AuthorizationCode | None, str | None]:
        """(the code, if usable now) and (the refresh token to revoke, if it is a replay).

        Claiming marks the code used, so two racing token requests cannot both win.
        """
        with self._lock:
            item = self._codes.get(code)
            if item is None or item.client_id != client_id:
                return None, None
            if self._clock() - item.issued_at >= AUTHORIZATION_CODE_TTL_SECONDS:
                del self._codes[code]
                return None, None
            if item.used:
                return None, item.refresh_token
            item.used = True
            return item, None

    def record_refresh_token(self, code: str, refresh_token: str | None) -> None:
        with self._lock:
            if code in self._codes:
                self._codes[code].refresh_token = refresh_token

    def open_session(self, username: str, auth_time: int) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            self._sessions[session_id] = (username, now + SESSION_TTL_SECONDS, auth_time)
        return session_id

    def session_user(self, session_id: str | None) -> tuple[str, int] | None:
        """(username, auth_time) of a live session, else None."""
        with self._lock:
            entry = self._sessions.get(session_id or "")
            if entry is None or self._clock() >= entry[1]:
                self._sessions.pop(session_id or "", None)
                return None
            return entry[0], entry[2]

    def close_session(self, session_id: str | None) -> None:
        with self._lock:
            self._sessions.pop(session_id or "", None)

    def snapshot(self) -> dict[str, Any]:
        """``{"codes": {code: fields}, "sessions": {id: [username, expires_at, auth_time]}}``
        (seconds since the epoch), JSON-ready."""
        with self._lock:
            return {
                "codes": {code: asdict(item) for code, item in self._codes.items()},
                "sessions": {key: list(value) for key, value in self._sessions.items()},
            }

    def restore(self, data: dict[str, Any]) -> None:
        """Replace the codes and sessions with a :meth:`snapshot`'s."""
        with self._lock:
            self._codes = {
                code: _AuthorizationCode(**fields)
                for code, fields in (data.get("codes") or {}).items()
            }
            self._sessions = {
                key: (str(value[0]), float(value[1]), int(value[2]))
                for key, value in (data.get("sessions") or {}).items()
            }


# ---------------------------------------------------------------- the app
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
    :returns: a Flask (WSGI) application.
    """
    cognito.install(inbox, clock=clock)
    base_url = base_url.rstrip("/")
    store = _Store(cognito.now)
    app = Flask(__name__, template_folder=str(_TEMPLATES))
    app.extensions["hosted_ui_store"] = store
    app.config.update(OAUTH2_SCOPES_SUPPORTED=None)

    def pool() -> CognitoIdpUserPool:
        return cognito.find_user_pool(user_pool_id)

    def query_client(requested_id: str) -> _Client | None:
        try:
            moto_client = pool().clients.get(requested_id)
        except JsonRESTError:
            return None
        if moto_client is None:
            return None
        secret = moto_client.secret if moto_client.generate_secret else None
        return _Client(moto_client.id, moto_client.extended_config, secret)

    def save_token(token: dict[str, Any], oauth_request: Any) -> None:
        code = getattr(oauth_request, "authorization_code", None)
        if code is not None:
            store.record_refresh_token(code.code, token.get("refresh_token"))

    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)

    class _CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ]

        def save_authorization_code(self, code: str, oauth_request: Any) -> None:
            data = oauth_request.payload.data
            store.save_code(
                _AuthorizationCode(
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

        def query_authorization_code(self, code: str, client: _Client) -> _AuthorizationCode | None:
            item, replayed_refresh_token = store.claim_code(code, client.client_id)
            if replayed_refresh_token:
                cognito.revoke_refresh_token(pool(), replayed_refresh_token)
            return item

        def delete_authorization_code(self, authorization_code: _AuthorizationCode) -> None:
            """Nothing to do: :meth:`_Store.claim_code` already spent it."""

        def authenticate_user(
            self, authorization_code: _AuthorizationCode
        ) -> CognitoIdpUser | None:
            return pool()._get_user(authorization_code.username)

        def generate_token(
            self,
            user: CognitoIdpUser | None = None,
            scope: str | None = None,
            grant_type: str | None = None,
            expires_in: int | None = None,
            include_refresh_token: bool = True,
        ) -> dict[str, Any]:
            """Tokens from the emulated pool (moto's key and issuer), with the granted scopes."""
            code: _AuthorizationCode = self.request.authorization_code
            tokens = cognito.issue_tokens(
                pool(),
                code.client_id,
                user,
                scope_to_list(scope) or [],
                code.nonce,
                code.auth_time,
            )
            return tokens.as_oauth()

    class _RefreshGrant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ]

        def authenticate_refresh_token(self, refresh_token: str) -> _RefreshCredential | None:
            tokens = pool().refresh_tokens
            if refresh_token not in tokens:
                return None
            record = tokens[refresh_token]
            if record is None:
                raise InvalidGrantError("Refresh Token has been revoked")
            scopes = cognito.granted_scopes(pool(), refresh_token)
            return _RefreshCredential(refresh_token, record[0], record[1], " ".join(scopes))

        def authenticate_user(self, credential: _RefreshCredential) -> CognitoIdpUser | None:
            return pool()._get_user(credential.username)

        def issue_token(
            self, user: CognitoIdpUser, credential: _RefreshCredential
        ) -> dict[str, Any]:
            try:
                tokens = cognito.refresh(pool(), credential.client_id, credential.refresh_token)
                return tokens.as_oauth()
            except JsonRESTError as error:
                raise InvalidGrantError(error.message) from error

        def revoke_old_credential(self, credential: _RefreshCredential) -> None:
            """Nothing to do: rotation (when the client enables it) is cognito.refresh's job."""

    class _Revocation(RevocationEndpoint):
        """``POST /oauth2/revoke`` (Cognito developer guide, "Revoke endpoint"; RFC 7009).

        Revokes a refresh token, the tokens rotated from it and the access tokens it
        issued. An access or ID token is ``unsupported_token_type`` (Cognito revokes
        refresh tokens only); an unknown or already revoked token is 200, as RFC 7009
        section 2.2 says.
        """

        CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
        SUPPORTED_TOKEN_TYPES = ("refresh_token",)

        def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
            if token_string.count(".") == 2:
                raise _UnsupportedTokenType()
            record = pool().refresh_tokens.get(token_string)
            if record is None:
                return None
            return _RefreshCredential(token_string, record[0], record[1])

        def revoke_token(self, token: _RefreshCredential, request: Any) -> None:
            cognito.revoke_refresh_token(pool(), token.refresh_token)

    server.register_grant(_CodeGrant, [_S256Only(required=True)])
    server.register_grant(_RefreshGrant)
    server.register_endpoint(_Revocation)

    signing_key = jwt.PyJWK(cognito.public_jwks()["keys"][0])  # moto's one, static key

    class _AccessTokenValidator(BearerTokenValidator):
        def authenticate_token(self, token_string: str) -> _AccessToken | None:
            the_pool = pool()
            try:
                claims = jwt.decode(
                    token_string,
                    key=signing_key,
                    algorithms=["RS256"],
                    issuer=cognito.issuer(the_pool),
                    # exp is checked against the stack's clock in _AccessToken.is_expired
                    options={"require": ["exp", "iat", "sub", "token_use"], "verify_exp": False},
                )
            except jwt.PyJWTError:
                return None
            if claims.get("token_use") != "access":
                return None
            return _AccessToken(claims, cognito.user_for_access_token(the_pool, token_string))

    require_oauth = ResourceProtector()
    require_oauth.register_token_validator(_AccessTokenValidator())

    # ------------------------------------------------------------ helpers
    def oauth_query(extra: dict[str, str] | None = None) -> str:
        pairs = [(name, value) for name in _OAUTH_PARAMS for value in request.args.getlist(name)]
        return urlencode(pairs + list((extra or {}).items()))

    def page(template: str, status: int = 200, **context: Any) -> Response:
        html = render_template(template, query=oauth_query(), **context)
        return Response(html, status=status, mimetype="text/html")

    def error_page(message: str, status: int = 400) -> Response:
        return page("error.html", status=status, message=message)

    def with_grant(view: Callable[[Any], Response]) -> Callable[[], Response]:
        """Call ``view`` with Authlib's validated authorization request (from the query
        string every hosted page carries), or answer a bad one without calling it."""

        @functools.wraps(view)
        def wrapper() -> Response:
            try:
                grant = server.get_consent_grant(end_user=None)
            except OAuth2Error as error:
                if error.redirect_uri:  # trusted redirect_uri: tell the client (RFC 6749 4.1.2.1)
                    return server.handle_error_response(None, error)
                return error_page(error.description or error.error)
            return view(grant)

        return wrapper

    def password_rules() -> str:
        policy = pool().extended_config.get("Policies", {}).get("PasswordPolicy", {})
        needs = [
            label
            for key, label in (
                ("RequireUppercase", "an upper-case letter"),
                ("RequireLowercase", "a lower-case letter"),
                ("RequireNumbers", "a number"),
                ("RequireSymbols", "a symbol"),
            )
            if policy.get(key, True)
        ]
        text = f"At least {policy.get('MinimumLength', 8)} characters"
        return f"{text}, with {', '.join(needs)}." if needs else f"{text}."

    def authorize_response(grant: Any, user: CognitoIdpUser) -> Response:
        return server.create_authorization_response(grant_user=user, grant=grant)

    # ------------------------------------------------------------ hosted pages
    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/hosted-ui.css")
    def stylesheet() -> Response:
        return Response((_TEMPLATES / "hosted-ui.css").read_text(), mimetype="text/css")

    @app.get("/")
    def index() -> Response:
        return page("index.html", user_pool_id=user_pool_id, client_id=client_id)

    @app.get("/oauth2/authorize")
    @app.get("/login")
    @with_grant
    def authorize(grant: Any) -> Response:
        session = store.session_user(request.cookies.get(SESSION_COOKIE))
        user = pool()._get_user(session[0]) if session else None
        if user is not None and session and request.args.get("prompt") != "login":
            g.auth_time = session[1]  # single sign-on: auth_time is the sign-in's
            return authorize_response(grant, user)
        notice = {
            "confirmed": "Your account is confirmed. Sign in to continue.",
        }.get(request.args.get("notice", ""))
        return page("login.html", notice=notice, email="")

    @app.post("/login")
    @with_grant
    def login(grant: Any) -> Response:
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        try:
            user = cognito.password_sign_in(pool(), grant.client.client_id, email, password)
        except JsonRESTError as error:
            unconfirmed = error.error_type == "UserNotConfirmedException"
            message = "Your account is not confirmed yet." if unconfirmed else error.message
            return page(
                "login.html", status=400, error=message, email=email, unconfirmed=unconfirmed
            )
        g.auth_time = int(cognito.now())
        response = authorize_response(grant, user)
        response.set_cookie(
            SESSION_COOKIE,
            store.open_session(user.username, g.auth_time),
            max_age=SESSION_TTL_SECONDS,
            httponly=True,
            samesite="Lax",
        )
        return response

    @app.route("/signup", methods=["GET", "POST"])
    @with_grant
    def signup(grant: Any) -> Response:
        rules = password_rules()
        if request.method == "GET":
            return page("signup.html", email="", name="", rules=rules)
        email = request.form.get("email", "").strip()
        name = request.form.get("name", "").strip()
        attributes = [{"Name": "email", "Value": email}]
        if name:
            attributes.append({"Name": "name", "Value": name})
        try:
            password = request.form.get("password", "")
            pool().backend.sign_up(grant.client.client_id, email, password, attributes)
        except JsonRESTError as error:
            message = error.message
            if error.error_type == "UsernameExistsException":
                message = "An account with the given email already exists."
            return page(
                "signup.html", status=400, error=message, email=email, name=name, rules=rules
            )
        return redirect(f"/confirmUser?{oauth_query({'username': email})}", code=303)

    @app.route("/confirmUser", methods=["GET", "POST"])
    @with_grant
    def confirm_user(grant: Any) -> Response:
        username = (request.form.get("username") or request.args.get("username") or "").strip()
        if request.method == "GET":
            notice = "We sent a new code." if request.args.get("notice") == "resent" else None
            return page("confirm.html", username=username, notice=notice)
        try:
            code = request.form.get("code", "").strip()
            pool().backend.confirm_sign_up(grant.client.client_id, username, code)
        except JsonRESTError as error:
            return page("confirm.html", status=400, username=username, error=error.message)
        return redirect(f"/login?{oauth_query({'notice': 'confirmed'})}", code=303)

    @app.post("/resendcode")
    @with_grant
    def resend_code(grant: Any) -> Response:
        username = request.form.get("username", "").strip()
        try:
            pool().backend.resend_confirmation_code(grant.client.client_id, username)
        except JsonRESTError as error:
            return page("confirm.html", status=400, username=username, error=error.message)
        query = oauth_query({"username": username, "notice": "resent"})
        return redirect(f"/confirmUser?{query}", code=303)

    @app.get("/logout")
    def logout() -> Response:
        client = query_client(request.args.get("client_id", ""))
        if client is None:
            return error_page("Unknown or missing client_id.")
        logout_uri = request.args.get("logout_uri")
        if logout_uri:
            if logout_uri not in client.logout_urls:  # exact match against LogoutURLs
                return error_page("logout_uri is not one of the client's sign-out URLs.")
            target = logout_uri
        elif request.args.get("redirect_uri") and request.args.get("response_type"):
            target = f"/login?{oauth_query()}"  # sign out, then sign in again (Cognito's 2nd form)
        else:
            return error_page("Required parameter logout_uri is missing.")
        store.close_session(request.cookies.get(SESSION_COOKIE))
        response = redirect(target, code=302)
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="Lax")
        return response

    # ------------------------------------------------------------ OAuth / OIDC endpoints
    @app.post("/oauth2/token")
    def token() -> Response:
        return server.create_token_response()

    @app.post("/oauth2/revoke")
    def revoke() -> Response:
        return server.create_endpoint_response("revocation")

    @app.route("/oauth2/userInfo", methods=["GET", "POST"])
    @require_oauth("openid")
    def user_info() -> Response:
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
        return app.response_class(app.json.dumps(claims), mimetype="application/json")

    @app.get("/.well-known/openid-configuration")
    def openid_configuration() -> Response:
        document = {
            "issuer": f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}",
            "authorization_endpoint": f"{base_url}/oauth2/authorize",
            "token_endpoint": f"{base_url}/oauth2/token",
            "userinfo_endpoint": f"{base_url}/oauth2/userInfo",
            "end_session_endpoint": f"{base_url}/logout",
            "revocation_endpoint": f"{base_url}/oauth2/revoke",
            "revocation_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "jwks_uri": f"{base_url}/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "scopes_supported": ["openid", "email", "phone", "profile", cognito.DEFAULT_SCOPE],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "code_challenge_methods_supported": ["S256"],
        }
        return app.response_class(app.json.dumps(document), mimetype="application/json")

    @app.get("/.well-known/jwks.json")
    def jwks() -> Response:
        body = app.json.dumps(cognito.public_jwks())
        return app.response_class(body, mimetype="application/json")

    return app
