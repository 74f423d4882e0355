"""The resolved template: :class:`Template` (parameters, conditions, intrinsic functions,
Globals) and what the stack serves from it: functions, routes and APIs.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_stack.template.intrinsics import INTRINSICS, as_text
from local_stack.template.loader import (
    ACCOUNT_ID,
    IMPLICIT_API_ID,
    NO_VALUE,
    REGION,
    STACK_NAME,
    TemplateError,
    load_yaml,
)
from local_stack.template.specs import (
    ApiSpec,
    CognitoAuthorizerSpec,
    CorsSpec,
    FunctionSpec,
    GatewayResponseSpec,
    RouteSpec,
)


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
            "AWS::NoValue": NO_VALUE,
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
        return None if resolved is NO_VALUE else resolved

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self._resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = INTRINSICS.get(key)
            if handler is not None:
                return handler(self, arg)
        items = {key: self._resolve(item) for key, item in value.items()}
        return {key: item for key, item in items.items() if item is not NO_VALUE}

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
                return as_text(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return as_text(self.ref(name))

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
                environment={k: as_text(v) for k, v in variables.items()},
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


def _parameter_value(name: str, spec: Mapping[str, Any], value: Any) -> Any:
    kind = spec.get("Type", "String")
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items]
    text = as_text(value)
    pattern = spec.get("AllowedPattern")
    if pattern and not re.fullmatch(pattern, text):
        raise TemplateError(f"parameter {name}={text!r} does not match {pattern}")
    allowed = spec.get("AllowedValues")
    if allowed and text not in [as_text(v) for v in allowed]:
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
