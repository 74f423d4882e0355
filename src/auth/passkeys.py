"""The signed-in user's passkeys (WebAuthn credentials), with their access token (issue 20):
register one, list them, delete one. Cognito keeps the passkeys and verifies every
ceremony (StartWebAuthnRegistration, CompleteWebAuthnRegistration, ListWebAuthnCredentials,
DeleteWebAuthnCredential); the broker adds the fresh proof of identity and the contract's
answers.

Registering is two calls: :meth:`PasskeyOperations.passkey_registration_options` (after
the proof, OWASP ASVS 5.0 requirement 7.5.1, since a new passkey is a new way to sign in)
starts it and returns Cognito's creation options; the browser answers them
(``navigator.credentials.create``), and :meth:`PasskeyOperations.register_passkey` hands
the answer to Cognito, which checks it against the challenge it issued to this user. The
second call needs no proof of its own: only a proven user holds a pending challenge.
Deleting one takes the proof too (it removes a way to sign in).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from auth.account import AccountOperations
from auth.errors import UPSTREAM_BAD_RESPONSE, InvalidPasskey, PasskeyNotFound, UpstreamError
from auth.models import CREDENTIAL_ID_PATTERN, Proof
from auth.passkey_models import (
    Passkey,
    PasskeyCreationOptions,
    PasskeyDeleted,
    PasskeyList,
    RegistrationResponseJSON,
)

#: CompleteWebAuthnRegistration's refusals of the credential itself (API reference,
#: "Errors"), each with the sentence the caller gets as 400 ``invalid_passkey``. The access
#: token was checked just before (GetUser), so NotAuthorizedException is the credential.
REFUSED_REGISTRATION = {
    "WebAuthnChallengeNotFoundException": "No passkey registration is pending, or it has "
    "expired or was already answered; get new registration options and try again.",
    "WebAuthnClientMismatchException": "The registration was started by another app client; "
    "get new registration options and try again.",
    "WebAuthnOriginNotAllowedException": "The passkey was created on a website this service "
    "does not accept.",
    "WebAuthnRelyingPartyMismatchException": "The passkey was created for another website "
    "(relying party).",
    "WebAuthnCredentialNotSupportedException": "The passkey was refused: the authenticator's "
    "answer could not be verified, does not meet the requirements (user verification), or "
    "is already registered.",
    "NotAuthorizedException": "The passkey could not be verified.",
    "InvalidParameterException": "The credential is not a valid RegistrationResponseJSON.",
}


class PasskeyOperations(AccountOperations):
    """The passkey part of :class:`auth.service.AuthService` (on top of the account's,
    whose :meth:`~auth.account.AccountOperations.check_proof` it uses)."""

    def passkey_registration_options(
        self, access_token: str, proof: Proof
    ) -> PasskeyCreationOptions:
        """After the proof, StartWebAuthnRegistration: the creation options (a challenge
        for this user, valid a few minutes; a new call replaces it).

        Raises:
            ReauthenticationRequired, WrongProof, TooManyAttempts: (401, 401, 429) from
                :meth:`check_proof`.
            UpstreamError: 401 ``invalid_token``; 403 ``passkeys_disabled`` (the pool has
                no passkeys); 429; 5xx.
        """
        self.check_proof(access_token, proof)
        started = self.idp.start_web_authn_registration(access_token)
        return PasskeyCreationOptions(
            credential_creation_options=started["CredentialCreationOptions"]
        )

    def register_passkey(self, access_token: str, credential: RegistrationResponseJSON) -> Passkey:
        """CompleteWebAuthnRegistration with the browser's answer, then the new passkey as
        ListWebAuthnCredentials describes it.

        GetUser checks the token first, so that Cognito's NotAuthorizedException can only
        mean the credential. A refused credential spends the pending challenge (Cognito's
        challenges are single-use) and registers nothing: start again.

        Raises:
            InvalidPasskey: (400 ``invalid_passkey``) Cognito refused the credential
                (:data:`REFUSED_REGISTRATION`).
            UpstreamError: 401 ``invalid_token``; 403 ``passkeys_disabled``; 429; 502 if
                the new passkey is missing from the list.
        """
        self.idp.get_user(access_token)
        try:
            self.idp.complete_web_authn_registration(access_token, credential.document())
        except UpstreamError as exc:
            sentence = REFUSED_REGISTRATION.get(exc.code)
            if sentence is None:
                raise
            raise InvalidPasskey(sentence) from exc
        wanted = credential.id.rstrip("=")
        for passkey in self.passkeys(access_token).passkeys:
            if passkey.credential_id.rstrip("=") == wanted:
                return passkey
        raise UpstreamError("ListWebAuthnCredentials", UPSTREAM_BAD_RESPONSE)

    def passkeys(self, access_token: str) -> PasskeyList:
        """ListWebAuthnCredentials (every page), oldest first.

        Raises:
            UpstreamError: 401 ``invalid_token``; 429; 5xx.
        """
        items = sorted(self.idp.list_web_authn_credentials(access_token), key=lambda i: _created(i))
        return PasskeyList(passkeys=[_passkey(item) for item in items])

    def delete_passkey(self, access_token: str, credential_id: str, proof: Proof) -> PasskeyDeleted:
        """After the proof, DeleteWebAuthnCredential: the passkey no longer signs in.

        An id that cannot be a credential id (:data:`~auth.models.CREDENTIAL_ID_PATTERN`)
        is refused before the proof, with the answer of an unknown one.

        Raises:
            PasskeyNotFound: (404 ``passkey_not_found``) the user has no passkey with that
                id (Cognito's ResourceNotFoundException: another user's, or none).
            ReauthenticationRequired, WrongProof, TooManyAttempts: (401, 401, 429) from
                :meth:`check_proof`.
            UpstreamError: 401 ``invalid_token``; 429; 5xx.
        """
        if not re.fullmatch(CREDENTIAL_ID_PATTERN, credential_id):
            raise PasskeyNotFound()
        self.check_proof(access_token, proof)
        try:
            self.idp.delete_web_authn_credential(access_token, credential_id)
        except UpstreamError as exc:
            if exc.code != "ResourceNotFoundException":
                raise
            raise PasskeyNotFound() from exc
        return PasskeyDeleted()


def _created(item: dict[str, Any]) -> datetime:
    """``CreatedAt`` as an aware datetime (boto3 parses the API's timestamps)."""
    created = item.get("CreatedAt")
    if isinstance(created, datetime):
        return created if created.tzinfo else created.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(created or 0), UTC)


def _passkey(item: dict[str, Any]) -> Passkey:
    """A WebAuthnCredentialDescription as the contract's passkey."""
    return Passkey(
        credential_id=str(item["CredentialId"]),
        friendly_name=item.get("FriendlyCredentialName"),
        relying_party_id=str(item.get("RelyingPartyId", "")),
        authenticator_attachment=item.get("AuthenticatorAttachment"),
        authenticator_transports=list(item.get("AuthenticatorTransports") or []),
        created_at=_created(item).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
