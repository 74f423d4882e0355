"""Choice-based sign-in (Cognito's ``USER_AUTH`` flow): passkey sign-in, the offer of first
factors, and the answers to their challenges; the third part of :class:`auth.service.AuthService`.

Sources: Cognito developer guide, "Authentication flows" (choice-based sign-in,
``PREFERRED_CHALLENGE``, ``SELECT_CHALLENGE``) and "Passkey sign-in"; API reference,
InitiateAuth and RespondToAuthChallenge (``WEB_AUTHN``: ``CREDENTIAL`` is the W3C
AuthenticationResponseJSON as a string; ``SELECT_CHALLENGE``: ``ANSWER`` and, for
``PASSWORD``, ``PASSWORD``).

No account oracle (OWASP ASVS 5.0 6.3.8): every email gets the same status and body shape.
Cognito itself answers unknown users with simulated challenges (PreventUserExistenceErrors);
where it answers anything else (an error an account's state causes, another challenge),
the broker answers a *decoy*: a session only the broker recognises (:func:`decoy_session`,
so answering it is refused as a wrong answer, not as a bad session) and, for passkeys,
request options whose one allowed credential id is an HMAC of the email (stable per email).

Cognito's ``AvailableChallenges`` tell an account's state (a user with TOTP MFA gets no
passwordless factor, only a user with a passkey gets ``WEB_AUTHN``; "Managing user
existence error responses" covers unknown users only), so the offer is the deployment's
(:attr:`auth.cognito.CognitoIdentityProvider.first_auth_factors`), the same for every
email, and a choice Cognito did not offer that user gets a decoy of the chosen challenge.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from auth.attempts import SIGN_IN
from auth.cognito import derived_key
from auth.core import logger
from auth.errors import (
    LOCKOUT_MESSAGE,
    ChallengeRequired,
    CodeMismatch,
    PasskeysDisabled,
    RefusedAnswer,
    UpstreamError,
)
from auth.models import (
    FIRST_FACTORS,
    CodeAnswer,
    EmailRequest,
    PasskeyAnswer,
    PasskeyChallenge,
    SelectAnswer,
    SelectChallenge,
    SignInChallenge,
    TokenSet,
)
from auth.sessions import Sessions, token_set

#: The purpose of the key that makes decoy sessions and credential ids
#: (:func:`auth.cognito.derived_key`).
DECOY_KEY = "sign_in_decoy"
#: Cognito's answers to InitiateAuth USER_AUTH that an account's state causes (unknown
#: with PreventUserExistenceErrors off, disabled, unconfirmed, reset pending): answered
#: with a decoy.
HIDDEN_USER_AUTH_ERRORS = frozenset(
    {
        "UserNotFoundException",
        "NotAuthorizedException",
        "UserNotConfirmedException",
        "PasswordResetRequiredException",
    }
)
#: A decoy's bytes: 72 random + a 24-byte tag, 128 base64url characters like a session
#: of the local Cognito (Cognito documents 20 to 2048).
_NONCE_BYTES, _TAG_BYTES = 72, 24
#: A decoy credential id: 16 bytes, the length the local Cognito's simulated ids and
#: common platform authenticators use (W3C WebAuthn allows 16 to 1023).
_DECOY_ID_BYTES = 16
#: The decoy WebAuthn challenge: 64 random bytes, py_webauthn's default (the local
#: Cognito's); W3C WebAuthn §13.4.3 asks for at least 16.
_CHALLENGE_BYTES = 64
_REFUSED_PASSKEY = "The passkey was not accepted."
_REFUSED_PASSWORD = "The email or password is wrong."


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 4648 section 5; W3C WebAuthn's JSON encoding)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def decoy_session(key: bytes) -> str:
    """A session Cognito never issued: random, tagged with ``HMAC_SHA256(key, nonce)`` so
    that :func:`is_decoy` knows it and nobody else can tell it from a real one."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return b64url(nonce + hmac.new(key, nonce, hashlib.sha256).digest()[:_TAG_BYTES])


def is_decoy(key: bytes, session: str) -> bool:
    """Whether ``session`` came from :func:`decoy_session` with ``key``."""
    try:
        raw = base64.urlsafe_b64decode(session + "=" * (-len(session) % 4))
    except ValueError:
        return False
    if len(raw) != _NONCE_BYTES + _TAG_BYTES:
        return False
    nonce, tag = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    return hmac.compare_digest(tag, hmac.new(key, nonce, hashlib.sha256).digest()[:_TAG_BYTES])


def refusal(exc: UpstreamError, sentence: str) -> UpstreamError | RefusedAnswer:
    """RespondToAuthChallenge's ``NotAuthorizedException`` is Cognito's answer both to a
    bad session ("Invalid session for the user, session is expired.") and to a wrong
    answer ("Incorrect username or password."); the first stays ``invalid_session``, the
    lockout stays 429, any other is a :class:`RefusedAnswer` (401 ``invalid_credentials``)."""
    message = (exc.message or "").lower()
    if (
        exc.code != "NotAuthorizedException"
        or "session" in message
        or LOCKOUT_MESSAGE.lower() in message
    ):
        return exc
    return RefusedAnswer(sentence)


class SignInChoice(Sessions):
    """Passkey and choice-based sign-in, mixed into :class:`auth.service.AuthService`."""

    @property
    def _decoy_key(self) -> bytes:
        return derived_key(self.idp.client_secret, DECOY_KEY)

    def passkey_sign_in(self, request: EmailRequest) -> PasskeyChallenge:
        """Step one of passkey sign-in: InitiateAuth USER_AUTH, ``PREFERRED_CHALLENGE:
        WEB_AUTHN`` -> the ``WEB_AUTHN`` challenge's options and session. Not counted by
        the attempt counter (nothing is sent; the answer is counted).

        Raises:
            PasskeysDisabled: (403 ``passkeys_disabled``) the pool does not allow
                ``WEB_AUTHN`` (Cognito's ``InvalidParameterException``).
            UpstreamError: 429, 5xx.
        """
        try:
            result = self.idp.initiate_user_auth(request.email, "WEB_AUTHN")
        except UpstreamError as exc:
            if exc.code == "InvalidParameterException":
                raise PasskeysDisabled() from exc
            if exc.code not in HIDDEN_USER_AUTH_ERRORS:
                raise
            result = {"ChallengeName": exc.code}
        challenge = _passkey_challenge(result)
        if challenge is not None:
            return challenge
        logger.info("passkey sign-in answered with a decoy", extra={"upstream": _name(result)})
        return self._decoy_passkey_challenge(request.email)

    def select_sign_in(self, request: EmailRequest) -> SelectChallenge:
        """Step one of choice-based sign-in: InitiateAuth USER_AUTH without a preferred
        challenge -> ``SELECT_CHALLENGE`` with Cognito's session (a decoy where Cognito
        answers otherwise) and, whatever Cognito's ``AvailableChallenges`` say, the first
        factors the pool allows that the broker answers, in
        :data:`~auth.models.FIRST_FACTORS` order: one list for every email. Not counted.

        Raises:
            UpstreamError: 400 ``invalid_request`` (USER_AUTH not allowed), 429, 5xx.
        """
        try:
            result = self.idp.initiate_user_auth(request.email)
        except UpstreamError as exc:
            if exc.code not in HIDDEN_USER_AUTH_ERRORS:
                raise
            result = {"ChallengeName": exc.code}
        allowed = self.idp.first_auth_factors
        offer = [f for f in FIRST_FACTORS if f in allowed]
        if result.get("ChallengeName") == "SELECT_CHALLENGE" and result.get("Session"):
            return SelectChallenge(session=str(result["Session"]), available_challenges=offer)
        logger.info("select sign-in answered with a decoy", extra={"upstream": _name(result)})
        return SelectChallenge(session=decoy_session(self._decoy_key), available_challenges=offer)

    def answer_challenge(
        self, request: CodeAnswer | PasskeyAnswer | SelectAnswer
    ) -> TokenSet | SignInChallenge | PasskeyChallenge:
        """RespondToAuthChallenge with ``request``'s answer, counted in the email's
        :data:`~auth.attempts.SIGN_IN` family before Cognito is called.

        Returns:
            The tokens (the counter is cleared), or the next challenge: a code to send
            (``SOFTWARE_TOKEN_MFA``, ``EMAIL_OTP``) or a passkey's options (``WEB_AUTHN``).

        Raises:
            TooManyAttempts: (429) over the email's attempt limit.
            RefusedAnswer: (401 ``invalid_credentials``) a passkey or password Cognito
                refused, and a passkey or password answered to a decoy session.
            CodeMismatch: (400 ``code_mismatch``) a code answered to a decoy session.
            UpstreamError: 400 ``code_mismatch``, 401 ``invalid_session`` (unknown,
                expired or spent session), 429.
            ChallengeRequired: (403) Cognito asks for a step this API does not answer.
        """
        with self.attempt(SIGN_IN, request.email):
            result = self._respond(request)
        if "AuthenticationResult" in result:
            tokens = self._issued(token_set(result["AuthenticationResult"]))
            self._succeeded(SIGN_IN, request.email)
            return tokens
        name = _name(result)
        if name in ("SOFTWARE_TOKEN_MFA", "EMAIL_OTP") and result.get("Session"):
            return SignInChallenge.model_validate({"challenge": name, "session": result["Session"]})
        challenge = _passkey_challenge(result)
        if challenge is not None:
            return challenge
        raise ChallengeRequired(
            f"Sign-in needs the {name} challenge, which this API does not answer."
        )

    def _respond(self, request: CodeAnswer | PasskeyAnswer | SelectAnswer) -> dict[str, Any]:
        """The RespondToAuthChallenge call for ``request`` (a decoy session is answered
        here, as Cognito answers a wrong answer: a code with 400 ``code_mismatch``)."""
        decoy = is_decoy(self._decoy_key, request.session)
        if isinstance(request, CodeAnswer):
            if decoy:
                raise CodeMismatch()
            return self.idp.respond_to_mfa_challenge(
                request.email, request.challenge, request.session, request.answer
            )
        if isinstance(request, PasskeyAnswer):
            if decoy:
                raise RefusedAnswer(_REFUSED_PASSKEY)
            credential = request.credential.model_dump_json(exclude_none=True)
            return self._refusing(request, {"CREDENTIAL": credential}, _REFUSED_PASSKEY)
        if decoy:
            return self._decoy_answer(request)
        responses: dict[str, str] = {"ANSWER": request.answer}
        if request.password is not None:
            responses["PASSWORD"] = request.password
        try:
            return self._refusing(request, responses, _REFUSED_PASSWORD)
        except UpstreamError as exc:
            # A choice Cognito did not offer this user ("<X> is not an available
            # challenge"): what was offered must not show (module docstring).
            if exc.code != "InvalidParameterException" or request.answer == "PASSWORD":
                raise
            logger.info("unoffered choice answered with a decoy", extra={"answer": request.answer})
            return self._unoffered(request)

    def _unoffered(self, request: SelectAnswer) -> dict[str, Any]:
        """The answer to a ``WEB_AUTHN`` or ``EMAIL_OTP`` choice Cognito did not offer this
        user. ``WEB_AUTHN``: what :meth:`passkey_sign_in` answers this email (Cognito's
        simulated challenge or the broker's decoy; one more InitiateAuth), so that the
        allowed credential ids are the same on both routes, as a user with a passkey gets
        theirs on both (the broker's own decoy would differ from Cognito's simulated ids:
        a has-a-passkey oracle). ``EMAIL_OTP``: :meth:`_decoy_answer`."""
        if request.answer != "WEB_AUTHN":
            return self._decoy_answer(request)
        try:
            started = self.passkey_sign_in(EmailRequest(email=request.email))
        except PasskeysDisabled:  # no one is offered a working WEB_AUTHN then
            return self._decoy_answer(request)
        return {
            "ChallengeName": "WEB_AUTHN",
            "Session": started.session,
            "ChallengeParameters": {
                "CREDENTIAL_REQUEST_OPTIONS": started.credential_request_options
            },
        }

    def _refusing(
        self, request: PasskeyAnswer | SelectAnswer, responses: dict[str, str], sentence: str
    ) -> dict[str, Any]:
        try:
            return self.idp.respond_to_auth_challenge(
                request.email, request.challenge, request.session, responses
            )
        except UpstreamError as exc:
            raise refusal(exc, sentence) from exc

    def _decoy_answer(self, request: SelectAnswer) -> dict[str, Any]:
        """What a decoy ``SELECT_CHALLENGE`` session, or a choice Cognito did not offer,
        leads to: a wrong password, or a decoy of the chosen challenge in the shape of a
        real one (as Cognito simulates them for unknown users): ``EMAIL_OTP`` with a decoy
        session (no email is sent), ``WEB_AUTHN`` with the options of
        :meth:`passkey_sign_in`'s decoy. Cognito is not called."""
        if request.answer == "PASSWORD":
            raise RefusedAnswer(_REFUSED_PASSWORD)
        session = decoy_session(self._decoy_key)
        if request.answer == "EMAIL_OTP":
            return {"ChallengeName": "EMAIL_OTP", "Session": session}
        return {
            "ChallengeName": "WEB_AUTHN",
            "Session": session,
            "ChallengeParameters": {
                "CREDENTIAL_REQUEST_OPTIONS": self._decoy_options(request.email)
            },
        }

    def _decoy_passkey_challenge(self, email: str) -> PasskeyChallenge:
        return PasskeyChallenge(
            session=decoy_session(self._decoy_key),
            credential_request_options=self._decoy_options(email),
        )

    def _decoy_options(self, email: str) -> dict[str, Any]:
        """PublicKeyCredentialRequestOptionsJSON in the key order py_webauthn (and so the
        local Cognito) writes: a fresh challenge, the pool's RP ID (Cognito's fallback, the
        pool's domain, when none is set), its user verification, the session lifetime in
        ms, and one credential id ``HMAC_SHA256(decoy key, email)`` cut to 16 bytes."""
        rp_id, user_verification, session_seconds = self.idp.passkey_settings
        credential_id = hmac.new(self._decoy_key, email.encode(), hashlib.sha256).digest()
        return {
            "challenge": b64url(secrets.token_bytes(_CHALLENGE_BYTES)),
            "timeout": session_seconds * 1000,
            "rpId": rp_id or urlsplit(self.settings.cognito_domain_url).hostname,
            "allowCredentials": [
                {"id": b64url(credential_id[:_DECOY_ID_BYTES]), "type": "public-key"}
            ],
            "userVerification": user_verification,
        }


def _name(result: dict[str, Any]) -> str:
    return str(result.get("ChallengeName", "unknown"))


def _passkey_challenge(result: dict[str, Any]) -> PasskeyChallenge | None:
    """Cognito's ``WEB_AUTHN`` challenge as the broker's, or None if ``result`` is not one
    (or its options are not a JSON object)."""
    if _name(result) != "WEB_AUTHN" or not result.get("Session"):
        return None
    options: Any = (result.get("ChallengeParameters") or {}).get("CREDENTIAL_REQUEST_OPTIONS")
    if isinstance(options, str):
        try:
            options = json.loads(options)
        except ValueError:
            return None
    if not isinstance(options, dict):
        return None
    return PasskeyChallenge(session=str(result["Session"]), credential_request_options=options)
