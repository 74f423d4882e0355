"""``GET /photos/{photo_id}``: one of the caller's photos (DESIGN.md, contract v1)."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from photos import errors
from photos.claims import caller_sub
from photos.config import load_config
from photos.service import PhotoService
from shared.http import build_resolver, json_response

logger, metrics = Logger(), Metrics()
config = load_config()
service = PhotoService.from_config(config)
app = build_resolver(logger, metrics=metrics, failure_metric="GetPhotoFailures")
errors.register(app)


@app.get("/photos/<photo_id>")
def get_photo(photo_id: str) -> Response:
    user_sub = caller_sub(app.current_event, config)
    photo = service.get_photo(user_sub, photo_id)
    metrics.add_metric(name="PhotosRead", unit=MetricUnit.Count, value=1)
    return json_response(200, photo)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
