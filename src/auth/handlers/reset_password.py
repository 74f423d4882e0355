"""POST /auth/reset-password -> cognito-idp ConfirmForgotPassword (ResetPasswordFunction)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import CODE, EMAIL, NEW_PASSWORD, AuthApp
from auth.models import PasswordReset, ResetPasswordRequest
from auth.service import get_service
from shared.app import json_body
from shared.http import json_response, parse_json_request

app = AuthApp(failure_metric="ResetPasswordFailures")


@app.post(
    "/auth/reset-password",
    operation_id="resetPassword",
    summary="Set a new password with the emailed reset code",
    tags=["auth"],
    openapi_extensions=json_body(
        ResetPasswordRequest, {"email": EMAIL, "code": CODE, "password": NEW_PASSWORD}
    ),
    responses=app.responses(
        200,
        PasswordReset,
        "The password is changed.",
        example={"password_reset": True},
        errors={
            400: ("invalid_request", "code_mismatch", "invalid_password"),
            403: ("not_authorized",),
        },
    ),
)
def reset_password() -> Response[str]:
    request = parse_json_request(app.current_event, ResetPasswordRequest)
    result = get_service().reset_password(request)
    app.count("PasswordsReset")
    return json_response(200, result)


lambda_handler = app.lambda_handler
