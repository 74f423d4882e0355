"""The template's Cognito user pool and app client as cognito-idp API parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from local_stack.template import Template

ROOT = Path(__file__).resolve().parents[2]


def template_properties(
    parameters: dict[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """CreateUserPool and CreateUserPoolClient parameters from template.yaml's ``UserPool``
    and ``UserPoolClient`` (the client without ``UserPoolId``), with template
    ``parameters`` overridden (e.g. ``PasswordlessEmailSourceArn``)."""
    template = Template.load(ROOT / "template.yaml", parameters or {})
    resources = template.resources
    pool = template.resolve(resources["UserPool"]["Properties"])
    pool["PoolName"] = pool.pop("UserPoolName")
    # CloudFormation's EnabledMfas, WebAuthnRelyingPartyID and WebAuthnUserVerification are
    # SetUserPoolMfaConfig's in the API (SoftwareTokenMfaConfiguration,
    # WebAuthnConfiguration), not CreateUserPool parameters.
    for key in ("EnabledMfas", "WebAuthnRelyingPartyID", "WebAuthnUserVerification"):
        pool.pop(key, None)
    client = template.resolve(
        {k: v for k, v in resources["UserPoolClient"]["Properties"].items() if k != "UserPoolId"}
    )
    for key in ("AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity"):
        client[key] = int(client[key])
    return pool, client
