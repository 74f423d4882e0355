"""POST /auth/sign-up -> cognito-idp SignUp (SignUpFunction)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import CODE_SENT, EMAIL, PASSWORD, AuthApp
from auth.models import SignUpRequest, SignUpResult
from auth.service import get_service
from shared.app import json_body
from shared.http import json_response, parse_json_request

app = AuthApp(failure_metric="SignUpFailures")


@app.post(
    "/auth/sign-up",
    operation_id="signUp",
    summary="Create an account; a confirmation code is emailed",
    tags=["auth"],
    openapi_extensions=json_body(
        SignUpRequest, {"email": EMAIL, "password": PASSWORD, "name": "Alice"}
    ),
    responses=app.responses(
        201,
        SignUpResult,
        "Account created; the code went to the email.",
        example=CODE_SENT,
        # No 409: an existing email gets the same 201 (no account oracle, docs/auth.md).
        errors={400: ("invalid_request", "invalid_password")},
    ),
)
def sign_up() -> Response[str]:
    request = parse_json_request(app.current_event, SignUpRequest)
    result = get_service().sign_up(request)
    app.count("SignUps")
    return json_response(201, result)


lambda_handler = app.lambda_handler
