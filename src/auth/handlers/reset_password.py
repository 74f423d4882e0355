"""POST /auth/reset-password -> cognito-idp ConfirmForgotPassword (ResetPasswordFunction)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.models import ResetPasswordRequest
from auth.service import get_service
from shared.http import FunctionApp, json_response, parse_json_request

app = FunctionApp(failure_metric="ResetPasswordFailures")


@app.post("/auth/reset-password")
def reset_password() -> Response:
    request = parse_json_request(app.current_event, ResetPasswordRequest)
    result = get_service().reset_password(request)
    app.count("PasswordsReset")
    return json_response(200, result)


lambda_handler = app.lambda_handler
