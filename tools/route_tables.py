"""The route tables of README.md and docs/, generated from template.yaml and openapi.json.

``python -m tools.route_tables`` (``make route-tables``) rewrites every table between a
``<!-- routes:SCOPE -->`` line and the next ``<!-- /routes -->`` line of :data:`DOCS`;
``--check`` exits 1 when one is stale (``tests/tools/test_route_tables.py``). ``SCOPE``
is ``all`` (every route, with its request and success from openapi.json) or a service
(``auth``, ``photos``: every function of that service's handlers, routes and events, with
what it calls). Nothing here knows a route: a route added to the template appears in
every table on the next run, so the docs never restate a route or count by hand.

Sources: the function's ``Api`` event (method, path, authorizer), its template
``Description`` (the text after ``->`` says what it calls), and the operation in
openapi.json (request body schema, the 2xx status and its schema).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local_stack.template import Template

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "template.yaml"
OPENAPI = REPO_ROOT / "openapi.json"
DOCS = [REPO_ROOT / "README.md", REPO_ROOT / "docs" / "auth.md", REPO_ROOT / "docs" / "photos.md"]
REGENERATE = "make route-tables"
_BLOCK = re.compile(r"(<!-- routes:(\w+) -->\n)(.*?)(<!-- /routes -->)", re.DOTALL)


def _schema_name(content: Mapping[str, Any]) -> str:
    """``Photo`` for a ``$ref`` to ``#/components/schemas/Photo``, else the media type."""
    for media_type, spec in content.items():
        schema = spec.get("schema") or {}
        ref = schema.get("$ref") or next(
            (s.get("$ref") for s in schema.get("oneOf", []) if "$ref" in s), None
        )
        if ref:
            names = [s["$ref"].rsplit("/", 1)[1] for s in schema.get("oneOf", []) if "$ref" in s]
            return " or ".join(f"`{n}`" for n in names) if names else f"`{ref.rsplit('/', 1)[1]}`"
        return media_type
    return ""


def _rows(template: Template, openapi: Mapping[str, Any], scope: str) -> list[list[str]]:
    routes = {route.function_id: route for route in template.routes()}
    rows = []
    for logical_id, resource in template.resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties") or {}
        module = str(props.get("Handler", "")).rsplit(".", 1)[0]
        service = module.split(".", 1)[0]
        left, _, calls = str(props.get("Description", "")).partition(" -> ")
        route = routes.get(logical_id)
        if scope == "all":
            if route is None:
                continue
            operation = openapi["paths"][route.path][route.method.lower()]
            request = _schema_name((operation.get("requestBody") or {}).get("content") or {})
            ok = next(code for code in operation["responses"] if code.startswith("2"))
            body = _schema_name(operation["responses"][ok].get("content") or {})
            auth = "Bearer" if route.authorizer else "—"
            rows.append([f"`{route.method} {route.path}`", auth, request, f"{ok} {body}".strip()])
        elif service == scope:
            what = f"`{route.method} {route.path}`" if route else left
            auth = "Bearer" if route and route.authorizer else "—"
            rows.append([what, auth, f"`{logical_id}` → `{module}`", calls])
    return rows


HEADERS = {
    "all": ["route", "auth", "request body", "success"],
    "service": ["route / event", "auth", "function → handler", "calls"],
}


def table(scope: str, template_path: Path = TEMPLATE, openapi_path: Path = OPENAPI) -> str:
    """The Markdown table of ``scope`` (``all`` or a service name), ending in a newline."""
    template = Template.load(template_path)
    openapi = json.loads(openapi_path.read_text(encoding="utf-8"))
    header = HEADERS["all" if scope == "all" else "service"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(template, openapi, scope)]
    return "\n".join(lines) + "\n"


def rewrite(text: str, **paths: Path) -> str:
    """``text`` with each marked block replaced by its generated table."""
    return _BLOCK.sub(lambda m: m.group(1) + table(m.group(2), **paths) + m.group(4), text)


def stale(docs: list[Path] = DOCS) -> list[str]:
    """Paths (relative to the repository) whose tables differ from the generated ones."""
    return [
        str(path.relative_to(REPO_ROOT))
        for path in docs
        if rewrite(text := path.read_text(encoding="utf-8")) != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.route_tables", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if a table is stale")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale()
        if problems:
            print(
                f"stale route tables in {', '.join(problems)}: run `{REGENERATE}`", file=sys.stderr
            )
        return 1 if problems else 0
    for path in DOCS:
        path.write_text(rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
