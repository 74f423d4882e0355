"""The committed ``openapi.json``: current, valid OpenAPI 3.1, true to the template and code."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from local_stack.template import Template
from shared.http import error_response
from tools import openapi
from tools.openapi import OUTPUT, REGENERATE, TEMPLATE, build_document, render

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return json.loads(OUTPUT.read_text(encoding="utf-8"))


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for ``schema`` whose ``#/components/...`` refs resolve in ``document``."""
    return Draft202012Validator({**schema, "components": document["components"]})


def test_the_committed_document_is_current():
    # When / Then: a model or template change without regenerating is caught here, and the
    # message names the one command that fixes it
    assert render(build_document()) == OUTPUT.read_text(encoding="utf-8"), (
        f"openapi.json is stale: run `{REGENERATE}` and commit it."
    )


def test_check_mode_reports_a_stale_file_with_the_command_to_run(tmp_path, capsys):
    # Given: a committed file someone edited by hand
    stale = tmp_path / "openapi.json"
    stale.write_text(render(build_document()).replace('"Moments API"', '"Edited"'))

    # When
    status = openapi.main(["--check", "--output", str(stale)])

    # Then
    assert status == 1
    assert "run `make openapi`" in capsys.readouterr().err


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    validate(document)  # openapi-spec-validator; raises on any violation


def test_every_template_route_is_one_operation_with_the_template_s_authorizer(document):
    # Given
    routes = Template.load(TEMPLATE).routes()
    operations = _operations(document)

    # Then: one operation per route, nothing more
    assert set(operations) == {(route.method, route.path) for route in routes}
    for route in routes:
        security = operations[(route.method, route.path)]["security"]
        if route.authorizer:
            assert security == [{openapi.SECURITY_SCHEME: []}], route
        else:
            assert security == [], route


def test_the_security_scheme_is_a_bearer_access_token_with_the_authorizer_s_scopes(document):
    scheme = document["components"]["securitySchemes"][openapi.SECURITY_SCHEME]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "access" in scheme["description"]
    assert "`aws.cognito.signin.user.admin`" in scheme["description"]


def test_the_error_body_schema_is_what_the_code_renders(document):
    # Given: an error rendered by the one function that renders them
    body = json.loads(error_response(400, "invalid_request", "email: is required.").body)

    # Then
    _validator(document, {"$ref": "#/components/schemas/ErrorBody"}).validate(body)
    # ...and a body missing error_description is not accepted by the schema
    assert not _validator(document, {"$ref": "#/components/schemas/ErrorBody"}).is_valid(
        {"error": "invalid_request"}
    )


def test_every_4xx_and_5xx_response_is_the_contract_s_error_body(document):
    for (method, path), operation in _operations(document).items():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)


def test_request_bounds_come_from_the_models(document):
    # Given
    operations = _operations(document)
    listing = {p["name"]: p for p in operations[("GET", "/photos")]["parameters"]}
    sign_up = document["components"]["schemas"]["SignUpRequest"]

    # Then: the pydantic bounds, not a second copy of them
    assert listing["limit"]["schema"] | {} == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "default": 20,
    }
    assert listing["cursor"]["schema"]["maxLength"] == 64
    assert sign_up["additionalProperties"] is False
    assert sign_up["properties"]["password"]["maxLength"] == 256
    assert set(sign_up["required"]) == {"email", "password"}


def test_every_example_matches_its_schema(document):
    checked = 0
    for (method, path), operation in _operations(document).items():
        bodies = operation.get("requestBody", {}).get("content", {})
        responses = [r.get("content", {}) for r in operation["responses"].values()]
        for content in [bodies, *responses]:
            for media in content.values():
                examples = [e["value"] for e in media.get("examples", {}).values()]
                if "example" in media:
                    examples.append(media["example"])
                for example in examples:
                    errors = list(_validator(document, media["schema"]).iter_errors(example))
                    assert not errors, (method, path, example, errors[0].message)
                    checked += 1
    assert checked > 40
