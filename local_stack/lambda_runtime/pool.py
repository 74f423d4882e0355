"""Lambda sandboxes for the template's functions: a few worker processes per function.

Each execution environment is a ``python -I local_stack/lambda_runtime/worker.py``
subprocess (:mod:`.sandbox`; forked from :mod:`.zygote`), started on first need (its cold start, logged with its duration) and reused afterwards, the way
Lambda reuses a warm execution environment. Like Lambda, a function gets another
environment when every warm one is busy, up to its concurrency (``concurrency``, default
:data:`DEFAULT_CONCURRENCY`, like a small ``ReservedConcurrentExecutions``); an invoke
beyond that waits for a free one (Lambda would throttle it). The worker sees exactly the
function's template environment plus the local overrides of :func:`function_environment`,
never the host's, so functions cannot read each other's settings.

Like Lambda (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html):

- an environment that died while idle is replaced by a fresh one (a cold start), never
  handed a request;
- the timeout kills the worker and the next invoke is a cold start;
- a synchronous invoke whose event is over 6 MB (6,291,456 bytes of JSON) is refused
  with ``RequestEntityTooLargeException`` before any environment sees it, and a result
  over 6,291,556 bytes is the function error ``Function.ResponseSizeTooLarge``
  (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html, "Invocation
  payload (request and response)").

Differences from Lambda, on purpose:

- ``MemorySize`` is reported (env, context) but not enforced: an address-space limit would
  break CPython's allocator long before the handler used that much.
- New environments are forked from a *zygote* that has boto3 and pydantic imported
  (:mod:`local_stack.lambda_runtime.worker`), so a local cold start skips about 0.3 s of CPU that
  Lambda's does not. Everything else (Powertools, the handler module, its clients) is
  imported after the fork, in the function's own environment. ``preload=False``
  (``python -m local_stack --no-preload``) starts each environment from a fresh
  interpreter instead; ``invoke`` always does (one cold start gains nothing from a fork).
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from local_stack.lambda_runtime.environment import (
    MAX_SYNC_PAYLOAD_BYTES,
    PAYLOAD_TOO_LARGE,
    InvokeResult,
    LocalOverrides,
    function_environment,
)
from local_stack.lambda_runtime.sandbox import FunctionWorker
from local_stack.lambda_runtime.worker import ZYGOTE_MODULES, provides
from local_stack.lambda_runtime.zygote import Zygote, ZygoteError, shared_zygote
from local_stack.template import FunctionSpec

log = logging.getLogger("local_stack")

DEFAULT_CONCURRENCY = 4
"""Execution environments per function unless the stack is told otherwise (``--concurrency``):
enough to serve a browser's parallel uploads without a staircase, few enough for 14
functions on a 2-core laptop."""


class Runtime:
    """All functions' sandboxes.

    Writes a shared-config file that pins S3 to path-style addressing, so presigned URLs
    point at ``{emulator}/{bucket}/{key}`` whatever host name the emulator has (botocore
    already does that for an IP-address endpoint; ``localhost`` would otherwise get
    virtual-host URLs). It is an environment-only difference: the code is unchanged.

    Args:
        functions: logical id -> spec (``Template.functions()`` after provisioning).
        overrides: the local environment overrides.
        log_stream: where the handlers' stdout and stderr go (``invoke``: stderr;
            ``run``: its log file; default: this process's own).
        concurrency: execution environments per function (at least 1).
        preload: fork new environments from a zygote with boto3 and pydantic imported
            (functions whose code root ships its own copy of one still get a fresh
            interpreter); False: a fresh interpreter for every environment.
    """

    def __init__(
        self,
        functions: Mapping[str, FunctionSpec],
        overrides: LocalOverrides,
        log_stream: IO[str] | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        preload: bool = True,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self._config_dir = tempfile.TemporaryDirectory(prefix="local-stack-")
        config_file = Path(self._config_dir.name, "aws-config")
        config_file.write_text("[default]\ns3 =\n    addressing_style = path\n", encoding="utf-8")
        self.overrides = replace(overrides, aws_config_file=str(config_file))
        self.functions = dict(functions)
        self._log_stream = log_stream
        self._pools: dict[str, _Pool] = {}
        self._lock = threading.Lock()
        self._stopped = False
        self._preload = preload
        self._zygote_failed = False

    def _shared_zygote(self) -> Zygote | None:
        """The process's zygote (:func:`shared_zygote`); None once it failed to start for
        this runtime, or after ``stop``."""
        if self._zygote_failed or self._stopped:
            return None
        try:
            return shared_zygote()
        except ZygoteError as exc:
            log.warning("%s; every environment starts a fresh interpreter", exc)
            self._zygote_failed = True
            return None

    def _forks_from_zygote(self, spec: FunctionSpec) -> bool:
        """Whether ``spec`` may be forked: preloading is on and its code root ships none
        of the modules the zygote has imported or hidden."""
        if not self._preload:
            return False
        own = provides(str(spec.code_uri), ZYGOTE_MODULES)
        if own:
            log.info(
                "%s ships %s itself: a fresh interpreter per environment",
                spec.logical_id,
                ", ".join(own),
            )
        return not own

    def environment(self, function_id: str) -> dict[str, str]:
        """The environment ``function_id``'s worker gets."""
        return function_environment(self.functions[function_id], self.overrides)

    def invoke(self, function_id: str, event: Any) -> InvokeResult:
        """Invoke ``function_id`` (a template logical id) with ``event``.

        An event over :data:`MAX_SYNC_PAYLOAD_BYTES` is refused without running anything:
        ``error`` is ``{"errorType": PAYLOAD_TOO_LARGE, ...}``. Otherwise the invoke runs in
        an idle warm environment, else a new one (cold start) while the function has fewer
        than ``concurrency``, else it waits for one to be free.

        Raises:
            KeyError: no such function.
            RuntimeError: the runtime was stopped.
        """
        with self._lock:
            if self._stopped:
                raise RuntimeError("the runtime is stopped")
            pool = self._pools.get(function_id)
            if pool is None:
                spec = self.functions[function_id]
                zygote = self._shared_zygote if self._forks_from_zygote(spec) else None
                pool = _Pool(
                    lambda: FunctionWorker(
                        spec,
                        self.environment(function_id),
                        self.overrides,
                        self._log_stream,
                        zygote=zygote,
                    ),
                    self.concurrency,
                )
                self._pools[function_id] = pool
        event_json = json.dumps(event).encode()
        size = len(event_json)
        if size > MAX_SYNC_PAYLOAD_BYTES:
            return InvokeResult(
                function_id=function_id,
                request_id=str(uuid.uuid4()),
                payload=None,
                error={
                    "errorType": PAYLOAD_TOO_LARGE,
                    "errorMessage": f"{size} byte payload is too large for the "
                    f"RequestResponse invocation type "
                    f"(limit {MAX_SYNC_PAYLOAD_BYTES} bytes)",
                },
                cold_start=False,
                init_ms=None,
                duration_ms=0.0,
            )
        worker = pool.acquire()
        try:
            return worker.invoke(event, event_json=event_json)
        finally:
            pool.release(worker)

    def kill(self, function_id: str) -> int:
        """SIGKILL every started environment of ``function_id`` now, as a crash would (an
        invoke in flight ends with ``Runtime.ExitError``; the next one is a cold start).
        Returns how many were running. For fault tests and "what if it crashed here"."""
        with self._lock:
            pool = self._pools.get(function_id)
        killed = 0
        for worker in pool.workers() if pool else []:
            killed += worker.kill()
        return killed

    def stop(self) -> None:
        """Kill every worker now (in-flight invokes end with ``Runtime.ExitError``)."""
        with self._lock:
            self._stopped = True
            pools = list(self._pools.values())
        for pool in pools:
            pool.close()  # invokes still waiting for an environment fail instead
        workers = [worker for pool in pools for worker in pool.workers()]
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.close()
        self._config_dir.cleanup()


class _Pool:
    """A function's execution environments: at most ``limit``, idle ones reused newest
    first (so extra environments stay cold when traffic drops, as Lambda's do)."""

    def __init__(self, create: Callable[[], FunctionWorker], limit: int) -> None:
        self._create = create
        self._limit = limit
        self._all: list[FunctionWorker] = []
        self._idle: list[FunctionWorker] = []
        self._free = threading.Condition()
        self._closed = False

    def close(self) -> None:
        with self._free:
            self._closed = True
            self._free.notify_all()

    def acquire(self) -> FunctionWorker:
        """An idle environment, else a new one under the limit, else wait for one.

        Raises:
            RuntimeError: the pool was closed (the runtime stopped).
        """
        with self._free:
            while not self._closed and not self._idle and len(self._all) >= self._limit:
                self._free.wait()
            if self._closed:
                raise RuntimeError("the runtime is stopped")
            if self._idle:
                return self._idle.pop()
            worker = self._create()
            self._all.append(worker)
            return worker

    def release(self, worker: FunctionWorker) -> None:
        with self._free:
            self._idle.append(worker)
            self._free.notify()

    def workers(self) -> list[FunctionWorker]:
        with self._free:
            return list(self._all)
