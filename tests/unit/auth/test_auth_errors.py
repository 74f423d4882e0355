"""The one table that turns Cognito and OAuth errors into the contract's statuses."""

import pytest

from auth.errors import (
    OAUTH_TOKEN,
    UPSTREAM_BAD_RESPONSE,
    UPSTREAM_THROTTLED,
    UPSTREAM_TIMEOUT,
    UPSTREAM_UNREACHABLE,
    ChallengeRequired,
    CodeMismatch,
    InvalidGrant,
    InvalidRequest,
    PasswordlessDisabled,
    PasswordRejected,
    UpstreamError,
    answer,
)
from shared.errors import DomainError


def answered(operation, code, message=None):
    """What the edge answers for an upstream failure (auth.errors.answer)."""
    return answer(UpstreamError(operation, code, message))


@pytest.mark.parametrize(
    ("operation", "code", "status", "error"),
    [
        ("SignUp", "UsernameExistsException", 409, "user_exists"),
        ("SignUp", "InvalidPasswordException", 400, "invalid_password"),
        ("SignUp", "InvalidParameterException", 400, "invalid_request"),
        ("SignUp", "TooManyRequestsException", 429, "too_many_requests"),
        ("SignUp", "LimitExceededException", 429, "too_many_requests"),
        ("ConfirmSignUp", "CodeMismatchException", 400, "code_mismatch"),
        ("ConfirmSignUp", "ExpiredCodeException", 400, "code_mismatch"),
        ("ConfirmSignUp", "UserNotFoundException", 400, "code_mismatch"),
        ("ConfirmSignUp", "NotAuthorizedException", 400, "code_mismatch"),
        ("ResendConfirmationCode", "LimitExceededException", 429, "too_many_requests"),
        ("InitiateAuth", "NotAuthorizedException", 401, "invalid_credentials"),
        ("InitiateAuth", "UserNotFoundException", 401, "invalid_credentials"),
        ("InitiateAuth", "UserNotConfirmedException", 403, "user_not_confirmed"),
        ("InitiateAuth", "PasswordResetRequiredException", 403, "password_reset_required"),
        ("GetTokensFromRefreshToken", "NotAuthorizedException", 400, "invalid_grant"),
        ("GetTokensFromRefreshToken", "RefreshTokenReuseException", 400, "invalid_grant"),
        ("RevokeToken", "UnsupportedTokenTypeException", 400, "unsupported_token_type"),
        ("ConfirmForgotPassword", "CodeMismatchException", 400, "code_mismatch"),
        ("ConfirmForgotPassword", "ExpiredCodeException", 400, "code_mismatch"),
        ("ConfirmForgotPassword", "InvalidParameterException", 400, "code_mismatch"),
        ("ConfirmForgotPassword", "InvalidPasswordException", 400, "invalid_password"),
        ("SignUp", "ResourceNotFoundException", 500, "server_error"),
        ("SignUp", "InternalErrorException", 502, "server_error"),
        ("SignUp", "SomethingNewException", 502, "server_error"),
        ("SignUp", UPSTREAM_TIMEOUT, 503, "temporarily_unavailable"),
        (OAUTH_TOKEN, "invalid_grant", 400, "invalid_grant"),
        (OAUTH_TOKEN, "invalid_request", 400, "invalid_request"),
        (OAUTH_TOKEN, "unsupported_grant_type", 400, "unsupported_grant_type"),
        (OAUTH_TOKEN, "invalid_client", 500, "server_error"),
        (OAUTH_TOKEN, "unauthorized_client", 500, "server_error"),
        (OAUTH_TOKEN, UPSTREAM_TIMEOUT, 503, "temporarily_unavailable"),
        (OAUTH_TOKEN, UPSTREAM_UNREACHABLE, 503, "temporarily_unavailable"),
        (OAUTH_TOKEN, UPSTREAM_THROTTLED, 429, "too_many_requests"),
        (OAUTH_TOKEN, UPSTREAM_BAD_RESPONSE, 502, "server_error"),
    ],
)
def test_upstream_errors_map_to_the_contract(operation, code, status, error):
    exc = answered(operation, code, "upstream says no")
    assert (exc.status, exc.error) == (status, error)
    assert exc.description


def test_throttling_tells_the_client_when_to_retry():
    assert answered("SignUp", "TooManyRequestsException").headers["Retry-After"].isdigit()
    assert answered(OAUTH_TOKEN, UPSTREAM_TIMEOUT).headers["Retry-After"].isdigit()
    assert "Retry-After" not in answered("SignUp", "CodeMismatchException").headers


def test_unknown_user_and_wrong_password_are_indistinguishable():
    unknown = answered("InitiateAuth", "UserNotFoundException", "User does not exist.")
    wrong = answered("InitiateAuth", "NotAuthorizedException", "Incorrect username or password.")
    assert (unknown.status, unknown.error, unknown.description, unknown.headers) == (
        wrong.status,
        wrong.error,
        wrong.description,
        wrong.headers,
    )


def test_password_policy_messages_are_relayed_but_bounded():
    message = "Password did not conform with policy: Password must have uppercase characters"
    assert answered("SignUp", "InvalidPasswordException", message).description == message
    assert len(answered("SignUp", "InvalidParameterException", "x" * 5000).description) <= 300


def test_fixed_descriptions_never_echo_the_upstream_message():
    exc = answered("ConfirmSignUp", "CodeMismatchException", "code 123456 is wrong")
    assert "123456" not in exc.description


@pytest.mark.parametrize(
    ("operation", "codes"),
    [
        (
            "ConfirmSignUp",
            [
                "CodeMismatchException",
                "ExpiredCodeException",
                "UserNotFoundException",
                "NotAuthorizedException",
            ],
        ),
        (
            "ConfirmForgotPassword",
            [
                "CodeMismatchException",
                "ExpiredCodeException",
                "UserNotFoundException",
                "NotAuthorizedException",
                "InvalidParameterException",
            ],
        ),
    ],
)
def test_confirm_and_reset_failures_that_depend_on_the_account_look_the_same(operation, codes):
    # Given every answer Cognito gives for a wrong code, an expired one, an unknown email,
    # an already confirmed account or one with no pending reset
    answers = {
        (exc.status, exc.error, exc.description, tuple(exc.headers.items()))
        for exc in (answered(operation, code, "upstream detail") for code in codes)
    }
    # Then the caller sees one answer (OWASP ASVS 5.0 section 6.3.8), never the upstream text
    assert len(answers) == 1
    ((status, error, description, _),) = answers
    assert (status, error) == (400, "code_mismatch")
    assert description.startswith("If that email can")
    assert "upstream detail" not in description


@pytest.mark.parametrize(
    "operation", ["InitiateAuth", "ConfirmForgotPassword", "GetTokensFromRefreshToken"]
)
def test_cognito_lockout_is_429_with_retry_after(operation):
    # Given Cognito's lockout after repeated wrong passwords (a NotAuthorizedException)
    exc = answered(operation, "NotAuthorizedException", "Password attempts exceeded")
    # Then the caller is told to slow down, not that the password is wrong
    assert (exc.status, exc.error) == (429, "too_many_requests")
    assert int(exc.headers["Retry-After"]) > 0


def test_code_attempt_limits_are_429_with_retry_after():
    for code in ("LimitExceededException", "TooManyFailedAttemptsException"):
        exc = answered("ConfirmSignUp", code, "Attempt limit exceeded, please try after some time.")
        assert (exc.status, exc.error) == (429, "too_many_requests")
        assert int(exc.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("kind", "status", "error"),
    [
        (InvalidRequest("refresh_token is required."), 400, "invalid_request"),
        (InvalidGrant("redirect_uri is not registered."), 400, "invalid_grant"),
        (PasswordRejected("At least 8 characters."), 400, "invalid_password"),
        (CodeMismatch(), 400, "code_mismatch"),
        (ChallengeRequired("Sign-in needs NEW_PASSWORD_REQUIRED."), 403, "challenge_required"),
        (PasswordlessDisabled(), 403, "passwordless_disabled"),
    ],
)
def test_the_logic_s_refusals_carry_no_status_and_are_answered_by_the_table(kind, status, error):
    # Given: a refusal as the logic raises it: no HTTP in it
    assert not hasattr(kind, "status")
    # When / Then: the edge's one table answers it, relaying the logic's sentence when
    # the row has none of its own
    answered = answer(kind)
    assert (answered.status, answered.error) == (status, error)
    assert answered.description == (kind.message or answered.description)


def test_a_domain_error_no_row_names_is_a_500_not_a_relayed_message():
    answered = answer(DomainError("internal detail", code="SomethingNew"))
    assert (answered.status, answered.error) == (500, "server_error")
    assert "internal detail" not in answered.description
