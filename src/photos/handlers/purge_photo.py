"""PurgePhotoFunction: the photos table's stream -> delete a removed photo's objects.

A ``REMOVE`` record (a user's ``DELETE /photos/{id}`` or a TTL expiry of an abandoned
upload) names the photo in its ``Keys``; every key it can own is deleted
(:meth:`photos.pipeline.PhotoPipeline.purge`, idempotent). Template: the event source
mapping filters ``eventName: REMOVE``, reports partial batch failures and, after its
retries, sends the batch's description to the dead-letter queue.

Powertools' ``BatchProcessor`` reports only the failed records
(``ReportBatchItemFailures``), so one failing record does not replay the batch.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from photos.config import load_config
from photos.pipeline import PhotoPipeline

logger, metrics = Logger(), Metrics()
config = load_config()
pipeline = PhotoPipeline.from_config(config)
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def purge_record(record: DynamoDBRecord) -> None:
    """Purge the photo a ``REMOVE`` record names; other records are no-ops."""
    if record.event_name != DynamoDBRecordEventName.REMOVE or record.dynamodb is None:
        return
    keys = record.dynamodb.raw_event["Keys"]
    pipeline.purge(keys["user_sub"]["S"], keys["photo_id"]["S"])
    expired = (record.user_identity or {}).get("principalId") == "dynamodb.amazonaws.com"
    metrics.add_metric(
        name="PhotosExpiredPurged" if expired else "PhotosPurged", unit=MetricUnit.Count, value=1
    )


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=purge_record, processor=processor, context=context
    )
