"""Warm-request benchmark: what the sign-out check adds to a photo request (issue 9).

Every photo request reads the caller's sign-out record (``photos.claims``, one strongly
consistent ``GetItem`` on ``RevocationsTable``; ``shared.revocation``). This measures a
warm ``GET /photos`` (the ListPhotosFunction handler, its template environment, an API
Gateway event with authorizer claims) with and without that check, in the same process
and the same run, interleaved request by request so that machine noise hits both sides
alike. "Without" is the same warm handler with ``REVOCATIONS_TABLE_NAME`` unset in its
config (the check is skipped); nothing else differs.

DynamoDB is moto's server on a free local port, reached over HTTP by the handler's own
boto3 client (``AWS_ENDPOINT_URL``), so each read pays a real HTTP round trip and botocore's
serialisation, signing and parsing. On AWS the read is a DynamoDB round trip inside the
region (single-digit milliseconds); the *ratio* to the request's own Query is what carries
over, not the milliseconds.

Each user has a sign-out record (another session's family and an old ``not_before``), so
the read returns an item, the check's worst case.

Usage: ``make bench`` or ``python bench/revocation_check.py [--requests 400]``.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="warm requests per side")
    args = parser.parse_args()

    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto server's request lines

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    module, event = _set_up(f"http://{host}:{port}")
    timings = _measure(module, event, args.requests)
    server.stop()
    _report(timings, args.requests)
    return 0


def _set_up(endpoint: str) -> tuple[Any, dict[str, Any]]:
    """Tables, bucket and a sign-out record on moto at ``endpoint``; the ListPhotosFunction
    handler module (imported with its template environment) and its API Gateway event."""
    from local_stack.template import Template

    template = Template.load(ROOT / "template.yaml")
    template.physical_ids.update(
        {
            "PhotosTable": "bench-photos",
            "RevocationsTable": "bench-revocations",
            "PhotosBucket": "bench-photos-bucket",
            "UserPoolClient": "6example1client2id3abcdefg",  # events/*.json's client_id
            "UserPool": "us-east-1_EXAMPLE11",
        }
    )
    env = dict(template.functions()["ListPhotosFunction"].environment)
    os.environ.update(
        {
            **env,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "POWERTOOLS_METRICS_NAMESPACE": "Moments",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    import boto3

    dynamodb = boto3.client("dynamodb")
    resources = template.raw["Resources"]
    for logical_id in ("PhotosTable", "RevocationsTable"):
        props = resources[logical_id]["Properties"]
        dynamodb.create_table(
            TableName=template.physical_ids[logical_id],
            AttributeDefinitions=props["AttributeDefinitions"],
            KeySchema=props["KeySchema"],
            BillingMode="PAY_PER_REQUEST",
        )
    boto3.client("s3").create_bucket(Bucket="bench-photos-bucket")

    from shared import revocation

    event = json.loads((ROOT / "events" / "list_photos.json").read_text())
    sub = event["requestContext"]["authorizer"]["claims"]["sub"]
    revocation.record_sign_out(
        dynamodb,
        "bench-revocations",
        user_sub=sub,
        now=1,
        ttl_seconds=900,
        origin_jti="another-session",
        everywhere=True,
    )
    return importlib.import_module("photos.handlers.list_photos"), event


def _measure(module: Any, event: dict[str, Any], requests: int) -> dict[str, list[float]]:
    """Milliseconds per warm request, ``{"with": [...], "without": [...]}``: ``requests``
    per side, interleaved (the order alternates), after 20 warm-up requests per side."""
    import contextlib
    import io

    with_check = module.app.config  # PhotoApp builds the config once (photos.api)
    without_check = with_check.model_copy(update={"revocations_table_name": None})

    class Context:
        function_name = "ListPhotosFunction"
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
        aws_request_id = "bench"

    def one(config: object) -> float:
        module.app.config = config
        request = copy.deepcopy(event)
        with contextlib.redirect_stdout(io.StringIO()):  # the handler's EMF metric lines
            started = time.perf_counter()
            response = module.lambda_handler(request, Context())
            elapsed = time.perf_counter() - started
        assert response["statusCode"] == 200, response
        return elapsed * 1000

    for _ in range(20):  # warm both paths (clients, models, connections)
        one(with_check)
        one(without_check)
    timings: dict[str, list[float]] = {"with": [], "without": []}
    for i in range(requests):
        order = ("with", "without") if i % 2 == 0 else ("without", "with")
        for side in order:
            timings[side].append(one(with_check if side == "with" else without_check))
    return timings


def _report(timings: dict[str, list[float]], requests: int) -> None:
    """Print the median and p95 per side and what the check adds."""
    med = {side: statistics.median(v) for side, v in timings.items()}
    p95 = {side: _percentile(v, 0.95) for side, v in timings.items()}
    print(f"warm GET /photos, {requests} requests per side, interleaved, same process")
    print(f"{'':28}{'median ms':>10}{'p95 ms':>10}")
    print(f"{'without the sign-out check':28}{med['without']:10.2f}{p95['without']:10.2f}")
    print(f"{'with the sign-out check':28}{med['with']:10.2f}{p95['with']:10.2f}")
    print(
        f"{'added':28}{med['with'] - med['without']:10.2f}{p95['with'] - p95['without']:10.2f}"
        f"   ({med['with'] / med['without']:.2f}x the median)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
