"""The photo Lambdas, driven by events/*.json under moto (authorizer mode, as on AWS)."""

from __future__ import annotations

import base64
import io
import json
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests
from PIL import Image

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
from tests.support.routes import api_functions, by_event, functions

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
    """Every photo function of the template, cold-started with its environment, by handler."""
    return {f.handler: cold_start(f.handler) for f in functions() if f.service == "photos"}


def object_created(key: str) -> dict:
    """events/process_photo.json for the object now at ``key`` (as EventBridge sends it)."""
    head = boto3.client("s3").head_object(Bucket=BUCKET_NAME, Key=key)
    event = load_event("process_photo")
    event["detail"]["object"].update(
        key=key, size=head["ContentLength"], **{"version-id": head.get("VersionId")}
    )
    return event


def removed(photo_id: str) -> dict:
    """events/purge_photo.json: the stream's REMOVE record of the caller's ``photo_id``."""
    event = load_event("purge_photo")
    event["Records"][0]["dynamodb"]["Keys"]["photo_id"]["S"] = photo_id
    return event


def keys_in_bucket() -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=BUCKET_NAME)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def upload(handlers, event=None) -> dict:
    response = handlers["upload_photo"](event or load_event("upload_photo"))
    assert response["statusCode"] == 201, response["body"]
    return body_of(response)


# ------------------------------------------------------------------ POST /photos
def test_upload_event_stores_the_png_under_the_callers_sub(handlers):
    # Given the upload event (a 1x1 PNG named sunset.png, as API Gateway delivers it)
    # When the upload function runs
    photo = upload(handlers)

    # Then the photo is pending, typed by its bytes, with no URL yet
    assert photo["filename"] == "sunset.png"
    assert photo["content_type"] == "image/png"
    assert (photo["status"], photo["url"], photo["thumbnail_url"]) == ("pending", None, None)
    assert photo["size_bytes"] == 70
    assert photo["created_at"].endswith("Z")
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
    assert item["status"] == {"S": "pending"} and int(item["expires_at"]["N"]) > 0

    # When S3's Object Created event runs ProcessPhotoFunction
    key = f"{owner_sub()}/{photo['photo_id']}"
    assert handlers["process_photo"](object_created(key)) == {"outcome": "ready"}

    # Then the photo is ready with its size and presigned rendition and original links
    get = for_photo(load_event("get_photo"), photo["photo_id"])
    ready = body_of(handlers["get_photo"](get))
    assert (ready["status"], ready["width"], ready["height"]) == ("ready", 1, 1)
    url = urlparse(ready["thumbnail_url"])
    assert url.path.endswith(f"renditions/{key}/thumbnail.jpg")
    assert "X-Amz-Signature" in parse_qs(url.query)
    assert urlparse(ready["url"]).path.endswith(f"renditions/{key}/display.jpg")
    assert urlparse(ready["original_url"]).path.endswith(key)
    assert keys_in_bucket() == sorted(
        [key, f"renditions/{key}/display.jpg", f"renditions/{key}/thumbnail.jpg"]
    )


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
    assert got == photo
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
def test_delete_removes_the_row_and_the_stream_purges_every_object(handlers):
    # Given an uploaded, processed photo (original + two renditions)
    photo_id = upload(handlers)["photo_id"]
    handlers["process_photo"](object_created(f"{owner_sub()}/{photo_id}"))
    assert len(keys_in_bucket()) == 3
    event = for_photo(load_event("delete_photo"), photo_id)

    # When it is deleted
    response = handlers["delete_photo"](event)

    # Then the answer is 204 with no body, and the photo is gone for the API
    assert response["statusCode"] == 204
    assert not response["body"]
    get = handlers["get_photo"](for_photo(load_event("get_photo"), photo_id))
    assert get["statusCode"] == 404
    # And deleting again is 404
    assert handlers["delete_photo"](event)["statusCode"] == 404

    # When the stream's REMOVE record reaches PurgePhotoFunction (twice: at least once)
    for _ in range(2):
        assert handlers["purge_photo"](removed(photo_id)) == {"batchItemFailures": []}

    # Then no object is left
    assert keys_in_bucket() == []


def test_delete_of_another_users_photo_is_404_and_keeps_it(handlers):
    theirs = upload(handlers, as_user(load_event("upload_photo"), OTHER_SUB))["photo_id"]

    response = handlers["delete_photo"](for_photo(load_event("delete_photo"), theirs))

    assert response["statusCode"] == 404
    still = handlers["get_photo"](as_user(for_photo(load_event("get_photo"), theirs), OTHER_SUB))
    assert still["statusCode"] == 200


# ------------------------------------------------------------------ POST /photos/upload-url
def _policy(upload_url_body: dict) -> dict:
    return json.loads(base64.b64decode(upload_url_body["upload"]["fields"]["policy"]))


def test_upload_url_presigns_an_exact_size_post_and_the_photo_turns_ready_once_processed(
    handlers, template
):
    # Given the upload-url event for a 7 MiB JPEG
    request = load_event("create_upload_url")
    request["body"] = json.dumps(
        {"filename": "mountains.jpg", "content_type": "image/jpeg", "size_bytes": 7 * 2**20}
    )
    response = handlers["create_upload_url"](request)

    # Then a presigned POST is issued for a key under the caller's sub, whose policy
    # pins the type and exactly the declared size
    assert response["statusCode"] == 201
    body = body_of(response)
    key = f"{owner_sub()}/{body['photo_id']}"
    assert body["upload"]["fields"]["key"] == key
    conditions = _policy(body)["conditions"]
    declared = json.loads(request["body"])["size_bytes"]
    assert ["content-length-range", declared, declared] in conditions
    assert int(template.parameters["MaxDirectUploadBytes"]) >= 100 * 1024 * 1024
    assert {"Content-Type": "image/jpeg"} in conditions
    assert body["expires_in"] == 900

    # And the photo is pending, with no URL, until its bytes arrive
    get = for_photo(load_event("get_photo"), body["photo_id"])
    pending = body_of(handlers["get_photo"](get))
    assert (pending["status"], pending["url"]) == ("pending", None)

    # When the browser POSTs the form to S3 (moto accepts it; it does not enforce the
    # policy's conditions, S3 does) and the Object Created event is processed
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (30, 60, 90)).save(out, "JPEG")
    jpeg = out.getvalue()
    posted = requests.post(
        body["upload"]["url"],
        data=body["upload"]["fields"],
        files={"file": ("mountains.jpg", jpeg, "image/jpeg")},
        timeout=10,
    )
    assert posted.status_code in (200, 201, 204)
    assert handlers["process_photo"](object_created(key)) == {"outcome": "rejected"}

    # Then bytes of another size than declared are rejected and removed
    rejected = body_of(handlers["get_photo"](get))
    assert (rejected["status"], rejected["rejected_reason"]) == ("rejected", "size_mismatch")
    assert keys_in_bucket() == []

    # When a new upload URL declares the real size and the same bytes are posted
    event = load_event("create_upload_url")
    event["body"] = json.dumps({**json.loads(request["body"]), "size_bytes": len(jpeg)})
    body = body_of(handlers["create_upload_url"](event))
    key = f"{owner_sub()}/{body['photo_id']}"
    get = for_photo(load_event("get_photo"), body["photo_id"])
    requests.post(
        body["upload"]["url"],
        data=body["upload"]["fields"],
        files={"file": ("mountains.jpg", jpeg, "image/jpeg")},
        timeout=10,
    )
    assert handlers["process_photo"](object_created(key)) == {"outcome": "ready"}

    # Then it is ready with its pixel size and links
    ready = body_of(handlers["get_photo"](get))
    assert (ready["status"], ready["width"], ready["height"]) == ("ready", 1200, 900)
    assert ready["url"] and ready["thumbnail_url"]
    listed = body_of(handlers["list_photos"](load_event("list_photos")))["items"]
    assert (listed[0]["photo_id"], listed[0]["status"]) == (body["photo_id"], "ready")


def test_direct_upload_of_other_bytes_is_rejected_and_removed(handlers):
    svg = b"<svg>not a jpeg</svg>"
    event = load_event("create_upload_url")
    event["body"] = json.dumps({**json.loads(event["body"]), "size_bytes": len(svg)})
    body = body_of(handlers["create_upload_url"](event))
    key = f"{owner_sub()}/{body['photo_id']}"
    boto3.client("s3").put_object(Bucket=BUCKET_NAME, Key=key, Body=svg)

    handlers["process_photo"](object_created(key))

    photo = body_of(handlers["get_photo"](for_photo(load_event("get_photo"), body["photo_id"])))
    assert (photo["status"], photo["rejected_reason"], photo["url"]) == (
        "rejected",
        "not_an_image",
        None,
    )
    assert keys_in_bucket() == []


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"content_type": "image/svg+xml"}, 415, "unsupported_media_type"),
        ({"size_bytes": 100 * 1024 * 1024 + 1}, 413, "payload_too_large"),
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
@pytest.mark.parametrize("name", [f.event for f in api_functions("photos")])
def test_every_route_is_401_without_authorizer_claims(cold_start, name):
    # Given an event that did not pass through the Cognito authorizer
    event = load_event(name)
    del event["requestContext"]["authorizer"]

    # When the function runs (TOKEN_VERIFICATION=authorizer, the template's default)
    response = cold_start(by_event(name).handler)(event)

    # Then it is refused, with the gateway's own 401 body
    assert response["statusCode"] == 401
    assert body_of(response) == {
        "error": "unauthorized",
        "error_description": "A valid access token is required in the Authorization header.",
    }
    assert header(response, "WWW-Authenticate") == "Bearer"


# ------------------------------------------------------------------ the pipeline's consumers
def test_a_failing_purge_reports_only_its_own_record(handlers, monkeypatch):
    # Given a stream batch of two REMOVE records, and S3 failing for the first photo only
    from photos.store import S3PhotoObjects

    bad, good = "01KAJ6B3M0Z8Q4W5R7T9V2X3Y4", "01KAJ6B3M0Z8Q4W5R7T9V2X3Y5"
    real = S3PhotoObjects.delete_all

    def delete_all(self, keys):
        if any(bad in key for key in keys):
            raise RuntimeError("DeleteObjects failed for 1 keys: ['InternalError']")
        return real(self, keys)

    monkeypatch.setattr(S3PhotoObjects, "delete_all", delete_all)
    event = removed(bad)
    second = json.loads(json.dumps(event["Records"][0]))
    second["dynamodb"]["Keys"]["photo_id"]["S"] = good
    second["dynamodb"]["SequenceNumber"] = "4421584500000000017450439092"
    event["Records"].append(second)

    # When PurgePhotoFunction runs (Powertools BatchProcessor)
    response = handlers["purge_photo"](event)

    # Then only the failed record is reported, so Lambda retries from it and no further
    assert response == {
        "batchItemFailures": [{"itemIdentifier": event["Records"][0]["dynamodb"]["SequenceNumber"]}]
    }


def test_an_event_for_another_bucket_is_ignored(handlers):
    event = load_event("process_photo")
    event["detail"]["bucket"]["name"] = "someone-elses-bucket"

    assert handlers["process_photo"](event) == {"outcome": "ignored"}
