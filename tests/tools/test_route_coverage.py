"""Every route of template.yaml has a handler test, an events/ file, an OpenAPI operation
and a Postman request; a route missing any of them fails here, by name.

The handler-test convention: some module under ``tests/handlers/<service>/`` names the
route's events/ file stem as a string (``load_event("get_photo")``, or a key of a table of
routes such as ``PREPARE`` in test_account_handlers_moto.py). The stem is the function's
logical id in snake_case without ``Function`` (tools/events.py ``event_name``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from tests.support.routes import Function, api_functions
from tools.events import EVENTS_DIR

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "openapi.json"
COLLECTION = ROOT / "postman" / "moments.postman_collection.json"


@cache
def handler_test_sources(service: str) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "tests" / "handlers" / service).rglob("*.py"))
    )


@cache
def postman_requests() -> frozenset[tuple[str, tuple[str, ...]]]:
    """(method, path segments) of every request of the collection, folders flattened."""
    found = set()
    items = list(json.loads(COLLECTION.read_text(encoding="utf-8"))["item"])
    while items:
        item = items.pop()
        items.extend(item.get("item") or [])
        request = item.get("request")
        if isinstance(request, dict) and isinstance(request.get("url"), dict):
            segments = tuple(request["url"].get("path") or ())
            found.add((str(request["method"]).upper(), segments))
    return frozenset(found)


def _matches(template_path: str, segments: tuple[str, ...]) -> bool:
    wanted = template_path.strip("/").split("/")
    return len(wanted) == len(segments) and all(
        w == s or (w.startswith("{") and w.endswith("}")) for w, s in zip(wanted, segments)
    )


def gaps(function: Function, openapi: dict, events_dir: Path = EVENTS_DIR) -> list[str]:
    """What ``function``'s route lacks, as phrases ("an events/ file", ...)."""
    assert function.method and function.path
    missing = []
    if f'"{function.event}"' not in handler_test_sources(function.service):
        missing.append(
            f'a handler test (tests/handlers/{function.service}/ naming "{function.event}")'
        )
    if not (events_dir / f"{function.event}.json").is_file():
        missing.append(f"an events/ file (events/{function.event}.json)")
    if function.method.lower() not in (openapi["paths"].get(function.path) or {}):
        missing.append("an OpenAPI operation in openapi.json")
    if not any(
        method == function.method and _matches(function.path, segments)
        for method, segments in postman_requests()
    ):
        missing.append(f"a Postman request in {COLLECTION.relative_to(ROOT)}")
    return missing


@pytest.mark.parametrize("function", api_functions(), ids=lambda f: f.route)
def test_every_route_has_a_handler_test_an_event_an_operation_and_a_postman_request(function):
    missing = gaps(function, json.loads(OPENAPI.read_text(encoding="utf-8")))
    assert not missing, f"{function.route} ({function.logical_id}) lacks " + "; ".join(missing)


def test_a_route_added_only_to_the_template_is_named_with_all_it_lacks(tmp_path):
    route = Function(
        "SetCaptionFunction",
        "photos.handlers.set_caption",
        "set_caption",
        "PATCH",
        "/photos/{photo_id}",
        True,
    )
    missing = gaps(route, {"paths": {"/photos/{photo_id}": {"get": {}}}}, tmp_path)
    assert [phrase.split(" (")[0].split(" in ")[0] for phrase in missing] == [
        "a handler test",
        "an events/ file",
        "an OpenAPI operation",
        "a Postman request",
    ]
