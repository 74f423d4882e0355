"""Sign-out writes the record the photo handlers check (issue 9: sign-out is not out)."""

from __future__ import annotations

from dataclasses import dataclass, field

import jwt
import pytest

from auth.errors import UpstreamError, answer
from auth.service import AuthService

SUB = "7f6f96ef-4715-468d-8281-92ab41bd4d67"


def access_token(**claims) -> str:
    """An access token's shape; the broker reads its claims only after Cognito accepted
    it (GlobalSignOut / GetUser), so the signature here is irrelevant on purpose."""
    return jwt.encode(
        {"sub": SUB, "origin_jti": "family-1", "token_use": "access", **claims},
        "k" * 32,
        algorithm="HS256",
    )


@dataclass
class Records:
    written: list[tuple[str, str | None, bool]] = field(default_factory=list)

    def record(self, user_sub, *, origin_jti, everywhere):
        self.written.append((user_sub, origin_jti, everywhere))


@pytest.fixture
def records() -> Records:
    return Records()


@pytest.fixture
def broker(settings, idp, token_endpoint, records) -> AuthService:
    return AuthService(settings, idp=idp, token_endpoint=token_endpoint, revocations=records)


def test_sign_out_everywhere_records_a_not_before_for_the_user(broker, idp, records):
    result = broker.sign_out("refresh-1", access_token())
    assert result.signed_out_everywhere is True
    assert records.written == [(SUB, "family-1", True)]
    assert [name for name, _ in idp.calls] == ["global_sign_out", "revoke_token"]


def test_signing_out_one_session_records_its_family_after_cognito_accepts_the_token(
    broker, idp, records
):
    token = access_token()
    result = broker.sign_out("refresh-1", None, token)
    assert result.signed_out_everywhere is False
    assert records.written == [(SUB, "family-1", False)]
    # GetUser (the check) runs before RevokeToken, which would invalidate the token
    assert [name for name, _ in idp.calls] == ["get_user", "revoke_token"]


def test_a_token_cognito_refuses_writes_no_record(broker, idp, records):
    # Given a forged or expired access token in the body: GetUser refuses it
    idp.fail["get_user"] = UpstreamError("GetUser", "NotAuthorizedException", "Invalid token")
    result = broker.sign_out("refresh-1", None, access_token(sub="someone-else"))
    # Then nothing is recorded for anybody, and the refresh token is still revoked
    assert records.written == []
    assert result.refresh_token_revoked is True


def test_a_refused_bearer_writes_no_record(broker, idp, records):
    idp.fail["global_sign_out"] = UpstreamError(
        "GlobalSignOut", "NotAuthorizedException", "Access Token has expired"
    )
    broker.sign_out("refresh-1", access_token())
    assert records.written == []


def test_without_origin_jti_one_session_is_not_recorded_but_everywhere_is(broker, records):
    # Given an emulator whose access tokens carry no origin_jti
    token = jwt.encode({"sub": SUB, "token_use": "access"}, "k" * 32, algorithm="HS256")
    broker.sign_out("refresh-1", None, token)
    assert records.written == []  # nothing to name the session by; not_before is too broad
    broker.sign_out(None, token)
    assert records.written == [(SUB, None, True)]


def test_a_failed_record_write_is_a_clean_5xx(broker, records, monkeypatch):
    def fail(*args, **kwargs):
        raise UpstreamError("UpdateItem", "ProvisionedThroughputExceededException")

    monkeypatch.setattr(records, "record", fail)
    with pytest.raises(UpstreamError) as caught:
        broker.sign_out(None, access_token())
    assert answer(caught.value).status >= 500
