"""The signed-in account's operations (the access token in ``Authorization``): TOTP MFA,
the profile, the password and email, and deleting the account with its photos.
"""

from __future__ import annotations

from typing import Any

from auth.attempts import SIGN_IN
from auth.core import HIDDEN_SIGN_UP_ERRORS, attributes_of, logger, masked_delivery
from auth.errors import CodeMismatch, MfaAlreadyEnabled, UpstreamError
from auth.models import (
    Account,
    AccountDeleted,
    AccountUpdate,
    ChangeEmailRequest,
    ChangePasswordRequest,
    CodeRequest,
    CodeSent,
    MfaSetup,
    MfaStatus,
    MfaVerifyRequest,
    PasswordChanged,
    Proof,
)
from auth.reauthentication import check_proof, totp_enabled
from auth.sessions import Sessions


class AccountOperations(Sessions):
    """The account half of :class:`auth.service.AuthService`."""

    def mfa_setup(self, access_token: str) -> MfaSetup:
        """Start TOTP setup: AssociateSoftwareToken -> the secret and its ``otpauth://`` URI.

        The URI follows Google Authenticator's "Key Uri Format" (label ``issuer:account``,
        ``secret``, ``issuer``; SHA1, 6 digits and 30 s are the defaults Cognito uses, so
        they are left out). MFA stays as it was until :meth:`mfa_verify`.

        Raises:
            UpstreamError: 401 ``invalid_token``; 429; 5xx.
        """
        account = attributes_of(self.idp.get_user(access_token)).get("email", "")
        secret = str(self.idp.associate_software_token(access_token)["SecretCode"])
        return MfaSetup(secret_code=secret, otpauth_uri=otpauth_uri(secret, account))

    def mfa_verify(self, access_token: str, request: MfaVerifyRequest) -> MfaStatus:
        """After the password proof (:meth:`check_proof`: whoever holds a token could
        otherwise lock the owner out behind their own authenticator), VerifySoftwareToken
        with the app's code, then SetUserMFAPreference (TOTP on, preferred): from the next
        sign-in on, a code is asked for.

        Raises:
            MfaAlreadyEnabled: (409 ``mfa_enabled``) TOTP is already on (turn it off
                first, with its own proof).
            ReauthenticationRequired, WrongProof, TooManyAttempts: (401, 401, 429) from
                :meth:`check_proof`.
            UpstreamError: 400 ``code_mismatch`` (wrong code or no setup started), 401
                ``invalid_token``, 429.
        """
        if totp_enabled(self.idp.get_user(access_token)):
            raise MfaAlreadyEnabled()
        self.check_proof(access_token, request.proof)
        verified = self.idp.verify_software_token(access_token, request.code, request.device_name)
        if verified.get("Status") != "SUCCESS":
            raise CodeMismatch()
        self.idp.set_totp_preference(access_token, True)
        return MfaStatus(totp_enabled=True)

    def mfa_disable(self, access_token: str, proof: Proof) -> MfaStatus:
        """After the proof (password and a current code), SetUserMFAPreference with TOTP
        off: sign-in asks for the password only.

        Raises:
            ReauthenticationRequired, WrongProof, TooManyAttempts: (401, 401, 429) from
                :meth:`check_proof`.
            UpstreamError: 401 ``invalid_token``; 429.
        """
        self.check_proof(access_token, proof)
        self.idp.set_totp_preference(access_token, False)
        return MfaStatus(totp_enabled=False)

    def account(self, access_token: str) -> Account:
        """GetUser as the contract's profile.

        Raises:
            UpstreamError: 401 ``invalid_token`` (expired, revoked, deleted user); 429.
        """
        user = self.idp.get_user(access_token)
        attributes = attributes_of(user)
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
        """After the proof (:meth:`check_proof`), UpdateUserAttributes ``email``: a code
        goes to the new address; the old one stays the sign-in name until
        :meth:`verify_email` (the pool's ``AttributesRequireVerificationBeforeUpdate``).

        An address another account uses gets the same answer, and no code (OWASP ASVS 5.0
        section 6.3.8: no account oracle, even for signed-in users).

        Raises:
            ReauthenticationRequired, WrongProof, TooManyAttempts: (401, 401, 429) from
                :meth:`check_proof`.
            UpstreamError: 401 ``invalid_token``; 429.
        """
        self.check_proof(access_token, request.proof)
        try:
            self.idp.update_user_attributes(access_token, {"email": request.email})
        except UpstreamError as exc:
            if exc.code not in HIDDEN_SIGN_UP_ERRORS:
                raise
            logger.info("email change answered generically", extra={"upstream": exc.code})
        return CodeSent(code_delivery=masked_delivery(request.email))

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
            ReauthenticationRequired, WrongProof, TooManyAttempts: (401, 401, 429) from
                :meth:`check_proof`.
            UpstreamError: 401 ``invalid_token``; 429; 5xx.
        """
        user = self.check_proof(access_token, proof)
        sub = attributes_of(user).get("sub") or str(user.get("Username", ""))
        self._record(access_token, everywhere=True, ahead_seconds=1)
        photos = self.photos
        deleted = photos.delete_all(sub) if photos is not None else 0
        self.idp.delete_user(access_token)
        return AccountDeleted(photos_deleted=deleted)

    def check_proof(self, access_token: str, proof: Proof) -> dict[str, Any]:
        """The fresh proof of identity of every sensitive route
        (:func:`auth.reauthentication.check_proof`); returns GetUser's response.

        The proof is counted as a sign-in attempt of the token's user's email
        (:meth:`attempt`, family :data:`~auth.attempts.SIGN_IN`; issue 25: "a wrong proof
        counts toward the same limits"): over the limit it is refused with 429 before
        Cognito is called, and a right proof clears the counter, as a sign-in does.

        Raises:
            ReauthenticationRequired: (401) no or not enough proof.
            WrongProof: (401 ``invalid_credentials``) a wrong password or code.
            TooManyAttempts: (429) the email's sign-in attempts are over the limit, or
                Cognito's lockout answered.
            UpstreamError: 401 ``invalid_token``; 5xx.
        """
        user = check_proof(
            self.idp, access_token, proof, lambda email: self.attempt(SIGN_IN, email)
        )
        email = attributes_of(user).get("email")
        if email:
            self._succeeded(SIGN_IN, email)
        return user


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
