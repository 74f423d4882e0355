"""The template's functions and routes, for tests that must cover every one of them.

Read from ``template.yaml`` by the local stack's own reader, so a route added there reaches
every test that iterates these lists, and a test that names a route missing from them
fails instead of silently covering less.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from local_stack.template import Template
from tools.events import event_name

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


@dataclass(frozen=True)
class Function:
    """One ``AWS::Serverless::Function``.

    ``module`` is its handler module (``auth.handlers.mfa``), ``service`` the first part
    of it (``auth``), ``handler`` the module's last part (``mfa``), ``event`` the stem of
    its ``events/`` file; ``method``/``path`` its ``Api`` event (None for other events),
    ``protected`` whether an authorizer guards that route.
    """

    logical_id: str
    module: str
    event: str
    method: str | None = None
    path: str | None = None
    protected: bool = False

    @property
    def service(self) -> str:
        return self.module.split(".", 1)[0]

    @property
    def handler(self) -> str:
        return self.module.rsplit(".", 1)[1]

    @property
    def route(self) -> str | None:
        """``"GET /photos/{photo_id}"``, or None for a function on another event."""
        return f"{self.method} {self.path}" if self.method else None


@functools.cache
def functions() -> tuple[Function, ...]:
    """Every function of template.yaml, in template order."""
    template = Template.load(TEMPLATE)
    routes = {route.function_id: route for route in template.routes()}
    found = []
    for logical_id, spec in template.functions().items():
        route = routes.get(logical_id)
        found.append(
            Function(
                logical_id=logical_id,
                module=spec.handler.rsplit(".", 1)[0],
                event=event_name(logical_id),
                method=route.method if route else None,
                path=route.path if route else None,
                protected=bool(route and route.authorizer),
            )
        )
    return tuple(found)


def api_functions(service: str | None = None, protected: bool | None = None) -> list[Function]:
    """The functions behind a route, optionally of one ``service`` and/or only those
    with (``protected=True``) or without an authorizer."""
    return [
        f
        for f in functions()
        if f.route
        and (service is None or f.service == service)
        and (protected is None or f.protected == protected)
    ]


def by_event(event: str) -> Function:
    """The function whose ``events/`` file is ``<event>.json``."""
    (found,) = [f for f in functions() if f.event == event]
    return found
