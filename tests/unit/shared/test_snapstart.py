"""SnapStart hooks: prime before the snapshot, fresh clients and randomness after restore.

``snapshot_restore_py`` exists only in Lambda's managed runtime; a stand-in module records
the hooks and runs them as Lambda would (before-snapshot in reverse order of registration,
after-restore in order: Lambda developer guide, "Lambda SnapStart runtime hooks for Python").
"""

from __future__ import annotations

import importlib
import random
import sys
import types
from collections.abc import Callable, Iterator

import pytest

from shared import snapstart


class FakeRuntime:
    def __init__(self) -> None:
        self.before: list[Callable[[], object]] = []
        self.after: list[Callable[[], object]] = []

    def snapshot(self) -> None:
        for hook in reversed(self.before):
            hook()

    def restore(self) -> None:
        for hook in self.after:
            hook()


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRuntime]:
    fake = FakeRuntime()
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = fake.before.append  # type: ignore[attr-defined]
    module.register_after_restore = fake.after.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    monkeypatch.setattr(snapstart, "_seeded", False)
    yield fake


def test_without_the_lambda_runtime_nothing_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails
    assert snapstart.register(prime=lambda: None, refresh=lambda: None) is False


def test_photo_clients_are_primed_then_rebuilt_after_restore(
    runtime: FakeRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the photo store imported in a SnapStart runtime (a fresh copy of the module)
    monkeypatch.delitem(sys.modules, "photos.store", raising=False)
    store = importlib.import_module("photos.store")
    # When Lambda snapshots the initialised environment
    runtime.snapshot()
    primed = store.aws_client("dynamodb")
    assert store.aws_client.cache_info().currsize == 2  # dynamodb and s3, before the snapshot
    # And restores it elsewhere
    runtime.restore()
    # Then the next use makes a new client (fresh credentials and connections)
    assert store.aws_client.cache_info().currsize == 0
    assert store.aws_client("dynamodb") is not primed


def test_random_is_reseeded_in_every_restored_environment(runtime: FakeRuntime) -> None:
    # Given two environments restored from one snapshot (same random state)
    snapstart.register(prime=lambda: None, refresh=lambda: None)
    state = random.getstate()
    runtime.restore()
    first = random.random()
    random.setstate(state)
    runtime.restore()
    second = random.random()
    # Then their random numbers differ
    assert first != second


def test_the_auth_service_is_rebuilt_after_restore(runtime: FakeRuntime, monkeypatch) -> None:
    monkeypatch.delitem(sys.modules, "auth.service", raising=False)
    service = importlib.import_module("auth.service")
    monkeypatch.setattr(service, "load_settings", lambda: object())
    monkeypatch.setattr(service, "AuthService", lambda settings: object())
    built = service.get_service()
    # And the DynamoDB client shared by the sign-out records and the account deletion
    monkeypatch.setattr("auth.cognito.boto3.client", lambda *args, **kwargs: object())
    service.dynamodb_client.cache_clear()
    client = service.dynamodb_client()
    try:
        runtime.restore()
        assert service.get_service() is not built
        assert service.dynamodb_client() is not client
    finally:
        service.dynamodb_client.cache_clear()  # no fake client left for later tests
