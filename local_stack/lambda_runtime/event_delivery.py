"""Event delivery for the local stack: S3 ``Object Created`` (through EventBridge rules)
and DynamoDB Stream records (including TTL deletions) reach the functions the template
wires, asynchronously, with Lambda's retry behaviour and a visible dead-letter queue.

Everything is read from the template, as routes are:

- ``AWS::S3::Bucket`` with ``NotificationConfiguration.EventBridgeConfiguration
  .EventBridgeEnabled`` sends an EventBridge ``Object Created`` event (the shape of
  "Amazon S3 Event Notifications -> Using EventBridge") for every new object version; it
  goes to every function whose ``EventBridgeRule`` event ``Pattern`` matches it (moto's
  own EventBridge pattern matcher). Such targets are invoked **asynchronously**: a failed
  invocation is retried ``EventInvokeConfig.MaximumRetryAttempts`` times (default 2), then
  recorded to its ``DestinationConfig.OnFailure`` as Lambda's invocation record (Lambda
  developer guide, "Asynchronous invocation" / "Destinations").
- A function's ``DynamoDB`` event is an event source mapping on the table's stream:
  records in order, ``BatchSize``, ``FilterCriteria`` (same pattern matcher),
  ``FunctionResponseTypes: [ReportBatchItemFailures]`` (retry from the first failed
  item), ``MaximumRetryAttempts`` (-1: until it succeeds), ``BisectBatchOnFunctionError``
  and ``DestinationConfig.OnFailure`` with Lambda's ``DDBStreamBatchInfo`` record
  (Lambda developer guide, "Using Lambda with DynamoDB").
- A table's ``TimeToLiveSpecification`` is honoured by a sweep (moto never expires
  items): items whose TTL attribute is in the past are deleted, and their stream records
  carry ``userIdentity {type: Service, principalId: dynamodb.amazonaws.com}`` as TTL
  deletions do on AWS ("Time to Live: DynamoDB Streams and TTL").

How it watches the emulator: S3 by listing object versions, streams through the
DynamoDB Streams API (GetRecords), both polled every :data:`POLL_S` seconds, as Lambda's
pollers do. Differences from AWS, on purpose: retry delays are seconds, not minutes
(:data:`ASYNC_RETRY_DELAYS_S`); the dead-letter queue is in memory and shown at
``GET /_local/dead-letters`` instead of an SQS queue; objects already in the bucket when
the stack starts (state kept across a restart) are announced again once.

HTTP (``/_local/`` on the API port): ``GET /_local/events`` (wiring and counters),
``GET /_local/dead-letters``, ``POST /_local/events/ttl-sweep[?now=<epoch s>]`` and
``POST /_local/events/settle[?timeout=<s>]`` (waits until nothing is queued or in flight).
"""

from __future__ import annotations

import heapq
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from moto.events.models import EventPattern

from local_stack.template import Template

log = logging.getLogger("local_stack")

POLL_S = 0.25
"""How often S3 buckets and streams are polled, seconds."""
ASYNC_RETRY_DELAYS_S = (1.0, 2.0)
"""Delays before the 1st and 2nd retry of an async invocation (AWS: about 1 and 2 min)."""
STREAM_RETRY_DELAY_S = (0.5, 5.0)
"""First and longest delay between retries of a failed stream batch, seconds."""
TTL_SWEEP_S = 60.0
"""How often expired items are deleted (DynamoDB's own sweep takes minutes to days)."""

Invoke = Callable[[str, Any], Any]


def _now_iso(moment: float | None = None) -> str:
    return datetime.fromtimestamp(moment or time.time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _failure_record(function_arn: str, condition: str, invokes: int, result: Any) -> dict[str, Any]:
    """The envelope Lambda sends to an on-failure destination, for an async invocation or a
    stream batch alike (Lambda developer guide, "Capturing records of Lambda asynchronous
    invocations" and "Retaining discarded batches for a DynamoDB event source"); callers
    add the source's own fields."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": result.request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invokes,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled" if result.error else None,
        },
    }


# ------------------------------------------------------------------ wiring from the template


@dataclass(frozen=True)
class AsyncTarget:
    """A function invoked asynchronously by an EventBridge rule."""

    function_id: str
    function_arn: str
    pattern: dict[str, Any]
    max_retries: int = 2
    on_failure: str | None = None


@dataclass(frozen=True)
class StreamMapping:
    """A DynamoDB event source mapping (one function, one table's stream)."""

    function_id: str
    function_arn: str
    table_name: str
    stream_arn: str
    starting_position: str = "TRIM_HORIZON"
    batch_size: int = 100
    max_retries: int = -1
    report_item_failures: bool = False
    bisect: bool = False
    filters: tuple[dict[str, Any], ...] = ()
    on_failure: str | None = None


@dataclass
class Wiring:
    """What the template asks to be delivered."""

    s3_buckets: list[str] = field(default_factory=list)
    async_targets: list[AsyncTarget] = field(default_factory=list)
    stream_mappings: list[StreamMapping] = field(default_factory=list)
    ttl_tables: dict[str, str] = field(default_factory=dict)  # table name -> attribute


def read_wiring(template: Template) -> Wiring:
    """The event wiring of a provisioned ``template`` (physical ids known).

    Event types other than ``Api``, ``EventBridgeRule`` and ``DynamoDB`` are reported
    once on the console and not delivered.
    """
    wiring = Wiring()
    resources = template.resources
    stream_tables: dict[str, str] = {}
    for logical_id, resource in resources.items():
        kind = resource.get("Type")
        props = template.resolve(resource.get("Properties") or {})
        if kind == "AWS::S3::Bucket":
            eventbridge = (props.get("NotificationConfiguration") or {}).get(
                "EventBridgeConfiguration"
            ) or {}
            if str(eventbridge.get("EventBridgeEnabled", "false")).lower() == "true":
                wiring.s3_buckets.append(str(template.ref(logical_id)))
        elif kind == "AWS::DynamoDB::Table":
            name = str(template.ref(logical_id))
            ttl = props.get("TimeToLiveSpecification") or {}
            if str(ttl.get("Enabled", "false")).lower() == "true":
                wiring.ttl_tables[name] = str(ttl["AttributeName"])
            stream_arn = template.attributes.get((logical_id, "StreamArn"))
            if stream_arn:
                stream_tables[stream_arn] = name
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties") or {}
        arn = template.get_att(logical_id, "Arn")
        invoke_config = template.resolve(props.get("EventInvokeConfig") or {})
        for name, event in (props.get("Events") or {}).items():
            kind = event.get("Type")
            eprops = template.resolve(event.get("Properties") or {})
            if kind == "Api":
                continue
            if kind == "EventBridgeRule":
                wiring.async_targets.append(
                    AsyncTarget(
                        function_id=logical_id,
                        function_arn=arn,
                        pattern=eprops.get("Pattern") or {},
                        max_retries=int(invoke_config.get("MaximumRetryAttempts", 2)),
                        on_failure=_on_failure(invoke_config),
                    )
                )
            elif kind == "DynamoDB":
                stream_arn = str(eprops.get("Stream"))
                if stream_arn not in stream_tables:
                    log.info(
                        "events: %s.%s: stream %s is not a provisioned table's; not delivered",
                        logical_id,
                        name,
                        stream_arn,
                    )
                    continue
                wiring.stream_mappings.append(
                    StreamMapping(
                        function_id=logical_id,
                        function_arn=arn,
                        table_name=stream_tables[stream_arn],
                        stream_arn=stream_arn,
                        starting_position=str(eprops.get("StartingPosition", "TRIM_HORIZON")),
                        batch_size=int(eprops.get("BatchSize", 100)),
                        max_retries=int(eprops.get("MaximumRetryAttempts", -1)),
                        report_item_failures="ReportBatchItemFailures"
                        in (eprops.get("FunctionResponseTypes") or []),
                        bisect=str(eprops.get("BisectBatchOnFunctionError", "false")).lower()
                        == "true",
                        filters=tuple(
                            json.loads(f["Pattern"])
                            if isinstance(f["Pattern"], str)
                            else f["Pattern"]
                            for f in ((eprops.get("FilterCriteria") or {}).get("Filters") or [])
                        ),
                        on_failure=_on_failure(eprops),
                    )
                )
            else:
                log.info(
                    "events: %s.%s: event type %s is not delivered locally", logical_id, name, kind
                )
    return wiring


def _log_invoke(function_id: str, what: str, result: Any) -> None:
    """One console line per event invocation, like the gateway's per request."""
    log.info(
        "%s %s %s %.0f ms%s",
        function_id,
        what,
        "error " + str(result.error.get("errorType")) if result.error else "ok",
        getattr(result, "duration_ms", 0.0),
        " (cold start)" if getattr(result, "cold_start", False) else "",
    )


def _on_failure(props: dict[str, Any]) -> str | None:
    destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    return str(destination) if destination else None


def _matches(patterns: tuple[dict[str, Any], ...] | list[dict[str, Any]], event: dict) -> bool:
    """Any of ``patterns`` matches (EventBridge / Lambda filtering syntax); none = all."""
    if not patterns:
        return True
    return any(EventPattern.load(json.dumps(p)).matches_event(event) for p in patterns)


# ------------------------------------------------------------------ delivery


class DeadLetters:
    """The on-failure destinations, in memory: destination ARN -> records (oldest first)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, list[dict[str, Any]]] = {}

    def send(self, destination: str | None, record: dict[str, Any]) -> None:
        if destination is None:
            log.info(
                "events: %s failed for good; no on-failure destination, dropped",
                record["requestContext"]["functionArn"].rsplit(":", 1)[-1],
            )
            return
        with self._lock:
            self._queues.setdefault(destination, []).append(record)
        log.info(
            "events: %s failed for good; recorded to %s",
            record["requestContext"]["functionArn"].rsplit(":", 1)[-1],
            destination.rsplit(":", 1)[-1],
        )

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {arn: list(records) for arn, records in self._queues.items()}


@dataclass(order=True)
class _Pending:
    due: float
    seq: int
    target: AsyncTarget = field(compare=False)
    event: dict[str, Any] = field(compare=False)
    attempt: int = field(compare=False, default=0)


class EventDelivery:
    """Watches the emulator and delivers the template's events to ``invoke``.

    Args:
        template: the provisioned template.
        invoke: ``Runtime.invoke`` (function logical id, event) -> ``InvokeResult``.
        emulator_url: the emulator's endpoint.
        ttl_sweep_s: seconds between TTL sweeps (0: only on request).
    """

    def __init__(
        self,
        template: Template,
        invoke: Invoke,
        emulator_url: str,
        ttl_sweep_s: float = TTL_SWEEP_S,
    ) -> None:
        self.template = template
        self.wiring = read_wiring(template)
        self.dead_letters = DeadLetters()
        self._invoke = invoke
        self._ttl_sweep_s = ttl_sweep_s
        session = boto3.session.Session(
            region_name=template.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2})
        self._s3 = session.client("s3", endpoint_url=emulator_url, config=config)
        self._dynamodb = session.client("dynamodb", endpoint_url=emulator_url, config=config)
        self._streams = session.client("dynamodbstreams", endpoint_url=emulator_url, config=config)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._seq = 0
        self._busy = 0  # invocations and polls in flight
        self._ttl_keys: set[tuple[str, str]] = set()  # (table, json of key) deleted by TTL
        self._polls = 0  # completed poll rounds with nothing new
        self.counters: dict[str, int] = {
            "delivered": 0,
            "failed_attempts": 0,
            "dead_lettered": 0,
            "ttl_deleted": 0,
        }

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> EventDelivery:
        wiring = self.wiring
        if wiring.s3_buckets and wiring.async_targets:
            # Objects already there (a restart with kept state) are announced once more:
            # one that landed while the stack stopped is then processed, and the pipeline
            # is idempotent for the others, as it must be for AWS's at-least-once delivery.
            seen: dict[str, set[tuple[str, str, str]]] = {b: set() for b in wiring.s3_buckets}
            self._spawn(self._watch_s3, seen)
            self._spawn(self._deliver_async)
        for mapping in wiring.stream_mappings:
            self._spawn(self._watch_stream, mapping)
        if wiring.ttl_tables and self._ttl_sweep_s > 0:
            self._spawn(self._sweep_on_timer)
        for target in wiring.async_targets:
            log.info(
                "events: S3 Object Created (EventBridge) -> %s (async, %d retries)",
                target.function_id,
                target.max_retries,
            )
        for mapping in wiring.stream_mappings:
            log.info(
                "events: %s stream -> %s (batch %d)",
                mapping.table_name,
                mapping.function_id,
                mapping.batch_size,
            )
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(
            target=self._guard, args=(target, *args), daemon=True, name=f"events-{target.__name__}"
        )
        self._threads.append(thread)
        thread.start()

    def _guard(self, target: Callable[..., None], *args: Any) -> None:
        while not self._stop.is_set():
            try:
                target(*args)
                return
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("events: %s failed; restarting it", target.__name__)
                self._stop.wait(1.0)

    # ---------------------------------------------------------------- S3 -> EventBridge

    def _watch_s3(self, seen: dict[str, set[tuple[str, str, str]]]) -> None:
        while not self._stop.wait(POLL_S):
            with self._cond:
                self._busy += 1
            try:
                new_events = 0
                for bucket in self.wiring.s3_buckets:
                    for page in self._s3.get_paginator("list_object_versions").paginate(
                        Bucket=bucket
                    ):
                        versions = sorted(page.get("Versions", []), key=lambda v: v["LastModified"])
                        for version in versions:
                            ident = (version["Key"], str(version.get("VersionId")), version["ETag"])
                            if ident in seen[bucket]:
                                continue
                            seen[bucket].add(ident)
                            new_events += 1
                            self._object_created(bucket, version)
            finally:
                with self._cond:
                    self._busy -= 1
                    if not new_events:
                        self._polls += 1
                    self._cond.notify_all()

    def _object_created(self, bucket: str, version: dict[str, Any]) -> None:
        t = self.template
        obj = {
            "key": version["Key"],
            "size": int(version.get("Size", 0)),
            "etag": str(version["ETag"]).strip('"'),
            "sequencer": f"{time.time_ns():018X}",
        }
        if version.get("VersionId") not in (None, "null"):
            obj["version-id"] = version["VersionId"]
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Object Created",
            "source": "aws.s3",
            "account": t.account_id,
            "time": _now_iso(version["LastModified"].timestamp()),
            "region": t.region,
            "resources": [f"arn:aws:s3:::{bucket}"],
            "detail": {
                "version": "0",
                "bucket": {"name": bucket},
                "object": obj,
                "request-id": uuid.uuid4().hex[:16].upper(),
                "requester": t.account_id,
                "source-ip-address": "127.0.0.1",
                "reason": "PutObject",
            },
        }
        for target in self.wiring.async_targets:
            if _matches([target.pattern], event):
                self._enqueue(target, event, delay=0.0, attempt=0)

    # ---------------------------------------------------------------- async invocation

    def _enqueue(
        self, target: AsyncTarget, event: dict[str, Any], delay: float, attempt: int
    ) -> None:
        with self._cond:
            self._seq += 1
            heapq.heappush(
                self._queue, _Pending(time.monotonic() + delay, self._seq, target, event, attempt)
            )
            self._cond.notify_all()

    def _deliver_async(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                while not self._stop.is_set() and (
                    not self._queue or self._queue[0].due > time.monotonic()
                ):
                    wait = self._queue[0].due - time.monotonic() if self._queue else None
                    self._cond.wait(timeout=wait)
                if self._stop.is_set():
                    return
                item = heapq.heappop(self._queue)
                self._busy += 1
            try:
                self._invoke_async(item)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _invoke_async(self, item: _Pending) -> None:
        target = item.target
        result = self._invoke(target.function_id, item.event)
        _log_invoke(target.function_id, "S3 Object Created", result)
        if result.error is None:
            self.counters["delivered"] += 1
            return
        self.counters["failed_attempts"] += 1
        log.info(
            "events: %s failed (%s), attempt %d of %d",
            target.function_id,
            result.error.get("errorType"),
            item.attempt + 1,
            target.max_retries + 1,
        )
        if item.attempt < target.max_retries:
            delay = ASYNC_RETRY_DELAYS_S[min(item.attempt, len(ASYNC_RETRY_DELAYS_S) - 1)]
            self._enqueue(target, item.event, delay, item.attempt + 1)
            return
        self.counters["dead_lettered"] += 1
        record = _failure_record(
            f"{target.function_arn}:$LATEST", "RetriesExhausted", item.attempt + 1, result
        )
        record["requestPayload"] = item.event
        record["responsePayload"] = result.error
        self.dead_letters.send(target.on_failure, record)

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
                backlog = [r for r in backlog if _matches(mapping.filters, r)]
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
            _log_invoke(mapping.function_id, f"{len(batch)} stream record(s)", result)
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
        record = _failure_record(mapping.function_arn, "RetryAttemptsExhausted", invokes, result)
        record["DDBStreamBatchInfo"] = {
            "shardId": "shardId-local",
            "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _now_iso(
                batch[0]["dynamodb"].get("ApproximateCreationDateTime")
            ),
            "approximateArrivalOfLastRecord": _now_iso(
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

    # ---------------------------------------------------------------- settling

    def settle(self, timeout_s: float = 30.0) -> bool:
        """Wait until nothing is queued or in flight and every poller has come back
        empty twice since the call. Returns False on timeout."""
        deadline = time.monotonic() + timeout_s
        pollers = len(self.wiring.stream_mappings) + (
            1 if self.wiring.s3_buckets and self.wiring.async_targets else 0
        )
        with self._cond:
            quiet_since = self._polls
            while time.monotonic() < deadline:
                if self._queue or self._busy:
                    quiet_since = self._polls
                elif self._polls - quiet_since >= 2 * pollers:
                    return True
                self._cond.wait(timeout=min(0.5, max(0.0, deadline - time.monotonic())))
        return False

    def status(self) -> dict[str, Any]:
        """Wiring and counters, for ``GET /_local/events``."""
        return {
            "s3_buckets": self.wiring.s3_buckets,
            "async_targets": [
                {
                    "function": t.function_id,
                    "max_retries": t.max_retries,
                    "on_failure": t.on_failure,
                }
                for t in self.wiring.async_targets
            ],
            "stream_mappings": [
                {
                    "function": m.function_id,
                    "table": m.table_name,
                    "batch_size": m.batch_size,
                    "max_retries": m.max_retries,
                    "on_failure": m.on_failure,
                }
                for m in self.wiring.stream_mappings
            ],
            "ttl_tables": self.wiring.ttl_tables,
            "queued": len(self._queue),
            "counters": dict(self.counters),
        }

    # ---------------------------------------------------------------- HTTP

    def handle(self, method: str, path: str, args: dict[str, str]) -> tuple[int, dict] | None:
        """The ``/_local/`` endpoints of this module; ``None`` for other paths."""
        if method == "GET" and path == "/_local/events":
            return 200, self.status()
        if method == "GET" and path == "/_local/dead-letters":
            return 200, {"queues": self.dead_letters.snapshot()}
        try:
            if method == "POST" and path == "/_local/events/ttl-sweep":
                now = float(args["now"]) if args.get("now") else None
                return 200, {"deleted": self.sweep_ttl(now)}
            if method == "POST" and path == "/_local/events/settle":
                timeout = min(float(args.get("timeout") or 30), 120.0)
                return 200, {"settled": self.settle(timeout)}
        except ValueError:
            return 400, {
                "error": "invalid_request",
                "error_description": "now and timeout are numbers of seconds.",
            }
        return None
