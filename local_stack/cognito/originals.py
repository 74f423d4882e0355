"""moto's own attributes, kept while the local Cognito's patches replace them.

:func:`local_stack.cognito.install` records what each patched attribute was before it set
the patch (:func:`replace`); a patch that extends moto's behaviour calls moto's version
through :func:`moto_original`; :func:`restore_all` puts everything back (``uninstall``).
A registry rather than closures, so that every patch is a plain top-level function.
"""

from __future__ import annotations

from typing import Any

__all__ = ["moto_original", "replace", "restore_all"]

_MISSING = object()
# (owner, attribute) -> (what owner.__dict__ held, what getattr gave: an inherited method
# is not in the class's own __dict__), in the order they were replaced.
_ORIGINALS: dict[tuple[Any, str], tuple[Any, Any]] = {}


def replace(owner: Any, name: str, value: Any) -> None:
    """Set ``owner.name`` (a class or module attribute) to ``value``, remembering the
    original (or its absence) for :func:`moto_original` and :func:`restore_all`."""
    _ORIGINALS.setdefault(
        (owner, name), (owner.__dict__.get(name, _MISSING), getattr(owner, name, _MISSING))
    )
    setattr(owner, name, value)


def moto_original(owner: Any, name: str) -> Any:
    """moto's ``owner.name`` as it was before :func:`replace`.

    :raises KeyError: ``owner.name`` was not replaced, or moto had no such attribute.
    """
    original = _ORIGINALS[(owner, name)][1]
    if original is _MISSING:
        raise KeyError(f"moto has no {owner.__name__}.{name}")
    return original


def restore_all() -> None:
    """Put back every replaced attribute (delete those moto did not have), newest first."""
    for (owner, name), (original, _) in reversed(list(_ORIGINALS.items())):
        if original is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, original)
    _ORIGINALS.clear()
