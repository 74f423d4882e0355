"""The Docker daemon that ``make sam-local`` (:mod:`tools.sam_local`) runs functions on.

- :func:`docker_problem`: whether a daemon answers, else why not in one line;
- :func:`start_dockerd` / :func:`stop_dockerd`: a daemon of our own, for tests and
  ``.ci/run``, that keeps the containers on this machine (:data:`DOCKERD_FLAGS`);
- :func:`bridge_gateway`: this machine's address on the default bridge, where the
  containers reach the emulator;
- :func:`sam_containers`: the containers SAM CLI runs functions in.

Errors: :class:`DockerError`.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path


class DockerError(Exception):
    """Docker cannot serve ``sam local``; the message says why."""


def docker_problem() -> str | None:
    """Why ``sam local`` cannot run containers here, in one line; None if it can."""
    try:
        result = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except FileNotFoundError:
        return "Docker is not installed (apt-get install docker.io)"
    except subprocess.TimeoutExpired:
        return "the Docker daemon does not answer"
    if result.returncode != 0:
        return "the Docker daemon is not running (start dockerd)"
    return None


#: ``dockerd`` flags for a daemon started here (tests, .ci/run): the containers reach
#: this machine (the bridge's gateway address) and nothing beyond it. No forwarding and
#: no masquerading ("Packet filtering and firewalls", Docker docs), and DOCKER-USER drops
#: whatever would leave the bridge anyway.
DOCKERD_FLAGS = ("--ip-forward=false", "--ip-masq=false")
DOCKER_USER_RULE = ("DOCKER-USER", "-i", "docker0", "!", "-o", "docker0", "-j", "DROP")


def start_dockerd(log_path: Path, timeout_s: float = 60.0) -> subprocess.Popen[bytes]:
    """Start ``dockerd`` (root only) with :data:`DOCKERD_FLAGS`; return it once it answers.

    Raises:
        DockerError: it exited or did not answer within ``timeout_s``.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        daemon = subprocess.Popen(
            ["dockerd", *DOCKERD_FLAGS],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout_s
    while docker_problem() is not None:
        if daemon.poll() is not None or time.monotonic() > deadline:
            _terminate(daemon)
            raise DockerError(f"dockerd did not start; see {log_path}")
        time.sleep(0.5)
    subprocess.run(["iptables", "-I", *DOCKER_USER_RULE], capture_output=True, check=False)
    return daemon


def stop_dockerd(daemon: subprocess.Popen[bytes]) -> None:
    """Stop a daemon :func:`start_dockerd` started (SIGTERM, then SIGKILL after 30 s) and
    delete the one :data:`DOCKER_USER_RULE` it inserted: iptables keeps the rule after the
    daemon exits, so each start would otherwise leave one more behind."""
    _terminate(daemon)
    subprocess.run(["iptables", "-D", *DOCKER_USER_RULE], capture_output=True, check=False)


def _terminate(daemon: subprocess.Popen[bytes]) -> None:
    if daemon.poll() is None:
        daemon.terminate()
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()


def bridge_gateway() -> str:
    """The address of this machine on Docker's default bridge (``172.17.0.1`` usually):
    the containers reach the emulator there. The network's IPAM gateway where Docker
    reports one, else the bridge interface's own address (Docker 20.10 reports none for
    the default bridge).

    Raises:
        DockerError: Docker has no bridge network, or its interface has no address.
    """
    result = subprocess.run(
        ["docker", "network", "inspect", "bridge", "--format", "{{json .}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    network = json.loads(result.stdout or "null") if result.returncode == 0 else None
    if not network:
        raise DockerError("Docker has no `bridge` network")
    gateways = [c["Gateway"] for c in network["IPAM"]["Config"] or [] if c.get("Gateway")]
    if gateways:
        return str(gateways[0])
    interface = network.get("Options", {}).get("com.docker.network.bridge.name", "docker0")
    shown = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "dev", interface],
        capture_output=True,
        text=True,
        check=False,
    )
    for word, value in zip(shown.stdout.split(), shown.stdout.split()[1:]):
        if word == "inet":
            return value.split("/")[0]
    raise DockerError(f"Docker's bridge interface {interface} has no IPv4 address")


#: The label SAM CLI puts on every container it runs a function in.
SAM_CONTAINER_LABEL = "sam.cli.container.type=lambda"


def sam_containers(emulator_url: str | None = None) -> set[str]:
    """Ids of the containers SAM CLI runs functions in (:data:`SAM_CONTAINER_LABEL`); with
    ``emulator_url``, only those whose ``AWS_ENDPOINT_URL`` is it: one ``make sam-local``'s
    (each has its own emulator port)."""
    result = subprocess.run(
        ["docker", "ps", "-a", "-q", "--no-trunc", "--filter", f"label={SAM_CONTAINER_LABEL}"],
        capture_output=True,
        text=True,
        check=False,
    )
    ids = set(result.stdout.split())
    if emulator_url is None or not ids:
        return ids
    inspected = subprocess.run(
        ["docker", "inspect", "--format", "{{.Id}} {{json .Config.Env}}", *sorted(ids)],
        capture_output=True,
        text=True,
        check=False,
    )
    wanted = f"AWS_ENDPOINT_URL={emulator_url}"
    rows = (line.split(" ", 1) for line in inspected.stdout.splitlines() if " " in line)
    return {ident for ident, env in rows if wanted in json.loads(env)}
