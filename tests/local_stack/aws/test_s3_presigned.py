"""The emulator refuses tampered or expired presigned S3 requests the way S3 does.

A real emulator (moto behind the local stack's guard) on a free port; URLs and POST
policies are made by boto3 with SigV4, exactly as the photo service makes them.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import boto3
import pytest
import requests
from botocore.config import Config

from local_stack.aws.moto_server import Emulator, listen

BUCKET = "photos-bucket"
ALICE_KEY = "alice-sub/photo-a.png"
BOB_KEY = "bob-sub/photo-b.png"


@pytest.fixture(scope="module")
def s3():
    sock = listen("127.0.0.1", 0, "emulator")
    emulator = Emulator(sock)
    emulator.start()
    client = boto3.client(
        "s3",
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_cors(
        Bucket=BUCKET,
        CORSConfiguration={
            "CORSRules": [
                {"AllowedOrigins": ["http://app.test"], "AllowedMethods": ["GET", "POST"]}
            ]
        },
    )
    client.put_object(Bucket=BUCKET, Key=ALICE_KEY, Body=b"alice's photo")
    client.put_object(Bucket=BUCKET, Key=BOB_KEY, Body=b"bob's photo")
    yield client
    emulator.stop()


def error(response) -> tuple[int, str, str]:
    root = ET.fromstring(response.content)
    return response.status_code, root.findtext("Code"), root.findtext("Message")


def presign_post(s3, key=ALICE_KEY, content_type="image/png", max_bytes=100, expires=60):
    return s3.generate_presigned_post(
        Bucket=BUCKET,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires,
    )


def test_a_presigned_get_returns_the_object_it_was_signed_for(s3):
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": ALICE_KEY}, ExpiresIn=60
    )

    response = requests.get(url, timeout=10)

    assert response.status_code == 200 and response.content == b"alice's photo"


def test_a_presigned_get_with_another_key_swapped_in_is_refused(s3):
    # Given Alice's presigned URL
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": ALICE_KEY}, ExpiresIn=60
    )

    # When the key in it is replaced by Bob's
    response = requests.get(url.replace(ALICE_KEY, BOB_KEY), timeout=10)

    # Then S3's 403 SignatureDoesNotMatch, not Bob's bytes
    assert error(response)[:2] == (403, "SignatureDoesNotMatch")
    assert b"bob's photo" not in response.content


def test_a_presigned_url_with_a_longer_expiry_written_in_is_refused(s3):
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": ALICE_KEY}, ExpiresIn=60
    )
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["X-Amz-Expires"] = "604800"

    response = requests.get(urlunsplit(parts._replace(query=urlencode(query))), timeout=10)

    assert error(response)[:2] == (403, "SignatureDoesNotMatch")


def test_an_expired_presigned_url_is_refused(s3):
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": ALICE_KEY}, ExpiresIn=1
    )
    time.sleep(2.1)

    response = requests.get(url, timeout=10)

    assert error(response) == (403, "AccessDenied", "Request has expired")


def test_a_presigned_put_stores_only_under_its_own_key(s3):
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": "alice-sub/new"}, ExpiresIn=60
    )

    good = requests.put(url, data=b"new", timeout=10)
    swapped = requests.put(url.replace("alice-sub/new", BOB_KEY), data=b"overwritten", timeout=10)

    assert good.status_code == 200
    assert error(swapped)[:2] == (403, "SignatureDoesNotMatch")
    assert s3.get_object(Bucket=BUCKET, Key=BOB_KEY)["Body"].read() == b"bob's photo"


def test_a_presigned_post_uploads_what_its_policy_allows(s3):
    post = presign_post(s3, key="alice-sub/upload.png")

    response = requests.post(
        post["url"],
        data=post["fields"],
        files={"file": ("a.png", b"\x89PNG data", "image/png")},
        timeout=10,
    )

    assert response.status_code == 204
    assert (
        s3.get_object(Bucket=BUCKET, Key="alice-sub/upload.png")["Body"].read() == b"\x89PNG data"
    )


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ({"key": BOB_KEY}, (403, "AccessDenied")),  # rewritten key
        ({"Content-Type": "text/html"}, (403, "AccessDenied")),  # another content type
        ({"x-extra": "1"}, (403, "AccessDenied")),  # a field the policy omits
    ],
)
def test_a_presigned_post_with_rewritten_fields_is_refused(s3, tamper, expected):
    post = presign_post(s3)
    fields = {**post["fields"], **tamper}

    response = requests.post(
        post["url"],
        data=fields,
        files={"file": ("a.png", b"\x89PNG evil", "image/png")},
        timeout=10,
    )

    status, code, message = error(response)
    assert (status, code) == expected and message.startswith("Invalid according to Policy")
    assert s3.get_object(Bucket=BUCKET, Key=BOB_KEY)["Body"].read() == b"bob's photo"


def test_a_presigned_post_outside_its_size_range_is_refused(s3):
    post = presign_post(s3, max_bytes=10)

    big = requests.post(
        post["url"],
        data=post["fields"],
        files={"file": ("a.png", b"x" * 11, "image/png")},
        timeout=10,
    )
    empty = requests.post(
        post["url"], data=post["fields"], files={"file": ("a.png", b"", "image/png")}, timeout=10
    )

    assert error(big)[:2] == (400, "EntityTooLarge")
    assert error(empty)[:2] == (400, "EntityTooSmall")


def test_a_presigned_post_with_a_forged_policy_or_expired_is_refused(s3):
    post = presign_post(s3)
    other = presign_post(s3, key=BOB_KEY)
    # A policy for Bob's key with Alice's signature
    forged = {**post["fields"], "key": BOB_KEY, "policy": other["fields"]["policy"]}
    expired = presign_post(s3, expires=1)

    forged_response = requests.post(
        post["url"], data=forged, files={"file": ("a.png", b"x", "image/png")}, timeout=10
    )
    time.sleep(2.1)
    expired_response = requests.post(
        expired["url"],
        data=expired["fields"],
        files={"file": ("a.png", b"x", "image/png")},
        timeout=10,
    )
    anonymous = requests.post(
        post["url"], data={"key": BOB_KEY}, files={"file": ("a.png", b"x", "image/png")}, timeout=10
    )

    assert error(forged_response)[:2] == (403, "SignatureDoesNotMatch")
    assert error(expired_response) == (
        403,
        "AccessDenied",
        "Invalid according to Policy: Policy expired.",
    )
    assert error(anonymous)[:2] == (403, "AccessDenied")
    assert s3.get_object(Bucket=BUCKET, Key=BOB_KEY)["Body"].read() == b"bob's photo"


def test_a_refusal_carries_the_buckets_cors_headers_so_a_browser_can_read_it(s3):
    post = presign_post(s3, max_bytes=10)

    response = requests.post(
        post["url"],
        data=post["fields"],
        timeout=10,
        headers={"Origin": "http://app.test"},
        files={"file": ("a.png", b"x" * 11, "image/png")},
    )
    elsewhere = requests.post(
        post["url"],
        data=post["fields"],
        timeout=10,
        headers={"Origin": "http://evil.test"},
        files={"file": ("a.png", b"x" * 11, "image/png")},
    )

    assert error(response)[:2] == (400, "EntityTooLarge")
    assert response.headers["Access-Control-Allow-Origin"] == "http://app.test"
    assert "Access-Control-Allow-Origin" not in elsewhere.headers
