"""The photo service's app factory: what every photo route's function shares.

:class:`PhotoApp` is :class:`shared.app.FunctionApp` (resolver, Logger, Metrics, entry
point) plus the photo edge: the ``ClientError`` handler of :mod:`photos.errors`, the
function's configuration and :class:`~photos.service.PhotoService`, both built once at
cold start, and the caller's identity from the authorizer's claims. ``PHOTO`` is the
example photo of the routes' OpenAPI metadata (data only).
"""

from __future__ import annotations

from typing import Any, ClassVar

from photos import errors
from photos.claims import caller_sub
from photos.config import load_config
from photos.service import PhotoService
from shared.app import ErrorCodes, FunctionApp
from shared.errors import DomainError
from shared.http import ErrorMapping


class PhotoApp(FunctionApp):
    """A photo route's app (see :class:`shared.app.FunctionApp`).

    Every photo route can answer 401 ``unauthorized`` (:func:`photos.claims.caller_sub`,
    with ``WWW-Authenticate: Bearer``), and the store's 502/503 (:data:`errors.ERRORS`).

    Attributes:
        config: the function's settings (:func:`photos.config.load_config`).
        service: the photo logic over the function's table and bucket.
    """

    route_errors: ClassVar[ErrorCodes] = {
        401: ("unauthorized",),
        502: ("upstream_error",),
        503: ("service_unavailable",),
        500: ("server_error",),
    }
    error_headers: ClassVar[dict[int, dict[str, Any]]] = {
        401: {"WWW-Authenticate": {"schema": {"type": "string"}, "example": "Bearer"}}
    }

    def __init__(self, failure_metric: str) -> None:
        super().__init__(failure_metric)
        errors.register(self)
        self.config = load_config()
        self.service = PhotoService.from_config(self.config)

    def error_mapping(self, exc: DomainError) -> ErrorMapping:
        """:func:`photos.errors.error_mapping`: the service's one table."""
        return errors.error_mapping(exc)

    def caller_sub(self) -> str:
        """The current request's user (:func:`photos.claims.caller_sub`).

        Raises:
            photos.errors.Unauthorized: as :func:`photos.claims.caller_sub` does.
        """
        return caller_sub(self.current_event, self.config)


#: An example photo (openapi.json).
PHOTO = {
    "photo_id": "01M7YMNWGJPB51XQFCN5F0NHAM",
    "filename": "beach.png",
    "content_type": "image/png",
    "size_bytes": 73,
    "created_at": "2026-11-21T08:48:29Z",
    "status": "ready",
    "url": "https://moments-photos.s3.amazonaws.com/a2c21cb3-…/01M7YMNWGJPB51XQFCN5F0NHAM?X-Amz-…",
}
