"""POST /auth/challenge -> cognito-idp RespondToAuthChallenge (ChallengeFunction).

Body ``{email, challenge, session, answer}``: the second step of a sign-in that answered
``{challenge, session}``. Success is the token response of ``POST /auth/sign-in``
(``X-Token-Delivery: cookie`` works the same).
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from auth.models import ChallengeAnswer
from auth.service import get_service
from auth.web import token_response, wants_cookie
from shared.http import build_resolver, parse_json_request

logger = Logger()
metrics = Metrics()
app = build_resolver(logger, metrics=metrics, failure_metric="ChallengeFailures")


@app.post("/auth/challenge")
def answer_challenge() -> Response:
    request = parse_json_request(app.current_event, ChallengeAnswer)
    service = get_service()
    tokens = service.answer_challenge(request)
    metrics.add_metric(name="SignIns", unit=MetricUnit.Count, value=1)
    max_age = service.refresh_token_max_age() if wants_cookie(app.current_event) else None
    return token_response(tokens, cookie_max_age=max_age)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
