"""Sign-out writes the record the photo handlers check (issue 9: sign-out is not out)."""

from __future__ import annotations

from dataclasses import dataclass, field

import jwt
import pytest

from auth.errors import UpstreamError, answer
from auth.models import AuthorizationCodeGrant, CodeAnswer, SignInRequest
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
    # refresh token -> (sub, origin_jti, lifetime): the families the broker recorded
    families: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    log: list[str] | None = None  # shared with the idp's calls, to check the order

    def record(self, user_sub, *, origin_jti, everywhere, ahead_seconds=0):
        self.written.append((user_sub, origin_jti, everywhere))
        if self.log is not None:
            self.log.append("record")

    def remember_refresh_token(self, refresh_token, *, user_sub, origin_jti, lifetime_seconds):
        self.families[refresh_token] = (user_sub, origin_jti, lifetime_seconds)

    def refresh_token_family(self, refresh_token):
        family = self.families.get(refresh_token)
        return family[:2] if family else None


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


# ---------------------------------------------------------------- issue 23: refresh tokens


def issuing(idp, token_endpoint, monkeypatch) -> dict:
    """route -> a call that hands out tokens, every one answering ``access_token()`` and
    a refresh token named after the route."""
    result = {"AccessToken": access_token(), "ExpiresIn": 900, "TokenType": "Bearer"}
    monkeypatch.setattr(
        idp,
        "initiate_password_auth",
        lambda *a: {"AuthenticationResult": {**result, "RefreshToken": "r-sign-in"}},
    )
    monkeypatch.setattr(
        idp,
        "get_tokens_from_refresh_token",
        lambda *a: {"AuthenticationResult": {**result, "RefreshToken": "r-refresh"}},
    )
    monkeypatch.setattr(
        idp,
        "respond_to_mfa_challenge",
        lambda *a: {"AuthenticationResult": {**result, "RefreshToken": "r-challenge"}},
        raising=False,
    )
    token_endpoint.reply = {
        "access_token": access_token(),
        "refresh_token": "r-code",
        "expires_in": 900,
        "token_type": "Bearer",
    }
    return {
        "r-sign-in": lambda b: b.sign_in(
            SignInRequest(email="jane@example.com", password="Correct-Horse-9")
        ),
        "r-refresh": lambda b: b.refresh("r-old"),
        "r-challenge": lambda b: b.answer_challenge(
            CodeAnswer(
                email="jane@example.com",
                challenge="SOFTWARE_TOKEN_MFA",
                session="s" * 20,
                answer="123456",
            )
        ),
        "r-code": lambda b: b.exchange_code(
            AuthorizationCodeGrant(
                grant_type="authorization_code",
                code="c" * 20,
                redirect_uri="http://localhost:3000/",
                code_verifier="v" * 43,
            )
        ),
    }


def test_every_route_that_hands_out_a_refresh_token_records_its_family(
    broker, idp, token_endpoint, records, monkeypatch
):
    for refresh_token, call in issuing(idp, token_endpoint, monkeypatch).items():
        assert call(broker).refresh_token == refresh_token
        # Then the broker knows whose session it is, for the refresh token's lifetime
        assert records.families[refresh_token] == (
            SUB,
            "family-1",
            idp.refresh_token_validity_seconds,
        )
    assert len(records.families) == 4


def test_a_failed_family_write_fails_the_sign_in_cleanly(
    broker, idp, token_endpoint, records, monkeypatch
):
    calls = issuing(idp, token_endpoint, monkeypatch)

    def fail(*args, **kwargs):
        raise UpstreamError("PutItem", "ProvisionedThroughputExceededException")

    monkeypatch.setattr(records, "remember_refresh_token", fail)
    with pytest.raises(UpstreamError) as caught:
        calls["r-sign-in"](broker)
    assert answer(caught.value).status >= 500


def test_the_refresh_token_alone_revokes_its_session_before_cognito_revokes_it(
    broker, idp, records
):
    # Given a refresh token the broker handed out
    records.families["refresh-1"] = (SUB, "family-1", 86400)
    log: list[str] = []
    records.log = log
    idp.revoke_token = lambda token: log.append("revoke_token")
    # When the client signs out with it alone (RFC 7009, as Amplify's signOut() does)
    result = broker.sign_out("refresh-1", None)
    # Then that session's family is revoked on the photo routes, then at Cognito
    assert records.written == [(SUB, "family-1", False)]
    assert log == ["record", "revoke_token"]
    assert result.refresh_token_revoked is True and result.signed_out_everywhere is False


def test_a_refresh_token_the_broker_never_recorded_revokes_at_cognito_only(broker, idp, records):
    result = broker.sign_out("unknown-refresh-token", None)
    assert records.written == []
    assert [name for name, _ in idp.calls] == ["revoke_token"]
    assert result.refresh_token_revoked is True
