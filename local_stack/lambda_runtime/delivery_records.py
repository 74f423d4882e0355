"""What the parts of event delivery share: the polling and retry timings, Lambda's failure records and the on-failure destinations
that keep them in memory (``GET /_local/dead-letters``), and one console line per
invocation."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("local_stack")

POLL_S = 0.25
"""How often S3 buckets and streams are polled, seconds."""
ASYNC_RETRY_DELAYS_S = (1.0, 2.0)
"""Delays before the 1st and 2nd retry of an async invocation (AWS: about 1 and 2 min)."""
STREAM_RETRY_DELAY_S = (0.5, 5.0)
"""First and longest delay between retries of a failed stream batch, seconds."""
TTL_SWEEP_S = 60.0
"""How often expired items are deleted (DynamoDB's own sweep takes minutes to days)."""


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


def now_iso(moment: float | None = None) -> str:
    return datetime.fromtimestamp(moment or time.time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def failure_record(function_arn: str, condition: str, invokes: int, result: Any) -> dict[str, Any]:
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


def log_invoke(function_id: str, what: str, result: Any) -> None:
    """One console line per event invocation, like the gateway's per request."""
    log.info(
        "%s %s %s %.0f ms%s",
        function_id,
        what,
        "error " + str(result.error.get("errorType")) if result.error else "ok",
        getattr(result, "duration_ms", 0.0),
        " (cold start)" if getattr(result, "cold_start", False) else "",
    )
