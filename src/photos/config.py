"""The photo service's configuration: the template's environment variables, read once.

Every variable comes from ``template.yaml`` (the ``&PhotosEnv`` block) or, on Lambda, the
runtime itself (``AWS_REGION``). :func:`load_config` validates them into a frozen
:class:`PhotosConfig` at cold start, so a mis-deployed function fails on its first
invocation with a clear message instead of half-working. Logic receives the values and
never reads ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: The route handlers verify the Bearer token themselves only when asked (issue 4:
#: ``sam local start-api`` skips Cognito authorizers). On AWS the authorizer does it.
TokenVerification = Literal["authorizer", "handler"]


class PhotosConfig(BaseModel):
    """Validated settings of every photo function.

    Attributes:
        table_name: DynamoDB table of photo metadata (``PHOTOS_TABLE_NAME``).
        bucket_name: private S3 bucket holding the photos (``PHOTOS_BUCKET_NAME``).
        max_upload_bytes: largest file ``POST /photos`` accepts, in bytes
            (``MAX_UPLOAD_BYTES``; at most 4 MiB because Lambda's synchronous payload
            quota is 6 MB and API Gateway base64-encodes binary bodies).
        max_direct_upload_bytes: largest file a presigned POST accepts, in bytes
            (``MAX_DIRECT_UPLOAD_BYTES``; S3's single POST limit is 5 GB).
        url_expires_seconds: lifetime of presigned GET and POST URLs, in seconds
            (``URL_EXPIRES_SECONDS``; SigV4 allows at most 7 days).
        token_verification: ``"authorizer"`` (API Gateway verified the token and put
            its claims in the event) or ``"handler"`` (verify the Bearer token here).
        user_pool_id / user_pool_client_id: the Cognito pool and app client whose access
            tokens are accepted in handler mode.
        jwks_url: where the pool's signing keys are published; ``None`` means the
            pool's standard ``/.well-known/jwks.json`` URL.
        region: the AWS region (``AWS_REGION``, set by the Lambda runtime).
        additional_client_ids: app clients of the same pool, besides
            ``user_pool_client_id``, whose access tokens this API serves
            (``ADDITIONAL_CLIENT_IDS``, comma-separated; the template's
            ``AdditionalApiClientIds`` parameter).
        revocations_table_name: the DynamoDB table of sign-out records
            (``REVOCATIONS_TABLE_NAME``, :mod:`shared.revocation`); unset skips the check
            (the template always sets it).
    """

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    table_name: str = Field(alias="PHOTOS_TABLE_NAME", min_length=3, max_length=255)
    bucket_name: str = Field(alias="PHOTOS_BUCKET_NAME", min_length=3, max_length=63)
    max_upload_bytes: int = Field(alias="MAX_UPLOAD_BYTES", gt=0, le=4 * 1024 * 1024)
    max_direct_upload_bytes: int = Field(alias="MAX_DIRECT_UPLOAD_BYTES", gt=0, le=5 * 1024**3)
    url_expires_seconds: int = Field(alias="URL_EXPIRES_SECONDS", ge=60, le=7 * 24 * 3600)
    token_verification: TokenVerification = Field(alias="TOKEN_VERIFICATION", default="authorizer")
    user_pool_id: str | None = Field(alias="USER_POOL_ID", default=None, max_length=55)
    user_pool_client_id: str | None = Field(
        alias="USER_POOL_CLIENT_ID", default=None, max_length=128
    )
    jwks_url: str | None = Field(alias="JWKS_URL", default=None, max_length=2048)
    region: str = Field(alias="AWS_REGION", min_length=1, max_length=32)
    additional_client_ids: tuple[str, ...] = Field(alias="ADDITIONAL_CLIENT_IDS", default=())
    revocations_table_name: str | None = Field(
        alias="REVOCATIONS_TABLE_NAME", default=None, max_length=255
    )

    @field_validator("additional_client_ids", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("revocations_table_name", mode="before")
    @classmethod
    def _empty_table_is_unset(cls, value: object) -> object:
        return value or None

    @property
    def allowed_client_ids(self) -> frozenset[str]:
        """The ``client_id`` values an access token may carry on this API: API Gateway's
        Cognito authorizer admits a token of *any* app client of the pool. Empty means
        no token is accepted (fail closed)."""
        ids = set(self.additional_client_ids)
        if self.user_pool_client_id:
            ids.add(self.user_pool_client_id)
        return frozenset(ids)

    @field_validator("user_pool_id", "user_pool_client_id", "jwks_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # SAM's env.json can only override declared variables, so the template declares
        # JWKS_URL: "" (and a deployed stack may leave others blank): "" means unset.
        return value or None

    @model_validator(mode="after")
    def _handler_mode_needs_pool(self) -> PhotosConfig:
        if self.token_verification == "handler" and not (
            self.user_pool_id and self.user_pool_client_id
        ):
            raise ValueError(
                "TOKEN_VERIFICATION=handler needs USER_POOL_ID and USER_POOL_CLIENT_ID"
            )
        return self

    @property
    def issuer(self) -> str:
        """The ``iss`` of the pool's tokens (Cognito docs, "Verifying a JSON web token")."""
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def signing_keys_url(self) -> str:
        """``JWKS_URL`` if set, else the pool's published ``/.well-known/jwks.json``."""
        return self.jwks_url or f"{self.issuer}/.well-known/jwks.json"


def load_config(environ: Mapping[str, str] | None = None) -> PhotosConfig:
    """Read and validate the environment (``os.environ`` unless given).

    Raises:
        pydantic.ValidationError: a variable is missing or out of range.
    """
    return PhotosConfig.model_validate(dict(os.environ if environ is None else environ))
