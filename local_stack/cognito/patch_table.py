"""The one table of the local Cognito's patches to moto, and :func:`install` / :func:`uninstall`.

Each row names the Cognito API operation(s) a patch serves, what it replaces in moto
(``owner.attribute``: a method of moto's backend, user-pool model or JSON handler class,
or a module attribute) and the top-level function (or value) that replaces it. The
function's docstring says which documented behaviour it adds. moto's originals are kept
in :mod:`local_stack.cognito.originals`; a patch calls moto's version through
``moto_original(owner, name)``.

To emulate a new operation: write its patch as a top-level function in the module named
after the behaviour (or a new one), add a row here, and, when moto's JSON handler drops a
parameter the backend needs, a handler in :mod:`local_stack.cognito.json_handlers` (moto
dispatches ``SomeOperation`` to the handler method ``some_operation``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.cognitoidp import models as _models
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool, CognitoIdpUserPoolClient
from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse, CognitoIdpResponse

from local_stack.cognito import (
    account,
    forgot_password,
    ids,
    json_handlers,
    rules,
    sign_in,
    sign_out,
    sign_up,
    signing,
    tokens,
    totp,
    webauthn,
)
from local_stack.cognito.inbox import Inbox
from local_stack.cognito.originals import replace, restore_all
from local_stack.cognito.state import LOCK, SETTINGS

__all__ = ["PATCHES", "Patch", "install", "uninstall"]


@dataclass(frozen=True)
class Patch:
    """One replaced attribute: ``owner.attribute = replacement`` for ``operation``."""

    operation: str
    owner: Any
    attribute: str
    replacement: Any


_POOL, _CLIENT, _BACKEND, _HANDLER = (
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    CognitoIdpBackend,
    CognitoIdpResponse,
)

#: Every patch, in the order :func:`install` applies them.
PATCHES: tuple[Patch, ...] = (
    # ids and keys (CreateUserPool, CreateUserPoolClient, the pool's JWKS)
    Patch("CreateUserPool", _POOL, "__init__", ids.user_pool_init),
    Patch("CreateUserPoolClient", _CLIENT, "__init__", ids.user_pool_client_init),
    Patch("CreateUserPool", _models, "jwk", ids.SharedKeyImports(_models.jwk)),
    Patch(
        "GET /{UserPoolId}/.well-known/jwks.json",
        CognitoIdpJsonWebKeyResponse,
        "json_web_key",
        json.dumps(signing.jwks()).encode(),
    ),
    # rules every operation shares
    Patch("(any operation naming a user)", _POOL, "_get_user", rules.get_pool_user),
    Patch(
        "(any operation setting a password)",
        _BACKEND,
        "_validate_password",
        rules.validate_password,
    ),
    # tokens
    Patch("(any operation issuing tokens)", _POOL, "create_jwt", signing.create_jwt),
    Patch(
        "(any operation issuing tokens)", _POOL, "create_refresh_token", tokens.create_refresh_token
    ),
    Patch(
        "(any operation issuing tokens)", _POOL, "create_access_token", tokens.create_access_token
    ),
    Patch(
        "InitiateAuth REFRESH_TOKEN_AUTH",
        _POOL,
        "create_tokens_from_refresh_token",
        tokens.create_tokens_from_refresh_token,
    ),
    Patch(
        "GetTokensFromRefreshToken",
        _BACKEND,
        "get_tokens_from_refresh_token",
        tokens.get_tokens_from_refresh_token,
    ),
    Patch(
        "GetTokensFromRefreshToken",
        _HANDLER,
        "get_tokens_from_refresh_token",
        json_handlers.get_tokens_from_refresh_token,
    ),
    # sign-up
    Patch("SignUp", _BACKEND, "sign_up", sign_up.sign_up),
    Patch("SignUp", _HANDLER, "sign_up", json_handlers.sign_up),
    Patch("ConfirmSignUp", _BACKEND, "confirm_sign_up", sign_up.confirm_sign_up),
    Patch("ConfirmSignUp", _HANDLER, "confirm_sign_up", json_handlers.confirm_sign_up),
    Patch("AdminConfirmSignUp", _BACKEND, "admin_confirm_sign_up", sign_up.admin_confirm_sign_up),
    Patch(
        "ResendConfirmationCode",
        _BACKEND,
        "resend_confirmation_code",
        sign_up.resend_confirmation_code,
    ),
    Patch(
        "ResendConfirmationCode",
        _HANDLER,
        "resend_confirmation_code",
        json_handlers.resend_confirmation_code,
    ),
    # forgot password
    Patch("ForgotPassword", _BACKEND, "forgot_password", forgot_password.forgot_password),
    Patch("ForgotPassword", _HANDLER, "forgot_password", json_handlers.forgot_password),
    Patch(
        "ConfirmForgotPassword",
        _BACKEND,
        "confirm_forgot_password",
        forgot_password.confirm_forgot_password,
    ),
    Patch(
        "ConfirmForgotPassword",
        _HANDLER,
        "confirm_forgot_password",
        json_handlers.confirm_forgot_password,
    ),
    # sign-in: password, SRP, email OTP; the MFA and OTP challenges
    Patch("InitiateAuth", _BACKEND, "initiate_auth", sign_in.initiate_auth),
    Patch("AdminInitiateAuth", _BACKEND, "admin_initiate_auth", sign_in.admin_initiate_auth),
    Patch(
        "RespondToAuthChallenge",
        _BACKEND,
        "respond_to_auth_challenge",
        sign_in.respond_to_auth_challenge,
    ),
    # TOTP MFA
    Patch(
        "AssociateSoftwareToken",
        _BACKEND,
        "associate_software_token",
        totp.associate_software_token,
    ),
    Patch("VerifySoftwareToken", _BACKEND, "verify_software_token", totp.verify_software_token),
    Patch(
        "SetUserMFAPreference", _BACKEND, "set_user_mfa_preference", totp.set_user_mfa_preference
    ),
    # passkeys (WebAuthn): the pool's relying party, registration, list, delete
    Patch(
        "SetUserPoolMfaConfig",
        _HANDLER,
        "set_user_pool_mfa_config",
        webauthn.set_user_pool_mfa_config,
    ),
    Patch(
        "GetUserPoolMfaConfig",
        _BACKEND,
        "get_user_pool_mfa_config",
        webauthn.get_user_pool_mfa_config,
    ),
    Patch(
        "StartWebAuthnRegistration",
        _BACKEND,
        "start_web_authn_registration",
        webauthn.start_web_authn_registration,
    ),
    Patch(
        "StartWebAuthnRegistration",
        _HANDLER,
        "start_web_authn_registration",
        json_handlers.start_web_authn_registration,
    ),
    Patch(
        "CompleteWebAuthnRegistration",
        _BACKEND,
        "complete_web_authn_registration",
        webauthn.complete_web_authn_registration,
    ),
    Patch(
        "CompleteWebAuthnRegistration",
        _HANDLER,
        "complete_web_authn_registration",
        json_handlers.complete_web_authn_registration,
    ),
    Patch(
        "ListWebAuthnCredentials",
        _BACKEND,
        "list_web_authn_credentials",
        webauthn.list_web_authn_credentials,
    ),
    Patch(
        "ListWebAuthnCredentials",
        _HANDLER,
        "list_web_authn_credentials",
        json_handlers.list_web_authn_credentials,
    ),
    Patch(
        "DeleteWebAuthnCredential",
        _BACKEND,
        "delete_web_authn_credential",
        webauthn.delete_web_authn_credential,
    ),
    Patch(
        "DeleteWebAuthnCredential",
        _HANDLER,
        "delete_web_authn_credential",
        json_handlers.delete_web_authn_credential,
    ),
    # sign-out
    Patch("GlobalSignOut", _POOL, "sign_out", sign_out.pool_sign_out),
    Patch("GlobalSignOut", _BACKEND, "global_sign_out", sign_out.global_sign_out),
    Patch("RevokeToken", _BACKEND, "revoke_token", sign_out.revoke_token),
    Patch("RevokeToken", _HANDLER, "revoke_token", json_handlers.revoke_token),
    # account self-service
    Patch("GetUser", _BACKEND, "get_user", account.get_user),
    Patch(
        "UpdateUserAttributes", _BACKEND, "update_user_attributes", account.update_user_attributes
    ),
    Patch(
        "UpdateUserAttributes",
        _HANDLER,
        "update_user_attributes",
        json_handlers.update_user_attributes,
    ),
    Patch("VerifyUserAttribute", _BACKEND, "verify_user_attribute", account.verify_user_attribute),
    Patch(
        "VerifyUserAttribute",
        _HANDLER,
        "verify_user_attribute",
        json_handlers.verify_user_attribute,
    ),
    Patch("ChangePassword", _BACKEND, "change_password", account.change_password),
    Patch("DeleteUser", _BACKEND, "delete_user", account.delete_user),
    Patch("DeleteUser", _HANDLER, "delete_user", json_handlers.delete_user),
)

_INSTALLED = False


def install(inbox: Inbox, *, clock: Callable[[], float] | None = None) -> None:
    """Apply :data:`PATCHES` to moto's cognito-idp (once per process) and route codes to
    ``inbox``.

    Idempotent: later calls only swap the inbox (and the clock, when given), which is how
    tests give each case a fresh inbox.

    :param inbox: where SignUp / ResendConfirmationCode / ForgotPassword / UpdateUserAttributes
        and email OTP sign-in codes go.
    :param clock: seconds since the epoch, used for code and token lifetimes; injectable
        so tests can age codes and tokens. Left unchanged when omitted (``time.time`` at
        first install).
    """
    global _INSTALLED
    with LOCK:
        SETTINGS.inbox = inbox
        if clock is not None:
            SETTINGS.clock = clock
        if _INSTALLED:
            return
        for patch in PATCHES:
            replace(patch.owner, patch.attribute, patch.replacement)
        _INSTALLED = True


def uninstall() -> None:
    """Give moto back its own cognito-idp behaviour (for test suites that share a process).

    The local stack never calls this; tests do, so that suites which rely on plain moto
    are not affected by the order in which pytest runs them.
    """
    global _INSTALLED
    with LOCK:
        restore_all()
        SETTINGS.inbox = None
        SETTINGS.clock = time.time
        _INSTALLED = False
