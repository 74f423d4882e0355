"""The handler tests share one provisioned moto (tests/handlers/conftest.py); each must
still start from exactly what ``provision`` made of template.yaml."""

from __future__ import annotations

from typing import Any

from local_stack.template import Template
from tests.handlers.conftest import reset_aws


def _dirty(template: Template, clients: dict[str, Any]) -> None:
    """Leave what a test might: a user, an item, object versions, extra resources."""
    cognito, dynamodb, s3 = clients["cognito-idp"], clients["dynamodb"], clients["s3"]
    pool, table = template.physical_ids["UserPool"], template.physical_ids["PhotosTable"]
    bucket = template.physical_ids["PhotosBucket"]
    cognito.admin_create_user(UserPoolId=pool, Username="left@example.com")
    cognito.create_user_pool_client(UserPoolId=pool, ClientName="left-behind")
    cognito.create_user_pool(PoolName="left-behind")
    dynamodb.put_item(TableName=table, Item={"user_sub": {"S": "u"}, "photo_id": {"S": "p"}})
    dynamodb.create_table(
        TableName="left-behind",
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3.put_object(Bucket=bucket, Key="u/p", Body=b"one")
    s3.put_object(Bucket=bucket, Key="u/p", Body=b"two")  # versioned: two versions
    s3.delete_object(Bucket=bucket, Key="u/p")  # and a delete marker
    s3.create_bucket(Bucket="left-behind")
    s3.put_object(Bucket="left-behind", Key="k", Body=b"x")


def test_reset_leaves_exactly_the_provisioned_resources_and_no_data(
    aws_state: Template, aws_clients: dict[str, Any]
) -> None:
    # Given a test left users, items, object versions and resources of its own behind
    _dirty(aws_state, aws_clients)
    cognito, dynamodb, s3 = aws_clients["cognito-idp"], aws_clients["dynamodb"], aws_clients["s3"]
    pool, bucket = aws_state.physical_ids["UserPool"], aws_state.physical_ids["PhotosBucket"]

    # When the state is reset for the next test
    reset_aws(aws_state, aws_clients)

    # Then only the template's resources remain, empty, with their configuration intact
    assert [p["Id"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"]] == [pool]
    assert cognito.list_users(UserPoolId=pool)["Users"] == []
    app_clients = cognito.list_user_pool_clients(UserPoolId=pool)["UserPoolClients"]
    assert [c["ClientId"] for c in app_clients] == [aws_state.physical_ids["UserPoolClient"]]
    template_tables = sorted(
        aws_state.physical_ids[logical_id]
        for logical_id, resource in aws_state.resources.items()
        if resource["Type"] == "AWS::DynamoDB::Table"
    )
    assert sorted(dynamodb.list_tables()["TableNames"]) == template_tables
    assert all(dynamodb.scan(TableName=name)["Count"] == 0 for name in template_tables)
    template_buckets = {aws_state.physical_ids[b] for b in ("PhotosBucket", "WebBucket")}
    assert {b["Name"] for b in s3.list_buckets()["Buckets"]} == template_buckets
    versions = s3.list_object_versions(Bucket=bucket)
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_each_test_gets_its_own_template_copy(aws_state: Template, provisioned: Template) -> None:
    # Given the provisioned template shared by the package
    # When a test redirects a Ref (as cold_start(physical_ids=...) does)
    aws_state.physical_ids["PhotosTable"] = "elsewhere"
    # Then the shared one, which the next test's reset reads, is untouched
    assert provisioned.physical_ids["PhotosTable"] != "elsewhere"
