"""The whole API through SAM CLI's own ``sam local start-api`` (issue 21), as ``make
sam-local`` runs it (``python -m tools.sam_local`` on free ports): every function in a
Docker container, the local stack's emulator behind them, events through ``sam local
start-lambda``.

Needs Docker. Where the daemon is missing the module is skipped with one line, except
under ``CI=true`` (``.ci/run`` installs docker.io and starts dockerd), where it fails.
If Docker is installed but no daemon runs and this is root, the fixture starts one (see
:func:`tools.docker_host.start_dockerd`) and stops it afterwards. The first run on a
machine builds the Lambda base image stand-in (minutes, :mod:`tools.lambda_image`) and
``sam build``; later runs reuse both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

from local_stack import cognito
from local_stack.template import load_yaml
from tests.e2e.test_oauth_flow import Browser, User, exchange, refresh
from tests.e2e.test_token_hardening import other_app_access_token, photo_calls
from tools import docker_host

# The first test also waits for the fixture: image build and sam build on a fresh machine.
pytestmark = [pytest.mark.sam, pytest.mark.slow, pytest.mark.e2e, pytest.mark.timeout(2400)]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Correct-Horse-9"
TIMEOUT = 120  # a cold container start under a loaded CI machine
#: First run on a fresh machine: image (~150 s) + sam build (~70 s) + start, with margin.
START_TIMEOUT_S = 1500
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDK+mmyAAAAABJRU5ErkJggg=="
)


def _docker_or_skip() -> subprocess.Popen[bytes] | None:
    """Docker's daemon, started here if installed and not running (then returned, to be
    stopped); skip (fail under CI=true) when there is none."""
    problem = docker_host.docker_problem()
    started = None
    if problem and "not running" in problem and os.geteuid() == 0:
        try:
            started = docker_host.start_dockerd(ROOT / ".aws-sam" / "dockerd.log")
        except docker_host.DockerError as exc:
            problem = f"{problem}; {exc}"
        else:
            problem = docker_host.docker_problem()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"sam local needs Docker under CI: {problem}")
        pytest.skip(f"sam local needs Docker: {problem}")
    return started


class Running:
    """The URLs ``make sam-local`` printed (its ``--info-file``)."""

    def __init__(self, info: dict[str, Any], log: Path) -> None:
        self.info, self.log = info, log
        self.api = info["api_url"]
        self.local = info["local_url"]

    def inbox_code(self, email: str, kind: str = "sign_up") -> str:
        url = f"{self.local}/_local/inbox/{email}"
        messages = requests.get(url, timeout=10).json()["messages"]
        return next(m["code"] for m in messages if m["kind"] == kind)

    def settle(self) -> None:
        url = f"{self.local}/_local/events/settle?timeout=120"
        assert requests.post(url, timeout=150).json()["settled"] is True


@pytest.fixture(scope="module")
def sam(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    rules_before = _docker_user_rules()
    dockerd = _docker_or_skip()
    emulator_url = None
    work = tmp_path_factory.mktemp("sam-local")
    info_file, log = work / "info.json", work / "sam-local.log"
    ports = [f"--{name}-port=0" for name in ("api", "hosted-ui", "emulator", "local")]
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.sam_local", *ports, f"--info-file={info_file}"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not info_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make sam-local did not start:\n{log.read_text()[-6000:]}")
            time.sleep(1)
        running = Running(json.loads(info_file.read_text()), log)
        emulator_url = running.info["emulator_url"]
        print(f"sam-local started: {running.info}")
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        print(log.read_text()[-3000:])
        # Its containers are the ones pointed at its emulator.
        left = docker_host.sam_containers(emulator_url) if emulator_url else set()
        if dockerd is not None:
            docker_host.stop_dockerd(dockerd)
    # Then nothing it started is left: no SAM container (and no SAM CLI: its group ended),
    # nor the DROP rule its own dockerd added (iptables keeps it after the daemon exits).
    assert not left, f"SAM containers left behind: {left}"
    assert _docker_user_rules() == rules_before


def _docker_user_rules() -> int:
    """How many :data:`tools.docker_host.DOCKER_USER_RULE` rules iptables holds (0 where
    the chain or iptables is missing, or this is not root)."""
    try:
        shown = subprocess.run(
            ["iptables", "-S", "DOCKER-USER"], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return 0
    rule = "-A " + " ".join(docker_host.DOCKER_USER_RULE)
    return shown.stdout.splitlines().count(rule)


# ------------------------------------------------------------------ helpers


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_up_and_confirm(sam: Running) -> str:
    email = f"sam-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": "Sam"}
    response = requests.post(f"{sam.api}/auth/sign-up", json=body, timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    code = sam.inbox_code(email)
    response = requests.post(
        f"{sam.api}/auth/confirm", json={"email": email, "code": code}, timeout=TIMEOUT
    )
    assert response.status_code == 200 and response.json() == {"confirmed": True}, response.text
    return email


def sign_in(sam: Running, email: str) -> dict[str, Any]:
    body = {"email": email, "password": PASSWORD}
    response = requests.post(f"{sam.api}/auth/sign-in", json=body, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def wait_ready(sam: Running, token: str, photo_id: str) -> dict[str, Any]:
    sam.settle()
    response = requests.get(f"{sam.api}/photos/{photo_id}", headers=bearer(token), timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


# ------------------------------------------------------------------ the journey


def test_the_whole_journey_runs_through_sam_local(sam: Running) -> None:
    api = sam.api
    # Sign-up, confirm with the code from the dev inbox, sign-in
    email = sign_up_and_confirm(sam)
    tokens = sign_in(sam, email)
    access = tokens["access_token"]
    # Hosted UI: authorization code + PKCE, exchanged at the broker, then refreshed
    config = requests.get(f"{api}/auth/config", timeout=TIMEOUT).json()
    redirect_uri = f"http://localhost:{api.rsplit(':', 1)[1]}/"
    authorization = Browser(config).sign_in(User(email), redirect_uri)
    exchanged = exchange(api, redirect_uri, authorization)
    assert exchanged.status_code == 200, exchanged.text
    refreshed = refresh(api, exchanged.json()["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert requests.get(
        f"{api}/photos", headers=bearer(refreshed.json()["access_token"]), timeout=TIMEOUT
    ).json() == {"items": [], "next_cursor": None}

    # Upload (multipart), and the S3 event makes it ready through sam local start-lambda
    response = requests.post(
        f"{api}/photos",
        headers=bearer(access),
        files={"file": ("beach.png", PNG, "image/png")},
        timeout=TIMEOUT,
    )
    assert response.status_code == 201, response.text
    first = response.json()["photo_id"]
    ready = wait_ready(sam, access, first)
    assert (ready["status"], ready["width"], ready["height"]) == ("ready", 2, 2), ready
    assert requests.get(ready["thumbnail_url"], timeout=TIMEOUT).status_code == 200

    # Upload (presigned POST straight to the emulator's S3)
    grant = requests.post(
        f"{api}/photos/upload-url",
        headers=bearer(access),
        json={"filename": "big.png", "content_type": "image/png", "size_bytes": len(PNG)},
        timeout=TIMEOUT,
    )
    assert grant.status_code == 201, grant.text
    upload = grant.json()["upload"]
    posted = requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("big.png", PNG, "image/png")},
        timeout=TIMEOUT,
    )
    assert posted.status_code in (200, 201, 204), posted.text
    second = grant.json()["photo_id"]
    assert wait_ready(sam, access, second)["status"] == "ready"

    # List, delete, get
    listed = requests.get(f"{api}/photos", headers=bearer(access), timeout=TIMEOUT).json()
    assert {p["photo_id"] for p in listed["items"]} == {first, second}
    deleted = requests.delete(f"{api}/photos/{first}", headers=bearer(access), timeout=TIMEOUT)
    assert deleted.status_code == 204, deleted.text
    gone = requests.get(f"{api}/photos/{first}", headers=bearer(access), timeout=TIMEOUT)
    assert gone.status_code == 404, gone.text

    # Sign-out: the photo routes see the revocation at once
    response = requests.post(
        f"{api}/auth/sign-out",
        json={"refresh_token": tokens["refresh_token"], "access_token": access},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    after = requests.get(f"{api}/photos", headers=bearer(access), timeout=TIMEOUT)
    assert after.status_code == 401, after.text


# ------------------------------------------------------------------ the attack set


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _pool_key() -> Any:
    """The emulated pools' signing key (moto's key pair; ``local_stack.cognito.KEY_ID``)."""
    return jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json"), "RS256").key


def _mint(claims: dict[str, Any], key: Any = None, **header: Any) -> str:
    return jwt.encode(
        claims, key or _pool_key(), algorithm="RS256", headers={"kid": cognito.KEY_ID, **header}
    )


def _hs256_with_public_key(claims: dict[str, Any]) -> str:
    """Algorithm confusion (RFC 8725 section 2.1): HS256 keyed with the pool's public key
    PEM. PyJWT refuses to make one, so it is assembled by hand."""
    pem = (
        _pool_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = {"alg": "HS256", "kid": cognito.KEY_ID, "typ": "JWT"}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def attack_tokens(sam: Running) -> dict[str, str]:
    """The authorizer attack set, each a token the gateway refuses, minted against a
    real user's real access token (so each differs from a valid one in one way)."""
    email = sign_up_and_confirm(sam)
    tokens = sign_in(sam, email)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    now = int(time.time())
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(foreign.public_key()))
    emulator = boto3.client(
        "cognito-idp", endpoint_url=sam.info["emulator_url"], region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    other_app_token = other_app_access_token(emulator, sam.info["user_pool_id"], email)
    signed_out = sign_in(sam, email)
    response = requests.post(
        f"{sam.api}/auth/sign-out",
        json={
            "refresh_token": signed_out["refresh_token"],
            "access_token": signed_out["access_token"],
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return {
        "control: the valid token": tokens["access_token"],
        "foreign key": _mint(claims, key=foreign),
        "alg=none": jwt.encode(claims, None, algorithm="none", headers={"kid": cognito.KEY_ID}),
        "HS256 keyed with the public key": _hs256_with_public_key(claims),
        "expired": _mint({**claims, "iat": now - 7200, "exp": now - 60}),
        "ID token": tokens["id_token"],
        "other app client": other_app_token,
        "other pool's issuer": _mint(
            {**claims, "iss": claims["iss"].rsplit("/", 1)[0] + "/us-east-1_SomeOther"}
        ),
        "no scope": _mint({k: v for k, v in claims.items() if k != "scope"}),
        "jku to a foreign JWKS": _mint(claims, key=foreign, jku="http://127.0.0.1:9/jwks.json"),
        "embedded jwk": _mint(claims, key=foreign, jwk=foreign_jwk),
        "signed out": signed_out["access_token"],
    }


def gateway_unauthorized() -> tuple[dict[str, Any], str]:
    """The body and ``WWW-Authenticate`` of the API's UNAUTHORIZED gateway response."""
    api = next(
        r for r in load_yaml(ROOT / "template.yaml")["Resources"].values()
        if r["Type"] == "AWS::Serverless::Api"
    )  # fmt: skip
    response = api["Properties"]["GatewayResponses"]["UNAUTHORIZED"]
    body = json.loads(response["ResponseTemplates"]["application/json"])
    return body, response["ResponseParameters"]["Headers"]["WWW-Authenticate"].strip("'")


def test_every_photo_route_refuses_the_attack_set_from_the_handlers(sam: Running) -> None:
    body, challenge = gateway_unauthorized()
    table: dict[str, dict[str, int]] = {}
    for attack, token in attack_tokens(sam).items():
        row = table[attack] = {}
        for route, (method, url, kwargs) in photo_calls(sam.api).items():
            response = requests.request(
                method, url, headers=bearer(token), timeout=TIMEOUT, **kwargs
            )
            row[route] = response.status_code
            if not attack.startswith("control"):
                assert response.json() == body, (attack, route, response.text)
                assert response.headers.get("WWW-Authenticate") == challenge, (attack, route)
    print(json.dumps(table, indent=1))
    control = table.pop("control: the valid token")
    # The control passes the token check on every route (404: the made-up photo id)
    assert 401 not in control.values(), control
    assert table == {attack: dict.fromkeys(photo_calls(sam.api), 401) for attack in table}
