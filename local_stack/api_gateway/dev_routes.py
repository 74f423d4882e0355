"""The API port's local-only extras, never deployed: ``/_local/*`` (health, the dev inbox,
event delivery's status, the API docs) and the static web app from ``web/`` (CloudFront +
S3 when deployed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from werkzeug.exceptions import NotFound
from werkzeug.utils import redirect, send_from_directory
from werkzeug.wrappers import Request, Response

from local_stack.api_gateway import api_docs
from local_stack.api_gateway.responses import json_response

if TYPE_CHECKING:
    from local_stack.api_gateway.proxy import Gateway

_STATIC_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@dataclass
class LocalInfo:
    """What ``GET /_local/health`` reports once the stack is provisioned."""

    api_url: str
    hosted_ui_url: str
    emulator_url: str
    web_url: str
    inbox_url: str
    user_pool_id: str | None
    client_id: str | None


def local_route(gateway: Gateway, request: Request) -> Response:
    """``/_local/*``: the API docs, ``health``, event delivery's status and dead letters,
    and the dev inbox; anything else is a contract 404."""
    path = request.path
    docs = api_docs.serve(request)  # /_local/openapi.json and the viewer at /_local/docs/
    if docs is not None:
        return docs
    if request.method == "GET" and path == "/_local/health":
        if gateway.info is None:
            return json_response(503, {"status": "starting"})
        return json_response(200, gateway.info.__dict__)
    if gateway.events is not None:
        handled = gateway.events.handle(request.method, path, request.args)
        if handled is not None:
            return json_response(*handled)
    if request.method == "GET" and path.startswith("/_local/inbox/") and gateway.inbox is not None:
        email = path.removeprefix("/_local/inbox/")
        if email:
            return json_response(200, {"messages": gateway.inbox.messages(email)})
    return json_response(
        404, {"error": "not_found", "error_description": "No such local endpoint."}
    )


def static_file(web_root: Path, request: Request, web_url: str | None = None) -> Response | None:
    """A file of the static web app (``index.html`` for ``/``), or None when there is none.

    A page (``/`` or ``*.html``) asked for on another host than ``web_url``'s (the app is
    ``http://localhost:3000/``, the browser asked ``http://127.0.0.1:3000/``) answers a 307
    to the same path there: the passkey relying party is ``localhost`` and the photo
    bucket's CORS rule allows that one origin, so the app only works from it.
    """
    path = request.path.lstrip("/") or "index.html"
    if web_url is not None and path.endswith(".html"):
        target = urlsplit(web_url)
        if request.host != target.netloc:
            query = request.query_string.decode("latin-1")
            location = f"{target.scheme}://{target.netloc}{request.path}"
            return redirect(f"{location}?{query}" if query else location, code=307)
    try:
        response = send_from_directory(web_root, path, request.environ, max_age=0, etag=True)
    except NotFound:
        return None
    response.headers.update(_STATIC_HEADERS)
    response.headers["Cache-Control"] = "no-cache"
    return response
