"""A local stack killed outright (SIGKILL, the OOM killer) leaves no process behind.

Its workers are forked from a zygote (local_stack/lambda_runtime/worker.py), not started by the stack,
so nothing reaps them for the stack: the zygote must end when the stack's end of its
control socket closes, and each worker when its request pipe does.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import requests

from tests.support.stack import process_running, start_stack

pytestmark = pytest.mark.e2e


def _descendants(root: int) -> dict[int, str]:
    """pid -> command line of every process below ``root``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = {}, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        try:
            found[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        todo += children.get(pid, [])
    return found


def test_a_killed_stack_leaves_no_zygote_and_no_worker(tmp_path: Path) -> None:
    # Given a stack whose sign-up function has a warm worker forked from the zygote
    stack = start_stack(tmp_path / "console.log")
    answered = requests.post(
        f"{stack.api_url}/auth/sign-up",
        json={"email": "killed@example.com", "password": "Correct-Horse-9"},
        timeout=30,
    )
    assert answered.status_code == 201
    workers = {pid for pid, cmd in _descendants(stack.process.pid).items() if "worker.py" in cmd}
    assert len(workers) >= 2, workers  # the zygote and at least one environment

    # When the stack is SIGKILLed (no chance to stop anything)
    os.kill(stack.process.pid, signal.SIGKILL)
    stack.process.wait()

    # Then the zygote and every worker end on their own
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(process_running(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if process_running(pid)]
