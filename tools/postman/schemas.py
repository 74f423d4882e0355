"""Response shapes (JSON Schema) for the collection's test scripts.

The shapes are the contract's: openapi.json's components/schemas, inlined, so a model
change reaches every check on the next ``python -m tools.postman_collection``. A journey
step that expects more than the contract (a field present, a constant) adds it with
``allOf`` (:func:`contract`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
OPENAPI = REPO_ROOT / "openapi.json"
# Keywords that only annotate (JSON Schema 2020-12 section 9): left out of the scripts.
_ANNOTATIONS = frozenset({"title", "description", "examples", "default"})


@functools.cache
def _components() -> dict[str, Any]:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))["components"]["schemas"]


def _inline(schema: Any) -> Any:
    """``schema`` with every ``#/components/schemas`` ``$ref`` replaced by its target."""
    if isinstance(schema, list):
        return [_inline(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _inline(_components()[schema["$ref"].rsplit("/", 1)[1]])
    inlined = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "properties":
            inlined[key] = {name: _inline(spec) for name, spec in value.items()}
        else:
            inlined[key] = _inline(value)
    return inlined


def contract(name: str, **journey: Any) -> dict[str, Any]:
    """openapi.json's schema ``name``; with ``journey`` keywords (``required=[...]``,
    ``properties={...}``) also what this step of the journey expects, via ``allOf``.

    Raises:
        KeyError: openapi.json has no such schema.
    """
    schema = _inline({"$ref": f"#/components/schemas/{name}"})
    return {"allOf": [schema, {"type": "object", **journey}]} if journey else schema


# A compact JWS (RFC 7515 section 7.1): what the scripts then decode.
JWT = {"type": "string", "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"}
TOKENS = {"access_token": JWT, "id_token": JWT}
