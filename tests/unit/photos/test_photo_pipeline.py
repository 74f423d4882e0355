"""ProcessPhotoFunction's and PurgePhotoFunction's logic with in-memory adapters and real
images (Pillow): what ends up in the table and the bucket, for good and hostile bytes,
duplicates, races and failures."""

from __future__ import annotations

import io

import pytest
from botocore.exceptions import ClientError
from PIL import Image

from photos.pipeline import PhotoPipeline
from photos.store import PhotoRecord, object_key, rendition_key
from tests.unit.photos.photo_fakes import FakeObjects, FakeTable

ADA = "0b5e6d1c-6a8e-4f5e-9a53-7d1f1b3c2a10"
PHOTO_ID = "01KAJ6B3M0Z8Q4W5R7T9V2X3Y4"
KEY = object_key(ADA, PHOTO_ID)


def jpeg(size=(3000, 2000), exif: Image.Exif | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif or Image.Exif())
    return out.getvalue()


def png(size=(640, 480), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "SpyCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[2] = (48.0, 51.0, 29.0)  # GPSLatitude
    gps[1] = "N"
    return exif


@pytest.fixture
def table() -> FakeTable:
    return FakeTable()


@pytest.fixture
def objects() -> FakeObjects:
    return FakeObjects()


@pytest.fixture
def pipeline(table, objects) -> PhotoPipeline:
    return PhotoPipeline(table, objects, max_direct_upload_bytes=100 * 1024 * 1024)


def arrive(table, objects, data: bytes, content_type="image/jpeg", declared=None) -> str:
    """Given a pending row declaring ``declared`` bytes and an upload of ``data``."""
    table.put(
        PhotoRecord(
            user_sub=ADA,
            photo_id=PHOTO_ID,
            filename="x.jpg",
            content_type=content_type,
            size_bytes=len(data) if declared is None else declared,
            created_at="2026-11-21T09:00:00Z",
            status="pending",
            expires_at=1,
        )
    )
    return objects.put(KEY, data, content_type)


def renditions(objects) -> dict[str, Image.Image]:
    return {
        name: Image.open(io.BytesIO(objects.objects[rendition_key(ADA, PHOTO_ID, name)][0]))
        for name in ("thumbnail", "display")
    }


# ------------------------------------------------------------------ ready
def test_a_photo_becomes_ready_with_renditions_without_exif_or_gps(pipeline, table, objects):
    # Given a 3000x2000 JPEG rotated by EXIF (orientation 6: 90 degrees) and carrying GPS
    version = arrive(table, objects, jpeg((3000, 2000), gps_exif(orientation=6)))

    # When its ObjectCreated event is processed
    outcome = pipeline.process_object(KEY, version, len(objects.objects[KEY][0]))

    # Then the row is ready with the upright size, and has no TTL any more
    row = table.rows[(ADA, PHOTO_ID)]
    assert outcome == "ready"
    assert (row.status, row.width, row.height) == ("ready", 2000, 3000)
    assert row.expires_at is None and row.source_version == version
    # And the renditions are upright, ~400 px and ~2048 px, with no metadata at all
    images = renditions(objects)
    assert images["thumbnail"].size == (267, 400)
    assert images["display"].size == (1365, 2048)
    for image in images.values():
        assert image.format == "JPEG"
        assert not image.getexif() and "exif" not in image.info


def test_a_transparent_png_is_flattened_and_small_images_are_not_upscaled(pipeline, table, objects):
    version = arrive(table, objects, png((300, 200)), content_type="image/png")

    assert pipeline.process_object(KEY, version, len(objects.objects[KEY][0])) == "ready"

    assert {name: image.size for name, image in renditions(objects).items()} == {
        "thumbnail": (300, 200),
        "display": (300, 200),
    }


# ------------------------------------------------------------------ rejected
def bomb() -> bytes:
    out = io.BytesIO()
    # 67 MP of zeros (over photos.images.MAX_PIXELS): a few KB on disk
    Image.new("1", (8200, 8200)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "content_type", "declared", "reason"),
    [
        (b"<html>not an image</html>", "image/jpeg", None, "not_an_image"),
        (png(), "image/jpeg", None, "type_mismatch"),
        (jpeg()[:2000], "image/jpeg", None, "undecodable"),
        (b"", "image/jpeg", 10, "empty"),
        (jpeg(), "image/jpeg", 100, "size_mismatch"),
        (bomb(), "image/png", None, "decompression_bomb"),
    ],
    ids=["not-an-image", "other-type", "truncated", "zero-bytes", "larger-than-declared", "bomb"],
)
def test_bad_bytes_mark_the_row_rejected_and_leave_no_object(
    pipeline, table, objects, data, content_type, declared, reason
):
    # Given a pending upload whose bytes are bad
    version = arrive(table, objects, data, content_type, declared)

    # When its event is processed
    outcome = pipeline.process_object(KEY, version, len(data))

    # Then the row says why, and no object is left (not even a rendition)
    row = table.rows[(ADA, PHOTO_ID)]
    assert (outcome, row.status, row.rejected_reason) == ("rejected", "rejected", reason)
    assert objects.objects == {}
    assert row.expires_at  # a rejected row expires too


# ------------------------------------------------------------------ no row / foreign
def test_an_object_without_a_row_is_deleted(pipeline, objects):
    # Given bytes whose row expired (or was deleted) before they arrived
    version = objects.put(KEY, jpeg(), "image/jpeg")

    assert pipeline.process_object(KEY, version, 1) == "deleted_orphan"

    assert objects.objects == {}


@pytest.mark.parametrize("key", ["loose.jpg", f"{ADA}/not-a-ulid", f"{ADA}/{PHOTO_ID}/extra"])
def test_a_key_outside_user_sub_photo_id_is_deleted(pipeline, objects, key):
    version = objects.put(key, jpeg(), "image/jpeg")

    assert pipeline.process_object(key, version, 1) == "deleted_foreign"

    assert objects.objects == {}


# ------------------------------------------------------------------ at least once
def test_a_duplicate_event_changes_nothing_and_a_second_upload_is_dropped(pipeline, table, objects):
    version = arrive(table, objects, jpeg())
    pipeline.process_object(KEY, version, len(objects.objects[KEY][0]))
    before = dict(objects.objects)

    # When the same event comes again
    assert pipeline.process_object(KEY, version, 1) == "already_done"
    assert objects.objects == before

    # When the presigned POST is used again (a new version of the same key)
    second = objects.put(KEY, jpeg((10, 10)), "image/jpeg")
    assert pipeline.process_object(KEY, second, 1) == "already_done"

    # Then that version is deleted
    assert (KEY, second) in objects.deleted


def test_a_failed_rendition_write_raises_and_the_retry_completes(pipeline, table, objects):
    version = arrive(table, objects, jpeg())
    objects.fail_puts = 1  # S3 fails once

    with pytest.raises(ClientError):
        pipeline.process_object(KEY, version, len(objects.objects[KEY][0]))
    assert table.rows[(ADA, PHOTO_ID)].status == "pending"

    # Lambda retries the event
    assert pipeline.process_object(KEY, version, len(objects.objects[KEY][0])) == "ready"


def test_a_row_deleted_during_processing_leaves_no_rendition(pipeline, table, objects):
    # Given the user deletes the photo (and its purge runs) while renditions are made
    version = arrive(table, objects, jpeg())
    real_put = objects.put

    def put_then_delete(key, data, content_type):
        if table.rows:
            table.delete(ADA, PHOTO_ID)
            pipeline.purge(ADA, PHOTO_ID)
        return real_put(key, data, content_type)

    objects.put = put_then_delete

    # When processing finishes
    outcome = pipeline.process_object(KEY, version, len(objects.objects[KEY][0]))

    # Then it notices, and cleans up what it wrote after the purge
    assert outcome == "deleted_orphan"
    assert objects.objects == {} and table.rows == {}


# ------------------------------------------------------------------ purge
def test_purge_deletes_the_original_and_every_rendition_and_can_run_twice(pipeline, table, objects):
    version = arrive(table, objects, jpeg())
    pipeline.process_object(KEY, version, len(objects.objects[KEY][0]))
    assert len(objects.objects) == 3

    pipeline.purge(ADA, PHOTO_ID)
    pipeline.purge(ADA, PHOTO_ID)

    assert objects.objects == {}
