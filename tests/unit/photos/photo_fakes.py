"""In-memory stand-ins for the photo store's adapters (no sockets, no moto)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count

from botocore.exceptions import ClientError

from photos.store import PhotoRecord


def client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


class FakeTable:
    """:class:`photos.store.PhotoTable` over a dict keyed by (user_sub, photo_id)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], PhotoRecord] = {}
        self.fail_puts_with: ClientError | None = None

    def put(self, record: PhotoRecord) -> None:
        if self.fail_puts_with:
            raise self.fail_puts_with
        key = (record.user_sub, record.photo_id)
        if key in self.rows:
            raise client_error("ConditionalCheckFailedException", "PutItem")
        self.rows[key] = record

    def get(self, user_sub: str, photo_id: str) -> PhotoRecord | None:
        return self.rows.get((user_sub, photo_id))

    def newest_first(
        self, user_sub: str, limit: int, after_photo_id: str | None
    ) -> list[PhotoRecord]:
        mine = sorted(
            (r for (sub, _), r in self.rows.items() if sub == user_sub),
            key=lambda r: r.photo_id,
            reverse=True,
        )
        if after_photo_id:
            mine = [r for r in mine if r.photo_id < after_photo_id]
        return mine[:limit]

    def _pending(self, user_sub: str, photo_id: str, operation: str) -> PhotoRecord:
        row = self.rows.get((user_sub, photo_id))
        if row is None or row.status != "pending":
            raise client_error("ConditionalCheckFailedException", operation)
        return row

    def mark_ready(
        self, user_sub: str, photo_id: str, width: int, height: int, source_version: str | None
    ) -> None:
        row = self._pending(user_sub, photo_id, "UpdateItem")
        self.rows[(user_sub, photo_id)] = replace(
            row,
            status="ready",
            width=width,
            height=height,
            source_version=source_version,
            expires_at=None,
        )

    def mark_rejected(self, user_sub: str, photo_id: str, reason: str) -> None:
        row = self._pending(user_sub, photo_id, "UpdateItem")
        self.rows[(user_sub, photo_id)] = replace(row, status="rejected", rejected_reason=reason)

    def delete(self, user_sub: str, photo_id: str) -> None:
        if self.rows.pop((user_sub, photo_id), None) is None:
            raise client_error("ConditionalCheckFailedException", "DeleteItem")

    def delete_pending(self, user_sub: str, photo_id: str) -> None:
        row = self.rows.get((user_sub, photo_id))
        if row is not None and row.status == "pending":
            del self.rows[(user_sub, photo_id)]


class FakeObjects:
    """:class:`photos.store.PhotoObjects` over a dict of key -> (bytes, type, version).

    ``fail_puts`` fails that many PutObject calls (an S3 outage)."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str, str]] = {}
        self.deleted: list[tuple[str, str | None]] = []
        self.presigned_posts: list[dict] = []
        self.fail_puts = 0
        self._versions = count(1)

    def put(self, key: str, data: bytes, content_type: str) -> str | None:
        if self.fail_puts:
            self.fail_puts -= 1
            raise client_error("InternalError", "PutObject")
        version = f"v{next(self._versions)}"
        self.objects[key] = (data, content_type, version)
        return version

    def read(self, key: str, version_id: str | None, max_bytes: int) -> bytes | None:
        stored = self.objects.get(key)
        if stored is None or (version_id and stored[2] != version_id):
            return None
        return stored[0][: max_bytes + 1]

    def delete(self, key: str, version_id: str | None = None) -> None:
        self.deleted.append((key, version_id))
        if version_id is None or (key in self.objects and self.objects[key][2] == version_id):
            self.objects.pop(key, None)

    def delete_all(self, keys: list[str]) -> None:
        for key in keys:
            self.delete(key)

    def presign_get(self, key: str, expires_in: int, download_as: str | None = None) -> str:
        suffix = f"&response-content-disposition={download_as}" if download_as else ""
        return (
            f"https://bucket.example/{key}?X-Amz-Expires={expires_in}&X-Amz-Signature=sig{suffix}"
        )

    def presign_post(
        self, key: str, content_type: str, size_bytes: int, expires_in: int
    ) -> tuple[str, dict[str, str]]:
        self.presigned_posts.append(
            {
                "key": key,
                "content_type": content_type,
                "size_bytes": size_bytes,
                "expires_in": expires_in,
            }
        )
        return "https://bucket.example/", {"key": key, "Content-Type": content_type}


class Clock:
    """A clock that moves one second per reading, from 2026-11-21T09:00:00Z."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 9, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now
