"""moto with template.yaml's resources, provisioned once for all handler tests.

Provisioning the template in moto costs about 2 s (the user pool alone about 1 s), which,
paid by every handler test, was most of ``make unit``. Instead, ``mock_aws`` starts once
for the ``tests/handlers`` package (``scope="package"``: it stops when the package's last
test ends, so no other suite runs inside it) and :func:`provisioned` creates the
resources once, with the local stack's own :func:`local_stack.aws.moto_server.provision`.

Every test still starts from a clean state: :func:`aws_state` (``reset_aws``) empties the
template's resources before each test (Cognito users and foreign app clients, DynamoDB
items, every S3 object version and delete marker) and deletes whatever else a test
created (user pools, tables, buckets), all through the public AWS APIs. What remains is
exactly what ``provision`` made.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local_stack.aws.provisioning import provision
from local_stack.template import Template

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"


@pytest.fixture(scope="package")
def provisioned() -> Iterator[Template]:
    """template.yaml provisioned in moto once; its physical ids and attributes recorded."""
    with mock_aws():
        template = Template.load(ROOT / "template.yaml")
        provision(template)
        yield template


@pytest.fixture(scope="package")
def aws_clients(provisioned: Template) -> dict[str, Any]:
    """One client per service for resetting state (clients cost ~0.3 s each to build)."""
    return {
        name: boto3.client(name, region_name=REGION) for name in ("cognito-idp", "dynamodb", "s3")
    }


def reset_aws(template: Template, clients: dict[str, Any]) -> None:
    """Bring moto back to what :func:`provision` made of ``template`` (see module doc)."""
    kinds: dict[str, set[str]] = {}
    for logical_id, resource in template.resources.items():
        if logical_id in template.physical_ids:
            kinds.setdefault(resource["Type"], set()).add(template.physical_ids[logical_id])
    _reset_cognito(clients["cognito-idp"], kinds.get("AWS::Cognito::UserPool", set()),
                   kinds.get("AWS::Cognito::UserPoolClient", set()))  # fmt: skip
    _reset_dynamodb(clients["dynamodb"], kinds.get("AWS::DynamoDB::Table", set()))
    _reset_s3(clients["s3"], kinds.get("AWS::S3::Bucket", set()))


def _reset_cognito(cognito: Any, pools: set[str], app_clients: set[str]) -> None:
    for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]:
        if pool["Id"] not in pools:
            cognito.delete_user_pool(UserPoolId=pool["Id"])
            continue
        for user in cognito.list_users(UserPoolId=pool["Id"])["Users"]:
            cognito.admin_delete_user(UserPoolId=pool["Id"], Username=user["Username"])
        listed = cognito.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)
        for app_client in listed["UserPoolClients"]:
            if app_client["ClientId"] not in app_clients:
                cognito.delete_user_pool_client(
                    UserPoolId=pool["Id"], ClientId=app_client["ClientId"]
                )


def _reset_dynamodb(dynamodb: Any, tables: set[str]) -> None:
    for name in dynamodb.list_tables()["TableNames"]:
        if name not in tables:
            dynamodb.delete_table(TableName=name)
            continue
        keys = [
            k["AttributeName"]
            for k in dynamodb.describe_table(TableName=name)["Table"]["KeySchema"]
        ]
        for item in dynamodb.scan(TableName=name, ProjectionExpression=", ".join(keys))["Items"]:
            dynamodb.delete_item(TableName=name, Key=item)


def _reset_s3(s3: Any, buckets: set[str]) -> None:
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        listed = s3.list_object_versions(Bucket=name)
        for entry in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
            s3.delete_object(Bucket=name, Key=entry["Key"], VersionId=entry["VersionId"])
        if name not in buckets:
            s3.delete_bucket(Bucket=name)


@pytest.fixture
def aws_state(provisioned: Template, aws_clients: dict[str, Any]) -> Template:
    """Clean moto with the template's resources; returns a copy of the provisioned
    :class:`Template` (physical ids and attributes filled) that the test may change."""
    reset_aws(provisioned, aws_clients)
    return copy.deepcopy(provisioned)
