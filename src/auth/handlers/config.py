"""GET /auth/config -> the public settings a client needs (AuthConfigFunction).

Reads only the environment: no Cognito call, no IAM permission, never the client secret.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from auth.config import load_settings
from auth.models import PublicConfig
from shared.http import build_resolver, json_response

logger = Logger()
metrics = Metrics()
app = build_resolver(logger, metrics=metrics, failure_metric="AuthConfigFailures")


@app.get("/auth/config")
def auth_config() -> Response:
    body = PublicConfig.from_settings(load_settings())
    # One per client start-up: the web app and the Postman flow read it first.
    metrics.add_metric(name="AuthConfigsServed", unit=MetricUnit.Count, value=1)
    return json_response(200, body)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
