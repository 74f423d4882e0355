"""DynamoDB Stream delivery and the TTL sweep, as a part of :class:`~local_stack.lambda_runtime.event_delivery.EventDelivery`.

A function's ``DynamoDB`` event is an event source mapping on the table's stream: records
in order, ``BatchSize``, ``FilterCriteria``, ``ReportBatchItemFailures``, retries, bisection
and an on-failure destination (Lambda developer guide, "Using Lambda with DynamoDB"). A
table's ``TimeToLiveSpecification`` is honoured by a sweep that deletes expired items, whose
stream records look like DynamoDB's TTL deletions.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any

from local_stack.lambda_runtime.delivery_records import (
    POLL_S,
    STREAM_RETRY_DELAY_S,
    failure_record,
    log_invoke,
    now_iso,
)
from local_stack.lambda_runtime.wiring import StreamMapping, matches_pattern

log = logging.getLogger("local_stack")


class StreamDelivery:
    """The DynamoDB Streams and TTL part of :class:`EventDelivery` (a mixin: it uses the
    state ``EventDelivery.__init__`` sets up: the boto3 clients ``_dynamodb`` and
    ``_streams``, ``template``, ``wiring``, ``dead_letters``, ``counters``, ``_invoke``, ``_stop``,
    ``_cond``, ``_busy``, ``_polls`` and ``_ttl_keys``)."""

    _ttl_sweep_s: float

    # ---------------------------------------------------------------- DynamoDB Streams

    def _watch_stream(self, mapping: StreamMapping) -> None:
        shards = self._streams.describe_stream(StreamArn=mapping.stream_arn)["StreamDescription"][
            "Shards"
        ]
        iterators = {
            shard["ShardId"]: self._streams.get_shard_iterator(
                StreamArn=mapping.stream_arn,
                ShardId=shard["ShardId"],
                ShardIteratorType="LATEST"
                if mapping.starting_position == "LATEST"
                else "TRIM_HORIZON",
            )["ShardIterator"]
            for shard in shards
        }
        backlog: list[dict[str, Any]] = []
        while not self._stop.is_set():
            with self._cond:
                self._busy += 1
            try:
                for shard_id, iterator in list(iterators.items()):
                    response = self._streams.get_records(ShardIterator=iterator)
                    iterators[shard_id] = response.get("NextShardIterator") or iterator
                    backlog.extend(self._lambda_record(mapping, r) for r in response["Records"])
                backlog = [r for r in backlog if matches_pattern(mapping.filters, r)]
                idle = not backlog
                while backlog and not self._stop.is_set():
                    batch = backlog[: mapping.batch_size]
                    self._deliver_batch(mapping, batch)
                    backlog = backlog[len(batch) :]
            finally:
                with self._cond:
                    self._busy -= 1
                    if idle:
                        self._polls += 1
                    self._cond.notify_all()
            self._stop.wait(POLL_S)

    def _lambda_record(self, mapping: StreamMapping, record: dict[str, Any]) -> dict[str, Any]:
        """A GetRecords record in the shape Lambda's event source mapping delivers."""
        data = dict(record["dynamodb"])
        created = data.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            data["ApproximateCreationDateTime"] = int(created.timestamp())
        out = {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": record.get("awsRegion", self.template.region),
            "dynamodb": data,
            "eventSourceARN": mapping.stream_arn,
        }
        key = (mapping.table_name, json.dumps(data.get("Keys"), sort_keys=True))
        if record["eventName"] == "REMOVE" and key in self._ttl_keys:
            out["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
        return out

    def _deliver_batch(self, mapping: StreamMapping, batch: list[dict[str, Any]]) -> None:
        """Invoke with ``batch`` until it succeeds or its retries run out (in order)."""
        attempt = 0
        while batch and not self._stop.is_set():
            result = self._invoke(mapping.function_id, {"Records": batch})
            log_invoke(mapping.function_id, f"{len(batch)} stream record(s)", result)
            failed_from: int | None = None
            if result.error is not None:
                failed_from = 0
            elif mapping.report_item_failures and isinstance(result.payload, dict):
                failures = result.payload.get("batchItemFailures") or []
                ids = [str(f.get("itemIdentifier")) for f in failures]
                sequence = [r["dynamodb"]["SequenceNumber"] for r in batch]
                positions = [sequence.index(i) for i in ids if i in sequence]
                failed_from = min(positions) if positions else (0 if ids else None)
            if failed_from is None:
                self.counters["delivered"] += 1
                return
            self.counters["failed_attempts"] += 1
            batch = batch[failed_from:]
            if mapping.max_retries >= 0 and attempt >= mapping.max_retries:
                self._stream_dead_letter(mapping, batch, attempt + 1, result)
                return
            if mapping.bisect and result.error is not None and len(batch) > 1:
                half = len(batch) // 2
                self._deliver_batch(mapping, batch[:half])
                batch = batch[half:]
            attempt += 1
            first, longest = STREAM_RETRY_DELAY_S
            self._stop.wait(min(longest, first * 2 ** (attempt - 1)))

    def _stream_dead_letter(
        self, mapping: StreamMapping, batch: list[dict[str, Any]], invokes: int, result: Any
    ) -> None:
        self.counters["dead_lettered"] += 1
        record = failure_record(mapping.function_arn, "RetryAttemptsExhausted", invokes, result)
        record["DDBStreamBatchInfo"] = {
            "shardId": "shardId-local",
            "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": now_iso(
                batch[0]["dynamodb"].get("ApproximateCreationDateTime")
            ),
            "approximateArrivalOfLastRecord": now_iso(
                batch[-1]["dynamodb"].get("ApproximateCreationDateTime")
            ),
            "batchSize": len(batch),
            "streamArn": mapping.stream_arn,
        }
        self.dead_letters.send(mapping.on_failure, record)

    # ---------------------------------------------------------------- TTL

    def _sweep_on_timer(self) -> None:
        while not self._stop.wait(self._ttl_sweep_s):
            self.sweep_ttl()

    def sweep_ttl(self, now: float | None = None) -> int:
        """Delete every item whose TTL attribute (epoch seconds) is before ``now``
        (default: the current time). Returns how many were deleted."""
        moment = int(time.time() if now is None else now)
        deleted = 0
        for table, attribute in self.wiring.ttl_tables.items():
            describe = self._dynamodb.describe_table(TableName=table)["Table"]
            key_names = [k["AttributeName"] for k in describe["KeySchema"]]
            pages = self._dynamodb.get_paginator("scan").paginate(
                TableName=table,
                FilterExpression="#ttl < :now",
                ExpressionAttributeNames={"#ttl": attribute},
                ExpressionAttributeValues={":now": {"N": str(moment)}},
            )
            for page in pages:
                for item in page.get("Items", []):
                    key = {name: item[name] for name in key_names}
                    self._ttl_keys.add((table, json.dumps(key, sort_keys=True)))
                    try:
                        self._dynamodb.delete_item(
                            TableName=table,
                            Key=key,
                            ConditionExpression="#ttl < :now",
                            ExpressionAttributeNames={"#ttl": attribute},
                            ExpressionAttributeValues={":now": {"N": str(moment)}},
                        )
                        deleted += 1
                    except self._dynamodb.exceptions.ConditionalCheckFailedException:
                        pass  # changed meanwhile (e.g. became ready): not expired any more
        if deleted:
            self.counters["ttl_deleted"] += deleted
            log.info("events: TTL sweep deleted %d expired item(s)", deleted)
        return deleted
