"""POST /auth/token -> hosted UI /oauth2/token (code + PKCE) or GetTokensFromRefreshToken.

Accepts JSON or ``application/x-www-form-urlencoded`` (TokenFunction). With
``X-Token-Delivery: cookie`` the refresh token travels in the HttpOnly cookie both ways.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from auth.models import parse_token_request
from auth.service import get_service
from auth.web import refresh_token_from_cookie, token_response, wants_cookie
from shared.http import build_resolver

logger = Logger()
metrics = Metrics()
app = build_resolver(logger, metrics=metrics, failure_metric="TokenFailures")


@app.post("/auth/token")
def token() -> Response:
    event = app.current_event
    grant = parse_token_request(event.decoded_body, event.headers.get("Content-Type"))
    service = get_service()
    tokens = service.token(grant, cookie_refresh_token=refresh_token_from_cookie(event))
    exchanged = grant.grant_type == "authorization_code"
    metrics.add_metric(
        name="TokenExchanges" if exchanged else "TokenRefreshes", unit=MetricUnit.Count, value=1
    )
    max_age = service.refresh_token_max_age() if wants_cookie(event) else None
    return token_response(tokens, cookie_max_age=max_age)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
