"""Journey folder: the signed-in user's passkeys (issue 20)."""

from __future__ import annotations

from typing import Any

from tools.postman.requests import bearer, folder, item, json_body
from tools.postman.schemas import contract
from tools.postman.scripts import error, shape, status

#: A RegistrationResponseJSON of the right shape whose attestation object is no CBOR:
#: Cognito refuses it (and the pending challenge is spent).
_MADE_UP_CREDENTIAL = {
    "id": "bWFkZS11cC1wYXNza2V5",
    "rawId": "bWFkZS11cC1wYXNza2V5",
    "type": "public-key",
    "clientExtensionResults": {},
    "response": {"clientDataJSON": "e30", "attestationObject": "bm90LWNib3I"},
}


def passkeys_flow() -> dict[str, Any]:
    """Passkeys. Postman has no authenticator, so the collection checks the creation
    options, a refused answer and the empty list; a real registration, sign-in and
    deletion run in tests/e2e/test_passkeys.py with a software authenticator."""
    return folder(
        "Passkeys",
        "`POST /auth/passkeys/registration-options` (with the password: a fresh proof) "
        "returns Cognito's creation options for `navigator.credentials.create()`; a made-up "
        "answer is refused; the list is empty; deleting a passkey you do not have is 404.",
        [
            item(
                "Get passkey creation options with the token alone → 401",
                "startPasskeyRegistration",
                auth=bearer("accessToken"),
                description="A new passkey is a new way to sign in: it needs a fresh proof.",
                tests=error(401, "Unauthorized", "reauthentication_required"),
            ),
            item(
                "Get passkey creation options",
                "startPasskeyRegistration",
                auth=bearer("accessToken"),
                body=json_body({"password": "{{password}}"}),
                tests=status(200, "OK")
                + shape("{credential_creation_options}", contract("PasskeyCreationOptions")),
            ),
            item(
                "Register a made-up passkey → 400",
                "registerPasskey",
                auth=bearer("accessToken"),
                body=json_body({"credential": _MADE_UP_CREDENTIAL}),
                tests=error(400, "Bad Request", "invalid_passkey"),
            ),
            item(
                "List the passkeys",
                "listPasskeys",
                auth=bearer("accessToken"),
                tests=status(200, "OK")
                + shape(
                    "{passkeys: []}",
                    contract("PasskeyList", properties={"passkeys": {"maxItems": 0}}),
                ),
            ),
            item(
                "Delete a passkey you do not have → 404",
                "deletePasskey",
                params={"credential_id": "bWFkZS11cC1wYXNza2V5"},
                auth=bearer("accessToken"),
                body=json_body({"password": "{{password}}"}),
                tests=error(404, "Not Found", "passkey_not_found"),
            ),
        ],
    )
