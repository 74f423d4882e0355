"""Generate ``openapi.json``: the API contract as one OpenAPI 3.1 document.

``python -m tools.openapi`` (``make openapi``) rewrites the file; ``--check`` exits 1 when
the committed file differs from what this script generates (``tests/tools/test_openapi.py``
fails the same way, naming the command to run).

Nothing is written twice. The document is assembled from the code that serves the API:

- the routes (method, path, function, authorizer, scopes) from ``template.yaml``, read by
  the local stack's template reader, so a route added to the template without an entry in
  :data:`OPERATIONS` fails the generator;
- every request and response schema from the pydantic models that validate requests and
  render responses at the edge (``auth.models``, ``photos.models``), through pydantic's
  JSON Schema (draft 2020-12, the dialect OpenAPI 3.1 uses); requests in ``validation``
  mode, responses in ``serialization`` mode;
- the error body from :func:`shared.http.error_response` (its shape is :class:`ErrorBody`,
  and the tests render one through the real function and validate it against the schema);
- the security scheme from the template's ``CognitoAuthorizer`` (Bearer access token in
  ``Authorization``, the scopes it requires).

What only a person can say (a summary, which statuses and error codes a route answers
with, one example) lives in :data:`OPERATIONS`, next to the model it refers to. The
fuzzing test (``tests/e2e/test_openapi_fuzz.py``) holds those statuses to the running
API: an undocumented status or a body that does not match its schema fails it.

This runs at build/test time only: nothing here is imported by a Lambda (the models keep
``defer_build=True``, so their schemas cost nothing at cold start).

Why not Powertools' ``app.get_openapi_schema()``: it sees a request model only through a
handler's typed parameters (``Annotated[Model, Body()]``) with ``enable_validation=True``,
which would move every handler's validation into the resolver (another error path than
``shared.http.parse_json_body`` and its contract body) and build each model at import; it
also knows one function's route at a time. The pydantic models it would read are the ones
read here.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT / "src") not in sys.path:  # src/ is the Lambda CodeUri: `auth.…`, `photos.…`
    sys.path.insert(0, str(REPO_ROOT / "src"))

from auth import models as auth_models
from local_stack.template import ApiSpec, RouteSpec, Template
from photos import models as photo_models

OUTPUT = REPO_ROOT / "openapi.json"
TEMPLATE = REPO_ROOT / "template.yaml"
REGENERATE = "make openapi"
SECURITY_SCHEME = "CognitoAccessToken"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


class ErrorBody(BaseModel):
    """The contract's error body, as :func:`shared.http.error_response` renders it.

    DESIGN.md, API contract v1: ``{"error": "<snake_case_code>", "error_description":
    "<human sentence>"}``; codes follow RFC 6749 section 5.2 on the token route.
    """

    model_config = ConfigDict(extra="forbid", title="ErrorBody")

    error: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Machine-readable snake_case code; clients branch on it.",
        examples=["invalid_request"],
    )
    error_description: str = Field(
        min_length=1,
        description="One human sentence. Never contains a password, code or token.",
        examples=["email: String should match pattern '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$'."],
    )


# --------------------------------------------------------------------------- operations
Status = int


@dataclass(frozen=True)
class Operation:
    """What the template and the models cannot say about one route.

    Attributes:
        operation_id: a stable camelCase id (client generators name methods after it).
        summary: one line.
        tag: ``auth`` or ``photos``.
        success: ``(status, response model or None for an empty body, description)``.
        errors: status -> the contract's ``error`` codes that status carries here.
        body: the request body: a model, ``"token"`` (JSON or form, one of two grants),
            ``"multipart"`` (a file part ``file``) or None.
        query: a model whose fields are the query parameters.
        request_example / response_example: one realistic example each.
        description: more than a line, when the route needs it.
    """

    operation_id: str
    summary: str
    tag: Literal["auth", "photos"]
    success: tuple[Status, type[BaseModel] | None, str]
    errors: dict[Status, tuple[str, ...]]
    body: type[BaseModel] | Literal["token", "multipart"] | None = None
    query: type[BaseModel] | None = None
    request_example: dict[str, Any] | None = None
    response_example: dict[str, Any] | None = None
    description: str = ""
    cookie: bool = field(default=False)


def _merge(*tables: dict[int, tuple[str, ...]]) -> dict[int, tuple[str, ...]]:
    """Status -> error codes tables combined; a status in several keeps every code."""
    merged: dict[int, tuple[str, ...]] = {}
    for table in tables:
        for status, codes in table.items():
            merged[status] = tuple(dict.fromkeys(merged.get(status, ()) + codes))
    return merged


# Errors any function can return: its resolver's catch-all (500 ``server_error``). What API
# Gateway itself answers (throttling, payload quota, the authorizer, a failed or timed-out
# function) comes from the template's GatewayResponses: see _gateway_errors().
_SERVER = {500: ("server_error",)}
# Errors of every broker route that calls Cognito (auth/errors.py ERRORS): throttling and
# an unavailable identity provider.
_UPSTREAM = {
    429: ("too_many_requests",),
    502: ("server_error",),
    503: ("temporarily_unavailable",),
    **_SERVER,
}
# Errors of every photo route: the authorizer, the store being busy (photos/errors.py).
_PHOTO = {
    401: ("unauthorized",),  # also from the handler's own check (TOKEN_VERIFICATION=handler)
    502: ("upstream_error",),
    503: ("service_unavailable",),
    **_SERVER,
}
_BAD_JSON = ("invalid_request",)
#: The sensitive routes' 401s: the token (authorizer, Cognito), then the fresh proof
#: (auth.reauthentication: none sent, or wrong).
_PROOF_ERRORS = (
    "unauthorized",
    "invalid_token",
    "reauthentication_required",
    "invalid_credentials",
)
_PROOF_DESCRIPTION = (
    "Needs a fresh proof of identity on top of the access token (docs/auth.md): `password`, "
    "and `code` (a current authenticator code) when TOTP MFA is on. Without one: 401 "
    "`reauthentication_required`; a wrong one: 401 `invalid_credentials`, as a wrong sign-in."
)

_EMAIL = "alice@example.com"
_PASSWORD = "Correct-Horse-9"
_CODE_DELIVERY = {"destination": "a***@e***", "medium": "EMAIL"}
_TOKENS = {
    "access_token": "eyJraWQiOiJ…",
    "id_token": "eyJraWQiOiJ…",
    "refresh_token": "eyJjdHkiOiJKV1Qi…",
    "expires_in": 900,
    "token_type": "Bearer",
}
_ACCOUNT = {"email": _EMAIL, "email_verified": True, "name": "Alice", "totp_enabled": False}
_PHOTO_EXAMPLE = {
    "photo_id": "01M7YMNWGJPB51XQFCN5F0NHAM",
    "filename": "beach.png",
    "content_type": "image/png",
    "size_bytes": 73,
    "created_at": "2026-11-21T08:48:29Z",
    "status": "ready",
    "url": "https://moments-photos.s3.amazonaws.com/a2c21cb3-…/01M7YMNWGJPB51XQFCN5F0NHAM?X-Amz-…",
}

#: Template function logical id -> its operation. The template gives method and path.
OPERATIONS: dict[str, Operation] = {
    "SignUpFunction": Operation(
        "signUp",
        "Create an account; a confirmation code is emailed",
        "auth",
        (201, auth_models.SignUpResult, "Account created; the code went to the email."),
        # No 409: an existing email gets the same 201 (no account oracle, docs/auth.md).
        {400: ("invalid_request", "invalid_password"), **_UPSTREAM},
        body=auth_models.SignUpRequest,
        request_example={"email": _EMAIL, "password": _PASSWORD, "name": "Alice"},
        response_example={"code_delivery": _CODE_DELIVERY},
    ),
    "ConfirmSignUpFunction": Operation(
        "confirmSignUp",
        "Confirm an account with the emailed code",
        "auth",
        (200, auth_models.Confirmed, "The account is confirmed."),
        {
            # One code_mismatch for a wrong or expired code, an unknown or confirmed email.
            400: ("invalid_request", "code_mismatch"),
            403: ("not_authorized",),
            **_UPSTREAM,
        },
        body=auth_models.ConfirmRequest,
        request_example={"email": _EMAIL, "code": "828092"},
        response_example={"confirmed": True},
    ),
    "ResendCodeFunction": Operation(
        "resendCode",
        "Send a new confirmation code",
        "auth",
        (200, auth_models.CodeSent, "A code was sent (the same answer for any email)."),
        _merge(
            _UPSTREAM, {400: _BAD_JSON, 403: ("not_authorized",), 502: ("code_delivery_failed",)}
        ),
        body=auth_models.EmailRequest,
        request_example={"email": _EMAIL},
        response_example={"code_delivery": _CODE_DELIVERY},
    ),
    "SignInFunction": Operation(
        "signIn",
        "Sign in with email and password (USER_PASSWORD_AUTH)",
        "auth",
        (
            200,
            auth_models.SignInResult,
            (
                "An OAuth 2.0 token response (RFC 6749 section 5.1), or, when the user has "
                "TOTP MFA on, `{challenge, session}` to answer at `POST /auth/challenge`."
            ),
        ),
        {
            400: _BAD_JSON,
            401: ("invalid_credentials",),
            403: ("user_not_confirmed", "password_reset_required", "challenge_required"),
            **_UPSTREAM,
        },
        body=auth_models.SignInRequest,
        request_example={"email": _EMAIL, "password": _PASSWORD},
        response_example=_TOKENS,
        cookie=True,
        description="With `X-Token-Delivery: cookie` the refresh token is set as an "
        "HttpOnly cookie (Path=/auth) instead of being returned in the body.",
    ),
    "ChallengeFunction": Operation(
        "answerChallenge",
        "Answer a sign-in challenge (TOTP or emailed code) with its session",
        "auth",
        (200, auth_models.TokenSet, "An OAuth 2.0 token response (RFC 6749 section 5.1)."),
        {
            400: ("invalid_request", "code_mismatch"),
            401: ("invalid_session",),
            403: ("challenge_required", "not_authorized"),
            **_UPSTREAM,
        },
        body=auth_models.ChallengeAnswer,
        request_example={
            "email": _EMAIL,
            "challenge": "SOFTWARE_TOKEN_MFA",
            "session": "AYABeC1vZGVfa2V5X2lkIjoi…",
            "answer": "123456",
        },
        response_example=_TOKENS,
        cookie=True,
        description="The session lives the app client's `AuthSessionValidity` (3 minutes by "
        "default) and takes a few wrong answers; a code works once.",
    ),
    "EmailCodeSignInFunction": Operation(
        "emailCodeSignIn",
        "Passwordless sign-in: email me a code (USER_AUTH, EMAIL_OTP)",
        "auth",
        (200, auth_models.SignInChallenge, "The same answer for every email."),
        {400: _BAD_JSON, 403: ("passwordless_disabled",), **_UPSTREAM},
        body=auth_models.EmailRequest,
        request_example={"email": _EMAIL},
        response_example={"challenge": "EMAIL_OTP", "session": "AYABeC1vZGVfa2V5X2lkIjoi…"},
        description="Answer with the emailed 8-digit code at `POST /auth/challenge`. Needs "
        "the template parameter `PasswordlessEmailSourceArn` on AWS (always on locally).",
    ),
    "MfaSetupFunction": Operation(
        "setUpMfa",
        "Start TOTP setup: a new secret for an authenticator app",
        "auth",
        (200, auth_models.MfaSetup, "The secret, also as an otpauth:// URI for a QR code."),
        {
            400: _BAD_JSON,
            401: ("unauthorized", "invalid_token"),
            403: ("access_denied",),
            **_UPSTREAM,
        },
        response_example={
            "secret_code": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
            "otpauth_uri": "otpauth://totp/Moments:alice@example.com"
            "?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Moments",
        },
    ),
    "MfaVerifyFunction": Operation(
        "verifyMfa",
        "Verify the authenticator's code and turn TOTP MFA on",
        "auth",
        (200, auth_models.MfaStatus, "TOTP MFA is on: sign-in asks for a code."),
        {
            400: ("invalid_request", "code_mismatch"),
            401: _PROOF_ERRORS,
            403: ("access_denied",),
            409: ("mfa_enabled",),
            **_UPSTREAM,
        },
        body=auth_models.MfaVerifyRequest,
        request_example={"code": "123456", "device_name": "phone", "password": "Correct-Horse-9"},
        response_example={"totp_enabled": True},
        description="`password` is the fresh proof of identity (docs/auth.md). With TOTP "
        "already on the answer is 409 `mfa_enabled`: turn it off first.",
    ),
    "MfaDisableFunction": Operation(
        "disableMfa",
        "Turn TOTP MFA off",
        "auth",
        (200, auth_models.MfaStatus, "TOTP MFA is off."),
        {
            400: ("invalid_request",),
            401: _PROOF_ERRORS,
            403: ("access_denied",),
            **_UPSTREAM,
        },
        body=auth_models.MfaDisableRequest,
        request_example={"password": "Correct-Horse-9", "code": "123456"},
        response_example={"totp_enabled": False},
        description=_PROOF_DESCRIPTION,
    ),
    "TokenFunction": Operation(
        "token",
        "OAuth 2.0 token endpoint: authorization code + PKCE, or refresh token",
        "auth",
        (200, auth_models.TokenSet, "An OAuth 2.0 token response (RFC 6749 section 5.1)."),
        {
            400: ("invalid_request", "invalid_grant", "unsupported_grant_type", "invalid_scope"),
            403: ("not_authorized",),
            **_UPSTREAM,
        },
        body="token",
        request_example={
            "grant_type": "refresh_token",
            "refresh_token": "eyJjdHkiOiJKV1Qi…",
        },
        response_example=_TOKENS,
        cookie=True,
        description="RFC 6749 sections 4.1.3 and 6, RFC 7636 section 4.5. The body is JSON "
        "or `application/x-www-form-urlencoded`. With `X-Token-Delivery: cookie` the refresh "
        "token is read from and written to the HttpOnly cookie.",
    ),
    "SignOutFunction": Operation(
        "signOut",
        "Revoke the refresh token; with a Bearer access token, sign out everywhere",
        "auth",
        (200, auth_models.SignedOut, "Signed out."),
        {
            400: ("invalid_request", "invalid_grant", "unsupported_token_type"),
            401: ("invalid_token",),
            403: ("not_authorized", "forbidden"),
            **_UPSTREAM,
        },
        body=auth_models.SignOutRequest,
        request_example={"refresh_token": "eyJjdHkiOiJKV1Qi…"},
        response_example={
            "signed_out": True,
            "refresh_token_revoked": True,
            "signed_out_everywhere": False,
        },
        cookie=True,
        description="An optional `Authorization: Bearer <access token>` also calls "
        "GlobalSignOut, which ends every session of the user at once.",
    ),
    "ForgotPasswordFunction": Operation(
        "forgotPassword",
        "Email a password-reset code",
        "auth",
        (200, auth_models.CodeSent, "The same answer for known and unknown emails."),
        _merge(
            _UPSTREAM, {400: _BAD_JSON, 403: ("not_authorized",), 502: ("code_delivery_failed",)}
        ),
        body=auth_models.EmailRequest,
        request_example={"email": _EMAIL},
        response_example={"code_delivery": _CODE_DELIVERY},
    ),
    "ResetPasswordFunction": Operation(
        "resetPassword",
        "Set a new password with the emailed reset code",
        "auth",
        (200, auth_models.PasswordReset, "The password is changed."),
        {
            400: ("invalid_request", "code_mismatch", "invalid_password"),
            403: ("not_authorized",),
            **_UPSTREAM,
        },
        body=auth_models.ResetPasswordRequest,
        request_example={"email": _EMAIL, "code": "828092", "password": "Another-Horse-10"},
        response_example={"password_reset": True},
    ),
    "AccountFunction": Operation(
        "getAccount",
        "The signed-in user's profile",
        "auth",
        (200, auth_models.Account, "The profile; `email` is the sign-in name."),
        {401: ("unauthorized", "invalid_token"), 403: ("access_denied",), **_UPSTREAM},
        response_example=_ACCOUNT,
    ),
    "UpdateAccountFunction": Operation(
        "updateAccount",
        "Change the profile's name",
        "auth",
        (200, auth_models.Account, "The updated profile."),
        {
            400: ("invalid_request",),
            401: ("unauthorized", "invalid_token"),
            403: ("access_denied",),
            **_UPSTREAM,
        },
        body=auth_models.AccountUpdate,
        request_example={"name": "Alice"},
        response_example=_ACCOUNT,
    ),
    "ChangePasswordFunction": Operation(
        "changePassword",
        "Change the password (the current one is required)",
        "auth",
        (200, auth_models.PasswordChanged, "The password is changed."),
        {
            400: ("invalid_request", "invalid_credentials", "invalid_password"),
            401: ("unauthorized", "invalid_token"),
            403: ("access_denied",),
            **_UPSTREAM,
        },
        body=auth_models.ChangePasswordRequest,
        request_example={"previous_password": _PASSWORD, "proposed_password": "Another-Horse-10"},
        response_example={"password_changed": True},
    ),
    "ChangeEmailFunction": Operation(
        "changeEmail",
        "Start an email change: a code goes to the new address",
        "auth",
        (200, auth_models.CodeSent, "The same answer whether or not the address is free."),
        {
            400: ("invalid_request",),
            401: _PROOF_ERRORS,
            403: ("access_denied",),
            **_UPSTREAM,
        },
        body=auth_models.ChangeEmailRequest,
        request_example={"email": "alice.new@example.com", "password": "Correct-Horse-9"},
        response_example={"code_delivery": _CODE_DELIVERY},
        description="The old email stays the sign-in name until `POST "
        "/auth/account/email/verify` (Cognito's AttributesRequireVerificationBeforeUpdate). "
        + _PROOF_DESCRIPTION,
    ),
    "VerifyEmailFunction": Operation(
        "verifyEmail",
        "Finish an email change with the code sent to the new address",
        "auth",
        (200, auth_models.Account, "The profile, with the new email."),
        {
            400: ("invalid_request", "code_mismatch", "expired_code"),
            401: ("unauthorized", "invalid_token"),
            403: ("access_denied",),
            409: ("user_exists",),
            **_UPSTREAM,
        },
        body=auth_models.CodeRequest,
        request_example={"code": "828092"},
        response_example={**_ACCOUNT, "email": "alice.new@example.com"},
    ),
    "DeleteAccountFunction": Operation(
        "deleteAccount",
        "Delete the account and all of its photos; signs out everywhere",
        "auth",
        (200, auth_models.AccountDeleted, "Deleted; a second delete answers 401."),
        {
            400: ("invalid_request",),
            401: _PROOF_ERRORS,
            403: ("access_denied",),
            **_UPSTREAM,
        },
        body=auth_models.DeleteAccountRequest,
        request_example={"password": "Correct-Horse-9"},
        response_example={"account_deleted": True, "photos_deleted": 3},
        description=_PROOF_DESCRIPTION,
    ),
    "AuthConfigFunction": Operation(
        "getConfig",
        "Public settings a client needs for the hosted-UI code + PKCE flow",
        "auth",
        (200, auth_models.PublicConfig, "Never contains the client secret."),
        {**_UPSTREAM},
        response_example={
            "region": "eu-west-1",
            "user_pool_id": "eu-west-1_AbCdEfGhI",
            "client_id": "1example23456789",
            "authorize_url": "https://moments.auth.eu-west-1.amazoncognito.com/oauth2/authorize",
            "token_url": "https://moments.auth.eu-west-1.amazoncognito.com/oauth2/token",
            "logout_url": "https://moments.auth.eu-west-1.amazoncognito.com/logout",
            "userinfo_url": "https://moments.auth.eu-west-1.amazoncognito.com/oauth2/userInfo",
            "broker_token_url": "/auth/token",
            "scopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
            "redirect_uris": ["https://moments.example.com/"],
            "logout_uris": ["https://moments.example.com/"],
        },
    ),
    "ListPhotosFunction": Operation(
        "listPhotos",
        "The caller's photos, newest first, one page at a time",
        "photos",
        (200, photo_models.PhotoPage, "One page; `next_cursor` is null on the last one."),
        {400: ("invalid_request",), **_PHOTO},
        query=photo_models.ListPhotosQuery,
        response_example={"items": [_PHOTO_EXAMPLE], "next_cursor": None},
    ),
    "UploadPhotoFunction": Operation(
        "uploadPhoto",
        "Upload one image (JPEG, PNG, GIF or WebP) as multipart/form-data",
        "photos",
        (201, photo_models.Photo, "The stored photo."),
        {
            400: ("invalid_request",),
            413: ("payload_too_large",),
            415: ("unsupported_media_type",),
            **_PHOTO,
        },
        body="multipart",
        response_example=_PHOTO_EXAMPLE,
        description="The type is read from the bytes, not from the part's Content-Type. "
        "At most the template's `MaxUploadBytes` (4 MiB by default; Lambda's payload quota "
        "is 6 MB); larger files go through `POST /photos/upload-url`.",
    ),
    "CreateUploadUrlFunction": Operation(
        "createUploadUrl",
        "A presigned POST for uploading a large image straight to S3",
        "photos",
        (201, photo_models.UploadUrlResponse, "The pending photo's id and its presigned POST."),
        {
            400: ("invalid_request",),
            413: ("payload_too_large",),
            415: ("unsupported_media_type",),
            **_PHOTO,
        },
        body=photo_models.UploadUrlRequest,
        request_example={"filename": "beach.png", "content_type": "image/png", "size_bytes": 73},
        response_example={
            "photo_id": "01M7YMNWGJPB51XQFCN5F0NHAM",
            "upload": {
                "url": "https://moments-photos.s3.amazonaws.com/",
                "fields": {"key": "a2c21cb3-…/01M7YMNWGJPB51XQFCN5F0NHAM", "policy": "eyJ…"},
            },
            "expires_in": 900,
        },
        description="POST a form to `upload.url` with every member of `upload.fields`, then "
        "the file as part `file`. The policy pins `size_bytes` and `content_type`.",
    ),
    "GetPhotoFunction": Operation(
        "getPhoto",
        "One photo of the caller",
        "photos",
        (200, photo_models.Photo, "The photo, with a short-lived presigned GET `url`."),
        {404: ("not_found",), **_PHOTO},
        response_example=_PHOTO_EXAMPLE,
    ),
    "DeletePhotoFunction": Operation(
        "deletePhoto",
        "Delete one photo of the caller",
        "photos",
        (204, None, "Deleted."),
        {404: ("not_found",), **_PHOTO},
    ),
}

_STATUS_TEXT = {
    400: "Bad request",
    504: "The function timed out (API Gateway's integration timeout)",
    401: "Missing or invalid credentials",
    403: "Forbidden",
    404: "Not found (another user's photo looks the same)",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    429: "Too many requests; see Retry-After",
    500: "The service failed",
    502: "An upstream service or the function failed",
    503: "Temporarily unavailable; see Retry-After",
}


# --------------------------------------------------------------------------- assembly
def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _models() -> tuple[list[type[BaseModel]], list[type[BaseModel]]]:
    """The request models and the response models :data:`OPERATIONS` refers to."""
    requests: list[type[BaseModel]] = [
        auth_models.AuthorizationCodeGrant,
        auth_models.RefreshTokenGrant,
    ]
    responses: list[type[BaseModel]] = [ErrorBody]
    for op in OPERATIONS.values():
        if isinstance(op.body, type):
            requests.append(op.body)
        if op.success[1] is not None:
            responses.append(op.success[1])
    return list(dict.fromkeys(requests)), list(dict.fromkeys(responses))


def _component_schemas() -> dict[str, Any]:
    requests, responses = _models()
    pairs = [(m, "validation") for m in requests] + [(m, "serialization") for m in responses]
    _, schema = models_json_schema(pairs, ref_template="#/components/schemas/{model}")  # type: ignore[arg-type]
    defs: dict[str, Any] = schema.get("$defs", {})
    names = [m.__name__ for m in requests + responses]
    missing = [name for name in names if name not in defs]
    if missing:  # pydantic suffixes a name used in both modes: keep them apart instead
        raise SystemExit(f"models with two JSON schemas (request and response?): {missing}")
    for name, model in zip(names, requests + responses, strict=True):
        if model.__doc__:
            defs[name]["description"] = " ".join(model.__doc__.split())
    return dict(sorted(defs.items()))


def _parameters(query: type[BaseModel] | None) -> list[dict[str, Any]]:
    if query is None:
        return []
    schema = query.model_json_schema(mode="validation")
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        # An optional parameter is sent or omitted; `null` has no query-string spelling.
        if "anyOf" in prop:
            options = [o for o in prop.pop("anyOf") if o.get("type") != "null"]
            prop = {**options[0], **prop} if len(options) == 1 else {"anyOf": options, **prop}
        if prop.get("default", "") is None:
            del prop["default"]
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if description:
            param["description"] = description
        params.append(param)
    return params


def _request_body(op: Operation) -> dict[str, Any] | None:
    if op.body is None:
        return None
    example = {"example": op.request_example} if op.request_example else {}
    if op.body == "token":
        grant = {
            "oneOf": [
                _ref(auth_models.AuthorizationCodeGrant),
                _ref(auth_models.RefreshTokenGrant),
            ],
            "discriminator": {
                "propertyName": "grant_type",
                "mapping": {
                    "authorization_code": "#/components/schemas/AuthorizationCodeGrant",
                    "refresh_token": "#/components/schemas/RefreshTokenGrant",
                },
            },
        }
        return {
            "required": True,
            "content": {JSON: {"schema": grant, **example}, FORM: {"schema": grant, **example}},
        }
    if op.body == "multipart":
        form = {
            "type": "object",
            "required": ["file"],
            "properties": {
                "file": {
                    "type": "string",
                    "format": "binary",
                    "contentMediaType": "application/octet-stream",
                    "description": "The image; its filename is kept (sanitised).",
                }
            },
            # photos.models.parse_upload_form reads the one `file` part and ignores others
            # (at most 16 parts in all), as browsers' forms may carry extra fields.
            "description": "One part named `file`; other parts are ignored.",
        }
        return {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": form,
                    "encoding": {
                        "file": {"contentType": "image/jpeg, image/png, image/gif, image/webp"}
                    },
                }
            },
        }
    return {"required": True, "content": {JSON: {"schema": _ref(op.body), **example}}}


#: API Gateway response types (developerguide "Gateway response types") -> the statuses they
#: answer with when the template sets none, and which operations can get them.
_GATEWAY_TYPES: dict[str, tuple[tuple[int, ...], Callable[[RouteSpec, Operation], bool]]] = {
    # Stage or account throttling: any request.
    "THROTTLED": ((429,), lambda route, op: True),
    # A body over the 10 MB payload quota (developerguide "API Gateway quotas").
    "REQUEST_TOO_LARGE": ((413,), lambda route, op: op.body is not None),
    # The COGNITO_USER_POOLS authorizer: no/invalid token, or a missing scope.
    "UNAUTHORIZED": ((401,), lambda route, op: route.authorizer is not None),
    "ACCESS_DENIED": ((403,), lambda route, op: route.authorizer is not None),
    # The function failed or returned a malformed result (502), or ran past the 29 s
    # integration timeout (504); both fall back to DEFAULT_5XX.
    "DEFAULT_5XX": ((502, 504), lambda route, op: True),
}
_ERROR_CODE = re.compile(r'"error"\s*:\s*"([a-z0-9_]+)"')


def _json_only(op: Operation) -> dict[int, tuple[str, ...]]:
    """415 for a route whose body is JSON (or, on the token route, JSON or a form): any
    other declared media type is refused (``shared.http.parse_json_request``,
    ``auth.models.parse_token_request``)."""
    checked = isinstance(op.body, type) or op.body == "token"
    return {415: ("unsupported_media_type",)} if checked else {}


def _gateway_errors(api: ApiSpec, route: RouteSpec, op: Operation) -> dict[int, tuple[str, ...]]:
    """Status -> ``error`` codes of the gateway responses ``route`` can get, from the
    template's ``GatewayResponses`` (their ``application/json`` templates).

    Raises:
        SystemExit: a response type that applies has no template with an ``error`` code
            (API Gateway would answer ``{"message": ...}``, not the contract's body).
    """
    found: dict[int, tuple[str, ...]] = {}
    for kind, (defaults, applies) in _GATEWAY_TYPES.items():
        if not applies(route, op):
            continue
        family = "DEFAULT_5XX" if defaults[0] >= 500 else "DEFAULT_4XX"
        spec = api.gateway_responses.get(kind) or api.gateway_responses.get(family)
        code = _ERROR_CODE.search(spec.templates.get(JSON, "")) if spec else None
        if spec is None or code is None:
            raise SystemExit(f"template.yaml: gateway response {kind} has no contract error body")
        for status in (spec.status,) if spec.status else defaults:
            found[status] = (code[1],)
    return found


def _responses(op: Operation, errors_by_status: dict[int, tuple[str, ...]]) -> dict[str, Any]:
    status, model, description = op.success
    success: dict[str, Any] = {"description": description}
    if model is not None:
        content: dict[str, Any] = {"schema": _ref(model)}
        if op.response_example is not None:
            content["example"] = op.response_example
        success["content"] = {JSON: content}
    if op.cookie:
        success["headers"] = {
            "Set-Cookie": {
                "description": "`moments_refresh_token` (HttpOnly; Secure; SameSite=Strict; "
                "Path=/auth), only under `X-Token-Delivery: cookie`.",
                "schema": {"type": "string"},
            }
        }
    responses: dict[str, Any] = {str(status): success}
    for code, errors in sorted(errors_by_status.items()):
        examples = {
            error: {"value": {"error": error, "error_description": "One human sentence."}}
            for error in errors
        }
        response: dict[str, Any] = {
            "description": f"{_STATUS_TEXT[code]}: `error` is "
            + " or ".join(f"`{e}`" for e in errors)
            + ".",
            "content": {JSON: {"schema": _ref(ErrorBody), "examples": examples}},
        }
        if code == 401 and op.tag == "photos":
            response["headers"] = {
                "WWW-Authenticate": {"schema": {"type": "string"}, "example": "Bearer"}
            }
        responses[str(code)] = response
    return responses


def _cookie_parameters(op: Operation) -> list[dict[str, Any]]:
    if not op.cookie:
        return []
    return [
        {
            "name": "X-Token-Delivery",
            "in": "header",
            "required": False,
            "description": "`cookie` (any case): the refresh token travels in the HttpOnly "
            "cookie instead of the body (same-origin browsers; docs/auth.md). Any other value "
            "is ignored (body delivery).",
            "schema": {"type": "string", "examples": ["cookie"]},
        }
    ]


def _version() -> str:
    with (REPO_ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def build_document(template_path: Path = TEMPLATE) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``template_path`` (``template.yaml`` by default).

    Raises:
        SystemExit: a template route has no entry in :data:`OPERATIONS`, an entry names a
            function the template does not route, or the route's method/path template
            differ from what the operation documents.
    """
    template = Template.load(template_path)
    routes = sorted(template.routes(), key=lambda r: (r.path, r.method))
    routed = {route.function_id for route in routes}
    unknown = sorted(routed - OPERATIONS.keys())
    stale = sorted(OPERATIONS.keys() - routed)
    if unknown or stale:
        raise SystemExit(
            f"tools/openapi.py OPERATIONS is out of step with {template_path.name}: "
            f"routes without an entry {unknown}, entries without a route {stale}"
        )
    scopes: set[str] = set()
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        op = OPERATIONS[route.function_id]
        operation: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "tags": [op.tag],
        }
        if op.description:
            operation["description"] = op.description
        parameters = _parameters(op.query) + _cookie_parameters(op)
        if parameters:
            operation["parameters"] = parameters
        body = _request_body(op)
        if body is not None:
            operation["requestBody"] = body
        api = template.apis()[route.api_id]
        errors = _merge(op.errors, _json_only(op), _gateway_errors(api, route, op))
        operation["responses"] = _responses(op, errors)
        if route.authorizer:
            authorizer = template.apis()[route.api_id].authorizers[route.authorizer]
            scopes.update(route.scopes or authorizer.scopes)
            operation["security"] = [{SECURITY_SCHEME: []}]
        else:
            operation["security"] = []
        item = paths.setdefault(route.path, {})
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": "The photo's id, a ULID (26 Crockford base32 characters).",
                "schema": {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$"},
                "example": "01M7YMNWGJPB51XQFCN5F0NHAM",
            }
            for name in _path_names(route.path)
        ]
        if params:
            item["parameters"] = params
        item[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Moments API",
            "version": _version(),
            "summary": "A photo API secured by Amazon Cognito.",
            "description": "Generated from template.yaml and the pydantic models by "
            f"`{REGENERATE}` (tools/openapi.py); do not edit by hand. JSON in and out, "
            "snake_case fields. Every error body is "
            '`{"error": "<snake_case_code>", "error_description": "<sentence>"}`.',
        },
        "servers": [
            {
                "url": "https://{api_id}.execute-api.{region}.amazonaws.com/{stage}",
                "description": "A deployed stack (output `ApiUrl`).",
                "variables": {
                    "api_id": {"default": "abcdef1234"},
                    "region": {"default": "eu-west-1"},
                    "stage": {"default": "dev"},
                },
            },
            {"url": "http://127.0.0.1:3000", "description": "`make dev`"},
        ],
        "tags": [
            {"name": "auth", "description": "The auth broker (no authorizer)."},
            {"name": "photos", "description": "The photo service (Cognito authorizer)."},
        ],
        "paths": paths,
        "components": {
            "schemas": _component_schemas(),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A Cognito user pool **access** token in "
                    "`Authorization: Bearer <token>` (ID tokens are refused). The API's "
                    "COGNITO_USER_POOLS authorizer requires the scope(s) "
                    + ", ".join(f"`{s}`" for s in sorted(scopes))
                    + ". Get one from `POST /auth/sign-in` or `POST /auth/token`.",
                }
            },
        },
    }


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def render(document: dict[str, Any]) -> str:
    """The file's text: stable key order as built, two-space indent, final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write :data:`OUTPUT`, or with ``--check`` exit 1 if it is stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if openapi.json is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render(build_document())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(
                f"{args.output.name} is stale: run `{REGENERATE}` and commit it.", file=sys.stderr
            )
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
