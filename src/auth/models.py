"""The auth broker's request and response models (the API contract: openapi.json, docs/auth.md).

Requests are validated at the edge with ``extra="forbid"`` and bounded lengths, so the
logic only sees typed, normalised values. Emails are stripped and lower-cased: the pool
is case-insensitive (``UsernameConfiguration.CaseSensitive: false``) and the SECRET_HASH
must be computed over the exact username sent to Cognito.

Bounds come from the cognito-idp API reference (passwords at most 256 characters,
confirmation codes ``[\\S]+``), RFC 5321 (an address is at most 254 octets in practice)
and RFC 7636 section 4.1 (``code_verifier``: 43 to 128 unreserved characters).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    model_validator,
)

from auth.config import AuthSettings
from shared.http import (
    MAX_JSON_BODY_BYTES,
    ApiError,
    describe_validation_error,
    is_json_media_type,
    load_json_object,
)


def _normalise_email(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Email = Annotated[
    str,
    BeforeValidator(_normalise_email),
    Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
Password = Annotated[str, Field(min_length=1, max_length=256)]
ConfirmationCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\S+$")]
Token = Annotated[str, Field(min_length=1, max_length=16384, pattern=r"^\S+$")]


# defer_build: a model's validator and serializer are built on its first use, not at
# import (pydantic ConfigDict.defer_build). Every broker function imports this module but
# uses two or three of its models; building all of them would add ~10 ms to each cold start.
class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class _Response(BaseModel):
    model_config = ConfigDict(defer_build=True)


class SignUpRequest(_Request):
    """``POST /auth/sign-up``."""

    email: Email
    password: Password
    name: Annotated[str, Field(min_length=1, max_length=256)] | None = None


class ConfirmRequest(_Request):
    """``POST /auth/confirm``."""

    email: Email
    code: ConfirmationCode


class EmailRequest(_Request):
    """``POST /auth/resend-code`` and ``POST /auth/forgot-password``."""

    email: Email


class SignInRequest(_Request):
    """``POST /auth/sign-in``."""

    email: Email
    password: Password


class ResetPasswordRequest(_Request):
    """``POST /auth/reset-password``."""

    email: Email
    code: ConfirmationCode
    password: Password


class SignOutRequest(_Request):
    """``POST /auth/sign-out``; the refresh token may come from the cookie instead.

    ``access_token`` is this session's access token: sent with the sign-out, this API
    refuses it (and every token of the same session) at once instead of at its expiry.
    """

    refresh_token: Token | None = None
    access_token: Token | None = None


class AuthorizationCodeGrant(_Request):
    """``grant_type=authorization_code`` (RFC 6749 section 4.1.3, RFC 7636 section 4.5).

    ``client_id`` is tolerated because standard OAuth client libraries send it; it must
    then name this broker's client.
    """

    grant_type: Literal["authorization_code"]
    code: Annotated[str, Field(min_length=1, max_length=2048, pattern=r"^\S+$")]
    redirect_uri: Annotated[str, Field(min_length=1, max_length=2048, pattern=r"^\S+$")]
    code_verifier: Annotated[str, Field(pattern=r"^[A-Za-z0-9\-._~]{43,128}$")]
    client_id: Annotated[str, Field(max_length=128)] | None = None


class RefreshTokenGrant(_Request):
    """``grant_type=refresh_token`` (RFC 6749 section 6); the token may come from the cookie."""

    grant_type: Literal["refresh_token"]
    refresh_token: Token | None = None
    client_id: Annotated[str, Field(max_length=128)] | None = None


#: The challenges sign-in can answer with (Cognito's ChallengeNameType) that take a code:
#: a TOTP code (``POST /auth/sign-in``) or an emailed code (``POST /auth/sign-in/email-code``).
ChallengeName = Literal["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
#: What choice-based sign-in offers and takes, in this order (``POST /auth/sign-in/select``:
#: those of the pool's AllowedFirstAuthFactors; PASSWORD_SRP and SMS_OTP are not answered).
FirstFactor = Literal["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]
FIRST_FACTORS: tuple[FirstFactor, ...] = ("PASSWORD", "EMAIL_OTP", "WEB_AUTHN")
#: An RFC 6238 code as authenticator apps show it (6 digits, Cognito's software tokens).
TotpCode = Annotated[str, Field(pattern=r"^[0-9]{6}$")]
#: Cognito's Session: opaque, 20 to 2048 characters (API reference, RespondToAuthChallenge).
Session = Annotated[str, Field(min_length=20, max_length=2048, pattern=r"^\S+$")]
#: base64url without padding (W3C WebAuthn Level 3 §5.1, the JSON encodings); ``max``:
#: the member's bound in characters (a credential id is at most 1023 bytes, §4). 16,384
#: covers an attestation object (a few kilobytes, with a packed or TPM attestation's
#: certificate chain) and stays under the body limit, so an over-long member is a 400, not
#: a 413.
Base64Url = Annotated[str, Field(max_length=16384, pattern=r"^[A-Za-z0-9_-]*$")]


class AuthenticatorAssertionResponse(_Request):
    """W3C WebAuthn Level 3 §5.2.2, AuthenticatorAssertionResponseJSON."""

    clientDataJSON: Annotated[Base64Url, Field(min_length=1)]
    authenticatorData: Annotated[Base64Url, Field(min_length=1)]
    signature: Annotated[Base64Url, Field(min_length=1)]
    userHandle: Annotated[Base64Url, Field(max_length=86)] | None = None  # 64 bytes
    attestationObject: Base64Url | None = None


class AuthenticationResponse(_Request):
    """W3C WebAuthn Level 3 §5.1, AuthenticationResponseJSON: what
    ``PublicKeyCredential.toJSON()`` gives after ``navigator.credentials.get()``."""

    id: Annotated[Base64Url, Field(min_length=1, max_length=1366)]
    rawId: Annotated[Base64Url, Field(min_length=1, max_length=1366)]
    type: Literal["public-key"]
    response: AuthenticatorAssertionResponse
    authenticatorAttachment: Literal["platform", "cross-platform"] | None = None
    clientExtensionResults: dict[str, Any] = Field(default_factory=dict)


class CodeAnswer(_Request):
    """``POST /auth/challenge`` for ``SOFTWARE_TOKEN_MFA`` or ``EMAIL_OTP``: the code."""

    email: Email
    challenge: ChallengeName
    session: Session
    # 6 digits (TOTP) or 8 (EMAIL_OTP sign-in codes)
    answer: Annotated[str, Field(pattern=r"^(?:[0-9]{6}|[0-9]{8})$")]


class PasskeyAnswer(_Request):
    """``POST /auth/challenge`` for ``WEB_AUTHN``: the browser's assertion for the
    ``credential_request_options`` of the same ``session``."""

    email: Email
    challenge: Literal["WEB_AUTHN"]
    session: Session
    credential: AuthenticationResponse


class SelectAnswer(_Request):
    """``POST /auth/challenge`` for ``SELECT_CHALLENGE``: the chosen first factor, with
    the ``password`` when it is ``PASSWORD`` (and only then)."""

    email: Email
    challenge: Literal["SELECT_CHALLENGE"]
    session: Session
    answer: FirstFactor
    password: Password | None = None

    @model_validator(mode="after")
    def _password_with_password(self) -> SelectAnswer:
        if (self.answer == "PASSWORD") != (self.password is not None):
            raise ValueError("password is required with the answer PASSWORD, and only with it")
        return self


class ChallengeAnswer(
    RootModel[
        Annotated[CodeAnswer | PasskeyAnswer | SelectAnswer, Field(discriminator="challenge")]
    ]
):
    """``POST /auth/challenge``: the answer to a sign-in challenge with its ``session``,
    one body shape per ``challenge``."""

    model_config = ConfigDict(defer_build=True)


class AccountUpdate(_Request):
    """``PATCH /auth/account``: the profile fields a user may change."""

    name: Annotated[str, Field(min_length=1, max_length=256)]


class ChangePasswordRequest(_Request):
    """``POST /auth/account/password`` (Cognito ChangePassword's names)."""

    previous_password: Password
    proposed_password: Password


class CodeRequest(_Request):
    """``POST /auth/account/email/verify``: the code sent to the new email."""

    code: ConfirmationCode


class Proof(_Request):
    """A fresh proof of identity, sent with the access token on the sensitive routes
    (OWASP ASVS 5.0 requirement 7.5.1; checked by ``AuthService.check_proof``).

    ``password``: the account's current password. ``code``: a current code of the user's
    authenticator app, needed as well when TOTP MFA is on. Both optional here: a missing
    proof is the logic's 401 ``reauthentication_required``, not a validation error.
    """

    password: Password | None = None
    code: TotpCode | None = None

    @property
    def proof(self) -> Proof:
        """The proof fields alone (the subclasses add the route's own fields)."""
        return Proof(password=self.password, code=self.code)


class DeleteAccountRequest(Proof):
    """``DELETE /auth/account``: the proof alone."""


class MfaDisableRequest(Proof):
    """``DELETE /auth/mfa``: the proof alone."""


class ChangeEmailRequest(Proof):
    """``POST /auth/account/email``: the new email and the proof."""

    email: Email


class MfaVerifyRequest(_Request):
    """``POST /auth/mfa/verify``: a code of the secret from ``POST /auth/mfa/setup`` and
    the account's ``password`` (the proof; TOTP is off whenever this route can succeed,
    so the password is the whole proof)."""

    code: TotpCode
    device_name: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    password: Password | None = None

    @property
    def proof(self) -> Proof:
        """The proof: the password (``code`` here is the new authenticator's)."""
        return Proof(password=self.password)


TokenRequest = AuthorizationCodeGrant | RefreshTokenGrant

_GRANTS: dict[str, type[AuthorizationCodeGrant | RefreshTokenGrant]] = {
    "authorization_code": AuthorizationCodeGrant,
    "refresh_token": RefreshTokenGrant,
}
FORM = "application/x-www-form-urlencoded"


def _form_params(body: str) -> dict[str, str]:
    """Decode a form body; RFC 6749 section 3.2: a parameter must not repeat, and one sent
    without a value is treated as omitted (section 3.1)."""
    params: dict[str, str] = {}
    for name, value in parse_qsl(body, keep_blank_values=True):
        if name in params:
            raise ApiError(400, "invalid_request", f"The parameter {name} is repeated.")
        params[name] = value
    return {name: value for name, value in params.items() if value != ""}


def parse_token_request(body: str | None, content_type: str | None) -> TokenRequest:
    """Parse ``POST /auth/token`` from JSON or ``application/x-www-form-urlencoded``.

    Args:
        body: the decoded request body.
        content_type: the ``Content-Type`` header (RFC 6749 section 4.1.3 uses the form
            encoding; JSON is this API's convenience).

    Raises:
        ApiError: 400 ``invalid_request`` (bad body, too deep, missing ``grant_type``, bad
            fields), 400 ``unsupported_grant_type`` (RFC 6749 section 5.2), 413 (body over
            :data:`~shared.http.MAX_JSON_BODY_BYTES`), 415 (neither form nor JSON).
    """
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == FORM:
        if body and len(body) > MAX_JSON_BODY_BYTES:
            raise ApiError(
                413,
                "payload_too_large",
                f"The request body is larger than {MAX_JSON_BODY_BYTES} bytes.",
            )
        params: Any = _form_params(body or "")
    elif is_json_media_type(media_type) or (not media_type and not body):
        params = load_json_object(body) if body else {}
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Send the token request as {FORM} or application/json.",
        )
    grant_type = params.get("grant_type")
    if not grant_type:
        raise ApiError(400, "invalid_request", "grant_type is required.")
    model = _GRANTS.get(grant_type) if isinstance(grant_type, str) else None
    if model is None:
        raise ApiError(
            400,
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token.",
        )
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise ApiError(400, "invalid_request", describe_validation_error(exc)) from exc


# ---------------------------------------------------------------- responses


class CodeDelivery(_Response):
    """Where a code went: ``destination`` is masked (``j***@e***``), ``medium`` is ``EMAIL``."""

    destination: str
    medium: str


class SignUpResult(_Response):
    """201 body of ``POST /auth/sign-up``, the same whether or not the email already has
    an account (so it carries no ``user_sub`` and no ``user_confirmed``)."""

    code_delivery: CodeDelivery


class Confirmed(_Response):
    """200 body of ``POST /auth/confirm``."""

    confirmed: Literal[True] = True


class CodeSent(_Response):
    """200 body of ``POST /auth/resend-code`` and ``POST /auth/forgot-password``."""

    code_delivery: CodeDelivery


class PasswordReset(_Response):
    """200 body of ``POST /auth/reset-password``."""

    password_reset: Literal[True] = True


class SignedOut(_Response):
    """200 body of ``POST /auth/sign-out``.

    ``refresh_token_revoked``: a refresh token was revoked (RevokeToken).
    ``signed_out_everywhere``: GlobalSignOut succeeded for the Bearer access token; false
    when none came or it was already expired (the sign-out is then local only).
    """

    signed_out: Literal[True] = True
    refresh_token_revoked: bool
    signed_out_everywhere: bool


class TokenSet(_Response):
    """An OAuth 2.0 token response (RFC 6749 section 5.1); ``expires_in`` is in seconds.

    ``refresh_token`` is absent when it travels in the cookie, or when a refresh did not
    rotate it. ``id_token`` is absent only if upstream sent none.
    """

    access_token: str
    id_token: str | None = None
    refresh_token: str | None = None
    expires_in: int
    token_type: Literal["Bearer"] = "Bearer"


class UpstreamTokenResponse(_Response):
    """What ``/oauth2/token`` returns on success; unknown members are ignored (RFC 6749
    section 5.1 lets servers add parameters)."""

    model_config = ConfigDict(extra="ignore")

    access_token: str = Field(min_length=1)
    id_token: str | None = None
    refresh_token: str | None = None
    expires_in: int = Field(gt=0)
    token_type: str

    def to_token_set(self) -> TokenSet:
        """The broker's own token response."""
        return TokenSet(
            access_token=self.access_token,
            id_token=self.id_token,
            refresh_token=self.refresh_token,
            expires_in=self.expires_in,
        )


class PublicConfig(_Response):
    """200 body of ``GET /auth/config``: what a client needs to start the code + PKCE flow.

    Never contains the client secret.
    """

    region: str
    user_pool_id: str
    client_id: str
    authorize_url: str
    token_url: str
    logout_url: str
    userinfo_url: str
    broker_token_url: str
    scopes: list[str]
    redirect_uris: list[str]
    logout_uris: list[str]

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> PublicConfig:
        """The public view of the broker's settings."""
        return cls(
            region=settings.region,
            user_pool_id=settings.user_pool_id,
            client_id=settings.client_id,
            authorize_url=settings.authorize_url,
            token_url=settings.token_url,
            logout_url=settings.logout_url,
            userinfo_url=settings.userinfo_url,
            broker_token_url="/auth/token",
            scopes=list(settings.oauth_scopes),
            redirect_uris=list(settings.callback_urls),
            logout_uris=list(settings.logout_urls),
        )


class SignInChallenge(_Response):
    """200 body of ``POST /auth/sign-in`` when the password is right and a second step is
    needed: answer it at ``POST /auth/challenge`` with ``session`` (valid a few minutes,
    the app client's ``AuthSessionValidity``)."""

    challenge: ChallengeName
    session: str


class PasskeyChallenge(_Response):
    """200 body of ``POST /auth/sign-in/passkey`` (and of ``POST /auth/challenge`` after
    the answer ``WEB_AUTHN``): pass ``credential_request_options`` to
    ``navigator.credentials.get({publicKey})`` (after ``PublicKeyCredential.
    parseRequestOptionsFromJSON``) and send the result to ``POST /auth/challenge`` with
    ``session``. The options are W3C WebAuthn Level 3 PublicKeyCredentialRequestOptionsJSON
    (§5.5): ``challenge``, ``timeout`` (ms), ``rpId``, ``allowCredentials``,
    ``userVerification``; Cognito's ``CREDENTIAL_REQUEST_OPTIONS`` as it sent them."""

    challenge: Literal["WEB_AUTHN"] = "WEB_AUTHN"
    session: str
    credential_request_options: dict[str, Any]


class SelectChallenge(_Response):
    """200 body of ``POST /auth/sign-in/select``: the first factors the deployment offers
    every email (in the order of :data:`FIRST_FACTORS`); answer one at
    ``POST /auth/challenge`` with ``session``."""

    challenge: Literal["SELECT_CHALLENGE"] = "SELECT_CHALLENGE"
    session: str
    available_challenges: list[FirstFactor]


class ChallengeResult(RootModel[TokenSet | SignInChallenge | PasskeyChallenge]):
    """200 body of ``POST /auth/challenge``: tokens, or the next challenge
    (documentation model)."""

    model_config = ConfigDict(defer_build=True)  # only openapi.json builds it


class MfaSetup(_Response):
    """200 body of ``POST /auth/mfa/setup``: the TOTP secret (base32) and the same secret
    as an ``otpauth://totp/...`` URI for a QR code (Google Authenticator "Key Uri Format")."""

    secret_code: str
    otpauth_uri: str


class MfaStatus(_Response):
    """200 body of the MFA routes: whether sign-in asks for a TOTP code."""

    totp_enabled: bool


class SignInResult(RootModel[TokenSet | SignInChallenge]):
    """200 body of ``POST /auth/sign-in``: tokens, or a challenge (documentation model)."""

    model_config = ConfigDict(defer_build=True)  # only openapi.json builds it


class Account(_Response):
    """200 body of ``GET /auth/account`` and of the routes that change it.

    ``email`` is the sign-in name: after ``POST /auth/account/email`` it stays the old
    address until the new one is verified (``AttributesRequireVerificationBeforeUpdate``).
    """

    email: str
    email_verified: bool
    name: str | None = None
    totp_enabled: bool


class PasswordChanged(_Response):
    """200 body of ``POST /auth/account/password``."""

    password_changed: Literal[True] = True


class AccountDeleted(_Response):
    """200 body of ``DELETE /auth/account``: the account is gone, its sessions are signed
    out, and ``photos_deleted`` photo records were erased (their files follow through the
    photo purge pipeline)."""

    account_deleted: Literal[True] = True
    photos_deleted: int


# ---------------------------------------------------------------- passkeys (issue 20)
# The signed-in passkey routes (auth.passkeys, auth.handlers.passkeys). The credential's
# JSON is the browser's, in W3C WebAuthn Level 3's names (camelCase); it is checked for
# shape and size here, and verified by Cognito (CompleteWebAuthnRegistration).

#: A credential id: at most 1023 bytes (W3C WebAuthn Level 3 section 4, "Credential
#: ID"), so at most 1364 base64url characters.
CREDENTIAL_ID_PATTERN = r"^[A-Za-z0-9_-]{1,1364}$"
CredentialId = Annotated[str, Field(pattern=CREDENTIAL_ID_PATTERN)]


class _WebAuthnJson(BaseModel):
    """The browser's WebAuthn JSON: the members this API needs are checked, any others a
    browser adds are passed on to Cognito as they came (``extra="allow"``)."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True, populate_by_name=True)


class AuthenticatorAttestationResponseJSON(_WebAuthnJson):
    """W3C WebAuthn Level 3 section 5.2.1 (``AuthenticatorAttestationResponseJSON``): the
    client data and the attestation object, base64url."""

    client_data_json: Annotated[Base64Url, Field(min_length=1)] = Field(alias="clientDataJSON")
    attestation_object: Annotated[Base64Url, Field(min_length=1)] = Field(alias="attestationObject")
    transports: list[Annotated[str, Field(max_length=32)]] | None = Field(
        default=None, max_length=16
    )


class RegistrationResponseJSON(_WebAuthnJson):
    """What ``navigator.credentials.create()`` gives, as ``PublicKeyCredential.toJSON()``
    (W3C WebAuthn Level 3 section 5.1, ``RegistrationResponseJSON``)."""

    id: CredentialId
    raw_id: CredentialId = Field(alias="rawId")
    type: Literal["public-key"]
    response: AuthenticatorAttestationResponseJSON
    authenticator_attachment: Literal["platform", "cross-platform"] | None = Field(
        default=None, alias="authenticatorAttachment"
    )
    client_extension_results: dict[str, Any] | None = Field(
        default=None, alias="clientExtensionResults"
    )

    def document(self) -> dict[str, Any]:
        """The credential as the browser sent it (its own names, only the members sent):
        CompleteWebAuthnRegistration's ``Credential``."""
        return self.model_dump(by_alias=True, exclude_unset=True)


class PasskeyRegistrationOptionsRequest(Proof):
    """``POST /auth/passkeys/registration-options``: the proof alone."""


class RegisterPasskeyRequest(_Request):
    """``POST /auth/passkeys``: the browser's answer to the creation options."""

    credential: RegistrationResponseJSON


class DeletePasskeyRequest(Proof):
    """``DELETE /auth/passkeys/{credential_id}``: the proof alone."""


class PasskeyCreationOptions(_Response):
    """200 body of ``POST /auth/passkeys/registration-options``: Cognito's
    ``CredentialCreationOptions`` (W3C WebAuthn Level 3 section 5.4,
    ``PublicKeyCredentialCreationOptionsJSON``: ``challenge``, ``rp``, ``user``,
    ``pubKeyCredParams``, ``timeout`` in ms, ``excludeCredentials``,
    ``authenticatorSelection``), for ``PublicKeyCredential.parseCreationOptionsFromJSON``
    and ``navigator.credentials.create()``."""

    credential_creation_options: dict[str, Any]


class Passkey(_Response):
    """One passkey of the signed-in user (Cognito's WebAuthnCredentialDescription).

    ``credential_id`` is base64url; ``authenticator_attachment`` is ``platform`` or
    ``cross-platform`` when the browser said; ``created_at`` is RFC 3339 in UTC
    (``2026-11-21T09:00:00Z``).
    """

    credential_id: str
    friendly_name: str | None = None
    relying_party_id: str
    authenticator_attachment: str | None = None
    authenticator_transports: list[str]
    created_at: str


class PasskeyList(_Response):
    """200 body of ``GET /auth/passkeys``: every passkey of the user, oldest first."""

    passkeys: list[Passkey]


class PasskeyDeleted(_Response):
    """200 body of ``DELETE /auth/passkeys/{credential_id}``: it no longer signs in."""

    deleted: Literal[True] = True
