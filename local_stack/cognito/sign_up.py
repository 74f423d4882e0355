"""SignUp, ConfirmSignUp, AdminConfirmSignUp and ResendConfirmationCode with real codes
(Cognito developer guide, "Signing up and confirming user accounts": codes are valid for
24 hours).
"""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedError,
    UsernameExistsException,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    UserStatus,
)

from local_stack.cognito.codes import SIGN_UP_CODE_TTL_SECONDS, check_code, code_user, issue_code
from local_stack.cognito.errors import CODE_MISMATCH
from local_stack.cognito.originals import moto_original
from local_stack.cognito.rules import delivery, pool_and_client
from local_stack.cognito.state import LOCK, pool_state


def sign_up(
    self: CognitoIdpBackend,
    client_id: str,
    username: str,
    password: str,
    attributes: list[dict[str, str]],
) -> tuple[CognitoIdpUser, Any]:
    """SignUp: with ``email`` in ``AutoVerifiedAttributes`` a random 6-digit code, valid
    :data:`SIGN_UP_CODE_TTL_SECONDS`, goes to the dev inbox and the answer carries its
    ``CodeDeliveryDetails`` (moto sends none). UsernameExistsException names no one
    (moto's message is the username).
    """
    try:
        user, _ = moto_original(CognitoIdpBackend, "sign_up")(
            self, client_id, username, password, attributes
        )
    except UsernameExistsException as error:
        # moto's message is the username itself; Cognito's names no one.
        pool, _client = pool_and_client(self, client_id)
        by_email = "email" in (pool.extended_config.get("UsernameAttributes") or [])
        raise UsernameExistsException(
            "An account with the given email already exists." if by_email else "User already exists"
        ) from error
    pool, _client = pool_and_client(self, client_id)
    email = user.attribute_lookup.get("email")
    if (
        user.status == UserStatus.UNCONFIRMED
        and email
        and "email" in (pool.extended_config.get("AutoVerifiedAttributes") or [])
    ):
        issue_code(pool, user, "sign_up", SIGN_UP_CODE_TTL_SECONDS)
        return user, delivery(email)
    return user, None


def confirm_sign_up(
    self: CognitoIdpBackend, client_id: str, username: str, confirmation_code: str | None = None
) -> str:
    """ConfirmSignUp accepts only the live code (moto accepts any) and verifies the email
    (developer guide, "Signing up and confirming user accounts").

    :raises CodeMismatchException / ExpiredCodeException / LimitExceededException:
        see :func:`check_code`; unknown users get CodeMismatchException.
    """
    pool, user = code_user(self, client_id, username)
    if user is None:
        raise CodeMismatchException(CODE_MISMATCH)
    if user.status == UserStatus.CONFIRMED:
        raise NotAuthorizedError("User cannot be confirmed. Current status is CONFIRMED")
    check_code(pool, user, "sign_up", confirmation_code, consume=True)
    result = moto_original(CognitoIdpBackend, "confirm_sign_up")(self, client_id, user.username)
    if "email" in (pool.extended_config.get("AutoVerifiedAttributes") or []):
        # Confirming with the emailed code verifies the address, as in Cognito.
        user.update_attributes([{"Name": "email_verified", "Value": "true"}])
    return result


def admin_confirm_sign_up(self: CognitoIdpBackend, user_pool_id: str, username: str) -> str:
    """AdminConfirmSignUp: moto's, and the user's pending sign-up code is dropped."""
    result = moto_original(CognitoIdpBackend, "admin_confirm_sign_up")(self, user_pool_id, username)
    pool = self.describe_user_pool(user_pool_id)
    user = pool._get_user(username)
    with LOCK:
        pool_state(pool).codes.pop((user.id, "sign_up"), None)
    return result


def resend_confirmation_code(
    self: CognitoIdpBackend, client_id: str, username: str
) -> dict[str, Any]:
    """ResendConfirmationCode (moto lacks it): a new code replaces the pending one and the
    wrong-code count starts again; unknown users get a simulated delivery.

    :raises InvalidParameterException: the user is confirmed or has no email.
    """
    pool, user = code_user(self, client_id, username)
    if user is None:
        return {"CodeDeliveryDetails": delivery(username)}  # simulated, as Cognito does
    if user.status == UserStatus.CONFIRMED:
        raise InvalidParameterException("User is already confirmed.")
    email = user.attribute_lookup.get("email")
    if not email:
        raise InvalidParameterException("Cannot deliver a code: the user has no email address.")
    issue_code(pool, user, "sign_up", SIGN_UP_CODE_TTL_SECONDS)
    return {"CodeDeliveryDetails": delivery(email)}
