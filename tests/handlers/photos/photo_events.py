"""Event builders for the photo handler tests: the ``events/*.json`` files, adjusted.

Every test event starts from the same file ``sam local invoke -e`` takes.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[3] / "events"
#: The names the local stack's provisioning gives the template's PhotosTable and
#: PhotosBucket (``{stack}-{LogicalId}``; the ``aws`` fixture checks them).
TABLE_NAME = "moments-local-PhotosTable"
BUCKET_NAME = "moments-local-photosbucket"
#: The ``client_id`` claim of every events/*.json photo event (the broker's app client).
EVENT_CLIENT_ID = "6example1client2id3abcdefg"


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of ``events/<name>.json`` (the file ``sam local invoke -e`` takes)."""
    return json.loads((EVENTS / f"{name}.json").read_text())


def as_user(event: dict[str, Any], user_sub: str) -> dict[str, Any]:
    """``event`` as if another user's access token had passed the authorizer."""
    event = copy.deepcopy(event)
    event["requestContext"]["authorizer"]["claims"]["sub"] = user_sub
    event["requestContext"]["authorizer"]["claims"]["username"] = user_sub
    return event


def for_photo(event: dict[str, Any], photo_id: str) -> dict[str, Any]:
    """A ``/photos/{photo_id}`` event pointed at ``photo_id``."""
    event = copy.deepcopy(event)
    event["path"] = f"/photos/{photo_id}"
    event["requestContext"]["path"] = f"/{event['requestContext']['stage']}/photos/{photo_id}"
    event["pathParameters"] = {"photo_id": photo_id}
    return event


def with_query(event: dict[str, Any], **query: str) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["queryStringParameters"] = query or None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} or None
    return event


def multipart_event(
    parts: list[tuple[str, str | None, bytes]], boundary: str = "TestBoundary42"
) -> dict[str, Any]:
    """The upload event with a body of ``(name, filename, data)`` parts, base64 as
    API Gateway delivers ``multipart/form-data``."""
    event = load_event("upload_photo")
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += (
            (
                f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    event["headers"]["Content-Type"] = content_type
    event["multiValueHeaders"]["Content-Type"] = [content_type]
    event["body"] = base64.b64encode(body).decode()
    event["isBase64Encoded"] = True
    return event


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


def header(response: dict[str, Any], name: str) -> str | None:
    """A response header (Powertools answers REST v1 events with ``multiValueHeaders``)."""
    values = {k.lower(): v for k, v in (response.get("multiValueHeaders") or {}).items()}
    singles = {k.lower(): [v] for k, v in (response.get("headers") or {}).items()}
    found = values.get(name.lower()) or singles.get(name.lower())
    return found[0] if found else None
