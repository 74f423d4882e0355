"""The embedded AWS emulator: moto's server in this process, provisioned from the template.

moto runs in the same process as the rest of the local stack (``ThreadedMotoServer``), so
``local_stack.cognito.install`` can patch its in-process cognito-idp backend before the
first request. Lambda workers and the host reach it over HTTP on the emulator port.

Provisioning from the template is :mod:`local_stack.aws.provisioning`; DynamoDB's
Query cost :mod:`local_stack.aws.dynamodb_query`.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from local_stack.aws.s3_presigned import PresignedRequestGuard

log = logging.getLogger("local_stack")

DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


#: ``python -m local_stack``'s exit status when a port is taken (nothing was started):
#: scripts and tests that pick free ports themselves retry on other ones when they see it.
EXIT_PORT_IN_USE = 3


class PortInUseError(OSError):
    """The port a server should listen on is taken (``port`` says which)."""

    def __init__(self, host: str, port: int, what: str) -> None:
        super().__init__(errno.EADDRINUSE, f"{what} port {host}:{port} is already in use")
        self.port = port
        self.what = what

    def __str__(self) -> str:
        return str(self.strerror)


def listen(host: str, port: int, what: str) -> socket.socket:
    """Bind and listen on ``host:port`` (0 = any free port) before any server starts.

    Binding up front lets the stack report a taken port in one line and exit before it
    has started anything (werkzeug would print two lines and ``sys.exit`` in a thread).

    Raises:
        PortInUseError: the port is taken.
    """
    try:
        return socket.create_server((host, port), family=_family(host), backlog=128)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(host, port, what) from exc
        raise


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


class Emulator(ThreadedMotoServer):
    """moto's ``ThreadedMotoServer`` serving on a socket that is already listening.

    Only ``_server_entry`` differs from moto's: it hands werkzeug the bound socket
    (``fd=``) instead of a port to bind (moto is pinned in requirements-dev.txt), and puts
    S3's presigned-request checks (:class:`~local_stack.aws.s3_presigned.PresignedRequestGuard`)
    in front of moto.

    Args:
        sock: the listening socket.
        secrets: access key id -> secret the presigned checks accept (the dummy
            credentials every local client and worker uses).
    """

    def __init__(self, sock: socket.socket, secrets: dict[str, str] | None = None) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(ip_address=host, port=port, verbose=False)
        self._socket = sock
        self.secrets = secrets or {
            DUMMY_CREDENTIALS["aws_access_key_id"]: DUMMY_CREDENTIALS["aws_secret_access_key"]
        }
        self.changed = threading.Event()
        """Set by every request that may change state (any method but GET/HEAD/OPTIONS):
        the state store snapshots only after one (``StateStore.start_snapshots``)."""

    def _server_entry(self) -> None:
        guarded = PresignedRequestGuard(
            DomainDispatcherApplication(create_backend_app), self.secrets
        )

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if environ.get("REQUEST_METHOD") not in ("GET", "HEAD", "OPTIONS"):
                self.changed.set()
            return guarded(environ, start_response)

        self._server = make_server(
            self._ip_address,
            self._port,
            app,
            threaded=True,
            request_handler=MotoRequestHandler,
            fd=self._socket.fileno(),
        )
        self._server_ready_event.set()
        # shutdown() waits for the loop's next poll: 0.1 s instead of socketserver's 0.5 s
        # makes stopping the stack (Ctrl-C, every test stack) ~0.4 s quicker.
        self._server.serve_forever(poll_interval=0.1)

    @property
    def url(self) -> str:
        return f"http://{url_host(self._ip_address)}:{self._port}"

    def stop(self) -> None:
        super().stop()
        self._socket.close()


def url_host(host: str) -> str:
    """The host part of a URL for a listening address (IPv6 bracketed)."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
