"""The local Cognito: the gaps between moto 5.2.5's cognito-idp and Amazon Cognito that
Moments relies on, closed.

:func:`install` patches moto's in-process backend (``moto.cognitoidp.models``) and its
JSON handlers (``moto.cognitoidp.responses.CognitoIdpResponse``) once per process. It works
the same for ``mock_aws`` in tests and for the ``ThreadedMotoServer`` the local stack runs.

Where to look: :data:`local_stack.cognito.patch_table.PATCHES` maps every patched Cognito
operation to its function; each module is named after the behaviour it emulates
(``sign_up``, ``forgot_password``, ``sign_in``, ``user_srp_auth`` + ``srp``, ``totp``,
``email_otp``, ``sign_out``, ``account``, ``tokens``, ``signing``, ``codes``, ``lockout``,
``rules``, ``ids``, ``json_handlers``), with the state in ``state``, errors in ``errors``,
the dev inbox in ``inbox``, persistence in ``saved_state`` and the hosted UI's needs in
``oauth_grants``. The hosted-UI stand-in itself is :mod:`local_stack.cognito.hosted_ui`.

What changes (moto's behaviour → what Cognito does, and what this module now does):

* SignUp / ResendConfirmationCode: no code sent, any code accepted → a random 6-digit code
  (``secrets``) goes to the dev :class:`~local_stack.cognito.inbox.Inbox`; ConfirmSignUp accepts only
  the latest code, for 24 hours (Cognito developer guide, "Signing up and confirming user
  accounts": confirmation codes are valid for 24 hours). ResendConfirmationCode is added.
* ForgotPassword / ConfirmForgotPassword: code in a moto-only header, any code accepted →
  a real code in the inbox, valid 1 hour ("Forgot password", Cognito developer guide); the
  new password must meet the pool's password policy (InvalidPasswordException).
* RevokeToken and GetTokensFromRefreshToken are added (moto answers 500). Revocation
  covers the whole refresh-token family and the access tokens it issued (API reference,
  RevokeToken). Rotation follows the client's ``RefreshTokenRotation`` (API reference,
  RefreshTokenRotationType: the old token lives ``RetryGracePeriodSeconds``, 0-60 s).
* Token lifetimes come from the client (``AccessTokenValidity`` / ``IdTokenValidity`` /
  ``RefreshTokenValidity`` with ``TokenValidityUnits``; moto always uses 1 h and refresh
  tokens never expire). Access tokens carry ``scope``; ID tokens carry the user's
  attributes (``email``, boolean ``email_verified``, ...).
* SECRET_HASH is checked when the client has a secret (moto ignores it), with Cognito's
  messages. ``PreventUserExistenceErrors=ENABLED`` hides unknown users (Cognito developer
  guide, "Managing user existence error responses").
* GlobalSignOut revokes every refresh token of the user, however the user signed in (moto
  compares the sign-in name as typed), whichever flow issued the access token (password
  sign-in or the hosted UI's code grant). GlobalSignOut and GetUser refuse an access token
  that is revoked, expired or lacks the ``aws.cognito.signin.user.admin`` scope, with
  Cognito's messages (moto accepts any live token and echoes the token in its error).
  Usernames are case-insensitive when the pool says
  ``UsernameConfiguration.CaseSensitive: false``. Password-policy errors name the rule.
* Every auth flow (InitiateAuth, AdminInitiateAuth) is checked against the client's
  ``ExplicitAuthFlows`` (``rules.check_flow_allowed``). ``USER_SRP_AUTH`` is real SRP
  (:mod:`local_stack.cognito.srp`): moto answered a fake challenge and accepted any proof.
  Errors never echo the username, and unknown users look like wrong passwords in every
  flow under ``PreventUserExistenceErrors`` (developer guide, "Managing user existence
  error responses").
* Lockouts (moto has none): wrong passwords lock the user out as Cognito does
  (:data:`PASSWORD_FAILURES_BEFORE_LOCKOUT`), wrong codes hit ``LimitExceededException``
  (:data:`CODE_FAILURES_BEFORE_LIMIT`).
* Tokens have Cognito's header (a real ``kid``, no ``typ``) and claims (``event_id``,
  ``origin_jti``, ``version``, ``at_hash`` from the code grant); pool and client ids have
  Cognito's formats (``ids``).
* TOTP MFA (moto hands every user one fixed secret and, unless an env var says otherwise,
  accepts any code): AssociateSoftwareToken gives each user a random secret,
  VerifySoftwareToken and the ``SOFTWARE_TOKEN_MFA`` challenge check RFC 6238 codes (±1
  step, never the same step twice), the challenge's Session lives the client's
  ``AuthSessionValidity`` and takes :data:`MFA_ANSWERS_PER_SESSION` wrong answers
  (``totp``). SetUserMFAPreference checks the token.
* Account self-service (moto lacks VerifyUserAttribute and DeleteUser, and its
  UpdateUserAttributes / ChangePassword skip Cognito's rules): UpdateUserAttributes of
  ``email`` honours ``UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate``
  (the old email stays the sign-in name until VerifyUserAttribute takes the code sent to
  the new one), ChangePassword counts towards the lockout, DeleteUser signs the user out
  and forgets them (``account``).
* Choice-based sign-in (moto has no ``USER_AUTH``): ``USER_AUTH`` with
  ``PREFERRED_CHALLENGE: EMAIL_OTP`` mails an 8-digit code (kind ``sign_in``) and answers
  an ``EMAIL_OTP`` challenge; the pool's ``SignInPolicy.AllowedFirstAuthFactors`` must list
  ``EMAIL_OTP`` (``email_otp``). ``PREFERRED_CHALLENGE: WEB_AUTHN`` is passkey sign-in
  (``user_auth``); without a preferred challenge the answer is ``SELECT_CHALLENGE`` with
  ``AvailableChallenges`` (``select_challenge``). A user with TOTP MFA gets no passwordless
  first factor.
* Passkeys (moto has no WebAuthn operations): Start/CompleteWebAuthnRegistration,
  ListWebAuthnCredentials, DeleteWebAuthnCredential and the pool's
  ``WebAuthnConfiguration``, every ceremony verified by py_webauthn (``webauthn``).
* All added state is in ``state.PoolState``, one plain-data object per pool.

Helpers for the hosted-UI stand-in (``oauth_grants``, exported here):
:func:`find_user_pool`, :func:`password_sign_in`, :func:`issue_tokens`,
:func:`refresh`, :func:`revoke_refresh_token`, :func:`user_for_access_token`,
:func:`public_jwks`, :func:`issuer`, :func:`now`. They mint tokens with moto's own key
and issuer, so the API's authorizer accepts them. Tests that share a process with suites
expecting plain moto call :func:`uninstall` afterwards.

Never log codes, passwords, secrets or tokens here: the inbox is the only place a code is
shown, on purpose.
"""

from local_stack.cognito.codes import CODE_FAILURES_BEFORE_LIMIT
from local_stack.cognito.lockout import PASSWORD_FAILURES_BEFORE_LOCKOUT
from local_stack.cognito.oauth_grants import (
    TokenSet,
    find_user_pool,
    granted_scopes,
    issue_tokens,
    password_sign_in,
    refresh,
    user_for_access_token,
)
from local_stack.cognito.patch_table import install, uninstall
from local_stack.cognito.rules import same_secret
from local_stack.cognito.saved_state import export_state, import_state
from local_stack.cognito.signing import KEY_ID, issuer, public_jwks
from local_stack.cognito.state import DEFAULT_SCOPE
from local_stack.cognito.state import clock as now
from local_stack.cognito.tokens import revoke_refresh_token
from local_stack.cognito.totp import MFA_ANSWERS_PER_SESSION

__all__ = [
    "CODE_FAILURES_BEFORE_LIMIT",
    "DEFAULT_SCOPE",
    "KEY_ID",
    "MFA_ANSWERS_PER_SESSION",
    "PASSWORD_FAILURES_BEFORE_LOCKOUT",
    "TokenSet",
    "export_state",
    "find_user_pool",
    "granted_scopes",
    "import_state",
    "install",
    "issue_tokens",
    "issuer",
    "now",
    "password_sign_in",
    "public_jwks",
    "refresh",
    "revoke_refresh_token",
    "same_secret",
    "uninstall",
    "user_for_access_token",
]
