"""POST /auth/resend-code -> cognito-idp ResendConfirmationCode (ResendCodeFunction)."""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import CODE_SENT, EMAIL, AuthApp
from auth.models import CodeSent, EmailRequest
from auth.service import get_service
from shared.app import json_body
from shared.http import json_response, parse_json_request

app = AuthApp(failure_metric="ResendCodeFailures")


@app.post(
    "/auth/resend-code",
    operation_id="resendCode",
    summary="Send a new confirmation code",
    tags=["auth"],
    openapi_extensions=json_body(EmailRequest, {"email": EMAIL}),
    responses=app.responses(
        200,
        CodeSent,
        "A code was sent (the same answer for any email).",
        example=CODE_SENT,
        errors={
            400: ("invalid_request",),
            403: ("not_authorized",),
            502: ("code_delivery_failed",),
        },
    ),
)
def resend_code() -> Response[str]:
    request = parse_json_request(app.current_event, EmailRequest)
    result = get_service().resend_code(request)
    app.count("CodesResent")
    return json_response(200, result)


lambda_handler = app.lambda_handler
