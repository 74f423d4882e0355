"""ProcessPhotoFunction: S3 ``Object Created`` (through EventBridge) -> renditions and
``ready``, or ``rejected`` (docs/photos.md, "The pipeline").

Invoked asynchronously by an EventBridge rule on the photos bucket's events
(template.yaml). A raised error makes Lambda retry the event (async invocation: two
retries), then send it to the dead-letter queue; :class:`photos.pipeline.PhotoPipeline`
makes every retry harmless.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import (
    S3EventBridgeNotificationEvent,
    event_source,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from photos.config import load_config
from photos.pipeline import PhotoPipeline

logger, metrics = Logger(), Metrics()
config = load_config()
pipeline = PhotoPipeline.from_config(config)

_METRICS = {"ready": "PhotosProcessed", "rejected": "PhotosRejected"}


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics(capture_cold_start_metric=True)
@event_source(data_class=S3EventBridgeNotificationEvent)
def lambda_handler(event: S3EventBridgeNotificationEvent, context: LambdaContext) -> dict[str, Any]:
    detail = event.detail
    if detail.bucket.name != config.bucket_name:
        logger.warning("event for another bucket ignored")
        metrics.add_metric(name="PhotoEventsSkipped", unit=MetricUnit.Count, value=1)
        return {"outcome": "ignored"}
    outcome = pipeline.process_object(
        detail.object.key, detail.object.version_id, int(detail.object.size or 0)
    )
    metrics.add_metric(
        name=_METRICS.get(outcome, "PhotoEventsSkipped"), unit=MetricUnit.Count, value=1
    )
    return {"outcome": outcome}
