"""POST /auth/sign-in -> cognito-idp InitiateAuth USER_PASSWORD_AUTH (SignInFunction).

With ``X-Token-Delivery: cookie`` the refresh token goes only into the HttpOnly cookie
(:mod:`auth.web`). A user with TOTP MFA on gets ``{challenge, session}`` instead of tokens,
to answer at ``POST /auth/challenge``.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import EMAIL, PASSWORD, SET_COOKIE, TOKEN_DELIVERY, TOKENS, AuthApp
from auth.models import SignInChallenge, SignInRequest, SignInResult
from auth.service import get_service
from auth.web import token_response, wants_cookie
from shared.app import json_body
from shared.http import json_response, parse_json_request

app = AuthApp(failure_metric="SignInFailures")


@app.post(
    "/auth/sign-in",
    operation_id="signIn",
    summary="Sign in with email and password (USER_PASSWORD_AUTH)",
    description="With `X-Token-Delivery: cookie` the refresh token is set as an "
    "HttpOnly cookie (Path=/auth) instead of being returned in the body.",
    tags=["auth"],
    openapi_extensions={
        **json_body(SignInRequest, {"email": EMAIL, "password": PASSWORD}),
        **TOKEN_DELIVERY,
    },
    responses=app.responses(
        200,
        SignInResult,
        "An OAuth 2.0 token response (RFC 6749 section 5.1), or, when the user has "
        "TOTP MFA on, `{challenge, session}` to answer at `POST /auth/challenge`.",
        example=TOKENS,
        headers=SET_COOKIE,
        errors={
            400: ("invalid_request",),
            401: ("invalid_credentials",),
            403: ("user_not_confirmed", "password_reset_required", "challenge_required"),
        },
    ),
)
def sign_in() -> Response[str]:
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
