"""Confirmation, reset and verification codes: issued into the dev inbox, checked once,
with Cognito's lifetimes and its limit on wrong codes.
"""

from __future__ import annotations

import secrets

from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    ExpiredCodeException,
    UserNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
)

from local_stack.cognito.errors import CODE_EXPIRED, CODE_MISMATCH, LimitExceededError
from local_stack.cognito.rules import pool_and_client, prevents_existence_errors, same_secret
from local_stack.cognito.state import LOCK, SETTINGS, Code, clock, pool_state

#: Sign-up confirmation codes: 24 hours (Cognito developer guide, sign-up confirmation).
SIGN_UP_CODE_TTL_SECONDS = 24 * 3600


#: Forgot-password codes: 1 hour (Cognito developer guide, ForgotPassword).
RESET_CODE_TTL_SECONDS = 3600


#: Attribute verification codes: 24 hours (Cognito developer guide, "Verifying updates to
#: email addresses and phone numbers": the code is valid for 24 hours).
VERIFY_CODE_TTL_SECONDS = 24 * 3600


#: Wrong confirmation / reset codes accepted before LimitExceededException. Cognito does
#: not publish this number ("we do not share externally the exact limits", Cognito team,
#: amazon-cognito-identity-js issue 548); five CodeMismatchException and then
#: LimitExceededException is what clients observe (amplify-ui-android issue 180). Here
#: the count starts again when a new code is issued (ResendConfirmationCode,
#: ForgotPassword).
CODE_FAILURES_BEFORE_LIMIT = 5


def code_user(
    backend: CognitoIdpBackend, client_id: str, username: str
) -> tuple[CognitoIdpUserPool, CognitoIdpUser | None]:
    """The pool and user a code operation is about; the user is None only when unknown
    and the client hides user existence (the caller then answers as Cognito does).

    :raises UserNotFoundError: unknown user, and the client does not hide it.
    """
    pool, client = pool_and_client(backend, client_id)
    user = pool._get_user(username)
    if user is None and not prevents_existence_errors(client):
        raise UserNotFoundError("Username/client id combination not found.")
    return pool, user


def issue_code(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, kind: str, ttl: int, to: str | None = None
) -> None:
    """Replace the user's pending ``kind`` code with a fresh one and deliver it (to the
    user's email, or to ``to``: a new address being verified)."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    with LOCK:
        pool_state(pool).codes[(user.id, kind)] = Code(code, clock() + ttl)
        pool_state(pool).code_failures.pop((user.id, kind), None)
    if SETTINGS.inbox is not None:
        SETTINGS.inbox.deliver(
            to or user.attribute_lookup.get("email") or user.username, kind, code
        )


def check_code(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, kind: str, code: str | None, *, consume: bool
) -> None:
    """Raise CodeMismatchException / ExpiredCodeException unless ``code`` is the live one.

    :raises LimitExceededException: after :data:`CODE_FAILURES_BEFORE_LIMIT` wrong codes
        for this user and kind, whatever the code, until a new code is issued.
    """
    with LOCK:
        state = pool_state(pool)
        codes = state.codes
        pending = codes.get((user.id, kind))
        if state.code_failures.get((user.id, kind), 0) >= CODE_FAILURES_BEFORE_LIMIT:
            raise LimitExceededError()
        if pending is None:
            raise ExpiredCodeException(CODE_EXPIRED)
        if not code or not same_secret(pending.code, code):
            state.code_failures[(user.id, kind)] = state.code_failures.get((user.id, kind), 0) + 1
            raise CodeMismatchException(CODE_MISMATCH)
        if clock() >= pending.expires_at:
            del codes[(user.id, kind)]
            raise ExpiredCodeException(CODE_EXPIRED)
        if consume:
            del codes[(user.id, kind)]
