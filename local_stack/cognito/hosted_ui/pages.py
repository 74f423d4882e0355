"""The hosted pages: sign-in (and single sign-on), sign-up, confirmation, a new code and
sign-out, server-rendered HTML with no script (templates in ``templates/``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, g, redirect, render_template, request
from moto.cognitoidp.models import CognitoIdpUser
from moto.core.exceptions import JsonRESTError

from local_stack import cognito
from local_stack.cognito.hosted_ui.context import current
from local_stack.cognito.hosted_ui.store import SESSION_COOKIE, SESSION_TTL_SECONDS

__all__ = ["TEMPLATES", "pages"]

TEMPLATES = Path(__file__).parent / "templates"
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

pages = Blueprint("pages", __name__)


def _oauth_query(extra: dict[str, str] | None = None) -> str:
    pairs = [(name, value) for name in _OAUTH_PARAMS for value in request.args.getlist(name)]
    return urlencode(pairs + list((extra or {}).items()))


def _page(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(template, query=_oauth_query(), **context)
    return Response(html, status=status, mimetype="text/html")


def _error_page(message: str, status: int = 400) -> Response:
    return _page("error.html", status=status, message=message)


def _with_grant(view: Callable[[Any], Response]) -> Callable[[], Response]:
    """Call ``view`` with Authlib's validated authorization request (from the query
    string every hosted page carries), or answer a bad one without calling it."""

    @functools.wraps(view)
    def wrapper() -> Response:
        server = current().server
        try:
            grant = server.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            if error.redirect_uri:  # trusted redirect_uri: tell the client (RFC 6749 4.1.2.1)
                return server.handle_error_response(None, error)
            return _error_page(error.description or error.error)
        return view(grant)

    return wrapper


def _password_rules() -> str:
    policy = current().pool().extended_config.get("Policies", {}).get("PasswordPolicy", {})
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


def _authorize_response(grant: Any, user: CognitoIdpUser) -> Response:
    return current().server.create_authorization_response(grant_user=user, grant=grant)


@pages.get("/hosted-ui.css")
def stylesheet() -> Response:
    return Response((TEMPLATES / "hosted-ui.css").read_text(), mimetype="text/css")


@pages.get("/")
def index() -> Response:
    hosted_ui = current()
    return _page("index.html", user_pool_id=hosted_ui.user_pool_id, client_id=hosted_ui.client_id)


@pages.get("/oauth2/authorize")
@pages.get("/login")
@_with_grant
def authorize(grant: Any) -> Response:
    """The sign-in page, or single sign-on from the session cookie (``prompt=login``
    forces the page); ``auth_time`` stays the sign-in's."""
    hosted_ui = current()
    session = hosted_ui.store.session_user(request.cookies.get(SESSION_COOKIE))
    user = hosted_ui.pool()._get_user(session[0]) if session else None
    if user is not None and session and request.args.get("prompt") != "login":
        g.auth_time = session[1]  # single sign-on: auth_time is the sign-in's
        return _authorize_response(grant, user)
    notice = {
        "confirmed": "Your account is confirmed. Sign in to continue.",
    }.get(request.args.get("notice", ""))
    return _page("login.html", notice=notice, email="")


@pages.post("/login")
@_with_grant
def login(grant: Any) -> Response:
    """Check the password (the pool's lockout applies), open a session, redirect with
    ``code`` and ``state``."""
    hosted_ui = current()
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    try:
        user = cognito.password_sign_in(hosted_ui.pool(), grant.client.client_id, email, password)
    except JsonRESTError as error:
        unconfirmed = error.error_type == "UserNotConfirmedException"
        message = "Your account is not confirmed yet." if unconfirmed else error.message
        return _page("login.html", status=400, error=message, email=email, unconfirmed=unconfirmed)
    g.auth_time = int(cognito.now())
    response = _authorize_response(grant, user)
    response.set_cookie(
        SESSION_COOKIE,
        hosted_ui.store.open_session(user.username, g.auth_time),
        max_age=SESSION_TTL_SECONDS,
        httponly=True,
        samesite="Lax",
    )
    return response


@pages.route("/signup", methods=["GET", "POST"])
@_with_grant
def signup(grant: Any) -> Response:
    """The sign-up form; SignUp sends the code to the dev inbox, then the confirm page."""
    rules = _password_rules()
    if request.method == "GET":
        return _page("signup.html", email="", name="", rules=rules)
    email = request.form.get("email", "").strip()
    name = request.form.get("name", "").strip()
    attributes = [{"Name": "email", "Value": email}]
    if name:
        attributes.append({"Name": "name", "Value": name})
    try:
        password = request.form.get("password", "")
        current().pool().backend.sign_up(grant.client.client_id, email, password, attributes)
    except JsonRESTError as error:
        message = error.message
        if error.error_type == "UsernameExistsException":
            message = "An account with the given email already exists."
        return _page("signup.html", status=400, error=message, email=email, name=name, rules=rules)
    return redirect(f"/confirmUser?{_oauth_query({'username': email})}", code=303)


@pages.route("/confirmUser", methods=["GET", "POST"])
@_with_grant
def confirm_user(grant: Any) -> Response:
    """The confirmation form (ConfirmSignUp with the emailed code), then the sign-in page."""
    username = (request.form.get("username") or request.args.get("username") or "").strip()
    if request.method == "GET":
        notice = "We sent a new code." if request.args.get("notice") == "resent" else None
        return _page("confirm.html", username=username, notice=notice)
    try:
        code = request.form.get("code", "").strip()
        current().pool().backend.confirm_sign_up(grant.client.client_id, username, code)
    except JsonRESTError as error:
        return _page("confirm.html", status=400, username=username, error=error.message)
    return redirect(f"/login?{_oauth_query({'notice': 'confirmed'})}", code=303)


@pages.post("/resendcode")
@_with_grant
def resend_code(grant: Any) -> Response:
    """ResendConfirmationCode, then the confirmation form again."""
    username = request.form.get("username", "").strip()
    try:
        current().pool().backend.resend_confirmation_code(grant.client.client_id, username)
    except JsonRESTError as error:
        return _page("confirm.html", status=400, username=username, error=error.message)
    query = _oauth_query({"username": username, "notice": "resent"})
    return redirect(f"/confirmUser?{query}", code=303)


@pages.get("/logout")
def logout() -> Response:
    """End the session; redirect to ``logout_uri`` (exactly one of the client's
    ``LogoutURLs``) or, Cognito's second form, to the sign-in page again."""
    hosted_ui = current()
    client = hosted_ui.query_client(request.args.get("client_id", ""))
    if client is None:
        return _error_page("Unknown or missing client_id.")
    logout_uri = request.args.get("logout_uri")
    if logout_uri:
        if logout_uri not in client.logout_urls:  # exact match against LogoutURLs
            return _error_page("logout_uri is not one of the client's sign-out URLs.")
        target = logout_uri
    elif request.args.get("redirect_uri") and request.args.get("response_type"):
        target = f"/login?{_oauth_query()}"  # sign out, then sign in again (Cognito's 2nd form)
    else:
        return _error_page("Required parameter logout_uri is missing.")
    hosted_ui.store.close_session(request.cookies.get(SESSION_COOKIE))
    response = redirect(target, code=302)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="Lax")
    return response
