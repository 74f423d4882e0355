"""The broker's HTTP edge beyond ``shared.http``: cookie delivery of the refresh token and
the Bearer access token on sign-out.

Cookie delivery (backend-for-frontend pattern, IETF "OAuth 2.0 for Browser-Based
Applications"): a request with ``X-Token-Delivery: cookie`` gets its refresh token only in

    Set-Cookie: moments_refresh_token=<t>; Path=/auth; Max-Age=<s>;
                HttpOnly; Secure; SameSite=Strict

and never in the body; a later refresh or sign-out with the same header reads it back from
the cookie. Without the header (Postman, curl, native apps) tokens stay in the JSON body and
no cookie is set or read. Requiring the custom header is the CSRF defence: a cross-site form
or image cannot set it, and a cross-origin ``fetch`` that sets it needs a CORS preflight the
API does not grant (``X-Token-Delivery`` is not in its allowed headers). ``SameSite=Strict``
is the second layer. ``Path=/auth`` keeps the cookie off every photo request.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from auth.models import SignedOut, TokenSet
from shared.http import MAX_TOKEN_CHARS, ApiError, json_response
from shared.http import bearer_token as parse_bearer_token

DELIVERY_HEADER = "X-Token-Delivery"
COOKIE_NAME = "moments_refresh_token"
COOKIE_PATH = "/auth"


def wants_cookie(event: BaseProxyEvent) -> bool:
    """True when the client asked for cookie delivery (``X-Token-Delivery: cookie``)."""
    value = event.headers.get(DELIVERY_HEADER) or ""
    return value.strip().lower() == "cookie"


def refresh_token_from_cookie(event: BaseProxyEvent) -> str | None:
    """The refresh token from the cookie, read only under cookie delivery."""
    if not wants_cookie(event):
        return None
    token = event.resolved_cookies_field.get(COOKIE_NAME, "").strip()
    return token[:MAX_TOKEN_CHARS] or None


def bearer_token(event: BaseProxyEvent) -> str | None:
    """The access token of the request's ``Authorization: Bearer`` header, if any
    (:func:`shared.http.bearer_token`).

    Raises:
        ApiError: 400 ``invalid_request`` for an ``Authorization`` header of another shape.
    """
    try:
        return parse_bearer_token(event.headers)
    except ValueError as exc:
        raise ApiError(
            400, "invalid_request", "Authorization must be 'Bearer <access token>'."
        ) from exc


def _cookie(value: str, max_age: int) -> Cookie:
    return Cookie(
        name=COOKIE_NAME,
        value=value,
        path=COOKIE_PATH,
        max_age=max_age,
        http_only=True,
        secure=True,
        same_site=SameSite.STRICT_MODE,
    )


def token_response(tokens: TokenSet, *, cookie_max_age: int | None) -> Response[str]:
    """200 token response (``Cache-Control: no-store``, RFC 6749 section 5.1).

    Args:
        tokens: the tokens to deliver.
        cookie_max_age: ``None`` for JSON delivery; otherwise the refresh token's lifetime
            in seconds, and the refresh token moves from the body to the cookie.
    """
    if cookie_max_age is None:
        return json_response(200, tokens.model_dump(exclude_none=True))
    response = json_response(200, tokens.model_dump(exclude_none=True, exclude={"refresh_token"}))
    if tokens.refresh_token:
        response.cookies.append(_cookie(tokens.refresh_token, cookie_max_age))
    return response


def signed_out_response(result: SignedOut, *, clear_cookie: bool) -> Response[str]:
    """200 sign-out response; under cookie delivery it also expires the cookie (Max-Age=0)."""
    response = json_response(200, result)
    if clear_cookie:
        response.cookies.append(_cookie("", 0))
    return response


def require_bearer_token(event: BaseProxyEvent) -> str:
    """The ``Authorization: Bearer`` access token of a route that needs one.

    Raises:
        ApiError: 401 ``invalid_token`` when there is none (behind the Cognito authorizer
            this only happens when the authorizer is skipped, e.g. ``sam local``), 400 for
            a malformed header.
    """
    token = bearer_token(event)
    if not token:
        raise ApiError(401, "invalid_token", "A Bearer access token is required in Authorization.")
    return token
