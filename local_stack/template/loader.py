"""Read a SAM template the way CloudFormation + the SAM transform would, for local serving.

The local stack serves exactly what ``template.yaml`` declares: nothing here knows a route,
a function or an environment variable name of Moments. This module

- loads the YAML with CloudFormation's short-form tags (``!Ref``, ``!Sub``, ``!GetAtt``,
  ``!Join``, ``!If``, ...) turned into their long form (``{"Fn::Sub": ...}``), and keeps
  YAML anchors/aliases working (PyYAML resolves them);
- resolves ``Parameters`` (defaults, then local overrides), ``Conditions``, ``Mappings``,
  pseudo parameters (``AWS::Region``, ``AWS::AccountId`` = 123456789012, ...) and the
  intrinsic functions against the physical ids of the resources the emulator provisioned;
- merges ``Globals`` into each ``AWS::Serverless::Function`` / ``AWS::Serverless::Api``
  (SAM rules: maps merge with the resource winning, lists concatenate, scalars are replaced;
  https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html);
- extracts :class:`FunctionSpec` (handler, CodeUri, timeout, memory, environment),
  :class:`RouteSpec` (one per ``Api`` event) and :class:`ApiSpec` (authorizers, CORS,
  binary media types, gateway responses).

Errors: :class:`TemplateError` for anything the template asks that cannot be resolved
(unknown parameter, ``Fn::ImportValue``, a parameter failing its ``AllowedPattern``...).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
"""The account id moto uses; ``AWS::AccountId`` resolves to it."""
REGION = "us-east-1"
STACK_NAME = "moments-local"
IMPLICIT_API_ID = "ServerlessRestApi"
"""SAM's logical id for the API it creates for Api events without ``RestApiId``."""

_NO_VALUE = object()  # AWS::NoValue: the enclosing key or list item disappears


class TemplateError(ValueError):
    """The template asks for something this local reader cannot resolve."""


# ------------------------------------------------------------------ YAML loading


# libyaml's C parser when PyYAML was built with it (the wheels are): about 10x faster than
# the pure-Python one, which matters because the tests and the local stack read the template
# hundreds of times per `make test`.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that understands CloudFormation's short-form intrinsic tags."""


def _long_form(fn_name: str) -> Callable[[yaml.Loader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.Loader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if fn_name == "Fn::GetAtt":  # !GetAtt Res.Attr  ->  ["Res", "Attr"]
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {fn_name: value}

    return construct


for _tag in (
    "Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select",
    "Split", "Sub", "Transform", "And", "Equals", "If", "Not", "Or", "ToJsonString", "Length",
):  # fmt: skip
    _CfnLoader.add_constructor(f"!{_tag}", _long_form(f"Fn::{_tag}"))
_CfnLoader.add_constructor("!Ref", _long_form("Ref"))
_CfnLoader.add_constructor("!Condition", _long_form("Condition"))


#: Parsed templates by (path, mtime_ns, size): each caller gets its own deep copy.
_PARSED: dict[tuple[str, int, int], dict[str, Any]] = {}


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML file into plain data (long-form intrinsics).

    The parse is cached per process and invalidated when the file's mtime or size changes;
    the result is a fresh deep copy, so callers may change it.
    """
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        with path.open(encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_CfnLoader)  # safe: _CfnLoader is a SafeLoader
        if not isinstance(data, dict) or "Resources" not in data:
            raise TemplateError(f"{path} is not a CloudFormation template (no Resources)")
        _PARSED[key] = data
    return copy.deepcopy(_PARSED[key])


# ------------------------------------------------------------------ the resolved model


@dataclass(frozen=True)
class FunctionSpec:
    """One ``AWS::Serverless::Function`` after Globals and intrinsics.

    ``code_uri`` is absolute; ``timeout_s`` is seconds; ``memory_mb`` is MiB;
    ``environment`` is exactly the template's ``Environment.Variables`` (strings).
    """

    logical_id: str
    function_name: str
    handler: str
    code_uri: Path
    runtime: str
    timeout_s: int
    memory_mb: int
    environment: dict[str, str]


@dataclass(frozen=True)
class CognitoAuthorizerSpec:
    """A ``COGNITO_USER_POOLS`` authorizer of an ``AWS::Serverless::Api``."""

    name: str
    user_pool_arns: tuple[str, ...]
    header: str = "Authorization"
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorsSpec:
    """SAM ``Cors``: values as API Gateway sends them (the template's quotes removed)."""

    allow_origin: str
    allow_methods: str | None = None
    allow_headers: str | None = None
    max_age: str | None = None
    allow_credentials: bool = False


@dataclass(frozen=True)
class GatewayResponseSpec:
    """One entry of SAM ``GatewayResponses`` (status may be None: the type's default)."""

    status: int | None
    headers: dict[str, str]
    templates: dict[str, str]


@dataclass(frozen=True)
class ApiSpec:
    """One ``AWS::Serverless::Api`` (or SAM's implicit ``ServerlessRestApi``)."""

    logical_id: str
    stage: str
    default_authorizer: str | None
    authorizers: dict[str, CognitoAuthorizerSpec]
    unsupported_authorizers: tuple[str, ...]
    cors: CorsSpec | None
    binary_media_types: tuple[str, ...]
    gateway_responses: dict[str, GatewayResponseSpec]
    add_default_authorizer_to_cors_preflight: bool = True


@dataclass(frozen=True)
class RouteSpec:
    """One ``Api`` event: ``method`` is upper case (``ANY`` allowed), ``path`` a template.

    ``authorizer`` is the authorizer name that applies (None: open route); ``scopes``
    overrides the authorizer's ``AuthorizationScopes`` when the event sets its own.
    """

    function_id: str
    api_id: str
    path: str
    method: str
    authorizer: str | None
    scopes: tuple[str, ...] | None = None


@dataclass
class Template:
    """A parsed template plus the parameter values it runs with.

    ``physical_ids`` (logical id -> physical id) and ``attributes`` ((logical id, attr)
    -> value) are filled by the emulator as it provisions resources; until then a Ref to
    a resource resolves to its logical id (what ``sam local`` does for unresolvable refs).
    """

    path: Path
    raw: dict[str, Any]
    parameters: dict[str, Any]
    region: str = REGION
    account_id: str = ACCOUNT_ID
    stack_name: str = STACK_NAME
    physical_ids: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)

    # ---------------------------------------------------------------- loading

    @classmethod
    def load(cls, path: str | Path, overrides: Mapping[str, str] | None = None) -> Template:
        """Load ``path`` and resolve its parameters (``overrides`` win over defaults).

        Raises:
            TemplateError: a parameter has no value, or violates AllowedPattern/Values.
        """
        path = Path(path).resolve()
        raw = load_yaml(path)
        overrides = dict(overrides or {})
        declared = raw.get("Parameters") or {}
        parameters: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in overrides:
                value = str(overrides.pop(name))
            elif "Default" in spec:
                value = spec["Default"]
            else:
                raise TemplateError(f"parameter {name} has no Default and no override")
            parameters[name] = _parameter_value(name, spec, value)
        # Overrides for undeclared parameters are ignored, as `sam local` does, so one set
        # of local overrides fits templates that lack some of them.
        return cls(path=path, raw=raw, parameters=parameters)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """Logical id -> resource, only those whose ``Condition`` holds."""
        return {
            logical_id: resource
            for logical_id, resource in (self.raw.get("Resources") or {}).items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }

    # ---------------------------------------------------------------- intrinsics

    def condition(self, name: str) -> bool:
        """Evaluate the named entry of ``Conditions``."""
        conditions = self.raw.get("Conditions") or {}
        if name not in conditions:
            raise TemplateError(f"unknown condition {name}")
        return bool(self.resolve(conditions[name]))

    def ref(self, name: str) -> Any:
        """``Ref``: a parameter's value, a pseudo parameter or a resource's physical id."""
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/"
                f"{self.stack_name}/00000000-0000-0000-0000-000000000000"
            ),
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": _NO_VALUE,
            "AWS::NotificationARNs": [],
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in (self.raw.get("Resources") or {}) or name == IMPLICIT_API_ID:
            return self.physical_ids.get(name, name)
        raise TemplateError(f"Ref to unknown parameter or resource {name}")

    def get_att(self, logical_id: str, attribute: str) -> str:
        """``Fn::GetAtt``: a provisioned attribute, else a recognisable placeholder."""
        if (logical_id, attribute) in self.attributes:
            return self.attributes[(logical_id, attribute)]
        if logical_id not in (self.raw.get("Resources") or {}):
            raise TemplateError(f"GetAtt on unknown resource {logical_id}")
        physical = self.physical_ids.get(logical_id, logical_id)
        if attribute == "Arn":
            return f"arn:aws:local:{self.region}:{self.account_id}:{physical}"
        return physical

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic function inside ``value`` (returns a new object).

        Raises:
            TemplateError: an intrinsic this reader does not support (Fn::ImportValue,
                Fn::Transform, Fn::Cidr, Fn::GetAZs with no AZ list) or a bad argument.
        """
        resolved = self._resolve(value)
        return None if resolved is _NO_VALUE else resolved

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self._resolve(item) for item in value]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = _INTRINSICS.get(key)
            if handler is not None:
                return handler(self, arg)
        items = {key: self._resolve(item) for key, item in value.items()}
        return {key: item for key, item in items.items() if item is not _NO_VALUE}

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self._resolve(v) for k, v in arg[1].items()}
        else:
            text, variables = arg, {}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} renders as ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                return _as_text(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return _as_text(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", substitute, text)

    # ---------------------------------------------------------------- SAM model

    def _with_globals(self, kind: str, properties: dict[str, Any]) -> dict[str, Any]:
        defaults = (self.raw.get("Globals") or {}).get(kind) or {}
        return _merge_globals(copy.deepcopy(defaults), properties)

    def functions(self) -> dict[str, FunctionSpec]:
        """Every ``AWS::Serverless::Function``, keyed by logical id, resolved now."""
        specs: dict[str, FunctionSpec] = {}
        for logical_id, resource in self.resources.items():
            if resource.get("Type") != "AWS::Serverless::Function":
                continue
            props = self.resolve(self._with_globals("Function", resource.get("Properties") or {}))
            if "Handler" not in props or "CodeUri" not in props:
                raise TemplateError(f"{logical_id}: Handler and CodeUri are required locally")
            if not isinstance(props["CodeUri"], str):
                raise TemplateError(f"{logical_id}: only a local CodeUri path can be served")
            variables = ((props.get("Environment") or {}).get("Variables")) or {}
            specs[logical_id] = FunctionSpec(
                logical_id=logical_id,
                function_name=str(props.get("FunctionName") or logical_id),
                handler=str(props["Handler"]),
                code_uri=(self.path.parent / props["CodeUri"]).resolve(),
                runtime=str(props.get("Runtime", "")),
                timeout_s=int(props.get("Timeout", 3)),  # Lambda's default is 3 s
                memory_mb=int(props.get("MemorySize", 128)),  # Lambda's default is 128 MB
                environment={k: _as_text(v) for k, v in variables.items()},
            )
        return specs

    def routes(self) -> list[RouteSpec]:
        """One :class:`RouteSpec` per ``Type: Api`` event of every function.

        The authorizer rule is SAM's: the event's ``Auth.Authorizer`` wins (``NONE`` opens
        the route), else the API's ``Auth.DefaultAuthorizer``.
        """
        apis = self.apis()
        routes: list[RouteSpec] = []
        for logical_id, resource in self.resources.items():
            if resource.get("Type") != "AWS::Serverless::Function":
                continue
            for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
                if event.get("Type") != "Api":
                    continue
                props = event.get("Properties") or {}
                api_id = _ref_target(props.get("RestApiId")) or IMPLICIT_API_ID
                api = apis.get(api_id)
                if api is None:
                    raise TemplateError(f"{logical_id}: RestApiId {api_id} is not an API")
                auth = self.resolve(props.get("Auth") or {})
                authorizer = auth.get("Authorizer", api.default_authorizer)
                if authorizer == "NONE":
                    authorizer = None
                scopes = auth.get("AuthorizationScopes")
                routes.append(
                    RouteSpec(
                        function_id=logical_id,
                        api_id=api_id,
                        path=str(self.resolve(props["Path"])),
                        method=str(self.resolve(props["Method"])).upper(),
                        authorizer=authorizer,
                        scopes=tuple(scopes) if scopes is not None else None,
                    )
                )
        return routes

    def apis(self) -> dict[str, ApiSpec]:
        """Every ``AWS::Serverless::Api``, plus the implicit API if an event needs it."""
        apis: dict[str, ApiSpec] = {}
        for logical_id, resource in self.resources.items():
            if resource.get("Type") == "AWS::Serverless::Api":
                apis[logical_id] = self._api(logical_id, resource.get("Properties") or {})
        needs_implicit = any(
            event.get("Type") == "Api" and "RestApiId" not in (event.get("Properties") or {})
            for resource in self.resources.values()
            if resource.get("Type") == "AWS::Serverless::Function"
            for event in ((resource.get("Properties") or {}).get("Events") or {}).values()
        )
        if needs_implicit:
            apis[IMPLICIT_API_ID] = self._api(IMPLICIT_API_ID, {"StageName": "Prod"})
        return apis

    def _api(self, logical_id: str, properties: dict[str, Any]) -> ApiSpec:
        props = self.resolve(self._with_globals("Api", properties))
        auth = props.get("Auth") or {}
        authorizers: dict[str, CognitoAuthorizerSpec] = {}
        unsupported: list[str] = []
        for name, spec in (auth.get("Authorizers") or {}).items():
            if "UserPoolArn" not in spec:
                unsupported.append(name)  # Lambda (TOKEN/REQUEST) authorizers
                continue
            arns = spec["UserPoolArn"]
            authorizers[name] = CognitoAuthorizerSpec(
                name=name,
                user_pool_arns=tuple(arns if isinstance(arns, list) else [arns]),
                header=str((spec.get("Identity") or {}).get("Header", "Authorization")),
                scopes=tuple(spec.get("AuthorizationScopes") or ()),
            )
        responses = {
            kind: GatewayResponseSpec(
                status=int(spec["StatusCode"]) if "StatusCode" in spec else None,
                headers={
                    name: _unquote(value)
                    for name, value in (
                        (spec.get("ResponseParameters") or {}).get("Headers") or {}
                    ).items()
                    if _is_quoted(value)  # only static values; request mappings are not emulated
                },
                templates=dict(spec.get("ResponseTemplates") or {}),
            )
            for kind, spec in (props.get("GatewayResponses") or {}).items()
        }
        return ApiSpec(
            logical_id=logical_id,
            stage=str(props.get("StageName", "Prod")),
            default_authorizer=auth.get("DefaultAuthorizer"),
            authorizers=authorizers,
            unsupported_authorizers=tuple(unsupported),
            cors=_cors(props.get("Cors")),
            # API Gateway escapes "/" as "~1" in binaryMediaTypes (JSON Pointer, RFC 6901).
            binary_media_types=tuple(
                str(t).replace("~1", "/") for t in props.get("BinaryMediaTypes") or ()
            ),
            gateway_responses=responses,
            add_default_authorizer_to_cors_preflight=bool(
                auth.get("AddDefaultAuthorizerToCorsPreflight", True)
            ),
        )


# ------------------------------------------------------------------ helpers


def _fn_ref(t: Template, arg: Any) -> Any:
    return t.ref(str(arg))


def _fn_get_att(t: Template, arg: Any) -> str:
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    logical_id, attribute = arg[0], t._resolve(arg[1])
    return t.get_att(str(logical_id), str(attribute))


def _fn_join(t: Template, arg: Any) -> str:
    delimiter, items = arg[0], t._resolve(arg[1])
    return str(delimiter).join(_as_text(item) for item in items)


def _fn_select(t: Template, arg: Any) -> Any:
    index, items = int(t._resolve(arg[0])), t._resolve(arg[1])
    return items[index]


def _fn_split(t: Template, arg: Any) -> list[str]:
    return str(t._resolve(arg[1])).split(str(arg[0]))


def _fn_if(t: Template, arg: Any) -> Any:
    name, when_true, when_false = arg
    return t._resolve(when_true if t.condition(name) else when_false)


def _fn_equals(t: Template, arg: Any) -> bool:
    left, right = (t._resolve(item) for item in arg)
    return _as_text(left) == _as_text(right)


def _fn_find_in_map(t: Template, arg: Any) -> Any:
    name, top, second = (t._resolve(item) for item in arg[:3])
    try:
        return (t.raw.get("Mappings") or {})[name][top][second]
    except KeyError as exc:
        raise TemplateError(f"Fn::FindInMap: no {name}/{top}/{second}") from exc


def _fn_base64(t: Template, arg: Any) -> str:
    import base64

    return base64.b64encode(_as_text(t._resolve(arg)).encode()).decode()


def _fn_get_azs(t: Template, arg: Any) -> list[str]:
    return [f"{t.region}{zone}" for zone in "abc"]


def _unsupported(name: str) -> Callable[[Template, Any], Any]:
    def fail(t: Template, arg: Any) -> Any:
        raise TemplateError(f"{name} cannot be resolved by the local stack")

    return fail


_INTRINSICS: dict[str, Callable[[Template, Any], Any]] = {
    "Ref": _fn_ref,
    "Fn::Sub": lambda t, arg: t._sub(arg),
    "Fn::GetAtt": _fn_get_att,
    "Fn::Join": _fn_join,
    "Fn::Select": _fn_select,
    "Fn::Split": _fn_split,
    "Fn::If": _fn_if,
    "Fn::Equals": _fn_equals,
    "Fn::And": lambda t, arg: all(t._resolve(item) for item in arg),
    "Fn::Or": lambda t, arg: any(t._resolve(item) for item in arg),
    "Fn::Not": lambda t, arg: not t._resolve(arg[0]),
    "Condition": lambda t, arg: t.condition(str(arg)),
    "Fn::FindInMap": _fn_find_in_map,
    "Fn::Base64": _fn_base64,
    "Fn::GetAZs": _fn_get_azs,
    "Fn::ImportValue": _unsupported("Fn::ImportValue"),
    "Fn::Transform": _unsupported("Fn::Transform"),
    "Fn::Cidr": _unsupported("Fn::Cidr"),
}


def _parameter_value(name: str, spec: Mapping[str, Any], value: Any) -> Any:
    kind = spec.get("Type", "String")
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items]
    text = _as_text(value)
    pattern = spec.get("AllowedPattern")
    if pattern and not re.fullmatch(pattern, text):
        raise TemplateError(f"parameter {name}={text!r} does not match {pattern}")
    allowed = spec.get("AllowedValues")
    if allowed and text not in [_as_text(v) for v in allowed]:
        raise TemplateError(f"parameter {name}={text!r} is not one of {allowed}")
    if kind == "Number":
        float(text)  # CloudFormation rejects a non-numeric Number; Ref still gives a string
    return text


def _merge_globals(defaults: Any, own: Any) -> Any:
    """SAM's Globals rule: maps merge (resource wins), lists concatenate, scalars replace."""
    if isinstance(defaults, dict) and isinstance(own, dict):
        merged = dict(defaults)
        for key, value in own.items():
            merged[key] = _merge_globals(defaults[key], value) if key in defaults else value
        return merged
    if isinstance(defaults, list) and isinstance(own, list):
        return defaults + own
    return own


def _ref_target(value: Any) -> str | None:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    return str(value) if isinstance(value, str) else None


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_quoted(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == "'"


def _unquote(value: str) -> str:
    """API Gateway static mapping values are single-quoted: ``"'*'"`` means ``*``."""
    return value[1:-1] if _is_quoted(value) else value


def _cors(value: Any) -> CorsSpec | None:
    if not value:
        return None
    if isinstance(value, str):  # Cors: "'https://example.com'" (origin only)
        return CorsSpec(allow_origin=_unquote(value))
    return CorsSpec(
        allow_origin=_unquote(str(value.get("AllowOrigin", "'*'"))),
        allow_methods=_unquote(value["AllowMethods"]) if "AllowMethods" in value else None,
        allow_headers=_unquote(value["AllowHeaders"]) if "AllowHeaders" in value else None,
        max_age=_unquote(str(value["MaxAge"])) if "MaxAge" in value else None,
        allow_credentials=bool(value.get("AllowCredentials", False)),
    )
