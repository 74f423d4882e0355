"""The Postman collection and ``openapi.json`` describe the same API.

Both are generated (``tools/postman/``, ``tools/openapi.py``); these tests
hold the collection to the document, request by request:

- every request to ``{{baseUrl}}`` is a documented operation, and every operation has
  at least one request (the presigned download and the dev inbox are not API routes);
- every status a request's test expects is one the document lists for its operation;
- every JSON or form body sent where a 2xx is expected is valid for the operation's
  request schema;
- every response shape a script checks (``pm.response.to.have.jsonSchema``) names only
  properties the documented response has, with the documented types.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator

from tools.openapi import OUTPUT as OPENAPI
from tools.postman_collection import OUTPUT as COLLECTION

METHODS = {"get", "put", "post", "delete", "patch"}
# Values for the collection's {{variables}} inside bodies: what a run fills them with.
VARIABLE_VALUES = {
    "email": "postman-1732870000-42@example.com",
    "otherEmail": "postman-other-1732870000-42@example.com",
    "password": "Moments-1732870000-42-Pw",
    "otherPassword": "Moments-1732870000-43-Pw",
    "code": "828092",
    "otherCode": "828093",
    "wrongCode": "939103",
    "refreshToken": "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.x.y",
    "$timestamp": "1732870000",
}


@dataclass(frozen=True)
class Request:
    name: str
    method: str
    path: str
    body: dict[str, Any]
    statuses: tuple[int, ...]
    schemas: tuple[dict[str, Any], ...]


def _requests(items: list[dict[str, Any]]) -> Iterator[Request]:
    for item in items:
        if "item" in item:
            yield from _requests(item["item"])
            continue
        request = item["request"]
        raw = request["url"]["raw"] if isinstance(request["url"], dict) else request["url"]
        if not raw.startswith("{{baseUrl}}"):
            continue  # the presigned GET goes to S3, not to the API
        scripts = " ".join(
            line
            for event in item.get("event", [])
            if event["listen"] == "test"
            for line in event["script"]["exec"]
        )
        yield Request(
            name=item["name"],
            method=request["method"],
            path=urlsplit(raw.removeprefix("{{baseUrl}}")).path,
            body=request.get("body") or {},
            statuses=tuple(int(s) for s in re.findall(r"to\.have\.status\((\d{3})\)", scripts)),
            schemas=tuple(_json_schemas(scripts)),
        )


def _json_schemas(script: str) -> Iterator[dict[str, Any]]:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"to\.have\.jsonSchema\(", script):
        schema, _ = decoder.raw_decode(script, match.end())
        yield schema


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def requests_() -> list[Request]:
    collection = json.loads(COLLECTION.read_text(encoding="utf-8"))
    return [r for r in _requests(collection["item"]) if not r.path.startswith("/_local/")]


def _operation(document: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]]:
    """The documented ``(path template, operation)`` for a collection request's path."""
    for template, item in document["paths"].items():
        pattern = re.sub(r"\\\{[^/]+\\\}", r"[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method.lower() in item:
            return template, item[method.lower()]
    raise AssertionError(f"{method} {path} is not an operation of openapi.json")


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _types(document: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """The JSON types a (possibly ``anyOf``/``const``) schema admits; empty means any."""
    schema = _resolve(document, schema)
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema["oneOf"]
        return set().union(*(_types(document, o) for o in options))
    if "const" in schema:
        value = schema["const"]
        return {
            "boolean" if isinstance(value, bool) else type(value).__name__.replace("str", "string")
        }
    kind = schema.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": document["components"]})


def _substitute(text: str) -> str:
    # An unknown variable is a KeyError: add it above with a value a real run would send.
    return re.sub(r"\{\{(\$?\w+)\}\}", lambda m: VARIABLE_VALUES[m[1]], text)


def test_every_request_is_a_documented_operation_and_every_operation_is_requested(
    document, requests_
):
    requested = {_operation(document, r.method, r.path)[0] + " " + r.method for r in requests_}
    documented = {
        f"{path} {method.upper()}"
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }
    assert requested == documented


def test_every_status_the_collection_expects_is_documented(document, requests_):
    for request in requests_:
        _, operation = _operation(document, request.method, request.path)
        for status in request.statuses:
            assert str(status) in operation["responses"], (request.name, status)


def test_every_body_sent_for_a_2xx_is_valid_for_the_documented_request_schema(document, requests_):
    checked = 0
    for request in requests_:
        if not any(200 <= s < 300 for s in request.statuses) or not request.body:
            continue
        _, operation = _operation(document, request.method, request.path)
        content = operation["requestBody"]["content"]
        mode = request.body["mode"]
        if mode == "raw":
            media, data = "application/json", json.loads(_substitute(request.body["raw"]))
        elif mode == "urlencoded":
            media = "application/x-www-form-urlencoded"
            data = {p["key"]: _substitute(p["value"]) for p in request.body["urlencoded"]}
        else:  # formdata: the multipart upload; its one part must be the documented `file`
            parts = {p["key"] for p in request.body["formdata"]}
            assert parts == set(content["multipart/form-data"]["schema"]["required"])
            continue
        errors = list(_validator(document, content[media]["schema"]).iter_errors(data))
        assert not errors, (request.name, errors[0].message)
        checked += 1
    assert checked >= 8


def test_every_shape_the_collection_checks_is_the_documented_response(document, requests_):
    checked = 0
    for request in requests_:
        _, operation = _operation(document, request.method, request.path)
        for status in request.statuses:
            media = operation["responses"][str(status)].get("content", {})
            if not request.schemas or "application/json" not in media:
                continue
            documented = _resolve(document, media["application/json"]["schema"])
            for schema in request.schemas:
                # The contract's schema, and what the journey adds to it (allOf)
                for part in schema.get("allOf", [schema]):
                    _assert_compatible(document, part, documented, f"{request.name} {status}")
                checked += 1
    assert checked >= 10


def _assert_compatible(
    document: dict[str, Any], postman: dict[str, Any], documented: dict[str, Any], where: str
) -> None:
    documented = _resolve(document, documented)
    if "anyOf" in documented:  # `X | None`: the shape is the object option
        documented = next(
            _resolve(document, o) for o in documented["anyOf"] if o.get("type") != "null"
        )
    properties = documented.get("properties", {})
    for name in postman.get("required", []):
        assert name in properties, f"{where}: the collection requires `{name}`, not documented"
    for name, schema in postman.get("properties", {}).items():
        assert name in properties, f"{where}: the collection checks `{name}`, not documented"
        expected, actual = _types(document, schema), _types(document, properties[name])
        assert not expected or not actual or expected & actual, (where, name, expected, actual)
        if schema.get("type") == "object" and "properties" in schema:
            _assert_compatible(document, schema, properties[name], f"{where}.{name}")
        if schema.get("type") == "array" and "items" in schema:
            items = _resolve(document, properties[name]).get("items", {})
            _assert_compatible(document, schema["items"], items, f"{where}.{name}[]")
