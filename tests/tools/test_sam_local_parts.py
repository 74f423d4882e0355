"""The parts of ``make sam-local`` that need no Docker: the template SAM builds, the
base image's name and cache key, the bridge address, and event delivery's invoker.

The whole thing, with Docker, is ``tests/sam/test_sam_local.py``.
"""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tools import docker_host, lambda_image
from tools.sam_local import DECLARED_FOR_SAM_LOCAL, StartLambdaInvoker, sam_local_template

ROOT = Path(__file__).resolve().parents[2]


def test_the_sam_local_template_builds_for_this_cpu_and_declares_the_emulator_variables():
    # Given template.yaml (arm64 functions, CodeUri relative to it)
    # When it is rewritten for sam local on an x86-64 machine
    raw = sam_local_template(ROOT / "template.yaml", "x86_64")
    functions = {k: r for k, r in raw["Resources"].items() if r["Type"].endswith("::Function")}
    function_globals = raw["Globals"]["Function"]
    # Then every function is x86_64, from the same absolute source folder
    assert function_globals["Architectures"] == ["x86_64"]
    assert all("Architectures" not in r["Properties"] for r in functions.values())
    assert {r["Properties"]["CodeUri"] for r in functions.values()} == {str(ROOT / "src")}
    # And env.json can set the emulator's endpoint (SAM sets only declared variables)
    for name in DECLARED_FOR_SAM_LOCAL:
        assert name in function_globals["Environment"]["Variables"]


def test_the_image_is_the_one_sam_cli_looks_for():
    assert (
        lambda_image.official_image("python3.13", "x86_64")
        == "public.ecr.aws/lambda/python:3.13-x86_64"
    )
    with pytest.raises(lambda_image.ImageError):
        lambda_image.official_image("nodejs22.x", "x86_64")


def test_the_stand_in_is_rebuilt_when_an_input_changes(monkeypatch):
    # Given the digest the stand-in is labelled with
    before = lambda_image.stand_in_digest("x86_64")
    assert lambda_image.stand_in_digest("x86_64") == before  # stable
    # Then another CPU, another pin or another bootstrap gives another digest
    assert lambda_image.stand_in_digest("arm64") != before
    monkeypatch.setattr(lambda_image, "RUNTIME_PACKAGES", ("awslambdaric==4.2.1", "boto3"))
    assert lambda_image.stand_in_digest("x86_64") != before
    monkeypatch.undo()
    monkeypatch.setattr(lambda_image, "BOOTSTRAP", lambda_image.BOOTSTRAP + "\n")
    assert lambda_image.stand_in_digest("x86_64") != before


def _docker_answers(network: dict[str, Any], ip_output: str = ""):
    def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if args[:2] == ["docker", "network"]:
            return subprocess.CompletedProcess(args, 0, json.dumps(network), "")
        if args[0] == "ip":
            return subprocess.CompletedProcess(args, 0, ip_output, "")
        raise AssertionError(args)

    return run


def test_the_bridge_address_comes_from_the_interface_when_docker_reports_no_gateway(
    monkeypatch,
):
    # Given Docker 20.10's default bridge: a subnet but no gateway in its IPAM config
    network = {
        "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}]},
        "Options": {"com.docker.network.bridge.name": "docker0"},
    }
    shown = "5: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\n"
    monkeypatch.setattr(docker_host.subprocess, "run", _docker_answers(network, shown))
    # Then the interface's own address is used
    assert docker_host.bridge_gateway() == "172.17.0.1"
    # And where Docker does report a gateway, that one
    network["IPAM"]["Config"][0]["Gateway"] = "172.18.0.1"
    assert docker_host.bridge_gateway() == "172.18.0.1"


def test_an_unreachable_start_lambda_is_a_failed_invocation_to_retry():
    # Given start-lambda's port with nothing listening
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    invoker = StartLambdaInvoker(f"http://127.0.0.1:{port}", {"ProcessPhotoFunction": 1})
    # When an event is delivered
    result = invoker.invoke("ProcessPhotoFunction", {"detail-type": "Object Created"})
    # Then it is a failed attempt (the local stack's event delivery retries it), not an
    # exception
    assert result.error is not None and result.error["errorType"]
    assert result.payload is None
