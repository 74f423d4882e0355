"""POST /auth/confirm -> cognito-idp ConfirmSignUp (ConfirmSignUpFunction)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import CODE, EMAIL, AuthApp
from auth.models import Confirmed, ConfirmRequest
from auth.service import get_service
from shared.app import json_body
from shared.http import json_response, parse_json_request

app = AuthApp(failure_metric="ConfirmSignUpFailures")


@app.post(
    "/auth/confirm",
    operation_id="confirmSignUp",
    summary="Confirm an account with the emailed code",
    tags=["auth"],
    openapi_extensions=json_body(ConfirmRequest, {"email": EMAIL, "code": CODE}),
    responses=app.responses(
        200,
        Confirmed,
        "The account is confirmed.",
        example={"confirmed": True},
        errors={
            # One code_mismatch for a wrong or expired code, an unknown or confirmed email.
            400: ("invalid_request", "code_mismatch"),
            403: ("not_authorized",),
        },
    ),
)
def confirm() -> Response[str]:
    request = parse_json_request(app.current_event, ConfirmRequest)
    result = get_service().confirm(request)
    app.count("SignUpsConfirmed")
    return json_response(200, result)


lambda_handler = app.lambda_handler
