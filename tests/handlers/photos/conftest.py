"""Fixtures for the photo handler tests: moto AWS built from template.yaml, cold handlers.

The table and bucket are provisioned from ``template.yaml`` by the local stack's own
:func:`local_stack.aws.moto_server.provision`, once for the package and emptied before each test
(tests/handlers/conftest.py), and each handler's environment is the template's
(Globals + the function's ``&PhotosEnv``), so these tests cannot drift from the
infrastructure. Each test imports its handlers
afresh (a cold start).
"""

from __future__ import annotations

import copy
import importlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_stack.template import Template
from tests.handlers.photos.photo_events import BUCKET_NAME, EVENT_CLIENT_ID, TABLE_NAME

ROOT = Path(__file__).resolve().parents[3]


# ---------------------------------------------------------------- template.yaml
@pytest.fixture
def template(aws_state: Template) -> Template:
    """template.yaml, read by the same code the local stack serves it with, as provisioned
    in moto (tests/handlers/conftest.py); a copy this test may change."""
    return aws_state


def function_environment(template: Template, handler: str) -> dict[str, str]:
    """The environment the template gives the function whose Handler is ``handler``
    (Globals + its variables, Refs resolved through ``template.physical_ids``)."""
    specs = [spec for spec in template.functions().values() if spec.handler == handler]
    assert len(specs) == 1, f"template.yaml has no single function with Handler {handler}"
    return dict(specs[0].environment)


# ---------------------------------------------------------------- moto
@pytest.fixture
def aws(template: Template) -> Iterator[None]:
    """moto with template.yaml's resources, provisioned by the local stack's own code
    once per session and emptied before this test (tests/handlers/conftest.py)."""
    assert template.physical_ids["PhotosTable"] == TABLE_NAME
    assert template.physical_ids["PhotosBucket"] == BUCKET_NAME
    yield


# ---------------------------------------------------------------- Lambda
@dataclass
class LambdaContext:
    """The attributes Powertools reads from the Lambda context."""

    function_name: str = "moments-photos-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:moments-photos-test"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


Handler = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def cold_start(
    aws: None,
    template: Template,
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> Callable[..., Handler]:
    """``cold_start("list_photos", **env_overrides)`` -> ``invoke(event) -> response``.

    Sets the template's environment for that function (plus overrides, as env.json
    would), then imports its module afresh, so module-level config and the lazily
    created boto3 clients belong to this test's moto.
    """

    def start(name: str, physical_ids: dict[str, str] | None = None, **overrides: str) -> Handler:
        # The app client the events/*.json claims name (the photo routes check client_id);
        # the photo functions never call Cognito, so moto's own client id is not needed.
        template.physical_ids.update({"UserPoolClient": EVENT_CLIENT_ID, **(physical_ids or {})})
        env = function_environment(template, f"photos.handlers.{name}.lambda_handler")
        for key, value in {**env, **overrides}.items():
            monkeypatch.setenv(key, value)
        from photos import claims, store  # after the environment, as on Lambda

        store.aws_client.cache_clear()
        claims.jwks_client.cache_clear()
        module_name = f"photos.handlers.{name}"
        sys.modules.pop(module_name, None)
        module = importlib.import_module(module_name)

        def invoke(event: dict[str, Any]) -> dict[str, Any]:
            return module.lambda_handler(copy.deepcopy(event), lambda_context)

        return invoke

    return start
