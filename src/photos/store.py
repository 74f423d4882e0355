"""Adapters to DynamoDB (photo metadata) and S3 (photo bytes).

Table ``PHOTOS_TABLE_NAME``: partition key ``user_sub`` (the owner's Cognito ``sub``),
sort key ``photo_id`` (a ULID, so sort order is upload order). Every read names the
caller's partition; there is no Scan. Objects live at ``{user_sub}/{photo_id}`` in the
private bucket ``PHOTOS_BUCKET_NAME``.

boto3 clients are created lazily, once per cold start (:func:`aws_client`), with no
explicit endpoint: the SDK honours ``AWS_ENDPOINT_URL``, which is how the local stack
points them at its emulator. ``ClientError`` is let through to ``photos.errors``, except
"object absent", which the S3 adapter reports as ``None``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from photos.models import PhotoStatus
from shared import snapstart

#: What Powertools Tracer patches for X-Ray in the photo functions: botocore only (every
#: upstream call is DynamoDB or S3). Naming it instead of patching everything the SDK
#: supports skips probing and importing the others (sqlite3, requests...) at cold start
#: (Powertools Tracer docs, "Patching modules").
TRACED_LIBRARIES = ("botocore",)

# Standard retry mode: exponential backoff with jitter on throttling and 5xx
# (AWS SDKs and Tools reference guide, "Retry behavior").
_BOTO_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3})


@functools.cache
def aws_client(service_name: Literal["dynamodb", "s3"]) -> Any:
    """The one boto3 client per service per cold start (SigV4 for S3 presigning)."""
    if service_name == "s3":
        return boto3.client("s3", config=_BOTO_CONFIG.merge(Config(signature_version="s3v4")))
    return boto3.client(service_name, config=_BOTO_CONFIG)


# SnapStart: load both services' models before the snapshot; after a restore, make the
# clients afresh (fresh credentials and connections) from those models (shared.snapstart).
snapstart.register(
    prime=lambda: [aws_client(name) for name in ("dynamodb", "s3")],
    refresh=aws_client.cache_clear,
)


@dataclass(frozen=True, slots=True)
class PhotoRecord:
    """One row of the photos table (sizes in bytes, ``created_at`` RFC 3339 UTC)."""

    user_sub: str
    photo_id: str
    filename: str
    content_type: str
    size_bytes: int
    created_at: str
    status: PhotoStatus

    @property
    def object_key(self) -> str:
        """The S3 key: under the owner's sub, so IAM or a prefix can scope one user."""
        return object_key(self.user_sub, self.photo_id)


def object_key(user_sub: str, photo_id: str) -> str:
    """``{user_sub}/{photo_id}``."""
    return f"{user_sub}/{photo_id}"


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """What HeadObject tells about a stored object."""

    size_bytes: int


class PhotoTable(Protocol):
    """Photo metadata, one partition per user."""

    def put(self, record: PhotoRecord) -> None: ...
    def get(self, user_sub: str, photo_id: str) -> PhotoRecord | None: ...
    def newest_first(
        self, user_sub: str, limit: int, after_photo_id: str | None
    ) -> list[PhotoRecord]: ...
    def mark_ready(self, record: PhotoRecord, size_bytes: int) -> PhotoRecord: ...
    def delete(self, user_sub: str, photo_id: str) -> None: ...


class PhotoObjects(Protocol):
    """Photo bytes in the private bucket."""

    def put(self, key: str, data: bytes, content_type: str) -> str | None: ...
    def delete(self, key: str, version_id: str | None = None) -> None: ...
    def head(self, key: str) -> ObjectInfo | None: ...
    def read_prefix(self, key: str, length: int) -> bytes | None: ...
    def presign_get(self, key: str, expires_in: int) -> str: ...
    def presign_post(
        self, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> tuple[str, dict[str, str]]: ...


# ---------------------------------------------------------------- DynamoDB
def _to_item(record: PhotoRecord) -> dict[str, dict[str, str]]:
    return {
        "user_sub": {"S": record.user_sub},
        "photo_id": {"S": record.photo_id},
        "filename": {"S": record.filename},
        "content_type": {"S": record.content_type},
        "size_bytes": {"N": str(record.size_bytes)},
        "created_at": {"S": record.created_at},
        "status": {"S": record.status},
    }


def _from_item(item: dict[str, dict[str, str]]) -> PhotoRecord:
    return PhotoRecord(
        user_sub=item["user_sub"]["S"],
        photo_id=item["photo_id"]["S"],
        filename=item["filename"]["S"],
        content_type=item["content_type"]["S"],
        size_bytes=int(item["size_bytes"]["N"]),
        created_at=item["created_at"]["S"],
        status=item["status"]["S"],  # type: ignore[arg-type]
    )


class DynamoPhotoTable:
    """:class:`PhotoTable` on DynamoDB (low-level client: no boto3 resource layer to
    import at cold start)."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self._table_name = table_name
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or aws_client("dynamodb")

    def put(self, record: PhotoRecord) -> None:
        """PutItem, refusing to overwrite (ids are fresh ULIDs: a clash is a bug)."""
        self.client.put_item(
            TableName=self._table_name,
            Item=_to_item(record),
            ConditionExpression="attribute_not_exists(photo_id)",
        )

    def get(self, user_sub: str, photo_id: str) -> PhotoRecord | None:
        """GetItem on (user_sub, photo_id); ``None`` when absent. Strongly consistent,
        so a photo is readable right after its upload returns."""
        response = self.client.get_item(
            TableName=self._table_name,
            Key={"user_sub": {"S": user_sub}, "photo_id": {"S": photo_id}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return _from_item(item) if item else None

    def newest_first(
        self, user_sub: str, limit: int, after_photo_id: str | None
    ) -> list[PhotoRecord]:
        """Up to ``limit`` of the user's photos, newest first, after ``after_photo_id``.

        Query with ``ScanIndexForward=False``. One Query returns at most 1 MB (DynamoDB
        developer guide, "Paginating table query results"), so this follows
        ``LastEvaluatedKey`` until ``limit`` items are in hand or the partition ends.
        """
        records: list[PhotoRecord] = []
        start_key = (
            {"user_sub": {"S": user_sub}, "photo_id": {"S": after_photo_id}}
            if after_photo_id
            else None
        )
        while len(records) < limit:
            kwargs: dict[str, Any] = {
                "TableName": self._table_name,
                "KeyConditionExpression": "user_sub = :user_sub",
                "ExpressionAttributeValues": {":user_sub": {"S": user_sub}},
                "ScanIndexForward": False,
                "Limit": limit - len(records),
            }
            if start_key:
                kwargs["ExclusiveStartKey"] = start_key
            response = self.client.query(**kwargs)
            records.extend(_from_item(item) for item in response.get("Items", []))
            start_key = response.get("LastEvaluatedKey")
            if not start_key:
                break
        return records

    def mark_ready(self, record: PhotoRecord, size_bytes: int) -> PhotoRecord:
        """UpdateItem status=ready and the object's real size. The condition stops
        UpdateItem from re-creating a photo deleted meanwhile (it would upsert)."""
        self.client.update_item(
            TableName=self._table_name,
            Key={"user_sub": {"S": record.user_sub}, "photo_id": {"S": record.photo_id}},
            UpdateExpression="SET #status = :ready, size_bytes = :size",
            ConditionExpression="attribute_exists(photo_id)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":ready": {"S": "ready"}, ":size": {"N": str(size_bytes)}},
        )
        return replace(record, status="ready", size_bytes=size_bytes)

    def delete(self, user_sub: str, photo_id: str) -> None:
        """DeleteItem, conditional on existence: a missing photo raises
        ``ConditionalCheckFailedException`` (404 through ``photos.errors``)."""
        self.client.delete_item(
            TableName=self._table_name,
            Key={"user_sub": {"S": user_sub}, "photo_id": {"S": photo_id}},
            ConditionExpression="attribute_exists(photo_id)",
        )


# ---------------------------------------------------------------- S3
# Without s3:ListBucket, S3 answers a missing key with 403 rather than 404 (S3 API
# reference, HeadObject/GetObject "Permissions"); the photo functions are not granted
# ListBucket, so both mean "not there (yet)".
_ABSENT = {"404", "NoSuchKey", "NotFound", "403", "AccessDenied", "Forbidden"}


def _is_absent(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
    return error.get("Code") in _ABSENT or status in {"403", "404"}


class S3PhotoObjects:
    """:class:`PhotoObjects` on one private S3 bucket."""

    def __init__(self, bucket_name: str, client: Any | None = None) -> None:
        self._bucket = bucket_name
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or aws_client("s3")

    def put(self, key: str, data: bytes, content_type: str) -> str | None:
        """PutObject; returns the new version id (the bucket is versioned) or ``None``."""
        response = self.client.put_object(
            Bucket=self._bucket, Key=key, Body=data, ContentType=content_type
        )
        return response.get("VersionId")

    def delete(self, key: str, version_id: str | None = None) -> None:
        """DeleteObject. With ``version_id`` that version is removed for good (a
        rollback); without, a delete marker hides the object and the bucket's lifecycle
        expires the old version."""
        kwargs = {"Bucket": self._bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        self.client.delete_object(**kwargs)

    def head(self, key: str) -> ObjectInfo | None:
        """HeadObject; ``None`` when the object is absent."""
        try:
            response = self.client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if _is_absent(exc):
                return None
            raise
        return ObjectInfo(size_bytes=int(response.get("ContentLength", 0)))

    def read_prefix(self, key: str, length: int) -> bytes | None:
        """The first ``length`` bytes (ranged GetObject, RFC 9110 section 14)."""
        try:
            response = self.client.get_object(
                Bucket=self._bucket, Key=key, Range=f"bytes=0-{length - 1}"
            )
        except ClientError as exc:
            if _is_absent(exc):
                return None
            raise
        with response["Body"] as body:
            return body.read(length)

    def presign_get(self, key: str, expires_in: int) -> str:
        """A presigned GET URL (SigV4, valid ``expires_in`` seconds). Never log it."""
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_in
        )

    def presign_post(
        self, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> tuple[str, dict[str, str]]:
        """A presigned POST (S3 "Browser-based uploads using POST") for exactly ``key``.

        The policy pins the key, the exact ``Content-Type`` and a
        ``content-length-range`` of 1..``max_bytes``; S3 refuses any other upload.
        Returns ``(url, fields)``: the client posts ``fields`` then the ``file`` part.
        """
        post = self.client.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=expires_in,
        )
        return post["url"], post["fields"]
