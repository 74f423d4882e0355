"""Import a package's submodule without running the package's ``__init__`` first.

Python always executes a package's ``__init__`` before any of its submodules. Powertools'
``aws_lambda_powertools.event_handler/__init__.py`` imports every resolver (AppSync,
AppSync Events, Bedrock agents, VPC Lattice, Lambda function URLs, ...) so that its names
can be imported from the package root; the REST API functions need only
``event_handler.api_gateway``. :func:`lazy_package` registers the package as a module
whose ``__init__`` runs on first use of a name it defines (PEP 562 module ``__getattr__``),
so ``from aws_lambda_powertools.event_handler.api_gateway import ...`` loads that module
and what it imports, and ``from aws_lambda_powertools.event_handler import X`` still works
(it runs the real ``__init__`` then). The standard library's ``importlib.util.LazyLoader``
does not fit: the import system reads the parent's ``__path__``, which makes it load.
Measured on the built package with Python 3.13: about 35 ms less CPU per cold start
(65 fewer modules).
"""

from __future__ import annotations

import importlib.util
import sys


def lazy_package(name: str) -> None:
    """Register package ``name`` (not yet imported) so its ``__init__`` runs on first use
    of one of its own names. A no-op when it is imported already or is not installed."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.submodule_search_locations is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)  # sets __path__, __spec__, __file__

    def load_init(attribute: str) -> object:
        if importlib.util.find_spec(f"{name}.{attribute}") is not None:
            # ``from package import submodule``: the import system imports it on its own.
            raise AttributeError(attribute)
        delattr(module, "__getattr__")  # once: the real __init__ runs now
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        try:
            return module.__dict__[attribute]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}") from None

    setattr(module, "__getattr__", load_init)  # noqa: B010 (PEP 562 hook on a module)
    sys.modules[name] = module
