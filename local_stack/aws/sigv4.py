"""AWS Signature Version 4 pieces the S3 presigned-request checks need: the derived
signing key and the canonical request of a query-string (presigned) request, as the
"Signature Version 4 signing process" of the AWS General Reference / S3 API reference
("Authenticating Requests: Using Query Parameters") define them. botocore signs requests
but does not verify them, hence this module."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """SigV4's derived key: HMAC chain over date (YYYYMMDD), region, service, aws4_request."""
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def query_pairs(query: str) -> list[tuple[str, str]]:
    """Decoded ``(name, value)`` pairs; ``+`` is a literal plus, as S3 reads it."""
    pairs = []
    for part in query.split("&") if query else []:
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def header_value(environ: Mapping[str, Any], name: str) -> str:
    key = name.upper().replace("-", "_")
    if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        key = "HTTP_" + key
    return " ".join(str(environ.get(key, "")).split())


def raw_path(environ: Mapping[str, Any]) -> str:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path = raw.split("?", 1)[0]
        if "://" in path:
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        return path or "/"
    return quote(environ.get("PATH_INFO", "/"), safe="/~")


def canonical_query_request(
    environ: Mapping[str, Any], pairs: list[tuple[str, str]], params: Mapping[str, str]
) -> str:
    """The canonical request of a presigned request (WSGI ``environ``; its decoded query
    ``pairs`` and, as a dict, ``params``): method, URI, query without the signature,
    the signed headers' canonical lines, their names and the payload hash."""
    signed_headers = params["X-Amz-SignedHeaders"]
    canonical_query = "&".join(
        f"{uri_encode(name)}={uri_encode(value)}"
        for name, value in sorted(pairs)
        if name != "X-Amz-Signature"
    )
    canonical_headers = "".join(
        f"{name}:{header_value(environ, name)}\n" for name in signed_headers.split(";")
    )
    return "\n".join(
        [
            environ.get("REQUEST_METHOD", "GET"),
            quote(unquote(raw_path(environ)), safe="/~"),
            canonical_query,
            canonical_headers,
            signed_headers,
            params.get("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"),
        ]
    )
