"""The auth broker's app factory and what its routes' OpenAPI metadata shares.

:class:`AuthApp` is :class:`shared.app.FunctionApp` with the errors every broker route
can answer with. The constants below are data for the routes' decorators (``responses=``,
``openapi_extensions=``), read by tools/openapi.py into openapi.json: realistic examples
and the cookie delivery of the refresh token (:mod:`auth.web`). Nothing here builds a
model or calls anything at cold start.
"""

from __future__ import annotations

from typing import Any, ClassVar

from auth import errors
from auth.web import COOKIE_NAME, COOKIE_PATH
from shared.app import ErrorCodes, FunctionApp
from shared.errors import DomainError
from shared.http import ErrorMapping


class AuthApp(FunctionApp):
    """A broker route's app (see :class:`shared.app.FunctionApp`)."""

    #: What any broker route can answer, from :data:`auth.errors.ERRORS`: Cognito's
    #: throttling (429), an identity provider that failed (502) or is unavailable (503),
    #: and the resolver's catch-all (500).
    route_errors: ClassVar[ErrorCodes] = {
        429: ("too_many_requests",),
        502: ("server_error",),
        503: ("temporarily_unavailable",),
        500: ("server_error",),
    }
    #: ``Retry-After`` (RFC 9110 section 10.2.3): seconds to wait, on Cognito's throttling,
    #: its lockout and the broker's attempt counter (429: the counter's window end,
    #: :mod:`auth.attempts`) and on an unavailable identity provider (503).
    error_headers: ClassVar[dict[int, dict[str, Any]]] = {
        status: {"Retry-After": {"schema": {"type": "integer", "minimum": 1}, "example": 60}}
        for status in (429, 503)
    }

    def error_mapping(self, exc: DomainError) -> ErrorMapping:
        """:func:`auth.errors.error_mapping`: the broker's one table."""
        return errors.error_mapping(exc)


#: Authenticated broker routes (the access token in ``Authorization``, checked by Cognito
#: itself): a missing or malformed header, a token Cognito refuses, one without the scope.
BEARER_ERRORS: ErrorCodes = {401: ("unauthorized", "invalid_token"), 403: ("access_denied",)}

#: The sensitive routes (:mod:`auth.reauthentication`): on top of the token, a fresh
#: proof of identity; none sent (401 ``reauthentication_required``, with RFC 9470's
#: ``WWW-Authenticate``), or a wrong one (401 ``invalid_credentials``, as a wrong sign-in,
#: counted with the email's sign-in attempts: 429 over the limit).
PROOF_ERRORS: ErrorCodes = {
    400: ("invalid_request",),
    401: ("unauthorized", "invalid_token", "reauthentication_required", "invalid_credentials"),
    403: ("access_denied",),
}
PROOF_DESCRIPTION = (
    "Needs a fresh proof of identity on top of the access token (docs/auth.md): `password`, "
    "and `code` (a current authenticator code) when TOTP MFA is on. Without one: 401 "
    "`reauthentication_required`; a wrong one: 401 `invalid_credentials`, as a wrong sign-in, "
    "and it counts toward the same attempt limit (429 over it)."
)

#: The ``Set-Cookie`` header of a route that can deliver the refresh token as a cookie.
SET_COOKIE = {
    "Set-Cookie": {
        "description": f"`{COOKIE_NAME}` (HttpOnly; Secure; SameSite=Strict; "
        f"Path={COOKIE_PATH}), only under `X-Token-Delivery: cookie`.",
        "schema": {"type": "string"},
    }
}

#: The request header that asks for the cookie delivery (:func:`auth.web.wants_cookie`).
TOKEN_DELIVERY: dict[str, Any] = {
    "parameters": [
        {
            "name": "X-Token-Delivery",
            "in": "header",
            "required": False,
            "description": "`cookie` (any case): the refresh token travels in the HttpOnly "
            "cookie instead of the body (same-origin browsers; docs/auth.md). Any other value "
            "is ignored (body delivery).",
            "schema": {"type": "string", "examples": ["cookie"]},
        }
    ]
}

# Examples (openapi.json): realistic values, never real secrets.
EMAIL = "alice@example.com"
PASSWORD = "Correct-Horse-9"
NEW_PASSWORD = "Another-Horse-10"
CODE = "828092"
SESSION = "AYABeC1vZGVfa2V5X2lkIjoi…"
REFRESH_TOKEN = "eyJjdHkiOiJKV1Qi…"
CODE_SENT = {"code_delivery": {"destination": "a***@e***", "medium": "EMAIL"}}
TOKENS = {
    "access_token": "eyJraWQiOiJ…",
    "id_token": "eyJraWQiOiJ…",
    "refresh_token": REFRESH_TOKEN,
    "expires_in": 900,
    "token_type": "Bearer",
}
ACCOUNT = {"email": EMAIL, "email_verified": True, "name": "Alice", "totp_enabled": False}
PASSKEY_CHALLENGE = {
    "challenge": "WEB_AUTHN",
    "session": SESSION,
    "credential_request_options": {
        "challenge": "NX9obnp0xKbU2bBxdBunLAXZa6vu3HZ_jsaTiwZMv6B6GECdkCLUMUL_cKgRvNk4mK2u9wzFVwL7uoWf_BpMRw",
        "timeout": 180000,
        "rpId": "localhost",
        "allowCredentials": [{"id": "q0Xv1mW3RZq0b2Yy8m0iRA", "type": "public-key"}],
        "userVerification": "required",
    },
}
