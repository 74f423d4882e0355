"""The stand-in for Cognito's hosted UI (managed login): :func:`create_app`."""

from local_stack.cognito.hosted_ui.app import (
    AUTHORIZATION_CODE_TTL_SECONDS,
    SESSION_TTL_SECONDS,
    create_app,
)

__all__ = ["AUTHORIZATION_CODE_TTL_SECONDS", "SESSION_TTL_SECONDS", "create_app"]
