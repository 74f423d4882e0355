"""Cognito's sign-in lockout after wrong passwords (developer guide, "Authentication with
a user pool" > "Lockout behavior for failed sign-in attempts").
"""

from __future__ import annotations

from moto.cognitoidp.exceptions import (
    NotAuthorizedError,
)
from moto.cognitoidp.models import (
    CognitoIdpUser,
    CognitoIdpUserPool,
)

from local_stack.cognito.errors import INCORRECT_CREDENTIALS
from local_stack.cognito.rules import same_secret
from local_stack.cognito.state import LOCK, Failures, clock, pool_state

#: Wrong passwords before Cognito locks a user out, and the longest lockout (developer
#: guide, "Authentication with a user pool" > "Lockout behavior for failed sign-in
#: attempts": after five failed attempts, a lockout of 2^(n-5) seconds for n failures,
#: up to about 15 minutes; attempts during a lockout fail with "Password attempts
#: exceeded" and do not count; 15 minutes without attempts reset the count).
PASSWORD_FAILURES_BEFORE_LOCKOUT = 5


MAX_LOCKOUT_SECONDS = 900


def password_ok(pool: CognitoIdpUserPool, user: CognitoIdpUser, password: str | None) -> bool:
    """Check ``password`` under Cognito's lockout; True when right (and not locked out).

    :raises NotAuthorizedError: "Password attempts exceeded" while the user is locked out,
        whatever the password.
    """
    now = clock()
    with LOCK:
        failures = pool_state(pool).failures.setdefault(user.id, Failures())
        if failures.last_attempt and now - failures.last_attempt >= MAX_LOCKOUT_SECONDS:
            failures.count, failures.locked_until = 0, 0.0
        if now < failures.locked_until:
            raise NotAuthorizedError("Password attempts exceeded")
        failures.last_attempt = now
        if password is not None and same_secret(str(user.password or ""), password):
            failures.count, failures.locked_until = 0, 0.0
            return True
        failures.count += 1
        if failures.count >= PASSWORD_FAILURES_BEFORE_LOCKOUT:
            lockout = 2 ** (failures.count - PASSWORD_FAILURES_BEFORE_LOCKOUT)
            failures.locked_until = now + min(lockout, MAX_LOCKOUT_SECONDS)
        return False


def check_password(pool: CognitoIdpUserPool, user: CognitoIdpUser, password: str | None) -> None:
    """Raise Cognito's NotAuthorizedException for a wrong password (never the username)."""
    if not password_ok(pool, user, password):
        raise NotAuthorizedError(INCORRECT_CREDENTIALS)
