"""Issue 8's fault test: crashes and AWS failures anywhere in the photo pipeline leave no
orphan, once events settle (the scenario is ``tests/e2e/photo_faults.py``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def test_kills_and_failed_aws_calls_leave_no_orphans_once_events_settle() -> None:
    # Given a local stack whose upload, processing, purge and delete functions are killed
    # between their writes or see S3 and DynamoDB fail (the harness's own process)
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.photo_faults"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])

    # Then every injected fault really happened
    for function_id, rules in report["rules"].items():
        for operation, action, hits, times in rules:
            assert hits == times, (function_id, operation, action, report["log"])
    # And clients saw the failures (502) where a request path failed, and a retry works
    statuses = report["upload_statuses"]
    assert statuses["killed-upload"] == [502, 502, 502]
    assert statuses["s3-fails-on-upload"] == [502]
    assert statuses["dynamodb-fails-on-upload"] == [502]
    assert report["delete_statuses"] == [502, 204, 204, 204]
    # And processing retried through its failures; the hopeless one is dead-lettered
    assert report["survivors_ready"] is True
    assert report["dead_letters"] == 1
    assert report["settled"] is True
    # And the abandoned pending rows (3 killed uploads, 1 dead-lettered) expired by TTL
    assert report["ttl_expired_rows"] == 4

    # Then, once events have settled: no object without a row, no ready row without its
    # objects (the goal: 0 and 0)
    assert (report["orphan_objects"], report["ready_rows_missing_objects"]) == (0, 0), report
    assert report["rows_by_status"] == {"ready": 3}
    assert report["objects"] == 3 * 3  # original + thumbnail + display each
