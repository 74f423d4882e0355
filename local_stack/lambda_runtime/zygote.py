"""The zygote: one process per stack with boto3 and pydantic imported, from which new
execution environments are forked (:mod:`local_stack.lambda_runtime.worker` runs its side).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local_stack.lambda_runtime.environment import INIT_LIMIT_S, WORKER_SCRIPT

log = logging.getLogger("local_stack")


class ZygoteError(Exception):
    """The zygote could not start or fork an environment."""


class ForkedProcess:
    """An environment forked by a :class:`Zygote`: the part of ``subprocess.Popen`` that
    :class:`FunctionWorker` uses (``pid``, ``poll``, ``wait``). The zygote, not this
    process, is its parent, so the exit status comes from the zygote's reports."""

    def __init__(self, pid: int, zygote: Zygote) -> None:
        self.pid = pid
        self._zygote = zygote

    def poll(self) -> int | None:
        """The exit status (``-N``: killed by signal N), or None while it runs."""
        return self._zygote.returncode(self.pid, timeout_s=0)

    def wait(self) -> int:
        """Wait for the exit status. The caller has killed it or seen its pipes close, so
        the report is due; if it never comes (the zygote died), the status is unknown:
        -1."""
        code = self._zygote.returncode(self.pid, timeout_s=_EXIT_REPORT_S)
        return -1 if code is None else code


#: How long to wait for the zygote's report of an environment that has ended.
_EXIT_REPORT_S = 5.0


class Zygote:
    """A ``worker.py --zygote`` process (see :func:`local_stack.lambda_runtime.worker.zygote`) and a
    thread reading its reports. Started by the constructor (which waits for it to be
    ready); forks with :meth:`spawn`. Use :func:`shared_zygote`, one per process.

    Raises (constructor, spawn):
        ZygoteError: it did not start within :data:`INIT_LIMIT_S`, exited, or refused
            the request.
    """

    def __init__(self) -> None:
        self._spawn_lock = threading.Lock()
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._exits: dict[int, int] = {}
        self._exited = threading.Condition()
        self._gone = False
        self._requests = 0
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._process = subprocess.Popen(  # our own interpreter and worker script
                [sys.executable, "-I", str(WORKER_SCRIPT), "--zygote", str(theirs.fileno())],
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "en_US.UTF-8"},
                stdin=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        finally:
            theirs.close()
        self._control = ours
        self._control.settimeout(INIT_LIMIT_S)
        try:
            ready = json.loads(self._control.recv(65536) or b"null")
        except (OSError, ValueError) as exc:
            self.close()
            raise ZygoteError(f"the zygote did not start: {exc}") from None
        if not isinstance(ready, dict) or ready.get("type") != "ready":
            self.close()
            raise ZygoteError("the zygote did not start")
        self.preloaded: list[str] = list(ready.get("preloaded", []))
        self._control.settimeout(None)
        threading.Thread(target=self._read_reports, name="zygote-reports", daemon=True).start()

    def _read_reports(self) -> None:
        try:
            while True:
                data = self._control.recv(65536)
                if not data:
                    break
                message = json.loads(data)
                if message.get("type") == "exit":
                    with self._exited:
                        self._exits[int(message["pid"])] = int(message["returncode"])
                        self._exited.notify_all()
                else:
                    self._replies.put(message)
        except (OSError, ValueError):
            pass
        with self._exited:
            self._gone = True
            self._exited.notify_all()
        self._replies.put(None)

    @property
    def gone(self) -> bool:
        """Whether the zygote has exited (its control socket closed)."""
        return self._gone

    def spawn(
        self, env: Mapping[str, str], cwd: Path, fds: tuple[int, int, int, int]
    ) -> ForkedProcess:
        """Fork an environment with exactly ``env`` in ``cwd``; ``fds`` are its request
        pipe's read end, response pipe's write end, stdout and stderr (the caller keeps
        and closes its own copies)."""
        with self._spawn_lock:
            if self._gone:
                raise ZygoteError("the zygote has exited")
            self._requests += 1
            request_id = self._requests
            request = json.dumps({"id": request_id, "env": dict(env), "cwd": str(cwd)})
            try:
                socket.send_fds(self._control, [request.encode()], list(fds))
            except OSError as exc:
                raise ZygoteError(f"the zygote did not take the request: {exc}") from None
            reply = self._reply_to(request_id, time.monotonic() + INIT_LIMIT_S)
        if reply is None or reply.get("type") != "spawned":
            reason = reply.get("message") if reply else "no answer"
            raise ZygoteError(f"the zygote did not fork: {reason}")
        return ForkedProcess(int(reply["pid"]), self)

    def _reply_to(self, request_id: int, deadline: float) -> dict[str, Any] | None:
        """The zygote's answer to request ``request_id``; None by ``deadline``. An answer to
        an earlier request that timed out is dropped, and the environment it reports
        killed: nobody owns it."""
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                reply = self._replies.get(timeout=remaining)
            except queue.Empty:
                return None
            if reply is None or reply.get("id") == request_id:
                return reply
            if reply.get("type") == "spawned":
                kill_group(int(reply["pid"]))
        return None

    def returncode(self, pid: int, timeout_s: float) -> int | None:
        """``pid``'s exit status once the zygote reported it (waits up to ``timeout_s``)."""
        with self._exited:
            self._exited.wait_for(lambda: pid in self._exits or self._gone, timeout_s)
            if pid in self._exits:
                return self._exits[pid]
        if self._gone and not process_exists(pid):
            return -1  # ended after the zygote did: nobody reported its status
        return None

    def close(self) -> None:
        """End the zygote (its environments are the workers' to stop)."""
        try:
            self._control.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._control.close()
        try:
            self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()


_shared: Zygote | None = None
_shared_lock = threading.Lock()


def shared_zygote() -> Zygote:
    """This process's zygote, started on first use and again if it exited; every
    :class:`Runtime` of the process forks from it (it keeps no state of theirs: each
    request carries the environment). It ends with this process (its control socket
    closes).

    Raises:
        ZygoteError: it could not be started.
    """
    global _shared
    with _shared_lock:
        if _shared is not None and _shared.gone:
            log.warning("the zygote exited; starting another")
            _shared.close()
            _shared = None
        if _shared is None:
            started = time.perf_counter()
            _shared = Zygote()
            log.info(
                "zygote ready in %.0f ms (%s preloaded for new environments)",
                (time.perf_counter() - started) * 1000,
                ", ".join(_shared.preloaded) or "nothing",
            )
        return _shared


def kill_group(pid: int) -> None:
    """SIGKILL the process group led by ``pid``, if it still exists."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def process_exists(pid: int) -> bool:
    """Whether a process ``pid`` exists (a zombie counts until it is reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
