"""Adapter: the broker's writes to the sign-out records table (:mod:`shared.revocation`).

Created on first use, like the cognito-idp client, with no explicit endpoint (the SDK
honours ``AWS_ENDPOINT_URL`` locally). Failures become :class:`auth.errors.UpstreamError`
(502 ``server_error`` / 503), never a traceback in the response.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from auth.cognito import dynamodb_client
from auth.errors import UPSTREAM_UNREACHABLE, UpstreamError
from shared import revocation


class RevocationTable:
    """Writes sign-out records for the photo handlers to check.

    Args:
        table_name: ``REVOCATIONS_TABLE_NAME``.
        ttl_seconds: the access-token lifetime in seconds (each record's TTL).
        client: a boto3 ``dynamodb`` client; tests pass a moto-backed one.
        clock: epoch seconds now (injectable for tests).
    """

    def __init__(
        self,
        table_name: str,
        ttl_seconds: int,
        client: Any | None = None,
        clock: Any = time.time,
    ) -> None:
        self.table_name = table_name
        self.ttl_seconds = ttl_seconds
        self._client = client
        self._clock = clock

    @property
    def client(self) -> Any:
        """The boto3 dynamodb client: the one given, or the broker's shared one."""
        return self._client or dynamodb_client()

    def record(
        self, user_sub: str, *, origin_jti: str | None, everywhere: bool, ahead_seconds: int = 0
    ) -> None:
        """Record a sign-out now (:func:`shared.revocation.record_sign_out`).

        ``ahead_seconds`` dates the record that far in the future, so that tokens issued in
        the current second are revoked too (account deletion: no sign-in can follow).

        Raises:
            UpstreamError: the write failed.
        """
        try:
            revocation.record_sign_out(
                self.client,
                self.table_name,
                user_sub=user_sub,
                now=int(self._clock()) + ahead_seconds,
                ttl_seconds=self.ttl_seconds,
                origin_jti=origin_jti,
                everywhere=everywhere,
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "Unknown")
            raise UpstreamError("UpdateItem", code) from exc
        except BotoCoreError as exc:
            raise UpstreamError("UpdateItem", UPSTREAM_UNREACHABLE) from exc
