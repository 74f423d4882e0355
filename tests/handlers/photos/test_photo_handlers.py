"""The photo Lambdas, driven by events/*.json under moto (authorizer mode, as on AWS)."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests

from tests.handlers.photos.photo_events import (
    BUCKET_NAME,
    TABLE_NAME,
    as_user,
    body_of,
    for_photo,
    header,
    load_event,
    multipart_event,
    with_query,
)

OTHER_SUB = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4"
    "nGP4/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)
GIF_HEADER = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


def owner_sub() -> str:
    return load_event("list_photos")["requestContext"]["authorizer"]["claims"]["sub"]


@pytest.fixture
def handlers(cold_start):
    """Every photo function, cold-started with its template environment."""
    names = ["list_photos", "upload_photo", "create_upload_url", "get_photo", "delete_photo"]
    return {name: cold_start(name) for name in names}


def upload(handlers, event=None) -> dict:
    response = handlers["upload_photo"](event or load_event("upload_photo"))
    assert response["statusCode"] == 201, response["body"]
    return body_of(response)


# ------------------------------------------------------------------ POST /photos
def test_upload_event_stores_the_png_under_the_callers_sub(handlers):
    # Given the upload event (a 1x1 PNG named sunset.png, as API Gateway delivers it)
    # When the upload function runs
    photo = upload(handlers)

    # Then the photo is ready, typed by its bytes, with a presigned GET URL
    assert photo["filename"] == "sunset.png"
    assert photo["content_type"] == "image/png"
    assert photo["status"] == "ready"
    assert photo["size_bytes"] == 70
    assert photo["created_at"].endswith("Z")
    url = urlparse(photo["url"])
    assert f"{owner_sub()}/{photo['photo_id']}" in url.path
    assert "X-Amz-Signature" in parse_qs(url.query)
    # And the object and the row exist, keyed by the token's sub
    stored = boto3.client("s3").get_object(
        Bucket=BUCKET_NAME, Key=f"{owner_sub()}/{photo['photo_id']}"
    )
    assert stored["Body"].read()[:8] == b"\x89PNG\r\n\x1a\n"
    assert stored["ContentType"] == "image/png"
    item = boto3.client("dynamodb").get_item(
        TableName=TABLE_NAME,
        Key={"user_sub": {"S": owner_sub()}, "photo_id": {"S": photo["photo_id"]}},
    )["Item"]
    assert item["status"] == {"S": "ready"}


def test_upload_types_the_file_by_its_bytes_not_its_declared_type(handlers):
    # Given a GIF sent as "holiday.png" with a PNG-ish name
    event = multipart_event([("file", "holiday.png", GIF_HEADER)])

    # When it is uploaded
    photo = upload(handlers, event)

    # Then it is stored as what it is
    assert photo["content_type"] == "image/gif"


def test_upload_of_a_non_image_is_415_and_leaves_nothing_behind(handlers):
    # Given a text file pretending to be a photo
    event = multipart_event([("file", "cat.png", b"not really a png, just text")])

    # When it is uploaded
    response = handlers["upload_photo"](event)

    # Then it is refused with the contract's body, and nothing was stored
    assert response["statusCode"] == 415
    assert body_of(response)["error"] == "unsupported_media_type"
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=BUCKET_NAME)
    assert boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Count"] == 0


def test_upload_over_the_limit_is_413(cold_start):
    # Given MAX_UPLOAD_BYTES of 100 (as env.json could set it)
    upload_photo = cold_start("upload_photo", MAX_UPLOAD_BYTES="100")
    event = multipart_event([("file", "big.png", PNG_1X1 + b"\0" * 100)])

    # When a 170-byte PNG is uploaded
    response = upload_photo(event)

    # Then it is too large
    assert response["statusCode"] == 413
    assert body_of(response)["error"] == "payload_too_large"


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda e: e.update(body=None, isBase64Encoded=False), id="no body"),
        pytest.param(
            lambda e: e["headers"].update({"Content-Type": "image/png"}), id="not multipart"
        ),
        pytest.param(
            lambda e: e.update(multipart_event([("photo", "a.png", PNG_1X1)])),
            id="wrong part name",
        ),
        pytest.param(
            lambda e: e.update(multipart_event([("file", None, PNG_1X1)])), id="not a file"
        ),
        pytest.param(
            lambda e: e.update(
                multipart_event([("file", "a.png", PNG_1X1), ("file", "b.png", PNG_1X1)])
            ),
            id="two files",
        ),
        pytest.param(lambda e: e.update(body="%%%not base64%%%"), id="bad base64"),
    ],
)
def test_malformed_upload_is_400(handlers, mutate):
    # Given an upload event whose body is not one file part named "file"
    event = load_event("upload_photo")
    mutate(event)

    # When it is sent
    response = handlers["upload_photo"](event)

    # Then it is a 400 with the contract's body
    assert response["statusCode"] == 400
    assert body_of(response)["error"] == "invalid_request"


def test_upload_sanitises_the_filename(handlers):
    # Given a filename with a client path and a bidi override spoofing the extension
    event = multipart_event([("file", "C:\\Users\\me\\evil\u202egnp.exe", PNG_1X1)])

    # When it is uploaded
    photo = upload(handlers, event)

    # Then only the printable last segment is kept
    assert photo["filename"] == "evilgnp.exe"


# ------------------------------------------------------------------ GET /photos
def test_list_returns_only_the_callers_photos_newest_first_across_pages(handlers):
    # Given three photos of the caller and one of another user
    mine = [upload(handlers)["photo_id"] for _ in range(3)]
    upload(handlers, as_user(load_event("upload_photo"), OTHER_SUB))

    # When the caller lists them one per page, following next_cursor
    seen, cursor = [], None
    for _ in range(5):
        query = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        response = handlers["list_photos"](with_query(load_event("list_photos"), **query))
        assert response["statusCode"] == 200
        page = body_of(response)
        seen += [item["photo_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    # Then they get exactly their own photos, newest first, and the last page says so
    assert seen == sorted(mine, reverse=True)
    assert cursor is None


def test_list_event_answers_an_empty_page_for_a_new_user(handlers):
    response = handlers["list_photos"](load_event("list_photos"))

    assert response["statusCode"] == 200
    assert body_of(response) == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"cursor": "bm90LWEtdWxpZA"},
        {"cursor": "!!"},
        {"page": "2"},
    ],
)
def test_list_with_a_bad_limit_or_cursor_is_400(handlers, query):
    response = handlers["list_photos"](with_query(load_event("list_photos"), **query))

    assert response["statusCode"] == 400
    assert body_of(response)["error"] == "invalid_request"


# ------------------------------------------------------------------ GET /photos/{id}
def test_get_returns_the_callers_photo(handlers):
    photo = upload(handlers)

    response = handlers["get_photo"](for_photo(load_event("get_photo"), photo["photo_id"]))

    assert response["statusCode"] == 200
    got = body_of(response)
    assert {k: v for k, v in got.items() if k != "url"} == {
        k: v for k, v in photo.items() if k != "url"
    }
    assert header(response, "Cache-Control") == "no-store"


@pytest.mark.parametrize("whose", ["another user's", "missing", "malformed"])
def test_get_is_404_for_another_users_missing_or_malformed_id(handlers, whose):
    # Given a photo that belongs to another user
    theirs = upload(handlers, as_user(load_event("upload_photo"), OTHER_SUB))["photo_id"]
    photo_id = {
        "another user's": theirs,
        "missing": load_event("get_photo")["pathParameters"]["photo_id"],
        "malformed": "..%2Fetc%2Fpasswd",
    }[whose]

    # When the caller asks for it
    response = handlers["get_photo"](for_photo(load_event("get_photo"), photo_id))

    # Then it does not exist for them
    assert response["statusCode"] == 404
    assert body_of(response)["error"] == "not_found"


# ------------------------------------------------------------------ DELETE /photos/{id}
def test_delete_removes_row_and_object_then_is_404(handlers):
    # Given an uploaded photo
    photo_id = upload(handlers)["photo_id"]
    event = for_photo(load_event("delete_photo"), photo_id)

    # When it is deleted
    response = handlers["delete_photo"](event)

    # Then the answer is 204 with no body, and the photo is gone everywhere
    assert response["statusCode"] == 204
    assert not response["body"]
    get = handlers["get_photo"](for_photo(load_event("get_photo"), photo_id))
    assert get["statusCode"] == 404
    with pytest.raises(boto3.client("s3").exceptions.ClientError):
        boto3.client("s3").head_object(Bucket=BUCKET_NAME, Key=f"{owner_sub()}/{photo_id}")
    # And deleting again is 404
    assert handlers["delete_photo"](event)["statusCode"] == 404


def test_delete_of_another_users_photo_is_404_and_keeps_it(handlers):
    theirs = upload(handlers, as_user(load_event("upload_photo"), OTHER_SUB))["photo_id"]

    response = handlers["delete_photo"](for_photo(load_event("delete_photo"), theirs))

    assert response["statusCode"] == 404
    still = handlers["get_photo"](as_user(for_photo(load_event("get_photo"), theirs), OTHER_SUB))
    assert still["statusCode"] == 200


# ------------------------------------------------------------------ POST /photos/upload-url
def _policy(upload_url_body: dict) -> dict:
    return json.loads(base64.b64decode(upload_url_body["upload"]["fields"]["policy"]))


def test_upload_url_presigns_a_bounded_post_and_the_photo_turns_ready_once_uploaded(
    handlers, template
):
    # Given the upload-url event (a 7 MiB JPEG)
    response = handlers["create_upload_url"](load_event("create_upload_url"))

    # Then a presigned POST is issued for a key under the caller's sub, whose policy
    # pins the type and bounds the size
    assert response["statusCode"] == 201
    body = body_of(response)
    key = f"{owner_sub()}/{body['photo_id']}"
    assert body["upload"]["fields"]["key"] == key
    conditions = _policy(body)["conditions"]
    max_direct = int(template.parameters["MaxDirectUploadBytes"])
    assert ["content-length-range", 1, max_direct] in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert body["expires_in"] == 900

    # And the photo is pending, with no URL, until its bytes arrive
    get = for_photo(load_event("get_photo"), body["photo_id"])
    pending = body_of(handlers["get_photo"](get))
    assert (pending["status"], pending["url"]) == ("pending", None)

    # When the browser POSTs the form to S3 (moto accepts it; it does not enforce the
    # policy's conditions, S3 does)
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\0" * 300
    posted = requests.post(
        body["upload"]["url"],
        data=body["upload"]["fields"],
        files={"file": ("mountains.jpg", jpeg, "image/jpeg")},
        timeout=10,
    )
    assert posted.status_code in (200, 201, 204)

    # Then the next read confirms it: ready, with its real size and a URL
    ready = body_of(handlers["get_photo"](get))
    assert (ready["status"], ready["size_bytes"]) == ("ready", len(jpeg))
    assert ready["url"]
    listed = body_of(handlers["list_photos"](load_event("list_photos")))["items"]
    assert [(p["photo_id"], p["status"]) for p in listed] == [(body["photo_id"], "ready")]


def test_direct_upload_of_other_bytes_stays_pending(handlers):
    body = body_of(handlers["create_upload_url"](load_event("create_upload_url")))
    key = f"{owner_sub()}/{body['photo_id']}"
    boto3.client("s3").put_object(Bucket=BUCKET_NAME, Key=key, Body=b"<svg>not a jpeg</svg>")

    photo = body_of(handlers["get_photo"](for_photo(load_event("get_photo"), body["photo_id"])))

    assert (photo["status"], photo["url"]) == ("pending", None)


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"content_type": "image/svg+xml"}, 415, "unsupported_media_type"),
        ({"size_bytes": 20971521}, 413, "payload_too_large"),
        ({"size_bytes": 0}, 400, "invalid_request"),
        ({"filename": ""}, 400, "invalid_request"),
        ({"user_sub": "someone-else"}, 400, "invalid_request"),
    ],
)
def test_upload_url_refuses_bad_requests(handlers, change, status, error):
    event = load_event("create_upload_url")
    event["body"] = json.dumps({**json.loads(event["body"]), **change})

    response = handlers["create_upload_url"](event)

    assert response["statusCode"] == status
    assert body_of(response)["error"] == error


# ------------------------------------------------------------------ identity
@pytest.mark.parametrize(
    "name", ["list_photos", "upload_photo", "create_upload_url", "get_photo", "delete_photo"]
)
def test_every_route_is_401_without_authorizer_claims(cold_start, name):
    # Given an event that did not pass through the Cognito authorizer
    event = load_event(name)
    del event["requestContext"]["authorizer"]

    # When the function runs (TOKEN_VERIFICATION=authorizer, the template's default)
    response = cold_start(name)(event)

    # Then it is refused, with the gateway's own 401 body
    assert response["statusCode"] == 401
    assert body_of(response) == {
        "error": "unauthorized",
        "error_description": "A valid access token is required in the Authorization header.",
    }
    assert header(response, "WWW-Authenticate") == "Bearer"
