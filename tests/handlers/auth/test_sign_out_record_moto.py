"""The broker's sign-out record, written to the template's RevocationsTable in moto."""

from __future__ import annotations

import boto3
import pytest

from auth.errors import UpstreamError, answer
from auth.revocations import RevocationTable

TABLE = "moments-local-RevocationsTable"


def test_sign_out_writes_the_record_the_photo_routes_read(moto_pool):
    # Given the broker's environment from the template (the table name, the lifetime)
    assert moto_pool.env["REVOCATIONS_TABLE_NAME"] == TABLE
    ttl = int(moto_pool.env["ACCESS_TOKEN_VALIDITY_MINUTES"]) * 60
    table = RevocationTable(TABLE, ttl, clock=lambda: 1_000.9)
    # When one session signs out, then the user signs out everywhere
    table.record("sub-1", origin_jti="family-1", everywhere=False)
    table.record("sub-1", origin_jti="family-2", everywhere=True)
    # Then one item holds both, expiring with the access-token lifetime
    item = boto3.client("dynamodb").get_item(TableName=TABLE, Key={"user_sub": {"S": "sub-1"}})
    assert item["Item"] == {
        "user_sub": {"S": "sub-1"},
        "family#family-1": {"N": "1000"},
        "family#family-2": {"N": "1000"},
        "not_before": {"N": "1000"},
        "expires_at": {"N": str(1000 + ttl)},
    }


def test_a_failed_write_is_an_upstream_error_not_a_traceback(moto_pool):
    table = RevocationTable("no-such-table", 900)
    with pytest.raises(UpstreamError) as caught:
        table.record("sub-1", origin_jti="family-1", everywhere=False)
    assert answer(caught.value).status >= 500
