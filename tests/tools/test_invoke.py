"""``make invoke`` (tools/invoke.py) on every events/ file: each answers its documented
success, against the emulator the local stack provisions from template.yaml."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_stack import cognito
from local_stack.stack import LocalStack
from tests.support.routes import Function, functions
from tools import invoke
from tools.events import EVENTS_DIR

pytestmark = pytest.mark.slow
OPENAPI = json.loads((Path(__file__).resolve().parents[2] / "openapi.json").read_text())
#: What a function on a non-API event returns when it did its work (docs/photos.md,
#: "The pipeline"): the upload is processed; no record of the batch failed.
EVENT_RESULTS = {
    "process_photo": {"outcome": "ready"},
    "purge_photo": {"batchItemFailures": []},
}


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    stack = invoke.start_stack()
    try:
        yield stack
    finally:
        stack.stop()
        # The stack patched moto's cognito-idp in this process; other suites that share
        # the process (pytest-xdist workers) expect plain moto.
        cognito.uninstall()


def documented_success(function: Function) -> int:
    """The one 2xx status openapi.json gives the function's operation."""
    assert function.path is not None and function.method is not None
    operation = OPENAPI["paths"][function.path][function.method.lower()]
    (status,) = [int(code) for code in operation["responses"] if code.startswith("2")]
    return status


def load(function: Function) -> dict:
    return json.loads((EVENTS_DIR / f"{function.event}.json").read_text())


@pytest.mark.parametrize("function", functions(), ids=lambda f: f.event)
def test_every_event_answers_its_documented_success(stack, function):
    run = invoke.invoke(stack, function.logical_id, load(function))
    assert run.error is None, f"events/{function.event}.json: {run.error}"
    if function.route:
        expected = documented_success(function)
        assert run.status == expected, (
            f"events/{function.event}.json ({function.route}) answered {run.status}, "
            f"not {expected}: {run.payload.get('body')}"
        )
    else:
        assert function.event in EVENT_RESULTS, (
            f"no expected result for events/{function.event}.json"
        )
        assert run.payload == EVENT_RESULTS[function.event], f"events/{function.event}.json"


def test_the_photo_events_as_written_are_refused_and_filled_they_pass(stack):
    # Given the list event as committed (example token, client and claims)
    (function,) = [f for f in functions() if f.event == "list_photos"]
    # Then run as written, the emulator's pool does not know its client: 401
    assert invoke.invoke(stack, function.logical_id, load(function), raw=True).status == 401
    # And filled, the claims are the emulator's user's, and the client its app client
    run = invoke.invoke(stack, function.logical_id, load(function))
    claims = run.event["requestContext"]["authorizer"]["claims"]
    assert claims["client_id"] == stack.provisioned.client_id
    assert claims["iss"].endswith(f"/{stack.provisioned.user_pool_id}")
    assert run.event["headers"]["Authorization"].removeprefix("Bearer ").count(".") == 2
    assert run.status == 200


def test_claims_are_rendered_as_the_rest_authorizer_passes_them():
    claims = invoke.authorizer_claims(
        {
            "sub": "s",
            "iat": 1795251600,
            "exp": 1795252500,
            "auth_time": 1795251600,
            "cognito:groups": ["admins", "editors"],
        }
    )
    assert claims["iat"] == "Sat Nov 21 09:00:00 UTC 2026"
    assert claims["exp"] == "Sat Nov 21 09:15:00 UTC 2026"
    assert claims["auth_time"] == "1795251600"
    # as make dev's gateway passes a list claim (make invoke used to send JSON: '["admins", ...]')
    assert claims["cognito:groups"] == "admins,editors"


def test_an_unknown_function_is_named(capsys):
    assert invoke.main(["NoSuchFunction", str(EVENTS_DIR / "sign_up.json")]) == 2
    assert "no function NoSuchFunction" in capsys.readouterr().err
