"""make deploy-web publishes the API contract next to the web app (issue 12)."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from tools.deploy_web import OPENAPI, OPENAPI_KEY, local_files, published_openapi, sync

OUTPUTS = {
    "WebUrl": "https://d111111abcdef8.cloudfront.net/",
    "ApiUrl": "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/dev",
}


def test_the_published_document_names_this_stack_s_urls_first(tmp_path):
    # When
    published = json.loads(published_openapi(OUTPUTS, tmp_path).read_text())

    # Then: the stack's two origins, then the committed document unchanged
    committed = json.loads(OPENAPI.read_text())
    assert [s["url"] for s in published["servers"][:2]] == [
        "https://d111111abcdef8.cloudfront.net",
        "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/dev",
    ]
    assert published["servers"][2:] == committed["servers"]
    assert {**published, "servers": committed["servers"]} == committed


def test_sync_uploads_it_as_json_and_keeps_it_across_deploys(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        # Given: a web bucket that already holds a published document and a stale file
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="web")
        s3.put_object(Bucket="web", Key=OPENAPI_KEY, Body=b"{}")
        s3.put_object(Bucket="web", Key="old.js", Body=b"")
        files = {**local_files(), OPENAPI_KEY: published_openapi(OUTPUTS, tmp_path)}

        # When
        sync(s3, "web", files)

        # Then
        stored = s3.get_object(Bucket="web", Key=OPENAPI_KEY)
        assert stored["ContentType"] == "application/json"
        assert json.loads(stored["Body"].read())["openapi"].startswith("3.1")
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket="web")["Contents"]}
        assert OPENAPI_KEY in keys and "old.js" not in keys and "index.html" in keys
