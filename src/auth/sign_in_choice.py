"""Choice-based sign-in (Cognito's ``USER_AUTH`` flow): passkey sign-in, the offer of first
factors, and the answers to their challenges; the third part of :class:`auth.service.AuthService`.

Sources: Cognito developer guide, "Authentication flows" (choice-based sign-in,
``PREFERRED_CHALLENGE``) and "Passkey sign-in"; API reference, InitiateAuth and
RespondToAuthChallenge (``WEB_AUTHN``: ``CREDENTIAL`` is the W3C AuthenticationResponseJSON
as a string).

No account oracle (OWASP ASVS 5.0 6.3.8): every email gets the same status, body shape and
timing class. Cognito itself answers unknown users with simulated challenges
(PreventUserExistenceErrors); where it answers anything else (an error an account's state
causes, another challenge), the passkey route answers a *decoy*: a session only the broker
recognises (:func:`decoy_session`) and request options whose one allowed credential id is
an HMAC of the email; the emailed-code route (:meth:`auth.service.AuthService.email_code_sign_in`)
answers an ``EMAIL_OTP`` decoy. A decoy is answered as Cognito answers its real session,
without calling Cognito (:meth:`SignInChoice._answer_decoy`):

- it expires as a real session does, after the app client's ``AuthSessionValidity``
  (3 minutes by default; CreateUserPoolClient API reference); then 401 ``invalid_session``;
- a ``WEB_AUTHN`` decoy is spent by its first answer (401 ``invalid_credentials``, as a
  refused passkey), then 401 ``invalid_session``, as a real ``WEB_AUTHN`` session;
- an ``EMAIL_OTP`` decoy answers 400 ``code_mismatch`` (no code passes). A real one is
  spent after a few wrong codes (the local Cognito: three), but the start and three answers
  already reach the attempt limit (:data:`auth.attempts.LIMIT`, 4 per email per 15
  minutes), after which both get 429; so no spend record is kept for codes;
- the passkey spend record is :meth:`auth.attempts.AttemptCounter.spend` (one DynamoDB
  write per answer); with no attempts table a live passkey decoy is refused alike every
  time.

The choice (``POST /auth/sign-in/select``) does not use Cognito's ``SELECT_CHALLENGE``:
its ``AvailableChallenges`` tell an account's state (a user with TOTP MFA gets no
passwordless factor, only a user with a passkey gets ``WEB_AUTHN``; "Managing user
existence error responses" covers unknown users only), and answering a choice Cognito did
not offer takes other round trips than one it did (a timing oracle). So the offer is the
deployment's (:attr:`auth.config.AuthSettings.first_auth_factors`, from the template) with a
broker-issued session (:func:`select_session`) and no Cognito call, and the chosen factor
is started as its single-factor route starts it: the same calls for every email.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from auth.attempts import SIGN_IN
from auth.cognito import derived_key
from auth.core import HIDDEN_USER_AUTH_ERRORS, logger
from auth.errors import (
    ChallengeRequired,
    CodeMismatch,
    InvalidSession,
    PasskeysDisabled,
    RefusedAnswer,
    UpstreamError,
    lookup,
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
    SignInRequest,
    TokenSet,
)
from auth.sessions import Sessions, token_set

#: The purpose of the key that makes decoy sessions and credential ids
#: (:func:`auth.cognito.derived_key`).
DECOY_KEY = "sign_in_decoy"
#: The purpose of the key that tags the choice's sessions (:func:`select_session`).
SELECT_KEY = "sign_in_select"
#: A tagged session's bytes: an 8-byte expiry (epoch seconds, big-endian, XORed with an
#: HMAC of the nonce so that a decoy looks random like any session), 64 random bytes (the
#: nonce) and a 24-byte tag: 128 base64url characters like a session of the local Cognito
#: (Cognito documents 20 to 2048).
_EXPIRY_BYTES, _NONCE_BYTES, _TAG_BYTES = 8, 64, 24
#: A decoy credential id: 16 bytes, the length the local Cognito's simulated ids and
#: common platform authenticators use (W3C WebAuthn allows 16 to 1023).
_DECOY_ID_BYTES = 16
#: The decoy WebAuthn challenge: 64 random bytes, py_webauthn's default (the local
#: Cognito's); W3C WebAuthn §13.4.3 asks for at least 16.
_CHALLENGE_BYTES = 64
_REFUSED_PASSKEY = "The passkey was not accepted."


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 4648 section 5; W3C WebAuthn's JSON encoding)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _tag(key: bytes, body: bytes, bound: str) -> bytes:
    return hmac.new(key, body + bound.encode(), hashlib.sha256).digest()[:_TAG_BYTES]


def _expiry_mask(key: bytes, nonce: bytes) -> bytes:
    return hmac.new(key, b"expiry" + nonce, hashlib.sha256).digest()[:_EXPIRY_BYTES]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def tagged_session(key: bytes, bound: str, expires_at: int) -> str:
    """A session Cognito never issued: ``expires_at`` (epoch seconds, masked) and a random
    nonce, tagged with ``HMAC_SHA256(key, masked expiry ‖ nonce ‖ bound)`` so that
    :func:`tagged_session_expiry` knows it for ``bound`` (an email or a challenge name;
    not written in the session) and nobody without ``key`` can make one. 128 base64url
    characters that look random."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    expiry = expires_at.to_bytes(_EXPIRY_BYTES, "big")
    body = _xor(expiry, _expiry_mask(key, nonce)) + nonce
    return b64url(body + _tag(key, body, bound))


def tagged_session_expiry(key: bytes, session: str, bound: str) -> int | None:
    """The expiry (epoch seconds) of a :func:`tagged_session` made with ``key`` for
    ``bound``; None for any other string."""
    try:
        raw = base64.urlsafe_b64decode(session + "=" * (-len(session) % 4))
    except ValueError:
        return None
    if len(raw) != _EXPIRY_BYTES + _NONCE_BYTES + _TAG_BYTES:
        return None
    body, tag = raw[:-_TAG_BYTES], raw[-_TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(key, body, bound)):
        return None
    nonce = body[_EXPIRY_BYTES:]
    return int.from_bytes(_xor(body[:_EXPIRY_BYTES], _expiry_mask(key, nonce)), "big")


def decoy_session(key: bytes, challenge: str, expires_at: int) -> str:
    """A decoy session for ``challenge`` (``WEB_AUTHN`` or ``EMAIL_OTP``) that expires at
    ``expires_at`` (epoch seconds): :func:`decoy_expiry` knows it for that challenge only
    (so one kind is not answered as the other); Cognito would call it invalid."""
    return tagged_session(key, challenge, expires_at)


def decoy_expiry(key: bytes, session: str, challenge: str) -> int | None:
    """The expiry (epoch seconds) of a :func:`decoy_session` made with ``key`` for
    ``challenge``; None for any other session."""
    return tagged_session_expiry(key, session, challenge)


def select_session(key: bytes, email: str, expires_at: int) -> str:
    """The choice's session for the normalised ``email``, good until ``expires_at``."""
    return tagged_session(key, email, expires_at)


def select_session_valid(key: bytes, session: str, email: str, now: float) -> bool:
    """Whether ``session`` is :func:`select_session`'s for ``email`` and not expired at
    ``now`` (epoch seconds)."""
    expires_at = tagged_session_expiry(key, session, email)
    return expires_at is not None and now < expires_at


def refusal(exc: UpstreamError) -> UpstreamError | RefusedAnswer:
    """RespondToAuthChallenge's ``NotAuthorizedException`` is Cognito's answer both to a
    bad session ("Invalid session for the user, session is expired.") and to a refused
    passkey ("Incorrect username or password."); the first stays ``invalid_session``, the
    lockout stays 429 (``auth.errors.lookup``), any other is a :class:`RefusedAnswer` (401
    ``invalid_credentials``)."""
    if (
        exc.code != "NotAuthorizedException"
        or "session" in (exc.message or "").lower()
        or lookup(exc.operation, exc.code, exc.message).status == 429
    ):
        return exc
    return RefusedAnswer(_REFUSED_PASSKEY)


class SignInChoice(Sessions):
    """Passkey and choice-based sign-in, mixed into :class:`auth.service.AuthService`."""

    if TYPE_CHECKING:  # AuthService's single-factor routes, which a choice starts

        def sign_in(self, request: SignInRequest) -> TokenSet | SignInChallenge: ...
        def email_code_sign_in(self, request: EmailRequest) -> SignInChallenge: ...

    @property
    def _decoy_key(self) -> bytes:
        return derived_key(self.idp.client_secret, DECOY_KEY)

    @property
    def _select_key(self) -> bytes:
        return derived_key(self.idp.client_secret, SELECT_KEY)

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
        """Step one of choice-based sign-in, answered by the broker alone (no Cognito
        call, module docstring): ``SELECT_CHALLENGE`` with the first factors the pool
        allows that the broker answers, in :data:`~auth.models.FIRST_FACTORS` order, and
        a :func:`select_session` for the email that lives as Cognito's sessions do (the
        app client's ``AuthSessionValidity``). One answer for every email. Not counted.

        Raises:
            UpstreamError: 5xx (the app client's settings, read once per container,
                could not be read).
        """
        allowed = self.settings.first_auth_factors
        expires_at = int(time.time()) + self.idp.auth_session_seconds
        return SelectChallenge(
            session=select_session(self._select_key, request.email, expires_at),
            available_challenges=[f for f in FIRST_FACTORS if f in allowed],
        )

    def answer_challenge(
        self, request: CodeAnswer | PasskeyAnswer | SelectAnswer
    ) -> TokenSet | SignInChallenge | PasskeyChallenge:
        """RespondToAuthChallenge with ``request``'s answer, counted in the email's
        :data:`~auth.attempts.SIGN_IN` family before Cognito is called; a
        ``SELECT_CHALLENGE`` answer is :meth:`_choose`.

        Returns:
            The tokens (the counter is cleared), or the next challenge: a code to send
            (``SOFTWARE_TOKEN_MFA``, ``EMAIL_OTP``) or a passkey's options (``WEB_AUTHN``).

        Raises:
            TooManyAttempts: (429) over the email's attempt limit.
            RefusedAnswer: (401 ``invalid_credentials``) a passkey Cognito refused or
                answered to a live passkey decoy (module docstring).
            CodeMismatch: (400 ``code_mismatch``) a code answered to a live code decoy.
            InvalidSession: (401 ``invalid_session``) an expired or spent decoy.
            UpstreamError: 400 ``code_mismatch``, 401 ``invalid_session`` (unknown,
                expired or spent session), 429.
            ChallengeRequired: (403) Cognito asks for a step this API does not answer.
        """
        if isinstance(request, SelectAnswer):
            return self._choose(request)
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

    def _choose(self, request: SelectAnswer) -> TokenSet | SignInChallenge | PasskeyChallenge:
        """The chosen first factor, started as its single-factor route starts it (the
        same Cognito calls and attempt counting for every email, module docstring):
        ``PASSWORD`` is :meth:`~auth.service.AuthService.sign_in`, ``EMAIL_OTP``
        :meth:`~auth.service.AuthService.email_code_sign_in`, ``WEB_AUTHN``
        :meth:`passkey_sign_in`.

        Raises:
            InvalidSession: (401 ``invalid_session``, counted as an attempt) the session is
                not :meth:`select_sign_in`'s for this email, or has expired.
            the chosen route's errors.
        """
        key, now = self._select_key, time.time()
        if not select_session_valid(key, request.session, request.email, now):
            with self.attempt(SIGN_IN, request.email):
                raise InvalidSession()
        email = EmailRequest(email=request.email)
        if request.answer == "PASSWORD":
            signed_in = SignInRequest(email=request.email, password=request.password or "")
            return self.sign_in(signed_in)
        if request.answer == "EMAIL_OTP":
            return self.email_code_sign_in(email)
        return self.passkey_sign_in(email)

    def _respond(self, request: CodeAnswer | PasskeyAnswer) -> dict[str, Any]:
        """The RespondToAuthChallenge call for ``request``; an answer to a decoy session is
        :meth:`_answer_decoy` instead (no Cognito call)."""
        expires_at = decoy_expiry(self._decoy_key, request.session, request.challenge)
        if expires_at is not None:
            self._answer_decoy(request.challenge, request.session, expires_at)
        if isinstance(request, CodeAnswer):
            return self.idp.respond_to_mfa_challenge(
                request.email, request.challenge, request.session, request.answer
            )
        credential = request.credential.model_dump_json(exclude_none=True)
        try:
            return self.idp.respond_to_auth_challenge(
                request.email, request.challenge, request.session, {"CREDENTIAL": credential}
            )
        except UpstreamError as exc:
            raise refusal(exc) from exc

    def _answer_decoy(self, challenge: str, session: str, expires_at: int) -> NoReturn:
        """Answer a decoy ``session`` as Cognito answers a real one of ``challenge`` (module
        docstring): expired -> :class:`InvalidSession`; a code -> :class:`CodeMismatch`;
        a passkey spends the session (:meth:`auth.attempts.AttemptCounter.spend`, when
        there is an attempts table) -> :class:`RefusedAnswer`, or :class:`InvalidSession`
        if it was spent already.

        Raises:
            InvalidSession, RefusedAnswer, CodeMismatch: always one of them.
            UpstreamError: the spend record could not be written (5xx).
        """
        if time.time() >= expires_at:
            raise InvalidSession()
        if challenge != "WEB_AUTHN":
            raise CodeMismatch()
        counter = self.attempts
        if counter is not None and not counter.spend(session, expires_at):
            raise InvalidSession()
        raise RefusedAnswer(_REFUSED_PASSKEY)

    def new_decoy_session(self, challenge: str) -> str:
        """A fresh decoy session for ``challenge`` (``WEB_AUTHN`` or ``EMAIL_OTP``) that lives
        as Cognito's sessions do: the app client's ``AuthSessionValidity``."""
        expires_at = int(time.time()) + self.idp.auth_session_seconds
        return decoy_session(self._decoy_key, challenge, expires_at)

    def _decoy_passkey_challenge(self, email: str) -> PasskeyChallenge:
        return PasskeyChallenge(
            session=self.new_decoy_session("WEB_AUTHN"),
            credential_request_options=self._decoy_options(email),
        )

    def _decoy_options(self, email: str) -> dict[str, Any]:
        """PublicKeyCredentialRequestOptionsJSON in the key order py_webauthn (and so the
        local Cognito) writes: a fresh challenge, the pool's RP ID (Cognito's fallback, the
        pool's domain, when none is set), its user verification, the session lifetime in
        ms, and one credential id ``HMAC_SHA256(decoy key, email)`` cut to 16 bytes."""
        rp_id = self.settings.webauthn_relying_party_id
        credential_id = hmac.new(self._decoy_key, email.encode(), hashlib.sha256).digest()
        return {
            "challenge": b64url(secrets.token_bytes(_CHALLENGE_BYTES)),
            "timeout": self.idp.auth_session_seconds * 1000,
            "rpId": rp_id or urlsplit(self.settings.cognito_domain_url).hostname,
            "allowCredentials": [
                {"id": b64url(credential_id[:_DECOY_ID_BYTES]), "type": "public-key"}
            ],
            "userVerification": self.settings.webauthn_user_verification,
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
