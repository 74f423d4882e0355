"""Each function runs in its own sandbox (worker process) with only its own environment."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from local_stack.lambda_runtime import zygote as zygote_module
from local_stack.lambda_runtime.environment import (
    MAX_SYNC_PAYLOAD_BYTES,
    MAX_SYNC_RESPONSE_BYTES,
    PAYLOAD_TOO_LARGE,
    InvokeResult,
    LocalOverrides,
)
from local_stack.lambda_runtime.pool import Runtime
from local_stack.template import FunctionSpec
from tests.support.stack import process_running

HANDLER = dedent(
    """\
    import os
    import subprocess
    import sys
    import time

    LOADED_AT = time.time()
    IMPORTED_BEFORE_HANDLER = sorted(m for m in ("boto3", "pydantic") if m in sys.modules)

    def handler(event, context):
        if event.get("import"):
            try:
                module = __import__(event["import"])
            except ImportError:
                return {"imported": None, "before_handler": IMPORTED_BEFORE_HANDLER}
            return {"imported": module.__file__, "before_handler": IMPORTED_BEFORE_HANDLER}
        if event.get("spawn_into"):
            child = subprocess.Popen(["sleep", "60"])
            with open(event["spawn_into"], "w") as pid_file:
                pid_file.write(str(child.pid))
            time.sleep(30)
        if event.get("raise"):
            raise ValueError("handler failed")
        if event.get("sleep"):
            time.sleep(event["sleep"])
        if event.get("exit"):
            os._exit(3)
        if event.get("respond_bytes"):
            return "x" * event["respond_bytes"]
        return {
            "env": dict(os.environ),
            "loaded_at": LOADED_AT,
            "function_name": context.function_name,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "invoked_function_arn": context.invoked_function_arn,
            "aws_request_id": context.aws_request_id,
            "remaining_ms": context.get_remaining_time_in_millis(),
            "pid": os.getpid(),
        }
    """
)


def spec(
    code_uri: Path, logical_id: str, environment: dict[str, str], timeout_s: int = 3
) -> FunctionSpec:
    return FunctionSpec(
        logical_id=logical_id,
        function_name=logical_id,
        handler="app.main.handler",
        code_uri=code_uri,
        runtime="python3.11",
        timeout_s=timeout_s,
        memory_mb=256,
        environment=environment,
    )


def _code_root(tmp_path: Path, ships: tuple[str, ...] = ()) -> Path:
    """A CodeUri with the test handler and, for each name in ``ships``, its own package."""
    (tmp_path / "app").mkdir(exist_ok=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "main.py").write_text(HANDLER)
    for name in ships:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("SHIPPED = True\n")
    return tmp_path


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    # Given a CodeUri with one handler module and two functions using it
    _code_root(tmp_path)
    monkeypatch.setenv("HOST_ONLY_SECRET", "must-not-leak")
    functions = {
        "First": spec(tmp_path, "First", {"ONLY_FIRST": "1", "COGNITO_DOMAIN_URL": "https://x"}),
        "Second": spec(tmp_path, "Second", {"ONLY_SECOND": "2"}, timeout_s=1),
    }
    rt = Runtime(
        functions,
        LocalOverrides(emulator_url="http://127.0.0.1:9", hosted_ui_url="http://127.0.0.1:8"),
    )
    yield rt
    rt.stop()


def test_each_function_sees_only_its_own_environment_plus_local_overrides(runtime):
    # When both functions run
    first = runtime.invoke("First", {}).payload["env"]
    second = runtime.invoke("Second", {}).payload["env"]

    # Then each sees its own template variables and not the other's, nor the host's
    assert first["ONLY_FIRST"] == "1" and "ONLY_SECOND" not in first
    assert second["ONLY_SECOND"] == "2" and "ONLY_FIRST" not in second
    assert "HOST_ONLY_SECRET" not in first and "HOST_ONLY_SECRET" not in second
    # And the local overrides point the SDK at the emulator with dummy credentials
    for env in (first, second):
        assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"
        assert env["AWS_ACCESS_KEY_ID"] == "testing"
        assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
        assert "addressing_style = path" in Path(env["AWS_CONFIG_FILE"]).read_text()
    assert first["AWS_LAMBDA_FUNCTION_NAME"] == "First"
    assert first["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    # The hosted-UI URL replaces COGNITO_DOMAIN_URL only where the template sets it
    assert first["COGNITO_DOMAIN_URL"] == "http://127.0.0.1:8"
    assert "COGNITO_DOMAIN_URL" not in second


def test_the_context_looks_like_lambdas(runtime):
    result = runtime.invoke("First", {})
    payload = result.payload

    assert payload["function_name"] == "First"
    assert payload["memory_limit_in_mb"] == "256"
    assert payload["invoked_function_arn"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:First"
    )
    assert payload["aws_request_id"] == result.request_id
    assert 0 < payload["remaining_ms"] <= 3000


def test_the_first_invoke_is_a_cold_start_and_the_sandbox_is_reused(runtime):
    first = runtime.invoke("First", {})
    second = runtime.invoke("First", {})

    assert first.cold_start and first.init_ms is not None
    assert not second.cold_start
    assert second.payload["loaded_at"] == first.payload["loaded_at"]  # same process


def test_a_handler_exception_is_a_function_error_and_the_sandbox_survives(runtime):
    failed = runtime.invoke("First", {"raise": True})
    after = runtime.invoke("First", {})

    assert failed.error == {"errorType": "ValueError", "errorMessage": "handler failed"}
    assert after.error is None and not after.cold_start


def test_the_timeout_kills_the_sandbox_and_the_next_invoke_is_cold(runtime):
    # Given Second has Timeout: 1
    runtime.invoke("Second", {})

    # When a call runs past it
    timed_out = runtime.invoke("Second", {"sleep": 5})
    after = runtime.invoke("Second", {})

    # Then it fails as Lambda's timeout does, and a fresh sandbox serves the next call
    assert timed_out.error is not None and timed_out.error["errorType"] == "Sandbox.Timedout"
    assert after.error is None and after.cold_start


def test_a_sandbox_that_exits_is_reported_and_replaced(runtime):
    crashed = runtime.invoke("First", {"exit": True})
    after = runtime.invoke("First", {})

    assert crashed.error is not None and crashed.error["errorType"] == "Runtime.ExitError"
    assert crashed.error["errorMessage"] == "Runtime exited with status 3"
    assert after.error is None and after.cold_start


def test_an_import_error_fails_the_invoke_with_an_init_error(tmp_path):
    rt = Runtime(
        {
            "Broken": FunctionSpec(
                "Broken", "Broken", "nowhere.handler", tmp_path, "python3.11", 3, 128, {}
            )
        },
        LocalOverrides(emulator_url="http://127.0.0.1:9"),
    )
    try:
        result = rt.invoke("Broken", {})
    finally:
        rt.stop()

    assert result.error is not None
    assert result.error["errorType"] == "Runtime.ImportModuleError"
    assert "nowhere" in result.error["errorMessage"]


# ---------------------------------------------------------------- issue 10: like Lambda


def test_a_worker_that_died_while_idle_is_replaced_without_a_failed_request(runtime):
    # Given a warm environment whose process then dies while idle (OOM killer, crash...)
    pid = runtime.invoke("First", {}).payload["pid"]
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)

    # When the next request comes
    result = runtime.invoke("First", {})

    # Then a fresh environment serves it: a cold start, not a failed request
    assert result.error is None
    assert result.cold_start and result.payload["pid"] != pid


def test_concurrent_invokes_run_in_parallel_environments(runtime):
    # When three calls of one function overlap
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: runtime.invoke("First", {"sleep": 1}), range(3)))

    # Then each ran in its own execution environment, as Lambda scales out
    assert all(r.error is None for r in results)
    assert len({r.payload["pid"] for r in results}) == 3


def test_concurrency_is_capped_and_the_excess_waits(tmp_path):
    rt = Runtime(
        {"Only": spec(_code_root(tmp_path), "Only", {})},
        LocalOverrides(emulator_url="http://127.0.0.1:9"),
        concurrency=2,
    )
    try:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: rt.invoke("Only", {"sleep": 0.5}), range(4)))
    finally:
        rt.stop()

    assert all(r.error is None for r in results)
    assert len({r.payload["pid"] for r in results}) == 2


def test_an_event_over_6_mb_is_refused_like_lambda_before_any_environment(runtime):
    result = runtime.invoke("First", {"body": "x" * MAX_SYNC_PAYLOAD_BYTES})

    assert result.error is not None and result.error["errorType"] == PAYLOAD_TOO_LARGE
    assert "6291456" in result.error["errorMessage"]
    # And nothing was started for it: the next call is this function's first cold start
    assert runtime.invoke("First", {}).cold_start


def test_a_result_over_6_mb_is_a_function_error_like_lambdas(runtime):
    # A JSON string of n characters is n + 2 bytes
    at_limit = runtime.invoke("First", {"respond_bytes": MAX_SYNC_RESPONSE_BYTES - 2})
    over = runtime.invoke("First", {"respond_bytes": MAX_SYNC_RESPONSE_BYTES - 1})

    assert at_limit.error is None and len(at_limit.payload) == MAX_SYNC_RESPONSE_BYTES - 2
    assert over.error is not None and over.error["errorType"] == "Function.ResponseSizeTooLarge"
    assert "6291556" in over.error["errorMessage"]


# ------------------------------------------------- zygote: environments forked, not spawned


def _invoke_once(code_root: Path, event: dict[str, Any], preload: bool = True) -> InvokeResult:
    """One invoke of a function ``Only`` on ``code_root``, in a runtime of its own."""
    rt = Runtime(
        {"Only": spec(code_root, "Only", {})},
        LocalOverrides(emulator_url="http://127.0.0.1:9"),
        preload=preload,
    )
    try:
        return rt.invoke("Only", event)
    finally:
        rt.stop()


@pytest.mark.parametrize("preload", [True, False])
def test_environments_fork_from_a_zygote_with_boto3_and_pydantic_imported(tmp_path, preload):
    result = _invoke_once(_code_root(tmp_path), {"import": "json"}, preload=preload)

    # With preloading, the handler module finds them imported already; without, not
    assert result.error is None and result.cold_start
    assert result.payload["before_handler"] == (["boto3", "pydantic"] if preload else [])


def test_a_function_that_ships_its_own_pydantic_gets_it_not_the_zygotes(tmp_path):
    # Given a code root (a built package, say) with a pydantic of its own
    code_root = _code_root(tmp_path, ships=("pydantic",))
    result = _invoke_once(code_root, {"import": "pydantic"})

    # Then its copy is the one imported, as on Lambda (/var/task comes first)
    assert result.error is None
    assert result.payload["imported"] == str(code_root / "pydantic" / "__init__.py")


@pytest.mark.parametrize("preload", [True, False])
def test_awscrt_is_not_importable_as_in_lambdas_python_runtime(tmp_path, preload):
    # The dev virtualenv has awscrt (aws-sam-cli needs it); Lambda's runtime does not
    result = _invoke_once(_code_root(tmp_path), {"import": "awscrt"}, preload=preload)

    assert result.error is None and result.payload["imported"] is None


def test_a_function_that_ships_awscrt_can_import_it(tmp_path):
    code_root = _code_root(tmp_path, ships=("awscrt",))
    result = _invoke_once(code_root, {"import": "awscrt"})

    assert result.payload["imported"] == str(code_root / "awscrt" / "__init__.py")


@pytest.mark.parametrize("preload", [True, False])
def test_the_timeout_also_kills_what_the_handler_started(tmp_path, preload):
    # Given a handler that starts a child process and then runs past its 1 s timeout
    rt = Runtime(
        {"Slow": spec(_code_root(tmp_path), "Slow", {}, timeout_s=1)},
        LocalOverrides(emulator_url="http://127.0.0.1:9"),
        preload=preload,
    )
    pid_file = tmp_path / "child.pid"
    try:
        result = rt.invoke("Slow", {"spawn_into": str(pid_file)})
    finally:
        rt.stop()

    # Then the environment's whole session is killed, the child with it
    assert result.error is not None and result.error["errorType"] == "Sandbox.Timedout"
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and process_running(child):
        time.sleep(0.05)
    assert not process_running(child)


def test_a_zygote_that_died_is_replaced_and_cold_starts_go_on(tmp_path):
    rt = Runtime(
        {
            "First": spec(_code_root(tmp_path), "First", {}),
            "Second": spec(tmp_path, "Second", {}),
        },
        LocalOverrides(emulator_url="http://127.0.0.1:9"),
    )
    try:
        assert rt.invoke("First", {"import": "json"}).payload["before_handler"]
        # When the zygote is killed (the OOM killer, say)
        zygote = zygote_module.shared_zygote()
        os.killpg(zygote._process.pid, signal.SIGKILL)
        zygote._process.wait()
        deadline = time.monotonic() + 5
        while not zygote.gone and time.monotonic() < deadline:
            time.sleep(0.05)

        # Then the warm environment still answers, and the next cold start forks from a new one
        warm = rt.invoke("First", {})
        cold = rt.invoke("Second", {"import": "json"})
    finally:
        rt.stop()

    assert warm.error is None and not warm.cold_start
    assert cold.error is None and cold.cold_start
    assert cold.payload["before_handler"] == ["boto3", "pydantic"]


def test_a_late_answer_to_a_timed_out_fork_is_dropped_and_its_environment_killed():
    # Given the zygote answered fork 1 only after the runtime gave up on it (and fell back
    # to a fresh interpreter), so that environment has no owner
    orphan = subprocess.Popen(["sleep", "60"], start_new_session=True)
    zygote = zygote_module.Zygote.__new__(zygote_module.Zygote)
    zygote._replies = queue.Queue()
    zygote._replies.put({"type": "spawned", "id": 1, "pid": orphan.pid})
    zygote._replies.put({"type": "spawned", "id": 2, "pid": 4242})

    # When the runtime waits for its answer to fork 2
    reply = zygote._reply_to(2, time.monotonic() + 5)

    # Then it gets fork 2's answer, not fork 1's, and fork 1's environment is killed
    assert reply == {"type": "spawned", "id": 2, "pid": 4242}
    assert orphan.wait(timeout=5) == -signal.SIGKILL
