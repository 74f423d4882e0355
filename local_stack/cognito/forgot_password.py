"""ForgotPassword and ConfirmForgotPassword with real codes (developer guide, "Forgot
password": the code is valid for one hour).
"""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    InvalidParameterException,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    UserStatus,
)

from local_stack.cognito.codes import RESET_CODE_TTL_SECONDS, check_code, code_user, issue_code
from local_stack.cognito.errors import CODE_MISMATCH
from local_stack.cognito.rules import delivery


def forgot_password(
    self: CognitoIdpBackend, client_id: str, username: str
) -> tuple[None, dict[str, Any]]:
    """ForgotPassword: a random 6-digit code, valid :data:`RESET_CODE_TTL_SECONDS`, goes to
    the user's email in the dev inbox (moto put a fixed code in a moto-only header).

    The pool's ``AccountRecoverySetting`` applies (moto's helper); an unknown user under
    ``PreventUserExistenceErrors`` gets a simulated delivery (developer guide, "Managing user
    existence error responses").

    :raises InvalidParameterException: the user has no email.
    """
    pool, user = code_user(self, client_id, username)
    if user is None:
        return None, {"CodeDeliveryDetails": delivery(username)}
    # moto's own helper applies AccountRecoverySetting (admin_only -> NotAuthorized).
    recovery = pool.extended_config.get("AccountRecoverySetting")
    self._get_code_delivery_details(recovery, user, username)
    email = user.attribute_lookup.get("email")
    if not email:
        raise InvalidParameterException(
            "Cannot reset password for the user as there is no registered/verified email"
            " or phone_number"
        )
    user.confirmation_code = None  # never moto's magic "moto-confirmation-code:" value
    issue_code(pool, user, "forgot_password", RESET_CODE_TTL_SECONDS)
    return None, {"CodeDeliveryDetails": delivery(email)}


def confirm_forgot_password(
    self: CognitoIdpBackend,
    client_id: str,
    username: str,
    password: str,
    confirmation_code: str,
) -> None:
    """ConfirmForgotPassword: only the live code sets the new password, which must meet the
    pool's password policy (moto accepted any code). Wrong codes count towards
    :data:`CODE_FAILURES_BEFORE_LIMIT`.

    :raises CodeMismatchException / ExpiredCodeException / LimitExceededException:
        see :func:`check_code`.
    """
    pool, user = code_user(self, client_id, username)
    if user is None:
        raise CodeMismatchException(CODE_MISMATCH)
    check_code(pool, user, "forgot_password", confirmation_code, consume=False)
    self._validate_password(pool.id, password)
    check_code(pool, user, "forgot_password", confirmation_code, consume=True)
    user.password = password
    if user.status in (UserStatus.RESET_REQUIRED, UserStatus.FORCE_CHANGE_PASSWORD):
        user.status = UserStatus.CONFIRMED
