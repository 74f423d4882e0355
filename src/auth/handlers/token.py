"""POST /auth/token -> hosted UI /oauth2/token (code + PKCE) or GetTokensFromRefreshToken.

Accepts JSON or ``application/x-www-form-urlencoded`` (TokenFunction). With
``X-Token-Delivery: cookie`` the refresh token travels in the HttpOnly cookie both ways.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import REFRESH_TOKEN, SET_COOKIE, TOKEN_DELIVERY, TOKENS, AuthApp
from auth.models import AuthorizationCodeGrant, RefreshTokenGrant, TokenSet, parse_token_request
from auth.service import get_service
from auth.web import refresh_token_from_cookie, token_response, wants_cookie
from shared.app import SCHEMAS, schema_ref
from shared.http import JSON

app = AuthApp(failure_metric="TokenFailures")

# One of the two grants, told apart by grant_type, as JSON or a form (parse_token_request).
_GRANT = {
    "oneOf": [schema_ref(AuthorizationCodeGrant), schema_ref(RefreshTokenGrant)],
    "discriminator": {
        "propertyName": "grant_type",
        "mapping": {
            "authorization_code": SCHEMAS + AuthorizationCodeGrant.__name__,
            "refresh_token": SCHEMAS + RefreshTokenGrant.__name__,
        },
    },
}
_EXAMPLE = {"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN}
_BODY = {"schema": _GRANT, "example": _EXAMPLE}


@app.post(
    "/auth/token",
    operation_id="token",
    summary="OAuth 2.0 token endpoint: authorization code + PKCE, or refresh token",
    description="RFC 6749 sections 4.1.3 and 6, RFC 7636 section 4.5. The body is JSON "
    "or `application/x-www-form-urlencoded`. With `X-Token-Delivery: cookie` the refresh "
    "token is read from and written to the HttpOnly cookie.",
    tags=["auth"],
    openapi_extensions={
        "requestBody": {
            "required": True,
            "content": {JSON: _BODY, "application/x-www-form-urlencoded": _BODY},
        },
        **TOKEN_DELIVERY,
    },
    responses=app.responses(
        200,
        TokenSet,
        "An OAuth 2.0 token response (RFC 6749 section 5.1).",
        example=TOKENS,
        headers=SET_COOKIE,
        errors={
            400: ("invalid_request", "invalid_grant", "unsupported_grant_type", "invalid_scope"),
            403: ("not_authorized",),
        },
    ),
)
def token() -> Response[str]:
    event = app.current_event
    grant = parse_token_request(event.decoded_body, event.headers.get("Content-Type"))
    service = get_service()
    tokens = service.token(grant, cookie_refresh_token=refresh_token_from_cookie(event))
    app.count("TokenExchanges" if grant.grant_type == "authorization_code" else "TokenRefreshes")
    max_age = service.refresh_token_max_age() if wants_cookie(event) else None
    return token_response(tokens, cookie_max_age=max_age)


lambda_handler = app.lambda_handler
