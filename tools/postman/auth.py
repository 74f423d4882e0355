"""Journey folders: sign up → confirm → sign in, token refresh, sign out, and the code
and direct-upload operations the other folders do not reach."""

from __future__ import annotations

from typing import Any

from tools.postman.requests import CREDENTIALS, bearer, folder, item, json_body
from tools.postman.schemas import TOKENS, contract
from tools.postman.scripts import CLAIMS_FN, INBOX_FN, NO_STORE, error, js, shape, status


def sign_up_flow() -> dict[str, Any]:
    """The folder that creates the run's user and keeps its tokens (Postman folder dict)."""
    return folder(
        "Sign up → confirm → sign in",
        "A new user per run. Locally the confirmation code is read from the dev inbox "
        "(`{{baseUrl}}/_local/inbox/{{email}}`). On AWS it arrives by email: put it in "
        "the environment variable `confirmationCode` and run again.",
        [*_sign_up(), *_confirm(), _sign_in()],
    )


def _sign_up() -> list[dict[str, Any]]:
    """Read the public config, then sign up a new user (the code goes to the inbox)."""
    return [
        item(
            "Public client config",
            "getConfig",
            tests=status(200, "OK")
            + shape("the public client config", contract("PublicConfig"))
            + js(r"""
            pm.test('never the client secret', () =>
                pm.expect(pm.response.text()).not.to.match(/secret/i));
            """),
        ),
        item(
            "Sign up",
            "signUp",
            description="201 `{code_delivery}`; a code is sent. The answer is the same "
            "when the email already has an account (no account oracle).",
            pre_request=js(r"""
            // Locally: a fresh user per run. On AWS: signUpEmail must be a mailbox you read.
            const suffix = Date.now() + '-' + Math.floor(Math.random() * 1e6);
            pm.collectionVariables.set('email', pm.environment.get('signUpEmail') || ('postman-' + suffix + '@example.com'));
            pm.collectionVariables.set('password', pm.environment.get('signUpPassword') || ('Moments-' + suffix + '-Pw'));
            if (String(pm.environment.get('inboxLookup')) !== 'true' && pm.environment.get('confirmationCode')) {
                console.log('confirmationCode is set: the user already signed up, skipping sign-up.');
                pm.execution.skipRequest();
            }
            """),
            body=json_body({"email": "{{email}}", "password": "{{password}}", "name": "Postman"}),
            tests=INBOX_FN
            + status(201, "Created")
            + shape("{code_delivery}", contract("SignUpResult"))
            + js(r"""
            pm.collectionVariables.set('signUpBody', pm.response.text());
            if (inboxLookup) {
                fetchCode(pm.collectionVariables.get('email'), 'code');
            } else {
                console.log('The code was emailed to ' + pm.collectionVariables.get('email') + ': set confirmationCode in the environment and run the collection again.');
                pm.execution.setNextRequest(null);
            }
            """),
        ),
    ]


def _confirm() -> list[dict[str, Any]]:
    """Signing in before confirming fails, a wrong code fails, the right one confirms."""
    return [
        item(
            "Sign in before confirming → 403",
            "signIn",
            body=CREDENTIALS,
            tests=error(403, "Forbidden", "user_not_confirmed"),
        ),
        item(
            "Confirm with a wrong code → 400",
            "confirmSignUp",
            pre_request=js(r"""
            if (String(pm.environment.get('inboxLookup')) !== 'true') {
                const entered = pm.environment.get('confirmationCode');
                if (!entered) throw new Error('Set confirmationCode in the environment to the code from the sign-up email.');
                pm.collectionVariables.set('code', String(entered).trim());
            }
            // Every digit shifted by one: a code of the right form that is certainly wrong.
            const code = pm.collectionVariables.get('code');
            pm.collectionVariables.set('wrongCode', code.replace(/\d/g, d => String((Number(d) + 1) % 10)));
            """),
            body=json_body({"email": "{{email}}", "code": "{{wrongCode}}"}),
            tests=error(400, "Bad Request", "code_mismatch"),
        ),
        item(
            "Confirm",
            "confirmSignUp",
            body=json_body({"email": "{{email}}", "code": "{{code}}"}),
            tests=status(200, "OK")
            + js(r"""
            pm.test('body is {confirmed: true}', () =>
                pm.expect(pm.response.json().confirmed).to.equal(true));
            """),
        ),
    ]


def _sign_in() -> dict[str, Any]:
    """Sign in: keep the access, ID and refresh tokens for the folders after."""
    return item(
        "Sign in",
        "signIn",
        description="200 with the OAuth token set; the scripts keep the tokens.",
        body=CREDENTIALS,
        tests=CLAIMS_FN
        + status(200, "OK")
        + shape(
            "{access_token, id_token, refresh_token, expires_in, token_type}",
            contract("TokenSet", required=["id_token", "refresh_token"], properties=TOKENS),
        )
        + NO_STORE
        + js(r"""
        const body = pm.response.json();
        pm.test('the access token is an access token for this user', () => {
            const claims = claimsOf(body.access_token);
            pm.expect(claims.token_use).to.equal('access');
            // Both tokens name the same user (sign-up no longer returns user_sub).
            pm.expect(claims.sub).to.equal(claimsOf(body.id_token).sub);
        });
        pm.collectionVariables.set('accessToken', body.access_token);
        pm.collectionVariables.set('idToken', body.id_token);
        pm.collectionVariables.set('refreshToken', body.refresh_token);
        """),
    )


def refresh_flow() -> dict[str, Any]:
    """The folder refreshing the tokens, JSON and form bodies (RFC 6749 section 6)."""
    keep_tokens = (
        CLAIMS_FN
        + status(200, "OK")
        + shape(
            "{access_token, id_token, expires_in, token_type}",
            contract("TokenSet", required=["id_token"], properties=TOKENS),
        )
        + NO_STORE
        + js(r"""
        const body = pm.response.json();
        pm.test('a new access token', () => pm.expect(claimsOf(body.access_token).token_use).to.equal('access'));
        pm.collectionVariables.set('accessToken', body.access_token);
        pm.collectionVariables.set('idToken', body.id_token);
        // With refresh-token rotation the used token dies after a grace period: keep the new one.
        if (body.refresh_token) pm.collectionVariables.set('refreshToken', body.refresh_token);
        """)
    )
    return folder(
        "Token refresh",
        "`POST /auth/token` with `grant_type=refresh_token` (RFC 6749 section 6), as JSON "
        "and as a form.",
        [
            item(
                "Refresh (JSON)",
                "token",
                body=json_body(
                    {"grant_type": "refresh_token", "refresh_token": "{{refreshToken}}"}
                ),
                tests=keep_tokens,
            ),
            item(
                "Refresh (form)",
                "token",
                body={
                    "mode": "urlencoded",
                    "urlencoded": [
                        {"key": "grant_type", "value": "refresh_token"},
                        {"key": "refresh_token", "value": "{{refreshToken}}"},
                    ],
                },
                tests=keep_tokens,
            ),
            item(
                "List photos with the refreshed token",
                "listPhotos",
                auth=bearer("accessToken"),
                tests=status(200, "OK") + shape("{items, next_cursor}", contract("PhotoPage")),
            ),
        ],
    )


def sign_out_flow() -> dict[str, Any]:
    """The folder signing out: the refresh token is revoked and refused after."""
    return folder(
        "Sign out",
        "`POST /auth/sign-out` revokes the refresh token; with the Bearer access token it "
        "also signs the user out everywhere.",
        [
            item(
                "Sign out",
                "signOut",
                auth=bearer("accessToken"),
                body=json_body({"refresh_token": "{{refreshToken}}"}),
                tests=status(200, "OK")
                + js(r"""
                pm.test('the refresh token is revoked', () =>
                    pm.expect(pm.response.json().refresh_token_revoked).to.equal(true));
                """),
            ),
            item(
                "List photos with the signed-out access token → 401",
                "listPhotos",
                auth=bearer("accessToken"),
                description="Sign-out takes effect at once on this API: the photo routes "
                "check the broker's sign-out record, not only the token's expiry.",
                tests=error(401, "Unauthorized", "unauthorized"),
            ),
            item(
                "Refresh with the revoked token → 400",
                "token",
                body=json_body(
                    {"grant_type": "refresh_token", "refresh_token": "{{refreshToken}}"}
                ),
                tests=error(400, "Bad Request", "invalid_grant"),
            ),
        ],
    )


def codes_and_direct_upload_flow() -> dict[str, Any]:
    """The operations the flows above do not reach (issue 12: every documented operation
    has a request). Last, because the presigned POST leaves a pending photo behind."""
    return folder(
        "Codes and direct uploads",
        "Resending a confirmation code and the password-reset pair answer the same for "
        "known and unknown emails; `POST /photos/upload-url` returns a presigned POST.",
        [
            item(
                "Resend a code to an email with no account → 200",
                "resendCode",
                description="Indistinguishable from a real account (PreventUserExistenceErrors).",
                body=json_body({"email": "nobody-{{$timestamp}}@example.com"}),
                tests=status(200, "OK") + shape("{code_delivery}", contract("CodeSent")),
            ),
            item(
                "Forgot password",
                "forgotPassword",
                body=json_body({"email": "{{email}}"}),
                tests=status(200, "OK") + shape("{code_delivery}", contract("CodeSent")),
            ),
            item(
                "Reset password with a wrong code → 400",
                "resetPassword",
                body=json_body(
                    {"email": "{{email}}", "code": "{{wrongCode}}", "password": "{{password}}"}
                ),
                tests=error(400, "Bad Request", "code_mismatch"),
            ),
            item(
                "Presigned POST for a direct upload",
                "createUploadUrl",
                auth=bearer("accessToken"),
                body=json_body(
                    {"filename": "large.png", "content_type": "image/png", "size_bytes": 5242880}
                ),
                tests=status(201, "Created")
                + shape("{photo_id, upload, expires_in}", contract("UploadUrlResponse")),
            ),
        ],
    )
