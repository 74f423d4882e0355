"""moto's JSON handlers (``CognitoIdpResponse``) for the operations moto lacks, and
SECRET_HASH on those that carry it.

moto's handlers drop ``SecretHash`` and ``ConfirmationCode`` before calling the backend,
so those checks sit at this layer. moto dispatches by method name (``RevokeToken`` ->
``revoke_token``), which is the hook used for the new operations.
"""

from __future__ import annotations

from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUserPoolClient,
)
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult

from local_stack.cognito.originals import moto_original
from local_stack.cognito.rules import check_secret_hash, pool_and_client


def _backend_and_client(
    self: CognitoIdpResponse,
) -> tuple[CognitoIdpBackend, CognitoIdpUserPoolClient]:
    """The backend and app client of the request's ``ClientId`` (any account or region)."""
    client_id = self._get_param("ClientId")
    # moto's own lookup across accounts and regions (unauthenticated calls carry none)
    backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
    return backend, pool_and_client(backend, client_id)[1]


def _check_request_secret_hash(self: CognitoIdpResponse) -> CognitoIdpBackend:
    """Check the request's ``SecretHash`` for its ``Username``; the backend of its client."""
    backend, client = _backend_and_client(self)
    username = self._get_param("Username") or ""
    check_secret_hash(client, [username], self._get_param("SecretHash"))
    return backend


def sign_up(self: CognitoIdpResponse) -> ActionResult:
    """SignUp: SECRET_HASH checked (moto's handler drops it), then moto's handler."""
    _check_request_secret_hash(self)
    return moto_original(CognitoIdpResponse, "sign_up")(self)


def confirm_sign_up(self: CognitoIdpResponse) -> ActionResult:
    """ConfirmSignUp: SECRET_HASH checked; the ``ConfirmationCode`` reaches the backend
    (moto's handler drops it).
    """
    backend = _check_request_secret_hash(self)
    backend.confirm_sign_up(
        self._get_param("ClientId"),
        self._get_param("Username"),
        self._get_param("ConfirmationCode"),
    )
    return EmptyResult()


def resend_confirmation_code(self: CognitoIdpResponse) -> ActionResult:
    """ResendConfirmationCode: SECRET_HASH checked; moto has no handler for it."""
    backend = _check_request_secret_hash(self)
    client_id, username = self._get_param("ClientId"), self._get_param("Username")
    return ActionResult(backend.resend_confirmation_code(client_id, username))


def forgot_password(self: CognitoIdpResponse) -> ActionResult:
    """ForgotPassword: SECRET_HASH checked; no ``x-moto-forgot-password-confirmation-code``
    header (the code goes to the dev inbox only).
    """
    backend = _check_request_secret_hash(self)
    client_id, username = self._get_param("ClientId"), self._get_param("Username")
    _, response = backend.forgot_password(client_id, username)
    return ActionResult(response)  # no x-moto-forgot-password-confirmation-code header


def confirm_forgot_password(self: CognitoIdpResponse) -> ActionResult:
    """ConfirmForgotPassword: SECRET_HASH checked, then moto's handler."""
    _check_request_secret_hash(self)
    return moto_original(CognitoIdpResponse, "confirm_forgot_password")(self)


def get_tokens_from_refresh_token(self: CognitoIdpResponse) -> ActionResult:
    """GetTokensFromRefreshToken (moto answers 500): ``ClientId``, ``RefreshToken`` and
    ``ClientSecret`` to the backend.
    """
    backend, _ = _backend_and_client(self)
    return ActionResult(
        backend.get_tokens_from_refresh_token(
            self._get_param("ClientId"),
            self._get_param("RefreshToken"),
            self._get_param("ClientSecret"),
        )
    )


def revoke_token(self: CognitoIdpResponse) -> ActionResult:
    """RevokeToken (moto answers 500): ``ClientId``, ``Token`` and ``ClientSecret`` to the
    backend.
    """
    backend, _ = _backend_and_client(self)
    backend.revoke_token(
        self._get_param("ClientId"),
        self._get_param("Token") or "",
        self._get_param("ClientSecret"),
    )
    return EmptyResult()


def _token_backend(self: CognitoIdpResponse) -> CognitoIdpBackend:
    """The backend holding the request's ``AccessToken`` (any account or region)."""
    return self._get_region_agnostic_backend()._find_backend_by_access_token(
        self._get_param("AccessToken") or ""
    )


def update_user_attributes(self: CognitoIdpResponse) -> ActionResult:
    """UpdateUserAttributes: the backend's ``CodeDeliveryDetailsList`` is the answer."""
    backend = _token_backend(self)
    return ActionResult(
        backend.update_user_attributes(
            self._get_param("AccessToken") or "", self._get_param("UserAttributes") or []
        )
    )


def verify_user_attribute(self: CognitoIdpResponse) -> ActionResult:
    """VerifyUserAttribute (moto has none): ``AccessToken``, ``AttributeName``, ``Code``."""
    _token_backend(self).verify_user_attribute(
        self._get_param("AccessToken") or "",
        self._get_param("AttributeName") or "",
        self._get_param("Code") or "",
    )
    return EmptyResult()


def delete_user(self: CognitoIdpResponse) -> ActionResult:
    """DeleteUser (moto has none): ``AccessToken`` to the backend."""
    _token_backend(self).delete_user(self._get_param("AccessToken") or "")
    return EmptyResult()


def start_web_authn_registration(self: CognitoIdpResponse) -> ActionResult:
    """StartWebAuthnRegistration (moto answers 500): ``AccessToken`` to the backend."""
    token = self._get_param("AccessToken") or ""
    return ActionResult(_token_backend(self).start_web_authn_registration(token))


def complete_web_authn_registration(self: CognitoIdpResponse) -> ActionResult:
    """CompleteWebAuthnRegistration (moto has none): ``AccessToken`` and ``Credential``."""
    token = self._get_param("AccessToken") or ""
    credential = self._get_param("Credential")
    return ActionResult(_token_backend(self).complete_web_authn_registration(token, credential))


def list_web_authn_credentials(self: CognitoIdpResponse) -> ActionResult:
    """ListWebAuthnCredentials (moto has none): ``AccessToken`` to the backend."""
    token = self._get_param("AccessToken") or ""
    return ActionResult(_token_backend(self).list_web_authn_credentials(token))


def delete_web_authn_credential(self: CognitoIdpResponse) -> ActionResult:
    """DeleteWebAuthnCredential (moto has none): ``AccessToken`` and ``CredentialId``."""
    token, credential_id = self._get_param("AccessToken") or "", self._get_param("CredentialId")
    return ActionResult(
        _token_backend(self).delete_web_authn_credential(token, credential_id or "")
    )
