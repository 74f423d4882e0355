"""POST /auth/sign-in -> cognito-idp InitiateAuth USER_PASSWORD_AUTH (SignInFunction).

With ``X-Token-Delivery: cookie`` the refresh token goes only into the HttpOnly cookie
(:mod:`auth.web`). A user with TOTP MFA on gets ``{challenge, session}`` instead of tokens,
to answer at ``POST /auth/challenge``.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from auth.models import SignInChallenge, SignInRequest
from auth.service import get_service
from auth.web import token_response, wants_cookie
from shared.http import build_resolver, json_response, parse_json_request

logger = Logger()
metrics = Metrics()
app = build_resolver(logger, metrics=metrics, failure_metric="SignInFailures")


@app.post("/auth/sign-in")
def sign_in() -> Response:
    request = parse_json_request(app.current_event, SignInRequest)
    service = get_service()
    tokens = service.sign_in(request)
    if isinstance(tokens, SignInChallenge):
        metrics.add_metric(name="SignInChallenges", unit=MetricUnit.Count, value=1)
        return json_response(200, tokens)
    metrics.add_metric(name="SignIns", unit=MetricUnit.Count, value=1)
    max_age = service.refresh_token_max_age() if wants_cookie(app.current_event) else None
    return token_response(tokens, cookie_max_age=max_age)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
