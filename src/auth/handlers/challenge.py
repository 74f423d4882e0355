"""POST /auth/challenge -> cognito-idp RespondToAuthChallenge (ChallengeFunction).

The second step of a sign-in that answered ``{challenge, session, ...}``; one body shape
per ``challenge`` (:class:`auth.models.ChallengeAnswer`): ``answer`` (a code) for
``SOFTWARE_TOKEN_MFA`` and ``EMAIL_OTP``, ``credential`` (the browser's
AuthenticationResponseJSON) for ``WEB_AUTHN``, ``answer`` (a first factor) and
``password`` for ``SELECT_CHALLENGE`` (which starts that factor as its own route does,
InitiateAuth). Success is the token response of
``POST /auth/sign-in`` (``X-Token-Delivery: cookie`` works the same), or the next
challenge.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import EMAIL, SESSION, SET_COOKIE, TOKEN_DELIVERY, TOKENS, AuthApp
from auth.models import ChallengeAnswer, ChallengeResult, TokenSet
from auth.service import get_service
from auth.web import token_response, wants_cookie
from shared.app import json_body
from shared.http import json_response, parse_json_request

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
    summary="Answer a sign-in challenge (a code, a passkey or a chosen factor) with its session",
    description="The session lives the app client's `AuthSessionValidity` (3 minutes by "
    "default). A code session takes a few wrong answers and a code works once; a passkey "
    "session is spent by any answer. A choice (`SELECT_CHALLENGE`) starts the chosen factor "
    "as `POST /auth/sign-in`, `/auth/sign-in/email-code` or `/auth/sign-in/passkey` does, "
    "counted as that route counts; every other answer, and a choice session not issued for "
    "this email, counts toward the email's sign-in attempts. The answer is tokens, or the "
    "next challenge: `{challenge, session}` for a code (`SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`) "
    "or `{challenge: WEB_AUTHN, session, credential_request_options}`.",
    tags=["auth"],
    openapi_extensions={**json_body(ChallengeAnswer, _EXAMPLE), **TOKEN_DELIVERY},
    responses=app.responses(
        200,
        ChallengeResult,
        "An OAuth 2.0 token response (RFC 6749 section 5.1), or the next challenge.",
        example=TOKENS,
        headers=SET_COOKIE,
        errors={
            400: ("invalid_request", "code_mismatch"),
            401: ("invalid_session", "invalid_credentials"),
            # the last four: a choice answered as its route answers
            403: (
                "challenge_required",
                "not_authorized",
                "user_not_confirmed",
                "password_reset_required",
                "passwordless_disabled",
                "passkeys_disabled",
            ),
        },
    ),
)
def answer_challenge() -> Response[str]:
    request = parse_json_request(app.current_event, ChallengeAnswer).root
    service = get_service()
    result = service.answer_challenge(request)
    if not isinstance(result, TokenSet):
        app.count("SignInChallenges")
        return json_response(200, result)
    app.count("SignIns")
    max_age = service.refresh_token_max_age() if wants_cookie(app.current_event) else None
    return token_response(result, cookie_max_age=max_age)


lambda_handler = app.lambda_handler
