"""Account self-service with the user's access token: GetUser, UpdateUserAttributes,
VerifyUserAttribute, ChangePassword and DeleteUser, as the cognito-idp API reference
describes them (moto lacks VerifyUserAttribute and DeleteUser, and its UpdateUserAttributes
and ChangePassword skip Cognito's rules).
"""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
)

from local_stack.cognito.codes import VERIFY_CODE_TTL_SECONDS, check_code, issue_code
from local_stack.cognito.errors import AliasExistsError
from local_stack.cognito.lockout import check_password
from local_stack.cognito.originals import moto_original
from local_stack.cognito.rules import delivery
from local_stack.cognito.state import LOCK, pool_state
from local_stack.cognito.tokens import check_access_token, token_user


def get_user(self: CognitoIdpBackend, access_token: str) -> CognitoIdpUser:
    """GetUser with Cognito's access-token checks (:func:`check_access_token`: revoked,
    expired or without the ``aws.cognito.signin.user.admin`` scope is NotAuthorizedException
    with Cognito's message; moto accepts any live token and echoes it in its errors).
    """
    check_access_token(self, access_token)
    return moto_original(CognitoIdpBackend, "get_user")(self, access_token)


def email_taken(pool: CognitoIdpUserPool, user: CognitoIdpUser, email: str) -> bool:
    """Whether another user of an email-username pool already signs in with ``email``."""
    if "email" not in (pool.extended_config.get("UsernameAttributes") or []):
        return False
    other = pool._get_user(email)
    return other is not None and other is not user


def update_user_attributes(
    self: CognitoIdpBackend, access_token: str, attributes: list[dict[str, str]]
) -> dict[str, Any]:
    """UpdateUserAttributes -> ``{CodeDeliveryDetailsList}``.

    A new ``email`` gets a code (kind ``verify_email``) sent to the new address. With
    ``email`` in ``UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate``
    the user keeps the old, verified email (and signs in with it) until
    VerifyUserAttribute; otherwise the email changes now, unverified (API reference,
    UpdateUserAttributes and UserAttributeUpdateSettingsType).

    :raises AliasExistsException: another user has that email (email-username pools).
    """
    pool, user = token_user(self, access_token)
    attributes = list(attributes or [])
    email = next((a.get("Value") for a in attributes if a.get("Name") == "email"), None)
    others = [a for a in attributes if a.get("Name") not in ("email", "email_verified")]
    deliveries: list[dict[str, str]] = []
    if email is not None and email.lower() != str(user.attribute_lookup.get("email", "")).lower():
        if email_taken(pool, user, email):
            raise AliasExistsError()
        settings = pool.extended_config.get("UserAttributeUpdateSettings") or {}
        if "email" in (settings.get("AttributesRequireVerificationBeforeUpdate") or []):
            with LOCK:
                pool_state(pool).pending_email[user.id] = email
        else:
            others += [
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "false"},
            ]
        issue_code(pool, user, "verify_email", VERIFY_CODE_TTL_SECONDS, to=email)
        deliveries.append(delivery(email))
    if others:
        user.update_attributes(others)
    return {"CodeDeliveryDetailsList": deliveries}


def verify_user_attribute(
    self: CognitoIdpBackend, access_token: str, attribute_name: str, code: str
) -> None:
    """VerifyUserAttribute for ``email``: the code sent by UpdateUserAttributes makes the
    pending address the user's email (and sign-in name), verified.

    :raises CodeMismatchException / ExpiredCodeException / LimitExceededException: as
        for the other codes (:func:`check_code`).
    :raises AliasExistsException: the address was taken meanwhile.
    """
    pool, user = token_user(self, access_token)
    if attribute_name != "email":
        raise InvalidParameterException("Only email can be verified here.")
    check_code(pool, user, "verify_email", code, consume=False)
    with LOCK:
        email = pool_state(pool).pending_email.get(user.id) or user.attribute_lookup.get("email")
        if email and email_taken(pool, user, email):
            raise AliasExistsError()
        check_code(pool, user, "verify_email", code, consume=True)
        pool_state(pool).pending_email.pop(user.id, None)
        # moto files tokens under the name typed at sign-in (the old email): refile
        # them under the user's username, so they outlive the rename as in Cognito.
        for token, (client_id, name) in list(pool.access_tokens.items()):
            if pool._get_user(name) is user:
                pool.access_tokens[token] = (client_id, user.username)
        for token, record in list(pool.refresh_tokens.items()):
            if record is not None and pool._get_user(record[1]) is user:
                pool.refresh_tokens[token] = (record[0], user.username, record[2])
        user.update_attributes(
            [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
        )


def change_password(
    self: CognitoIdpBackend, access_token: str, previous_password: str, proposed_password: str
) -> None:
    """ChangePassword: the previous password is checked under the lockout, the new one
    against the pool's policy (API reference, ChangePassword). moto's own echoes the
    username in its error."""
    pool, user = token_user(self, access_token)
    check_password(pool, user, previous_password)
    self._validate_password(pool.id, proposed_password)
    user.password = proposed_password


def delete_user(self: CognitoIdpBackend, access_token: str) -> None:
    """DeleteUser (moto has none): the user is signed out everywhere and removed; their
    tokens stop working at once (API reference, DeleteUser)."""
    pool, user = token_user(self, access_token)
    pool.sign_out(user.username)
    self.admin_delete_user(pool.id, user.username)
    with LOCK:
        state = pool_state(pool)
        for table in (
            state.totp,
            state.totp_pending,
            state.totp_last_step,
            state.pending_email,
            state.failures,
        ):
            table.pop(user.id, None)
        for key in [k for k in state.codes if k[0] == user.id]:
            del state.codes[key]
