"""The photo logic with in-memory adapters: what a user relies on, without AWS."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from photos.errors import InvalidRequest, PayloadTooLarge, PhotoNotFound, UnsupportedMediaType
from photos.models import UploadedFile, UploadUrlRequest
from photos.service import PhotoService, decode_cursor, encode_cursor
from tests.unit.photos.photo_fakes import Clock, FakeObjects, FakeTable, client_error

ADA, BOB = "sub-ada-1111", "sub-bob-2222"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4"
    "nGP4/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\0" * 64
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\0" * 32
MAX_UPLOAD, MAX_DIRECT = 1024, 4096


@pytest.fixture
def table() -> FakeTable:
    return FakeTable()


@pytest.fixture
def objects() -> FakeObjects:
    return FakeObjects()


@pytest.fixture
def service(table: FakeTable, objects: FakeObjects) -> PhotoService:
    return PhotoService(
        table,
        objects,
        max_upload_bytes=MAX_UPLOAD,
        max_direct_upload_bytes=MAX_DIRECT,
        url_expires_seconds=900,
        clock=Clock(),
    )


def upload(service: PhotoService, user_sub: str = ADA, data: bytes = PNG, name: str = "a.png"):
    return service.upload_photo(user_sub, UploadedFile(filename=name, data=data))


# ------------------------------------------------------------------ upload
@pytest.mark.parametrize(
    ("data", "expected"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_the_type_comes_from_the_bytes_whatever_the_name(service, data, expected):
    # Given image bytes under a misleading name
    # When they are uploaded
    photo = upload(service, data=data, name="holiday.txt")

    # Then the stored type is what the bytes are, and the photo waits for processing
    assert photo.content_type == expected
    assert photo.status == "pending"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7 not an image",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"PK\x03\x04zip",
        b"\x00\x00\x00 ftypheic",
    ],
)
def test_non_images_are_415_and_nothing_is_stored(service, table, objects, data):
    with pytest.raises(UnsupportedMediaType):
        upload(service, data=data)

    assert table.rows == {} and objects.objects == {}


def test_size_limit_is_inclusive_and_over_it_is_413(service, table, objects):
    # Given a PNG exactly at the limit and one a byte over
    at_limit = PNG + b"\0" * (MAX_UPLOAD - len(PNG))

    # Then the first is stored and the second refused before anything is written
    assert upload(service, data=at_limit).size_bytes == MAX_UPLOAD
    with pytest.raises(PayloadTooLarge):
        upload(service, data=at_limit + b"\0")
    assert len(objects.objects) == 1 and len(table.rows) == 1


def test_empty_file_is_400(service):
    with pytest.raises(InvalidRequest):
        upload(service, data=b"")


def test_a_failed_dynamodb_write_stores_no_bytes(service, table, objects):
    # Given DynamoDB refuses the write
    table.fail_puts_with = client_error("ProvisionedThroughputExceededException", "PutItem")

    # When a photo is uploaded
    with pytest.raises(ClientError):
        upload(service)

    # Then the row came first, so no object was ever written
    assert objects.objects == {} and table.rows == {}


def test_a_failed_s3_write_removes_the_pending_row(service, table, objects):
    # Given S3 refuses the PutObject
    objects.fail_puts = 1

    # When a photo is uploaded
    with pytest.raises(ClientError):
        upload(service)

    # Then the pending row written first is gone too
    assert objects.objects == {} and table.rows == {}


def test_upload_writes_a_pending_row_with_a_ttl_then_the_bytes(service, table, objects):
    photo = upload(service, name="cat.png")

    assert photo.created_at == "2026-11-21T09:00:01Z"
    assert photo.filename == "cat.png" and photo.size_bytes == len(PNG)
    assert f"{ADA}/{photo.photo_id}" in objects.objects
    assert (photo.status, photo.url, photo.thumbnail_url) == ("pending", None, None)
    row = table.rows[(ADA, photo.photo_id)]
    # created_at + 24 h, in epoch seconds (DynamoDB TTL's unit)
    created = datetime(2026, 11, 21, 9, 0, 1, tzinfo=UTC).timestamp()
    assert row.expires_at == created + 24 * 3600


# ------------------------------------------------------------------ list
def test_pages_follow_the_cursor_newest_first_to_a_null_end(service):
    # Given five photos uploaded one after another
    ids = [upload(service).photo_id for _ in range(5)]

    # When they are listed two at a time
    pages, cursor = [], None
    while True:
        page = service.list_photos(ADA, limit=2, cursor=cursor)
        pages.append([p.photo_id for p in page.items])
        cursor = page.next_cursor
        if cursor is None:
            break

    # Then every photo comes once, newest first, and the last page ends the walk
    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[0:1]]


def test_a_full_last_page_has_no_next_cursor(service):
    for _ in range(2):
        upload(service)

    assert service.list_photos(ADA, limit=2, cursor=None).next_cursor is None


def test_listing_shows_only_the_callers_photos(service):
    mine = upload(service, ADA).photo_id
    upload(service, BOB)

    assert [p.photo_id for p in service.list_photos(ADA, 20, None).items] == [mine]


def test_cursor_round_trips_and_is_opaque(service):
    photo_id = upload(service).photo_id

    cursor = encode_cursor(photo_id)

    assert decode_cursor(cursor) == photo_id
    assert photo_id not in cursor and "=" not in cursor


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 !",
        base64.urlsafe_b64encode(b"user_sub=someone-else").decode(),
        base64.urlsafe_b64encode(b"01kaj6b3m0z8q4w5r7t9v2x3y4").decode(),  # not canonical
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        encode_cursor("01KAJ6B3M0Z8Q4W5R7T9V2X3Y4")[:-1],  # truncated
    ],
)
def test_tampered_cursors_are_400(service, cursor):
    with pytest.raises(InvalidRequest):
        service.list_photos(ADA, limit=20, cursor=cursor)


# ------------------------------------------------------------------ get / delete
def test_another_users_photo_is_404_to_get_and_delete(service, table):
    theirs = upload(service, BOB).photo_id

    with pytest.raises(PhotoNotFound):
        service.get_photo(ADA, theirs)
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        service.delete_photo(ADA, theirs)
    assert (BOB, theirs) in table.rows


@pytest.mark.parametrize("photo_id", ["", "nope", "../../etc/passwd", "Z" * 26])
def test_malformed_ids_are_404(service, photo_id):
    with pytest.raises(PhotoNotFound):
        service.get_photo(ADA, photo_id)
    with pytest.raises(PhotoNotFound):
        service.delete_photo(ADA, photo_id)


def test_delete_removes_only_the_row_the_stream_purges_the_bytes(service, table, objects):
    photo_id = upload(service).photo_id

    service.delete_photo(ADA, photo_id)

    assert table.rows == {}
    assert (
        objects.deleted == []
    )  # PurgePhotoFunction's job (tests/unit/photos/test_photo_pipeline.py)


# ------------------------------------------------------------------ direct upload
def request(**change) -> UploadUrlRequest:
    body = {"filename": "big.jpg", "content_type": "image/jpeg", "size_bytes": 2048, **change}
    return UploadUrlRequest.model_validate(body)


def test_upload_url_reserves_a_pending_photo_under_the_callers_sub(service, table, objects):
    response = service.create_upload_url(ADA, request())

    [post] = objects.presigned_posts
    assert post == {
        "key": f"{ADA}/{response.photo_id}",
        "content_type": "image/jpeg",
        "size_bytes": 2048,  # the declared size exactly, not the route's limit
        "expires_in": 900,
    }
    row = table.rows[(ADA, response.photo_id)]
    assert (row.status, row.size_bytes) == ("pending", 2048) and row.expires_at
    assert response.expires_in == 900


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"content_type": "image/svg+xml"}, UnsupportedMediaType),
        ({"content_type": "text/html"}, UnsupportedMediaType),
        ({"size_bytes": MAX_DIRECT + 1}, PayloadTooLarge),
    ],
)
def test_upload_url_refuses_other_types_and_sizes(service, table, change, error):
    with pytest.raises(error):
        service.create_upload_url(ADA, request(**change))
    assert table.rows == {}


def test_reads_never_touch_s3_and_a_ready_photo_has_three_links(service, table, objects):
    # Given a photo that processing made ready (and one still pending)
    ready = service.create_upload_url(ADA, request()).photo_id
    table.mark_ready(ADA, ready, 4000, 3000, "v1")
    pending = service.create_upload_url(ADA, request()).photo_id
    objects.read = objects.put = None  # any S3 call would now fail

    # When it is read, alone and in a list
    photo = service.get_photo(ADA, ready)
    listed = {p.photo_id: p for p in service.list_photos(ADA, 20, None).items}

    # Then it has its size and presigned links to the thumbnail, display size and original
    assert (photo.width, photo.height) == (4000, 3000)
    assert f"renditions/{ADA}/{ready}/thumbnail.jpg" in photo.thumbnail_url
    assert f"renditions/{ADA}/{ready}/display.jpg" in photo.url
    assert f"/{ADA}/{ready}?" in photo.original_url and "big.jpg" in photo.original_url
    assert listed[ready] == photo
    assert listed[pending].status == "pending" and listed[pending].url is None


def test_a_rejected_photo_says_why_and_has_no_links(service, table):
    photo_id = service.create_upload_url(ADA, request()).photo_id
    table.mark_rejected(ADA, photo_id, "decompression_bomb")

    photo = service.get_photo(ADA, photo_id)

    assert (photo.status, photo.rejected_reason) == ("rejected", "decompression_bomb")
    assert (photo.url, photo.thumbnail_url, photo.original_url, photo.width) == (None,) * 4
