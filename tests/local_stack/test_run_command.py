"""`python -m local_stack run -- CMD`: CMD keeps the terminal, the stack logs to a file.

`make postman` runs newman this way; its report must not be interleaved with the stack's
request log, cold starts or the handlers' metric lines. Each test starts a real stack on
free ports (`run` picks them) and a small CMD that signs a user up through the API, so
the stack has something to log.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

# Signs a user up (the handler prints EMF metric lines, the inbox prints the code), prints
# the status, then exits with the status given on its command line.
CMD = dedent(
    """\
    import json, os, sys, urllib.request

    request = urllib.request.Request(
        os.environ["MOMENTS_API_URL"] + "/auth/sign-up",
        data=json.dumps({"email": "run@example.com", "password": "Correct-Horse-9"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    print("sign-up answered", urllib.request.urlopen(request, timeout=30).status)
    sys.exit(int(sys.argv[1]))
    """
)


def run_stack(tmp_path: Path, exit_status: int, *run_flags: str) -> subprocess.CompletedProcess:
    script = tmp_path / "cmd.py"
    script.write_text(CMD)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "local_stack",
            "run",
            *run_flags,
            "--",
            sys.executable,
            str(script),
            str(exit_status),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cmd_owns_stdout_and_the_stack_console_goes_to_the_log_file(tmp_path: Path) -> None:
    log_file = tmp_path / "stack.log"

    # When a command that calls the API runs under `run`
    result = run_stack(tmp_path, 0, "--log-file", str(log_file))

    # Then its stdout is exactly what it printed, and it exits with its own status
    assert result.returncode == 0, result.stderr
    assert result.stdout == "sign-up answered 201\n"
    # And stderr names the log file, which holds the banner, request log and handler output
    assert str(log_file) in result.stderr
    console = log_file.read_text()
    assert "Moments local stack is up" in console
    assert re.search(r"POST /auth/sign-up 201 SignUpFunction .*\(cold start\)", console)
    assert "[inbox] sign_up code for run@example.com" in console
    assert '"SignUps"' in console  # the handler's own stdout (its EMF metrics)
    # And new environments were forked from a zygote with the heavy imports done
    assert "zygote ready" in console and "boto3, pydantic preloaded" in console
    assert "POST /auth/sign-up" not in result.stderr  # no tail when CMD succeeds


def test_a_failing_cmd_gets_the_tail_of_the_stack_console_on_stderr(tmp_path: Path) -> None:
    # When the command fails (on a stack without the zygote: every environment is a
    # fresh interpreter)
    result = run_stack(tmp_path, 3, "--no-preload")

    # Then `run` exits with its status, its stdout is still only its own
    assert result.returncode == 3
    assert result.stdout == "sign-up answered 201\n"
    # And stderr ends with the last lines of the stack's console, to see what happened
    match = re.search(r"last \d+ lines of the stack's console \((.+\.log)\):", result.stderr)
    assert match, result.stderr
    assert re.search(r"\| .*POST /auth/sign-up 201 SignUpFunction", result.stderr)
    log_file = Path(match.group(1))
    console = log_file.read_text()
    assert "POST /auth/sign-up 201" in console
    assert "zygote" not in console
    log_file.unlink()  # the default log file is a kept temp file
