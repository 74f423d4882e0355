"""Fixtures for driving the auth handlers with the events/*.json files.

- ``template``: template.yaml, loaded with a loader that keeps ``!Ref``/``!Sub``/``!GetAtt``
  as tagged values (and YAML aliases such as ``*AuthEnv``) and resolves them here, so the
  moto pool and the functions' environment come from the template and cannot drift.
- ``moto_pool``: the UserPool and UserPoolClient created in moto from their properties, and
  the broker's environment (``&AuthEnv``) set as Lambda would set it.
- ``hosted_ui``: a tiny ``/oauth2/token`` server on a free port that records each request.
- ``lambda_context``: a minimal LambdaContext.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from auth.config import load_settings
from auth.service import get_service

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
ACCOUNT = "123456789012"


# ---------------------------------------------------------------- template.yaml


@dataclass(frozen=True)
class Tag:
    name: str  # "Ref", "Sub", "GetAtt", "Join", ...
    value: Any


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that keeps CloudFormation short-form intrinsics as :class:`Tag`."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tag:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Tag(suffix, value)


_TemplateLoader.add_multi_constructor("!", _tag)


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return yaml.load((ROOT / "template.yaml").read_text(), Loader=_TemplateLoader)  # noqa: S506


def resolve(value: Any, refs: dict[str, Any]) -> Any:
    """Resolve intrinsics with ``refs`` (parameter defaults, pseudo parameters, resources)."""
    if isinstance(value, Tag):
        if value.name == "Ref":
            return refs[value.value]
        if value.name == "Sub":
            return re.sub(r"\$\{([^}]+)\}", lambda m: str(refs[m.group(1)]), value.value)
        if value.name == "Join":
            sep, items = value.value
            items = resolve(items, refs)
            return sep.join(str(i) for i in items)
        raise KeyError(f"no resolver for !{value.name}")
    if isinstance(value, dict):
        return {k: resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, refs) for v in value]
    return value


def parameter_defaults(template: dict[str, Any]) -> dict[str, Any]:
    refs: dict[str, Any] = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT}
    for name, spec in template["Parameters"].items():
        default = spec.get("Default")
        if spec["Type"] == "CommaDelimitedList":
            default = [part.strip() for part in str(default).split(",")]
        elif spec["Type"] == "Number":
            default = int(default)
        refs[name] = default
    return refs


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
        def do_POST(self) -> None:  # noqa: N802 (http.server API)
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
    thread = threading.Thread(target=server.serve_forever, daemon=True)
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
    """Each test is a cold start: settings and the service are rebuilt."""
    load_settings.cache_clear()
    get_service.cache_clear()
    yield
    load_settings.cache_clear()
    get_service.cache_clear()


def auth_env(template: dict[str, Any], refs: dict[str, Any]) -> dict[str, str]:
    """The SignUpFunction's environment (``&AuthEnv``, shared by every broker function)."""
    variables = template["Resources"]["SignUpFunction"]["Properties"]["Environment"]["Variables"]
    return {k: str(v) for k, v in resolve(variables, refs).items()}


# ---------------------------------------------------------------- moto


@dataclass
class MotoPool:
    client: Any
    user_pool_id: str
    client_id: str
    client_secret: str
    env: dict[str, str]


@pytest.fixture
def moto_pool(template, hosted_ui, monkeypatch):
    """The template's UserPool + UserPoolClient in moto, and the broker's environment."""
    refs = parameter_defaults(template)
    resources = template["Resources"]
    with mock_aws():
        idp = boto3.client("cognito-idp", region_name=REGION)
        pool_props = resolve(resources["UserPool"]["Properties"], refs)
        pool_name = pool_props.pop("UserPoolName")
        pool = idp.create_user_pool(PoolName=pool_name, **pool_props)["UserPool"]
        refs["UserPool"] = pool["Id"]
        client_props = resolve(resources["UserPoolClient"]["Properties"], refs)
        app_client = idp.create_user_pool_client(**client_props)["UserPoolClient"]
        refs["UserPoolClient"] = app_client["ClientId"]
        refs["UserPoolDomain"] = f"moments-dev-{ACCOUNT}"
        env = auth_env(template, refs)
        # As the local stack does: the hosted UI base URL points at the stand-in.
        env["COGNITO_DOMAIN_URL"] = hosted_ui.url
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        yield MotoPool(idp, pool["Id"], app_client["ClientId"], app_client["ClientSecret"], env)
