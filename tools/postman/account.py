"""Journey folders: TOTP MFA and the signed-in user's account (deleted last)."""

from __future__ import annotations

from typing import Any

from tools.postman.requests import bearer, folder, item, json_body
from tools.postman.schemas import contract
from tools.postman.scripts import error, shape, status


def mfa_flow() -> dict[str, Any]:
    """TOTP MFA (issue 13). Postman has no authenticator app, so the collection checks the
    setup answer and the refusals; the full MFA sign-in runs in
    tests/e2e/test_account_lifecycle.py with pyotp."""
    return folder(
        "MFA (authenticator app)",
        "`POST /auth/mfa/setup` returns a TOTP secret and its otpauth:// URI; a wrong code "
        "does not turn MFA on; a made-up challenge session is refused.",
        [*_totp(), *_challenges()],
    )


def _totp() -> list[dict[str, Any]]:
    """Start TOTP setup, fail to verify it with a wrong code, turn it off."""
    return [
        item(
            "Start TOTP setup",
            "setUpMfa",
            auth=bearer("accessToken"),
            tests=status(200, "OK")
            + shape(
                "{secret_code, otpauth_uri}",
                contract(
                    "MfaSetup",
                    properties={
                        # Base32 (RFC 4648 section 6), an otpauth URI for a TOTP key
                        "secret_code": {"pattern": "^[A-Z2-7]+=*$"},
                        "otpauth_uri": {"pattern": "^otpauth://totp/"},
                    },
                ),
            ),
        ),
        item(
            "Verify with a wrong code → 400",
            "verifyMfa",
            auth=bearer("accessToken"),
            description="000000 is the current code about once in 333,000 runs.",
            body=json_body({"code": "000000", "password": "{{password}}"}),
            tests=error(400, "Bad Request", "code_mismatch"),
        ),
        item(
            "Turn TOTP off",
            "disableMfa",
            auth=bearer("accessToken"),
            description="The password is the fresh proof (with TOTP on, a current "
            "`code` as well; docs/auth.md).",
            body=json_body({"password": "{{password}}"}),
            tests=status(200, "OK")
            + shape(
                "{totp_enabled: false}",
                contract("MfaStatus", properties={"totp_enabled": {"const": False}}),
            ),
        ),
    ]


def _challenges() -> list[dict[str, Any]]:
    """Passwordless email code sign-in; a made-up challenge session is refused."""
    return [
        item(
            "Email me a sign-in code",
            "emailCodeSignIn",
            description="Passwordless sign-in (on locally; on AWS with "
            "PasswordlessEmailSourceArn). The code goes to the inbox.",
            body=json_body({"email": "{{email}}"}),
            tests=status(200, "OK")
            + shape(
                "{challenge: EMAIL_OTP, session}",
                contract(
                    "SignInChallenge",
                    properties={
                        "challenge": {"const": "EMAIL_OTP"},
                        "session": {"minLength": 20},
                    },
                ),
            ),
        ),
        item(
            "Start a passkey sign-in",
            "passkeySignIn",
            description="The WebAuthn request options for navigator.credentials.get(); "
            "every email gets this shape (docs/auth.md). Postman has no authenticator: the "
            "full ceremony runs in tests/e2e/test_passkey_sign_in.py.",
            body=json_body({"email": "{{email}}"}),
            tests=status(200, "OK")
            + shape(
                "{challenge: WEB_AUTHN, session, credential_request_options}",
                contract(
                    "PasskeyChallenge",
                    properties={"challenge": {"const": "WEB_AUTHN"}},
                ),
            ),
        ),
        item(
            "Ask which sign-in factors are on offer",
            "selectChallenge",
            description="Choice-based sign-in: answer one of `available_challenges` at "
            "POST /auth/challenge with `challenge: SELECT_CHALLENGE`.",
            body=json_body({"email": "{{email}}"}),
            tests=status(200, "OK")
            + shape(
                "{challenge: SELECT_CHALLENGE, session, available_challenges}",
                contract(
                    "SelectChallenge",
                    properties={"challenge": {"const": "SELECT_CHALLENGE"}},
                ),
            ),
        ),
        item(
            "Answer a challenge with a made-up session → 401",
            "answerChallenge",
            body=json_body(
                {
                    "email": "{{email}}",
                    "challenge": "SOFTWARE_TOKEN_MFA",
                    "session": "made-up-session-{{$timestamp}}-000000000000",
                    "answer": "123456",
                }
            ),
            tests=error(401, "Unauthorized", "invalid_session"),
        ),
    ]


def account_flow() -> dict[str, Any]:
    """The signed-in user's account (issue 13); last, because it deletes the account."""
    return folder(
        "Account",
        "Profile, password, email change and account deletion with the access token.",
        [*_profile(), *_email_change(), *_deletion()],
    )


def _profile() -> list[dict[str, Any]]:
    """Read and change the profile; a wrong current password is refused."""
    return [
        item(
            "Get the profile",
            "getAccount",
            auth=bearer("accessToken"),
            tests=status(200, "OK") + shape("a profile", contract("Account")),
        ),
        item(
            "Change the name",
            "updateAccount",
            auth=bearer("accessToken"),
            body=json_body({"name": "Postman"}),
            tests=status(200, "OK") + shape("a profile", contract("Account")),
        ),
        item(
            "Change the password with a wrong current one → 400",
            "changePassword",
            auth=bearer("accessToken"),
            body=json_body(
                {"previous_password": "Wrong-Horse-1", "proposed_password": "Another-Horse-10"}
            ),
            tests=error(400, "Bad Request", "invalid_credentials"),
        ),
    ]


def _email_change() -> list[dict[str, Any]]:
    """Start an email change; a wrong verification code is refused."""
    return [
        item(
            "Start an email change",
            "changeEmail",
            auth=bearer("accessToken"),
            body=json_body({"email": "new-{{$timestamp}}@example.com", "password": "{{password}}"}),
            tests=status(200, "OK") + shape("{code_delivery}", contract("CodeSent")),
        ),
        item(
            "Verify the email with a wrong code → 400",
            "verifyEmail",
            auth=bearer("accessToken"),
            body=json_body({"code": "{{wrongCode}}"}),
            tests=error(400, "Bad Request", "code_mismatch"),
        ),
    ]


def _deletion() -> list[dict[str, Any]]:
    """Deletion needs a fresh proof; with the password it deletes, then 401."""
    return [
        item(
            "Delete the account with the token alone → 401",
            "deleteAccount",
            auth=bearer("accessToken"),
            description="Sensitive changes need a fresh proof of identity (docs/auth.md).",
            tests=error(401, "Unauthorized", "reauthentication_required"),
        ),
        item(
            "Delete the account with a wrong password → 401",
            "deleteAccount",
            auth=bearer("accessToken"),
            body=json_body({"password": "Wrong-Horse-1"}),
            tests=error(401, "Unauthorized", "invalid_credentials"),
        ),
        item(
            "Delete the account",
            "deleteAccount",
            auth=bearer("accessToken"),
            body=json_body({"password": "{{password}}"}),
            tests=status(200, "OK")
            + shape(
                "{account_deleted, photos_deleted}",
                contract(
                    "AccountDeleted",
                    properties={
                        "account_deleted": {"const": True},
                        "photos_deleted": {"minimum": 0},
                    },
                ),
            ),
        ),
        item(
            "Delete it again → 401",
            "deleteAccount",
            auth=bearer("accessToken"),
            tests=status(401, "Unauthorized"),
        ),
    ]
