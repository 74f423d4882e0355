"""POST /auth/sign-out -> cognito-idp RevokeToken, plus GlobalSignOut with a Bearer token.

With ``X-Token-Delivery: cookie`` the refresh token may come from the cookie, which the
response then clears (SignOutFunction).
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.models import SignOutRequest
from auth.service import get_service
from auth.web import bearer_token, refresh_token_from_cookie, signed_out_response, wants_cookie
from shared.http import FunctionApp, parse_json_request

app = FunctionApp(failure_metric="SignOutFailures")


@app.post("/auth/sign-out")
def sign_out() -> Response:
    event = app.current_event
    request = parse_json_request(event, SignOutRequest, empty_body="{}")
    refresh_token = request.refresh_token or refresh_token_from_cookie(event)
    result = get_service().sign_out(refresh_token, bearer_token(event), request.access_token)
    app.count("SignOuts")
    return signed_out_response(result, clear_cookie=wants_cookie(event))


lambda_handler = app.lambda_handler
