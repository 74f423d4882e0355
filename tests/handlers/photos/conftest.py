"""Fixtures for the photo handler tests: moto AWS built from template.yaml, cold handlers.

The table and bucket are created from ``template.yaml``'s own resource properties and
each handler's environment is the template's (Globals + the function's ``&PhotosEnv``),
so these tests cannot drift from the infrastructure. Each test imports its handlers
afresh (a cold start) inside ``mock_aws``.
"""

from __future__ import annotations

import copy
import importlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from tests.handlers.photos.photo_events import BUCKET_NAME, TABLE_NAME, load_event

ROOT = Path(__file__).resolve().parents[3]


# ---------------------------------------------------------------- template.yaml
class _CfnLoader(yaml.SafeLoader):
    """SafeLoader turning CloudFormation short tags into their long form
    (``!Ref X`` -> ``{"Ref": "X"}``); PyYAML resolves anchors and aliases."""


def _long_form(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        return {name: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {name: loader.construct_sequence(node, deep=True)}
    return {name: loader.construct_mapping(node, deep=True)}


_CfnLoader.add_multi_constructor("!", _long_form)


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    """template.yaml as plain data."""
    return yaml.load((ROOT / "template.yaml").read_text(), Loader=_CfnLoader)  # noqa: S506


def function_environment(
    template: dict[str, Any], handler: str, physical_ids: dict[str, str]
) -> dict[str, str]:
    """The environment the template gives the function whose Handler is ``handler``:
    Globals merged with the function's variables, ``!Ref`` resolved to parameter defaults
    or to ``physical_ids`` (logical id -> the name moto holds)."""
    functions = [
        res["Properties"]
        for res in template["Resources"].values()
        if res["Type"] == "AWS::Serverless::Function"
        and res["Properties"].get("Handler") == handler
    ]
    assert len(functions) == 1, f"template.yaml has no single function with Handler {handler}"
    variables = {
        **template["Globals"]["Function"]["Environment"]["Variables"],
        **functions[0]["Environment"]["Variables"],
    }

    def resolve(value: Any) -> str:
        if isinstance(value, dict) and "Ref" in value:
            ref = value["Ref"]
            if ref in physical_ids:
                return physical_ids[ref]
            return str(template["Parameters"][ref]["Default"])
        assert not isinstance(value, dict), f"unsupported intrinsic {value}"
        return str(value)

    return {name: resolve(value) for name, value in variables.items()}


# ---------------------------------------------------------------- moto
@pytest.fixture
def aws(template: dict[str, Any]) -> Iterator[None]:
    """moto with the PhotosTable and PhotosBucket of template.yaml."""
    resources = template["Resources"]
    with mock_aws():
        table = resources["PhotosTable"]["Properties"]
        boto3.client("dynamodb").create_table(
            TableName=TABLE_NAME,
            KeySchema=table["KeySchema"],
            AttributeDefinitions=table["AttributeDefinitions"],
            BillingMode=table["BillingMode"],
        )
        bucket = resources["PhotosBucket"]["Properties"]
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET_NAME)
        s3.put_bucket_versioning(
            Bucket=BUCKET_NAME, VersioningConfiguration=bucket["VersioningConfiguration"]
        )
        s3.put_public_access_block(
            Bucket=BUCKET_NAME,
            PublicAccessBlockConfiguration=bucket["PublicAccessBlockConfiguration"],
        )
        s3.put_bucket_encryption(
            Bucket=BUCKET_NAME,
            ServerSideEncryptionConfiguration={  # CloudFormation names -> S3 API names
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                    for rule in bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                ]
            },
        )
        yield


# ---------------------------------------------------------------- Lambda
@dataclass
class LambdaContext:
    """The attributes Powertools reads from the Lambda context."""

    function_name: str = "moments-photos-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:moments-photos-test"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


Handler = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def cold_start(
    aws: None,
    template: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> Callable[..., Handler]:
    """``cold_start("list_photos", **env_overrides)`` -> ``invoke(event) -> response``.

    Sets the template's environment for that function (plus overrides, as env.json
    would), then imports its module afresh, so module-level config and the lazily
    created boto3 clients belong to this test's moto.
    """

    def start(name: str, physical_ids: dict[str, str] | None = None, **overrides: str) -> Handler:
        example = load_event("list_photos")["requestContext"]["authorizer"]["claims"]
        ids = {
            "PhotosTable": TABLE_NAME,
            "PhotosBucket": BUCKET_NAME,
            "UserPool": example["iss"].rsplit("/", 1)[1],
            "UserPoolClient": example["client_id"],
            **(physical_ids or {}),
        }
        env = function_environment(template, f"photos.handlers.{name}.lambda_handler", ids)
        for key, value in {**env, **overrides}.items():
            monkeypatch.setenv(key, value)
        from photos import claims, store  # after the environment, as on Lambda

        store.aws_client.cache_clear()
        claims.jwks_client.cache_clear()
        module_name = f"photos.handlers.{name}"
        sys.modules.pop(module_name, None)
        module = importlib.import_module(module_name)

        def invoke(event: dict[str, Any]) -> dict[str, Any]:
            return module.lambda_handler(copy.deepcopy(event), lambda_context)

        return invoke

    return start
