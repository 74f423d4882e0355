"""The API contract on the local API port: ``/_local/openapi.json`` and ``/_local/docs/``.

Dev-only, like all of ``/_local/``. ``GET /_local/openapi.json`` is the committed
``openapi.json`` (``make openapi`` regenerates it) with this stack's own origin put first
in ``servers``, so "Try it out" calls the running stack whatever port it listens on.
``GET /_local/docs/`` is Swagger UI (the static build that the ``swagger-ui-py`` package
ships, served from the virtualenv: nothing is fetched from a CDN) pointed at that document.

Deployed, the document is published with the web app (``tools/deploy_web.py``,
docs/deploy.md); no Lambda serves it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from werkzeug.exceptions import NotFound
from werkzeug.utils import redirect, send_from_directory
from werkzeug.wrappers import Request, Response

OPENAPI_PATH = Path(__file__).resolve().parents[2] / "openapi.json"
DOCUMENT_URL = "/_local/openapi.json"
DOCS_URL = "/_local/docs/"

# Swagger UI's own page, trimmed: the bundle and the standalone preset from the package,
# the document from this server. Deep links keep an operation addressable (#/auth/signUp).
_INDEX = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Moments API (local)</title>
  <link rel="stylesheet" href="swagger-ui.css">
  <link rel="icon" type="image/png" href="favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="swagger-ui-bundle.js"></script>
  <script src="swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "%(document_url)s",
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
    });
  </script>
</body>
</html>
"""


def swagger_ui_dir() -> Path | None:
    """The static Swagger UI build inside the installed ``swagger-ui-py`` package.

    Found without importing the package (its ``__init__`` pulls in Jinja2 and web
    framework adapters this server does not use). None when it is not installed.
    """
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    static = Path(next(iter(spec.submodule_search_locations))) / "static"
    return static if (static / "swagger-ui-bundle.js").is_file() else None


def serve(request: Request, openapi_path: Path = OPENAPI_PATH) -> Response | None:
    """Answer ``GET``/``HEAD`` of the document and the viewer; None for any other request.

    A missing ``openapi.json`` or Swagger UI package is a 404 with the contract's error
    body naming what to run.
    """
    if request.method not in ("GET", "HEAD"):
        return None
    path = request.path
    if path == DOCUMENT_URL:
        if not openapi_path.is_file():
            return _missing("openapi.json is missing; run `make openapi`.")
        document = json.loads(openapi_path.read_text(encoding="utf-8"))
        here = {"url": request.host_url.rstrip("/"), "description": "This local stack."}
        document["servers"] = [here, *document.get("servers", [])]
        return Response(
            json.dumps(document, indent=2),
            content_type="application/json",
            headers={"Cache-Control": "no-cache"},
        )
    if path == DOCS_URL.rstrip("/"):
        return redirect(DOCS_URL, code=308)
    if not path.startswith(DOCS_URL):
        return None
    static = swagger_ui_dir()
    if static is None:
        return _missing("Swagger UI is not installed; run `make venv`.")
    asset = path.removeprefix(DOCS_URL)
    if asset in ("", "index.html"):
        return Response(
            _INDEX % {"document_url": DOCUMENT_URL},
            content_type="text/html",
            headers={"Cache-Control": "no-cache"},
        )
    try:
        return send_from_directory(static, asset, request.environ, max_age=3600)
    except NotFound:
        return _missing("No such file of the API viewer.")


def _missing(description: str) -> Response:
    body = {"error": "not_found", "error_description": description}
    return Response(json.dumps(body), status=404, content_type="application/json")
