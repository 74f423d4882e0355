"""Event delivery (local_stack.lambda_runtime.event_delivery): S3 Object Created through the template's
EventBridge rule, stream records to the template's mapping, TTL sweeps, Lambda's retries
and the dead-letter queue. template.yaml is provisioned into moto by the stack's own code;
the functions are replaced by a recording fake, so each test sees exactly what Lambda
would be invoked with."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local_stack.aws.provisioning import provision
from local_stack.lambda_runtime import event_delivery, stream_delivery
from local_stack.lambda_runtime.event_delivery import EventDelivery, read_wiring
from local_stack.template import Template

ROOT = Path(__file__).resolve().parents[3]
SUB, PHOTO_ID = "8f2e4d6a-1c3b-4e5f-9a7b-0c1d2e3f4a5b", "01KAJ6B3M0Z8Q4W5R7T9V2X3Y4"


@dataclass
class Result:
    payload: Any = None
    error: dict | None = None
    request_id: str = "req-1"


class FakeFunctions:
    """Stands in for Runtime.invoke: records calls, answers from ``answers[function]``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.answers: dict[str, list[Result]] = {}
        self.decide: Callable[[str, Any], Result] | None = None
        self.lock = threading.Lock()

    def __call__(self, function_id: str, event: Any) -> Result:
        with self.lock:
            self.calls.append((function_id, event))
            if self.decide is not None:
                return self.decide(function_id, event)
            queue = self.answers.get(function_id) or []
            return queue.pop(0) if queue else Result(payload={"batchItemFailures": []})

    def of(self, function_id: str) -> list[Any]:
        return [event for fid, event in self.calls if fid == function_id]


@pytest.fixture
def template() -> Iterator[Template]:
    with mock_aws():
        template = Template.load(ROOT / "template.yaml")
        provision(template)
        yield template


@pytest.fixture
def functions() -> FakeFunctions:
    return FakeFunctions()


@pytest.fixture
def delivery(template, functions, monkeypatch) -> Iterator[EventDelivery]:
    monkeypatch.setattr(event_delivery, "ASYNC_RETRY_DELAYS_S", (0.05, 0.1))
    monkeypatch.setattr(stream_delivery, "STREAM_RETRY_DELAY_S", (0.05, 0.1))
    delivery = EventDelivery(template, functions, emulator_url=None, ttl_sweep_s=0).start()
    yield delivery
    delivery.stop()


def names(template: Template) -> tuple[str, str]:
    return template.physical_ids["PhotosBucket"], template.physical_ids["PhotosTable"]


def item(expires_at: int | None = None) -> dict:
    row = {"user_sub": {"S": SUB}, "photo_id": {"S": PHOTO_ID}, "status": {"S": "pending"}}
    if expires_at is not None:
        row["expires_at"] = {"N": str(expires_at)}
    return row


# ------------------------------------------------------------------ wiring
def test_the_wiring_is_read_from_template_yaml(template):
    wiring = read_wiring(template)

    bucket, table = names(template)
    assert wiring.s3_buckets == [bucket]
    [target] = wiring.async_targets
    assert (target.function_id, target.max_retries) == ("ProcessPhotoFunction", 2)
    assert target.on_failure and "PhotoEventsDeadLetterQueue" in target.on_failure
    [mapping] = wiring.stream_mappings
    assert (mapping.function_id, mapping.table_name) == ("PurgePhotoFunction", table)
    assert (mapping.batch_size, mapping.max_retries) == (25, 10)
    assert mapping.report_item_failures and mapping.bisect
    assert mapping.filters == ({"eventName": ["REMOVE"]},)
    assert wiring.ttl_tables[table] == "expires_at"  # (and every other table with TTL)


# ------------------------------------------------------------------ S3 -> EventBridge -> async
def test_a_new_object_invokes_the_rule_target_with_the_eventbridge_shape(
    template, delivery, functions
):
    bucket, _ = names(template)
    s3 = boto3.client("s3", region_name="us-east-1")

    # When an original and a rendition land in the bucket
    put = s3.put_object(Bucket=bucket, Key=f"{SUB}/{PHOTO_ID}", Body=b"x" * 70)
    s3.put_object(Bucket=bucket, Key=f"renditions/{SUB}/{PHOTO_ID}/thumbnail.jpg", Body=b"y")
    assert delivery.settle(10)

    # Then only the original reaches ProcessPhotoFunction, as EventBridge sends it
    [event] = functions.of("ProcessPhotoFunction")
    assert (event["source"], event["detail-type"]) == ("aws.s3", "Object Created")
    assert event["resources"] == [f"arn:aws:s3:::{bucket}"]
    assert event["detail"]["bucket"] == {"name": bucket}
    obj = event["detail"]["object"]
    assert (obj["key"], obj["size"], obj["version-id"]) == (
        f"{SUB}/{PHOTO_ID}",
        70,
        put["VersionId"],
    )


def test_a_failing_async_invocation_is_retried_twice_then_dead_lettered(
    template, delivery, functions
):
    # Given ProcessPhotoFunction fails every time
    crash = Result(error={"errorType": "Runtime.ExitError", "errorMessage": "killed"})
    functions.answers["ProcessPhotoFunction"] = [crash, crash, crash]
    bucket, _ = names(template)

    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=bucket, Key=f"{SUB}/{PHOTO_ID}", Body=b"x"
    )
    assert delivery.settle(10)

    # Then it ran three times (1 + MaximumRetryAttempts 2) and the DLQ has Lambda's record
    assert len(functions.of("ProcessPhotoFunction")) == 3
    [(destination, [record])] = delivery.dead_letters.snapshot().items()
    assert "PhotoEventsDeadLetterQueue" in destination
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"]["detail"]["object"]["key"] == f"{SUB}/{PHOTO_ID}"
    assert record["responsePayload"]["errorType"] == "Runtime.ExitError"


def test_a_retry_that_succeeds_leaves_nothing_dead_lettered(template, delivery, functions):
    functions.answers["ProcessPhotoFunction"] = [Result(error={"errorType": "Boom"})]
    bucket, _ = names(template)

    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=bucket, Key=f"{SUB}/{PHOTO_ID}", Body=b"x"
    )
    assert delivery.settle(10)

    assert len(functions.of("ProcessPhotoFunction")) == 2
    assert delivery.dead_letters.snapshot() == {}


# ------------------------------------------------------------------ streams
def test_only_remove_records_reach_the_purge_in_lambdas_shape(template, delivery, functions):
    _, table = names(template)
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")

    # When a row is written, updated and deleted
    dynamodb.put_item(TableName=table, Item=item())
    dynamodb.update_item(
        TableName=table,
        Key={"user_sub": {"S": SUB}, "photo_id": {"S": PHOTO_ID}},
        UpdateExpression="SET #s = :r",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":r": {"S": "ready"}},
    )
    dynamodb.delete_item(TableName=table, Key={"user_sub": {"S": SUB}, "photo_id": {"S": PHOTO_ID}})
    assert delivery.settle(10)

    # Then the filter lets only the REMOVE through, shaped as Lambda delivers it
    [batch] = functions.of("PurgePhotoFunction")
    [record] = batch["Records"]
    assert (record["eventName"], record["eventSource"]) == ("REMOVE", "aws:dynamodb")
    assert record["dynamodb"]["Keys"] == {"user_sub": {"S": SUB}, "photo_id": {"S": PHOTO_ID}}
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
    assert record["eventSourceARN"] == template.attributes[("PhotosTable", "StreamArn")]
    assert "userIdentity" not in record  # a user's delete, not TTL


def test_a_reported_item_failure_is_redelivered_from_that_item(template, delivery, functions):
    _, table = names(template)
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    ids = [f"01KAJ6B3M0Z8Q4W5R7T9V2X3Y{c}" for c in "456"]
    for photo_id in ids:
        dynamodb.put_item(TableName=table, Item={**item(), "photo_id": {"S": photo_id}})
    # Given the purge reports the second record of its first batch as failed
    calls_before = len(functions.of("PurgePhotoFunction"))

    def fail_second(function_id: str, event: Any) -> Result:
        records = event["Records"]
        if len(records) == 3:
            return Result(
                payload={
                    "batchItemFailures": [
                        {"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}
                    ]
                }
            )
        return Result(payload={"batchItemFailures": []})

    functions.decide = fail_second
    for photo_id in ids:
        dynamodb.delete_item(
            TableName=table, Key={"user_sub": {"S": SUB}, "photo_id": {"S": photo_id}}
        )
    assert delivery.settle(10)

    # Then the retry starts at the failed record and includes the ones after it
    batches = [
        [r["dynamodb"]["Keys"]["photo_id"]["S"] for r in b["Records"]]
        for b in functions.of("PurgePhotoFunction")[calls_before:]
    ]
    assert batches == [ids, ids[1:]]


# ------------------------------------------------------------------ TTL
def test_the_ttl_sweep_deletes_expired_rows_as_the_dynamodb_service(template, delivery, functions):
    _, table = names(template)
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    now = int(time.time())
    dynamodb.put_item(TableName=table, Item=item(expires_at=now - 1))
    dynamodb.put_item(
        TableName=table,
        Item={**item(expires_at=now + 3600), "photo_id": {"S": "01KAJ6B3M0Z8Q4W5R7T9V2X3Y9"}},
    )

    # When the sweep runs now, then 2 hours later
    assert delivery.sweep_ttl(now) == 1
    assert delivery.sweep_ttl(now + 7200) == 1
    assert delivery.settle(10)

    # Then both expired rows were removed, and their records say DynamoDB deleted them
    records = [r for b in functions.of("PurgePhotoFunction") for r in b["Records"]]
    assert len(records) == 2
    assert all(
        r["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
        for r in records
    )
    assert dynamodb.scan(TableName=table)["Count"] == 0
