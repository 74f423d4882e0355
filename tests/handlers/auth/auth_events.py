"""Helpers for the auth handler tests: the events/*.json files and Lambda responses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of ``events/<name>.json``."""
    return json.loads((ROOT / "events" / f"{name}.json").read_text())


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
