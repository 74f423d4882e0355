"""The broker's attempt counter: one per normalised email and route family (issue 22).

Cognito limits only accounts that exist: after five wrong passwords it locks the user out
(Cognito developer guide, "Authentication with a user pool" > "Lockout behavior for
failed sign-in attempts": five failures, then 2^(n-5) seconds, doubling to about 15
minutes; reset by a successful sign-in or 15 minutes without attempts), and after a few
wrong codes it answers ``LimitExceededException``. Those answers therefore tell an
attacker, after a handful of tries, which emails have accounts. So the broker counts
attempts itself, **before** Cognito is called, the same way for every email, known or
not (OWASP ASVS 5.0 V6.3.1: anti-automation against brute force; V6.3.8: no account
oracle), and stops at :data:`LIMIT` so that Cognito's own limits are never reached
through the broker.

Rules:

- One counter per ``(family, email)``; the families are :data:`SIGN_IN` (password,
  emailed-code requests and challenge answers: Cognito's lockout counts password and MFA
  failures alike), :data:`CONFIRM`, :data:`RESET_PASSWORD` and :data:`CODE_DELIVERY`
  (resend-code and forgot-password: requests that make Cognito email a code).
- Every attempt counts, right or wrong (the broker must decide before it knows); a
  success clears its family's counter (:meth:`AttemptCounter.reset`): a sign-in that
  hands out tokens, a confirmation, a password reset. :data:`CODE_DELIVERY` is never
  cleared: its routes answer every email with the same success.
- :data:`CODE_DELIVERY` has its own limit and window (:data:`FAMILY_LIMITS`), the
  others :data:`LIMIT` and :data:`WINDOW_SECONDS`.
- The window slides: it ends :data:`WINDOW_SECONDS` after the last *counted* attempt.
  Refused attempts do not reach Cognito and do not extend it, so a flood stops locking
  the email one window after its last counted attempt. With the window as long as
  Cognito's 15-minute memory, Cognito sees at most :data:`LIMIT` (< 5) failures between
  two of its resets.
- Over the limit: :class:`~auth.errors.TooManyAttempts` (the errors table answers 429
  ``too_many_requests`` with ``Retry-After``, seconds to the window's end), for every
  email alike, and Cognito is not called. Cognito's own lockout or code limit, should it still fire (e.g. after failures
  through the hosted UI, which the broker does not see), gets the same answer
  (:meth:`AttemptCounter.attempt`).

Storage: ``ATTEMPTS_TABLE_NAME`` (template ``AttemptsTable``), one item per counter:
``counter_key`` = ``<family>#<hex HMAC-SHA256 of the email>`` under a key derived from
the client secret (:func:`auth.cognito.derived_key`; never the address itself),
``attempts`` (number) and ``expires_at`` (epoch seconds, the table's TTL). The count is
one atomic ``UpdateItem`` (``ADD`` with a condition), so concurrent attempts cannot slip
past the limit; DynamoDB deletes expired items lazily, so expiry is also checked here.

Decoy answers (:mod:`auth.sign_in_choice`) use the same table: :meth:`AttemptCounter.spend`
keeps one item per answered passkey decoy session, ``counter_key`` = ``decoy#<hex SHA-256
of the session>`` and ``expires_at`` = the decoy's own expiry, so that a decoy is single
use as a real ``WEB_AUTHN`` session is.

Issue 25 (re-auth proofs on sensitive routes) counts towards the same limits through
the one entry point, :meth:`auth.core.ServiceCore.attempt` (so ``AuthService.attempt``)::

    with get_service().attempt(SIGN_IN, email):
        ...  # the Cognito call that checks the proof
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from auth.cognito import dynamodb_client, dynamodb_error
from auth.errors import TooManyAttempts, UpstreamError, lookup

#: The route families, each with its own counter per email.
SIGN_IN = "sign_in"
CONFIRM = "confirm"
RESET_PASSWORD = "reset_password"
CODE_DELIVERY = "code_delivery"
FAMILIES = frozenset({SIGN_IN, CONFIRM, RESET_PASSWORD, CODE_DELIVERY})

#: Attempts per family and email within a window: one below Cognito's five failed
#: sign-ins before its lockout, and below the five wrong codes after which clients observe
#: ``LimitExceededException`` (local_stack.cognito.CODE_FAILURES_BEFORE_LIMIT has the
#: sources), so the broker always answers first.
LIMIT = 4
#: The window, seconds after the last counted attempt: Cognito's 15 minutes (its lockout
#: reset and longest lockout, developer guide as above).
WINDOW_SECONDS = 900

#: Code emails (resend-code and forgot-password together) per email within a window.
#: Cognito limits code emails only for accounts that exist, with
#: ``LimitExceededException``: "In a given hour, we allow between 5 and 20 attempts for a
#: user to request or enter a password reset code as part of forgot-password and
#: confirm-forgot-password actions. The exact value depends on the risk parameters"
#: (Cognito developer guide, "Recovering user accounts" > "Forgot password behavior").
#: It publishes no figure for ResendConfirmationCode ("Quotas in Amazon Cognito" lists
#: only request rates per account, e.g. UserAccountRecovery 30 RPS), so the same lowest
#: figure, 5 per hour, is assumed for it. Two per window of an hour keeps any hour at
#: four or fewer (two at a window's end, two at the next one's start), below five.
CODE_DELIVERY_LIMIT = 2
#: Its window, seconds after the last counted attempt: Cognito's hour.
CODE_DELIVERY_WINDOW_SECONDS = 3600
#: family -> (limit, window seconds) where it differs from (:data:`LIMIT`,
#: :data:`WINDOW_SECONDS`).
FAMILY_LIMITS = {CODE_DELIVERY: (CODE_DELIVERY_LIMIT, CODE_DELIVERY_WINDOW_SECONDS)}

#: The table's key and TTL attribute (template.yaml ``AttemptsTable``).
KEY = "counter_key"
TTL_ATTRIBUTE = "expires_at"

#: The key prefix of a decoy session's answer record (:meth:`AttemptCounter.spend`).
DECOY_PREFIX = "decoy"

#: Cognito's answers that mean "this account has had too many attempts"; 429s for
#: request-rate throttling (``TooManyRequestsException``) are not about an account.
_ACCOUNT_LIMITS = frozenset(
    {"NotAuthorizedException", "LimitExceededException", "TooManyFailedAttemptsException"}
)


class AttemptCounter:
    """Counts attempts per ``(family, email)`` in DynamoDB.

    Args:
        table_name: ``ATTEMPTS_TABLE_NAME``.
        key: returns the HMAC key for emails (called per attempt; the broker derives it
            from the client secret).
        limit: attempts allowed per window (:data:`LIMIT`).
        window_seconds: the window (:data:`WINDOW_SECONDS`).
        family_limits: ``family -> (limit, window_seconds)`` for the families that have
            their own (:data:`FAMILY_LIMITS`).
        client: a boto3 ``dynamodb`` client; the broker's shared one by default.
        clock: epoch seconds now (tests pass a fake one).
    """

    def __init__(
        self,
        table_name: str,
        key: Callable[[], bytes],
        *,
        limit: int = LIMIT,
        window_seconds: int = WINDOW_SECONDS,
        family_limits: Mapping[str, tuple[int, int]] = FAMILY_LIMITS,
        client: Any | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self.limit = limit
        self.window_seconds = window_seconds
        self.family_limits = dict(family_limits)
        self._key = key
        self._client = client
        self._clock = clock

    @property
    def client(self) -> Any:
        """The boto3 dynamodb client: the one given, or the broker's shared one."""
        return self._client or dynamodb_client()

    def counter_key(self, family: str, email: str) -> str:
        """``<family>#<hex HMAC-SHA256(key, email)>``; ``email`` is already normalised
        (:mod:`auth.models` trims and lower-cases it).

        Raises:
            ValueError: an unknown family.
        """
        if family not in FAMILIES:
            raise ValueError(f"unknown attempt family {family!r}")
        digest = hmac.new(self._key(), email.encode(), hashlib.sha256).hexdigest()
        return f"{family}#{digest}"

    @contextmanager
    def attempt(self, family: str, email: str) -> Iterator[None]:
        """Count one attempt, then run the block (the Cognito call); Cognito's own
        account limits raised in it become the same :class:`TooManyAttempts`.

        Raises:
            TooManyAttempts: over the limit (the block does not run), or Cognito refused
                with an account limit.
            UpstreamError: the counter could not be read or written (5xx).
        """
        window_end = self.count(family, email)
        try:
            yield
        except UpstreamError as exc:
            if (
                exc.code in _ACCOUNT_LIMITS
                and lookup(exc.operation, exc.code, exc.message).status == 429
            ):
                raise TooManyAttempts(window_end - int(self._clock())) from exc
            raise

    def limits(self, family: str) -> tuple[int, int]:
        """``(limit, window_seconds)`` of ``family``."""
        return self.family_limits.get(family, (self.limit, self.window_seconds))

    def count(self, family: str, email: str) -> int:
        """Count one attempt atomically; returns the window's end (epoch seconds).

        Raises:
            TooManyAttempts: the window already holds the family's limit of attempts
                (:meth:`limits`).
            UpstreamError: DynamoDB failed.
        """
        key = self.counter_key(family, email)
        limit, window_seconds = self.limits(family)
        for _ in range(2):  # a second pass only if another request restarted the window
            now = int(self._clock())
            end = now + window_seconds
            try:
                self._update(
                    key,
                    "ADD attempts :one SET #ttl = :end",
                    "attribute_not_exists(attempts) OR (attempts < :limit AND #ttl > :now)",
                    {":limit": {"N": str(limit)}},
                    now,
                    end,
                )
                return end
            except ClientError as exc:
                old_end = _conditional_failure_end(exc)
                if old_end is None:
                    raise dynamodb_error("UpdateItem", exc) from exc
                if old_end > now:
                    raise TooManyAttempts(old_end - now) from None
            try:  # the stored window is over (TTL deletes lazily): start a new one
                self._update(key, "SET attempts = :one, #ttl = :end", "#ttl <= :now", {}, now, end)
                return end
            except ClientError as exc:
                if _conditional_failure_end(exc) is None:
                    raise dynamodb_error("UpdateItem", exc) from exc
        raise TooManyAttempts(window_seconds)

    def reset(self, family: str, email: str) -> None:
        """Forget the counter (after a success in its family).

        Raises:
            UpstreamError: DynamoDB failed.
        """
        try:
            self.client.delete_item(
                TableName=self.table_name, Key={KEY: {"S": self.counter_key(family, email)}}
            )
        except (ClientError, BotoCoreError) as exc:
            raise dynamodb_error("DeleteItem", exc) from exc

    def spend(self, session: str, expires_at: int) -> bool:
        """Spend the broker's passkey decoy ``session`` (:mod:`auth.sign_in_choice`), which
        lives until ``expires_at`` (epoch seconds; the item's TTL): True for its first
        answer, False once it was spent.

        Why: a real ``WEB_AUTHN`` sign-in session is spent by any answer, right or wrong,
        and a second answer is refused as an invalid session (AWS re:Post, "Cognito user
        pools receiving expired session during custom auth flow": "the session key can be
        used only once"; the local Cognito's ``answer_web_authn`` does the same), so a
        decoy that took any number of answers would tell it from a real one (OWASP ASVS
        5.0 6.3.8, no account oracle). One conditional ``UpdateItem``
        (``attribute_not_exists``) keeps two concurrent answers from both passing. The
        key is the session's SHA-256, never the session.

        Without an attempts table (``ATTEMPTS_TABLE_NAME`` unset) there is no counter and
        this is not called: a live decoy is then refused alike every time (not single use).

        Raises:
            UpstreamError: DynamoDB failed (5xx).
        """
        digest = hashlib.sha256(session.encode()).hexdigest()
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key={KEY: {"S": f"{DECOY_PREFIX}#{digest}"}},
                UpdateExpression="SET #ttl = :end",
                ConditionExpression=f"attribute_not_exists({KEY})",
                ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues={":end": {"N": str(expires_at)}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise dynamodb_error("UpdateItem", exc) from exc
        except BotoCoreError as exc:
            raise dynamodb_error("UpdateItem", exc) from exc
        return True

    def _update(
        self,
        key: str,
        expression: str,
        condition: str,
        values: dict[str, Any],
        now: int,
        end: int,
    ) -> None:
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key={KEY: {"S": key}},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":now": {"N": str(now)},
                    ":end": {"N": str(end)},
                    **values,
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except BotoCoreError as exc:
            raise dynamodb_error("UpdateItem", exc) from exc


def _conditional_failure_end(exc: ClientError) -> int | None:
    """The stored window's end of a failed condition (0 if unreadable), or ``None`` when
    ``exc`` is another error."""
    if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
        return None
    item: Any = exc.response.get("Item") or {}
    try:
        return int(item.get(TTL_ATTRIBUTE, {}).get("N", "0"))
    except (TypeError, ValueError):
        return 0
