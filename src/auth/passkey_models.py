"""The signed-in passkey routes' models (:mod:`auth.passkeys`, ``auth.handlers.passkeys``;
issue 20).

The credential's JSON is the browser's, in W3C WebAuthn Level 3's names (camelCase); it is
checked for shape and size here and verified by Cognito (CompleteWebAuthnRegistration).
The shared WebAuthn types (``Base64Url``, ``CredentialId``) and the sign-in side's
``AuthenticationResponse`` live in :mod:`auth.models`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from auth.models import CredentialId, NonEmptyBase64Url, Proof, _Request, _Response


class _WebAuthnJson(BaseModel):
    """The browser's WebAuthn JSON: the members this API needs are checked, any others a
    browser adds are passed on to Cognito as they came (``extra="allow"``)."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True, populate_by_name=True)


class AuthenticatorAttestationResponseJSON(_WebAuthnJson):
    """W3C WebAuthn Level 3 section 5.2.1 (``AuthenticatorAttestationResponseJSON``): the
    client data and the attestation object, base64url."""

    client_data_json: NonEmptyBase64Url = Field(alias="clientDataJSON")
    attestation_object: NonEmptyBase64Url = Field(alias="attestationObject")
    transports: list[Annotated[str, Field(max_length=32)]] | None = Field(
        default=None, max_length=16
    )


class RegistrationResponseJSON(_WebAuthnJson):
    """What ``navigator.credentials.create()`` gives, as ``PublicKeyCredential.toJSON()``
    (W3C WebAuthn Level 3 section 5.1, ``RegistrationResponseJSON``)."""

    id: CredentialId
    raw_id: CredentialId = Field(alias="rawId")
    type: Literal["public-key"]
    response: AuthenticatorAttestationResponseJSON
    authenticator_attachment: Literal["platform", "cross-platform"] | None = Field(
        default=None, alias="authenticatorAttachment"
    )
    client_extension_results: dict[str, Any] | None = Field(
        default=None, alias="clientExtensionResults"
    )

    def document(self) -> dict[str, Any]:
        """The credential as the browser sent it (its own names, only the members sent):
        CompleteWebAuthnRegistration's ``Credential``."""
        return self.model_dump(by_alias=True, exclude_unset=True)


class PasskeyRegistrationOptionsRequest(Proof):
    """``POST /auth/passkeys/registration-options``: the proof alone."""


class RegisterPasskeyRequest(_Request):
    """``POST /auth/passkeys``: the browser's answer to the creation options."""

    credential: RegistrationResponseJSON


class DeletePasskeyRequest(Proof):
    """``DELETE /auth/passkeys/{credential_id}``: the proof alone."""


class PasskeyCreationOptions(_Response):
    """200 body of ``POST /auth/passkeys/registration-options``: Cognito's
    ``CredentialCreationOptions`` (W3C WebAuthn Level 3 section 5.4,
    ``PublicKeyCredentialCreationOptionsJSON``: ``challenge``, ``rp``, ``user``,
    ``pubKeyCredParams``, ``timeout`` in ms, ``excludeCredentials``,
    ``authenticatorSelection``), for ``PublicKeyCredential.parseCreationOptionsFromJSON``
    and ``navigator.credentials.create()``."""

    credential_creation_options: dict[str, Any]


class Passkey(_Response):
    """One passkey of the signed-in user (Cognito's WebAuthnCredentialDescription).

    ``credential_id`` is base64url; ``authenticator_attachment`` is ``platform`` or
    ``cross-platform`` when the browser said; ``created_at`` is RFC 3339 in UTC
    (``2026-11-21T09:00:00Z``).
    """

    credential_id: str
    friendly_name: str | None = None
    relying_party_id: str
    authenticator_attachment: str | None = None
    authenticator_transports: list[str]
    created_at: str


class PasskeyList(_Response):
    """200 body of ``GET /auth/passkeys``: every passkey of the user, oldest first."""

    passkeys: list[Passkey]


class PasskeyDeleted(_Response):
    """200 body of ``DELETE /auth/passkeys/{credential_id}``: it no longer signs in."""

    deleted: Literal[True] = True
