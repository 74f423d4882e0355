"""The local stack's state on disk, so that ``make dev`` survives a restart.

What is kept (one pickle file, ``<folder>/state.pickle``, written atomically):

- moto's backends of the emulated services (:data:`SERVICES`): user pools, app clients,
  users and their passwords, the token-signing key, tables and items, buckets and
  objects. moto 5.2.5 has no persistence of its own (its ``/moto-api`` snapshots cover
  recorded calls, not state), but its backends are plain Python objects; the one part
  ``pickle`` cannot take, a ``cryptography`` private key, is pickled as PKCS#8 PEM
  (:func:`_pickle_private_key`). The local stack's Cognito side tables live on moto's
  pool objects (``local_stack.cognito``), so they come along;
- the physical ids and attributes the stack recorded when it provisioned the template
  (so the same pool, client, table and bucket ids come back and nothing is re-created);
- any extra state registered with :meth:`StateStore.register` (plain data only).

It is written on a clean stop and, while the stack runs, every
:data:`SNAPSHOT_INTERVAL_S` seconds after a change, so a crash loses at most that much. A file that cannot be read (another moto
version, a truncated write) is set aside as ``state.pickle.broken`` and the stack starts
clean, saying so.

Only ``make dev`` uses a folder (``.local-stack/``, git-ignored); ``make dev-reset``
deletes it first. ``python -m local_stack`` without ``--state-dir`` (tests, ``run``,
``invoke``) keeps everything in memory and always starts clean.
"""

from __future__ import annotations

import copyreg
import logging
import os
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

log = logging.getLogger("local_stack")

SERVICES = ("cognito-idp", "s3", "dynamodb")
"""moto services whose backends are saved (the ones the local stack emulates)."""
SNAPSHOT_INTERVAL_S = 30.0
FORMAT_VERSION = 1
STATE_FILE = "state.pickle"


def _load_private_key(pem: bytes) -> Any:
    return serialization.load_pem_private_key(pem, password=None)


def _pickle_private_key(key: Any) -> tuple[Callable[[bytes], Any], tuple[bytes]]:
    """Reduce a ``cryptography`` private key to its PKCS#8 PEM (the file is local and
    git-ignored, like moto's own bundled key)."""
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _load_private_key, (pem,)


def _register_key_pickling() -> None:
    probe_rsa = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    probe_ec = ec.generate_private_key(ec.SECP256R1())
    for key_type in {type(probe_rsa), type(probe_ec)}:
        copyreg.pickle(key_type, _pickle_private_key)


@dataclass
class Restored:
    """What :meth:`StateStore.load` gives back to the stack."""

    physical_ids: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)


class StateStore:
    """Save and load the stack's state in ``folder``.

    Args:
        folder: where ``state.pickle`` lives (created on first save).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / STATE_FILE
        self._extras: dict[str, tuple[Callable[[], Any], Callable[[Any], None]]] = {}
        self._pending: dict[str, Any] = {}  # loaded extras nobody registered for yet
        self._ids: tuple[dict[str, str], dict[tuple[str, str], str]] = ({}, {})
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        _register_key_pickling()

    def register(self, name: str, get: Callable[[], Any], put: Callable[[Any], None]) -> None:
        """Also keep ``get()``'s value under ``name``; ``put(value)`` restores it.

        ``put`` runs during :meth:`load`, or at once when the state was already loaded
        (a part created after the emulator, such as the hosted UI's store, registers late).
        ``get`` must return plain data (dicts, lists, dataclasses, str/int/float).
        """
        self._extras[name] = (get, put)
        if name in self._pending:
            put(self._pending.pop(name))

    def reset(self) -> None:
        """Forget the saved state (``make dev-reset``)."""
        for path in (self.path, self.path.with_suffix(".pickle.tmp")):
            path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ load

    def load(self) -> Restored | None:
        """Put the saved backends back into moto; None when there is nothing (usable).

        Call before the emulator serves its first request.
        """
        if not self.path.is_file():
            return None
        try:
            with self.path.open("rb") as file:
                state = pickle.load(file)
            if state.get("version") != FORMAT_VERSION:
                raise ValueError(f"state format {state.get('version')}")
        except Exception as exc:  # noqa: BLE001 - any unreadable file means "start clean"
            broken = self.path.with_suffix(".pickle.broken")
            os.replace(self.path, broken)
            log.warning(
                "state: %s is unreadable (%s); starting clean (kept as %s)",
                self.path,
                exc,
                broken.name,
            )
            return None
        from moto.backends import get_backend

        for service, accounts in state["moto"].items():
            backends = get_backend(service)  # type: ignore[call-overload]
            for account_id, regions in accounts.items():
                account = backends[account_id]
                for region, backend in regions.items():
                    account[region] = backend
        for name, value in state.get("extras", {}).items():
            if name in self._extras:
                self._extras[name][1](value)
            else:
                self._pending[name] = value
        restored = Restored(dict(state["physical_ids"]), dict(state["attributes"]))
        self._ids = (restored.physical_ids, restored.attributes)
        log.info("state: restored from %s (make dev-reset starts clean)", self.path)
        return restored

    # ------------------------------------------------------------------ save

    def remember(
        self, physical_ids: dict[str, str], attributes: dict[tuple[str, str], str]
    ) -> None:
        """The provisioned ids to save with the backends (``Template.physical_ids`` ...)."""
        self._ids = (physical_ids, attributes)

    def save(self) -> None:
        """Write the state now (atomically: a temp file, then rename)."""
        from moto.backends import get_backend

        with self._lock:
            for attempt in range(3):
                try:
                    state = {
                        "version": FORMAT_VERSION,
                        "moto": {
                            service: {
                                account_id: dict(account.items())
                                for account_id, account in get_backend(service).items()  # type: ignore[call-overload]
                            }
                            for service in SERVICES
                        },
                        "physical_ids": dict(self._ids[0]),
                        "attributes": dict(self._ids[1]),
                        "extras": {
                            **self._pending,
                            **{name: get() for name, (get, _) in self._extras.items()},
                        },
                    }
                    data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
                    break
                except RuntimeError:  # a request changed a dict mid-pickle; try again
                    if attempt == 2:
                        raise
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".pickle.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, self.path)

    def start_snapshots(
        self, changed: threading.Event | None = None, interval_s: float = SNAPSHOT_INTERVAL_S
    ) -> None:
        """Save every ``interval_s`` seconds in a daemon thread until :meth:`stop`; with
        ``changed``, only when it was set since the last snapshot (an idle stack does not
        re-pickle its photos every 30 s)."""

        def loop() -> None:
            while not self._stop.wait(interval_s):
                if changed is not None:
                    if not changed.is_set():
                        continue
                    changed.clear()
                try:
                    self.save()
                except Exception as exc:  # noqa: BLE001 - a failed snapshot is not fatal
                    log.warning("state: snapshot failed: %s", exc)

        self._thread = threading.Thread(target=loop, name="state-snapshots", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the snapshots and save one last time."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.save()
        log.info("state: saved to %s", self.path)
