"""Start and stop the whole local stack: emulator, provisioning, workers, hosted UI, API.

:class:`LocalStack` is what ``python -m local_stack`` runs (see ``__main__``):

1. bind the API, hosted-UI and emulator ports up front (a taken port is one error line);
2. patch moto's cognito-idp (:func:`local_stack.cognito.install`) and start moto in this
   process on the emulator port;
3. load ``template.yaml`` with the local parameter overrides (callback/logout URLs and the
   CORS origin on the API port) and provision its resources into the emulator;
4. serve the hosted-UI stand-in and the API gateway (each function in its own worker).

``stop()`` shuts the servers down and kills every worker.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Self

from werkzeug.serving import BaseWSGIServer, make_server

from local_stack import cognito
from local_stack.api_gateway.authorizer import CognitoUserPoolsAuthorizer
from local_stack.api_gateway.dev_routes import LocalInfo
from local_stack.api_gateway.http_request import RawHeadersRequestHandler, printable
from local_stack.api_gateway.proxy import Gateway
from local_stack.aws.dynamodb_query import install_partition_query
from local_stack.aws.moto_server import Emulator, listen, url_host
from local_stack.aws.provisioning import Provisioned, provision
from local_stack.cognito.hosted_ui.app import create_app
from local_stack.cognito.inbox import MAX_MESSAGES_PER_ADDRESS, Inbox
from local_stack.lambda_runtime.environment import LocalOverrides
from local_stack.lambda_runtime.event_delivery import EventDelivery
from local_stack.lambda_runtime.pool import DEFAULT_CONCURRENCY, Runtime
from local_stack.saved_state import StateStore
from local_stack.template import Template

log = logging.getLogger("local_stack")

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Ports:
    """Requested ports; 0 means any free port."""

    api: int = 3000
    hosted_ui: int = 3001
    emulator: int = 3002


def web_origin(host: str, api_port: int) -> str:
    """The web app's origin: ``http://localhost:<api_port>`` when ``host`` (a URL host,
    :func:`url_host`'s) is a loopback address, else ``http://<host>:<api_port>``.

    Passkeys need a domain name: a WebAuthn relying-party ID cannot be an IP address (W3C
    WebAuthn Level 3 section 5.1.4.1, a "valid domain string"), and browsers treat
    ``http://localhost`` as a secure context (W3C Secure Contexts section 3.2) where
    WebAuthn works without TLS.
    """
    loopback = host in ("127.0.0.1", "localhost", "[::1]")
    return f"http://{'localhost' if loopback else host}:{api_port}"


def local_parameter_overrides(host: str, api_port: int) -> dict[str, str]:
    """Template parameters that differ locally: the SPA is served from the API port at
    :func:`web_origin` (the CORS origin and the passkey relying party), and passwordless
    sign-in is on (``PasswordlessEmailSourceArn``; no email leaves the machine).

    ``host`` is the URL host of the API (127.0.0.1 by default). Both it and localhost are
    accepted redirect URIs (Cognito matches redirect URIs exactly).
    """
    origin = web_origin(host, api_port)
    overrides = {
        "CallbackUrls": f"http://{host}:{api_port}/,http://localhost:{api_port}/",
        "LogoutUrls": f"http://{host}:{api_port}/,http://localhost:{api_port}/",
        "AllowedOrigin": origin,
        # Passwordless sign-in is always on locally: its codes go to the dev inbox.
        "PasswordlessEmailSourceArn": "arn:aws:ses:us-east-1:123456789012:identity/dev@example.com",
    }
    if origin.startswith("http://localhost:"):
        overrides["WebAuthnRelyingPartyId"] = "localhost"
    return overrides


class _Server:
    """A threaded werkzeug server on an already-listening socket."""

    def __init__(self, sock: socket.socket, app: Any) -> None:
        host, port = sock.getsockname()[:2]
        self._socket = sock
        # The raw-headers handler lets the gateway see header names and repeats as sent.
        self._server: BaseWSGIServer = make_server(
            host,
            port,
            app,
            threaded=True,
            fd=sock.fileno(),
            request_handler=RawHeadersRequestHandler,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        self._socket.close()


class LocalStack:
    """The running stack. ``start()`` then ``stop()``; usable as a context manager.

    Args:
        template_path: the SAM template.
        host: interface to listen on (URLs use it; 0.0.0.0 is shown as 127.0.0.1).
        ports: requested ports (0 = any free).
        serve_api: False for ``invoke`` (emulator, hosted UI and workers only).
        log_stream: where the handlers' stdout and stderr go (None: this process's own).
        console: where the dev inbox prints its one line per code (None: stdout).
        concurrency: execution environments per function (``Runtime``).
        state_dir: keep the state in this folder across restarts
            (:mod:`local_stack.saved_state`); None: in memory, every start is clean.
        reset_state: forget the saved state first (``make dev-reset``).
        preload: fork environments from a zygote (``Runtime``); always off without the
            API (``invoke``: one cold start gains nothing from it).
    Raises (from start):
        local_stack.aws.moto_server.PortInUseError: a port is taken (nothing was started).
        local_stack.template.TemplateError: the template cannot be served.
    """

    def __init__(
        self,
        template_path: Path,
        host: str = "127.0.0.1",
        ports: Ports = Ports(),
        serve_api: bool = True,
        log_stream: IO[str] | None = None,
        console: IO[str] | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        state_dir: Path | None = None,
        reset_state: bool = False,
        preload: bool = True,
    ) -> None:
        self.concurrency = concurrency
        self.preload = preload and serve_api
        self.state = StateStore(state_dir) if state_dir is not None else None
        self.reset_state = reset_state
        self.template_path = Path(template_path).resolve()
        self.host = host
        self.requested = ports
        self.serve_api = serve_api
        self.log_stream = log_stream
        self.console = console
        self.template: Template | None = None
        self.runtime: Runtime | None = None
        self.provisioned: Provisioned | None = None
        self.info: LocalInfo | None = None
        self.events: EventDelivery | None = None
        self.inbox: Inbox | None = None  # the dev inbox, once started
        self._servers: list[_Server] = []
        self._emulator: Emulator | None = None
        self._sockets: list[socket.socket] = []

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> LocalStack:
        api_sock = listen(self.host, self.requested.api, "API") if self.serve_api else None
        if api_sock:
            self._sockets.append(api_sock)
        try:
            ui_sock = listen(self.host, self.requested.hosted_ui, "hosted UI")
            self._sockets.append(ui_sock)
            emulator_sock = listen(self.host, self.requested.emulator, "emulator")
            self._sockets.append(emulator_sock)
        except OSError:
            self._close_sockets()
            raise
        url_root = url_host(self.host)
        api_port = api_sock.getsockname()[1] if api_sock else self.requested.api or 3000
        api_url = f"http://{url_root}:{api_port}"
        hosted_ui_url = f"http://{url_root}:{ui_sock.getsockname()[1]}"

        inbox = self.inbox = Inbox(stream=self.console)
        cognito.install(inbox)  # before moto serves its first request
        install_partition_query()
        restored = None
        if self.state is not None:
            if self.reset_state:
                self.state.reset()
            self.state.register(
                "inbox", lambda: _inbox_boxes(inbox), lambda boxes: _restore_inbox(inbox, boxes)
            )
            restored = self.state.load()  # before moto serves its first request
        self._emulator = Emulator(emulator_sock)
        self._sockets.remove(emulator_sock)
        self._emulator.start()
        emulator_url = self._emulator.url

        template = Template.load(self.template_path, local_parameter_overrides(url_root, api_port))
        self.template = template
        if restored is not None:
            template.physical_ids.update(restored.physical_ids)
            template.attributes.update(restored.attributes)
        self.provisioned = provision(template, emulator_url)
        if self.state is not None:
            self.state.remember(template.physical_ids, template.attributes)
            self.state.start_snapshots(self._emulator.changed)
        self.runtime = Runtime(
            template.functions(),
            LocalOverrides(
                emulator_url=emulator_url,
                hosted_ui_url=hosted_ui_url,
                region=template.region,
                account_id=template.account_id,
            ),
            log_stream=self.log_stream,
            concurrency=self.concurrency,
            preload=self.preload,
        )
        self._serve_hosted_ui(ui_sock, template, hosted_ui_url, inbox)
        pool_id = self.provisioned.user_pool_id
        client_id = self.provisioned.client_id

        self.info = LocalInfo(
            api_url=api_url,
            hosted_ui_url=hosted_ui_url,
            emulator_url=emulator_url,
            web_url=f"{web_origin(url_root, api_port)}/",
            inbox_url=f"{api_url}/_local/inbox/{{email}}",
            user_pool_id=pool_id,
            client_id=client_id,
        )
        if api_sock is not None:
            # S3 and stream events to the functions the template wires (local_stack.lambda_runtime.event_delivery)
            self.events = EventDelivery(template, self.runtime.invoke, emulator_url).start()
            self._serve(api_sock, self._gateway(template, emulator_url, inbox))
        return self

    def _serve_hosted_ui(
        self, ui_sock: socket.socket, template: Template, hosted_ui_url: str, inbox: Inbox
    ) -> None:
        """Serve the hosted-UI stand-in on ``ui_sock`` for the template's user pool client
        (its codes and sessions kept with the state), or close the socket when there is none."""
        assert self.provisioned is not None
        pool_id = self.provisioned.user_pool_id
        client_id = self.provisioned.client_id
        if pool_id and client_id:
            ui_app = create_app(
                region=template.region,
                user_pool_id=pool_id,
                client_id=client_id,
                base_url=hosted_ui_url,
                inbox=inbox,
            )
            # The hosted UI's codes and browser sessions (``hosted_ui.store.Store``: snapshot() ->
            # JSON-ready data, restore(data)) are kept too; they register late, after the
            # load (StateStore.register).
            kept = getattr(ui_app, "extensions", {}).get("hosted_ui_store")
            if self.state is not None and kept is not None:
                self.state.register("hosted_ui", kept.snapshot, kept.restore)
            self._serve(ui_sock, ui_app)
        else:
            log.info("hosted UI: the template has no user pool client; not served")
            self._sockets.remove(ui_sock)
            ui_sock.close()

    def _gateway(self, template: Template, emulator_url: str, inbox: Inbox) -> Gateway:
        apis = template.apis()
        authorizers = {
            (api_id, name): CognitoUserPoolsAuthorizer.from_spec(spec, emulator_url)
            for api_id, api in apis.items()
            for name, spec in api.authorizers.items()
        }
        web_root = self.template_path.parent / "web"
        assert self.runtime is not None
        return Gateway(
            apis=apis,
            routes=template.routes(),
            invoke=self.runtime.invoke,
            authorizers=authorizers,
            api_ids={api_id: str(template.ref(api_id)) for api_id in apis},
            web_root=web_root if web_root.is_dir() else None,
            inbox=inbox,
            info=self.info,
            account_id=template.account_id,
            events=self.events,
        )

    def _serve(self, sock: socket.socket, app: Any) -> None:
        server = _Server(sock, app)
        self._sockets.remove(sock)
        self._servers.append(server)
        server.start()

    def stop(self) -> None:
        """Stop the servers, kill the workers, stop the emulator. Idempotent."""
        servers, self._servers = self._servers, []
        for server in servers:
            server.stop()
        if self.events is not None:
            self.events.stop()
            self.events = None
        if self.runtime is not None:
            self.runtime.stop()
            self.runtime = None
        if self.state is not None and self.provisioned is not None:
            try:
                self.state.stop()  # the last save, after the servers stopped taking requests
            except Exception as exc:  # noqa: BLE001 - stopping must go on
                log.warning("state: not saved: %s", exc)
        if self._emulator is not None:
            self._emulator.stop()
            self._emulator = None
        self._close_sockets()

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ console

    def banner(self) -> str:
        """The start-up banner: where everything is."""
        assert self.info is not None and self.template is not None
        info = self.info
        functions = len(self.template.functions())
        routes = len(self.template.routes())
        lines = [
            (
                f"Moments local stack is up ({self.template_path.name}: {functions} functions, "
                f"{routes} routes; Docker-free stand-in for `sam local start-api` + AWS)"
            ),
            f"  API              {info.api_url}",
            f"  Web app          {info.web_url}",
            f"  Hosted UI        {info.hosted_ui_url}  (Cognito hosted-UI stand-in)",
            f"  Dev inbox        {info.inbox_url}",
            f"  API docs         {info.api_url}/_local/docs/  (Swagger UI; openapi.json)",
            f"  AWS emulator     {info.emulator_url}  (moto: cognito-idp, S3, DynamoDB)",
            f"  User pool        {info.user_pool_id}  client {info.client_id}",
            (
                f"  State            {self.state.folder}  (kept across restarts; "
                "make dev-reset starts clean)"
                if self.state is not None
                else "  State            in memory (this stack starts clean and forgets on stop)"
            ),
            "Press Ctrl-C to stop.",
        ]
        return "\n".join(lines)


def _inbox_boxes(inbox: Inbox) -> dict[str, list[dict[str, str]]]:
    """The dev inbox's messages as plain data (saved with the state: a code sent before a
    restart stays valid, so it must stay readable)."""
    with inbox._lock:
        return {address: list(box) for address, box in inbox._boxes.items()}


def _restore_inbox(inbox: Inbox, boxes: dict[str, list[dict[str, str]]]) -> None:
    with inbox._lock:
        for address, messages in boxes.items():
            inbox._boxes[address] = deque(messages, maxlen=MAX_MESSAGES_PER_ADDRESS)


class _PrintableFormatter(logging.Formatter):
    """One console line per record, whatever it quotes: control characters (CR, LF, ESC)
    in a message are escaped (:func:`local_stack.api_gateway.http_request.printable`), so request data that
    reaches any log line cannot forge another line or drive the terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


def configure_logging(stream: IO[str] = sys.stdout) -> None:
    """Console lines for the stack (``HH:MM:SS message``); werkzeug's access log off."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_PrintableFormatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    stack_log = logging.getLogger("local_stack")
    stack_log.handlers[:] = [handler]
    stack_log.setLevel(logging.INFO)
    stack_log.propagate = False
    # The gateway prints its own line per request (with function and cold start);
    # werkzeug's and moto's access lines would double it.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
