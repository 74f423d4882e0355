"""A taken port: ``python -m local_stack`` says which flag to change and exits with
:data:`~local_stack.aws.moto_server.EXIT_PORT_IN_USE` before starting anything, and the tests'
``start_stack`` (which picks free ports itself) moves on to other ports when it sees it."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from local_stack.aws.moto_server import EXIT_PORT_IN_USE
from tests.support import stack as stack_support

ROOT = Path(__file__).resolve().parents[2]


def test_a_taken_api_port_is_one_line_and_its_own_exit_status() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "local_stack", "--api-port", str(port),
             "--hosted-ui-port", "0", "--emulator-port", "0"],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == EXIT_PORT_IN_USE
    assert f"127.0.0.1:{port} is already in use" in result.stderr
    assert "--api-port" in result.stderr


def test_start_stack_retries_on_other_ports_when_one_is_taken(tmp_path: Path, monkeypatch) -> None:
    # Given a port that another process holds, handed out as "free" once
    with socket.create_server(("127.0.0.1", 0)) as taken:
        taken_port = taken.getsockname()[1]
        handed_out = iter([taken_port])
        real_free_port = stack_support.free_port
        monkeypatch.setattr(
            stack_support, "free_port", lambda: next(handed_out, None) or real_free_port()
        )
        # When a stack is started on "free" ports
        running = stack_support.start_stack(tmp_path / "console.log")
    try:
        # Then it came up on other ones
        assert running.health and f":{taken_port}" not in running.api_url
    finally:
        stack_support.stop_stack(running.process)
