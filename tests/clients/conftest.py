"""Real third-party clients against a fresh local stack (issue 10).

Each test is marked ``@pytest.mark.client(CLIENT, OPERATION)``; at the end of the run the
terminal summary prints the table client -> operation -> result and the counts, which is
what the issue asks to show. The stack is the session's :func:`tests.conftest.local_stack`.

The configuration every client uses is the one docs/local-stack.md documents: the AWS SDKs
reach the emulator through ``AWS_ENDPOINT_URL`` (or their ``endpoint`` option); OIDC
clients discover ``<hosted UI>/.well-known/openid-configuration``; token verifiers take
the JWKS from ``<hosted UI>/.well-known/jwks.json`` and expect Cognito's issuer
``https://cognito-idp.<region>.amazonaws.com/<pool id>``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import requests

PASSWORD = "Correct-Horse-9"
TIMEOUT = 30
_RESULTS: list[tuple[str, str, str]] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "client(name, operation): a third-party client check")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    marker = getattr(report, "client_marker", None)
    if marker is None:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _RESULTS.append((marker[0], marker[1], report.outcome))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    outcome = yield
    marker = item.get_closest_marker("client")
    if marker is not None:
        outcome.get_result().client_marker = (str(marker.args[0]), str(marker.args[1]))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _RESULTS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("third-party clients against the local stack")
    width = max(len(client) for client, _, _ in _RESULTS)
    for client, operation, outcome in _RESULTS:
        write(f"{client:<{width}}  {outcome:<7}  {operation}")
    passed = sum(1 for *_, outcome in _RESULTS if outcome == "passed")
    write(f"checks: {passed} passed, {len(_RESULTS) - passed} failed or skipped")


@dataclass(frozen=True)
class Env:
    """The running stack as a client developer sees it."""

    api_url: str
    hosted_ui_url: str
    emulator_url: str
    region: str
    pool_id: str
    client_id: str  # the template's confidential client (secret, USER_PASSWORD_AUTH only)
    client_secret: str
    redirect_uri: str
    scopes: tuple[str, ...]
    public_client_id: str  # a public client allowing SRP, admin and refresh flows
    password_only_client_id: str  # a public client allowing only USER_PASSWORD_AUTH

    def idp(self) -> Any:
        return boto3.client("cognito-idp", region_name=self.region, endpoint_url=self.emulator_url)

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    def jwks(self) -> dict[str, Any]:
        return requests.get(f"{self.hosted_ui_url}/.well-known/jwks.json", timeout=TIMEOUT).json()


@pytest.fixture(scope="session")
def env(local_stack: Any) -> Env:
    config = requests.get(f"{local_stack.api_url}/auth/config", timeout=TIMEOUT).json()
    region, pool_id, client_id = config["region"], config["user_pool_id"], config["client_id"]
    idp = boto3.client("cognito-idp", region_name=region, endpoint_url=local_stack.emulator_url)
    secret = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)[
        "UserPoolClient"
    ]["ClientSecret"]
    redirect_uri = f"{local_stack.api_url}/"
    assert redirect_uri in config["redirect_uris"]

    def public_client(name: str, flows: list[str]) -> str:
        created = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=name,
            GenerateSecret=False,
            ExplicitAuthFlows=flows,
            PreventUserExistenceErrors="ENABLED",
            AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=list(config["scopes"]),
            CallbackURLs=[redirect_uri],
            SupportedIdentityProviders=["COGNITO"],
        )
        return created["UserPoolClient"]["ClientId"]

    return Env(
        api_url=local_stack.api_url,
        hosted_ui_url=local_stack.hosted_ui_url,
        emulator_url=local_stack.emulator_url,
        region=region,
        pool_id=pool_id,
        client_id=client_id,
        client_secret=secret,
        redirect_uri=redirect_uri,
        scopes=tuple(config["scopes"]),
        public_client_id=public_client(
            "clients-public",
            [
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            ],
        ),
        password_only_client_id=public_client(
            "clients-password-only",
            [
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        ),
    )


@pytest.fixture(scope="session")
def new_user(env: Env) -> Callable[[], str]:
    """Make a confirmed user through the API (sign-up, code from the dev inbox, confirm)."""

    def make(prefix: str = "client") -> str:
        email = f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": email, "password": PASSWORD}
        signed_up = requests.post(f"{env.api_url}/auth/sign-up", json=body, timeout=TIMEOUT)
        assert signed_up.status_code == 201, signed_up.text
        inbox = requests.get(f"{env.api_url}/_local/inbox/{email}", timeout=TIMEOUT).json()
        code = next(m["code"] for m in inbox["messages"] if m["kind"] == "sign_up")
        confirmed = requests.post(
            f"{env.api_url}/auth/confirm", json={"email": email, "code": code}, timeout=TIMEOUT
        )
        assert confirmed.status_code == 200, confirmed.text
        return email

    return make
