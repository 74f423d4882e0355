"""The photo service's errors: its domain errors and the ONE table that answers them.

The logic (``service.py``), the parsers (``models.py``) and the caller check (``claims.py``)
raise the :class:`PhotoError` kinds below, which carry no HTTP status. The store lets
botocore's ``ClientError`` through; :func:`register` turns it into a
:class:`~shared.errors.DomainError` named by the AWS error code and operation, as the auth
broker's adapters do (``auth.errors.UpstreamError``). Only :data:`ERRORS` gives either a
status: :class:`photos.api.PhotoApp` answers through :func:`error_mapping`. Bodies follow
the contract: ``{"error", "error_description"}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from shared.errors import DomainError
from shared.http import SERVER_ERROR, ErrorMapping

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Response

    from shared.app import FunctionApp


class PhotoError(DomainError):
    """A request the photo logic refuses; its class name is its row in :data:`ERRORS`."""


class InvalidRequest(PhotoError):
    """A malformed query, cursor, form or JSON body (the sentence names what)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)


class Unauthorized(PhotoError):
    """No usable caller identity. The reason a token failed is logged by the caller, never
    returned (it would help an attacker probe)."""


class PhotoNotFound(PhotoError):
    """No such photo *for this caller* (another user's looks the same)."""


class PayloadTooLarge(PhotoError):
    """The file exceeds the route's byte limit (``limit_bytes``)."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"The photo is larger than {limit_bytes} bytes.")
        self.limit_bytes = limit_bytes


class UnsupportedMediaType(PhotoError):
    """Not a JPEG, PNG, GIF or WebP image, or a body of another media type."""

    def __init__(
        self, description: str = "The file must be a JPEG, PNG, GIF or WebP image."
    ) -> None:
        super().__init__(description)


_RETRY = 1  # seconds: the SDK already retried with backoff (store.BOTO_CONFIG)
_BUSY = ErrorMapping(503, "service_unavailable", "The photo store is busy; retry later.", _RETRY)
_FAILED = ErrorMapping(502, "upstream_error", "The photo store failed; retry later.", _RETRY)
_NOT_FOUND = ErrorMapping(404, "not_found", "No such photo.")

#: Domain error name or AWS error code -> the answer (``None`` description: the error's
#: own sentence). AWS codes from the DynamoDB "Error handling" and S3 "Error responses"
#: API references. Anything not listed is a deployment fault (AccessDenied,
#: ResourceNotFoundException, NoSuchBucket...): 500 ``server_error``.
ERRORS: dict[str, ErrorMapping] = {
    # -- the logic's refusals
    "InvalidRequest": ErrorMapping(400, "invalid_request", None),
    # The same body and header as the API's UNAUTHORIZED gateway response (RFC 6750 s. 3).
    "Unauthorized": ErrorMapping(
        401,
        "unauthorized",
        "A valid access token is required in the Authorization header.",
        headers={"WWW-Authenticate": "Bearer"},
    ),
    "PhotoNotFound": _NOT_FOUND,
    "PayloadTooLarge": ErrorMapping(413, "payload_too_large", None),
    "UnsupportedMediaType": ErrorMapping(415, "unsupported_media_type", None),
    # -- AWS. A conditional write lost: DeleteItem's attribute_exists(photo_id) on a
    # missing photo. (PutItem's attribute_not_exists cannot lose: photo ids are ULIDs.)
    "ConditionalCheckFailedException": _NOT_FOUND,
    "NoSuchKey": _NOT_FOUND,
    "ProvisionedThroughputExceededException": _BUSY,
    "ThrottlingException": _BUSY,
    "RequestLimitExceeded": _BUSY,
    "TransactionConflictException": _BUSY,
    "SlowDown": _BUSY,
    "ServiceUnavailable": _BUSY,
    "InternalServerError": _FAILED,
    "InternalError": _FAILED,
}


def error_mapping(exc: DomainError) -> ErrorMapping:
    """The row of :data:`ERRORS` for ``exc``; unknown names get the catch-all 500."""
    return ERRORS.get(exc.code, SERVER_ERROR)


def from_client_error(exc: ClientError) -> DomainError:
    """A botocore ``ClientError`` as the domain error its AWS code and operation name."""
    code = exc.response.get("Error", {}).get("Code", "") or "Unknown"
    return DomainError(code=code, operation=getattr(exc, "operation_name", "") or "aws")


def register(app: FunctionApp) -> None:
    """Answer a ``ClientError`` that reaches ``app`` like any domain error (through the
    app's :meth:`~shared.app.FunctionApp.answer`, hence :data:`ERRORS`)."""

    @app.exception_handler(ClientError)
    def _aws_error(exc: ClientError) -> Response[str]:
        return app.answer(from_client_error(exc))
