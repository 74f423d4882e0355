"""The passkey logic (auth.passkeys) and its cognito-idp calls (auth.cognito), without
Cognito: botocore's Stubber pins the requests, a small fake stands in for the adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from auth.cognito import CognitoIdentityProvider
from auth.errors import InvalidPasskey, PasskeyNotFound, UpstreamError, error_mapping, lookup
from auth.models import Proof
from auth.passkey_models import RegistrationResponseJSON
from auth.passkeys import PasskeyOperations

ACCESS = "eyJraWQiOiJleGFtcGxlIn0.access.token"


def _credential(credential_id: str, created: datetime) -> dict[str, Any]:
    return {
        "CredentialId": credential_id,
        "FriendlyCredentialName": "Passkey",
        "RelyingPartyId": "photos.example.org",
        "AuthenticatorTransports": ["internal"],
        "CreatedAt": created,
    }


def test_listing_reads_every_page_of_list_web_authn_credentials():
    client = boto3.client("cognito-idp", region_name="us-east-1")
    idp = CognitoIdentityProvider("us-east-1_Example", "1example23456789", client=client)
    first = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    with Stubber(client) as stubber:
        stubber.add_response(
            "list_web_authn_credentials",
            {"Credentials": [_credential("AAAA", first)], "NextToken": "page-2"},
            {"AccessToken": ACCESS, "MaxResults": 20},
        )
        stubber.add_response(
            "list_web_authn_credentials",
            {"Credentials": [_credential("BBBB", first)]},
            {"AccessToken": ACCESS, "MaxResults": 20, "NextToken": "page-2"},
        )
        listed = idp.list_web_authn_credentials(ACCESS)
        stubber.assert_no_pending_responses()
    assert [c["CredentialId"] for c in listed] == ["AAAA", "BBBB"]


class FakePasskeyIdp:
    """The adapter's passkey calls, over a list of WebAuthnCredentialDescriptions."""

    def __init__(self, credentials: list[dict[str, Any]], fail: UpstreamError | None = None):
        self.credentials = credentials
        self.fail = fail

    def get_user(self, access_token: str) -> dict[str, Any]:
        return {"Username": "alice", "UserAttributes": [{"Name": "email", "Value": "a@e.org"}]}

    def complete_web_authn_registration(self, access_token: str, credential: Any) -> None:
        if self.fail:
            raise self.fail

    def list_web_authn_credentials(self, access_token: str) -> list[dict[str, Any]]:
        return self.credentials

    def delete_web_authn_credential(self, access_token: str, credential_id: str) -> None:
        if self.fail:
            raise self.fail


def operations(settings, idp: FakePasskeyIdp) -> PasskeyOperations:
    ops = PasskeyOperations(settings, idp=idp)  # type: ignore[arg-type]
    ops.check_proof = lambda token, proof: {}  # type: ignore[method-assign]
    return ops


def test_passkeys_are_listed_oldest_first_with_rfc3339_utc_times(settings):
    newer = _credential("NEW", datetime(2026, 11, 21, 10, 0, 1, 500, tzinfo=UTC))
    # an older one, in another zone: compared and written in UTC
    older = _credential("OLD", datetime(2026, 11, 21, 11, 0, tzinfo=timezone(timedelta(hours=2))))
    listed = operations(settings, FakePasskeyIdp([newer, older])).passkeys(ACCESS).passkeys
    assert [(p.credential_id, p.created_at) for p in listed] == [
        ("OLD", "2026-11-21T09:00:00Z"),
        ("NEW", "2026-11-21T10:00:01Z"),
    ]
    assert listed[0].authenticator_attachment is None


def _registration(credential_id: str = "AAAA") -> RegistrationResponseJSON:
    return RegistrationResponseJSON.model_validate(
        {
            "id": credential_id,
            "rawId": credential_id,
            "type": "public-key",
            "response": {"clientDataJSON": "e30", "attestationObject": "oA", "x-new": 1},
            "hints": ["client-device"],
        }
    )


def test_the_credential_goes_to_cognito_as_the_browser_sent_it():
    assert _registration().document() == {
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {"clientDataJSON": "e30", "attestationObject": "oA", "x-new": 1},
        "hints": ["client-device"],
    }


@pytest.mark.parametrize(
    "code",
    [
        "WebAuthnChallengeNotFoundException",
        "WebAuthnClientMismatchException",
        "WebAuthnOriginNotAllowedException",
        "WebAuthnRelyingPartyMismatchException",
        "WebAuthnCredentialNotSupportedException",
        "NotAuthorizedException",
        "InvalidParameterException",
    ],
)
def test_a_refused_registration_is_400_invalid_passkey(settings, code):
    idp = FakePasskeyIdp([], fail=UpstreamError("CompleteWebAuthnRegistration", code, "no"))
    with pytest.raises(InvalidPasskey) as raised:
        operations(settings, idp).register_passkey(ACCESS, _registration())
    mapping = error_mapping(raised.value)
    assert (mapping.status, mapping.error) == (400, "invalid_passkey")
    assert raised.value.message  # a sentence for the user


def test_a_registered_passkey_missing_from_the_list_is_a_bad_upstream_answer(settings):
    idp = FakePasskeyIdp([_credential("OTHER", datetime(2026, 11, 21, tzinfo=UTC))])
    with pytest.raises(UpstreamError) as raised:
        operations(settings, idp).register_passkey(ACCESS, _registration())
    assert error_mapping(raised.value).status == 502


def test_deleting_an_unknown_id_is_404_passkey_not_found(settings):
    idp = FakePasskeyIdp(
        [], fail=UpstreamError("DeleteWebAuthnCredential", "ResourceNotFoundException")
    )
    with pytest.raises(PasskeyNotFound) as raised:
        operations(settings, idp).delete_passkey(ACCESS, "AAAA", Proof(password="x"))
    assert (error_mapping(raised.value).status, error_mapping(raised.value).error) == (
        404,
        "passkey_not_found",
    )


@pytest.mark.parametrize(
    ("operation", "code", "status", "error"),
    [
        ("StartWebAuthnRegistration", "WebAuthnNotEnabledException", 403, "passkeys_disabled"),
        (
            "StartWebAuthnRegistration",
            "WebAuthnConfigurationMissingException",
            403,
            "passkeys_disabled",
        ),
        ("CompleteWebAuthnRegistration", "WebAuthnNotEnabledException", 403, "passkeys_disabled"),
        ("StartWebAuthnRegistration", "NotAuthorizedException", 401, "invalid_token"),
        ("ListWebAuthnCredentials", "NotAuthorizedException", 401, "invalid_token"),
        ("DeleteWebAuthnCredential", "NotAuthorizedException", 401, "invalid_token"),
    ],
)
def test_the_passkey_operations_upstream_errors_map_to_the_contract(operation, code, status, error):
    mapping = lookup(operation, code)
    assert (mapping.status, mapping.error) == (status, error)
