"""The auth broker's logic: sign-up, sign-in, token exchange and refresh, sign-out, resets.

Knows no HTTP. :class:`AuthService` takes its two adapters as parameters; the defaults are
the production ones from :mod:`auth.cognito`, built on first use. Upstream failures arrive
as :class:`auth.errors.UpstreamError` (already mapped to the contract); this module only
catches the few whose handling is a product rule, each commented with its source.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from auth.cognito import CognitoIdentityProvider, HostedUiTokenClient, dynamodb_client
from auth.config import AuthSettings, load_settings
from auth.errors import OAUTH_TOKEN, UPSTREAM_BAD_RESPONSE, UpstreamError
from auth.models import (
    Account,
    AccountDeleted,
    AccountUpdate,
    AuthorizationCodeGrant,
    ChallengeAnswer,
    ChangeEmailRequest,
    ChangePasswordRequest,
    CodeDelivery,
    CodeRequest,
    CodeSent,
    Confirmed,
    ConfirmRequest,
    EmailRequest,
    MfaSetup,
    MfaStatus,
    MfaVerifyRequest,
    PasswordChanged,
    PasswordReset,
    Proof,
    ResetPasswordRequest,
    SignedOut,
    SignInChallenge,
    SignInRequest,
    SignUpRequest,
    SignUpResult,
    TokenRequest,
    TokenSet,
    UpstreamTokenResponse,
)
from auth.reauthentication import check_proof, totp_enabled
from shared import snapstart
from shared.http import ApiError

logger = Logger(child=True)


class IdentityProvider(Protocol):
    """What the logic needs from cognito-idp (see :class:`CognitoIdentityProvider`)."""

    # Read-only: the adapter derives both from DescribeUserPoolClient (properties), and a
    # plain attribute here would demand a settable one.
    @property
    def client_secret(self) -> str: ...
    @property
    def refresh_token_validity_seconds(self) -> int: ...

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


class PhotoRecords(Protocol):
    """The user's photo rows (see :class:`auth.account_data.PhotoRows`)."""

    def delete_all(self, user_sub: str) -> int: ...


class SignOutRecords(Protocol):
    """Where sign-outs are recorded for the photo handlers (see
    :class:`auth.revocations.RevocationTable`)."""

    def record(
        self, user_sub: str, *, origin_jti: str | None, everywhere: bool, ahead_seconds: int = 0
    ) -> None: ...


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


class AuthService:
    """The broker's operations; each raises :class:`~shared.http.ApiError` (including
    :class:`UpstreamError`) with the contract's status and code.

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
    ) -> None:
        self.settings = settings
        self._idp = idp
        self._token_endpoint = token_endpoint
        self._revocations = revocations
        self._photos = photos

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

            self._revocations = RevocationTable(
                self.settings.revocations_table_name,
                self.settings.access_token_validity_seconds,
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

    # ------------------------------------------------------------ sign-up and codes

    def sign_up(self, request: SignUpRequest) -> SignUpResult:
        """Register ``request.email``; Cognito emails a confirmation code.

        The answer cannot tell whether the email already has an account (OWASP ASVS 5.0
        section 6.3.8): ``UsernameExistsException`` gets the same 201 and body as a new
        sign-up, the destination is masked from the request, and no ``user_sub`` is
        returned (Cognito's SignUp is the one operation PreventUserExistenceErrors does
        not cover). The owner of the existing account loses nothing: their password is
        unchanged, and resend-code or forgot-password reach them.

        Raises:
            UpstreamError: 400 ``invalid_password`` / ``invalid_request``, 429
                ``too_many_requests``, 5xx.
        """
        self._check_password(request.password)
        attributes = {"name": request.name} if request.name else {}
        try:
            self.idp.sign_up(request.email, request.password, attributes)
        except UpstreamError as exc:
            if exc.code not in _HIDDEN_SIGN_UP_ERRORS:
                raise
            logger.info("sign-up answered generically", extra={"upstream": exc.code})
        return SignUpResult(code_delivery=_masked_delivery(request.email))

    def confirm(self, request: ConfirmRequest) -> Confirmed:
        """Confirm a sign-up with the emailed code.

        Raises:
            UpstreamError: 400 ``code_mismatch`` with one sentence for a wrong or expired
                code, an unknown email and an already confirmed account alike; 429.
        """
        self.idp.confirm_sign_up(request.email, request.code)
        return Confirmed()

    def resend_code(self, request: EmailRequest) -> CodeSent:
        """Send a new confirmation code.

        Unknown emails get the same answer as known ones: with PreventUserExistenceErrors
        Cognito simulates success for them (Cognito guide, "Managing error responses").
        An already confirmed account (``InvalidParameterException`` "User is already
        confirmed.") and a disabled one (``NotAuthorizedException``) get it too.

        Raises:
            UpstreamError: 429 ``too_many_requests``, 5xx.
        """
        try:
            self.idp.resend_confirmation_code(request.email)
        except UpstreamError as exc:
            if exc.code not in _HIDDEN_RESEND_ERRORS:
                raise
            logger.info("resend-code answered generically", extra={"upstream": exc.code})
        return CodeSent(code_delivery=_masked_delivery(request.email))

    def forgot_password(self, request: EmailRequest) -> CodeSent:
        """Email a password-reset code; the answer is identical for known and unknown emails.

        ``UserNotFoundException`` (moto, or PreventUserExistenceErrors off) and the errors
        Cognito gives for accounts that cannot reset (unverified email:
        ``InvalidParameterException``; disabled: ``NotAuthorizedException``) are logged by
        name and answered like a success, so the route cannot enumerate accounts.

        Raises:
            UpstreamError: 429 ``too_many_requests``, 5xx.
        """
        try:
            self.idp.forgot_password(request.email)
        except UpstreamError as exc:
            if exc.code not in _HIDDEN_FORGOT_PASSWORD_ERRORS:
                raise
            logger.info("forgot-password answered generically", extra={"upstream": exc.code})
        return CodeSent(code_delivery=_masked_delivery(request.email))

    def reset_password(self, request: ResetPasswordRequest) -> PasswordReset:
        """Set a new password with the emailed reset code (ConfirmForgotPassword).

        Raises:
            UpstreamError: 400 ``code_mismatch`` with one sentence for a wrong or expired
                code, an unknown email and an account with no pending reset alike;
                400 ``invalid_password``; 429.
        """
        self._check_password(request.password)
        self.idp.confirm_forgot_password(request.email, request.code, request.password)
        return PasswordReset()

    def _check_password(self, password: str) -> None:
        """400 ``invalid_password`` before any Cognito call (:mod:`auth.password_policy`:
        Cognito's own check comes after its account lookup on sign-up)."""
        policy = self.settings.password_policy
        if not policy.allows(password):
            raise ApiError(400, "invalid_password", policy.describe())

    # ------------------------------------------------------------ tokens

    def sign_in(self, request: SignInRequest) -> TokenSet | SignInChallenge:
        """USER_PASSWORD_AUTH sign-in (first-party clients; see docs/auth.md).

        Returns:
            The tokens, or, for a user with TOTP MFA on, a :class:`SignInChallenge` to
            answer with :meth:`answer_challenge` (only a right password gets that far, so
            the challenge reveals nothing about who has an account).

        Raises:
            UpstreamError: 401 ``invalid_credentials`` for an unknown email and for a wrong
                password alike, 403 ``user_not_confirmed`` / ``password_reset_required``.
            ApiError: 403 ``challenge_required`` for a challenge this API does not answer
                (NEW_PASSWORD_REQUIRED).
        """
        result = self.idp.initiate_password_auth(request.email, request.password)
        if "AuthenticationResult" in result:
            return _token_set(result["AuthenticationResult"])
        challenge = str(result.get("ChallengeName", "unknown"))
        if challenge == "SOFTWARE_TOKEN_MFA" and result.get("Session"):
            return SignInChallenge(challenge="SOFTWARE_TOKEN_MFA", session=str(result["Session"]))
        raise ApiError(
            403,
            "challenge_required",
            f"Sign-in needs the {challenge} challenge, which this API does not answer; "
            "sign in through the hosted UI instead.",
        )

    def email_code_sign_in(self, request: EmailRequest) -> SignInChallenge:
        """Passwordless sign-in: Cognito emails a code (USER_AUTH, ``EMAIL_OTP``); answer it
        at :meth:`answer_challenge`.

        Every email gets the same answer: Cognito simulates the challenge for unknown users
        (PreventUserExistenceErrors), and the errors an account's state could cause are
        answered with a session no code passes.

        Raises:
            ApiError: 403 ``passwordless_disabled`` when the deployment has no SES identity
                (template parameter ``PasswordlessEmailSourceArn``).
            UpstreamError: 429; 5xx.
        """
        try:
            result = self.idp.initiate_email_otp(request.email)
        except UpstreamError as exc:
            if exc.code == "InvalidParameterException":
                raise ApiError(
                    403,
                    "passwordless_disabled",
                    "Sign-in with an emailed code is not enabled on this deployment.",
                ) from exc
            if exc.code not in _HIDDEN_EMAIL_CODE_ERRORS:
                raise
            logger.info("email-code sign-in answered generically", extra={"upstream": exc.code})
            import secrets

            return SignInChallenge(challenge="EMAIL_OTP", session=secrets.token_urlsafe(96))
        return SignInChallenge(challenge="EMAIL_OTP", session=str(result.get("Session", "")))

    def answer_challenge(self, request: ChallengeAnswer) -> TokenSet:
        """Answer a sign-in challenge (RespondToAuthChallenge) with its ``session``.

        Raises:
            UpstreamError: 400 ``code_mismatch`` (wrong, stale or reused code), 401
                ``invalid_session`` (unknown, expired or spent session, or an email that
                is not the session's: one answer for all, no account oracle), 429.
            ApiError: 403 ``challenge_required`` if Cognito asks for yet another step.
        """
        result = self.idp.respond_to_mfa_challenge(
            request.email, request.challenge, request.session, request.answer
        )
        if "AuthenticationResult" not in result:
            raise ApiError(
                403, "challenge_required", "Sign-in needs a further step this API does not answer."
            )
        return _token_set(result["AuthenticationResult"])

    # ------------------------------------------------------------ TOTP MFA (access token)

    def mfa_setup(self, access_token: str) -> MfaSetup:
        """Start TOTP setup: AssociateSoftwareToken -> the secret and its ``otpauth://`` URI.

        The URI follows Google Authenticator's "Key Uri Format" (label ``issuer:account``,
        ``secret``, ``issuer``; SHA1, 6 digits and 30 s are the defaults Cognito uses, so
        they are left out). MFA stays as it was until :meth:`mfa_verify`.

        Raises:
            UpstreamError: 401 ``invalid_token``; 429; 5xx.
        """
        account = _attributes(self.idp.get_user(access_token)).get("email", "")
        secret = str(self.idp.associate_software_token(access_token)["SecretCode"])
        return MfaSetup(secret_code=secret, otpauth_uri=otpauth_uri(secret, account))

    def mfa_verify(self, access_token: str, request: MfaVerifyRequest) -> MfaStatus:
        """After the password proof (:func:`~auth.reauthentication.check_proof`: whoever
        holds a token could otherwise lock the owner out behind their own authenticator),
        VerifySoftwareToken with the app's code, then SetUserMFAPreference (TOTP on,
        preferred): from the next sign-in on, a code is asked for.

        Raises:
            ApiError: 409 ``mfa_enabled`` when TOTP is already on (turn it off first, with
                its own proof); 401 ``reauthentication_required`` / ``invalid_credentials``.
            UpstreamError: 400 ``code_mismatch`` (wrong code or no setup started), 401
                ``invalid_token``, 429.
        """
        if totp_enabled(self.idp.get_user(access_token)):
            raise ApiError(
                409,
                "mfa_enabled",
                "An authenticator app is already on; turn MFA off first (DELETE /auth/mfa).",
            )
        self.check_proof(access_token, request.proof)
        verified = self.idp.verify_software_token(access_token, request.code, request.device_name)
        if verified.get("Status") != "SUCCESS":
            raise ApiError(400, "code_mismatch", "The code is wrong.")
        self.idp.set_totp_preference(access_token, True)
        return MfaStatus(totp_enabled=True)

    def mfa_disable(self, access_token: str, proof: Proof) -> MfaStatus:
        """After the proof (password and a current code), SetUserMFAPreference with TOTP
        off: sign-in asks for the password only.

        Raises:
            ApiError: 401 ``reauthentication_required`` / ``invalid_credentials``.
            UpstreamError: 401 ``invalid_token``; 429.
        """
        self.check_proof(access_token, proof)
        self.idp.set_totp_preference(access_token, False)
        return MfaStatus(totp_enabled=False)

    def token(self, grant: TokenRequest, cookie_refresh_token: str | None = None) -> TokenSet:
        """``POST /auth/token``: the authorization-code or the refresh-token grant.

        Args:
            grant: the parsed request.
            cookie_refresh_token: the refresh token from the cookie, used only when the
                request body has none (browser clients, docs/auth.md).

        Raises:
            ApiError: 400 ``invalid_request`` (no refresh token, wrong client_id),
                400 ``invalid_grant`` (redirect_uri not registered).
            UpstreamError: 400 ``invalid_grant`` and the other RFC 6749 section 5.2 codes,
                429, 500 (broker misconfigured), 502/503 (upstream failed or timed out).
        """
        if grant.client_id is not None and grant.client_id != self.settings.client_id:
            raise ApiError(400, "invalid_request", "client_id does not name this API's client.")
        if isinstance(grant, AuthorizationCodeGrant):
            return self.exchange_code(grant)
        refresh_token = grant.refresh_token or cookie_refresh_token
        if not refresh_token:
            raise ApiError(400, "invalid_request", "refresh_token is required.")
        return self.refresh(refresh_token)

    def exchange_code(self, grant: AuthorizationCodeGrant) -> TokenSet:
        """Exchange an authorization code + PKCE verifier at the hosted UI's ``/oauth2/token``
        (RFC 6749 section 4.1.3, RFC 7636 section 4.5), authenticating with the secret.

        The redirect URI must be one of the client's exact callback URLs (RFC 6749 section
        3.1.2; Cognito matches exactly), checked here before any upstream call.
        """
        if grant.redirect_uri not in self.settings.callback_urls:
            raise ApiError(
                400, "invalid_grant", "redirect_uri is not one of this client's callback URLs."
            )
        body = self.token_endpoint.request_tokens(
            {
                "grant_type": "authorization_code",
                "client_id": self.settings.client_id,
                "code": grant.code,
                "redirect_uri": grant.redirect_uri,
                "code_verifier": grant.code_verifier,
            }
        )
        try:
            return UpstreamTokenResponse.model_validate(body).to_token_set()
        except ValueError as exc:
            raise UpstreamError(OAUTH_TOKEN, UPSTREAM_BAD_RESPONSE) from exc

    def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens from a refresh token with GetTokensFromRefreshToken.

        The template enables refresh-token rotation, which Cognito completes only through
        this operation (API reference, RefreshTokenRotationType); the result carries a new
        refresh token and the used one stops working after the grace period.
        """
        result = self.idp.get_tokens_from_refresh_token(refresh_token)
        return _token_set(result["AuthenticationResult"])

    def sign_out(
        self,
        refresh_token: str | None,
        access_token: str | None,
        session_access_token: str | None = None,
    ) -> SignedOut:
        """Sign out, on Cognito and on this API.

        - With ``access_token`` (the Bearer header): GlobalSignOut, then a record that
          revokes every access token of the user issued until now ("everywhere").
        - With ``session_access_token`` (the body's ``access_token``): GetUser checks it,
          then a record revokes its session (its ``origin_jti`` family) only.
        - With ``refresh_token``: RevokeToken (RFC 7009).

        Cognito alone would leave the access tokens working on API Gateway's authorizer
        until they expire; the records (:mod:`shared.revocation`) are what the photo
        handlers check. GlobalSignOut and GetUser run first: RevokeToken also revokes the
        access tokens issued with the refresh token (API reference, RevokeToken), after
        which Cognito refuses them. The token's claims are read only after Cognito has
        accepted it. An expired or already signed-out access token does not fail the
        request when a refresh token comes too: it is still revoked, and
        ``signed_out_everywhere`` is false.

        Raises:
            ApiError: 400 ``invalid_request`` when neither token comes.
            UpstreamError: 401 ``invalid_token`` for an invalid access token sent alone;
                400 ``unsupported_token_type`` / ``invalid_grant`` from RevokeToken; 429;
                5xx (including a failed record write).
        """
        if not refresh_token and not access_token:
            raise ApiError(
                400,
                "invalid_request",
                "Send a refresh_token, a Bearer access token in Authorization, or both.",
            )
        everywhere = False
        if access_token:
            try:
                self.idp.global_sign_out(access_token)
                everywhere = True
            except UpstreamError as exc:
                if exc.code != "NotAuthorizedException" or not refresh_token:
                    raise
            if everywhere:
                self._record(access_token, everywhere=True)
        if session_access_token and not everywhere:
            try:
                self.idp.get_user(session_access_token)
            except UpstreamError as exc:
                # Expired or already revoked: nothing left for this API to refuse early.
                if exc.code != "NotAuthorizedException":
                    raise
            else:
                self._record(session_access_token, everywhere=False)
        if refresh_token:
            self.idp.revoke_token(refresh_token)
        return SignedOut(
            refresh_token_revoked=bool(refresh_token), signed_out_everywhere=everywhere
        )

    def _record(self, access_token: str, *, everywhere: bool, ahead_seconds: int = 0) -> None:
        """Write the sign-out record for an access token Cognito has just accepted."""
        records = self.revocations
        if records is None:
            return
        claims = _claims_of_accepted_token(access_token)
        sub, origin_jti = claims.get("sub"), claims.get("origin_jti")
        if not isinstance(sub, str) or not sub:
            return
        if not isinstance(origin_jti, str) or not origin_jti:
            origin_jti = None
            if not everywhere:
                # No family to revoke (an emulator without origin_jti): the photo
                # handlers then refuse this session's token only after it expires.
                logger.warning("access token has no origin_jti; session not recorded")
                return
        if ahead_seconds:
            records.record(
                sub, origin_jti=origin_jti, everywhere=everywhere, ahead_seconds=ahead_seconds
            )
        else:
            records.record(sub, origin_jti=origin_jti, everywhere=everywhere)

    # ------------------------------------------------------------ the account (access token)

    def account(self, access_token: str) -> Account:
        """GetUser as the contract's profile.

        Raises:
            UpstreamError: 401 ``invalid_token`` (expired, revoked, deleted user); 429.
        """
        user = self.idp.get_user(access_token)
        attributes = _attributes(user)
        return Account(
            email=attributes.get("email", ""),
            email_verified=attributes.get("email_verified") == "true",
            name=attributes.get("name"),
            totp_enabled="SOFTWARE_TOKEN_MFA" in (user.get("UserMFASettingList") or []),
        )

    def update_account(self, access_token: str, request: AccountUpdate) -> Account:
        """UpdateUserAttributes ``name``, then the profile.

        Raises:
            UpstreamError: 401 ``invalid_token``; 400 ``invalid_request``; 429.
        """
        self.idp.update_user_attributes(access_token, {"name": request.name})
        return self.account(access_token)

    def change_password(self, access_token: str, request: ChangePasswordRequest) -> PasswordChanged:
        """ChangePassword, after GetUser has checked the token (so that Cognito's
        NotAuthorizedException can only mean a wrong current password).

        Raises:
            UpstreamError: 401 ``invalid_token``; 400 ``invalid_credentials`` (wrong
                current password) / ``invalid_password`` (policy); 429 (lockout).
        """
        self.idp.get_user(access_token)
        self.idp.change_password(access_token, request.previous_password, request.proposed_password)
        return PasswordChanged()

    def change_email(self, access_token: str, request: ChangeEmailRequest) -> CodeSent:
        """After the proof, UpdateUserAttributes ``email``: a code goes to the new address; the old one
        stays the sign-in name until :meth:`verify_email` (the pool's
        ``AttributesRequireVerificationBeforeUpdate``).

        An address another account uses gets the same answer, and no code (OWASP ASVS 5.0
        section 6.3.8: no account oracle, even for signed-in users).

        Raises:
            ApiError: 401 ``reauthentication_required`` / ``invalid_credentials``.
            UpstreamError: 401 ``invalid_token``; 429.
        """
        self.check_proof(access_token, request.proof)
        try:
            self.idp.update_user_attributes(access_token, {"email": request.email})
        except UpstreamError as exc:
            if exc.code not in _HIDDEN_SIGN_UP_ERRORS:
                raise
            logger.info("email change answered generically", extra={"upstream": exc.code})
        return CodeSent(code_delivery=_masked_delivery(request.email))

    def verify_email(self, access_token: str, request: CodeRequest) -> Account:
        """VerifyUserAttribute ``email``: the new address becomes the sign-in name.

        Raises:
            UpstreamError: 400 ``code_mismatch`` / ``expired_code``; 401
                ``invalid_token``; 409 ``user_exists`` (taken meanwhile); 429.
        """
        self.idp.verify_user_attribute(access_token, "email", request.code)
        return self.account(access_token)

    def delete_account(self, access_token: str, proof: Proof) -> AccountDeleted:
        """Delete the account and everything of it, in an order that never leaves an
        account deleted with its photos still stored:

        1. the proof (:meth:`check_proof`) checks the token and the user, and gives the
           user's ``sub``;
        2. the sign-out record revokes, on the photo routes, every access token of the user
           issued up to the end of this second (so no upload can race the next step);
        3. every photo row of the ``sub`` is deleted (idempotent; the table's stream
           purges each S3 object, as for a single photo delete);
        4. DeleteUser, which also ends the user's sessions at Cognito.

        A failure at any step leaves the account in place, and a retry finishes the job.
        A second delete answers 401 ``invalid_token`` (the user is gone).

        Raises:
            ApiError: 401 ``reauthentication_required`` / ``invalid_credentials``.
            UpstreamError: 401 ``invalid_token``; 429; 5xx.
        """
        user = self.check_proof(access_token, proof)
        sub = _attributes(user).get("sub") or str(user.get("Username", ""))
        self._record(access_token, everywhere=True, ahead_seconds=1)
        photos = self.photos
        deleted = photos.delete_all(sub) if photos is not None else 0
        self.idp.delete_user(access_token)
        return AccountDeleted(photos_deleted=deleted)

    def check_proof(self, access_token: str, proof: Proof) -> dict[str, Any]:
        """The fresh proof of identity of every sensitive route (one function, so that a
        wrong proof can be counted with wrong sign-ins): see
        :func:`auth.reauthentication.check_proof`; returns GetUser's response."""
        return check_proof(self.idp, access_token, proof)

    def refresh_token_max_age(self) -> int:
        """The refresh token's lifetime in seconds (the cookie's ``Max-Age``)."""
        return self.idp.refresh_token_validity_seconds


_HIDDEN_FORGOT_PASSWORD_ERRORS = frozenset(
    {"UserNotFoundException", "InvalidParameterException", "NotAuthorizedException"}
)


_HIDDEN_RESEND_ERRORS = _HIDDEN_FORGOT_PASSWORD_ERRORS
_HIDDEN_SIGN_UP_ERRORS = frozenset({"UsernameExistsException", "AliasExistsException"})
_HIDDEN_EMAIL_CODE_ERRORS = frozenset(
    {"UserNotFoundException", "NotAuthorizedException", "UserNotConfirmedException"}
)


def _claims_of_accepted_token(access_token: str) -> dict[str, Any]:
    """The payload of an access token that Cognito has *just accepted* (GlobalSignOut or
    GetUser succeeded), so its signature needs no second check here. PyJWT is imported
    only on this path (sign-out), not at every broker cold start."""
    import jwt

    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims if isinstance(claims, dict) else {}


def _attributes(user: dict[str, Any]) -> dict[str, str]:
    """GetUser's ``UserAttributes`` list as a dict."""
    return {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}


#: The issuer an authenticator app shows next to the account.
TOTP_ISSUER = "Moments"


def otpauth_uri(secret: str, account: str, issuer: str = TOTP_ISSUER) -> str:
    """``otpauth://totp/<issuer>:<account>?secret=<secret>&issuer=<issuer>`` (Google
    Authenticator wiki, "Key Uri Format"; label and parameters percent-encoded)."""
    from urllib.parse import quote, urlencode

    label = quote(f"{issuer}:{account}", safe="@:")
    return f"otpauth://totp/{label}?" + urlencode(
        {"secret": secret, "issuer": issuer}, quote_via=quote
    )


def _masked_delivery(email: str) -> CodeDelivery:
    """Where the code went, computed from the request alone so that every account state
    gives a byte-identical body."""
    return CodeDelivery(destination=mask_email(email), medium="EMAIL")


def _token_set(result: dict[str, Any]) -> TokenSet:
    """A Cognito ``AuthenticationResult`` as the contract's token response."""
    return TokenSet(
        access_token=result["AccessToken"],
        id_token=result.get("IdToken"),
        refresh_token=result.get("RefreshToken"),
        expires_in=int(result["ExpiresIn"]),
    )


@cache
def get_service() -> AuthService:
    """The container's :class:`AuthService` with production adapters (built once)."""
    return AuthService(load_settings())


def _prime_cognito() -> None:
    """Load the cognito-idp model into boto3's default session (SnapStart's snapshot
    keeps it); the service and its client are made after the restore."""
    import boto3

    boto3.client("cognito-idp")


# SnapStart (shared.snapstart): the service holds a client, the client secret and HTTP
# connections; after a restore it is rebuilt on first use.
def _refresh_clients() -> None:
    get_service.cache_clear()
    dynamodb_client.cache_clear()


snapstart.register(prime=_prime_cognito, refresh=_refresh_clients)
