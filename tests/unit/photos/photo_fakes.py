"""In-memory stand-ins for the photo store's adapters (no sockets, no moto)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count

from botocore.exceptions import ClientError

from photos.store import ObjectInfo, PhotoRecord


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

    def mark_ready(self, record: PhotoRecord, size_bytes: int) -> PhotoRecord:
        key = (record.user_sub, record.photo_id)
        if key not in self.rows:
            raise client_error("ConditionalCheckFailedException", "UpdateItem")
        self.rows[key] = replace(self.rows[key], status="ready", size_bytes=size_bytes)
        return self.rows[key]

    def delete(self, user_sub: str, photo_id: str) -> None:
        if self.rows.pop((user_sub, photo_id), None) is None:
            raise client_error("ConditionalCheckFailedException", "DeleteItem")


class FakeObjects:
    """:class:`photos.store.PhotoObjects` over a dict of key -> (bytes, type, version)."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str, str]] = {}
        self.deleted: list[tuple[str, str | None]] = []
        self.presigned_posts: list[dict] = []
        self._versions = count(1)

    def put(self, key: str, data: bytes, content_type: str) -> str | None:
        version = f"v{next(self._versions)}"
        self.objects[key] = (data, content_type, version)
        return version

    def delete(self, key: str, version_id: str | None = None) -> None:
        self.deleted.append((key, version_id))
        self.objects.pop(key, None)

    def head(self, key: str) -> ObjectInfo | None:
        if key not in self.objects:
            return None
        return ObjectInfo(size_bytes=len(self.objects[key][0]))

    def read_prefix(self, key: str, length: int) -> bytes | None:
        return self.objects[key][0][:length] if key in self.objects else None

    def presign_get(self, key: str, expires_in: int) -> str:
        return f"https://bucket.example/{key}?X-Amz-Expires={expires_in}&X-Amz-Signature=sig"

    def presign_post(
        self, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> tuple[str, dict[str, str]]:
        self.presigned_posts.append(
            {
                "key": key,
                "content_type": content_type,
                "max_bytes": max_bytes,
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
