"""``python -m local_stack``: the Docker-free local stack (``make dev``).

Usage::

    python -m local_stack [serve] [--host 127.0.0.1] [--api-port 3000]
                          [--hosted-ui-port 3001] [--emulator-port 3002] [--template template.yaml]
                          [--concurrency 4] [--no-preload] [--state-dir DIR [--reset]]
    python -m local_stack run [port flags] [--log-file PATH] -- CMD ARGS...
    python -m local_stack invoke FUNCTION_LOGICAL_ID EVENT_FILE [--template ...]

``serve`` (the default) runs until Ctrl-C or SIGTERM; with ``--state-dir`` it keeps its
state there across restarts (``make dev``; ``--reset`` starts clean), without it every
start is clean. ``run`` starts the stack (on free
ports unless given), runs CMD with ``MOMENTS_API_URL``, ``MOMENTS_HOSTED_UI_URL`` and
``MOMENTS_EMULATOR_URL`` set, stops the stack and exits with CMD's status. CMD owns the
terminal: the stack's console (banner, request log, cold starts, inbox codes and the
handlers' own output) goes to a log file (``--log-file``, default a new temporary file),
whose path ``run`` prints on stderr, with its last lines when CMD fails. ``invoke`` is
the Docker-free ``sam local invoke``: it provisions the emulator, runs the function once
on the event, prints the result JSON on stdout (logs go to stderr) and exits 1 if the
function failed. Port 0 means any free port. A taken port is one error line and exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

from local_stack.aws.moto_server import EXIT_PORT_IN_USE, PortInUseError
from local_stack.lambda_runtime.pool import DEFAULT_CONCURRENCY
from local_stack.stack import ROOT, LocalStack, Ports, configure_logging
from local_stack.template import TemplateError


def _default_template() -> Path:
    here = Path("template.yaml")
    return here if here.is_file() else ROOT / "template.yaml"


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a TCP port")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local_stack", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command")
    for name, default in (("serve", Ports()), ("run", Ports(0, 0, 0))):
        sub = commands.add_parser(name)
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--api-port", type=_port, default=default.api)
        sub.add_argument("--hosted-ui-port", type=_port, default=default.hosted_ui)
        sub.add_argument("--emulator-port", type=_port, default=default.emulator)
        sub.add_argument("--template", type=Path, default=None)
        sub.add_argument(
            "--concurrency",
            type=_positive,
            default=DEFAULT_CONCURRENCY,
            help=f"execution environments per function (default {DEFAULT_CONCURRENCY})",
        )
        sub.add_argument(
            "--no-preload",
            dest="preload",
            action="store_false",
            help="start every execution environment from a fresh interpreter instead of "
            "forking one with boto3 and pydantic imported (cold starts closer to Lambda's "
            "timing, about 0.3 s of CPU slower each)",
        )
        if name == "serve":
            sub.add_argument(
                "--state-dir",
                type=Path,
                default=None,
                help="keep users, tokens' keys, items and objects in this folder "
                "across restarts (make dev: .local-stack)",
            )
            sub.add_argument(
                "--reset",
                action="store_true",
                help="with --state-dir: forget the saved state, start clean",
            )
        if name == "run":
            sub.add_argument(
                "--log-file",
                type=Path,
                default=None,
                help="where the stack's console goes (default: a new temp file)",
            )
    invoke = commands.add_parser("invoke")
    invoke.add_argument("function_id")
    invoke.add_argument("event_file", type=Path)
    invoke.add_argument("--template", type=Path, default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command: list[str] = []
    if "--" in argv:
        argv, command = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv.insert(0, "serve")
    args = _parser().parse_args(argv)
    template = args.template or _default_template()
    try:
        if args.command == "invoke":
            return _invoke(template, args.function_id, args.event_file)
        ports = Ports(args.api_port, args.hosted_ui_port, args.emulator_port)
        if args.command == "run":
            if not command:
                print("local_stack run: give the command after --", file=sys.stderr)
                return 2
            return _run(
                template, args.host, ports, command, args.log_file, args.concurrency, args.preload
            )
        return _serve(
            template, args.host, ports, args.concurrency, args.state_dir, args.reset, args.preload
        )
    except PortInUseError as exc:
        print(
            f"local_stack: {exc}; stop whatever uses it or pick another port "
            f"(--{exc.what.lower().replace(' ', '-')}-port).",
            file=sys.stderr,
        )
        return EXIT_PORT_IN_USE
    except (TemplateError, FileNotFoundError) as exc:
        print(f"local_stack: {exc}", file=sys.stderr)
        return 1


class _Stop:
    """Set by SIGINT or SIGTERM (:func:`_stop_event`); the main thread polls it.

    Python runs signal handlers in the main thread, between bytecodes. A process-directed
    signal that the kernel delivers to another thread (the stack has dozens) does not
    interrupt a blocking wait there, so ``threading.Event().wait()`` in the main thread
    could sleep through Ctrl-C: a test stack once ignored SIGINT until it was killed 15 s
    later, and lost its state. Waiting in short sleeps lets the handler run within
    :data:`POLL_S`. The handler itself only stores the signal: it takes no lock, because
    the main thread may hold one when it runs.
    """

    POLL_S = 0.1

    def __init__(self) -> None:
        self.signum = 0
        self._pending = False

    def received(self, signum: int) -> None:
        self.signum, self._pending = signum, True

    def wait(self, timeout_s: float | None = None) -> bool:
        """Whether a signal came (since :meth:`clear`) within ``timeout_s`` (None: wait)."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while not self._pending:
            remaining = self.POLL_S if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(self.POLL_S, remaining))
        return True

    def clear(self) -> None:
        self._pending = False


def _stop_event() -> _Stop:
    """A :class:`_Stop` that SIGINT and SIGTERM set (no KeyboardInterrupt traceback)."""
    stop = _Stop()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.received(signum)

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop


def _serve(
    template: Path,
    host: str,
    ports: Ports,
    concurrency: int = DEFAULT_CONCURRENCY,
    state_dir: Path | None = None,
    reset: bool = False,
    preload: bool = True,
) -> int:
    configure_logging(sys.stdout)
    stop = _stop_event()
    stack = LocalStack(
        template,
        host=host,
        ports=ports,
        concurrency=concurrency,
        state_dir=state_dir,
        reset_state=reset,
        preload=preload,
    )
    try:
        stack.start()
        print(stack.banner(), flush=True)
        stop.wait()
        print("Stopping...", flush=True)
    finally:
        stack.stop()
    return 0


#: How many lines of the stack's console ``run`` shows when CMD fails.
LOG_TAIL_LINES = 40


def _run(
    template: Path,
    host: str,
    ports: Ports,
    command: list[str],
    log_file: Path | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    preload: bool = True,
) -> int:
    """Run ``command`` against a fresh stack; the stack's console goes to a log file.

    CMD inherits this process's stdout and stderr untouched (newman's report stays
    readable); everything the stack itself prints goes to ``log_file`` (default: a new
    temporary file, kept afterwards). Its path is printed on stderr, and when CMD fails
    (non-zero status) or the stack cannot start, so are its last :data:`LOG_TAIL_LINES`
    lines.

    Returns:
        CMD's exit status (128 + N when a signal N ended it), 127 when CMD is not found.
    """
    if log_file is None:
        fd, name = tempfile.mkstemp(prefix="local-stack-", suffix=".log")
        os.close(fd)
        log_file = Path(name)
    status = 1
    # Line-buffered; the workers write to the same open file (shared offset), so lines
    # from the stack and from the handlers interleave whole, as on a terminal.
    with log_file.open("w", encoding="utf-8", buffering=1) as console:
        configure_logging(console)
        print(
            f"local_stack run: the stack's console goes to {log_file}", file=sys.stderr, flush=True
        )
        stop = _stop_event()
        stack = LocalStack(
            template,
            host=host,
            ports=ports,
            log_stream=console,
            console=console,
            concurrency=concurrency,
            preload=preload,
        )
        try:
            stack.start()
            assert stack.info is not None
            print(stack.banner(), file=console)
            env = {
                **os.environ,
                "MOMENTS_API_URL": stack.info.api_url,
                "MOMENTS_HOSTED_UI_URL": stack.info.hosted_ui_url,
                "MOMENTS_EMULATOR_URL": stack.info.emulator_url,
            }
            try:
                child = subprocess.Popen(command, env=env)  # the user's own command, by design
            except FileNotFoundError:
                print(f"local_stack run: command not found: {command[0]}", file=sys.stderr)
                status = 127
                return status
            # Ctrl-C reaches the child too (same process group); SIGTERM is passed on.
            while child.poll() is None:
                if stop.wait(0.2):
                    stop.clear()
                    if stop.signum == signal.SIGTERM:
                        child.send_signal(signal.SIGTERM)
            status = child.returncode if child.returncode >= 0 else 128 - child.returncode
            return status
        finally:
            stack.stop()
            if status not in (0, 127):
                _print_tail(log_file)


def _print_tail(log_file: Path) -> None:
    """The last lines of the stack's console, on stderr (CMD failed or the stack did)."""
    lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
    print(
        f"local_stack run: last {min(len(lines), LOG_TAIL_LINES)} lines of the stack's "
        f"console ({log_file}):",
        file=sys.stderr,
    )
    for line in lines[-LOG_TAIL_LINES:]:
        print(f"  | {line}", file=sys.stderr)
    sys.stderr.flush()


def _invoke(template: Path, function_id: str, event_file: Path) -> int:
    configure_logging(sys.stderr)
    event = json.loads(event_file.read_text(encoding="utf-8"))
    stack = LocalStack(
        template, ports=Ports(0, 0, 0), serve_api=False, log_stream=sys.stderr, console=sys.stderr
    )
    try:
        stack.start()
        assert stack.runtime is not None
        if function_id not in stack.runtime.functions:
            known = ", ".join(sorted(stack.runtime.functions))
            print(
                f"local_stack invoke: no function {function_id} (known: {known})", file=sys.stderr
            )
            return 2
        result = stack.runtime.invoke(function_id, event)
    finally:
        stack.stop()
    print(
        f"{function_id}: {result.duration_ms:.0f} ms{' (cold start)' if result.cold_start else ''}",
        file=sys.stderr,
    )
    print(json.dumps(result.error if result.error else result.payload, indent=2))
    return 1 if result.error else 0


if __name__ == "__main__":
    sys.exit(main())
