"""Adapter: the broker's side of the sign-out records table (:mod:`shared.revocation`):
sign-out records, and the refresh-token families that let a refresh token alone sign its
session out (issue 23).

Created on first use, like the cognito-idp client, with no explicit endpoint (the SDK
honours ``AWS_ENDPOINT_URL`` locally). Failures become :class:`auth.errors.UpstreamError`
(502 ``server_error`` / 503), never a traceback in the response.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from auth.cognito import dynamodb_client, dynamodb_error
from shared import revocation


class RevocationTable:
    """Writes sign-out records for the photo handlers to check.

    Args:
        table_name: ``REVOCATIONS_TABLE_NAME``.
        ttl_seconds: the access-token lifetime in seconds (each record's TTL).
        client: a boto3 ``dynamodb`` client; tests pass a moto-backed one.
        clock: epoch seconds now (injectable for tests).
        family_key: returns the HMAC key of refresh-token family items (called when one
            is written or read; the broker derives it from the client secret,
            :func:`auth.cognito.derived_key`). ``None``: families are not recorded.
    """

    def __init__(
        self,
        table_name: str,
        ttl_seconds: int,
        client: Any | None = None,
        clock: Any = time.time,
        family_key: Callable[[], bytes] | None = None,
    ) -> None:
        self.table_name = table_name
        self.ttl_seconds = ttl_seconds
        self._client = client
        self._clock = clock
        self._family_key = family_key

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
        except (ClientError, BotoCoreError) as exc:
            raise dynamodb_error("UpdateItem", exc) from exc

    def remember_refresh_token(
        self, refresh_token: str, *, user_sub: str, origin_jti: str, lifetime_seconds: int
    ) -> None:
        """Record the family of a refresh token the broker is handing out
        (:func:`shared.revocation.record_refresh_family`; TTL ``lifetime_seconds``).

        Raises:
            UpstreamError: the write failed.
        """
        if self._family_key is None:
            return
        try:
            revocation.record_refresh_family(
                self.client,
                self.table_name,
                key=revocation.refresh_token_key(self._family_key(), refresh_token),
                user_sub=user_sub,
                origin_jti=origin_jti,
                now=int(self._clock()),
                ttl_seconds=lifetime_seconds,
            )
        except (ClientError, BotoCoreError) as exc:
            raise dynamodb_error("PutItem", exc) from exc

    def refresh_token_family(self, refresh_token: str) -> tuple[str, str] | None:
        """``(sub, origin_jti)`` of a refresh token the broker handed out, or ``None``
        (:func:`shared.revocation.find_refresh_family`).

        Raises:
            UpstreamError: the read failed.
        """
        if self._family_key is None:
            return None
        try:
            return revocation.find_refresh_family(
                self.client,
                self.table_name,
                key=revocation.refresh_token_key(self._family_key(), refresh_token),
                now=int(self._clock()),
            )
        except (ClientError, BotoCoreError) as exc:
            raise dynamodb_error("GetItem", exc) from exc
