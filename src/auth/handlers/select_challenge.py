"""POST /auth/sign-in/select (SelectChallengeFunction): choice-based sign-in, step one,
answered by the broker without a sign-in call to Cognito.

Body ``{email}``; answers ``{challenge: "SELECT_CHALLENGE", session, available_challenges}``
(:meth:`auth.sign_in_choice.SignInChoice.select_sign_in`). Step two is
``POST /auth/challenge`` with ``answer`` (one of them) and, for ``PASSWORD``, ``password``.
The offer is the deployment's and the session the broker's, the same for every email (no
account oracle, in the answer or its timing).
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import EMAIL, SESSION, AuthApp
from auth.models import EmailRequest, SelectChallenge
from auth.service import get_service
from shared.app import json_body
from shared.http import json_response, parse_json_request

app = AuthApp(failure_metric="SelectChallengeFailures")


@app.post(
    "/auth/sign-in/select",
    operation_id="selectChallenge",
    summary="Choice-based sign-in, step one: the first factors on offer",
    description="`available_challenges` lists the first factors this deployment allows, in "
    "this order: `PASSWORD`, `EMAIL_OTP` (with SES), `WEB_AUTHN`; the same list for every "
    "email, whatever the account. Answer one at `POST /auth/challenge` with `challenge: "
    "SELECT_CHALLENGE` and this `session` (the broker's, for this email, living the app "
    "client's `AuthSessionValidity`); the choice then starts as `POST /auth/sign-in`, "
    "`/auth/sign-in/email-code` or `/auth/sign-in/passkey` does. A factor the account "
    "cannot use (no passkey; TOTP MFA, which rules out a passwordless first factor) leads "
    "to a challenge of the usual shape that no answer passes.",
    tags=["auth"],
    openapi_extensions=json_body(EmailRequest, {"email": EMAIL}),
    responses=app.responses(
        200,
        SelectChallenge,
        "The same shape for every email.",
        example={
            "challenge": "SELECT_CHALLENGE",
            "session": SESSION,
            "available_challenges": ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"],
        },
        errors={400: ("invalid_request",)},
    ),
)
def select_challenge() -> Response[str]:
    request = parse_json_request(app.current_event, EmailRequest)
    result = get_service().select_sign_in(request)
    app.count("SelectChallenges")
    return json_response(200, result)


lambda_handler = app.lambda_handler
