"""events/: generated from template.yaml and openapi.json, one file per function, current."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tools import events
from tools.events import EVENTS_DIR, REGENERATE, generate, render, stale


def test_the_committed_events_are_current():
    # When / Then: a template or openapi.json change without `make events` is caught here
    assert stale() == [], f"events/ is stale: run `{REGENERATE}`"


def test_every_function_of_the_template_has_exactly_one_event():
    from tests.support.routes import functions

    assert sorted(f"{f.event}.json" for f in functions()) == sorted(generate())


def test_a_stale_missing_or_extra_file_is_named(tmp_path: Path):
    # Given a copy of events/ with one file edited, one removed and one left over
    copy = tmp_path / "events"
    shutil.copytree(EVENTS_DIR, copy)
    (copy / "sign_up.json").write_text("{}\n")
    (copy / "get_photo.json").unlink()
    (copy / "old_name.json").write_text("{}\n")
    # Then the check names exactly those three
    assert stale(copy) == ["get_photo.json", "old_name.json", "sign_up.json"]
    assert events.main(["--check"]) == 0


def test_a_protected_route_carries_a_bearer_token_and_the_authorizers_claims():
    generated = generate()
    get_photo, sign_up = generated["get_photo.json"], generated["sign_up.json"]
    assert get_photo["headers"]["Authorization"].startswith("Bearer ")
    assert get_photo["requestContext"]["authorizer"]["claims"]["token_use"] == "access"
    assert get_photo["pathParameters"] == {"photo_id": events.EXAMPLES["photo_id"]}
    assert "Authorization" not in sign_up["headers"]
    assert "authorizer" not in sign_up["requestContext"]


@pytest.mark.parametrize("name", ["sign_up.json", "upload_photo.json"])
def test_the_body_is_the_operations_request_example(name):
    event = generate()[name]
    openapi = json.loads(events.OPENAPI.read_text())
    operation = openapi["paths"][event["resource"]][event["httpMethod"].lower()]
    content = operation["requestBody"]["content"]
    if "application/json" in content:
        assert json.loads(event["body"]) == content["application/json"]["example"]
    else:
        assert (
            event["isBase64Encoded"]
            and events.MULTIPART_BOUNDARY in event["headers"]["Content-Type"]
        )


def test_render_is_stable():
    event = generate()["purge_photo.json"]
    assert render(json.loads(render(event))) == render(event)
