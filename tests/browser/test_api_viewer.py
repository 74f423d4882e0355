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


def test_try_it_out_calls_the_running_stack(page, local_stack, screenshots):
    # Given: the viewer, with GET /auth/config expanded (deep link by tag and operationId)
    page.goto(f"{local_stack.api_url}/_local/docs/#/auth/getConfig")
    operation = page.locator("#operations-auth-getConfig")
    operation.locator(".try-out__btn").click()

    # When
    with page.expect_response(f"{local_stack.api_url}/auth/config") as answer:
        operation.locator("button.execute").click()

    # Then: the first server is this stack, whatever its port, and the answer is shown
    assert answer.value.status == 200
    live = operation.locator(".live-responses-table tbody .response-col_status").first
    live.wait_for()
    assert live.inner_text().strip().startswith("200")
    assert "user_pool_id" in operation.locator(".live-responses-table").inner_text()
    page.screenshot(path=str(screenshots / "api-viewer-try-it-out.png"), full_page=False)
