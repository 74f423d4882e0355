"""The API viewer at ``/_local/docs/`` renders the committed contract in a real browser."""

from __future__ import annotations

import json

from tools.openapi import OUTPUT


def test_swagger_ui_renders_every_operation_of_the_document(page, local_stack, screenshots):
    # Given
    document = json.loads(OUTPUT.read_text(encoding="utf-8"))
    operations = sum(
        1 for item in document["paths"].values() for key in item if key != "parameters"
    )
    external = []
    page.on(
        "request",
        lambda r: external.append(r.url) if not r.url.startswith(local_stack.api_url) else None,
    )

    # When
    page.goto(f"{local_stack.api_url}/_local/docs/")
    page.locator(".opblock").nth(operations - 1).wait_for()

    # Then: one block per operation, the 3.1 document understood, nothing fetched elsewhere
    assert page.locator(".opblock").count() == operations
    assert page.locator(".info .title").inner_text().startswith("Moments API")
    assert page.locator(".opblock-summary-path", has_text="/photos/{photo_id}").count() == 2
    page.screenshot(path=str(screenshots / "api-viewer.png"), full_page=True)
    assert external == []
