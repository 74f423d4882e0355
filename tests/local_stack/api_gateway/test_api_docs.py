"""``/_local/openapi.json`` and ``/_local/docs/``: the contract and its viewer, no CDN."""

from __future__ import annotations

import json
import re

from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from local_stack.api_gateway import api_docs
from tools.openapi import OUTPUT


def _client(openapi_path=OUTPUT) -> Client:
    def app(environ, start_response):
        request = Request(environ)
        response = api_docs.serve(request, openapi_path) or Response("fell through", status=418)
        return response(environ, start_response)

    return Client(app)


def test_the_document_is_the_committed_one_with_this_stack_first_in_servers():
    # When
    response = _client().get("/_local/openapi.json", base_url="http://127.0.0.1:41234")

    # Then: "Try it out" calls this stack's port, whatever it is
    served = response.get_json()
    committed = json.loads(OUTPUT.read_text(encoding="utf-8"))
    assert response.status_code == 200
    assert served["servers"][0]["url"] == "http://127.0.0.1:41234"
    assert served["servers"][1:] == committed["servers"]
    assert {**served, "servers": committed["servers"]} == committed


def test_the_viewer_loads_every_asset_from_this_server_and_none_from_a_cdn():
    client = _client()

    # When
    page = client.get("/_local/docs/")
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)

    # Then
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert '"/_local/openapi.json"' in html
    assert assets and not [a for a in assets if "//" in a], assets
    for asset in assets:
        served = client.get(f"/_local/docs/{asset}")
        assert served.status_code == 200, asset
        assert len(served.get_data()) > 1000, asset
    assert b"SwaggerUIBundle" in client.get("/_local/docs/swagger-ui-bundle.js").get_data()


def test_the_bare_docs_path_redirects_to_the_viewer():
    response = _client().get("/_local/docs")
    assert (response.status_code, response.headers["Location"]) == (308, "/_local/docs/")


def test_a_missing_document_is_a_404_naming_the_command(tmp_path):
    response = _client(tmp_path / "openapi.json").get("/_local/openapi.json")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "not_found",
        "error_description": "openapi.json is missing; run `make openapi`.",
    }


def test_a_path_outside_the_viewer_or_another_method_is_left_to_the_gateway():
    client = _client()
    assert client.get("/_local/docs/../../openapi.json").status_code in (404, 418)
    assert client.get("/_local/inbox/a@example.com").status_code == 418
    assert client.post("/_local/openapi.json").status_code == 418
