"""Read a SAM template the way CloudFormation + the SAM transform would, for local serving.

The local stack serves exactly what ``template.yaml`` declares: nothing here knows a route,
a function or an environment variable name of Moments. This package (:mod:`local_stack.template`)

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

Why not samtranslator or SAM CLI's providers: importing samtranslator's transform alone
took 0.66-1.26 s (3 runs, this machine, issue 18), against 0.05-0.24 s for this package to
import, load template.yaml and build every spec; on a stack start whose health answer
comes after ~3-5 s that is more than the 20 % the issue allows, before the transform
itself, which also needs IAM's managed-policy list (a network call, or a stub). SAM CLI's
providers import samcli on top. Its rules are the ones cited here, so the reading stays
ours.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
"""The account id moto uses; ``AWS::AccountId`` resolves to it."""
REGION = "us-east-1"
STACK_NAME = "moments-local"
IMPLICIT_API_ID = "ServerlessRestApi"
"""SAM's logical id for the API it creates for Api events without ``RestApiId``."""

NO_VALUE = object()  # AWS::NoValue: the enclosing key or list item disappears


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
