"""Passkeys (WebAuthn) in the local Cognito: StartWebAuthnRegistration,
CompleteWebAuthnRegistration, ListWebAuthnCredentials, DeleteWebAuthnCredential, and the
pool's ``WebAuthnConfiguration`` (SetUserPoolMfaConfig / GetUserPoolMfaConfig). moto has
none of them (StartWebAuthnRegistration answered 500).

Every ceremony is verified by py_webauthn (``webauthn`` on PyPI, dev-only: the local stack
never ships in a Lambda package): the challenge, the origin, the rpIdHash, the attestation,
the user-presence / user-verification flags and, at sign-in (:mod:`user_auth`), the
signature and the sign count. Only the origin *policy* is ours (:func:`allowed_origin`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    ResourceNotFoundError,
)
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser, CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult
from webauthn import (
    generate_registration_options,
    options_to_json,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_attestation_object,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from local_stack.cognito.errors import WebAuthnError
from local_stack.cognito.originals import moto_original
from local_stack.cognito.state import LOCK, Passkey, Registration, clock, pool_state
from local_stack.cognito.tokens import token_user

#: How long a StartWebAuthnRegistration challenge (and the options' ``timeout``) lives.
#: Cognito does not publish it; W3C WebAuthn Level 3 §5.4 (``timeout``) recommends
#: 300 000 to 600 000 ms when user verification is required or preferred.
REGISTRATION_SECONDS = 300


def first_factors(pool: CognitoIdpUserPool) -> list[str]:
    """The pool's ``Policies.SignInPolicy.AllowedFirstAuthFactors`` (Cognito's default:
    ``["PASSWORD"]``)."""
    policy = (pool.extended_config.get("Policies") or {}).get("SignInPolicy") or {}
    return list(policy.get("AllowedFirstAuthFactors") or ["PASSWORD"])


def relying_party(pool: CognitoIdpUserPool) -> tuple[str, bool] | None:
    """The pool's passkey relying party: ``(RelyingPartyId, user verification required)``,
    or None when WEB_AUTHN is not an allowed first factor or no RP ID is set.

    ``UserVerification`` is ``preferred`` unless set to ``required`` (API reference,
    WebAuthnConfigurationType). Cognito falls back to the pool's prefix domain for the RP
    ID; the local stack has no such domain, so it needs ``RelyingPartyId`` set.
    """
    config = pool_state(pool).webauthn_config
    if "WEB_AUTHN" not in first_factors(pool) or not config.get("RelyingPartyId"):
        return None
    return config["RelyingPartyId"], config.get("UserVerification") == "required"


def allowed_origin(origin: str, rp_id: str) -> bool:
    """Whether a ceremony from ``origin`` may use the relying party ``rp_id``.

    W3C WebAuthn Level 3 §13.4.9 leaves the origin policy to the RP: here, an ``https``
    origin whose host is the RP ID or one of its subdomains (the RP ID's registrable-suffix
    rule, §5.1.4.1), on any port; and ``http://localhost`` on any port when the RP ID is
    ``localhost``, since browsers treat localhost as a secure context (W3C Secure Contexts
    §3.2) and the local web app runs there. Anything else (another site, plain http
    elsewhere, an IP address) is refused.
    """
    parts = urlsplit(origin)
    host = (parts.hostname or "").lower()
    if parts.scheme == "http":
        return rp_id == "localhost" and host == "localhost"
    return parts.scheme == "https" and (host == rp_id or host.endswith("." + rp_id))


def _enabled_party(pool: CognitoIdpUserPool) -> tuple[str, bool]:
    """:func:`relying_party`, or Cognito's error for a pool without passkeys."""
    if "WEB_AUTHN" not in first_factors(pool):
        raise WebAuthnError("WebAuthnNotEnabled", "WebAuthn is not enabled for this user pool")
    party = relying_party(pool)
    if party is None:
        raise WebAuthnError(
            "WebAuthnConfigurationMissing", "The user pool has no WebAuthn relying party ID"
        )
    return party


def user_passkeys(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> dict[str, Passkey]:
    """The passkeys ``user`` registered, by base64url credential id."""
    with LOCK:
        return {k: v for k, v in pool_state(pool).passkeys.items() if v.user_id == user.id}


def start_web_authn_registration(self: CognitoIdpBackend, access_token: str) -> dict[str, Any]:
    """StartWebAuthnRegistration: ``CredentialCreationOptions`` (W3C
    PublicKeyCredentialCreationOptionsJSON) for the access token's user, with a fresh
    challenge that replaces any earlier one and lives :data:`REGISTRATION_SECONDS`.

    The options require a discoverable credential (a passkey) and carry the user's
    existing passkeys as ``excludeCredentials``.

    :raises NotAuthorizedError: bad access token.
    :raises WebAuthnError: ``WebAuthnNotEnabled`` / ``WebAuthnConfigurationMissing``.
    """
    pool, user = token_user(self, access_token)
    rp_id, uv_required = _enabled_party(pool)
    name = user.attribute_lookup.get("email") or user.username
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=pool.name,
        user_id=user.id.encode(),
        user_name=name,
        user_display_name=name,
        timeout=REGISTRATION_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=(
                UserVerificationRequirement.REQUIRED
                if uv_required
                else UserVerificationRequirement.PREFERRED
            ),
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(key))
            for key in user_passkeys(pool, user)
        ],
    )
    with LOCK:
        pool_state(pool).registrations[user.id] = Registration(
            bytes_to_base64url(options.challenge), clock() + REGISTRATION_SECONDS
        )
    return {"CredentialCreationOptions": json.loads(options_to_json(options))}


def complete_web_authn_registration(
    self: CognitoIdpBackend, access_token: str, credential: dict[str, Any] | None
) -> dict[str, Any]:
    """CompleteWebAuthnRegistration: verify the browser's ``RegistrationResponseJSON``
    against the user's pending challenge and keep the passkey.

    The pending challenge is spent by any attempt, right or wrong (single use); a refused
    attempt keeps nothing else. Checks, in order: a live challenge of this user; the
    origin (:func:`allowed_origin`); the rpIdHash (SHA-256 of the pool's RP ID); then
    py_webauthn's verification (type, challenge, origin, rpIdHash, UP, UV when the pool
    requires it, the attestation statement); and that no user has the credential yet.

    :raises WebAuthnError: ``WebAuthnChallengeNotFound``, ``WebAuthnOriginNotAllowed``,
        ``WebAuthnRelyingPartyMismatch``, ``WebAuthnCredentialNotSupported`` (any other
        verification failure), or the pool's ``WebAuthnNotEnabled`` /
        ``WebAuthnConfigurationMissing``.
    :raises InvalidParameterException: no ``Credential``.
    """
    pool, user = token_user(self, access_token)
    rp_id, uv_required = _enabled_party(pool)
    if not credential:
        raise InvalidParameterException("Missing required parameter Credential")
    with LOCK:
        pending = pool_state(pool).registrations.pop(user.id, None)
    if pending is None or clock() >= pending.expires_at:
        raise WebAuthnError("WebAuthnChallengeNotFound", "No pending WebAuthn registration")
    try:
        parsed = parse_registration_credential_json(credential)
        origin = parse_client_data_json(parsed.response.client_data_json).origin
        auth_data = parse_attestation_object(parsed.response.attestation_object).auth_data
    except Exception as error:  # py_webauthn raises several types for malformed input
        raise WebAuthnError("WebAuthnCredentialNotSupported", "Malformed credential") from error
    if not allowed_origin(origin, rp_id):
        raise WebAuthnError("WebAuthnOriginNotAllowed", "The origin is not allowed")
    if auth_data.rp_id_hash != hashlib.sha256(rp_id.encode()).digest():
        raise WebAuthnError("WebAuthnRelyingPartyMismatch", "The relying party does not match")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(pending.challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=uv_required,
        )
    except InvalidRegistrationResponse as error:
        raise WebAuthnError("WebAuthnCredentialNotSupported", str(error)) from error
    key = bytes_to_base64url(verified.credential_id)
    with LOCK:
        passkeys = pool_state(pool).passkeys
        if key in passkeys:
            raise WebAuthnError("WebAuthnCredentialNotSupported", "Credential already registered")
        passkeys[key] = Passkey(
            user_id=user.id,
            public_key=bytes_to_base64url(verified.credential_public_key),
            sign_count=verified.sign_count,
            relying_party_id=rp_id,
            created_at=clock(),
            attachment=str(credential.get("authenticatorAttachment") or ""),
            transports=list((credential.get("response") or {}).get("transports") or []),
        )
    return {}


def list_web_authn_credentials(self: CognitoIdpBackend, access_token: str) -> dict[str, Any]:
    """ListWebAuthnCredentials: the access token's user's passkeys (API reference,
    WebAuthnCredentialDescriptionType), oldest first. One page: a user has few passkeys,
    so ``MaxResults`` / ``NextToken`` are not emulated.
    """
    pool, user = token_user(self, access_token)
    credentials = []
    for key, passkey in sorted(user_passkeys(pool, user).items(), key=lambda i: i[1].created_at):
        item: dict[str, Any] = {
            "CredentialId": key,
            "FriendlyCredentialName": passkey.friendly_name or "Passkey",
            "RelyingPartyId": passkey.relying_party_id,
            "AuthenticatorTransports": passkey.transports,
            "CreatedAt": datetime.fromtimestamp(passkey.created_at, UTC),
        }
        if passkey.attachment:
            item["AuthenticatorAttachment"] = passkey.attachment
        credentials.append(item)
    return {"Credentials": credentials}


def delete_web_authn_credential(
    self: CognitoIdpBackend, access_token: str, credential_id: str
) -> dict[str, Any]:
    """DeleteWebAuthnCredential: remove one of the access token's user's passkeys.

    :raises ResourceNotFoundError: no such credential, or another user's.
    """
    pool, user = token_user(self, access_token)
    with LOCK:
        passkeys = pool_state(pool).passkeys
        if credential_id not in passkeys or passkeys[credential_id].user_id != user.id:
            raise ResourceNotFoundError("Credential not found")
        del passkeys[credential_id]
    return {}


def set_user_pool_mfa_config(self: CognitoIdpResponse) -> ActionResult:
    """SetUserPoolMfaConfig: keeps ``WebAuthnConfiguration`` (``RelyingPartyId``,
    ``UserVerification``), which moto drops, then moto's handler. ``FactorConfiguration``
    (passkeys as MFA) is not emulated.
    """
    config = self._get_param("WebAuthnConfiguration")
    if config is not None:
        pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
        with LOCK:
            pool_state(pool).webauthn_config = {
                k: str(v) for k, v in config.items() if k in ("RelyingPartyId", "UserVerification")
            }
    return moto_original(CognitoIdpResponse, "set_user_pool_mfa_config")(self)


def get_user_pool_mfa_config(self: CognitoIdpBackend, user_pool_id: str) -> dict[str, Any]:
    """GetUserPoolMfaConfig: moto's answer plus the pool's ``WebAuthnConfiguration``."""
    result = dict(moto_original(CognitoIdpBackend, "get_user_pool_mfa_config")(self, user_pool_id))
    config = pool_state(self.describe_user_pool(user_pool_id)).webauthn_config
    result["WebAuthnConfiguration"] = {"UserVerification": "preferred", **config}
    return result
