"""In-memory fakes for the auth broker's adapters: no sockets, no boto3 calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from auth.config import AuthSettings
from auth.errors import UpstreamError
from auth.service import AuthService

CLIENT_ID = "1example23456789"


@pytest.fixture
def settings() -> AuthSettings:
    return AuthSettings(
        region="eu-west-1",
        user_pool_id="eu-west-1_Example",
        client_id=CLIENT_ID,
        cognito_domain_url="https://moments-dev.auth.eu-west-1.amazoncognito.com",
        oauth_scopes=("openid", "email"),
        callback_urls=("http://localhost:3000/", "https://app.example.com/callback"),
        logout_urls=("http://localhost:3000/",),
    )


@dataclass
class FakeUser:
    password: str
    confirmed: bool = True
    sub: str = "7f6f96ef-4715-468d-8281-92ab41bd4d67"


@dataclass
class FakeIdp:
    """A tiny Cognito: users by email, and the exception names real Cognito raises."""

    users: dict[str, FakeUser] = field(default_factory=dict)
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    fail: dict[str, UpstreamError] = field(default_factory=dict)
    client_secret: str = "example-client-secret"
    refresh_token_validity_seconds: int = 30 * 86400
    auth_session_seconds: int = 180  # the app client's AuthSessionValidity (3 minutes)
    rotate: bool = True

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))
        if name in self.fail:
            raise self.fail[name]

    def _user(self, operation: str, username: str) -> FakeUser:
        if username not in self.users:
            raise UpstreamError(operation, "UserNotFoundException", "User does not exist.")
        return self.users[username]

    def sign_up(self, username: str, password: str, attributes: dict[str, str]) -> dict[str, Any]:
        self._record("sign_up", username, password, attributes)
        if username in self.users:
            raise UpstreamError("SignUp", "UsernameExistsException", "User already exists")
        self.users[username] = FakeUser(password, confirmed=False)
        return {
            "UserSub": self.users[username].sub,
            "UserConfirmed": False,
            "CodeDeliveryDetails": {"Destination": "j***@e***", "DeliveryMedium": "EMAIL"},
        }

    def confirm_sign_up(self, username: str, code: str) -> dict[str, Any]:
        self._record("confirm_sign_up", username, code)
        self._user("ConfirmSignUp", username).confirmed = True
        return {}

    def resend_confirmation_code(self, username: str) -> dict[str, Any]:
        self._record("resend_confirmation_code", username)
        self._user("ResendConfirmationCode", username)
        return {"CodeDeliveryDetails": {"Destination": "j***@e***", "DeliveryMedium": "EMAIL"}}

    def initiate_password_auth(self, username: str, password: str) -> dict[str, Any]:
        self._record("initiate_password_auth", username, password)
        user = self._user("InitiateAuth", username)
        if user.password != password:
            raise UpstreamError(
                "InitiateAuth", "NotAuthorizedException", "Incorrect username or password."
            )
        if not user.confirmed:
            raise UpstreamError(
                "InitiateAuth", "UserNotConfirmedException", "User is not confirmed."
            )
        return {
            "AuthenticationResult": {
                "AccessToken": "access-1",
                "IdToken": "id-1",
                "RefreshToken": "refresh-1",
                "ExpiresIn": 900,
                "TokenType": "Bearer",
            }
        }

    def get_tokens_from_refresh_token(self, refresh_token: str) -> dict[str, Any]:
        self._record("get_tokens_from_refresh_token", refresh_token)
        result = {
            "AccessToken": "access-2",
            "IdToken": "id-2",
            "ExpiresIn": 900,
            "TokenType": "Bearer",
        }
        if self.rotate:
            result["RefreshToken"] = "refresh-2"
        return {"AuthenticationResult": result}

    def revoke_token(self, refresh_token: str) -> None:
        self._record("revoke_token", refresh_token)

    def global_sign_out(self, access_token: str) -> None:
        self._record("global_sign_out", access_token)

    def get_user(self, access_token: str) -> dict[str, Any]:
        self._record("get_user", access_token)
        return {
            "Username": "jane",
            "UserAttributes": [{"Name": "email", "Value": "jane@example.com"}],
        }

    def forgot_password(self, username: str) -> dict[str, Any]:
        self._record("forgot_password", username)
        self._user("ForgotPassword", username)
        return {"CodeDeliveryDetails": {"Destination": "j***@e***", "DeliveryMedium": "EMAIL"}}

    def confirm_forgot_password(self, username: str, code: str, password: str) -> None:
        self._record("confirm_forgot_password", username, code, password)
        self._user("ConfirmForgotPassword", username).password = password


@dataclass
class FakeTokenEndpoint:
    """Records what the broker sends to /oauth2/token and answers with ``reply``."""

    reply: dict[str, Any] | UpstreamError = field(
        default_factory=lambda: {
            "access_token": "access-c",
            "id_token": "id-c",
            "refresh_token": "refresh-c",
            "expires_in": 900,
            "token_type": "Bearer",
        }
    )
    requests: list[dict[str, str]] = field(default_factory=list)

    def request_tokens(self, params: dict[str, str]) -> dict[str, Any]:
        self.requests.append(params)
        if isinstance(self.reply, UpstreamError):
            raise self.reply
        return self.reply


@pytest.fixture
def idp() -> FakeIdp:
    return FakeIdp(users={"jane@example.com": FakeUser("Correct-Horse-9")})


@pytest.fixture
def token_endpoint() -> FakeTokenEndpoint:
    return FakeTokenEndpoint()


@pytest.fixture
def service(settings: AuthSettings, idp: FakeIdp, token_endpoint: FakeTokenEndpoint) -> AuthService:
    return AuthService(settings, idp=idp, token_endpoint=token_endpoint)
