"""The signed-in passkey routes (issue 20) over real HTTP against the local stack, with the
software authenticator of tests/support/passkey.py as the user's browser and device: a
passkey registered through the API signs in at Cognito (USER_AUTH, WEB_AUTHN, straight at
the emulator with boto3) until it is deleted; each refusal leaves nothing behind and
touches no other user.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from tests.e2e.test_account_lifecycle import PASSWORD, bearer, new_user
from tests.support.passkey import SoftwarePasskey, web_origin
from tests.support.passkey import passkey_sign_in as sign_in_with_passkey

pytestmark = pytest.mark.e2e


def options(api: str, tokens: dict, proof: dict | None) -> requests.Response:
    return requests.post(
        f"{api}/auth/passkeys/registration-options",
        headers=bearer(tokens),
        json=proof,
        timeout=30,
    )


def register(api: str, tokens: dict, passkey: SoftwarePasskey, password: str = PASSWORD) -> dict:
    """Creation options with ``password``, the authenticator's answer, POST /auth/passkeys."""
    started = options(api, tokens, {"password": password})
    assert started.status_code == 200, started.text
    credential = passkey.create(
        started.json()["credential_creation_options"], origin=web_origin(api)
    )
    created = requests.post(
        f"{api}/auth/passkeys", headers=bearer(tokens), json={"credential": credential}, timeout=30
    )
    assert created.status_code == 201, created.text
    return created.json()


def listed(api: str, tokens: dict) -> list[str]:
    response = requests.get(f"{api}/auth/passkeys", headers=bearer(tokens), timeout=30)
    assert response.status_code == 200, response.text
    return [p["credential_id"] for p in response.json()["passkeys"]]


def delete(api: str, tokens: dict, credential_id: str, proof: dict | None) -> requests.Response:
    return requests.delete(
        f"{api}/auth/passkeys/{credential_id}", headers=bearer(tokens), json=proof, timeout=30
    )


def passkey_sign_in(stack: Any, email: str, passkey: SoftwarePasskey) -> dict:
    """USER_AUTH with PREFERRED_CHALLENGE WEB_AUTHN at the emulator, answered by ``passkey``
    (the broker's own passkey sign-in is POST /auth/sign-in/passkey)."""
    config = requests.get(f"{stack.api_url}/auth/config", timeout=10).json()
    idp = boto3.client("cognito-idp", endpoint_url=stack.emulator_url, region_name=config["region"])
    client_id = config["client_id"]
    secret = idp.describe_user_pool_client(UserPoolId=config["user_pool_id"], ClientId=client_id)[
        "UserPoolClient"
    ]["ClientSecret"]
    origin = web_origin(stack.api_url)
    return sign_in_with_passkey(idp, client_id, secret, email, passkey, origin=origin)


def test_a_passkey_registered_through_the_api_signs_in_until_it_is_deleted(local_stack) -> None:
    api = local_stack.api_url
    email, tokens = new_user(api)
    passkey = SoftwarePasskey()
    # When the user registers a passkey (the proof, the options, the authenticator's answer)
    created = register(api, tokens, passkey)
    # Then it is listed, and signs in at Cognito
    assert created["credential_id"] == passkey.id
    assert created["relying_party_id"] == "localhost"
    assert listed(api, tokens) == [passkey.id]
    assert passkey_sign_in(local_stack, email, passkey)["AuthenticationResult"]["AccessToken"]
    # When they delete it with their password
    deleted = delete(api, tokens, passkey.id, {"password": PASSWORD})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"deleted": True}
    # Then it is gone and no longer signs in
    assert listed(api, tokens) == []
    with pytest.raises(ClientError) as refused:
        passkey_sign_in(local_stack, email, passkey)
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_registration_needs_the_proof_and_a_forged_answer_registers_nothing(local_stack) -> None:
    api = local_stack.api_url
    _, tokens = new_user(api)
    # The token alone: RFC 9470's step-up challenge; a wrong password: as a wrong sign-in
    alone = options(api, tokens, None)
    assert alone.status_code == 401, alone.text
    assert alone.json()["error"] == "reauthentication_required"
    assert "insufficient_user_authentication" in alone.headers["WWW-Authenticate"]
    wrong = options(api, tokens, {"password": "Wrong-Horse-1"})
    assert wrong.status_code == 401, wrong.text
    assert wrong.json()["error"] == "invalid_credentials"

    # A forged answer (made for another site), then a garbage one, each to fresh options
    def fresh_options() -> dict:
        started = options(api, tokens, {"password": PASSWORD})
        assert started.status_code == 200, started.text
        return started.json()["credential_creation_options"]

    def garbage(credential: dict) -> dict:
        credential["response"]["attestationObject"] = "bm90LWNib3I"  # base64url, not CBOR
        return credential

    for make, cause in (
        (lambda o: SoftwarePasskey().create(o, origin="https://evil.example"), "website"),
        (lambda o: garbage(SoftwarePasskey().create(o, origin=web_origin(api))), "refused"),
    ):
        refused = requests.post(
            f"{api}/auth/passkeys",
            headers=bearer(tokens),
            json={"credential": make(fresh_options())},
            timeout=30,
        )
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == "invalid_passkey"
        assert cause in refused.json()["error_description"]
    assert listed(api, tokens) == []


def test_deleting_needs_the_proof_and_another_users_passkey_stays(local_stack) -> None:
    api = local_stack.api_url
    bob_email, bob = new_user(api)
    bobs = SoftwarePasskey()
    register(api, bob, bobs)
    _, alice = new_user(api)
    # Alice without a proof, and with a wrong one, is refused before anything else
    alone = delete(api, alice, bobs.id, None)
    assert alone.status_code == 401, alone.text
    assert alone.json()["error"] == "reauthentication_required"
    wrong = delete(api, alice, bobs.id, {"password": "Wrong-Horse-1"})
    assert wrong.status_code == 401, wrong.text
    assert wrong.json()["error"] == "invalid_credentials"
    # With her right proof, Bob's credential id is not hers: 404
    theirs = delete(api, alice, bobs.id, {"password": PASSWORD})
    assert theirs.status_code == 404, theirs.text
    assert theirs.json()["error"] == "passkey_not_found"
    # And Bob's passkey is still listed and still signs in
    assert listed(api, bob) == [bobs.id]
    assert passkey_sign_in(local_stack, bob_email, bobs)["AuthenticationResult"]
