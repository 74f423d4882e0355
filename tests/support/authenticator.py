"""The user's authenticator app in tests: TOTP codes (RFC 6238) that are never replays.

Cognito accepts a code of the current 30 s step or the one next to it, and each code works
once (RFC 6238 section 5.2: a step at or before the last one used is refused). An
authenticator app whose clock runs up to one step ahead is therefore fine, and a test may
use the current step's code, then the next step's, without waiting 30 s for the clock;
:meth:`Authenticator.fresh_code` waits only when both are spent.
"""

from __future__ import annotations

import time

import pyotp


class Authenticator:
    """One user's authenticator app, enrolled with ``secret`` (base32, from AssociateSoftwareToken)."""

    def __init__(self, secret: str) -> None:
        self.totp = pyotp.TOTP(secret)
        self.last_step = -1

    def fresh_code(self) -> str:
        """A 6-digit code for the earliest step after the last one spent here: the current
        step if unspent, else the next one; sleeps (1 s polls) only when both are spent."""
        while True:
            now = int(time.time()) // self.totp.interval
            step = max(now, self.last_step + 1)
            if step <= now + 1:
                self.last_step = step
                return self.totp.at(step * self.totp.interval)
            time.sleep(1)

    def wrong_code(self) -> str:
        """A well-formed code that no step the pool accepts now would produce."""
        now = int(time.time()) // self.totp.interval
        valid = {self.totp.at(s * self.totp.interval) for s in range(now - 1, now + 3)}
        return next(
            c
            for c in ("000000", "111111", "222222", "333333", "444444", "555555")
            if c not in valid
        )

    def stale_code(self, steps_ago: int = 3) -> str:
        """A code of this app that was current ``steps_ago`` steps (30 s each) ago, which
        no step the pool accepts now would produce (the window is one step either side)."""
        now = int(time.time()) // self.totp.interval
        valid = {self.totp.at(s * self.totp.interval) for s in range(now - 1, now + 3)}
        code = self.totp.at((now - steps_ago) * self.totp.interval)
        return code if code not in valid else self.wrong_code()
