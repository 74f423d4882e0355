"""The emulator's DynamoDB answers a Query from the partition it names, like DynamoDB."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models.table import Table

from local_stack.aws.dynamodb_query import install_partition_query


@pytest.fixture
def table(monkeypatch):
    # Given moto with the local stack's Query patch (undone after the test)
    monkeypatch.setattr(Table, "query", Table.query)
    install_partition_query()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="photos",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "user_sub", "AttributeType": "S"},
                {"AttributeName": "photo_id", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "user_sub", "KeyType": "HASH"},
                {"AttributeName": "photo_id", "KeyType": "RANGE"},
            ],
        )
        # And three users' photos, interleaved
        for n in range(30):
            for user in ("alice", "bob", "carol"):
                client.put_item(
                    TableName="photos",
                    Item={"user_sub": {"S": user}, "photo_id": {"S": f"{n:04d}"}},
                )
        yield client


def query(client, **extra):
    return client.query(
        TableName="photos",
        KeyConditionExpression="user_sub = :u",
        ExpressionAttributeValues={":u": {"S": "bob"}},
        **extra,
    )


def test_a_query_pages_one_partition_newest_first(table):
    first = query(table, Limit=20, ScanIndexForward=False)
    second = query(
        table, Limit=20, ScanIndexForward=False, ExclusiveStartKey=first["LastEvaluatedKey"]
    )

    ids = [i["photo_id"]["S"] for i in first["Items"] + second["Items"]]
    assert ids == [f"{n:04d}" for n in reversed(range(30))]
    assert {i["user_sub"]["S"] for i in first["Items"] + second["Items"]} == {"bob"}
    assert "LastEvaluatedKey" not in second


def test_a_query_never_reads_the_whole_table(table, monkeypatch):
    # Given a table whose full walk would fail (moto's unpatched Query walks it)
    def whole_table(self):
        raise AssertionError("Query walked the whole table")

    monkeypatch.setattr(Table, "all_items", whole_table)

    # When one user's photos are listed, with a key condition on the sort key too
    found = query(table, Limit=5)
    ranged = table.query(
        TableName="photos",
        KeyConditionExpression="user_sub = :u AND photo_id > :p",
        ExpressionAttributeValues={":u": {"S": "carol"}, ":p": {"S": "0025"}},
    )

    # Then only that partition was read
    assert [i["photo_id"]["S"] for i in found["Items"]] == ["0000", "0001", "0002", "0003", "0004"]
    assert [i["photo_id"]["S"] for i in ranged["Items"]] == ["0026", "0027", "0028", "0029"]
    assert (
        query(
            table, Limit=5, ExclusiveStartKey={"user_sub": {"S": "bob"}, "photo_id": {"S": "0004"}}
        )["Count"]
        == 5
    )
