"""The broker's logic against in-memory Cognito and /oauth2/token fakes."""

import pytest

from auth.errors import OAUTH_TOKEN, UPSTREAM_TIMEOUT, UpstreamError, answer
from auth.models import (
    AuthorizationCodeGrant,
    ConfirmRequest,
    EmailRequest,
    Proof,
    RefreshTokenGrant,
    ResetPasswordRequest,
    SignInRequest,
    SignUpRequest,
)
from shared.errors import DomainError

VERIFIER = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk"


def code_grant(**overrides):
    fields = {
        "grant_type": "authorization_code",
        "code": "abc",
        "redirect_uri": "http://localhost:3000/",
        "code_verifier": VERIFIER,
        **overrides,
    }
    return AuthorizationCodeGrant(**fields)


def test_sign_up_returns_only_where_the_code_went(service, idp):
    result = service.sign_up(
        SignUpRequest(email="New@Example.com", password="Correct-Horse-9", name="New")
    )
    assert result.model_dump() == {"code_delivery": {"destination": "n***@e***", "medium": "EMAIL"}}
    assert idp.calls[0] == ("sign_up", ("new@example.com", "Correct-Horse-9", {"name": "New"}))


def test_sign_up_of_an_existing_email_looks_like_a_new_one(service):
    # Given jane@example.com already has an account (the fake raises UsernameExists)
    existing = service.sign_up(SignUpRequest(email="jane@example.com", password="Correct-Horse-9"))
    fresh = service.sign_up(SignUpRequest(email="jake@example.com", password="Correct-Horse-9"))
    # Then the answers are the same shape and, for the same mask, the same bytes
    assert existing.model_dump_json() == fresh.model_dump_json()


def test_sign_in_returns_bearer_tokens(service):
    tokens = service.sign_in(SignInRequest(email="jane@example.com", password="Correct-Horse-9"))
    assert tokens.model_dump() == {
        "access_token": "access-1",
        "id_token": "id-1",
        "refresh_token": "refresh-1",
        "expires_in": 900,
        "token_type": "Bearer",
    }


def test_unknown_email_and_wrong_password_give_identical_errors(service):
    def failure(email, password):
        with pytest.raises(DomainError) as caught:
            service.sign_in(SignInRequest(email=email, password=password))
        exc = caught.value
        answered = answer(exc)
        return answered.status, answered.error, answered.description, answered.headers

    unknown = failure("nobody@example.com", "Correct-Horse-9")
    wrong = failure("jane@example.com", "wrong-password")
    assert unknown == wrong
    assert unknown[:2] == (401, "invalid_credentials")


def test_an_unconfirmed_user_is_told_to_confirm(service, idp):
    idp.users["jane@example.com"].confirmed = False
    with pytest.raises(DomainError) as caught:
        service.sign_in(SignInRequest(email="jane@example.com", password="Correct-Horse-9"))
    assert (answer(caught.value).status, answer(caught.value).error) == (403, "user_not_confirmed")


def test_a_challenge_is_a_clear_403_not_a_crash(service, idp, monkeypatch):
    monkeypatch.setattr(
        idp,
        "initiate_password_auth",
        lambda u, p: {
            "ChallengeName": "NEW_PASSWORD_REQUIRED",
            "Session": "s",
            "ChallengeParameters": {},
        },
    )
    with pytest.raises(DomainError) as caught:
        service.sign_in(SignInRequest(email="jane@example.com", password="Correct-Horse-9"))
    assert (answer(caught.value).status, answer(caught.value).error) == (403, "challenge_required")
    assert "NEW_PASSWORD_REQUIRED" in answer(caught.value).description


def test_code_exchange_sends_code_redirect_uri_and_verifier_upstream(
    service, token_endpoint, settings
):
    tokens = service.token(code_grant())
    assert token_endpoint.requests == [
        {
            "grant_type": "authorization_code",
            "client_id": settings.client_id,
            "code": "abc",
            "redirect_uri": "http://localhost:3000/",
            "code_verifier": VERIFIER,
        }
    ]
    assert (tokens.access_token, tokens.refresh_token) == ("access-c", "refresh-c")


def test_an_unregistered_redirect_uri_is_refused_before_any_upstream_call(service, token_endpoint):
    with pytest.raises(DomainError) as caught:
        service.token(code_grant(redirect_uri="https://evil.example/"))
    assert (answer(caught.value).status, answer(caught.value).error) == (400, "invalid_grant")
    assert token_endpoint.requests == []


def test_a_client_id_naming_another_client_is_refused(service, token_endpoint):
    with pytest.raises(DomainError) as caught:
        service.token(code_grant(client_id="someone-else"))
    assert answer(caught.value).error == "invalid_request"
    assert token_endpoint.requests == []


@pytest.mark.parametrize(
    ("upstream", "status", "error"),
    [
        (UpstreamError(OAUTH_TOKEN, "invalid_grant"), 400, "invalid_grant"),
        (UpstreamError(OAUTH_TOKEN, UPSTREAM_TIMEOUT), 503, "temporarily_unavailable"),
        ({"token_type": "Bearer"}, 502, "server_error"),
    ],
)
def test_code_exchange_failures_are_clean_errors(service, token_endpoint, upstream, status, error):
    token_endpoint.reply = upstream
    with pytest.raises(DomainError) as caught:
        service.token(code_grant())
    assert (answer(caught.value).status, answer(caught.value).error) == (status, error)


def test_refresh_rotates_the_refresh_token(service, idp):
    tokens = service.token(RefreshTokenGrant(grant_type="refresh_token", refresh_token="refresh-1"))
    assert idp.calls == [("get_tokens_from_refresh_token", ("refresh-1",))]
    assert (tokens.access_token, tokens.refresh_token) == ("access-2", "refresh-2")


def test_refresh_without_rotation_returns_no_refresh_token(service, idp):
    idp.rotate = False
    tokens = service.token(RefreshTokenGrant(grant_type="refresh_token", refresh_token="refresh-1"))
    assert tokens.refresh_token is None


def test_refresh_uses_the_cookie_only_when_the_body_has_no_token(service, idp):
    service.token(RefreshTokenGrant(grant_type="refresh_token"), cookie_refresh_token="from-cookie")
    service.token(
        RefreshTokenGrant(grant_type="refresh_token", refresh_token="from-body"),
        cookie_refresh_token="from-cookie",
    )
    assert [args for _, args in idp.calls] == [("from-cookie",), ("from-body",)]


def test_refresh_without_any_token_is_invalid_request(service):
    with pytest.raises(DomainError) as caught:
        service.token(RefreshTokenGrant(grant_type="refresh_token"))
    assert (answer(caught.value).status, answer(caught.value).error) == (400, "invalid_request")


def test_sign_out_signs_out_everywhere_then_revokes(service, idp):
    result = service.sign_out("refresh-1", "access-1")
    assert idp.calls == [("global_sign_out", ("access-1",)), ("revoke_token", ("refresh-1",))]
    assert result.model_dump() == {
        "signed_out": True,
        "refresh_token_revoked": True,
        "signed_out_everywhere": True,
    }


def test_sign_out_with_an_expired_access_token_still_revokes_the_refresh_token(service, idp):
    idp.fail["global_sign_out"] = UpstreamError(
        "GlobalSignOut", "NotAuthorizedException", "Access Token has expired"
    )
    result = service.sign_out("refresh-1", "expired")
    assert (result.refresh_token_revoked, result.signed_out_everywhere) == (True, False)


def test_sign_out_with_only_an_expired_access_token_is_refused(service, idp):
    idp.fail["global_sign_out"] = UpstreamError(
        "GlobalSignOut", "NotAuthorizedException", "Access Token has expired"
    )
    with pytest.raises(DomainError) as caught:
        service.sign_out(None, "expired")
    assert answer(caught.value).status == 401


def test_sign_out_needs_a_token(service, idp):
    with pytest.raises(DomainError) as caught:
        service.sign_out(None, None)
    assert (answer(caught.value).status, answer(caught.value).error) == (400, "invalid_request")
    assert idp.calls == []


def test_forgot_password_answers_known_and_unknown_emails_alike(service, idp):
    # Given jane exists and june does not (same masked shape: j***@e***)
    known = service.forgot_password(EmailRequest(email="jane@example.com"))
    unknown = service.forgot_password(EmailRequest(email="june@example.com"))
    # Then Cognito was asked both times and the answers cannot be told apart
    assert [name for name, _ in idp.calls] == ["forgot_password", "forgot_password"]
    assert known.model_dump_json() == unknown.model_dump_json()
    assert known.code_delivery.destination == "j***@e***"


def test_forgot_password_still_reports_throttling(service, idp):
    idp.fail["forgot_password"] = UpstreamError("ForgotPassword", "LimitExceededException")
    with pytest.raises(DomainError) as caught:
        service.forgot_password(EmailRequest(email="jane@example.com"))
    assert answer(caught.value).status == 429
    assert answer(caught.value).headers["Retry-After"]


def test_resend_code_answers_unknown_emails_like_known_ones(service):
    assert service.resend_code(EmailRequest(email="jane@example.com")) == service.resend_code(
        EmailRequest(email="jill@example.com")
    )


def test_confirm_and_reset_pass_the_code_through(service, idp):
    service.confirm(ConfirmRequest(email="jane@example.com", code="123456"))
    service.reset_password(
        ResetPasswordRequest(email="jane@example.com", code="654321", password="New-Pass-123")
    )
    assert idp.calls == [
        ("confirm_sign_up", ("jane@example.com", "123456")),
        ("confirm_forgot_password", ("jane@example.com", "654321", "New-Pass-123")),
    ]


def test_reset_with_a_wrong_code_is_code_mismatch(service, idp):
    idp.fail["confirm_forgot_password"] = UpstreamError(
        "ConfirmForgotPassword", "CodeMismatchException"
    )
    with pytest.raises(DomainError) as caught:
        service.reset_password(
            ResetPasswordRequest(email="jane@example.com", code="000000", password="New-Pass-123")
        )
    assert (answer(caught.value).status, answer(caught.value).error) == (400, "code_mismatch")


def test_a_totp_challenge_is_handed_to_the_client_with_its_session(service, idp, monkeypatch):
    # Given Cognito answers a right password with SOFTWARE_TOKEN_MFA
    monkeypatch.setattr(
        idp,
        "initiate_password_auth",
        lambda u, p: {
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "Session": "s" * 40,
            "ChallengeParameters": {},
        },
    )
    # Then sign-in answers the challenge and its session, and no tokens
    result = service.sign_in(SignInRequest(email="jane@example.com", password="Correct-Horse-9"))
    assert result.model_dump() == {"challenge": "SOFTWARE_TOKEN_MFA", "session": "s" * 40}


def test_the_otpauth_uri_is_the_key_uri_format_an_authenticator_reads():
    from auth.account import otpauth_uri

    uri = otpauth_uri("JBSWY3DPEHPK3PXP", "jane+x@example.com")
    assert (
        uri == "otpauth://totp/Moments:jane%2Bx@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Moments"
    )


def test_email_code_sign_in_says_clearly_when_the_deployment_has_it_off(service, idp, monkeypatch):
    # Given a pool without SES: Cognito refuses USER_AUTH for the client
    def refuse(username):
        raise UpstreamError(
            "InitiateAuth",
            "InvalidParameterException",
            "USER_AUTH flow not enabled for this client",
        )

    monkeypatch.setattr(idp, "initiate_email_otp", refuse, raising=False)
    with pytest.raises(DomainError) as caught:
        service.email_code_sign_in(EmailRequest(email="jane@example.com"))
    assert (answer(caught.value).status, answer(caught.value).error) == (
        403,
        "passwordless_disabled",
    )


@pytest.mark.parametrize(
    "code",
    [
        "UserNotFoundException",
        "NotAuthorizedException",
        "UserNotConfirmedException",
        "PasswordResetRequiredException",
    ],
)
def test_email_code_sign_in_hides_account_state_errors(service, idp, monkeypatch, code):
    """Every error an account's state causes gets the EMAIL_OTP challenge's shape, as the
    passkey route answers the same InitiateAuth USER_AUTH errors (a reset-pending account
    used to get 403 password_reset_required here)."""

    def refused(username):
        raise UpstreamError("InitiateAuth", code, "refused")

    monkeypatch.setattr(idp, "initiate_email_otp", refused, raising=False)
    result = service.email_code_sign_in(EmailRequest(email="jane@example.com"))
    assert result.challenge == "EMAIL_OTP" and len(result.session) >= 20


@pytest.mark.parametrize(
    "answer",
    [
        {"ChallengeName": "SELECT_CHALLENGE", "Session": "s" * 40},
        {"ChallengeName": "PASSWORD", "Session": "s" * 40},
        {"ChallengeName": "EMAIL_OTP"},
    ],
)
def test_email_code_sign_in_answers_a_decoy_for_any_other_cognito_answer(
    service, idp, monkeypatch, answer
):
    """Only an EMAIL_OTP challenge with a session is passed on: any other answer gets a
    decoy session of the EMAIL_OTP kind (never another challenge's session, never "")."""
    from auth.sign_in_choice import decoy_expiry

    monkeypatch.setattr(idp, "initiate_email_otp", lambda username: answer, raising=False)
    result = service.email_code_sign_in(EmailRequest(email="jane@example.com"))
    assert result.challenge == "EMAIL_OTP"
    assert decoy_expiry(service._decoy_key, result.session, "EMAIL_OTP") is not None


def test_account_deletion_revokes_first_then_erases_photos_then_deletes_the_user(
    settings, idp, token_endpoint, monkeypatch
):
    from auth.service import AuthService

    events = []

    class Records:
        def record(self, user_sub, *, origin_jti, everywhere, ahead_seconds=0):
            events.append(("revoke", user_sub, everywhere, ahead_seconds))

    class Photos:
        def delete_all(self, user_sub):
            events.append(("photos", user_sub))
            return 2

    monkeypatch.setattr(
        idp,
        "get_user",
        lambda token: {
            "Username": "u",
            "UserAttributes": [
                {"Name": "sub", "Value": "sub-1"},
                {"Name": "email", "Value": "jane@example.com"},
            ],
        },
    )
    monkeypatch.setattr(
        idp, "delete_user", lambda token: events.append(("delete_user",)), raising=False
    )
    monkeypatch.setattr(
        "auth.sessions.claims_of_accepted_token",
        lambda token: {"sub": "sub-1", "origin_jti": "f-1"},
    )
    service = AuthService(
        settings, idp=idp, token_endpoint=token_endpoint, revocations=Records(), photos=Photos()
    )
    result = service.delete_account("access-1", Proof(password="Correct-Horse-9"))
    # The tokens die (including this second's) before the photos go, the user last
    assert events == [("revoke", "sub-1", True, 1), ("photos", "sub-1"), ("delete_user",)]
    assert result.model_dump() == {"account_deleted": True, "photos_deleted": 2}


def test_a_failed_photo_erase_leaves_the_account_for_a_retry(
    settings, idp, token_endpoint, monkeypatch
):
    from auth.service import AuthService

    deleted = []

    class Photos:
        def delete_all(self, user_sub):
            raise UpstreamError("DynamoDB", "ProvisionedThroughputExceededException")

    monkeypatch.setattr(idp, "delete_user", lambda token: deleted.append(token), raising=False)
    service = AuthService(settings, idp=idp, token_endpoint=token_endpoint, photos=Photos())
    with pytest.raises(UpstreamError):
        service.delete_account("access-1", Proof(password="Correct-Horse-9"))
    assert deleted == []
