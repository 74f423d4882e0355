"""POST /auth/confirm -> cognito-idp ConfirmSignUp (ConfirmSignUpFunction)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.models import ConfirmRequest
from auth.service import get_service
from shared.http import FunctionApp, json_response, parse_json_request

app = FunctionApp(failure_metric="ConfirmSignUpFailures")


@app.post("/auth/confirm")
def confirm() -> Response:
    request = parse_json_request(app.current_event, ConfirmRequest)
    result = get_service().confirm(request)
    app.count("SignUpsConfirmed")
    return json_response(200, result)


lambda_handler = app.lambda_handler
