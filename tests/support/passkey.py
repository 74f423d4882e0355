"""A software passkey authenticator for tests: what a browser plus a platform authenticator
hand a relying party, built from the W3C WebAuthn Level 3 structures.

One EC P-256 key (COSE ES256, RFC 9053 section 2.1) per credential; ``fmt: none``
attestation (§8.7); authenticatorData = SHA-256(RP ID) ‖ flags (UP 0x01, UV 0x04, AT 0x40)
‖ signCount (big-endian u32) ‖ [AAGUID ‖ credential id length ‖ id ‖ COSE key] (§6.1);
an assertion signs authenticatorData ‖ SHA-256(clientDataJSON) (§6.3.3). CBOR is
py_webauthn's ``encode_cbor`` (cbor2). Every field a test wants to break is a parameter.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url, encode_cbor

ORIGIN = "http://localhost:3000"
RP_ID = "localhost"


def web_origin(api_url: str) -> str:
    """The local web app's origin for a stack whose API is ``api_url``: ``localhost`` on the
    API's port (``local_stack.stack.web_origin``: the RP ID is ``localhost``, never an IP)."""
    return f"http://localhost:{urlsplit(api_url).port}"


UP, UV, AT = 0x01, 0x04, 0x40


def b64(data: bytes) -> str:
    return bytes_to_base64url(data)


class SoftwarePasskey:
    """One discoverable credential on a software authenticator."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(16)
        self.sign_count = 0

    @property
    def id(self) -> str:
        return b64(self.credential_id)

    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        # COSE_Key (RFC 9052 section 7; EC2 key type 2, alg ES256 -7, curve P-256 1).
        return encode_cbor(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def authenticator_data(self, rp_id: str, flags: int, attested: bool) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags])
        data += struct.pack(">I", self.sign_count)
        if attested:
            data += bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
            data += self.cose_key()
        return data

    @staticmethod
    def client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def public_key_credential(self, response: dict[str, Any]) -> dict[str, Any]:
        """The PublicKeyCredential JSON around ``response`` (W3C WebAuthn §5.1, toJSON)."""
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": response,
        }

    def create(
        self,
        options: dict[str, Any],
        *,
        origin: str = ORIGIN,
        rp_id: str | None = None,
        flags: int = UP | UV | AT,
    ) -> dict[str, Any]:
        """RegistrationResponseJSON for ``options`` (PublicKeyCredentialCreationOptionsJSON)."""
        auth_data = self.authenticator_data(rp_id or options["rp"]["id"], flags, attested=True)
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return self.public_key_credential(
            {
                "clientDataJSON": b64(
                    self.client_data("webauthn.create", options["challenge"], origin)
                ),
                "attestationObject": b64(attestation),
                "transports": ["internal"],
            }
        )

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str = ORIGIN,
        rp_id: str | None = None,
        flags: int = UP | UV,
        signer: ec.EllipticCurvePrivateKey | None = None,
        count: bool = True,
    ) -> str:
        """AuthenticationResponseJSON (as Cognito's ``CREDENTIAL`` string) for ``options``
        (PublicKeyCredentialRequestOptionsJSON); the sign count grows unless ``count`` is
        False; ``signer`` signs instead of the credential's key (a forgery)."""
        if count:
            self.sign_count += 1
        auth_data = self.authenticator_data(rp_id or options["rpId"], flags, attested=False)
        client_data = self.client_data("webauthn.get", options["challenge"], origin)
        signature = (signer or self.key).sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return json.dumps(
            self.public_key_credential(
                {
                    "clientDataJSON": b64(client_data),
                    "authenticatorData": b64(auth_data),
                    "signature": b64(signature),
                }
            )
        )


def passkey_sign_in(
    idp: Any, client_id: str, client_secret: str, email: str, passkey: SoftwarePasskey, **get: Any
) -> dict[str, Any]:
    """Sign ``email`` in with ``passkey`` straight at Cognito: InitiateAuth ``USER_AUTH`` with
    ``PREFERRED_CHALLENGE: WEB_AUTHN``, then RespondToAuthChallenge ``WEB_AUTHN`` with the
    authenticator's answer (``get``: :meth:`SoftwarePasskey.get`'s keywords, e.g.
    ``origin``). ``idp`` is a boto3 cognito-idp client; raises its ClientError on refusal."""
    from auth.cognito import secret_hash

    digest = secret_hash(client_secret, email, client_id)
    started = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={
            "USERNAME": email,
            "PREFERRED_CHALLENGE": "WEB_AUTHN",
            "SECRET_HASH": digest,
        },
    )
    options = json.loads(started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    return dict(
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="WEB_AUTHN",
            Session=started["Session"],
            ChallengeResponses={
                "USERNAME": email,
                "CREDENTIAL": passkey.get(options, **get),
                "SECRET_HASH": digest,
            },
        )
    )
