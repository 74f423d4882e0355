"""Ctrl-C stops `python -m local_stack` even when the kernel hands SIGINT to another thread.

A process-directed signal goes to any thread that does not block it. Python runs the
handler in the main thread only, so a main thread asleep in ``threading.Event.wait()``
slept through a SIGINT that another thread received: a test stack ignored Ctrl-C until it
was killed 15 s later, and lost its saved state.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from textwrap import dedent

ROOT = Path(__file__).resolve().parents[2]

# The stack's main thread waits on the stop event; a busy thread gets the SIGINT.
SCRIPT = dedent(
    """\
    import signal, threading, time
    from local_stack.__main__ import _stop_event

    stop = _stop_event()
    other = threading.Thread(target=lambda: threading.Event().wait(30), daemon=True)
    other.start()

    def interrupt():
        time.sleep(0.3)
        signal.pthread_kill(other.ident, signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    started = time.monotonic()
    stop.wait()
    print(stop.signum, round(time.monotonic() - started, 1))
    """
)


def test_sigint_received_by_another_thread_still_stops_the_main_thread() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    signum, waited = done.stdout.split()
    assert int(signum) == 2  # SIGINT
    assert float(waited) < 5, waited  # about 0.3 s; it used to wait forever
