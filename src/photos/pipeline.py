"""The event-driven half of the photo service: processing arrived bytes, purging deleted
photos. Knows no event shapes (the handlers parse those) and no HTTP.

Both operations are safe to run twice, concurrently, late or after a crash, because AWS
delivers S3 notifications and stream records at least once (Lambda developer guide,
"Asynchronous invocation" and "Using Lambda with DynamoDB"):

- :meth:`PhotoPipeline.process_object` changes a row only with a conditional write
  (``pending`` -> ``ready``/``rejected``), writes renditions before marking ``ready`` and
  cleans up after itself when the row vanished meanwhile; an object that no row owns is
  deleted.
- :meth:`PhotoPipeline.purge` is one DeleteObjects of every key a photo can own, which
  succeeds for absent keys.

Invariant (the fault test counts it, tests/e2e/test_photo_faults.py): once events have
settled, every object belongs to a row, and every ``ready`` row has its objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from photos.store import (
    RENDITIONS,
    DynamoPhotoTable,
    PhotoObjects,
    PhotoRecord,
    PhotoTable,
    S3PhotoObjects,
    parse_original_key,
    photo_keys,
    rendition_key,
)

if TYPE_CHECKING:
    from photos.config import PhotosConfig

logger = Logger(child=True)

Outcome = Literal["ready", "rejected", "already_done", "deleted_orphan", "deleted_foreign", "gone"]


def _lost_condition(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class PhotoPipeline:
    """Processing and purging, on the same adapters as :class:`photos.service.PhotoService`.

    Args:
        table / objects: the adapters.
        max_direct_upload_bytes: no object larger than this is read, bytes.
    """

    def __init__(
        self, table: PhotoTable, objects: PhotoObjects, *, max_direct_upload_bytes: int
    ) -> None:
        self._table = table
        self._objects = objects
        self._max_bytes = max_direct_upload_bytes

    @classmethod
    def from_config(cls, config: PhotosConfig) -> PhotoPipeline:
        """The pipeline on the function's table and bucket. Creates no AWS client: the
        adapters create theirs on first use."""
        return cls(
            DynamoPhotoTable(config.table_name),
            S3PhotoObjects(config.bucket_name),
            max_direct_upload_bytes=config.max_direct_upload_bytes,
        )

    def process_object(self, key: str, version_id: str | None, size_bytes: int) -> Outcome:
        """Handle one ``ObjectCreated`` of an original (``size_bytes`` from the event).

        Returns what happened:
            ``ready``: renditions written, row ready with width and height;
            ``rejected``: the row says why, the object version is deleted;
            ``already_done``: the row was already ready (a duplicate event);
            ``deleted_orphan``: no row owns the key (expired or deleted first): deleted;
            ``deleted_foreign``: the key is not ``{user_sub}/{photo_id}``: deleted;
            ``gone``: the object version no longer exists (nothing to do).
        Raises:
            botocore ClientError / RuntimeError: an AWS call failed; the invocation is
                retried by Lambda and everything above is repeatable.
        """
        from photos.images import Rejected, make_renditions  # Pillow: this function only

        owner = parse_original_key(key)
        if owner is None:
            logger.warning("object outside {user_sub}/{photo_id} deleted")
            self._objects.delete(key, version_id)
            return "deleted_foreign"
        user_sub, photo_id = owner
        record = self._table.get(user_sub, photo_id)
        if record is None:
            logger.info("object without a row deleted", extra={"photo_id": photo_id})
            self._objects.delete(key, version_id)
            return "deleted_orphan"
        if record.status == "ready":
            if version_id and record.source_version and version_id != record.source_version:
                # The same presigned POST used again: a processed photo never changes.
                self._objects.delete(key, version_id)
            return "already_done"
        if record.status == "rejected":
            self._objects.delete(key, version_id)
            return "already_done"
        if size_bytes != record.size_bytes:
            return self._reject(
                record, key, version_id, "empty" if size_bytes == 0 else "size_mismatch"
            )
        data = self._objects.read(key, version_id, min(record.size_bytes, self._max_bytes))
        if data is None:
            return "gone"
        if len(data) != record.size_bytes:
            return self._reject(record, key, version_id, "size_mismatch")
        try:
            renditions = make_renditions(data, record.content_type, RENDITIONS)
        except Rejected as rejected:
            return self._reject(record, key, version_id, rejected.reason)
        del data
        for name, jpeg in renditions.jpegs.items():
            self._objects.put(rendition_key(user_sub, photo_id, name), jpeg, "image/jpeg")
        try:
            self._table.mark_ready(
                user_sub, photo_id, renditions.width, renditions.height, version_id
            )
        except ClientError as exc:
            if not _lost_condition(exc):
                raise
            return self._after_lost_race(record)
        logger.info(
            "photo ready",
            extra={"photo_id": photo_id, "width": renditions.width, "height": renditions.height},
        )
        return "ready"

    def purge(self, user_sub: str, photo_id: str) -> None:
        """Delete the original and every rendition of a photo whose row is gone.

        Raises:
            botocore ClientError / RuntimeError: S3 failed (the stream retries the record).
        """
        self._objects.delete_all(photo_keys(user_sub, photo_id))
        logger.info("photo purged", extra={"photo_id": photo_id})

    # ------------------------------------------------------------ helpers
    def _reject(
        self, record: PhotoRecord, key: str, version_id: str | None, reason: str
    ) -> Outcome:
        """Row first (so a retry knows), then the object version, for good."""
        try:
            self._table.mark_rejected(record.user_sub, record.photo_id, reason)
        except ClientError as exc:
            if not _lost_condition(exc):
                raise
            current = self._table.get(record.user_sub, record.photo_id)
            if current is None:
                self._objects.delete(key, version_id)
                return "deleted_orphan"
            if current.status == "ready":  # another delivery of these bytes won
                return "already_done"
        self._objects.delete(key, version_id)
        logger.warning("upload rejected", extra={"photo_id": record.photo_id, "reason": reason})
        return "rejected"

    def _after_lost_race(self, record: PhotoRecord) -> Outcome:
        """``mark_ready`` lost its condition: the row was deleted (its purge may have run
        before the renditions existed, so remove them now) or another delivery won."""
        current = self._table.get(record.user_sub, record.photo_id)
        if current is None:
            self._objects.delete_all(photo_keys(record.user_sub, record.photo_id))
            logger.info("row deleted while processing", extra={"photo_id": record.photo_id})
            return "deleted_orphan"
        return "already_done"
