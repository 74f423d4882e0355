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
import re
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from photos.models import PhotoStatus
from shared import snapstart

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
    """One row of the photos table (sizes in bytes, ``created_at`` RFC 3339 UTC).

    ``expires_at`` is the DynamoDB TTL attribute (``EXPIRES_AT_ATTRIBUTE``, epoch
    seconds): set while ``pending`` (an abandoned upload expires) and on ``rejected``
    rows; removed when the photo becomes ``ready``. ``source_version`` is the S3 version
    id the renditions were made from, so a later overwrite of the same key is told apart.
    """

    user_sub: str
    photo_id: str
    filename: str
    content_type: str
    size_bytes: int
    created_at: str
    status: PhotoStatus
    expires_at: int | None = None
    width: int | None = None
    height: int | None = None
    source_version: str | None = None
    rejected_reason: str | None = None

    @property
    def object_key(self) -> str:
        """The S3 key: under the owner's sub, so IAM or a prefix can scope one user."""
        return object_key(self.user_sub, self.photo_id)


#: The TTL attribute of the photos table (template.yaml ``TimeToLiveSpecification``).
EXPIRES_AT_ATTRIBUTE = "expires_at"

#: The renditions ProcessPhotoFunction writes, by name: longest side in pixels.
RENDITIONS: dict[str, int] = {"thumbnail": 400, "display": 2048}

#: Prefix of every rendition key. The S3 -> EventBridge rule of ProcessPhotoFunction
#: matches ``anything-but {prefix: "renditions/"}``, so writing renditions does not
#: invoke it again.
RENDITIONS_PREFIX = "renditions/"

_ORIGINAL_KEY = re.compile(r"^(?P<sub>[0-9A-Za-z-]{1,128})/(?P<photo_id>[0-9A-HJKMNP-TV-Z]{26})$")


def object_key(user_sub: str, photo_id: str) -> str:
    """``{user_sub}/{photo_id}``: where the original bytes live."""
    return f"{user_sub}/{photo_id}"


def rendition_key(user_sub: str, photo_id: str, name: str) -> str:
    """``renditions/{user_sub}/{photo_id}/{name}.jpg`` (``name`` in :data:`RENDITIONS`)."""
    return f"{RENDITIONS_PREFIX}{user_sub}/{photo_id}/{name}.jpg"


def photo_keys(user_sub: str, photo_id: str) -> list[str]:
    """Every key a photo can own: the original and each rendition."""
    return [object_key(user_sub, photo_id)] + [
        rendition_key(user_sub, photo_id, name) for name in RENDITIONS
    ]


def parse_original_key(key: str) -> tuple[str, str] | None:
    """``(user_sub, photo_id)`` of an original's key, or ``None`` for any other key."""
    match = _ORIGINAL_KEY.match(key)
    return (match["sub"], match["photo_id"]) if match else None


class PhotoTable(Protocol):
    """Photo metadata, one partition per user."""

    def put(self, record: PhotoRecord) -> None: ...
    def get(self, user_sub: str, photo_id: str) -> PhotoRecord | None: ...
    def newest_first(
        self, user_sub: str, limit: int, after_photo_id: str | None
    ) -> list[PhotoRecord]: ...
    def mark_ready(
        self, user_sub: str, photo_id: str, width: int, height: int, source_version: str | None
    ) -> None: ...
    def mark_rejected(self, user_sub: str, photo_id: str, reason: str) -> None: ...
    def delete(self, user_sub: str, photo_id: str) -> None: ...
    def delete_pending(self, user_sub: str, photo_id: str) -> None: ...


class PhotoObjects(Protocol):
    """Photo bytes in the private bucket."""

    def put(self, key: str, data: bytes, content_type: str) -> str | None: ...
    def read(self, key: str, version_id: str | None, max_bytes: int) -> bytes | None: ...
    def delete(self, key: str, version_id: str | None = None) -> None: ...
    def delete_all(self, keys: list[str]) -> None: ...
    def presign_get(self, key: str, expires_in: int, download_as: str | None = None) -> str: ...
    def presign_post(
        self, key: str, content_type: str, size_bytes: int, expires_in: int
    ) -> tuple[str, dict[str, str]]: ...


# ---------------------------------------------------------------- DynamoDB
_OPTIONAL_NUMBERS = ("expires_at", "width", "height")  # what _to_item writes when set
_OPTIONAL_STRINGS = ("source_version", "rejected_reason")


def _to_item(record: PhotoRecord) -> dict[str, dict[str, str]]:
    item: dict[str, dict[str, str]] = {
        "user_sub": {"S": record.user_sub},
        "photo_id": {"S": record.photo_id},
        "filename": {"S": record.filename},
        "content_type": {"S": record.content_type},
        "size_bytes": {"N": str(record.size_bytes)},
        "created_at": {"S": record.created_at},
        "status": {"S": record.status},
    }
    for name in _OPTIONAL_NUMBERS:
        if getattr(record, name) is not None:
            item[name] = {"N": str(getattr(record, name))}
    for name in _OPTIONAL_STRINGS:
        if getattr(record, name) is not None:
            item[name] = {"S": str(getattr(record, name))}
    return item


def from_item(item: dict[str, dict[str, str]]) -> PhotoRecord:
    """A :class:`PhotoRecord` from a DynamoDB item in the low-level (typed) shape, as
    GetItem, Query and a stream record's ``OldImage`` carry it."""
    return PhotoRecord(
        user_sub=item["user_sub"]["S"],
        photo_id=item["photo_id"]["S"],
        filename=item["filename"]["S"],
        content_type=item["content_type"]["S"],
        size_bytes=int(item["size_bytes"]["N"]),
        created_at=item["created_at"]["S"],
        status=item["status"]["S"],  # type: ignore[arg-type]
        expires_at=_number(item, "expires_at"),
        width=_number(item, "width"),
        height=_number(item, "height"),
        source_version=item["source_version"]["S"] if "source_version" in item else None,
        rejected_reason=item["rejected_reason"]["S"] if "rejected_reason" in item else None,
    )


def _number(item: dict[str, dict[str, str]], name: str) -> int | None:
    return int(item[name]["N"]) if name in item else None


def _key(user_sub: str, photo_id: str) -> dict[str, dict[str, str]]:
    return {"user_sub": {"S": user_sub}, "photo_id": {"S": photo_id}}


class DynamoPhotoTable:
    """:class:`PhotoTable` on DynamoDB (low-level client: no boto3 resource layer to
    import at cold start). Every state change is a conditional write, so a retried or
    late event cannot undo a newer state (DynamoDB developer guide, "Condition
    expressions")."""

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
            TableName=self._table_name, Key=_key(user_sub, photo_id), ConsistentRead=True
        )
        item = response.get("Item")
        return from_item(item) if item else None

    def newest_first(
        self, user_sub: str, limit: int, after_photo_id: str | None
    ) -> list[PhotoRecord]:
        """Up to ``limit`` of the user's photos, newest first, after ``after_photo_id``.

        Query with ``ScanIndexForward=False``. One Query returns at most 1 MB (DynamoDB
        developer guide, "Paginating table query results"), so this follows
        ``LastEvaluatedKey`` until ``limit`` items are in hand or the partition ends.
        """
        records: list[PhotoRecord] = []
        start_key = _key(user_sub, after_photo_id) if after_photo_id else None
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
            records.extend(from_item(item) for item in response.get("Items", []))
            start_key = response.get("LastEvaluatedKey")
            if not start_key:
                break
        return records

    def mark_ready(
        self, user_sub: str, photo_id: str, width: int, height: int, source_version: str | None
    ) -> None:
        """``pending`` -> ``ready`` with the pixel size, dropping the TTL.

        Raises:
            ClientError ``ConditionalCheckFailedException``: the row is gone (deleted or
                expired) or no longer pending; UpdateItem would otherwise re-create it.
        """
        values: dict[str, Any] = {
            ":ready": {"S": "ready"},
            ":pending": {"S": "pending"},
            ":width": {"N": str(width)},
            ":height": {"N": str(height)},
        }
        update = "SET #status = :ready, width = :width, height = :height"
        if source_version:
            update += ", source_version = :version"
            values[":version"] = {"S": source_version}
        self.client.update_item(
            TableName=self._table_name,
            Key=_key(user_sub, photo_id),
            UpdateExpression=update + f" REMOVE {EXPIRES_AT_ATTRIBUTE}",
            ConditionExpression="attribute_exists(photo_id) AND #status = :pending",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
        )

    def mark_rejected(self, user_sub: str, photo_id: str, reason: str) -> None:
        """``pending`` -> ``rejected`` with ``reason`` (the row keeps its TTL).

        Raises:
            ClientError ``ConditionalCheckFailedException``: gone or no longer pending.
        """
        self.client.update_item(
            TableName=self._table_name,
            Key=_key(user_sub, photo_id),
            UpdateExpression="SET #status = :rejected, rejected_reason = :reason",
            ConditionExpression="attribute_exists(photo_id) AND #status = :pending",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":rejected": {"S": "rejected"},
                ":pending": {"S": "pending"},
                ":reason": {"S": reason},
            },
        )

    def delete(self, user_sub: str, photo_id: str) -> None:
        """DeleteItem, conditional on existence: a missing photo raises
        ``ConditionalCheckFailedException`` (404 through ``photos.errors``)."""
        self.client.delete_item(
            TableName=self._table_name,
            Key=_key(user_sub, photo_id),
            ConditionExpression="attribute_exists(photo_id)",
        )

    def delete_pending(self, user_sub: str, photo_id: str) -> None:
        """DeleteItem only while ``pending`` (an upload's rollback); no error otherwise."""
        try:
            self.client.delete_item(
                TableName=self._table_name,
                Key=_key(user_sub, photo_id),
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":pending": {"S": "pending"}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise


# ---------------------------------------------------------------- S3
_ABSENT = {"404", "NoSuchKey", "NoSuchVersion", "NotFound"}


def _is_absent(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
    return error.get("Code") in _ABSENT or status == "404"


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

    def read(self, key: str, version_id: str | None, max_bytes: int) -> bytes | None:
        """GetObject (that version if given): at most ``max_bytes + 1`` bytes are read,
        so an object larger than allowed is seen as such without reading all of it.
        ``None`` when the object (version) is absent (the functions hold s3:ListBucket,
        so S3 answers 404, not 403)."""
        kwargs = {"Bucket": self._bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            response = self.client.get_object(**kwargs)
        except ClientError as exc:
            if _is_absent(exc):
                return None
            raise
        with response["Body"] as body:
            return body.read(max_bytes + 1)

    def delete(self, key: str, version_id: str | None = None) -> None:
        """DeleteObject. With ``version_id`` that version is removed for good; without,
        a delete marker hides the object and the bucket's lifecycle expires the old
        version (a recovery window)."""
        kwargs = {"Bucket": self._bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        self.client.delete_object(**kwargs)

    def delete_all(self, keys: list[str]) -> None:
        """DeleteObjects for ``keys`` (S3 allows 1000 per call) in one request.

        Idempotent: deleting an absent key succeeds (S3 API reference, DeleteObjects).

        Raises:
            RuntimeError: S3 reported an error for some key (the caller retries).
        """
        response = self.client.delete_objects(
            Bucket=self._bucket,
            Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True},
        )
        failed = response.get("Errors") or []
        if failed:
            codes = sorted({str(error.get("Code")) for error in failed})
            raise RuntimeError(f"DeleteObjects failed for {len(failed)} keys: {codes}")

    def presign_get(self, key: str, expires_in: int, download_as: str | None = None) -> str:
        """A presigned GET URL (SigV4, valid ``expires_in`` seconds). With
        ``download_as`` the response carries ``Content-Disposition: attachment`` with that
        filename (RFC 6266). Never log it."""
        params = {"Bucket": self._bucket, "Key": key}
        if download_as:
            quoted = download_as.replace("\\", "_").replace('"', "_")
            params["ResponseContentDisposition"] = f'attachment; filename="{quoted}"'
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)

    def presign_post(
        self, key: str, content_type: str, size_bytes: int, expires_in: int
    ) -> tuple[str, dict[str, str]]:
        """A presigned POST (S3 "Browser-based uploads using POST") for exactly ``key``.

        The policy pins the key, the exact ``Content-Type`` and a
        ``content-length-range`` of exactly ``size_bytes`` (the declared size); S3
        refuses any other upload. Returns ``(url, fields)``: the client posts ``fields``
        then the ``file`` part.
        """
        post = self.client.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", size_bytes, size_bytes],
            ],
            ExpiresIn=expires_in,
        )
        return post["url"], post["fields"]
