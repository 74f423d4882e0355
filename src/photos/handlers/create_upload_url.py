"""``POST /photos/upload-url``: a presigned S3 POST for a large photo (DESIGN.md, contract v1)."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from photos import errors
from photos.claims import caller_sub
from photos.config import load_config
from photos.models import UploadUrlRequest
from photos.service import PhotoService
from shared.http import build_resolver, json_response, parse_json_request

logger, metrics = Logger(), Metrics()
config = load_config()
service = PhotoService.from_config(config)
app = build_resolver(logger, metrics=metrics, failure_metric="CreateUploadUrlFailures")
errors.register(app)


@app.post("/photos/upload-url")
def create_upload_url() -> Response:
    user_sub = caller_sub(app.current_event, config)
    request = parse_json_request(app.current_event, UploadUrlRequest)
    upload = service.create_upload_url(user_sub, request)
    metrics.add_metric(name="UploadUrlsCreated", unit=MetricUnit.Count, value=1)
    return json_response(201, upload)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
