"""The photo service's errors: its ``ApiError`` kinds and the ONE table of AWS error names.

Logic raises the :class:`~shared.http.ApiError` subclasses below. Store calls let
botocore's ``ClientError`` through; :func:`register` installs the handler that maps its
error code to a status through :data:`AWS_ERRORS`, so no handler or service function
maps AWS errors itself. Bodies follow the contract: ``{"error", "error_description"}``.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver, Response
from botocore.exceptions import ClientError

from shared.http import ApiError, error_response

logger = Logger(child=True)

_RETRY = {"Retry-After": "1"}


class InvalidRequest(ApiError):
    """400 ``invalid_request``: a malformed query, cursor, form or JSON body."""

    def __init__(self, description: str) -> None:
        super().__init__(400, "invalid_request", description)


class Unauthorized(ApiError):
    """401 ``unauthorized``, with the same body and header as the API's gateway response.

    ``WWW-Authenticate: Bearer`` per RFC 6750 section 3. The reason a token failed is
    logged by the caller, never returned (it would help an attacker probe).
    """

    def __init__(self) -> None:
        super().__init__(
            401,
            "unauthorized",
            "A valid access token is required in the Authorization header.",
            {"WWW-Authenticate": "Bearer"},
        )


class PhotoNotFound(ApiError):
    """404 ``not_found``: no such photo *for this caller* (another user's looks the same)."""

    def __init__(self) -> None:
        super().__init__(404, "not_found", "No such photo.")


class PayloadTooLarge(ApiError):
    """413 ``payload_too_large``: the file exceeds the route's byte limit."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(413, "payload_too_large", f"The photo is larger than {limit_bytes} bytes.")


class UnsupportedMediaType(ApiError):
    """415 ``unsupported_media_type``: not a JPEG, PNG, GIF or WebP image."""

    def __init__(
        self, description: str = "The file must be a JPEG, PNG, GIF or WebP image."
    ) -> None:
        super().__init__(415, "unsupported_media_type", description)


_BUSY = (503, "service_unavailable", "The photo store is busy; retry later.", _RETRY)
_FAILED = (502, "upstream_error", "The photo store failed; retry later.", _RETRY)

#: AWS error code -> (status, error, description, headers). Codes from the DynamoDB
#: "Error handling" and S3 "Error responses" API references. Anything not listed is a
#: deployment fault (AccessDenied, ResourceNotFoundException, NoSuchBucket...): 500.
AWS_ERRORS: dict[str, tuple[int, str, str, dict[str, str]]] = {
    # A conditional write lost: DeleteItem's attribute_exists(photo_id) on a missing
    # photo. (PutItem's attribute_not_exists cannot lose: photo ids are fresh ULIDs.)
    "ConditionalCheckFailedException": (404, "not_found", "No such photo.", {}),
    "NoSuchKey": (404, "not_found", "No such photo.", {}),
    "ProvisionedThroughputExceededException": _BUSY,
    "ThrottlingException": _BUSY,
    "RequestLimitExceeded": _BUSY,
    "TransactionConflictException": _BUSY,
    "SlowDown": _BUSY,
    "ServiceUnavailable": _BUSY,
    "InternalServerError": _FAILED,
    "InternalError": _FAILED,
}


def from_client_error(exc: ClientError) -> ApiError:
    """The ``ApiError`` for a botocore ``ClientError``, through :data:`AWS_ERRORS`."""
    code = exc.response.get("Error", {}).get("Code", "")
    status, error, description, headers = AWS_ERRORS.get(
        code, (500, "server_error", "The service failed; retry later.", {})
    )
    return ApiError(status, error, description, headers)


def register(app: APIGatewayRestResolver) -> None:
    """Install the ``ClientError`` -> contract-body handler on a resolver."""

    @app.exception_handler(ClientError)
    def _aws_error(exc: ClientError) -> Response[str]:
        api_error = from_client_error(exc)
        operation = getattr(exc, "operation_name", "")
        code = exc.response.get("Error", {}).get("Code", "")
        if api_error.status >= 500:
            logger.warning("aws call failed", extra={"operation": operation, "aws_error": code})
        return error_response(
            api_error.status, api_error.error, api_error.description, api_error.headers
        )
