"""Start and stop the local stack (`python -m local_stack`) as a real subprocess.

The e2e, Postman and browser suites talk HTTP to it exactly as a developer's curl does.
It runs in its own process (not in pytest's) because moto's in-process backends are
global: handler tests that use ``mock_aws`` would otherwise reset the stack's state.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from local_stack.aws.moto_server import EXIT_PORT_IN_USE

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningStack:
    """URLs of a running local stack and the process behind it."""

    api_url: str
    hosted_ui_url: str
    emulator_url: str
    health: dict
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        """Everything the stack printed so far (its request log, cold starts, codes)."""
        return self.log_path.read_text(errors="replace")


def start_stack(
    log_path: Path,
    timeout_s: float = 60.0,
    extra_args: tuple[str, ...] = (),
    ports: tuple[int, int, int] | None = None,
) -> RunningStack:
    """Start ``python -m local_stack`` on free ports and wait for ``/_local/health``.

    ``extra_args`` are added to the command line (``--state-dir DIR`` ...); ``ports``
    (api, hosted UI, emulator) replaces the free ports (a restart on the same ones).

    Raises:
        RuntimeError: the stack exited or did not become healthy within ``timeout_s``;
            the message carries the tail of its console output.
    """
    for attempt in range(3):
        try:
            return _start(log_path, timeout_s, extra_args, ports)
        except _PortTaken:
            # Another process (a parallel test worker) bound a port between free_port()
            # and the stack's bind: pick new ones. Fixed ``ports`` are never retried.
            if ports is not None or attempt == 2:
                raise
    raise AssertionError("unreachable")


class _PortTaken(RuntimeError):
    """The stack exited because one of its ports was already in use."""


def _start(
    log_path: Path,
    timeout_s: float,
    extra_args: tuple[str, ...],
    ports: tuple[int, int, int] | None,
) -> RunningStack:
    api, hosted_ui, emulator = ports or (free_port(), free_port(), free_port())
    log_file = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local_stack",
            "--api-port",
            str(api),
            "--hosted-ui-port",
            str(hosted_ui),
            "--emulator-port",
            str(emulator),
            *extra_args,
        ],
        cwd=ROOT,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    api_url = f"http://127.0.0.1:{api}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            console = log_path.read_text()
            error = _PortTaken if process.returncode == EXIT_PORT_IN_USE else RuntimeError
            raise error(f"local stack exited with {process.returncode}:\n{console[-3000:]}")
        try:
            response = requests.get(f"{api_url}/_local/health", timeout=2)
            if response.status_code == 200:
                health = response.json()
                return RunningStack(
                    api_url=api_url,
                    hosted_ui_url=health.get("hosted_ui_url", f"http://127.0.0.1:{hosted_ui}"),
                    emulator_url=health.get("emulator_url", f"http://127.0.0.1:{emulator}"),
                    health=health,
                    process=process,
                    log_path=log_path,
                )
        except requests.RequestException:
            pass
        time.sleep(0.2)
    stop_stack(process)
    raise RuntimeError(
        f"local stack not healthy after {timeout_s}s:\n{log_path.read_text()[-3000:]}"
    )


def process_running(pid: int) -> bool:
    """Whether process ``pid`` runs (Linux ``/proc``; a zombie waiting for its reaper does
    not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop_stack(process: subprocess.Popen) -> None:
    """Stop the stack the way Ctrl-C does, then make sure it is gone."""
    if process.poll() is None:
        process.send_signal(2)  # SIGINT, as Ctrl-C
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
