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
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from local_stack.lambda_runtime.delivery_records import (
    ASYNC_RETRY_DELAYS_S,
    POLL_S,
    TTL_SWEEP_S,
    DeadLetters,
    failure_record,
    log_invoke,
    now_iso,
)
from local_stack.lambda_runtime.stream_delivery import StreamDelivery
from local_stack.lambda_runtime.wiring import AsyncTarget, matches_pattern, read_wiring
from local_stack.template import Template

log = logging.getLogger("local_stack")

Invoke = Callable[[str, Any], Any]


@dataclass(order=True)
class _Pending:
    due: float
    seq: int
    target: AsyncTarget = field(compare=False)
    event: dict[str, Any] = field(compare=False)
    attempt: int = field(compare=False, default=0)


class EventDelivery(StreamDelivery):
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
            "time": now_iso(version["LastModified"].timestamp()),
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
            if matches_pattern([target.pattern], event):
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
        log_invoke(target.function_id, "S3 Object Created", result)
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
        record = failure_record(
            f"{target.function_arn}:$LATEST", "RetriesExhausted", item.attempt + 1, result
        )
        record["requestPayload"] = item.event
        record["responsePayload"] = result.error
        self.dead_letters.send(target.on_failure, record)

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
