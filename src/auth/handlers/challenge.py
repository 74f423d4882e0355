"""POST /auth/challenge -> cognito-idp RespondToAuthChallenge (ChallengeFunction).

Body ``{email, challenge, session, answer}``: the second step of a sign-in that answered
``{challenge, session}``. Success is the token response of ``POST /auth/sign-in``
(``X-Token-Delivery: cookie`` works the same).
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import EMAIL, SESSION, SET_COOKIE, TOKEN_DELIVERY, TOKENS, AuthApp
from auth.models import ChallengeAnswer, TokenSet
from auth.service import get_service
from auth.web import token_response, wants_cookie
from shared.app import json_body
from shared.http import parse_json_request

app = AuthApp(failure_metric="ChallengeFailures")

_EXAMPLE = {
    "email": EMAIL,
    "challenge": "SOFTWARE_TOKEN_MFA",
    "session": SESSION,
    "answer": "123456",
}


@app.post(
    "/auth/challenge",
    operation_id="answerChallenge",
    summary="Answer a sign-in challenge (TOTP or emailed code) with its session",
    description="The session lives the app client's `AuthSessionValidity` (3 minutes by "
    "default) and takes a few wrong answers; a code works once.",
    tags=["auth"],
    openapi_extensions={**json_body(ChallengeAnswer, _EXAMPLE), **TOKEN_DELIVERY},
    responses=app.responses(
        200,
        TokenSet,
        "An OAuth 2.0 token response (RFC 6749 section 5.1).",
        example=TOKENS,
        headers=SET_COOKIE,
        errors={
            400: ("invalid_request", "code_mismatch"),
            401: ("invalid_session",),
            403: ("challenge_required", "not_authorized"),
        },
    ),
)
def answer_challenge() -> Response[str]:
    request = parse_json_request(app.current_event, ChallengeAnswer)
    service = get_service()
    tokens = service.answer_challenge(request)
    app.count("SignIns")
    max_age = service.refresh_token_max_age() if wants_cookie(app.current_event) else None
    return token_response(tokens, cookie_max_age=max_age)


lambda_handler = app.lambda_handler
