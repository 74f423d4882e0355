"""POST /auth/resend-code -> cognito-idp ResendConfirmationCode (ResendCodeFunction)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.models import EmailRequest
from auth.service import get_service
from shared.http import FunctionApp, json_response, parse_json_request

app = FunctionApp(failure_metric="ResendCodeFailures")


@app.post("/auth/resend-code")
def resend_code() -> Response:
    request = parse_json_request(app.current_event, EmailRequest)
    result = get_service().resend_code(request)
    app.count("CodesResent")
    return json_response(200, result)


lambda_handler = app.lambda_handler
