"""Helpers for the auth handler tests: the events/*.json files and Lambda responses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of ``events/<name>.json``."""
    return json.loads((ROOT / "events" / f"{name}.json").read_text())


def authorization_code_event() -> dict[str, Any]:
    """``events/token.json`` with an ``authorization_code`` grant (form-encoded, with PKCE's
    ``code_verifier``) instead of its ``refresh_token`` example."""
    event = with_headers(load_event("token"), Content_Type="application/x-www-form-urlencoded")
    event["body"] = (
        "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA"
        "&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2F"
        "&code_verifier=dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk"
    )
    return event


def with_body(event: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    event["body"] = json.dumps(body)
    return event


def with_headers(event: dict[str, Any], **headers: str) -> dict[str, Any]:
    for name, value in headers.items():
        name = name.replace("_", "-")
        event["headers"][name] = value
        event["multiValueHeaders"][name] = [value]
    return event


def body_of(response: dict[str, Any]) -> dict[str, Any]:
    return json.loads(response["body"])


def header(response: dict[str, Any], name: str) -> list[str]:
    """All values of a response header (the REST v1 resolver uses multiValueHeaders)."""
    values = response.get("multiValueHeaders") or {}
    return next((v for k, v in values.items() if k.lower() == name.lower()), [])
