"""POST /auth/sign-in/email-code -> cognito-idp InitiateAuth USER_AUTH, EMAIL_OTP
(EmailCodeSignInFunction): passwordless sign-in, step one.

Body ``{email}``; answers ``{challenge: "EMAIL_OTP", session}`` for every email. Step two
is ``POST /auth/challenge`` with the emailed 8-digit code.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.models import EmailRequest
from auth.service import get_service
from shared.http import FunctionApp, json_response, parse_json_request

app = FunctionApp(failure_metric="EmailCodeSignInFailures")


@app.post("/auth/sign-in/email-code")
def email_code() -> Response:
    request = parse_json_request(app.current_event, EmailRequest)
    result = get_service().email_code_sign_in(request)
    app.count("EmailCodesRequested")
    return json_response(200, result)


lambda_handler = app.lambda_handler
