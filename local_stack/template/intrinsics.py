"""CloudFormation's intrinsic functions (``Ref``, ``Fn::GetAtt``, ``Fn::Join``, ``Fn::If``, ...) as the local
stack resolves them: one function per name in :data:`INTRINSICS`; ``Fn::ImportValue``,
``Fn::Transform`` and ``Fn::Cidr`` raise :class:`TemplateError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from local_stack.template.loader import TemplateError

if TYPE_CHECKING:
    from local_stack.template.model import Template


def _fn_ref(t: Template, arg: Any) -> Any:
    return t.ref(str(arg))


def _fn_get_att(t: Template, arg: Any) -> str:
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    logical_id, attribute = arg[0], t._resolve(arg[1])
    return t.get_att(str(logical_id), str(attribute))


def _fn_join(t: Template, arg: Any) -> str:
    delimiter, items = arg[0], t._resolve(arg[1])
    return str(delimiter).join(as_text(item) for item in items)


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
    return as_text(left) == as_text(right)


def _fn_find_in_map(t: Template, arg: Any) -> Any:
    name, top, second = (t._resolve(item) for item in arg[:3])
    try:
        return (t.raw.get("Mappings") or {})[name][top][second]
    except KeyError as exc:
        raise TemplateError(f"Fn::FindInMap: no {name}/{top}/{second}") from exc


def _fn_base64(t: Template, arg: Any) -> str:
    import base64

    return base64.b64encode(as_text(t._resolve(arg)).encode()).decode()


def _fn_get_azs(t: Template, arg: Any) -> list[str]:
    return [f"{t.region}{zone}" for zone in "abc"]


def _unsupported(name: str) -> Callable[[Template, Any], Any]:
    def fail(t: Template, arg: Any) -> Any:
        raise TemplateError(f"{name} cannot be resolved by the local stack")

    return fail


INTRINSICS: dict[str, Callable[[Template, Any], Any]] = {
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


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
