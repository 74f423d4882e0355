"""The photo service's logic. It knows no HTTP: it takes typed values and its adapters
(:class:`~photos.store.PhotoTable`, :class:`~photos.store.PhotoObjects`) and returns
models or raises ``photos.errors`` kinds. AWS ``ClientError`` is let through to
``photos.errors``.

Rules (docs/photos.md; the API contract, openapi.json):

- Every operation is scoped to ``user_sub``, the caller's Cognito ``sub``; a photo of
  another user is indistinguishable from a missing one (404).
- A photo's type comes from its bytes (``filetype``), never a declared Content-Type.
- Uploads write the row first (``pending``, with a TTL), then the bytes. S3's
  ObjectCreated event runs ProcessPhotoFunction (``photos.pipeline``), which makes the
  photo ``ready`` or ``rejected``. A crash between the two writes leaves a pending row
  that expires; never an object without a row (docs/photos.md, "No half-writes").
- A delete removes the row only; the table's stream purges the objects.
- Reads are one DynamoDB call; presigning is local computation, not an S3 call.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime

from aws_lambda_powertools import Logger
from ulid import ULID

from photos.config import PhotosConfig
from photos.errors import InvalidRequest, PayloadTooLarge, PhotoNotFound, UnsupportedMediaType
from photos.models import (
    IMAGE_TYPES,
    Photo,
    PhotoPage,
    PresignedPost,
    UploadedFile,
    UploadUrlRequest,
    UploadUrlResponse,
)
from photos.store import (
    DynamoPhotoTable,
    PhotoObjects,
    PhotoRecord,
    PhotoTable,
    S3PhotoObjects,
    rendition_key,
)

logger = Logger(child=True)

#: Bytes ``filetype`` needs to recognise any type it knows (its documented maximum).
SNIFF_BYTES = 262


def image_type(head: bytes) -> str | None:
    """The MIME type of an allowed image, judged by its leading bytes; else ``None``."""
    # Imported on first use: DeletePhotoFunction and CreateUploadUrlFunction never sniff
    # bytes, so their cold starts skip it.
    import filetype

    kind = filetype.guess(head[:SNIFF_BYTES]) if head else None
    return kind.mime if kind is not None and kind.mime in IMAGE_TYPES else None


def canonical_photo_id(raw: str) -> str | None:
    """``raw`` as a canonical (upper-case) ULID string, or ``None`` if it is not one."""
    try:
        return str(ULID.from_str(raw))
    except (ValueError, TypeError):
        return None


def encode_cursor(photo_id: str) -> str:
    """The opaque cursor for "the page after ``photo_id``": unpadded base64url."""
    return base64.urlsafe_b64encode(photo_id.encode("ascii")).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> str:
    """The photo id inside a cursor from :func:`encode_cursor`.

    The cursor can only move within the caller's own partition (the key is always
    ``user_sub`` from the token), so a forged cursor reveals nothing; it is still
    validated so garbage is a clean 400.

    Raises:
        InvalidRequest: not base64url, or not a photo id inside.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequest("cursor: is not a cursor this API returned.") from exc
    photo_id = canonical_photo_id(raw)
    if photo_id is None or photo_id != raw:
        raise InvalidRequest("cursor: is not a cursor this API returned.")
    return photo_id


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PhotoService:
    """Photo use cases for one caller at a time.

    Args:
        table / objects: the adapters (``DynamoPhotoTable``, ``S3PhotoObjects`` in
            production; in-memory fakes in unit tests).
        max_upload_bytes: limit of :meth:`upload_photo`, bytes.
        max_direct_upload_bytes: limit of :meth:`create_upload_url`, bytes.
        url_expires_seconds: lifetime of presigned GET/POST URLs, seconds.
        pending_ttl_seconds: how long a ``pending`` row lives before DynamoDB TTL
            deletes it (an abandoned or crashed upload), seconds.
        clock: the current time (UTC); photo ids and ``created_at`` derive from it.
    """

    def __init__(
        self,
        table: PhotoTable,
        objects: PhotoObjects,
        *,
        max_upload_bytes: int,
        max_direct_upload_bytes: int,
        url_expires_seconds: int,
        pending_ttl_seconds: int = 24 * 3600,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._table = table
        self._objects = objects
        self._max_upload = max_upload_bytes
        self._max_direct = max_direct_upload_bytes
        self._expires = url_expires_seconds
        self._pending_ttl = pending_ttl_seconds
        self._clock = clock

    @classmethod
    def from_config(
        cls,
        config: PhotosConfig,
        table: PhotoTable | None = None,
        objects: PhotoObjects | None = None,
    ) -> PhotoService:
        """The service with the production adapters unless others are given. Creates no
        AWS client: the adapters create theirs on first use."""
        return cls(
            table or DynamoPhotoTable(config.table_name),
            objects or S3PhotoObjects(config.bucket_name),
            max_upload_bytes=config.max_upload_bytes,
            max_direct_upload_bytes=config.max_direct_upload_bytes,
            url_expires_seconds=config.url_expires_seconds,
            pending_ttl_seconds=config.pending_ttl_seconds,
        )

    # ------------------------------------------------------------ queries
    def list_photos(self, user_sub: str, limit: int, cursor: str | None) -> PhotoPage:
        """The caller's photos, newest first, ``limit`` per page.

        One extra item is read to learn whether another page exists, so ``next_cursor``
        is ``None`` exactly on the last page.

        Raises:
            InvalidRequest: a cursor that this API did not issue.
        """
        after = decode_cursor(cursor) if cursor else None
        records = self._table.newest_first(user_sub, limit + 1, after)
        page, more = records[:limit], len(records) > limit
        return PhotoPage(
            items=[self._to_photo(record) for record in page],
            next_cursor=encode_cursor(page[-1].photo_id) if more else None,
        )

    def get_photo(self, user_sub: str, photo_id: str) -> Photo:
        """One of the caller's photos.

        Raises:
            PhotoNotFound: malformed id, no such photo, or another user's photo.
        """
        return self._to_photo(self._find(user_sub, photo_id))

    # ------------------------------------------------------------ commands
    def upload_photo(self, user_sub: str, upload: UploadedFile) -> Photo:
        """Accept an image sent through the API (``POST /photos``): the row first
        (``pending``, with a TTL), then the object. The answer is the pending photo;
        S3's ObjectCreated event makes it ``ready`` (``photos.pipeline``).

        If the PutObject fails, the pending row is deleted (best effort; the TTL removes
        it otherwise) and the error re-raised. A crash between the writes leaves only a
        pending row that expires: never an object without its row.

        Raises:
            InvalidRequest: the file is empty.
            PayloadTooLarge: more than ``max_upload_bytes``.
            UnsupportedMediaType: its bytes are not JPEG, PNG, GIF or WebP.
        """
        size = len(upload.data)
        if size == 0:
            raise InvalidRequest("file: is empty.")
        if size > self._max_upload:
            raise PayloadTooLarge(self._max_upload)
        content_type = image_type(upload.data)
        if content_type is None:
            raise UnsupportedMediaType()
        record = self._new_record(user_sub, upload.filename, content_type, size)
        self._table.put(record)
        try:
            self._objects.put(record.object_key, upload.data, content_type)
        except Exception:
            self._roll_back(record)
            raise
        logger.info("photo uploaded", extra={"photo_id": record.photo_id, "size_bytes": size})
        return self._to_photo(record)

    def create_upload_url(self, user_sub: str, request: UploadUrlRequest) -> UploadUrlResponse:
        """Write a ``pending`` row (with a TTL) and presign a POST that can only fill it:
        its key, its declared type and exactly its declared size.

        Raises:
            UnsupportedMediaType: ``content_type`` is not an allowed image type.
            PayloadTooLarge: ``size_bytes`` over ``max_direct_upload_bytes``.
        """
        if request.content_type not in IMAGE_TYPES:
            raise UnsupportedMediaType(
                "content_type: must be image/jpeg, image/png, image/gif or image/webp."
            )
        if request.size_bytes > self._max_direct:
            raise PayloadTooLarge(self._max_direct)
        record = self._new_record(
            user_sub, request.filename, request.content_type, request.size_bytes
        )
        self._table.put(record)
        url, fields = self._objects.presign_post(
            record.object_key, record.content_type, record.size_bytes, self._expires
        )
        return UploadUrlResponse(
            photo_id=record.photo_id,
            upload=PresignedPost(url=url, fields=fields),
            expires_in=self._expires,
        )

    def delete_photo(self, user_sub: str, photo_id: str) -> None:
        """Delete the row (conditional on its existence). The table's stream then runs
        PurgePhotoFunction, which deletes the original and every rendition.

        Raises:
            PhotoNotFound: malformed id.
            botocore ClientError ``ConditionalCheckFailedException``: no such photo for
                this caller (404 through ``photos.errors``).
        """
        canonical = canonical_photo_id(photo_id)
        if canonical is None:
            raise PhotoNotFound()
        self._table.delete(user_sub, canonical)
        logger.info("photo deleted", extra={"photo_id": canonical})

    # ------------------------------------------------------------ helpers
    def _find(self, user_sub: str, photo_id: str) -> PhotoRecord:
        canonical = canonical_photo_id(photo_id)
        record = self._table.get(user_sub, canonical) if canonical else None
        if record is None:
            raise PhotoNotFound()
        return record

    def _new_record(
        self, user_sub: str, filename: str, content_type: str, size: int
    ) -> PhotoRecord:
        now = self._clock()
        return PhotoRecord(
            user_sub=user_sub,
            photo_id=str(ULID.from_datetime(now)),
            filename=filename,
            content_type=content_type,
            size_bytes=size,
            created_at=_rfc3339(now),
            status="pending",
            expires_at=int(now.timestamp()) + self._pending_ttl,
        )

    def _to_photo(self, record: PhotoRecord) -> Photo:
        ready = record.status == "ready"

        def presign(key: str, download_as: str | None = None) -> str | None:
            return self._objects.presign_get(key, self._expires, download_as) if ready else None

        return Photo(
            photo_id=record.photo_id,
            filename=record.filename,
            content_type=record.content_type,
            size_bytes=record.size_bytes,
            created_at=record.created_at,
            status=record.status,
            width=record.width if ready else None,
            height=record.height if ready else None,
            thumbnail_url=presign(rendition_key(record.user_sub, record.photo_id, "thumbnail")),
            url=presign(rendition_key(record.user_sub, record.photo_id, "display")),
            original_url=presign(record.object_key, record.filename),
            rejected_reason=record.rejected_reason if record.status == "rejected" else None,  # type: ignore[arg-type]
        )

    def _roll_back(self, record: PhotoRecord) -> None:
        try:
            self._table.delete_pending(record.user_sub, record.photo_id)
        except Exception:  # the original error matters more; the TTL removes the row
            logger.exception("rollback of pending row failed", extra={"photo_id": record.photo_id})
