"""The route tables of README.md and docs/ are generated (tools/route_tables.py) and current."""

from __future__ import annotations

from tests.support.routes import api_functions, functions
from tools import route_tables
from tools.route_tables import REGENERATE, rewrite, stale, table


def test_the_committed_tables_are_current():
    assert stale() == [], f"run `{REGENERATE}`"


def test_every_route_is_in_the_full_table_and_every_function_in_its_services():
    everything = table("all")
    for function in api_functions():
        assert f"| `{function.route}` |" in everything, function.route
    for function in functions():
        assert f"`{function.logical_id}` → `{function.module}`" in table(function.service)


def test_a_hand_edited_table_is_stale_and_regenerated(tmp_path, monkeypatch):
    # Given a doc whose table lost a row by hand
    doc = tmp_path / "doc.md"
    doc.write_text("intro\n<!-- routes:photos -->\n| route |\n<!-- /routes -->\nafter\n")
    monkeypatch.setattr(route_tables, "REPO_ROOT", tmp_path)
    # Then it is reported, and regenerating puts back every row and keeps the text around
    assert stale([doc]) == ["doc.md"]
    text = rewrite(doc.read_text())
    assert text.startswith("intro\n") and text.endswith("<!-- /routes -->\nafter\n")
    assert "`GetPhotoFunction` → `photos.handlers.get_photo`" in text
