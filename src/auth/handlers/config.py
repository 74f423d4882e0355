"""GET /auth/config -> the public settings a client needs (AuthConfigFunction).

Reads only the environment: no Cognito call, no IAM permission, never the client secret.
"""

from aws_lambda_powertools.event_handler.api_gateway import Response

from auth.config import load_settings
from auth.models import PublicConfig
from shared.http import FunctionApp, json_response

app = FunctionApp(failure_metric="AuthConfigFailures")


@app.get("/auth/config")
def auth_config() -> Response:
    body = PublicConfig.from_settings(load_settings())
    # One per client start-up: the web app and the Postman flow read it first.
    app.count("AuthConfigsServed")
    return json_response(200, body)


lambda_handler = app.lambda_handler
