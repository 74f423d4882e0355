"""``POST /photos``: one image as ``multipart/form-data`` part ``file`` (DESIGN.md, contract v1)."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from photos import errors
from photos.claims import caller_sub
from photos.config import load_config
from photos.models import body_bytes, parse_upload_form
from photos.service import PhotoService
from shared.http import build_resolver, json_response

logger, metrics = Logger(), Metrics()
config = load_config()
service = PhotoService.from_config(config)
app = build_resolver(logger, metrics=metrics, failure_metric="UploadPhotoFailures")
errors.register(app)


@app.post("/photos")
def upload_photo() -> Response:
    event = app.current_event
    user_sub = caller_sub(event, config)
    form = parse_upload_form(
        body_bytes(event.body, event.is_base64_encoded), event.headers.get("Content-Type")
    )
    photo = service.upload_photo(user_sub, form)
    metrics.add_metric(name="PhotosUploaded", unit=MetricUnit.Count, value=1)
    return json_response(201, photo)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
