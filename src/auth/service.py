"""The auth broker's logic: sign-up, sign-in, token exchange and refresh, resets; with
sign-out (:mod:`auth.sessions`), the signed-in account (:mod:`auth.account`) and its
passkeys (:mod:`auth.passkeys`) mixed in.

Knows no HTTP. :class:`AuthService` takes its two adapters as parameters; the defaults are
the production ones from :mod:`auth.cognito`, built on first use. Upstream failures arrive
as :class:`auth.errors.UpstreamError` (the upstream's operation and error name); this
module only catches the few whose handling is a product rule, each commented with its
source, and raises :class:`auth.errors.BrokerError` kinds for its own refusals. The
statuses noted under "Raises" are what ``auth.errors.ERRORS`` answers at the edge.
"""

from __future__ import annotations

from functools import cache

from auth.attempts import CODE_DELIVERY, CONFIRM, RESET_PASSWORD, SIGN_IN
from auth.cognito import dynamodb_client
from auth.config import load_settings
from auth.core import HIDDEN_SIGN_UP_ERRORS, HIDDEN_USER_AUTH_ERRORS, logger, masked_delivery
from auth.errors import (
    OAUTH_TOKEN,
    UPSTREAM_BAD_RESPONSE,
    ChallengeRequired,
    InvalidGrant,
    InvalidRequest,
    PasswordlessDisabled,
    PasswordRejected,
    UpstreamError,
)
from auth.models import (
    AuthorizationCodeGrant,
    CodeSent,
    Confirmed,
    ConfirmRequest,
    EmailRequest,
    PasswordReset,
    ResetPasswordRequest,
    SignInChallenge,
    SignInRequest,
    SignUpRequest,
    SignUpResult,
    TokenRequest,
    TokenSet,
    UpstreamTokenResponse,
)
from auth.passkeys import PasskeyOperations
from auth.sessions import token_set
from auth.sign_in_choice import SignInChoice
from shared import snapstart


class AuthService(SignInChoice, PasskeyOperations):
    """The broker's operations; each raises :class:`UpstreamError` or a
    :class:`~auth.errors.BrokerError` kind, answered by ``auth.errors.ERRORS``.

    Args:
        settings: the broker's configuration.
        idp: the cognito-idp adapter; defaults to :class:`CognitoIdentityProvider`.
        token_endpoint: the ``/oauth2/token`` adapter; defaults to
            :class:`HostedUiTokenClient`, which reads the secret from ``idp``.
        revocations: the sign-out records (:class:`auth.revocations.RevocationTable`).
        photos: the photo rows (:class:`auth.account_data.PhotoRows`).
        attempts: the attempt counter (:class:`auth.attempts.AttemptCounter`).

    The constructor and the adapters are :class:`auth.core.ServiceCore`'s; tokens and
    sign-out are :class:`auth.sessions.Sessions`'s, the signed-in account's operations
    :class:`auth.account.AccountOperations`'s, its passkeys
    :class:`auth.passkeys.PasskeyOperations`'s, passkey and choice-based sign-in
    :class:`auth.sign_in_choice.SignInChoice`'s.
    """

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
            if exc.code not in HIDDEN_SIGN_UP_ERRORS:
                raise
            logger.info("sign-up answered generically", extra={"upstream": exc.code})
        return SignUpResult(code_delivery=masked_delivery(request.email))

    def confirm(self, request: ConfirmRequest) -> Confirmed:
        """Confirm a sign-up with the emailed code.

        Raises:
            TooManyAttempts: 429 over the email's attempt limit (:mod:`auth.attempts`),
                checked before Cognito is called.
            UpstreamError: 400 ``code_mismatch`` with one sentence for a wrong or expired
                code, an unknown email and an already confirmed account alike; 429.
        """
        with self.attempt(CONFIRM, request.email):
            self.idp.confirm_sign_up(request.email, request.code)
        self._succeeded(CONFIRM, request.email)
        return Confirmed()

    def resend_code(self, request: EmailRequest) -> CodeSent:
        """Send a new confirmation code.

        Unknown emails get the same answer as known ones: with PreventUserExistenceErrors
        Cognito simulates success for them (Cognito guide, "Managing error responses").
        An already confirmed account (``InvalidParameterException`` "User is already
        confirmed.") and a disabled one (``NotAuthorizedException``) get it too. Counted
        in :data:`~auth.attempts.CODE_DELIVERY` before Cognito is called, so Cognito's
        limit on code emails (real accounts only) is never reached through the broker.

        Raises:
            TooManyAttempts: 429 over the email's code-delivery limit (the same for every
                email), or Cognito's ``LimitExceededException``.
            UpstreamError: 429 ``too_many_requests``, 5xx.
        """
        try:
            with self.attempt(CODE_DELIVERY, request.email):
                self.idp.resend_confirmation_code(request.email)
        except UpstreamError as exc:
            if exc.code not in _HIDDEN_RESEND_ERRORS:
                raise
            logger.info("resend-code answered generically", extra={"upstream": exc.code})
        return CodeSent(code_delivery=masked_delivery(request.email))

    def forgot_password(self, request: EmailRequest) -> CodeSent:
        """Email a password-reset code; the answer is identical for known and unknown emails.

        ``UserNotFoundException`` (moto, or PreventUserExistenceErrors off) and the errors
        Cognito gives for accounts that cannot reset (unverified email:
        ``InvalidParameterException``; disabled: ``NotAuthorizedException``) are logged by
        name and answered like a success, so the route cannot enumerate accounts. Counted
        with resend-code in :data:`~auth.attempts.CODE_DELIVERY`, before Cognito.

        Raises:
            TooManyAttempts: 429 over the email's code-delivery limit, or Cognito's
                ``LimitExceededException``.
            UpstreamError: 429 ``too_many_requests``, 5xx.
        """
        try:
            with self.attempt(CODE_DELIVERY, request.email):
                self.idp.forgot_password(request.email)
        except UpstreamError as exc:
            if exc.code not in _HIDDEN_FORGOT_PASSWORD_ERRORS:
                raise
            logger.info("forgot-password answered generically", extra={"upstream": exc.code})
        return CodeSent(code_delivery=masked_delivery(request.email))

    def reset_password(self, request: ResetPasswordRequest) -> PasswordReset:
        """Set a new password with the emailed reset code (ConfirmForgotPassword).

        Raises:
            TooManyAttempts: 429 over the email's attempt limit (:mod:`auth.attempts`),
                checked before Cognito is called.
            UpstreamError: 400 ``code_mismatch`` with one sentence for a wrong or expired
                code, an unknown email and an account with no pending reset alike;
                400 ``invalid_password``; 429.
        """
        self._check_password(request.password)
        with self.attempt(RESET_PASSWORD, request.email):
            self.idp.confirm_forgot_password(request.email, request.code, request.password)
        self._succeeded(RESET_PASSWORD, request.email)
        return PasswordReset()

    def _check_password(self, password: str) -> None:
        """400 ``invalid_password`` before any Cognito call (:mod:`auth.password_policy`:
        Cognito's own check comes after its account lookup on sign-up)."""
        policy = self.settings.password_policy
        if not policy.allows(password):
            raise PasswordRejected(policy.describe())

    # ------------------------------------------------------------ tokens

    def sign_in(self, request: SignInRequest) -> TokenSet | SignInChallenge:
        """USER_PASSWORD_AUTH sign-in (first-party clients; see docs/auth.md).

        Returns:
            The tokens, or, for a user with TOTP MFA on, a :class:`SignInChallenge` to
            answer with :meth:`answer_challenge` (only a right password gets that far, so
            the challenge reveals nothing about who has an account).

        Raises:
            TooManyAttempts: 429 over the email's attempt limit (:mod:`auth.attempts`),
                checked before Cognito is called.
            UpstreamError: 401 ``invalid_credentials`` for an unknown email and for a wrong
                password alike, 403 ``user_not_confirmed`` / ``password_reset_required``.
            ChallengeRequired: (403 ``challenge_required``) for a challenge this API does not answer
                (NEW_PASSWORD_REQUIRED).
        """
        with self.attempt(SIGN_IN, request.email):
            result = self.idp.initiate_password_auth(request.email, request.password)
        if "AuthenticationResult" in result:
            tokens = self._issued(token_set(result["AuthenticationResult"]))
            self._succeeded(SIGN_IN, request.email)
            return tokens
        challenge = str(result.get("ChallengeName", "unknown"))
        if challenge == "SOFTWARE_TOKEN_MFA" and result.get("Session"):
            return SignInChallenge(challenge="SOFTWARE_TOKEN_MFA", session=str(result["Session"]))
        raise ChallengeRequired(
            f"Sign-in needs the {challenge} challenge, which this API does not answer; "
            "sign in through the hosted UI instead."
        )

    def email_code_sign_in(self, request: EmailRequest) -> SignInChallenge:
        """Passwordless sign-in: Cognito emails a code (USER_AUTH, ``EMAIL_OTP``); answer it
        at :meth:`answer_challenge`.

        Every email gets the same answer: Cognito simulates the challenge for unknown users
        (PreventUserExistenceErrors), and the errors an account's state could cause are
        answered with an ``EMAIL_OTP`` decoy session (:mod:`auth.sign_in_choice`: it takes
        wrong codes and expires as Cognito's session does, and no code passes it).

        Raises:
            TooManyAttempts: (429) over the email's attempt limit (:mod:`auth.attempts`),
                checked before Cognito is called.
            PasswordlessDisabled: (403) when the deployment has no SES identity
                (template parameter ``PasswordlessEmailSourceArn``).
            UpstreamError: 429; 5xx.
        """
        try:
            with self.attempt(SIGN_IN, request.email):
                result = self.idp.initiate_email_otp(request.email)
        except UpstreamError as exc:
            if exc.code == "InvalidParameterException":
                raise PasswordlessDisabled() from exc
            if exc.code not in HIDDEN_USER_AUTH_ERRORS:
                raise
            logger.info("email-code sign-in answered generically", extra={"upstream": exc.code})
            return SignInChallenge(
                challenge="EMAIL_OTP", session=self.new_decoy_session("EMAIL_OTP")
            )
        if result.get("ChallengeName") != "EMAIL_OTP" or not result.get("Session"):
            # Another answer (SELECT_CHALLENGE, another challenge) is refused like an
            # account-state error: a decoy, never a session for another challenge.
            logger.info("email-code sign-in answered with a decoy", extra={"upstream": "other"})
            return SignInChallenge(
                challenge="EMAIL_OTP", session=self.new_decoy_session("EMAIL_OTP")
            )
        return SignInChallenge(challenge="EMAIL_OTP", session=str(result["Session"]))

    def token(self, grant: TokenRequest, cookie_refresh_token: str | None = None) -> TokenSet:
        """``POST /auth/token``: the authorization-code or the refresh-token grant.

        Args:
            grant: the parsed request.
            cookie_refresh_token: the refresh token from the cookie, used only when the
                request body has none (browser clients, docs/auth.md).

        Raises:
            InvalidRequest: (400) no refresh token, wrong client_id.
            InvalidGrant: (400) redirect_uri not registered.
            UpstreamError: 400 ``invalid_grant`` and the other RFC 6749 section 5.2 codes,
                429, 500 (broker misconfigured), 502/503 (upstream failed or timed out).
        """
        if grant.client_id is not None and grant.client_id != self.settings.client_id:
            raise InvalidRequest("client_id does not name this API's client.")
        if isinstance(grant, AuthorizationCodeGrant):
            return self.exchange_code(grant)
        refresh_token = grant.refresh_token or cookie_refresh_token
        if not refresh_token:
            raise InvalidRequest("refresh_token is required.")
        return self.refresh(refresh_token)

    def exchange_code(self, grant: AuthorizationCodeGrant) -> TokenSet:
        """Exchange an authorization code + PKCE verifier at the hosted UI's ``/oauth2/token``
        (RFC 6749 section 4.1.3, RFC 7636 section 4.5), authenticating with the secret.

        The redirect URI must be one of the client's exact callback URLs (RFC 6749 section
        3.1.2; Cognito matches exactly), checked here before any upstream call.
        """
        if grant.redirect_uri not in self.settings.callback_urls:
            raise InvalidGrant("redirect_uri is not one of this client's callback URLs.")
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
            tokens = UpstreamTokenResponse.model_validate(body).to_token_set()
        except ValueError as exc:
            raise UpstreamError(OAUTH_TOKEN, UPSTREAM_BAD_RESPONSE) from exc
        return self._issued(tokens)

    def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens from a refresh token with GetTokensFromRefreshToken.

        The template enables refresh-token rotation, which Cognito completes only through
        this operation (API reference, RefreshTokenRotationType); the result carries a new
        refresh token and the used one stops working after the grace period.
        """
        result = self.idp.get_tokens_from_refresh_token(refresh_token)
        return self._issued(token_set(result["AuthenticationResult"]))


_HIDDEN_FORGOT_PASSWORD_ERRORS = frozenset(
    {"UserNotFoundException", "InvalidParameterException", "NotAuthorizedException"}
)


_HIDDEN_RESEND_ERRORS = _HIDDEN_FORGOT_PASSWORD_ERRORS


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
