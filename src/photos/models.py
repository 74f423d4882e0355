"""The photo service's edge: pydantic request/response models and request-body parsing.

Shapes follow the API contract (openapi.json; docs/photos.md). A photo is
``{photo_id, filename, content_type, size_bytes, created_at, status, width, height,
thumbnail_url, url, original_url, rejected_reason}``. Everything a client sends is
validated here (``extra="forbid"``, bounded lengths) before logic sees it; whether the
bytes are an image and whether they fit the size limit is decided by the logic
(``service.py``), from the bytes themselves.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from photos.errors import InvalidRequest

#: The image types Moments stores, as MIME types (what ``filetype`` reports for them).
IMAGE_TYPES: frozenset[str] = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})

#: Longest stored filename, in characters (after sanitising; the extension is kept).
MAX_FILENAME_CHARS = 200

#: ``pending``: the row exists, the bytes have not arrived or not been processed yet;
#: ``ready``: renditions written, width/height known; ``rejected``: the bytes were not the
#: declared image (``rejected_reason`` says why) and no object is kept.
PhotoStatus = Literal["pending", "ready", "rejected"]

#: Why ProcessPhotoFunction rejected an upload (``rejected_reason``), one code per cause.
RejectedReason = Literal[
    "empty",
    "size_mismatch",
    "not_an_image",
    "type_mismatch",
    "undecodable",
    "decompression_bomb",
]


# defer_build: a model's validator and serializer are built on its first use, not at
# import (pydantic ConfigDict.defer_build), so each function builds only the models its
# route uses.
class _Request(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True
    )


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def clean_filename(raw: str | None) -> str:
    """A display-safe filename: the last path segment, NFC, no control or format chars.

    Browsers may send a full client path (``C:\\Users\\me\\cat.png``), and names can carry
    control characters or bidi overrides (Unicode category ``C``) that spoof the
    extension when displayed. The name is only ever shown back to its owner; the S3 key
    never contains it. Longer names are cut to :data:`MAX_FILENAME_CHARS`, keeping the
    extension. Returns ``"photo"`` when nothing printable is left.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if ch.isspace() or not unicodedata.category(ch).startswith("C")
    )
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            name = f"{stem[: MAX_FILENAME_CHARS - len(ext) - 1].rstrip()}.{ext}"
        else:
            name = name[:MAX_FILENAME_CHARS]
    return name or "photo"


Filename = Annotated[str, Field(min_length=1, max_length=1024)]


# ------------------------------------------------------------------------ requests
class ListPhotosQuery(_Request):
    """``GET /photos`` query: ``limit`` 1..100 (default 20), opaque ``cursor``."""

    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, min_length=1, max_length=64)


class UploadUrlRequest(_Request):
    """``POST /photos/upload-url`` body.

    ``content_type`` and ``size_bytes`` are checked against the allowed types (415) and
    the direct-upload limit (413) by the logic; the presigned POST's policy then holds
    the client to them.
    """

    filename: Filename
    content_type: str = Field(min_length=1, max_length=100)
    # strict: "10", true and 1e3 are not sizes (JSON numbers must be integers here).
    size_bytes: int = Field(gt=0, strict=True)

    @field_validator("filename")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_filename(value)

    @field_validator("content_type")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class UploadedFile(BaseModel):
    """The one file part of a ``POST /photos`` form: its sanitised name and raw bytes."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    filename: str = Field(min_length=1, max_length=MAX_FILENAME_CHARS)
    data: bytes


def body_bytes(body: str | None, is_base64_encoded: bool | None) -> bytes:
    """The raw request body. API Gateway base64-encodes ``BinaryMediaTypes`` bodies
    (``multipart/form-data`` here) and sets ``isBase64Encoded``.

    Raises:
        InvalidRequest: the body claims base64 but is not.
    """
    if not body:
        return b""
    if is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidRequest("The request body is not valid base64.") from exc
    return body.encode("utf-8", "surrogateescape")


def parse_upload_form(body: bytes, content_type: str | None) -> UploadedFile:
    """The file part named ``file`` of a ``multipart/form-data`` body (RFC 7578).

    Parsed by the ``multipart`` library; the part's declared Content-Type is ignored
    (the logic types the file by its bytes). The whole body is already in memory (at
    most Lambda's 6 MB payload), so parts are kept in memory too.

    Raises:
        InvalidRequest: not multipart/form-data, malformed, or not exactly one ``file``
            part carrying a filename.
    """
    # Imported here: only UploadPhotoFunction parses forms; the four other photo functions
    # import this module too and would pay for the parser at every cold start.
    import multipart

    mime, options = multipart.parse_options_header(content_type or "")
    boundary = options.get("boundary")
    if mime != "multipart/form-data" or not boundary:
        raise InvalidRequest("The body must be multipart/form-data with a file part named 'file'.")
    parser = multipart.MultipartParser(
        io.BytesIO(body),
        boundary,
        content_length=len(body),
        part_limit=16,
        spool_limit=len(body) + 1,
        memory_limit=len(body) + 1,
    )
    try:
        files = [part for part in parser if part.name == "file" and part.filename is not None]
    except multipart.MultipartError as exc:
        raise InvalidRequest("The multipart/form-data body is malformed.") from exc
    if len(files) != 1:
        raise InvalidRequest("Send exactly one file part named 'file'.")
    return UploadedFile(filename=clean_filename(files[0].filename), data=files[0].raw)


# ------------------------------------------------------------------------ responses
class Photo(_Response):
    """A photo as clients see it.

    ``created_at`` is RFC 3339 in UTC (``2026-11-21T09:00:00Z``). When ``ready``:
    ``width``/``height`` are the original's pixels (after EXIF orientation), and three
    presigned GETs valid for ``URL_EXPIRES_SECONDS``: ``thumbnail_url`` (~400 px JPEG
    for grids), ``url`` (~2048 px JPEG for display; neither carries EXIF/GPS) and
    ``original_url`` (the uploaded bytes, as a download). All are ``null`` while
    ``pending`` and when ``rejected``; ``rejected_reason`` is set only when ``rejected``.
    """

    photo_id: str
    filename: str
    content_type: str
    size_bytes: int
    created_at: str
    status: PhotoStatus
    width: int | None = None
    height: int | None = None
    thumbnail_url: str | None = None
    url: str | None = None
    original_url: str | None = None
    rejected_reason: RejectedReason | None = None


class PhotoPage(_Response):
    """``GET /photos``: newest first; ``next_cursor`` is ``null`` on the last page."""

    items: list[Photo]
    next_cursor: str | None


class PresignedPost(_Response):
    """Where and how to POST the file: a form to ``url`` with ``fields`` then ``file``."""

    url: str
    fields: dict[str, str]


class UploadUrlResponse(_Response):
    """``POST /photos/upload-url``: the new (pending) photo's id and its presigned POST."""

    photo_id: str
    upload: PresignedPost
    expires_in: int
