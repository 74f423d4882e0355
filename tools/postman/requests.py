"""The collection's requests: openapi.json's operations as openapi-to-postmanv2 converts
them (:func:`converted`, looked up by operationId in :func:`item`), and the builders the
journeys use (URL, bearer auth, JSON body, folder, upload)."""

from __future__ import annotations

import functools
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tools.postman.schemas import OPENAPI, REPO_ROOT
from tools.postman.scripts import script

PHOTO_FIXTURE = "postman/fixtures/moment.png"
NOT_AN_IMAGE_FIXTURE = "postman/fixtures/not-an-image.txt"
# A syntactically valid ULID (the ULID spec's own example) that no photo has.
UNKNOWN_PHOTO_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


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
