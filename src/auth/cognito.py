"""Adapters to Amazon Cognito: the cognito-idp API and the hosted UI's ``/oauth2/token``.

Both hold the app client's secret, which never leaves this module's process: it is read
once per container with DescribeUserPoolClient (the functions' one IAM permission) and
cached for the container's life. Every upstream failure is raised as
:class:`auth.errors.UpstreamError`, mapped by the one table in :mod:`auth.errors`.

The boto3 client is created lazily, once, with no explicit endpoint: the SDK honours
``AWS_ENDPOINT_URL``, which is how the local stack points it at its emulator.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from functools import cache, cached_property
from typing import Any
from urllib.parse import quote_plus, urlencode

import boto3
import urllib3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError
from botocore.exceptions import ConnectionError as BotoConnectionError

from auth.errors import (
    OAUTH_TOKEN,
    UPSTREAM_BAD_RESPONSE,
    UPSTREAM_THROTTLED,
    UPSTREAM_TIMEOUT,
    UPSTREAM_UNAVAILABLE,
    UPSTREAM_UNREACHABLE,
    UpstreamError,
)

# Lambda's timeout is 10 s (template Globals): two short attempts fit well inside it.
BOTO_CONFIG = Config(
    connect_timeout=2,
    read_timeout=4,
    retries={"mode": "standard", "max_attempts": 2},
)
TOKEN_ENDPOINT_TIMEOUT = urllib3.Timeout(connect=2.0, read=5.0)
#: ListWebAuthnCredentials' largest page (API reference: MaxResults, 0 to 20).
WEB_AUTHN_PAGE = 20


@cache
def dynamodb_client() -> Any:
    """The broker's one DynamoDB client per container, made on first use: the sign-out
    records (auth.revocations) and the photo rows an account deletion erases
    (auth.account_data) share it, so DeleteAccountFunction makes one client, not two."""
    return boto3.client("dynamodb", config=BOTO_CONFIG)


def dynamodb_error(operation: str, exc: ClientError | BotoCoreError) -> UpstreamError:
    """A failed call of the broker's DynamoDB client as the contract's 5xx
    (:mod:`auth.errors`: unknown codes are 502, an unreachable endpoint 503)."""
    if isinstance(exc, ClientError):
        return UpstreamError(operation, exc.response.get("Error", {}).get("Code", "Unknown"))
    return UpstreamError(operation, UPSTREAM_UNREACHABLE)


_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def secret_hash(client_secret: str, username: str, client_id: str) -> str:
    """Cognito's SECRET_HASH: ``Base64(HMAC_SHA256(key=secret, msg=username + client_id))``.

    Source: Cognito developer guide, "Computing secret hash values". ``username`` is the
    exact value sent as the username (here: the normalised email).
    """
    digest = hmac.new(
        client_secret.encode(), (username + client_id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def derived_key(client_secret: str, purpose: str) -> bytes:
    """A key for one ``purpose`` of the broker's own keyed hashes (refresh-token families,
    attempt counters): ``HMAC_SHA256(key=secret, msg="moments/" + purpose + 0x01)``, the
    HKDF-Expand step of RFC 5869 section 2.3 for one 32-byte block (the Extract step is
    skipped, as section 3.3 allows, because the secret already is a random key).

    Derived from the app client's secret, which only the broker holds (so no new secret
    to provision); distinct purposes give unrelated keys. Rotating the client secret
    changes every derived key: the records keyed with the old one are then never found
    again and expire through their TTL.
    """
    return hmac.new(
        client_secret.encode(), f"moments/{purpose}\x01".encode(), hashlib.sha256
    ).digest()


def client_secret_basic(client_id: str, client_secret: str) -> str:
    """The ``Authorization`` value for ``client_secret_basic`` (RFC 6749 section 2.3.1).

    Both parts are form-urlencoded *before* base64, as the RFC requires. Hand-written
    because Authlib's ``encode_client_secret_basic`` skips that encoding step, and these
    few lines spare every broker function Authlib's import cost.
    """
    pair = f"{quote_plus(client_id, safe='')}:{quote_plus(client_secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


class CognitoIdentityProvider:
    """cognito-idp calls for one app client, with SECRET_HASH / ClientSecret added.

    Every method returns the operation's response dict (shapes as in the cognito-idp API
    reference) and raises :class:`UpstreamError` on any failure.

    Args:
        user_pool_id: the pool (``USER_POOL_ID``).
        client_id: the confidential app client (``USER_POOL_CLIENT_ID``).
        client: a cognito-idp client; tests pass a stubbed or moto-backed one.
    """

    def __init__(self, user_pool_id: str, client_id: str, client: Any | None = None) -> None:
        self.user_pool_id = user_pool_id
        self.client_id = client_id
        self._client = client

    @property
    def client(self) -> Any:
        """The boto3 cognito-idp client, created on first use."""
        if self._client is None:
            self._client = boto3.client("cognito-idp", config=BOTO_CONFIG)
        return self._client

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            return getattr(self.client, _snake(operation))(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise UpstreamError(
                operation, error.get("Code", "Unknown"), error.get("Message")
            ) from exc
        except (ConnectTimeoutError, ReadTimeoutError) as exc:
            raise UpstreamError(operation, UPSTREAM_TIMEOUT) from exc
        except BotoConnectionError as exc:
            raise UpstreamError(operation, UPSTREAM_UNREACHABLE) from exc

    @cached_property
    def _app_client(self) -> dict[str, Any]:
        return self._call(
            "DescribeUserPoolClient", UserPoolId=self.user_pool_id, ClientId=self.client_id
        )["UserPoolClient"]

    @property
    def client_secret(self) -> str:
        """The app client's secret, read once per container (DescribeUserPoolClient)."""
        return self._app_client["ClientSecret"]

    @property
    def refresh_token_validity_seconds(self) -> int:
        """The client's refresh-token lifetime in seconds (RefreshTokenValidity in
        TokenValidityUnits.RefreshToken, which defaults to days)."""
        described = self._app_client
        unit = described.get("TokenValidityUnits", {}).get("RefreshToken", "days")
        return int(described.get("RefreshTokenValidity", 30)) * _SECONDS[unit]

    @property
    def auth_session_seconds(self) -> int:
        """The app client's ``AuthSessionValidity`` in seconds: how long its sign-in
        challenge sessions live (minutes, 3 to 15, default 3; API reference,
        UserPoolClientType). Read once per container (DescribeUserPoolClient)."""
        return int(self._app_client.get("AuthSessionValidity") or 3) * 60

    def secret_hash(self, username: str) -> str:
        """SECRET_HASH for ``username`` with this client's id and secret."""
        return secret_hash(self.client_secret, username, self.client_id)

    def sign_up(self, username: str, password: str, attributes: dict[str, str]) -> dict[str, Any]:
        """SignUp -> ``{UserSub, UserConfirmed, CodeDeliveryDetails?}``."""
        return self._call(
            "SignUp",
            ClientId=self.client_id,
            SecretHash=self.secret_hash(username),
            Username=username,
            Password=password,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
        )

    def confirm_sign_up(self, username: str, code: str) -> dict[str, Any]:
        """ConfirmSignUp."""
        return self._call(
            "ConfirmSignUp",
            ClientId=self.client_id,
            SecretHash=self.secret_hash(username),
            Username=username,
            ConfirmationCode=code,
        )

    def resend_confirmation_code(self, username: str) -> dict[str, Any]:
        """ResendConfirmationCode -> ``{CodeDeliveryDetails}``."""
        return self._call(
            "ResendConfirmationCode",
            ClientId=self.client_id,
            SecretHash=self.secret_hash(username),
            Username=username,
        )

    def initiate_password_auth(self, username: str, password: str) -> dict[str, Any]:
        """InitiateAuth with USER_PASSWORD_AUTH -> ``{AuthenticationResult}`` or a challenge
        (``{ChallengeName, Session, ChallengeParameters}``)."""
        return self._call(
            "InitiateAuth",
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={
                "USERNAME": username,
                "PASSWORD": password,
                "SECRET_HASH": self.secret_hash(username),
            },
        )

    def get_tokens_from_refresh_token(self, refresh_token: str) -> dict[str, Any]:
        """GetTokensFromRefreshToken -> ``{AuthenticationResult}``; with rotation on (the
        template's setting) the result carries a new RefreshToken."""
        return self._call(
            "GetTokensFromRefreshToken",
            ClientId=self.client_id,
            ClientSecret=self.client_secret,
            RefreshToken=refresh_token,
        )

    def revoke_token(self, refresh_token: str) -> None:
        """RevokeToken (needs ``EnableTokenRevocation``; RFC 7009 semantics)."""
        self._call(
            "RevokeToken",
            Token=refresh_token,
            ClientId=self.client_id,
            ClientSecret=self.client_secret,
        )

    def get_user(self, access_token: str) -> dict[str, Any]:
        """GetUser: Cognito checks the access token (signature, expiry, revocation) and
        returns ``{Username, UserAttributes}``."""
        return self._call("GetUser", AccessToken=access_token)

    def global_sign_out(self, access_token: str) -> None:
        """GlobalSignOut: invalidates every refresh token of the access token's user."""
        self._call("GlobalSignOut", AccessToken=access_token)

    def forgot_password(self, username: str) -> dict[str, Any]:
        """ForgotPassword -> ``{CodeDeliveryDetails}``."""
        return self._call(
            "ForgotPassword",
            ClientId=self.client_id,
            SecretHash=self.secret_hash(username),
            Username=username,
        )

    def confirm_forgot_password(self, username: str, code: str, password: str) -> None:
        """ConfirmForgotPassword."""
        self._call(
            "ConfirmForgotPassword",
            ClientId=self.client_id,
            SecretHash=self.secret_hash(username),
            Username=username,
            ConfirmationCode=code,
            Password=password,
        )

    def initiate_email_otp(self, username: str) -> dict[str, Any]:
        """InitiateAuth USER_AUTH with ``PREFERRED_CHALLENGE: EMAIL_OTP`` (choice-based
        sign-in) -> the ``EMAIL_OTP`` challenge; Cognito emails the code."""
        return self.initiate_user_auth(username, "EMAIL_OTP")

    def initiate_user_auth(self, username: str, preferred_challenge: str) -> dict[str, Any]:
        """InitiateAuth USER_AUTH (choice-based sign-in) with ``PREFERRED_CHALLENGE``
        (``WEB_AUTHN``: ``{ChallengeName: WEB_AUTHN, Session, ChallengeParameters:
        {CREDENTIAL_REQUEST_OPTIONS}}``; ``EMAIL_OTP``: ``{ChallengeName: EMAIL_OTP,
        Session}``). Cognito developer guide, "Authentication flows", choice-based
        sign-in. The broker never asks without one (Cognito's ``SELECT_CHALLENGE``:
        :mod:`auth.sign_in_choice` says why)."""
        return self._call(
            "InitiateAuth",
            ClientId=self.client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={
                "USERNAME": username,
                "SECRET_HASH": self.secret_hash(username),
                "PREFERRED_CHALLENGE": preferred_challenge,
            },
        )

    def respond_to_auth_challenge(
        self, username: str, challenge: str, session: str, responses: dict[str, str]
    ) -> dict[str, Any]:
        """RespondToAuthChallenge with ``responses`` beside ``USERNAME`` and
        ``SECRET_HASH``: ``{CREDENTIAL}`` for ``WEB_AUTHN`` (AuthenticationResponseJSON as
        a string), ``{<challenge>_CODE}`` for a code (API reference,
        RespondToAuthChallenge, ChallengeResponses) -> ``{AuthenticationResult}`` or the
        next challenge."""
        return self._call(
            "RespondToAuthChallenge",
            ClientId=self.client_id,
            ChallengeName=challenge,
            Session=session,
            ChallengeResponses={
                **responses,
                "USERNAME": username,
                "SECRET_HASH": self.secret_hash(username),
            },
        )

    def respond_to_mfa_challenge(
        self, username: str, challenge: str, session: str, answer: str
    ) -> dict[str, Any]:
        """RespondToAuthChallenge for an MFA challenge (``<challenge>_CODE`` = ``answer``)
        -> ``{AuthenticationResult}`` (or a further challenge)."""
        return self.respond_to_auth_challenge(
            username, challenge, session, {f"{challenge}_CODE": answer}
        )

    def associate_software_token(self, access_token: str) -> dict[str, Any]:
        """AssociateSoftwareToken -> ``{SecretCode}`` (base32 TOTP key)."""
        return self._call("AssociateSoftwareToken", AccessToken=access_token)

    def verify_software_token(
        self, access_token: str, code: str, device_name: str | None
    ) -> dict[str, Any]:
        """VerifySoftwareToken -> ``{Status: SUCCESS | ERROR}``."""
        params: dict[str, Any] = {"AccessToken": access_token, "UserCode": code}
        if device_name:
            params["FriendlyDeviceName"] = device_name
        return self._call("VerifySoftwareToken", **params)

    def set_totp_preference(self, access_token: str, enabled: bool) -> None:
        """SetUserMFAPreference: TOTP on and preferred, or off."""
        self._call(
            "SetUserMFAPreference",
            AccessToken=access_token,
            SoftwareTokenMfaSettings={"Enabled": enabled, "PreferredMfa": enabled},
        )

    def update_user_attributes(
        self, access_token: str, attributes: dict[str, str]
    ) -> dict[str, Any]:
        """UpdateUserAttributes -> ``{CodeDeliveryDetailsList}`` (a code when email changes)."""
        return self._call(
            "UpdateUserAttributes",
            AccessToken=access_token,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
        )

    def verify_user_attribute(self, access_token: str, name: str, code: str) -> None:
        """VerifyUserAttribute: the code sent for a new ``name`` value."""
        self._call("VerifyUserAttribute", AccessToken=access_token, AttributeName=name, Code=code)

    def change_password(self, access_token: str, previous: str, proposed: str) -> None:
        """ChangePassword."""
        self._call(
            "ChangePassword",
            AccessToken=access_token,
            PreviousPassword=previous,
            ProposedPassword=proposed,
        )

    def delete_user(self, access_token: str) -> None:
        """DeleteUser: the user deletes themselves; their tokens stop working."""
        self._call("DeleteUser", AccessToken=access_token)

    # -- passkeys (WebAuthn), with the user's access token (issue 20)

    def start_web_authn_registration(self, access_token: str) -> dict[str, Any]:
        """StartWebAuthnRegistration -> ``{CredentialCreationOptions}`` (W3C WebAuthn
        PublicKeyCredentialCreationOptionsJSON, a fresh challenge for this user)."""
        return self._call("StartWebAuthnRegistration", AccessToken=access_token)

    def complete_web_authn_registration(
        self, access_token: str, credential: dict[str, Any]
    ) -> None:
        """CompleteWebAuthnRegistration with the browser's RegistrationResponseJSON (a
        JSON document, not a string): Cognito verifies it against the pending challenge."""
        self._call("CompleteWebAuthnRegistration", AccessToken=access_token, Credential=credential)

    def list_web_authn_credentials(self, access_token: str) -> list[dict[str, Any]]:
        """ListWebAuthnCredentials, every page (``NextToken``; at most
        :data:`WEB_AUTHN_PAGE` per page, the API's maximum) -> the user's
        WebAuthnCredentialDescription items (``CredentialId``, ``FriendlyCredentialName``,
        ``RelyingPartyId``, ``AuthenticatorAttachment``, ``AuthenticatorTransports``,
        ``CreatedAt`` as a datetime)."""
        credentials: list[dict[str, Any]] = []
        params: dict[str, Any] = {"AccessToken": access_token, "MaxResults": WEB_AUTHN_PAGE}
        while True:
            page = self._call("ListWebAuthnCredentials", **params)
            credentials.extend(page.get("Credentials") or [])
            if not page.get("NextToken"):
                return credentials
            params["NextToken"] = page["NextToken"]

    def delete_web_authn_credential(self, access_token: str, credential_id: str) -> None:
        """DeleteWebAuthnCredential: one of the user's passkeys (ResourceNotFoundException
        for an id the user has none of)."""
        self._call("DeleteWebAuthnCredential", AccessToken=access_token, CredentialId=credential_id)


class HostedUiTokenClient:
    """POSTs to the hosted UI's ``/oauth2/token`` as the confidential client.

    Args:
        token_url: ``{COGNITO_DOMAIN_URL}/oauth2/token``.
        client_id: the app client id.
        client_secret: called on first use; returns the secret (from DescribeUserPoolClient).
        http: a urllib3 ``PoolManager``-like object; tests may inject one.
        timeout: connect/read timeouts; no retries (an authorization code is single-use).
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: Callable[[], str],
        *,
        http: Any | None = None,
        timeout: urllib3.Timeout = TOKEN_ENDPOINT_TIMEOUT,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self._http = http
        self.timeout = timeout

    @property
    def http(self) -> Any:
        """The urllib3 pool, created on first use (urllib3 2 verifies TLS by default)."""
        if self._http is None:
            self._http = urllib3.PoolManager()
        return self._http

    def request_tokens(self, params: dict[str, str]) -> dict[str, Any]:
        """POST ``params`` (form-encoded) with ``client_secret_basic`` auth.

        Returns:
            The parsed JSON success body (RFC 6749 section 5.1).

        Raises:
            UpstreamError: an RFC 6749 section 5.2 error from upstream, a timeout or
                connection failure, a 429/5xx, or a body that is not a JSON object.
        """
        headers = {
            "Authorization": client_secret_basic(self.client_id, self._client_secret()),
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        try:
            response = self.http.request(
                "POST",
                self.token_url,
                body=urlencode(params),
                headers=headers,
                timeout=self.timeout,
                retries=False,
                redirect=False,
            )
        except urllib3.exceptions.TimeoutError as exc:
            raise UpstreamError(OAUTH_TOKEN, UPSTREAM_TIMEOUT) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise UpstreamError(OAUTH_TOKEN, UPSTREAM_UNREACHABLE) from exc

        if response.status == 429:
            raise UpstreamError(OAUTH_TOKEN, UPSTREAM_THROTTLED)
        if response.status == 503:
            raise UpstreamError(OAUTH_TOKEN, UPSTREAM_UNAVAILABLE)
        if response.status >= 500:
            raise UpstreamError(OAUTH_TOKEN, UPSTREAM_BAD_RESPONSE)
        try:
            body = json.loads(response.data or b"")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise UpstreamError(OAUTH_TOKEN, UPSTREAM_BAD_RESPONSE)
        if response.status != 200:
            code = body.get("error")
            raise UpstreamError(
                OAUTH_TOKEN,
                code if isinstance(code, str) else UPSTREAM_BAD_RESPONSE,
                body.get("error_description")
                if isinstance(body.get("error_description"), str)
                else None,
            )
        return body


def _snake(operation: str) -> str:
    """``"GetTokensFromRefreshToken"`` -> ``"get_tokens_from_refresh_token"``, and
    ``"SetUserMFAPreference"`` -> ``"set_user_mfa_preference"`` (botocore's own rule,
    which keeps acronyms together)."""
    return xform_name(operation)
