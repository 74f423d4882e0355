"""Cognito's errors that moto lacks, and the messages Cognito uses (moto's echo usernames
or tokens).
"""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class InvalidPasswordError(JsonRESTError):
    """InvalidPasswordException naming the failed rule, as Cognito's message does."""

    def __init__(self, rule: str) -> None:
        super().__init__(
            "InvalidPasswordException", f"Password did not conform with policy: {rule}"
        )


class UnauthorizedError(JsonRESTError):
    """UnauthorizedException (RevokeToken: bad client secret, another client's token)."""

    def __init__(self, message: str) -> None:
        super().__init__("UnauthorizedException", message)


class UnsupportedTokenTypeError(JsonRESTError):
    """UnsupportedTokenTypeException (RevokeToken given an access or ID token)."""

    def __init__(self) -> None:
        super().__init__("UnsupportedTokenTypeException", "Unsupported token type")


class UnsupportedOperationError(JsonRESTError):
    """UnsupportedOperationException (revocation off, or a flow not emulated)."""

    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedOperationException", message)


class AliasExistsError(JsonRESTError):
    """AliasExistsException: another user has that email (email-username pools)."""

    def __init__(self) -> None:
        super().__init__("AliasExistsException", "An account with the given email already exists.")


class LimitExceededError(JsonRESTError):
    """LimitExceededException after too many wrong codes (see ``codes``)."""

    def __init__(self) -> None:
        super().__init__(
            "LimitExceededException", "Attempt limit exceeded, please try after some time."
        )


INCORRECT_CREDENTIALS = "Incorrect username or password."


CODE_MISMATCH = "Invalid verification code provided, please try again."


CODE_EXPIRED = "Invalid code provided, please request a code again."


INVALID_SESSION = "Invalid session for the user, session is expired."


class EnableSoftwareTokenMfaError(JsonRESTError):
    """EnableSoftwareTokenMFAException: VerifySoftwareToken got a wrong code."""

    def __init__(self) -> None:
        # VerifySoftwareToken API reference: "EnableSoftwareTokenMFAException ... there is
        # a code mismatch and the service fails to configure the software token TOTP MFA".
        super().__init__("EnableSoftwareTokenMFAException", "Code mismatch")


class WebAuthnError(JsonRESTError):
    """The WebAuthn*Exception family of StartWebAuthnRegistration and
    CompleteWebAuthnRegistration (API reference, "Errors" of each): ``code`` is the
    exception name without ``Exception`` (``WebAuthnNotEnabled``,
    ``WebAuthnConfigurationMissing``, ``WebAuthnChallengeNotFound``,
    ``WebAuthnRelyingPartyMismatch``, ``WebAuthnOriginNotAllowed``,
    ``WebAuthnCredentialNotSupported``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}Exception", message)
