"""POST /auth/sign-in -> cognito-idp InitiateAuth USER_PASSWORD_AUTH (SignInFunction).

With ``X-Token-Delivery: cookie`` the refresh token goes only into the HttpOnly cookie
(:mod:`auth.web`). A user with TOTP MFA on gets ``{challenge, session}`` instead of tokens,
to answer at ``POST /auth/challenge``.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.models import SignInChallenge, SignInRequest
from auth.service import get_service
from auth.web import token_response, wants_cookie
from shared.http import FunctionApp, json_response, parse_json_request

app = FunctionApp(failure_metric="SignInFailures")


@app.post("/auth/sign-in")
def sign_in() -> Response:
    request = parse_json_request(app.current_event, SignInRequest)
    service = get_service()
    tokens = service.sign_in(request)
    if isinstance(tokens, SignInChallenge):
        app.count("SignInChallenges")
        return json_response(200, tokens)
    app.count("SignIns")
    max_age = service.refresh_token_max_age() if wants_cookie(app.current_event) else None
    return token_response(tokens, cookie_max_age=max_age)


lambda_handler = app.lambda_handler
