"""GET /auth/config -> the public settings a client needs (AuthConfigFunction).

Reads only the environment: no Cognito call, no IAM permission, never the client secret.
"""

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from auth.config import load_settings
from auth.models import PublicConfig
from shared.http import build_resolver, json_response

logger = Logger()
tracer = Tracer()
app = build_resolver(logger)


@app.get("/auth/config")
def auth_config() -> Response:
    return json_response(200, PublicConfig.from_settings(load_settings()))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
