"""The local stack's dev inbox: where emulated Cognito "sends" its email codes.

Cognito emails a 6-digit code on SignUp, ResendConfirmationCode and ForgotPassword. The
local stack has no mail server, so :class:`Inbox` keeps each message in memory and prints
one console line per message. Printing the code is the point: this is dev-only, and the
developer needs to see it to confirm an account. The API serves the same messages at
``GET /_local/inbox/{email}`` (newest first).
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal, TextIO, get_args

MessageKind = Literal["sign_up", "forgot_password", "verify_email", "sign_in"]

#: Messages kept per address; older ones are dropped (a dev inbox, not an archive).
MAX_MESSAGES_PER_ADDRESS = 50


def _rfc3339_utc(moment: datetime) -> str:
    """Format ``moment`` as RFC 3339 in UTC with a ``Z`` suffix, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Inbox:
    """Thread-safe in-memory mailbox keyed by email address (case-insensitive).

    :param stream: where the one-line notice for each message goes (default stdout).
    :param now: clock returning an aware ``datetime``; injectable for tests.
    """

    def __init__(
        self,
        *,
        stream: TextIO | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._stream = stream
        self._now = now
        self._lock = threading.Lock()
        self._boxes: dict[str, deque[dict[str, str]]] = {}

    def deliver(self, to: str, kind: str, code: str) -> None:
        """Store a message for ``to`` and print one console line with email, kind and code.

        :param to: the recipient's email address, as the user gave it.
        :param kind: ``"sign_up"``, ``"forgot_password"``, ``"verify_email"`` or ``"sign_in"``.
        :param code: the verification code (dev-only: shown on purpose).
        :raises ValueError: for an empty address or an unknown kind.
        """
        if not to or not to.strip():
            raise ValueError("an inbox message needs a recipient")
        if kind not in get_args(MessageKind):
            raise ValueError(f"unknown inbox message kind: {kind!r}")
        message = {"to": to, "kind": kind, "code": code, "sent_at": _rfc3339_utc(self._now())}
        with self._lock:
            box = self._boxes.setdefault(
                to.strip().casefold(), deque(maxlen=MAX_MESSAGES_PER_ADDRESS)
            )
            box.appendleft(message)
        stream = self._stream or sys.stdout
        print(f"[inbox] {kind} code for {to}: {code}", file=stream, flush=True)

    def messages(self, email: str) -> list[dict[str, str]]:
        """Return copies of the messages for ``email``, newest first.

        Each item is ``{"to", "kind", "code", "sent_at"}`` with ``sent_at`` in RFC 3339
        UTC. The address is matched case-insensitively; an unknown one gives ``[]``.
        """
        with self._lock:
            box = self._boxes.get(email.strip().casefold(), ())
            return [dict(message) for message in box]
