"""The photo service's app factory: what every photo route's function shares.

:class:`PhotoApp` is :class:`shared.http.FunctionApp` (resolver, Logger, Metrics, entry
point) plus the photo edge: the ``ClientError`` handler of :mod:`photos.errors`, the
function's configuration and :class:`~photos.service.PhotoService`, both built once at
cold start, and the caller's identity from the authorizer's claims.
"""

from __future__ import annotations

from photos import errors
from photos.claims import caller_sub
from photos.config import load_config
from photos.service import PhotoService
from shared.http import FunctionApp


class PhotoApp(FunctionApp):
    """A photo route's app (see :class:`shared.http.FunctionApp`).

    Attributes:
        config: the function's settings (:func:`photos.config.load_config`).
        service: the photo logic over the function's table and bucket.
    """

    def __init__(self, failure_metric: str) -> None:
        super().__init__(failure_metric)
        errors.register(self)
        self.config = load_config()
        self.service = PhotoService.from_config(self.config)

    def caller_sub(self) -> str:
        """The current request's user (:func:`photos.claims.caller_sub`).

        Raises:
            photos.errors.Unauthorized: as :func:`photos.claims.caller_sub` does.
        """
        return caller_sub(self.current_event, self.config)
