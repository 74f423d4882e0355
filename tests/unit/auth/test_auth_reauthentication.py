"""The fresh proof of identity (auth.reauthentication) against the in-memory Cognito."""

import pytest

from auth.errors import STEP_UP_CHALLENGE, UpstreamError, answer
from auth.models import ChangeEmailRequest, Proof
from shared.errors import DomainError
from shared.http import ApiError

RIGHT = "Correct-Horse-9"


def refused(call) -> ApiError:
    """The answer the edge gives to the domain error ``call`` raises."""
    with pytest.raises(DomainError) as caught:
        call()
    return answer(caught.value)


def test_no_proof_is_reauthentication_required_and_changes_nothing(service, idp):
    exc = refused(lambda: service.mfa_disable("access-1", Proof()))
    assert (exc.status, exc.error) == (401, "reauthentication_required")
    assert exc.headers == {"WWW-Authenticate": STEP_UP_CHALLENGE}
    assert [name for name, _ in idp.calls] == ["get_user"]


def test_a_wrong_password_gets_the_sign_in_status_and_code(service, idp):
    exc = refused(lambda: service.delete_account("access-1", Proof(password="Wrong-Horse-1")))
    assert (exc.status, exc.error) == (401, "invalid_credentials")
    assert "delete_user" not in [name for name, _ in idp.calls]


def test_the_proof_signs_in_as_the_tokens_user_and_revokes_what_it_got(service, idp, monkeypatch):
    updates = []
    monkeypatch.setattr(
        idp, "update_user_attributes", lambda t, a: updates.append(a) or {}, raising=False
    )
    # The email in the body is the *new* address; the proof uses GetUser's
    idp.users["jill@example.com"] = idp.users["jane@example.com"]
    service.change_email("access-1", ChangeEmailRequest(email="jill@example.com", password=RIGHT))
    assert [c for c in idp.calls if c[0] != "get_user"] == [
        ("initiate_password_auth", ("jane@example.com", RIGHT)),
        ("revoke_token", ("refresh-1",)),
    ]
    assert updates == [{"email": "jill@example.com"}]


def test_a_totp_user_needs_the_code_too(service, idp, monkeypatch):
    user = {
        "Username": "jane",
        "UserAttributes": [{"Name": "email", "Value": "jane@example.com"}],
        "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
    }
    monkeypatch.setattr(idp, "get_user", lambda token: user)
    exc = refused(lambda: service.mfa_disable("access-1", Proof(password=RIGHT)))
    assert (exc.status, exc.error) == (401, "reauthentication_required")
    assert "authenticator" in exc.description
    assert not [c for c in idp.calls if c[0] == "initiate_password_auth"]


def test_a_wrong_code_is_a_wrong_proof(service, idp, monkeypatch):
    monkeypatch.setattr(
        idp,
        "initiate_password_auth",
        lambda u, p: {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "s" * 40},
    )

    def mismatch(*args):
        raise UpstreamError("RespondToAuthChallenge", "CodeMismatchException", "Invalid code")

    monkeypatch.setattr(idp, "respond_to_mfa_challenge", mismatch, raising=False)
    exc = refused(lambda: service.delete_account("access-1", Proof(password=RIGHT, code="123456")))
    assert (exc.status, exc.error) == (401, "invalid_credentials")


def test_cognitos_lockout_stays_a_429(service, idp):
    idp.fail["initiate_password_auth"] = UpstreamError(
        "InitiateAuth", "NotAuthorizedException", "Password attempts exceeded"
    )
    exc = refused(lambda: service.mfa_disable("access-1", Proof(password=RIGHT)))
    assert (exc.status, exc.error) == (429, "too_many_requests")
