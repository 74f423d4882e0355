"""``python -m tools.postman_collection``: writes ``postman/moments.postman_collection.json``.

The generator lives in the :mod:`tools.postman` package; this module keeps the command
and the names tests import (:data:`OUTPUT`, :data:`OPENAPI`, :data:`STATE_VARIABLES`,
:func:`converted`, :func:`main`).
"""

from __future__ import annotations

import sys

from tools.postman.collection import OUTPUT, STATE_VARIABLES, build_collection, main, render
from tools.postman.requests import converted
from tools.postman.schemas import OPENAPI

__all__ = [
    "OPENAPI",
    "OUTPUT",
    "STATE_VARIABLES",
    "build_collection",
    "converted",
    "main",
    "render",
]

if __name__ == "__main__":
    sys.exit(main())
