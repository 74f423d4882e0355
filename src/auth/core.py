"""The broker's core: the ports its logic calls and the adapters it builds on first use.

:class:`ServiceCore` holds the settings and the adapters (cognito-idp, ``/oauth2/token``,
the sign-out records, the photo rows, the attempt counter), each built from the settings
when first used, so a cold start creates no client. :class:`auth.service.AuthService`
adds the operations on top, through :class:`auth.sessions.Sessions` (tokens handed out
and sign-out records) and :class:`auth.account.AccountOperations` (the signed-in
account). Knows no HTTP: failures are :class:`auth.errors.UpstreamError` or
:class:`auth.errors.BrokerError` kinds, answered by ``auth.errors.ERRORS``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from auth.attempts import AttemptCounter
from auth.cognito import CognitoIdentityProvider, HostedUiTokenClient, derived_key
from auth.config import AuthSettings
from auth.errors import UpstreamError
from auth.models import CodeDelivery

logger = Logger(child=True)

#: The purposes of the keys that hash refresh tokens and emails
#: (:func:`auth.cognito.derived_key`).
REFRESH_TOKEN_FAMILY_KEY = "refresh_token_family"
ATTEMPT_COUNTER_KEY = "attempt_counter"

#: Cognito's answers to SignUp / UpdateUserAttributes that would tell that an email has
#: an account (OWASP ASVS 5.0 section 6.3.8): answered like a success.
HIDDEN_SIGN_UP_ERRORS = frozenset({"UsernameExistsException", "AliasExistsException"})
#: Cognito's answers to InitiateAuth ``USER_AUTH`` that an account's state causes (unknown
#: with PreventUserExistenceErrors off, disabled, unconfirmed, reset pending): the
#: passwordless routes (emailed code, passkey) answer them with a decoy challenge.
HIDDEN_USER_AUTH_ERRORS = frozenset(
    {
        "UserNotFoundException",
        "NotAuthorizedException",
        "UserNotConfirmedException",
        "PasswordResetRequiredException",
    }
)


class IdentityProvider(Protocol):
    """What the logic needs from cognito-idp (see :class:`CognitoIdentityProvider`)."""

    # Read-only: the adapter derives both from DescribeUserPoolClient (properties), and a
    # plain attribute here would demand a settable one.
    @property
    def client_secret(self) -> str: ...
    @property
    def refresh_token_validity_seconds(self) -> int: ...
    @property
    def auth_session_seconds(self) -> int: ...

    def sign_up(
        self, username: str, password: str, attributes: dict[str, str]
    ) -> dict[str, Any]: ...
    def confirm_sign_up(self, username: str, code: str) -> dict[str, Any]: ...
    def resend_confirmation_code(self, username: str) -> dict[str, Any]: ...
    def initiate_password_auth(self, username: str, password: str) -> dict[str, Any]: ...
    def initiate_email_otp(self, username: str) -> dict[str, Any]: ...
    def get_tokens_from_refresh_token(self, refresh_token: str) -> dict[str, Any]: ...
    def revoke_token(self, refresh_token: str) -> None: ...
    def get_user(self, access_token: str) -> dict[str, Any]: ...
    def global_sign_out(self, access_token: str) -> None: ...
    def forgot_password(self, username: str) -> dict[str, Any]: ...
    def confirm_forgot_password(self, username: str, code: str, password: str) -> None: ...
    def respond_to_mfa_challenge(
        self, username: str, challenge: str, session: str, answer: str
    ) -> dict[str, Any]: ...
    def initiate_user_auth(self, username: str, preferred_challenge: str) -> dict[str, Any]: ...
    def respond_to_auth_challenge(
        self, username: str, challenge: str, session: str, responses: dict[str, str]
    ) -> dict[str, Any]: ...
    def associate_software_token(self, access_token: str) -> dict[str, Any]: ...
    def verify_software_token(
        self, access_token: str, code: str, device_name: str | None
    ) -> dict[str, Any]: ...
    def set_totp_preference(self, access_token: str, enabled: bool) -> None: ...
    def update_user_attributes(
        self, access_token: str, attributes: dict[str, str]
    ) -> dict[str, Any]: ...
    def verify_user_attribute(self, access_token: str, name: str, code: str) -> None: ...
    def change_password(self, access_token: str, previous: str, proposed: str) -> None: ...
    def delete_user(self, access_token: str) -> None: ...
    def start_web_authn_registration(self, access_token: str) -> dict[str, Any]: ...
    def complete_web_authn_registration(
        self, access_token: str, credential: dict[str, Any]
    ) -> None: ...
    def list_web_authn_credentials(self, access_token: str) -> list[dict[str, Any]]: ...
    def delete_web_authn_credential(self, access_token: str, credential_id: str) -> None: ...


class PhotoRecords(Protocol):
    """The user's photo rows (see :class:`auth.account_data.PhotoRows`)."""

    def delete_all(self, user_sub: str) -> int: ...


class SignOutRecords(Protocol):
    """Where sign-outs are recorded for the photo handlers (see
    :class:`auth.revocations.RevocationTable`)."""

    def record(
        self, user_sub: str, *, origin_jti: str | None, everywhere: bool, ahead_seconds: int = 0
    ) -> None: ...
    def remember_refresh_token(
        self, refresh_token: str, *, user_sub: str, origin_jti: str, lifetime_seconds: int
    ) -> None: ...
    def refresh_token_family(self, refresh_token: str) -> tuple[str, str] | None: ...


class TokenEndpoint(Protocol):
    """What the logic needs from the hosted UI (see :class:`HostedUiTokenClient`)."""

    def request_tokens(self, params: dict[str, str]) -> dict[str, Any]: ...


def mask_email(email: str) -> str:
    """``jane@example.com`` -> ``j***@e***``, the shape Cognito uses for email destinations.

    Computed from the request, not from Cognito's answer, so that known and unknown
    addresses produce identical bodies.
    """
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


class ServiceCore:
    """The broker's settings and adapters; :class:`auth.service.AuthService` adds the
    operations.

    Args:
        settings: the broker's configuration.
        idp: the cognito-idp adapter; defaults to :class:`CognitoIdentityProvider`.
        token_endpoint: the ``/oauth2/token`` adapter; defaults to
            :class:`HostedUiTokenClient`, which reads the secret from ``idp``.
    """

    def __init__(
        self,
        settings: AuthSettings,
        idp: IdentityProvider | None = None,
        token_endpoint: TokenEndpoint | None = None,
        revocations: SignOutRecords | None = None,
        photos: PhotoRecords | None = None,
        attempts: AttemptCounter | None = None,
    ) -> None:
        self.settings = settings
        self._idp = idp
        self._token_endpoint = token_endpoint
        self._revocations = revocations
        self._photos = photos
        self._attempts = attempts

    @property
    def attempts(self) -> AttemptCounter | None:
        """The attempt counter (``None`` when no attempts table is configured)."""
        if self._attempts is None and self.settings.attempts_table_name:
            idp = self.idp
            self._attempts = AttemptCounter(
                self.settings.attempts_table_name,
                lambda: derived_key(idp.client_secret, ATTEMPT_COUNTER_KEY),
            )
        return self._attempts

    def attempt(self, family: str, email: str) -> AbstractContextManager[None]:
        """Count one attempt of ``family`` (:data:`auth.attempts.SIGN_IN`, ``CONFIRM``,
        ``RESET_PASSWORD``) for the normalised ``email`` before the Cognito call in the
        ``with`` block; the one entry point of :mod:`auth.attempts` (issue 22).

        Raises:
            auth.attempts.TooManyAttempts: 429 over the limit (the block does not run), or
                Cognito's own lockout or code limit raised in the block.
            UpstreamError: the counter failed (5xx).
        """
        counter = self.attempts
        return counter.attempt(family, email) if counter is not None else nullcontext()

    def _succeeded(self, family: str, email: str) -> None:
        """A success (a sign-in that hands out tokens, a confirmation, a reset) clears the
        email's counter of that family: only the holder of the password or code gets here,
        so nobody else learns anything from it, and an owner who just confirmed looks like
        an unknown email to the next guesser. Best effort: the request has succeeded at
        Cognito, and a counter left standing only costs the user attempts."""
        counter = self.attempts
        if counter is None:
            return
        try:
            counter.reset(family, email)
        except UpstreamError as exc:
            logger.warning("attempt counter not reset", extra={"upstream": exc.code})

    @property
    def photos(self) -> PhotoRecords | None:
        """The photo rows (``None`` when no photos table is configured)."""
        if self._photos is None and self.settings.photos_table_name:
            from auth.account_data import PhotoRows  # boto3 dynamodb: account deletion only

            self._photos = PhotoRows(self.settings.photos_table_name)
        return self._photos

    @property
    def revocations(self) -> SignOutRecords | None:
        """The sign-out records (``None`` when no table is configured)."""
        if self._revocations is None and self.settings.revocations_table_name:
            from auth.revocations import RevocationTable  # boto3 dynamodb: sign-out only

            idp = self.idp
            self._revocations = RevocationTable(
                self.settings.revocations_table_name,
                self.settings.access_token_validity_seconds,
                family_key=lambda: derived_key(idp.client_secret, REFRESH_TOKEN_FAMILY_KEY),
            )
        return self._revocations

    @property
    def idp(self) -> IdentityProvider:
        """The cognito-idp adapter (production default built on first use)."""
        if self._idp is None:
            self._idp = CognitoIdentityProvider(self.settings.user_pool_id, self.settings.client_id)
        return self._idp

    @property
    def token_endpoint(self) -> TokenEndpoint:
        """The ``/oauth2/token`` adapter; the default authenticates with ``idp``'s secret."""
        if self._token_endpoint is None:
            idp = self.idp
            self._token_endpoint = HostedUiTokenClient(
                self.settings.token_url,
                self.settings.client_id,
                lambda: idp.client_secret,
            )
        return self._token_endpoint


def attributes_of(user: dict[str, Any]) -> dict[str, str]:
    """GetUser's ``UserAttributes`` list as a dict."""
    return {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}


def masked_delivery(email: str) -> CodeDelivery:
    """Where the code went, computed from the request alone so that every account state
    gives a byte-identical body."""
    return CodeDelivery(destination=mask_email(email), medium="EMAIL")
