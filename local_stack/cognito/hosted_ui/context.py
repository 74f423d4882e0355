"""One hosted-UI app's settings and shared objects, found from any request handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from moto.cognitoidp.models import CognitoIdpUserPool
from moto.core.exceptions import JsonRESTError

from local_stack import cognito
from local_stack.cognito.hosted_ui.oauth_models import AppClient
from local_stack.cognito.hosted_ui.store import Store

__all__ = ["EXTENSION", "HostedUi", "current"]

#: The key of :class:`HostedUi` in ``app.extensions``.
EXTENSION = "hosted_ui"


@dataclass
class HostedUi:
    """The pool an app serves, where it is served, its store and Authlib's server.

    ``server`` (an ``authlib`` ``AuthorizationServer``) is set by ``create_app`` once the
    grants are registered.
    """

    region: str
    user_pool_id: str
    client_id: str  # the app client the local stack configures (shown at ``/``)
    base_url: str  # e.g. http://127.0.0.1:3001, no trailing slash
    store: Store
    server: Any = None

    def pool(self) -> CognitoIdpUserPool:
        """The emulated pool, looked up per request (it may be created after the app).

        :raises ResourceNotFoundError: the pool does not exist (yet).
        """
        return cognito.find_user_pool(self.user_pool_id)

    def query_client(self, requested_id: str) -> AppClient | None:
        """Authlib's view of app client ``requested_id`` of the pool; None when unknown."""
        try:
            moto_client = self.pool().clients.get(requested_id)
        except JsonRESTError:
            return None
        if moto_client is None:
            return None
        secret = moto_client.secret if moto_client.generate_secret else None
        return AppClient(moto_client.id, moto_client.extended_config, secret)


def current() -> HostedUi:
    """The :class:`HostedUi` of the app handling the current request."""
    return current_app.extensions[EXTENSION]
