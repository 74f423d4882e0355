"""POST /auth/forgot-password -> cognito-idp ForgotPassword (ForgotPasswordFunction).

The answer is the same for known and unknown emails.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import CODE_SENT, EMAIL, AuthApp
from auth.models import CodeSent, EmailRequest
from auth.service import get_service
from shared.app import json_body
from shared.http import json_response, parse_json_request

app = AuthApp(failure_metric="ForgotPasswordFailures")


@app.post(
    "/auth/forgot-password",
    operation_id="forgotPassword",
    summary="Email a password-reset code",
    tags=["auth"],
    openapi_extensions=json_body(EmailRequest, {"email": EMAIL}),
    responses=app.responses(
        200,
        CodeSent,
        "The same answer for known and unknown emails.",
        example=CODE_SENT,
        errors={
            400: ("invalid_request",),
            403: ("not_authorized",),
            502: ("code_delivery_failed",),
        },
    ),
)
def forgot_password() -> Response[str]:
    request = parse_json_request(app.current_event, EmailRequest)
    result = get_service().forgot_password(request)
    app.count("PasswordResetsRequested")
    return json_response(200, result)


lambda_handler = app.lambda_handler
