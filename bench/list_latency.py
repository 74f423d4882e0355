"""List-latency benchmark: a page of one user's photos, at 100 and at 100k items in the table.

Issue 10: on DynamoDB a Query costs what the partition it names holds, not what the table
holds; moto 5.2.5's Query walked and sorted the whole table (ratio 68.6 at 100k/100 items).
This runs the local stack's emulator (moto on a free port, in this process, with the
stack's patches) provisioned from template.yaml, and times, over HTTP with boto3, the
Query ``ListPhotosFunction`` makes: ``user_sub = :me``, newest first, ``Limit=20``.

The queried user always has 20 photos; other users' items fill the table up to each size
(written straight into moto's backend: 100k ``PutItem`` calls over HTTP would take
minutes and measure nothing of interest). It reports the median of ``--runs`` Queries at
each size and the ratio 100k/100, for the patched emulator and, as the baseline measured
in the same run, for moto's own Query (``--no-baseline`` skips it; it is slow by design).

Target (issue 10): ratio <= 1.5 with the patch.

Usage: ``make bench`` or ``python bench/list_latency.py [--runs 30] [--large 100000]``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from local_stack.aws import dynamodb_query
from local_stack.aws.moto_server import Emulator, listen
from local_stack.aws.provisioning import provision
from local_stack.stack import local_parameter_overrides
from local_stack.template import Template

PAGE = 20


def fill(table_name: str, region: str, account: str, total: int) -> None:
    """Fill the table up to ``total`` items with other users' photos (20 per user)."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[account][region]
    table = backend.get_table(table_name)
    have = sum(len(p) for p in table.items.values())
    for n in range(have, total):
        backend.put_item(
            table_name,
            {
                "user_sub": {"S": f"user-{n // PAGE:07d}"},
                "photo_id": {"S": f"01J{n:023d}"},
                "filename": {"S": "cat.png"},
                "status": {"S": "ready"},
                "size_bytes": {"N": "12345"},
                "content_type": {"S": "image/png"},
            },
        )


def median_ms(client, table_name: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        page = client.query(
            TableName=table_name,
            KeyConditionExpression="user_sub = :me",
            ExpressionAttributeValues={":me": {"S": "me"}},
            ScanIndexForward=False,
            Limit=PAGE,
        )
        samples.append((time.perf_counter() - started) * 1000)
        assert page["Count"] == PAGE
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    from moto.dynamodb.models.table import Table

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access line per Query
    moto_query = Table.query
    sock = listen("127.0.0.1", 0, "emulator")
    server = Emulator(sock)
    server.start()
    try:
        template = Template.load(
            ROOT / "template.yaml", local_parameter_overrides("127.0.0.1", 3000)
        )
        provision(template, server.url)
        table_name = template.physical_ids["PhotosTable"]
        client = boto3.client(
            "dynamodb",
            endpoint_url=server.url,
            region_name=template.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}),
        )
        for n in range(PAGE):
            client.put_item(
                TableName=table_name,
                Item={"user_sub": {"S": "me"}, "photo_id": {"S": f"01K{n:023d}"}},
            )
        results: dict[tuple[str, int], float] = {}
        for size in (args.small, args.large):
            fill(table_name, template.region, template.account_id, size)
            variants = [("local stack", True)] + (
                [] if args.no_baseline else [("moto alone", False)]
            )
            for name, patched in variants:
                Table.query = moto_query
                if patched:
                    dynamodb_query.install_partition_query()
                runs = args.runs if patched else max(3, args.runs // 5)
                median_ms(client, table_name, 2)  # warm up
                results[(name, size)] = median_ms(client, table_name, runs)
        Table.query = moto_query
        dynamodb_query.install_partition_query()
    finally:
        server.stop()

    print(f"Query, {PAGE} newest photos of one user (median ms; table sizes in items)")
    print(f"{'':14}{args.small:>10}{args.large:>10}{'ratio':>8}")
    for name in ("local stack", "moto alone"):
        if (name, args.small) not in results:
            continue
        small, large = results[(name, args.small)], results[(name, args.large)]
        print(f"{name:14}{small:>10.2f}{large:>10.2f}{large / small:>8.2f}")
    ratio = results[("local stack", args.large)] / results[("local stack", args.small)]
    print(f"target: local stack ratio <= 1.5 -> {'met' if ratio <= 1.5 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
