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
                    _assert_only_documented_members(document, media["schema"], example)
                    checked += 1
    assert checked > 40


def _assert_only_documented_members(document, schema, example):
    """Response models allow unknown members, so a stale example (a field a model dropped)
    would still validate; it must name only documented properties, at every level."""
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        if _validator(document, option).is_valid(example):
            _assert_only_documented_members(document, option, example)
    if isinstance(example, dict) and "properties" in schema:
        assert set(example) <= set(schema["properties"]), (set(example), schema.get("title"))
        for name, value in example.items():
            _assert_only_documented_members(document, schema["properties"][name], value)
    if isinstance(example, list) and "items" in schema:
        for value in example:
            _assert_only_documented_members(document, schema["items"], value)


def test_api_gateway_s_own_answers_come_from_the_template_s_gateway_responses(document):
    # Given
    operations = _operations(document)

    def codes(method, path, status):
        response = operations[(method, path)]["responses"].get(str(status), {})
        return set(response.get("content", {}).get("application/json", {}).get("examples", {}))

    # Then: throttling and a failed or timed-out function, on every route
    for method, path in operations:
        assert "too_many_requests" in codes(method, path, 429), (method, path)
        assert "server_error" in codes(method, path, 502), (method, path)
        assert "server_error" in codes(method, path, 504), (method, path)
    # ...the payload quota where there is a body, the authorizer where there is one
    assert "payload_too_large" in codes("POST", "/auth/sign-up", 413)
    assert not codes("GET", "/auth/config", 413)
    assert "access_denied" in codes("GET", "/photos", 403)
    # ...next to the function's own codes for the same status
    assert {"server_error", "code_delivery_failed"} <= codes("POST", "/auth/resend-code", 502)
    assert {"server_error", "upstream_error"} <= codes("GET", "/photos", 502)
    # ...and 415 wherever the body must be declared as JSON (or a form, on the token route)
    assert "unsupported_media_type" in codes("POST", "/auth/sign-up", 415)
    assert "unsupported_media_type" in codes("POST", "/auth/token", 415)
    assert not codes("GET", "/auth/config", 415)
    assert not codes("GET", "/auth/config", 401)


def test_a_gateway_response_without_the_contract_body_stops_the_generator(tmp_path):
    # Given: a template whose THROTTLED response would be API Gateway's {"message": ...}
    text = TEMPLATE.read_text(encoding="utf-8")
    broken = text.replace('{"error": "too_many_requests", ', '{"message": "slow down", ')
    assert broken != text
    template = tmp_path / "template.yaml"
    template.write_text(broken, encoding="utf-8")

    # When / Then
    with pytest.raises(SystemExit, match="THROTTLED has no contract error body"):
        build_document(template)


def test_a_template_route_without_a_decorated_route_stops_the_generator(tmp_path):
    # Given: a template that routes a path no handler module declares
    text = TEMPLATE.read_text(encoding="utf-8")
    renamed = text.replace("Path: /auth/config\n", "Path: /auth/settings\n")
    assert renamed != text
    template = tmp_path / "template.yaml"
    template.write_text(renamed, encoding="utf-8")

    # When / Then: the message names the undecorated route and the orphaned decorator
    with pytest.raises(SystemExit) as stopped:
        build_document(template)
    assert "'/auth/settings', 'auth.handlers.config'" in str(stopped.value)
    assert "'/auth/config', 'auth.handlers.config'" in str(stopped.value)


#: Imports every routed handler module under its template environment, in a fresh
#: interpreter as a cold start would, then reports what the route metadata cost.
_COLD_IMPORT = """
import importlib, json, os, sys
from local_stack.template import Template
template = Template.load(sys.argv[1])
base = dict(os.environ)
for route in template.routes():
    spec = template.functions()[route.function_id]
    os.environ.clear()
    os.environ.update({**base, **spec.environment})
    importlib.import_module(spec.handler.rsplit(".", 1)[0])
import pydantic
from auth import models as auth_models
from photos import models as photo_models
built = sorted(
    name
    for module in (auth_models, photo_models)
    for name, value in vars(module).items()
    if isinstance(value, type) and issubclass(value, pydantic.BaseModel)
    and value.__module__ == module.__name__ and value.__pydantic_complete__
)
loaded = sorted(m for m in sys.modules if m.startswith("aws_lambda_powertools.event_handler.openapi."))
print(json.dumps({"built": built, "loaded": loaded}))
"""


def test_route_metadata_builds_no_schema_and_imports_nothing_at_cold_start():
    import subprocess
    import sys

    # When: every handler module is imported in a fresh interpreter
    result = subprocess.run(
        [sys.executable, "-c", _COLD_IMPORT, str(TEMPLATE)],
        capture_output=True,
        text=True,
        check=True,
        cwd=openapi.REPO_ROOT,
        env={
            **__import__("os").environ,
            "PYTHONPATH": f"{openapi.REPO_ROOT / 'src'}:{openapi.REPO_ROOT}",
        },
    )
    report = json.loads(result.stdout)

    # Then: no request/response model was built (they keep defer_build=True), and none of
    # Powertools'     # schema-building modules (models, params, dependant, schema_generator) was imported
    assert report["built"] == []
    assert set(report["loaded"]) <= {
        "aws_lambda_powertools.event_handler.openapi.config",
        "aws_lambda_powertools.event_handler.openapi.constants",
        "aws_lambda_powertools.event_handler.openapi.exceptions",
        "aws_lambda_powertools.event_handler.openapi.merge",
        "aws_lambda_powertools.event_handler.openapi.types",
    }
