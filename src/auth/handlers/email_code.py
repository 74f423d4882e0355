"""POST /auth/sign-in/email-code -> cognito-idp InitiateAuth USER_AUTH, EMAIL_OTP
(EmailCodeSignInFunction): passwordless sign-in, step one.

Body ``{email}``; answers ``{challenge: "EMAIL_OTP", session}`` for every email. Step two
is ``POST /auth/challenge`` with the emailed 8-digit code.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import EMAIL, SESSION, AuthApp
from auth.models import EmailRequest, SignInChallenge
from auth.service import get_service
from shared.app import json_body
from shared.http import json_response, parse_json_request

app = AuthApp(failure_metric="EmailCodeSignInFailures")


@app.post(
    "/auth/sign-in/email-code",
    operation_id="emailCodeSignIn",
    summary="Passwordless sign-in: email me a code (USER_AUTH, EMAIL_OTP)",
    description="Answer with the emailed 8-digit code at `POST /auth/challenge`. Needs "
    "the template parameter `PasswordlessEmailSourceArn` on AWS (always on locally).",
    tags=["auth"],
    openapi_extensions=json_body(EmailRequest, {"email": EMAIL}),
    responses=app.responses(
        200,
        SignInChallenge,
        "The same answer for every email.",
        example={"challenge": "EMAIL_OTP", "session": SESSION},
        errors={400: ("invalid_request",), 403: ("passwordless_disabled",)},
    ),
)
def email_code() -> Response[str]:
    request = parse_json_request(app.current_event, EmailRequest)
    result = get_service().email_code_sign_in(request)
    app.count("EmailCodesRequested")
    return json_response(200, result)


lambda_handler = app.lambda_handler
