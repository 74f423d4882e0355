"""Generate ``postman/moments.postman_collection.json`` (Postman Collection v2.1).

``python -m tools.postman_collection`` rewrites the file; ``--check`` exits 1 when the
committed file differs from what this script generates (``tests/tools`` runs it).

Why a generator rather than an edited export: the requests come from ``openapi.json``
(openapi-to-postmanv2 converts each operation, :func:`converted`) and the response shapes
are its schemas (:func:`contract`), so only the journey is written here: which operation
each step calls, the variables chained between steps, and readable JavaScript
assertions. The JSON file stays a plain artefact that the Postman app imports and
newman runs. To change a request, edit this file and regenerate; an edit made in the
Postman app and exported over the file is caught by the check above. Node.js is needed
(``npm ci`` installs the converter with newman).

The run, top to bottom and unattended, against the ``local`` environment:

1. Sign up → confirm → sign in: a unique email per run; the code comes from the local
   stack's dev inbox (``GET {{baseUrl}}/_local/inbox/{{email}}``).
2. Photos CRUD: multipart upload of ``postman/fixtures/moment.png`` (newman resolves
   ``src`` against ``--working-dir``, the repository root), list, get, download through
   the presigned URL, delete, 404 afterwards.
3. Token refresh (JSON and form bodies; a rotated refresh token replaces the old one).
4. Sign out: the refresh token is revoked, so refreshing with it fails.
5. Negative cases: 401 without a token and with an ID token, 400 bad bodies, 401 wrong
   password identical to an unknown user, 409 duplicate sign-up,
   ``unsupported_grant_type``, 415 for bytes that are not an image, 404 for an unknown id
   and for another user's photo.

Against the ``aws`` environment (``inboxLookup`` false) the code arrives by email: the
first run stops after sign-up, and the second run, with ``confirmationCode`` filled in,
goes on. The cross-user checks use ``otherUserEmail``/``otherUserPassword`` there and are
skipped when those are empty.
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "postman" / "moments.postman_collection.json"
PHOTO_FIXTURE = "postman/fixtures/moment.png"
NOT_AN_IMAGE_FIXTURE = "postman/fixtures/not-an-image.txt"
SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
# A syntactically valid ULID (the ULID spec's own example) that no photo has.
UNKNOWN_PHOTO_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"

# ----------------------------------------------------------------------- shapes (JSON Schema)
# The response shapes are the contract's: openapi.json's components/schemas, inlined, so a
# model change reaches every check on the next `python -m tools.postman_collection`. A
# journey step that expects more than the contract (a field present, a constant) adds it
# with ``allOf`` (:func:`contract`).
OPENAPI = REPO_ROOT / "openapi.json"
# Keywords that only annotate (JSON Schema 2020-12 section 9): left out of the scripts.
_ANNOTATIONS = frozenset({"title", "description", "examples", "default"})


@functools.cache
def _components() -> dict[str, Any]:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))["components"]["schemas"]


def _inline(schema: Any) -> Any:
    """``schema`` with every ``#/components/schemas`` ``$ref`` replaced by its target."""
    if isinstance(schema, list):
        return [_inline(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _inline(_components()[schema["$ref"].rsplit("/", 1)[1]])
    inlined = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "properties":
            inlined[key] = {name: _inline(spec) for name, spec in value.items()}
        else:
            inlined[key] = _inline(value)
    return inlined


def contract(name: str, **journey: Any) -> dict[str, Any]:
    """openapi.json's schema ``name``; with ``journey`` keywords (``required=[...]``,
    ``properties={...}``) also what this step of the journey expects, via ``allOf``.

    Raises:
        KeyError: openapi.json has no such schema.
    """
    schema = _inline({"$ref": f"#/components/schemas/{name}"})
    return {"allOf": [schema, {"type": "object", **journey}]} if journey else schema


# A compact JWS (RFC 7515 section 7.1): what the scripts then decode.
JWT = {"type": "string", "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"}
TOKENS = {"access_token": JWT, "id_token": JWT}


# ----------------------------------------------------------------------- script pieces
def js(source: str) -> str:
    """A JavaScript fragment, de-indented, ending with a newline (fragments concatenate)."""
    return textwrap.dedent(source).strip("\n") + "\n"


COLLECTION_PRE_REQUEST = js(r"""
// Fail fast when the environment still holds a placeholder for the API URL.
const baseUrl = pm.variables.get('baseUrl') || '';
if (!/^https?:\/\/[^<>]+$/.test(baseUrl)) {
    throw new Error('Set baseUrl in the environment to the API URL (the stack\'s ApiUrl output, or http://127.0.0.1:3000 for make dev).');
}
""")

COLLECTION_TEST = js(rf"""
// Every error the API returns has the contract's body (openapi.json, ErrorBody).
const fromApi = pm.request.url.toString().startsWith(pm.variables.get('baseUrl'));
if (fromApi && pm.response.code >= 400) {{
    pm.test('error body is {{error, error_description}}', () => {{
        pm.response.to.have.jsonSchema({json.dumps(contract("ErrorBody"))});
    }});
}}
""")

# Defined at the top of every script that needs it; Postman scripts share no functions.
CLAIMS_FN = js(r"""
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64').toString('utf8'));
""")

INBOX_FN = js(r"""
// The local stack's dev inbox: GET /_local/inbox/{email} -> {messages: [{to, kind, code, sent_at}]}, newest first.
const fetchCode = (email, variable) => pm.sendRequest(
    {url: pm.variables.get('baseUrl') + '/_local/inbox/' + encodeURIComponent(email), method: 'GET'},
    (err, res) => {
        pm.test('the dev inbox holds the code sent to ' + email, () => {
            pm.expect(err).to.equal(null);
            pm.expect(res.code).to.equal(200);
            const message = res.json().messages[0];
            pm.expect(message, 'newest message').to.be.an('object');
            pm.expect(message.to.toLowerCase()).to.equal(email.toLowerCase());
            pm.expect(message.code).to.match(/^\S+$/);
            pm.collectionVariables.set(variable, message.code);
        });
    });
const inboxLookup = String(pm.environment.get('inboxLookup')) === 'true';
""")

OTHER_USER_GUARD = js(r"""
// The cross-user checks need a second user: created here locally, given on AWS.
const local = String(pm.environment.get('inboxLookup')) === 'true';
if (!local && !pm.environment.get('otherUserEmail')) {
    console.log('Skipped: set otherUserEmail/otherUserPassword in the environment to run the cross-user checks.');
    pm.execution.skipRequest();
}
""")

LOCAL_ONLY_GUARD = js(r"""
if (String(pm.environment.get('inboxLookup')) !== 'true') {
    pm.execution.skipRequest();  // on AWS the second user is given, not created
}
""")


def status(code: int, reason: str) -> str:
    return f"pm.test('{code} {reason}', () => pm.response.to.have.status({code}));\n"


def shape(description: str, schema: dict[str, Any]) -> str:
    return (
        f"pm.test('body is {description}', () => "
        f"pm.response.to.have.jsonSchema({json.dumps(schema)}));\n"
    )


def error(code: int, reason: str, error_code: str) -> str:
    """Status plus the contract's ``error`` code (the body shape is checked collection-wide)."""
    return status(code, reason) + (
        f"pm.test('error is {error_code}', () => "
        f"pm.expect(pm.response.json().error).to.equal('{error_code}'));\n"
    )


NO_STORE = (
    "pm.test('Cache-Control: no-store (RFC 6749 section 5.1)', () => "
    "pm.expect(pm.response.headers.get('Cache-Control') || '').to.include('no-store'));\n"
)


def script(kind: str, source: str) -> dict[str, Any]:
    lines = textwrap.dedent(source).strip("\n").split("\n")
    return {"listen": kind, "script": {"type": "text/javascript", "exec": lines}}


# ----------------------------------------------------------------------- request builders
def url(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    raw = "{{baseUrl}}" + path
    result: dict[str, Any] = {
        "raw": raw,
        "host": ["{{baseUrl}}"],
        "path": [segment for segment in path.split("/") if segment],
    }
    if query:
        result["raw"] += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        result["query"] = [{"key": k, "value": v} for k, v in query.items()]
    return result


def bearer(variable: str) -> dict[str, Any]:
    return {
        "type": "bearer",
        "bearer": [{"key": "token", "value": "{{" + variable + "}}", "type": "string"}],
    }


NO_AUTH = {"type": "noauth"}


def json_body(value: Any | str) -> dict[str, Any]:
    raw = value if isinstance(value, str) else json.dumps(value, indent=2)
    return {"mode": "raw", "raw": raw, "options": {"raw": {"language": "json"}}}


# The run's user, as sign-in (and the duplicate sign-up) send it.
CREDENTIALS = json_body({"email": "{{email}}", "password": "{{password}}"})


# The requests themselves (method, path, headers) come from openapi.json, converted by
# openapi-to-postmanv2 (npm, pinned in package.json); the journey below names each by its
# operationId and supplies only what it chains: path parameters, body, token, scripts.
CONVERTER = REPO_ROOT / "node_modules" / ".bin" / "openapi2postmanv2"


@functools.cache
def converted() -> dict[str, dict[str, Any]]:
    """``operationId`` -> ``{"method", "path", "header"}`` of the request openapi-to-postmanv2
    generates for that operation of openapi.json (``path`` with ``{name}`` parameters).

    Headers the converter fills with a placeholder (``<string>``: optional parameters the
    journey does not send) and ``Content-Type`` (the journey's body decides it) are left out.

    Raises:
        tools.newman.NewmanUnavailable: Node.js or ``npm ci`` is missing or failed.
        subprocess.CalledProcessError: the converter failed.
    """
    from tools.newman import ensure_newman

    ensure_newman()  # npm ci installs the converter with newman (package-lock.json)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "collection.json"
        subprocess.run(
            [str(CONVERTER), "-s", str(OPENAPI), "-o", str(out), "-O", "folderStrategy=Paths"],
            check=True,
            capture_output=True,
        )
        generated = json.loads(out.read_text(encoding="utf-8"))
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    operation_ids = {
        (method.upper(), path): operation["operationId"]
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if isinstance(operation, dict) and "operationId" in operation
    }
    requests: dict[str, dict[str, Any]] = {}
    pending = list(generated["item"])
    while pending:
        node = pending.pop(0)
        pending.extend(node.get("item") or [])
        request = node.get("request")
        if not request:
            continue
        segments = [f"{{{s[1:]}}}" if s.startswith(":") else s for s in request["url"]["path"]]
        path = "/" + "/".join(segments)
        headers = [
            {"key": h["key"], "value": h["value"]}
            for h in request.get("header") or []
            if h["key"].lower() != "content-type" and not str(h["value"]).startswith("<")
        ]
        requests[operation_ids[(request["method"], path)]] = {
            "method": request["method"],
            "path": path,
            "header": headers,
        }
    return requests


def item(
    name: str,
    operation: str,
    *,
    tests: str,
    params: dict[str, str] | None = None,
    description: str = "",
    pre_request: str = "",
    body: dict[str, Any] | None = None,
    auth: dict[str, Any] = NO_AUTH,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One request of the journey: openapi.json's ``operation`` (an operationId, as
    converted), its path ``params`` filled in, with this step's body, token and scripts.

    Raises:
        KeyError: no such operationId.
    """
    generated = converted()[operation]
    path = generated["path"]
    for key, value in (params or {}).items():
        path = path.replace(f"{{{key}}}", value)
    headers = [dict(header) for header in generated["header"]]
    if body is not None and body["mode"] == "raw":
        headers.insert(0, {"key": "Content-Type", "value": "application/json"})
    request: dict[str, Any] = {
        "method": generated["method"],
        "header": headers,
        "url": url(path, query),
        "auth": auth,
    }
    return _with_scripts(name, request, tests, description, pre_request, body)


def presigned_get(name: str, variable: str, *, tests: str, description: str) -> dict[str, Any]:
    """A GET of the URL in ``{{variable}}`` (a presigned S3 URL: not an API operation)."""
    raw = "{{" + variable + "}}"
    request = {"method": "GET", "header": [], "url": {"raw": raw, "host": [raw]}, "auth": NO_AUTH}
    return _with_scripts(name, request, tests, description, "", None)


def _with_scripts(
    name: str,
    request: dict[str, Any],
    tests: str,
    description: str,
    pre_request: str,
    body: dict[str, Any] | None,
) -> dict[str, Any]:
    if description:
        request["description"] = description
    if body is not None:
        request["body"] = body
    events = []
    if pre_request:
        events.append(script("prerequest", pre_request))
    events.append(script("test", tests))
    return {"name": name, "event": events, "request": request}


def folder(name: str, description: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "description": description, "item": items}


def upload(name: str, src: str, content_type: str, tests: str) -> dict[str, Any]:
    return item(
        name,
        "uploadPhoto",
        auth=bearer("accessToken"),
        tests=tests,
        body={
            "mode": "formdata",
            "formdata": [
                {"key": "file", "type": "file", "src": src, "contentType": content_type},
            ],
        },
    )


# ----------------------------------------------------------------------- the flows
def sign_up_flow() -> dict[str, Any]:
    return folder(
        "Sign up → confirm → sign in",
        "A new user per run. Locally the confirmation code is read from the dev inbox "
        "(`{{baseUrl}}/_local/inbox/{{email}}`). On AWS it arrives by email: put it in "
        "the environment variable `confirmationCode` and run again.",
        [
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
                body=json_body(
                    {"email": "{{email}}", "password": "{{password}}", "name": "Postman"}
                ),
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
            item(
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
            ),
        ],
    )


def photos_flow() -> dict[str, Any]:
    size = (REPO_ROOT / PHOTO_FIXTURE).stat().st_size
    return folder(
        "Photos CRUD",
        "Every call sends `Authorization: Bearer {{accessToken}}`. The upload sends "
        f"`{PHOTO_FIXTURE}` as the multipart part `file`: in the Postman app, set "
        "Settings → General → Working directory to the repository root.",
        [
            item(
                "List photos (none yet)",
                "listPhotos",
                auth=bearer("accessToken"),
                tests=status(200, "OK")
                + shape("{items, next_cursor}", contract("PhotoPage"))
                + js(r"""
                pm.test('a new user has no photos', () => {
                    pm.expect(pm.response.json().items).to.eql([]);
                    pm.expect(pm.response.json().next_cursor).to.equal(null);
                });
                """),
            ),
            upload(
                "Upload a photo",
                PHOTO_FIXTURE,
                "image/png",
                tests=status(201, "Created")
                + shape("a photo", contract("Photo"))
                + js(rf"""
                const photo = pm.response.json();
                pm.test('the photo is the uploaded PNG', () => {{
                    pm.expect(photo.filename).to.equal('moment.png');
                    pm.expect(photo.content_type).to.equal('image/png');
                    pm.expect(photo.size_bytes).to.equal({size});
                }});
                pm.collectionVariables.set('photoId', photo.photo_id);
                """),
            ),
            item(
                "List photos",
                "listPhotos",
                auth=bearer("accessToken"),
                query={"limit": "10"},
                tests=status(200, "OK")
                + shape("{items, next_cursor}", contract("PhotoPage"))
                + js(r"""
                pm.test('the list holds the uploaded photo only', () => {
                    const ids = pm.response.json().items.map(p => p.photo_id);
                    pm.expect(ids).to.eql([pm.collectionVariables.get('photoId')]);
                });
                """),
            ),
            item(
                "Get the photo",
                "getPhoto",
                params={"photo_id": "{{photoId}}"},
                auth=bearer("accessToken"),
                tests=status(200, "OK")
                + shape("a photo", contract("Photo"))
                + js(r"""
                // S3's event makes an upload ready asynchronously: poll with backoff.
                const photo = pm.response.json();
                const polls = Number(pm.collectionVariables.get('photoPolls') || 0);
                if (photo.status === 'pending' && polls < 20) {
                    pm.collectionVariables.set('photoPolls', polls + 1);
                    setTimeout(() => postman.setNextRequest('Get the photo'), Math.min(2000, 100 * 2 ** polls));
                } else {
                    pm.collectionVariables.unset('photoPolls');
                    pm.test('it is the uploaded photo, ready, with its size and a thumbnail', () => {
                        pm.expect(photo.photo_id).to.equal(pm.collectionVariables.get('photoId'));
                        pm.expect(photo.status).to.equal('ready');
                        pm.expect(photo.width).to.be.a('number');
                        pm.expect(photo.thumbnail_url).to.match(/^https?:\/\//);
                    });
                    pm.collectionVariables.set('photoUrl', photo.original_url);
                }
                """),
            ),
            presigned_get(
                "Download it through the presigned URL",
                "photoUrl",
                description="The short-lived presigned GET URL; no Authorization header.",
                tests=status(200, "OK")
                + js(rf"""
                pm.test('the bytes are the uploaded PNG', () => {{
                    pm.expect(pm.response.stream.length).to.equal({size});
                    pm.expect(pm.response.stream.slice(1, 4).toString()).to.equal('PNG');
                }});
                """),
            ),
            item(
                "Delete the photo",
                "deletePhoto",
                params={"photo_id": "{{photoId}}"},
                auth=bearer("accessToken"),
                tests=status(204, "No Content")
                + js(r"""
                pm.test('no body', () => pm.expect(pm.response.text()).to.equal(''));
                """),
            ),
            item(
                "Get the deleted photo → 404",
                "getPhoto",
                params={"photo_id": "{{photoId}}"},
                auth=bearer("accessToken"),
                tests=error(404, "Not Found", "not_found"),
            ),
        ],
    )


def refresh_flow() -> dict[str, Any]:
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


def negative_flow() -> dict[str, Any]:
    invalid_credentials = error(401, "Unauthorized", "invalid_credentials")
    return folder(
        "Negative cases",
        "What clients branch on: each error's status and `error` code (openapi.json).",
        [
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
            upload(
                "Upload a photo to keep",
                PHOTO_FIXTURE,
                "image/png",
                tests=status(201, "Created")
                + js(r"""
                pm.collectionVariables.set('keptPhotoId', pm.response.json().photo_id);
                """),
            ),
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


def mfa_flow() -> dict[str, Any]:
    """TOTP MFA (issue 13). Postman has no authenticator app, so the collection checks the
    setup answer and the refusals; the full MFA sign-in runs in
    tests/e2e/test_account_lifecycle.py with pyotp."""
    return folder(
        "MFA (authenticator app)",
        "`POST /auth/mfa/setup` returns a TOTP secret and its otpauth:// URI; a wrong code "
        "does not turn MFA on; a made-up challenge session is refused.",
        [
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
        ],
    )


def account_flow() -> dict[str, Any]:
    """The signed-in user's account (issue 13); last, because it deletes the account."""
    return folder(
        "Account",
        "Profile, password, email change and account deletion with the access token.",
        [
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
            item(
                "Start an email change",
                "changeEmail",
                auth=bearer("accessToken"),
                body=json_body(
                    {"email": "new-{{$timestamp}}@example.com", "password": "{{password}}"}
                ),
                tests=status(200, "OK") + shape("{code_delivery}", contract("CodeSent")),
            ),
            item(
                "Verify the email with a wrong code → 400",
                "verifyEmail",
                auth=bearer("accessToken"),
                body=json_body({"code": "{{wrongCode}}"}),
                tests=error(400, "Bad Request", "code_mismatch"),
            ),
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
        ],
    )


STATE_VARIABLES = [
    "email",
    "password",
    "signUpBody",
    "code",
    "wrongCode",
    "accessToken",
    "idToken",
    "refreshToken",
    "photoId",
    "photoUrl",
    "invalidCredentials",
    "keptPhotoId",
    "otherEmail",
    "otherPassword",
    "otherCode",
    "otherAccessToken",
]


def build_collection() -> dict[str, Any]:
    """The whole collection as a dict (Postman Collection format v2.1.0)."""
    return {
        "info": {
            "_postman_id": "6f1d3c52-6a8e-4c61-9a3f-4d8c2b7e9a10",
            "name": "Moments API",
            "description": (
                "Every endpoint of the Moments API (the contract: openapi.json), flow by "
                "flow. Run it top to bottom: the scripts keep tokens and ids in collection "
                "variables. Pick the `Moments local` environment for `make dev` or the "
                "`Moments AWS` environment for a deployed stack; see docs/postman.md.\n\n"
                "Generated by `python -m tools.postman_collection`; edit that file, not this."
            ),
            "schema": SCHEMA_URL,
        },
        "item": [
            sign_up_flow(),
            photos_flow(),
            refresh_flow(),
            sign_out_flow(),
            negative_flow(),
            mfa_flow(),
            codes_and_direct_upload_flow(),
            account_flow(),
        ],
        "event": [script("prerequest", COLLECTION_PRE_REQUEST), script("test", COLLECTION_TEST)],
        "variable": [{"key": name, "value": "", "type": "string"} for name in STATE_VARIABLES],
    }


def render() -> str:
    return json.dumps(build_collection(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the collection, or with ``--check`` report whether the committed file is current."""
    parser = argparse.ArgumentParser(prog="python -m tools.postman_collection")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != text:
            print(
                f"{OUTPUT.relative_to(REPO_ROOT)} is stale: run "
                "`python -m tools.postman_collection`",
                file=sys.stderr,
            )
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
