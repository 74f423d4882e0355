"""POST /auth/sign-up -> cognito-idp SignUp (SignUpFunction)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.models import SignUpRequest
from auth.service import get_service
from shared.http import FunctionApp, json_response, parse_json_request

app = FunctionApp(failure_metric="SignUpFailures")


@app.post("/auth/sign-up")
def sign_up() -> Response:
    request = parse_json_request(app.current_event, SignUpRequest)
    result = get_service().sign_up(request)
    app.count("SignUps")
    return json_response(201, result)


lambda_handler = app.lambda_handler
