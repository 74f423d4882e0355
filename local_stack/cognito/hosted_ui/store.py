"""The hosted UI's own state: authorization codes and sign-in sessions (in memory)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "AUTHORIZATION_CODE_TTL_SECONDS",
    "SESSION_COOKIE",
    "SESSION_TTL_SECONDS",
    "AuthorizationCode",
    "Store",
]

#: Cognito authorization codes are valid for five minutes.
AUTHORIZATION_CODE_TTL_SECONDS = 300
#: The hosted UI's sign-in session (cookie) lasts one hour in Cognito.
SESSION_TTL_SECONDS = 3600
SESSION_COOKIE = "hosted_ui_session"


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    username: str
    code_challenge: str
    code_challenge_method: str
    issued_at: float
    nonce: str | None = None
    used: bool = False
    refresh_token: str | None = None
    auth_time: int | None = None  # when the user signed in (the session's, on SSO)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


class Store:
    """Authorization codes and hosted-UI sessions, guarded by one lock.

    This is all the state the hosted UI keeps (tokens and users live in the emulated pool,
    :class:`local_stack.cognito.state.PoolState`). :meth:`snapshot` / :meth:`restore` turn it
    into JSON-ready data and back, for a stack that persists its state across restarts;
    the app exposes the store as ``app.extensions["hosted_ui_store"]``.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, AuthorizationCode] = {}
        self._sessions: dict[str, tuple[str, float, int]] = {}  # id -> (user, expiry, auth_time)

    def save_code(self, item: AuthorizationCode) -> None:
        with self._lock:
            now = self._clock()
            self._codes = {  # drop codes past their lifetime, then add
                key: value
                for key, value in self._codes.items()
                if now - value.issued_at < AUTHORIZATION_CODE_TTL_SECONDS
            }
            self._codes[item.code] = item

    def claim_code(self, code: str, client_id: str) -> tuple[AuthorizationCode | None, str | None]:
        """(the code, if usable now) and (the refresh token to revoke, if it is a replay).

        Claiming marks the code used, so two racing token requests cannot both win.
        """
        with self._lock:
            item = self._codes.get(code)
            if item is None or item.client_id != client_id:
                return None, None
            if self._clock() - item.issued_at >= AUTHORIZATION_CODE_TTL_SECONDS:
                del self._codes[code]
                return None, None
            if item.used:
                return None, item.refresh_token
            item.used = True
            return item, None

    def record_refresh_token(self, code: str, refresh_token: str | None) -> None:
        with self._lock:
            if code in self._codes:
                self._codes[code].refresh_token = refresh_token

    def open_session(self, username: str, auth_time: int) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            self._sessions[session_id] = (username, now + SESSION_TTL_SECONDS, auth_time)
        return session_id

    def session_user(self, session_id: str | None) -> tuple[str, int] | None:
        """(username, auth_time) of a live session, else None."""
        with self._lock:
            entry = self._sessions.get(session_id or "")
            if entry is None or self._clock() >= entry[1]:
                self._sessions.pop(session_id or "", None)
                return None
            return entry[0], entry[2]

    def close_session(self, session_id: str | None) -> None:
        with self._lock:
            self._sessions.pop(session_id or "", None)

    def snapshot(self) -> dict[str, Any]:
        """``{"codes": {code: fields}, "sessions": {id: [username, expires_at, auth_time]}}``
        (seconds since the epoch), JSON-ready."""
        with self._lock:
            return {
                "codes": {code: asdict(item) for code, item in self._codes.items()},
                "sessions": {key: list(value) for key, value in self._sessions.items()},
            }

    def restore(self, data: dict[str, Any]) -> None:
        """Replace the codes and sessions with a :meth:`snapshot`'s."""
        with self._lock:
            self._codes = {
                code: AuthorizationCode(**fields)
                for code, fields in (data.get("codes") or {}).items()
            }
            self._sessions = {
                key: (str(value[0]), float(value[1]), int(value[2]))
                for key, value in (data.get("sessions") or {}).items()
            }
