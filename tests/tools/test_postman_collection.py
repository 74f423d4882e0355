"""The committed Postman collection and its two environments fit together."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest

from tools import postman_collection
from tools.newman import ENVIRONMENTS
from tools.postman_collection import OUTPUT, STATE_VARIABLES


def _environment_keys(name: str) -> set[str]:
    values = json.loads(ENVIRONMENTS[name].read_text(encoding="utf-8"))["values"]
    return {value["key"] for value in values if value["enabled"]}


def test_the_committed_collection_is_current():
    # Given Node.js and the pinned converter (npm ci on first use, as for newman)
    _require_node()
    # When / Then: a generator or openapi.json edit without regenerating, or an app export
    # pasted over the file, is caught here
    assert postman_collection.main(["--check"]) == 0


def test_every_request_of_the_api_is_the_converters_for_its_operation():
    # Given the requests openapi-to-postmanv2 makes from openapi.json
    _require_node()
    generated = postman_collection.converted()
    # Then every operation is converted, and each names its method and path template
    document = json.loads(postman_collection.OPENAPI.read_text(encoding="utf-8"))
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if not isinstance(operation, dict):
                continue  # path-level parameters
            request = generated[operation["operationId"]]
            assert (request["method"], request["path"]) == (method.upper(), path)
            assert {"key": "Accept", "value": "application/json"} in request["header"]


def _require_node() -> None:
    """Skip without Node.js/npm (newman's converter needs them), except on CI."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing and os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{' and '.join(missing)} not on PATH")
    if missing:
        pytest.skip(f"{' and '.join(missing)} not on PATH: the converter needs Node.js")


def test_every_variable_a_request_uses_is_declared():
    # Given
    text = OUTPUT.read_text(encoding="utf-8")
    used = set(re.findall(r"\{\{([A-Za-z][A-Za-z0-9_]*)\}\}", text))

    # Then: a typo in a {{variable}} would send an empty value and fail far from the cause
    assert used <= set(STATE_VARIABLES) | {"baseUrl"}


def test_the_aws_environment_defines_everything_the_scripts_read_from_an_environment():
    # Given
    text = OUTPUT.read_text(encoding="utf-8")
    read = set(re.findall(r"pm\.environment\.get\('([A-Za-z]+)'\)", text))

    # Then
    assert read <= _environment_keys("aws")
    assert {"baseUrl", "inboxLookup"} <= _environment_keys("local")


def test_the_local_environment_reads_codes_from_the_dev_inbox_and_aws_does_not():
    local = json.loads(ENVIRONMENTS["local"].read_text())["values"]
    aws = json.loads(ENVIRONMENTS["aws"].read_text())["values"]
    assert {v["key"]: v["value"] for v in local}["inboxLookup"] == "true"
    assert {v["key"]: v["value"] for v in aws}["inboxLookup"] == "false"
