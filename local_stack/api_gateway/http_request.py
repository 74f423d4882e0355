"""The HTTP request as API Gateway sees it: header lines as sent, the percent-encoded path,
the body within API Gateway's payload quota, and safe console text."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from typing import Any

from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request

MAX_BODY_BYTES = 10 * 1024 * 1024
"""API Gateway REST payload quota: 10 MB (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html)."""

RAW_HEADERS_KEY = "local_stack.raw_headers"
"""WSGI environ key of the request's header lines as sent: ``[(name, value), ...]``."""


class RawHeadersRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler that also keeps the header lines as the client sent them.

    WSGI has no place for a header's original case or for repeated headers (werkzeug
    Title-Cases names and joins repeats with commas); API Gateway passes both through
    (``headers`` / ``multiValueHeaders`` of the REST proxy event), so the gateway reads them
    from ``environ[RAW_HEADERS_KEY]``.
    """

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ[RAW_HEADERS_KEY] = list(self.headers.items())
        return environ


def printable(text: str) -> str:
    """``text`` with every control character (CR, LF, ESC...) escaped as ``\\xNN``.

    For console lines built from request data: a ``%0a`` or an ANSI escape sequence in a
    path must not start a forged log line or repaint the terminal (OWASP Logging Cheat
    Sheet, "Event data sources": encode CR/LF and control characters).
    """
    return "".join(
        ch
        if ch.isprintable()
        else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        for ch in text
    )


def read_body(request: Request) -> bytes | None:
    """The request body, or None when it exceeds :data:`MAX_BODY_BYTES`."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    data = request.stream.read(MAX_BODY_BYTES + 1)
    return None if len(data) > MAX_BODY_BYTES else data


def raw_path(request: Request) -> str:
    """The request path percent-encoded as the client sent it (``%2F`` kept)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        return urllib.parse.quote(request.path, safe="/:@!$&'()*+,;=-._~")
    path = (
        urllib.parse.urlsplit(raw).path
        if raw.startswith(("http://", "https://"))
        else (raw.split("?", 1)[0])
    )
    return path or "/"


def header_lines(request: Request) -> list[tuple[str, str]]:
    """The request's headers as sent (case, order, repeats); WSGI's view without a raw list."""
    raw = request.environ.get(RAW_HEADERS_KEY)
    if raw is not None:
        return [(name, value) for name, value in raw if "_" not in name]
    return list(request.headers.items())


def matches_media_type(media_type: str, patterns: Sequence[str]) -> bool:
    """``image/png`` against ``image/*``, ``*/*`` or ``image/png`` (parameters ignored)."""
    kind, _, sub = media_type.lower().partition("/")
    for pattern in patterns:
        p_kind, _, p_sub = pattern.lower().split(";")[0].strip().partition("/")
        if p_kind in ("*", kind) and p_sub in ("*", sub):
            return True
    return False
