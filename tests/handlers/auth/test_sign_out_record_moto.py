"""The broker's sign-out record, written to the template's RevocationsTable in moto."""

from __future__ import annotations

import hmac

import boto3
import pytest

from auth.cognito import derived_key
from auth.core import REFRESH_TOKEN_FAMILY_KEY
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


def test_the_family_record_holds_no_raw_refresh_token(moto_pool):
    # Given the broker handing out a refresh token (issue 23), with its derived key
    refresh_token = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.example-refresh-token.value"
    key = derived_key("example-client-secret", REFRESH_TOKEN_FAMILY_KEY)
    table = RevocationTable(TABLE, 900, clock=lambda: 1_000.0, family_key=lambda: key)
    table.remember_refresh_token(
        refresh_token, user_sub="sub-1", origin_jti="family-1", lifetime_seconds=86400
    )
    # Then the table holds the family under a keyed hash, and nothing of the token
    items = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    assert len(items) == 1
    stored = repr(items)
    for part in [refresh_token, *refresh_token.split(".")]:
        assert part not in stored
    expected_key = "refresh_token#" + hmac.new(key, refresh_token.encode(), "sha256").hexdigest()
    assert items[0] == {
        "user_sub": {"S": expected_key},
        "sub": {"S": "sub-1"},
        "origin_jti": {"S": "family-1"},
        "expires_at": {"N": str(1000 + 86400)},
    }
    # And only that token finds it, until the refresh token's lifetime is over
    assert table.refresh_token_family(refresh_token) == ("sub-1", "family-1")
    assert table.refresh_token_family(refresh_token + "x") is None
    later = RevocationTable(TABLE, 900, clock=lambda: 1_000.0 + 86400, family_key=lambda: key)
    assert later.refresh_token_family(refresh_token) is None
    other_key = RevocationTable(TABLE, 900, family_key=lambda: b"another key")
    assert other_key.refresh_token_family(refresh_token) is None
