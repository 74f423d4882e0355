"""Generate ``openapi.json``: the API contract as one OpenAPI 3.1 document.

``python -m tools.openapi`` (``make openapi``) rewrites the file; ``--check`` exits 1 when
the committed file differs from what this script generates (``tests/tools/test_openapi.py``
fails the same way, naming the command to run).

Nothing is written twice. Each route's metadata lives on its decorator in its handler
module (``@app.post(path, operation_id=..., summary=..., tags=..., responses=...,
openapi_extensions=...)``, docs/architecture.md), and the document is merged from those:

- every function of ``template.yaml`` behind a route is imported (under its template
  environment, as Lambda would) and its resolver's ``get_openapi_json_schema()`` is
  merged with Powertools' ``OpenAPIMerge`` (one schema per handler module);
- a template route without a decorated route in its function's module, or a decorated
  route the template does not route to that function, stops the generator;
- every request and response schema comes from the pydantic models the decorators'
  ``$ref``s name (``auth.models``, ``photos.models``), through pydantic's JSON Schema
  (draft 2020-12, the dialect OpenAPI 3.1 uses); requests in ``validation`` mode,
  responses in ``serialization`` mode; ``x-query-model`` becomes one query parameter per
  field of its model;
- the error body from :func:`shared.http.error_response` (its shape is :class:`ErrorBody`,
  and the tests render one through the real function and validate it against the schema);
- from the template: the security scheme (its ``CognitoAuthorizer``: Bearer access token
  in ``Authorization``, the scopes it requires), each route's security, and the errors API
  Gateway answers itself (its ``GatewayResponses``); 415 is added wherever the body must be
  declared JSON (``shared.http.parse_json_request``, ``auth.models.parse_token_request``).

The fuzzing test (``tests/e2e/test_openapi_fuzz.py``) holds the statuses to the running
API: an undocumented status or a body that does not match its schema fails it.

This runs at build/test time only. The decorators' metadata is plain data (model names,
dicts): a function's cold start builds no schema (the models keep ``defer_build=True``) and
imports nothing for it.

Why the request bodies are ``openapi_extensions`` and not Powertools' typed parameters
(``Annotated[Model, Body()]`` with ``enable_validation=True``): that would move every
handler's validation into the resolver (another error path than
``shared.http.parse_json_body`` and its contract body) and build each model at import.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT / "src") not in sys.path:  # src/ is the Lambda CodeUri: `auth.…`, `photos.…`
    sys.path.insert(0, str(REPO_ROOT / "src"))

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

from auth import models as auth_models
from auth import passkey_models
from local_stack.template import ApiSpec, RouteSpec, Template
from photos import models as photo_models
from shared.app import SCHEMAS, merge_error_codes
from shared.http import JSON

OUTPUT = REPO_ROOT / "openapi.json"
TEMPLATE = REPO_ROOT / "template.yaml"
REGENERATE = "make openapi"
SECURITY_SCHEME = "CognitoAccessToken"
FORM = "application/x-www-form-urlencoded"
QUERY_MODEL = "x-query-model"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class ErrorBody(BaseModel):
    """The contract's error body, as :func:`shared.http.error_response` renders it.

    docs/architecture.md, "Rules of the road": ``{"error": "<snake_case_code>",
    "error_description": "<human sentence>"}``; codes follow RFC 6749 section 5.2 on the
    token route.
    """

    model_config = ConfigDict(extra="forbid", title="ErrorBody")

    error: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Machine-readable snake_case code; clients branch on it.",
        examples=["invalid_request"],
    )
    error_description: str = Field(
        min_length=1,
        description="One human sentence. Never contains a password, code or token.",
        examples=["email: String should match pattern '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$'."],
    )


#: Where the decorators' ``$ref``s find their models, by class name.
MODEL_MODULES = (auth_models, passkey_models, photo_models)

_STATUS_TEXT = {
    400: "Bad request",
    504: "The function timed out (API Gateway's integration timeout)",
    401: "Missing or invalid credentials",
    403: "Forbidden",
    404: "Not found (another user's photo looks the same)",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    429: "Too many requests; see Retry-After",
    500: "The service failed",
    502: "An upstream service or the function failed",
    503: "Temporarily unavailable; see Retry-After",
}


# --------------------------------------------------------------------------- merging
#: What the Lambda runtime adds to a function's template environment that the handler
#: modules read at import (Lambda developer guide, "Defined runtime environment variables").
LAMBDA_RUNTIME_ENV = {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}


@contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with the runtime's variables and ``variables`` set, restored
    afterwards. Nothing is called: importing a handler module creates no AWS client."""
    saved = dict(os.environ)
    os.environ.update({**LAMBDA_RUNTIME_ENV, **variables})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _handler_modules(template: Template) -> dict[str, str]:
    """Routed function logical id -> its handler module (``auth.handlers.account``)."""
    functions = template.functions()
    return {
        route.function_id: functions[route.function_id].handler.rsplit(".", 1)[0]
        for route in template.routes()
    }


def _module_schemas(template: Template) -> dict[str, dict[str, Any]]:
    """Handler module -> the OpenAPI schema of its resolver ``app``, each module imported
    once under the template environment of (one of) its functions."""
    functions = template.functions()
    schemas: dict[str, dict[str, Any]] = {}
    for function_id, module_name in sorted(_handler_modules(template).items()):
        if module_name in schemas:
            continue
        with _environment(functions[function_id].environment):
            module = importlib.import_module(module_name)
        schemas[module_name] = json.loads(module.app.get_openapi_json_schema())
    return schemas


def _check_routes(template: Template, schemas: Mapping[str, dict[str, Any]]) -> None:
    """Stop unless each template route is decorated in its function's handler module and
    each decorated route is routed to its module by the template.

    Raises:
        SystemExit: naming the routes without a decorator and the decorators without a route.
    """
    modules = _handler_modules(template)
    routed = {(r.method.lower(), r.path, modules[r.function_id]) for r in template.routes()}
    decorated = {
        (method, path, module)
        for module, schema in schemas.items()
        for path, item in schema.get("paths", {}).items()
        for method in item
        if method in METHODS
    }
    missing, stale = sorted(routed - decorated), sorted(decorated - routed)
    if missing or stale:
        raise SystemExit(
            f"handler decorators are out of step with {TEMPLATE.name}: template routes "
            f"without a decorated route in their function's module {missing}, decorated "
            f"routes the template does not route to their module {stale}"
        )


def _models() -> dict[str, type[BaseModel]]:
    """Class name -> pydantic model, for every model the decorators can name."""
    found: dict[str, type[BaseModel]] = {"ErrorBody": ErrorBody}
    for module in MODEL_MODULES:
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, BaseModel):
                found.setdefault(name, value)
    return found


def _refs(value: Any) -> Iterator[str]:
    """The model names of every ``#/components/schemas/`` ``$ref`` inside ``value``."""
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMAS):
            yield ref[len(SCHEMAS) :]
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _component_schemas(operations: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The JSON Schemas of every model the operations name: request bodies in validation
    mode, responses in serialization mode (plus what those refer to)."""
    models = _models()
    names = {"validation": [], "serialization": []}  # type: dict[str, list[str]]
    for op in operations:
        names["validation"] += _refs(op.get("requestBody", {}))
        names["serialization"] += _refs(op["responses"])
    requests = list(dict.fromkeys(names["validation"]))
    responses = list(dict.fromkeys(names["serialization"]))
    unknown = sorted({n for n in requests + responses if n not in models})
    if unknown:
        raise SystemExit(f"decorators name models that do not exist: {unknown}")
    pairs = [(models[n], "validation") for n in requests]
    pairs += [(models[n], "serialization") for n in responses]
    _, schema = models_json_schema(pairs, ref_template=SCHEMAS + "{model}")  # type: ignore[arg-type]
    defs: dict[str, Any] = schema.get("$defs", {})
    missing = [name for name in requests + responses if name not in defs]
    if missing:  # pydantic suffixes a name used in both modes: keep them apart instead
        raise SystemExit(f"models with two JSON schemas (request and response?): {missing}")
    for name in requests + responses:
        if models[name].__doc__:
            defs[name]["description"] = " ".join(str(models[name].__doc__).split())
    return dict(sorted(defs.items()))


def _query_parameters(model_name: str | None) -> list[dict[str, Any]]:
    """One ``in: query`` parameter per field of the model ``x-query-model`` names."""
    if model_name is None:
        return []
    schema = _models()[model_name].model_json_schema(mode="validation")
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        # An optional parameter is sent or omitted; `null` has no query-string spelling.
        if "anyOf" in prop:
            options = [o for o in prop.pop("anyOf") if o.get("type") != "null"]
            prop = {**options[0], **prop} if len(options) == 1 else {"anyOf": options, **prop}
        if prop.get("default", "") is None:
            del prop["default"]
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if description:
            param["description"] = description
        params.append(param)
    return params


#: API Gateway response types (developerguide "Gateway response types") -> the statuses they
#: answer with when the template sets none, and which operations can get them.
_GATEWAY_TYPES: dict[str, tuple[tuple[int, ...], Callable[[RouteSpec, dict[str, Any]], bool]]] = {
    # Stage or account throttling: any request.
    "THROTTLED": ((429,), lambda route, op: True),
    # A body over the 10 MB payload quota (developerguide "API Gateway quotas").
    "REQUEST_TOO_LARGE": ((413,), lambda route, op: "requestBody" in op),
    # The COGNITO_USER_POOLS authorizer: no/invalid token, or a missing scope.
    "UNAUTHORIZED": ((401,), lambda route, op: route.authorizer is not None),
    "ACCESS_DENIED": ((403,), lambda route, op: route.authorizer is not None),
    # The function failed or returned a malformed result (502), or ran past the 29 s
    # integration timeout (504); both fall back to DEFAULT_5XX.
    "DEFAULT_5XX": ((502, 504), lambda route, op: True),
}
_ERROR_CODE = re.compile(r'"error"\s*:\s*"([a-z0-9_]+)"')


def _json_only(op: dict[str, Any]) -> dict[int, tuple[str, ...]]:
    """415 for a route whose body is JSON (or, on the token route, JSON or a form): any
    other declared media type is refused (``shared.http.parse_json_request``,
    ``auth.models.parse_token_request``)."""
    checked = JSON in op.get("requestBody", {}).get("content", {})
    return {415: ("unsupported_media_type",)} if checked else {}


def _gateway_errors(
    api: ApiSpec, route: RouteSpec, op: dict[str, Any]
) -> dict[int, tuple[str, ...]]:
    """Status -> ``error`` codes of the gateway responses ``route`` can get, from the
    template's ``GatewayResponses`` (their ``application/json`` templates).

    Raises:
        SystemExit: a response type that applies has no template with an ``error`` code
            (API Gateway would answer ``{"message": ...}``, not the contract's body).
    """
    found: dict[int, tuple[str, ...]] = {}
    for kind, (defaults, applies) in _GATEWAY_TYPES.items():
        if not applies(route, op):
            continue
        family = "DEFAULT_5XX" if defaults[0] >= 500 else "DEFAULT_4XX"
        spec = api.gateway_responses.get(kind) or api.gateway_responses.get(family)
        code = _ERROR_CODE.search(spec.templates.get(JSON, "")) if spec else None
        if spec is None or code is None:
            raise SystemExit(f"template.yaml: gateway response {kind} has no contract error body")
        for status in (spec.status,) if spec.status else defaults:
            found[status] = (code[1],)
    return found


def _responses(declared: dict[str, Any], extra: Mapping[int, tuple[str, ...]]) -> dict[str, Any]:
    """The operation's responses: its successes as declared (an empty body without
    ``content``), then every error status, sorted, with the declared codes and ``extra``."""
    successes: dict[str, Any] = {}
    declared_errors: dict[int, tuple[str, ...]] = {}
    headers: dict[int, Any] = {}
    for status, response in declared.items():
        if int(status) < 400:
            response = dict(response)
            if not any(response.get("content", {}).values()):
                response.pop("content", None)
            successes[status] = {
                k: response[k] for k in ("description", "content", "headers") if k in response
            }
            continue
        examples = response["content"][JSON]["examples"]
        declared_errors[int(status)] = tuple(examples)
        if "headers" in response:
            headers[int(status)] = response["headers"]
    responses = dict(successes)
    for code, errors in sorted(merge_error_codes(declared_errors, extra).items()):
        examples = {
            error: {"value": {"error": error, "error_description": "One human sentence."}}
            for error in errors
        }
        rendered: dict[str, Any] = {
            "description": f"{_STATUS_TEXT[code]}: `error` is "
            + " or ".join(f"`{e}`" for e in errors)
            + ".",
            "content": {JSON: {"schema": {"$ref": SCHEMAS + "ErrorBody"}, "examples": examples}},
        }
        if code in headers:
            rendered["headers"] = headers[code]
        responses[str(code)] = rendered
    return responses


def _operation(declared: dict[str, Any], api: ApiSpec, route: RouteSpec) -> dict[str, Any]:
    """One operation of the document from what its decorator declared and the template."""
    operation: dict[str, Any] = {
        "operationId": declared["operationId"],
        "summary": declared["summary"],
        "tags": declared["tags"],
    }
    if declared.get("description"):
        operation["description"] = declared["description"]
    # Path parameters are documented once per path (see _path_parameters), not per method.
    parameters = _query_parameters(declared.get(QUERY_MODEL)) + [
        _ordered(p, "name", "in", "required", "description")
        for p in declared.get("parameters", [])
        if p["in"] != "path"
    ]
    if parameters:
        operation["parameters"] = parameters
    if "requestBody" in declared:
        operation["requestBody"] = _ordered(declared["requestBody"], "required")
    errors = merge_error_codes(_json_only(declared), _gateway_errors(api, route, declared))
    operation["responses"] = _responses(declared["responses"], errors)
    operation["security"] = [{SECURITY_SCHEME: []}] if route.authorizer else []
    return operation


def _ordered(mapping: Mapping[str, Any], *first: str) -> dict[str, Any]:
    """``mapping`` with the keys ``first`` first, as the file has always listed them (the
    order Powertools' models dump in is another; JSON readers do not care, diffs do)."""
    return {**{k: mapping[k] for k in first if k in mapping}, **mapping}


def _path_parameters(path: str) -> list[dict[str, Any]]:
    """The path's ``{photo_id}``-style parameters (every one is a photo id)."""
    return [
        {
            "name": part[1:-1],
            "in": "path",
            "required": True,
            "description": "The photo's id, a ULID (26 Crockford base32 characters).",
            "schema": {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$"},
            "example": "01M7YMNWGJPB51XQFCN5F0NHAM",
        }
        for part in path.split("/")
        if part.startswith("{") and part.endswith("}")
    ]


def _version() -> str:
    with (REPO_ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def build_document(template_path: Path = TEMPLATE) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``template_path`` (``template.yaml`` by default).

    Raises:
        SystemExit: a template route and the handler decorators disagree
            (:func:`_check_routes`), a decorator names an unknown model, or a gateway
            response lacks the contract's body.
    """
    template = Template.load(template_path)
    schemas = _module_schemas(template)
    _check_routes(template, schemas)
    merge = OpenAPIMerge(title="Moments API", on_conflict="error")
    for schema in schemas.values():
        merge.add_schema(schema)
    merged_paths: dict[str, Any] = merge.get_openapi_schema()["paths"]

    scopes: set[str] = set()
    paths: dict[str, dict[str, Any]] = {}
    operations = []
    for route in sorted(template.routes(), key=lambda r: (r.path, r.method)):
        api = template.apis()[route.api_id]
        operation = _operation(merged_paths[route.path][route.method.lower()], api, route)
        operations.append(operation)
        if route.authorizer:
            scopes.update(route.scopes or api.authorizers[route.authorizer].scopes)
        item = paths.setdefault(route.path, {})
        if _path_parameters(route.path):
            item["parameters"] = _path_parameters(route.path)
        item[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Moments API",
            "version": _version(),
            "summary": "A photo API secured by Amazon Cognito.",
            "description": "Generated from template.yaml, the handlers' route decorators and "
            f"the pydantic models by `{REGENERATE}` (tools/openapi.py); do not edit by hand. "
            "JSON in and out, snake_case fields. Every error body is "
            '`{"error": "<snake_case_code>", "error_description": "<sentence>"}`.',
        },
        "servers": [
            {
                "url": "https://{api_id}.execute-api.{region}.amazonaws.com/{stage}",
                "description": "A deployed stack (output `ApiUrl`).",
                "variables": {
                    "api_id": {"default": "abcdef1234"},
                    "region": {"default": "eu-west-1"},
                    "stage": {"default": "dev"},
                },
            },
            {"url": "http://127.0.0.1:3000", "description": "`make dev`"},
        ],
        "tags": [
            {"name": "auth", "description": "The auth broker (no authorizer)."},
            {"name": "photos", "description": "The photo service (Cognito authorizer)."},
        ],
        "paths": paths,
        "components": {
            "schemas": _component_schemas(operations),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A Cognito user pool **access** token in "
                    "`Authorization: Bearer <token>` (ID tokens are refused). The API's "
                    "COGNITO_USER_POOLS authorizer requires the scope(s) "
                    + ", ".join(f"`{s}`" for s in sorted(scopes))
                    + ". Get one from `POST /auth/sign-in` or `POST /auth/token`.",
                }
            },
        },
    }


def render(document: dict[str, Any]) -> str:
    """The file's text: stable key order as built, two-space indent, final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write :data:`OUTPUT`, or with ``--check`` exit 1 if it is stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if openapi.json is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render(build_document())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(
                f"{args.output.name} is stale: run `{REGENERATE}` and commit it.", file=sys.stderr
            )
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
