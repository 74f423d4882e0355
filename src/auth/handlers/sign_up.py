"""POST /auth/sign-up -> cognito-idp SignUp (SignUpFunction)."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from auth.models import SignUpRequest
from auth.service import get_service
from shared.http import build_resolver, json_response, parse_json_request

logger = Logger()
metrics = Metrics()
app = build_resolver(logger, metrics=metrics, failure_metric="SignUpFailures")


@app.post("/auth/sign-up")
def sign_up() -> Response:
    request = parse_json_request(app.current_event, SignUpRequest)
    result = get_service().sign_up(request)
    metrics.add_metric(name="SignUps", unit=MetricUnit.Count, value=1)
    return json_response(201, result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
