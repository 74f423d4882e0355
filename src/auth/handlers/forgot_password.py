"""POST /auth/forgot-password -> cognito-idp ForgotPassword (ForgotPasswordFunction).

The answer is the same for known and unknown emails.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.models import EmailRequest
from auth.service import get_service
from shared.http import FunctionApp, json_response, parse_json_request

app = FunctionApp(failure_metric="ForgotPasswordFailures")


@app.post("/auth/forgot-password")
def forgot_password() -> Response:
    request = parse_json_request(app.current_event, EmailRequest)
    result = get_service().forgot_password(request)
    app.count("PasswordResetsRequested")
    return json_response(200, result)


lambda_handler = app.lambda_handler
