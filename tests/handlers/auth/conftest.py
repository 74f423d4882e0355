"""Fixtures for driving the auth handlers with the events/*.json files.

- ``template``: template.yaml as :class:`local_stack.template.Template` reads it, so the
  moto resources and the functions' environment come from the template and cannot drift.
- ``moto_pool``: the template's resources provisioned in moto by the local stack's own
  :func:`local_stack.aws.moto_server.provision` (once; emptied before each test, see
  tests/handlers/conftest.py), and the broker's environment (``&AuthEnv``) set
  as Lambda would set it.
- ``hosted_ui``: a tiny ``/oauth2/token`` server on a free port that records each request.
- ``lambda_context``: a minimal LambdaContext.
- ``inbox``: the local stack's Cognito behaviour installed on ``moto_pool`` (real codes,
  VerifyUserAttribute, DeleteUser, passkeys), its dev inbox holding the codes.
"""

from __future__ import annotations

import io
import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.backends import get_backend

from auth.config import load_settings
from auth.service import get_service
from local_stack import cognito
from local_stack.cognito.inbox import Inbox
from local_stack.cognito.state import pool_state
from local_stack.template import Template

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
ACCOUNT = "123456789012"


# ---------------------------------------------------------------- template.yaml


@pytest.fixture
def template() -> Template:
    """template.yaml, read by the same code the local stack serves it with."""
    return Template.load(ROOT / "template.yaml")


def auth_env(template: Template) -> dict[str, str]:
    """The environment the template gives the broker functions (Globals + ``&AuthEnv``,
    shared by every one of them), with ``template.physical_ids`` for its Refs."""
    return dict(template.functions()["SignUpFunction"].environment)


# ---------------------------------------------------------------- the fake hosted UI


@dataclass
class HostedUi:
    """A local ``/oauth2/token`` that records requests and replays ``status``/``body``."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    body: dict[str, Any] | str = field(
        default_factory=lambda: {
            "access_token": "hosted-access",
            "id_token": "hosted-id",
            "refresh_token": "hosted-refresh",
            "expires_in": 900,
            "token_type": "Bearer",
        }
    )
    stall: threading.Event | None = None  # set: answer only once the event is set


@pytest.fixture
def hosted_ui():
    state = HostedUi()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's method name
            length = int(self.headers.get("Content-Length") or 0)
            state.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": self.rfile.read(length).decode(),
                }
            )
            if state.stall is not None:
                state.stall.wait(10)
            payload = state.body if isinstance(state.body, str) else json.dumps(state.body)
            data = payload.encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # port 0: a free port
    server.daemon_threads = True
    # A short poll interval: shutdown() waits up to one interval (0.5 s by default, which
    # cost every test that uses this fixture half a second).
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    if state.stall is not None:
        state.stall.set()
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------- Lambda plumbing


@dataclass
class LambdaContext:
    function_name: str = "moments-dev-auth"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:moments-dev-auth"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    log_group_name: str = "/aws/lambda/moments-dev-auth"
    log_stream_name: str = "2026/11/21/[$LATEST]abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture(autouse=True)
def fresh_container():
    """Each test is a cold start: the handler modules are imported again (under the test's
    environment: Powertools reads e.g. ``POWERTOOLS_SERVICE_NAME`` when a module makes its
    Logger and Metrics), and settings and the service are rebuilt."""
    for name in [m for m in sys.modules if m.startswith("auth.handlers.")]:
        del sys.modules[name]
    load_settings.cache_clear()
    get_service.cache_clear()
    yield
    load_settings.cache_clear()
    get_service.cache_clear()


# ---------------------------------------------------------------- moto


@dataclass
class MotoPool:
    client: Any
    user_pool_id: str
    client_id: str
    client_secret: str
    env: dict[str, str]


@pytest.fixture
def moto_pool(aws_state, hosted_ui, monkeypatch):
    """The template's resources in moto (provisioned once, emptied before this test: see
    tests/handlers/conftest.py), and the broker's environment."""
    template = aws_state
    # As the local stack does: the hosted UI base URL points at the stand-in.
    env = auth_env(template) | {"COGNITO_DOMAIN_URL": hosted_ui.url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return MotoPool(
        boto3.client("cognito-idp", region_name=REGION),
        template.physical_ids["UserPool"],
        template.physical_ids["UserPoolClient"],
        template.attributes[("UserPoolClient", "ClientSecret")],
        env,
    )


def user_pool(moto_pool) -> Any:
    """moto's own user pool object behind ``moto_pool``."""
    return get_backend("cognito-idp")[ACCOUNT][REGION].user_pools[moto_pool.user_pool_id]


@pytest.fixture
def inbox(moto_pool, aws_state, monkeypatch) -> Iterator[Inbox]:
    """The local Cognito installed on moto, with the template's passkey relying party on
    the pool as the local stack's provisioning sets it (``WebAuthnRelyingPartyID``:
    AllowedOrigin's host by default, ``localhost``; ``WebAuthnUserVerification``). The
    package-wide provisioning ran before the emulation was installed, and moto's own
    SetUserPoolMfaConfig drops ``WebAuthnConfiguration``; monkeypatch restores the pool
    after the test."""
    inbox = Inbox(stream=io.StringIO())
    cognito.install(inbox)
    props = aws_state.raw["Resources"]["UserPool"]["Properties"]
    party = {
        "RelyingPartyId": aws_state.resolve(props["WebAuthnRelyingPartyID"]),
        "UserVerification": props["WebAuthnUserVerification"],
    }
    monkeypatch.setattr(pool_state(user_pool(moto_pool)), "webauthn_config", party)
    try:
        yield inbox
    finally:
        cognito.uninstall()
