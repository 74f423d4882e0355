"""The functions run on the Lambda runtime's boto3, which the packages do not ship; the
oldest SDK they support is pinned in ``src/runtime-sdk.txt`` and tested here.

AWS changes the runtime's SDK version when it updates the runtime and publishes no table
of versions (Lambda developer guide, "Runtime-included SDK versions": check it from a
function), so Moments states a floor instead and proves it:

- every AWS call in ``src/`` names an operation, and parameters, that the floor's API
  models have (a call the floor lacks fails on Lambda with an AttributeError or a
  ParamValidationError, not in any test that runs the dev virtualenv's newer boto3);
- the handler tests pass with the floor's boto3 and botocore first on ``sys.path``.

Installing the floor needs PyPI once (cached in ``.aws-sam/runtime-sdk/``).
"""

from __future__ import annotations

import ast
import gzip
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore
import pytest
from botocore import xform_name

from tools import build_function

ROOT = Path(__file__).resolve().parents[2]
#: The services the functions call (template.yaml's policies grant no others).
SERVICES = ("cognito-idp", "dynamodb", "s3")

pytestmark = [pytest.mark.sam, pytest.mark.slow]


@dataclass(frozen=True)
class SdkCall:
    """One AWS call in src/: where, the operation (API name) and its literal parameters."""

    where: str
    operation: str
    parameters: tuple[str, ...]


def floor_pins() -> dict[str, str]:
    lines = build_function.RUNTIME_SDK_FLOOR.read_text().splitlines()
    pins = [line.split("==") for line in lines if "==" in line and not line.startswith("#")]
    return {name.strip(): version.strip() for name, version in pins}


def api_models(sdk: Path) -> dict[str, dict[str, Any]]:
    """Each service's newest ``service-2.json`` in the SDK at ``sdk`` (gzipped or not)."""
    models = {}
    for service in SERVICES:
        newest = max((sdk / "botocore" / "data" / service).iterdir())
        path = next(newest.glob("service-2.json*"))
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        models[service] = json.loads(raw)
    return models


def sdk_calls(models: dict[str, dict[str, Any]], root: Path = ROOT / "src") -> list[SdkCall]:
    """The AWS calls in ``root``'s code, found in the two forms it uses:

    - ``client.put_item(TableName=..., Item=...)``: a client method (an operation's
      snake_case name) called with keyword arguments only, all in PascalCase (boto3 client
      methods take nothing else; the broker's own wrappers take snake_case arguments);
    - ``self._call("InitiateAuth", AuthFlow=...)``: the broker's one dispatch point, a
      literal operation name first (and ``generate_presigned_url("get_object", ...)``).

    Parameters passed as ``**params`` are not known statically; the handler tests with
    the floor SDK (:func:`test_the_handler_tests_pass_with_the_floor_sdk`) cover them.
    """
    by_snake = {xform_name(op): op for m in models.values() for op in m["operations"]}
    by_name = {op for m in models.values() for op in m["operations"]}
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            keywords = tuple(k.arg for k in node.keywords if k.arg is not None)
            splat = len(keywords) < len(node.keywords)  # f(**params): names unknown here
            where = f"{path.relative_to(root)}:{node.lineno}"
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and first.value in by_name:
                found.append(SdkCall(where, first.value, keywords))
            elif (  # generate_presigned_url("get_object", Params=...)
                isinstance(first, ast.Constant) and first.value in by_snake
            ):
                found.append(SdkCall(where, by_snake[first.value], ()))
            elif (
                isinstance(node.func, ast.Attribute)
                and node.func.attr in by_snake
                and not node.args
                and (keywords or splat)
                and all(k[:1].isupper() for k in keywords)
            ):
                found.append(SdkCall(where, by_snake[node.func.attr], keywords))
    return found


def missing_from(models: dict[str, dict[str, Any]], calls: list[SdkCall]) -> list[str]:
    """One line per call whose operation, or one of whose literal parameters, ``models``
    (an SDK's API models, :func:`api_models`) lack; empty when the SDK has them all."""
    missing = []
    for call in calls:
        model = next((m for m in models.values() if call.operation in m["operations"]), None)
        if model is None:
            missing.append(f"{call.where}: {call.operation} is not in the floor SDK")
            continue
        shape = model["operations"][call.operation].get("input", {}).get("shape")
        members = model["shapes"][shape]["members"] if shape else {}
        missing += [
            f"{call.where}: {call.operation} has no {parameter} in the floor"
            for parameter in call.parameters
            if parameter not in members
        ]
    return missing


@pytest.fixture(scope="module")
def floor_sdk() -> Path:
    return build_function.runtime_sdk()


def test_the_floor_is_what_src_runtime_sdk_txt_pins(floor_sdk: Path) -> None:
    # Given the installed floor, then its versions are the pinned ones
    pins = floor_pins()
    installed = {
        name.lower().replace("_", "-"): version
        for name, version in (
            p.name.removesuffix(".dist-info").split("-", 1) for p in floor_sdk.glob("*.dist-info")
        )
    }
    assert installed == pins


def test_every_aws_call_in_src_exists_in_the_floor_sdk(floor_sdk: Path) -> None:
    # Given the floor's API models and every AWS call in src/ (read with today's models,
    # so a call the floor lacks is still found)
    current = api_models(Path(botocore.__file__).parents[1])
    floor = api_models(floor_sdk)
    calls = sdk_calls(current)
    # The scan sees the calls Moments depends on (it cannot pass by finding nothing)
    operations = {call.operation for call in calls}
    assert {"GetTokensFromRefreshToken", "InitiateAuth", "RespondToAuthChallenge", "PutItem",
            "Query", "UpdateItem", "DeleteObjects", "GetObject"} <= operations  # fmt: skip
    # Then each operation, with each parameter it is given, is in the floor's models
    missing = missing_from(floor, calls)
    assert not missing, "\n".join(missing)


def test_an_operation_or_parameter_the_floor_lacks_is_reported(
    floor_sdk: Path, tmp_path: Path
) -> None:
    # Given code that calls a parameter no SDK has, and the floor as it would be without
    # GetTokensFromRefreshToken (the models of botocore 1.37, in effect)
    (tmp_path / "handler.py").write_text(
        "def f(client, table):\n"
        '    client._call("InitiateAuth", AuthFlow="USER_AUTH", Brand="x")\n'
        '    client._call("GetTokensFromRefreshToken", ClientId="c", RefreshToken="r")\n'
        '    table.put_item(TableName="t", Item={})\n'
    )
    floor = api_models(floor_sdk)
    del floor["cognito-idp"]["operations"]["GetTokensFromRefreshToken"]
    # When the calls are read and checked
    calls = sdk_calls(api_models(floor_sdk), tmp_path)
    # Then the scan read all three, and the check names exactly the two the floor lacks
    assert [(c.operation, c.parameters) for c in calls] == [
        ("InitiateAuth", ("AuthFlow", "Brand")),
        ("GetTokensFromRefreshToken", ("ClientId", "RefreshToken")),
        ("PutItem", ("TableName", "Item")),
    ]
    assert missing_from(floor, calls) == [
        "handler.py:2: InitiateAuth has no Brand in the floor",
        "handler.py:3: GetTokensFromRefreshToken is not in the floor SDK",
    ]


def test_the_handler_tests_pass_with_the_floor_sdk(floor_sdk: Path) -> None:
    # Given the floor's boto3 and botocore first on sys.path
    env = {**os.environ, "PYTHONPATH": str(floor_sdk)}
    versions = subprocess.run(
        [sys.executable, "-c", "import boto3, botocore; print(boto3.__version__, botocore.__version__)"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    pins = floor_pins()
    assert versions == [pins["boto3"], pins["botocore"]]
    # When the handler tests (the Lambda code against moto) run with it
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/handlers"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    # Then they pass
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
