"""POST /auth/token -> hosted UI /oauth2/token (code + PKCE) or GetTokensFromRefreshToken.

Accepts JSON or ``application/x-www-form-urlencoded`` (TokenFunction). With
``X-Token-Delivery: cookie`` the refresh token travels in the HttpOnly cookie both ways.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.models import parse_token_request
from auth.service import get_service
from auth.web import refresh_token_from_cookie, token_response, wants_cookie
from shared.http import FunctionApp

app = FunctionApp(failure_metric="TokenFailures")


@app.post("/auth/token")
def token() -> Response:
    event = app.current_event
    grant = parse_token_request(event.decoded_body, event.headers.get("Content-Type"))
    service = get_service()
    tokens = service.token(grant, cookie_refresh_token=refresh_token_from_cookie(event))
    app.count("TokenExchanges" if grant.grant_type == "authorization_code" else "TokenRefreshes")
    max_age = service.refresh_token_max_age() if wants_cookie(event) else None
    return token_response(tokens, cookie_max_age=max_age)


lambda_handler = app.lambda_handler
