"""Journey folder: the negative cases, each error's status and ``error`` code."""

from __future__ import annotations

from typing import Any

from tools.postman.requests import (
    CREDENTIALS,
    NOT_AN_IMAGE_FIXTURE,
    PHOTO_FIXTURE,
    UNKNOWN_PHOTO_ID,
    bearer,
    folder,
    item,
    json_body,
    upload,
)
from tools.postman.schemas import TOKENS, contract
from tools.postman.scripts import (
    INBOX_FN,
    LOCAL_ONLY_GUARD,
    OTHER_USER_GUARD,
    error,
    js,
    shape,
    status,
)


def negative_flow() -> dict[str, Any]:
    """The folder of refusals: each error's status and ``error`` code."""
    return folder(
        "Negative cases",
        "What clients branch on: each error's status and `error` code (openapi.json).",
        [
            *_tokens_refused(),
            *_malformed_bodies(),
            *_no_account_oracle(),
            *_refused_grants(),
            *_photo_requests_refused(),
            _keep_a_photo(),
            *_other_user(),
            *_cross_user_checks(),
        ],
    )


def _tokens_refused() -> list[dict[str, Any]]:
    """No token, an ID token, a malformed token: 401 (after a fresh sign-in)."""
    return [
        item(
            "List photos without a token → 401",
            "listPhotos",
            tests=error(401, "Unauthorized", "unauthorized"),
        ),
        item(
            "Sign in again",
            "signIn",
            body=CREDENTIALS,
            tests=status(200, "OK")
            + shape(
                "a token set",
                contract("TokenSet", required=["id_token", "refresh_token"], properties=TOKENS),
            )
            + js(r"""
            pm.collectionVariables.set('accessToken', pm.response.json().access_token);
            pm.collectionVariables.set('idToken', pm.response.json().id_token);
            """),
        ),
        item(
            "List photos with the ID token → 401",
            "listPhotos",
            auth=bearer("idToken"),
            description="Only access tokens pass: the authorizer requires a scope, which "
            "ID tokens do not carry.",
            tests=error(401, "Unauthorized", "unauthorized"),
        ),
        item(
            "List photos with a malformed token → 401",
            "listPhotos",
            auth={
                "type": "bearer",
                "bearer": [{"key": "token", "value": "not-a-jwt", "type": "string"}],
            },
            tests=error(401, "Unauthorized", "unauthorized"),
        ),
    ]


def _malformed_bodies() -> list[dict[str, Any]]:
    """A missing field and malformed JSON: 400 invalid_request."""
    return [
        item(
            "Sign in without a password → 400",
            "signIn",
            body=json_body({"email": "{{email}}"}),
            tests=error(400, "Bad Request", "invalid_request"),
        ),
        item(
            "Sign up with malformed JSON → 400",
            "signUp",
            body=json_body('{"email": "{{email}}", "password": '),
            tests=error(400, "Bad Request", "invalid_request"),
        ),
    ]


def _no_account_oracle() -> list[dict[str, Any]]:
    """Wrong password, unknown user and a repeated sign-up answer alike."""
    invalid_credentials = error(401, "Unauthorized", "invalid_credentials")
    return [
        item(
            "Sign in with a wrong password → 401",
            "signIn",
            body=json_body({"email": "{{email}}", "password": "Wrong-password-1"}),
            tests=invalid_credentials
            + js(r"""
            pm.collectionVariables.set('invalidCredentials', pm.response.text());
            """),
        ),
        item(
            "Sign in as an unknown user → 401, same answer",
            "signIn",
            description="Unknown user and wrong password look identical, so the API "
            "does not reveal which emails have accounts.",
            body=json_body(
                {"email": "nobody-{{$timestamp}}@example.com", "password": "Wrong-password-1"}
            ),
            tests=invalid_credentials
            + js(r"""
            pm.test('the body equals the wrong-password body', () =>
                pm.expect(pm.response.json()).to.eql(JSON.parse(pm.collectionVariables.get('invalidCredentials'))));
            """),
        ),
        item(
            "Sign up twice → the same 201",
            "signUp",
            description="An existing email gets the answer a new one gets, byte for "
            "byte, so sign-up does not reveal which emails have accounts.",
            body=CREDENTIALS,
            tests=status(201, "Created")
            + js(r"""
            // signUpBody is unknown when sign-up ran in an earlier run (AWS, two runs).
            const first = pm.collectionVariables.get('signUpBody');
            pm.test('the body equals the first sign-up body', () => first
                ? pm.expect(pm.response.text()).to.equal(first)
                : pm.expect(pm.response.json().code_delivery).to.be.an('object'));
            """),
        ),
    ]


def _refused_grants() -> list[dict[str, Any]]:
    """The password grant and a made-up refresh token are refused."""
    return [
        item(
            "Token with grant_type=password → 400",
            "token",
            body={
                "mode": "urlencoded",
                "urlencoded": [
                    {"key": "grant_type", "value": "password"},
                    {"key": "username", "value": "{{email}}"},
                    {"key": "password", "value": "{{password}}"},
                ],
            },
            tests=error(400, "Bad Request", "unsupported_grant_type"),
        ),
        item(
            "Refresh with a made-up token → 400",
            "token",
            body=json_body(
                {"grant_type": "refresh_token", "refresh_token": "made-up-refresh-token"}
            ),
            tests=error(400, "Bad Request", "invalid_grant"),
        ),
    ]


def _photo_requests_refused() -> list[dict[str, Any]]:
    """A bad cursor, bytes that are not an image, an unknown photo id."""
    return [
        item(
            "List photos with a bad cursor → 400",
            "listPhotos",
            auth=bearer("accessToken"),
            query={"cursor": "not-a-cursor"},
            tests=error(400, "Bad Request", "invalid_request"),
        ),
        upload(
            "Upload text declared as image/png → 415",
            NOT_AN_IMAGE_FIXTURE,
            "image/png",
            tests=error(415, "Unsupported Media Type", "unsupported_media_type"),
        ),
        item(
            "Get an unknown photo id → 404",
            "getPhoto",
            params={"photo_id": UNKNOWN_PHOTO_ID},
            auth=bearer("accessToken"),
            tests=error(404, "Not Found", "not_found"),
        ),
    ]


def _keep_a_photo() -> dict[str, Any]:
    """Upload a photo that the other user then tries to reach."""
    return upload(
        "Upload a photo to keep",
        PHOTO_FIXTURE,
        "image/png",
        tests=status(201, "Created")
        + js(r"""
        pm.collectionVariables.set('keptPhotoId', pm.response.json().photo_id);
        """),
    )


def _other_user() -> list[dict[str, Any]]:
    """A second user: signed up and confirmed locally, given on AWS."""
    return [
        item(
            "Sign up another user",
            "signUp",
            pre_request=LOCAL_ONLY_GUARD
            + js(r"""
            const suffix = Date.now() + '-' + Math.floor(Math.random() * 1e6);
            pm.collectionVariables.set('otherEmail', 'postman-other-' + suffix + '@example.com');
            pm.collectionVariables.set('otherPassword', 'Moments-' + suffix + '-Pw');
            """),
            body=json_body({"email": "{{otherEmail}}", "password": "{{otherPassword}}"}),
            tests=INBOX_FN
            + status(201, "Created")
            + js(r"""
            fetchCode(pm.collectionVariables.get('otherEmail'), 'otherCode');
            """),
        ),
        item(
            "Confirm the other user",
            "confirmSignUp",
            pre_request=LOCAL_ONLY_GUARD,
            body=json_body({"email": "{{otherEmail}}", "code": "{{otherCode}}"}),
            tests=status(200, "OK"),
        ),
        item(
            "Sign in as the other user",
            "signIn",
            pre_request=OTHER_USER_GUARD
            + js(r"""
            if (!local) {
                pm.collectionVariables.set('otherEmail', pm.environment.get('otherUserEmail'));
                pm.collectionVariables.set('otherPassword', pm.environment.get('otherUserPassword'));
            }
            """),
            body=json_body({"email": "{{otherEmail}}", "password": "{{otherPassword}}"}),
            tests=status(200, "OK")
            + js(r"""
            pm.collectionVariables.set('otherAccessToken', pm.response.json().access_token);
            """),
        ),
    ]


def _cross_user_checks() -> list[dict[str, Any]]:
    """The other user's get and delete are 404; the owner's photo stays."""
    return [
        item(
            "Another user gets the photo → 404",
            "getPhoto",
            params={"photo_id": "{{keptPhotoId}}"},
            description="Another user's photo is indistinguishable from a missing one.",
            pre_request=OTHER_USER_GUARD,
            auth=bearer("otherAccessToken"),
            tests=error(404, "Not Found", "not_found"),
        ),
        item(
            "Another user deletes the photo → 404",
            "deletePhoto",
            params={"photo_id": "{{keptPhotoId}}"},
            pre_request=OTHER_USER_GUARD,
            auth=bearer("otherAccessToken"),
            tests=error(404, "Not Found", "not_found"),
        ),
        item(
            "The owner still has the photo",
            "getPhoto",
            params={"photo_id": "{{keptPhotoId}}"},
            auth=bearer("accessToken"),
            tests=status(200, "OK") + shape("a photo", contract("Photo")),
        ),
        item(
            "The owner deletes it (clean-up)",
            "deletePhoto",
            params={"photo_id": "{{keptPhotoId}}"},
            auth=bearer("accessToken"),
            tests=status(204, "No Content"),
        ),
    ]
