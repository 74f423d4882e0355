"""POST /auth/sign-out -> cognito-idp RevokeToken, plus GlobalSignOut with a Bearer token.

With ``X-Token-Delivery: cookie`` the refresh token may come from the cookie, which the
response then clears (SignOutFunction).
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from auth.models import SignOutRequest
from auth.service import get_service
from auth.web import bearer_token, refresh_token_from_cookie, signed_out_response, wants_cookie
from shared.http import build_resolver, parse_json_request

logger = Logger()
metrics = Metrics()
app = build_resolver(logger, metrics=metrics, failure_metric="SignOutFailures")


@app.post("/auth/sign-out")
def sign_out() -> Response:
    event = app.current_event
    request = parse_json_request(event, SignOutRequest, empty_body="{}")
    refresh_token = request.refresh_token or refresh_token_from_cookie(event)
    result = get_service().sign_out(refresh_token, bearer_token(event), request.access_token)
    metrics.add_metric(name="SignOuts", unit=MetricUnit.Count, value=1)
    return signed_out_response(result, clear_cookie=wants_cookie(event))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
