"""Lambda SnapStart runtime hooks: prime before the snapshot, refresh after a restore.

With SnapStart (template.yaml Globals, docs/deploy.md), Lambda runs a function's Init once
per published version, snapshots the microVM, and resumes every new execution environment
from that snapshot ("Improving startup performance with Lambda SnapStart", Lambda
developer guide). So:

- what is expensive and state-free is worth doing *before* the snapshot: loading the
  botocore service models of the clients the function will make (``prime``);
- what must be unique or fresh per environment is redone *after* each restore
  (``refresh``): the ``random`` module's state (botocore's retry jitter uses it; it would
  otherwise be identical in every restored environment: "Handling uniqueness with Lambda
  SnapStart"), and SDK clients, which hold the credentials and connections of the
  snapshot's moment; they are rebuilt lazily from the already loaded models.

The hooks come from ``snapshot_restore_py``, which Lambda's Python managed runtimes
include ("Lambda SnapStart runtime hooks for Python"); elsewhere (``make dev``, the tests,
a function without SnapStart) there is no snapshot and :func:`register` does nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable

_seeded = False


def register(prime: Callable[[], object], refresh: Callable[[], object]) -> bool:
    """Run ``prime`` before Lambda takes the snapshot and ``refresh`` after each restore
    (the ``random`` module is reseeded first, once per process). Returns whether the
    runtime has SnapStart hooks at all."""
    global _seeded
    try:
        from snapshot_restore_py import (  # type: ignore[import-not-found]
            register_after_restore,
            register_before_snapshot,
        )
    except ImportError:  # not Lambda's managed Python runtime: no snapshots to handle
        return False
    if not _seeded:
        register_after_restore(random.seed)  # from os.urandom: unique per environment
        _seeded = True
    register_before_snapshot(prime)
    register_after_restore(refresh)
    return True
