"""GET /auth/config -> the public settings a client needs (AuthConfigFunction).

Reads only the environment: no Cognito call, no IAM permission, never the client secret.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.api import AuthApp
from auth.config import load_settings
from auth.models import PublicConfig
from shared.http import json_response

app = AuthApp(failure_metric="AuthConfigFailures")

_HOSTED_UI = "https://moments.auth.eu-west-1.amazoncognito.com"
_EXAMPLE = {
    "region": "eu-west-1",
    "user_pool_id": "eu-west-1_AbCdEfGhI",
    "client_id": "1example23456789",
    "authorize_url": f"{_HOSTED_UI}/oauth2/authorize",
    "token_url": f"{_HOSTED_UI}/oauth2/token",
    "logout_url": f"{_HOSTED_UI}/logout",
    "userinfo_url": f"{_HOSTED_UI}/oauth2/userInfo",
    "broker_token_url": "/auth/token",
    "scopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
    "redirect_uris": ["https://moments.example.com/"],
    "logout_uris": ["https://moments.example.com/"],
}


@app.get(
    "/auth/config",
    operation_id="getConfig",
    summary="Public settings a client needs for the hosted-UI code + PKCE flow",
    tags=["auth"],
    responses=app.responses(
        200, PublicConfig, "Never contains the client secret.", example=_EXAMPLE
    ),
)
def auth_config() -> Response[str]:
    body = PublicConfig.from_settings(load_settings())
    # One per client start-up: the web app and the Postman flow read it first.
    app.count("AuthConfigsServed")
    return json_response(200, body)


lambda_handler = app.lambda_handler
