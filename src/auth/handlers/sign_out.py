"""POST /auth/sign-out -> cognito-idp RevokeToken, plus GlobalSignOut with a Bearer token.

With ``X-Token-Delivery: cookie`` the refresh token may come from the cookie, which the
response then clears (SignOutFunction).
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import REFRESH_TOKEN, SET_COOKIE, TOKEN_DELIVERY, AuthApp
from auth.models import SignedOut, SignOutRequest
from auth.service import get_service
from auth.web import bearer_token, refresh_token_from_cookie, signed_out_response, wants_cookie
from shared.app import json_body
from shared.http import parse_json_request

app = AuthApp(failure_metric="SignOutFailures")


@app.post(
    "/auth/sign-out",
    operation_id="signOut",
    summary="Revoke the refresh token; with a Bearer access token, sign out everywhere",
    description="An optional `Authorization: Bearer <access token>` also calls "
    "GlobalSignOut, which ends every session of the user at once.",
    tags=["auth"],
    openapi_extensions={
        **json_body(SignOutRequest, {"refresh_token": REFRESH_TOKEN}),
        **TOKEN_DELIVERY,
    },
    responses=app.responses(
        200,
        SignedOut,
        "Signed out.",
        example={"signed_out": True, "refresh_token_revoked": True, "signed_out_everywhere": False},
        headers=SET_COOKIE,
        errors={
            400: ("invalid_request", "invalid_grant", "unsupported_token_type"),
            401: ("invalid_token",),
            403: ("not_authorized", "forbidden"),
        },
    ),
)
def sign_out() -> Response[str]:
    event = app.current_event
    request = parse_json_request(event, SignOutRequest, empty_body="{}")
    refresh_token = request.refresh_token or refresh_token_from_cookie(event)
    result = get_service().sign_out(refresh_token, bearer_token(event), request.access_token)
    app.count("SignOuts")
    return signed_out_response(result, clear_cookie=wants_cookie(event))


lambda_handler = app.lambda_handler
