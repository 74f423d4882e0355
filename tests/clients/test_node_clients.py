"""Node's Cognito and OIDC clients against a fresh local stack: the AWS SDK v3,
amazon-cognito-identity-js (SRP, as Amplify signs in), openid-client v6 and aws-jwt-verify,
pinned in package.json / package-lock.json (installed with ``npm ci`` on first use, as
for newman). ``node/clients.mjs`` runs every check once and reports each; every check
here is one of them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.clients.conftest import PASSWORD, Env
from tools.newman import NewmanUnavailable, ensure_newman

pytestmark = pytest.mark.e2e
SCRIPT = Path(__file__).parent / "node" / "clients.mjs"
SDK = "@aws-sdk/client-cognito-identity-provider"
CHECKS = [
    (SDK, "InitiateAuth USER_PASSWORD_AUTH with SECRET_HASH -> tokens"),
    (
        SDK,
        "InitiateAuth USER_SRP_AUTH on a USER_PASSWORD_AUTH-only client -> InvalidParameterException",
    ),
    (SDK, "AdminInitiateAuth wrong password -> NotAuthorizedException without the username"),
    (SDK, "GetTokensFromRefreshToken, RevokeToken, then refresh refused"),
    (SDK, "GlobalSignOut, then GetUser with the same access token -> NotAuthorizedException"),
    (SDK, "SignUp, then ConfirmSignUp with the code from the dev inbox -> confirmed"),
    (SDK, "ForgotPassword for an unknown user -> simulated delivery (PreventUserExistenceErrors)"),
    (
        "amazon-cognito-identity-js",
        "authenticateUser (USER_SRP_AUTH) with the right password -> session",
    ),
    (
        "amazon-cognito-identity-js",
        "refreshSession (REFRESH_TOKEN_AUTH) after an SRP sign-in -> new tokens",
    ),
    (
        "amazon-cognito-identity-js",
        "authenticateUser with a wrong password -> NotAuthorizedException",
    ),
    (
        "amazon-cognito-identity-js",
        "authenticateUser for an unknown user -> NotAuthorizedException (PreventUserExistenceErrors)",
    ),
    (
        "amazon-cognito-identity-js",
        "authenticateUser on a client without ALLOW_USER_SRP_AUTH -> InvalidParameterException",
    ),
    (
        "openid-client",
        "discovery(<hosted UI>/.well-known/openid-configuration) -> Cognito's issuer",
    ),
    ("openid-client", "authorizationCodeGrant with PKCE, state and nonce -> validated ID token"),
    ("openid-client", "refreshTokenGrant with the granted scope -> tokens"),
    ("openid-client", "fetchUserInfo with the access token -> the user's claims"),
    ("openid-client", "tokenRevocation of the refresh token, then refreshTokenGrant refused"),
    (
        "aws-jwt-verify",
        "CognitoJwtVerifier (tokenUse access, clientId) verifies a USER_PASSWORD_AUTH access token",
    ),
    ("aws-jwt-verify", "CognitoJwtVerifier (tokenUse id) verifies a hosted-UI ID token"),
    (
        "aws-jwt-verify",
        "CognitoJwtVerifier (tokenUse access, scope openid) verifies a hosted-UI access token",
    ),
    ("aws-jwt-verify", "CognitoJwtVerifier rejects an ID token where an access token is expected"),
]


@pytest.fixture(scope="module")
def node_results(env: Env, new_user: Any) -> dict[tuple[str, str], dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found: install Node.js 20+ (.ci/run does)")
    try:
        ensure_newman()  # npm ci of package-lock.json: newman and these clients
    except NewmanUnavailable as exc:
        pytest.fail(str(exc))
    settings = {
        "apiUrl": env.api_url,
        "hostedUiUrl": env.hosted_ui_url,
        "emulatorUrl": env.emulator_url,
        "region": env.region,
        "poolId": env.pool_id,
        "clientId": env.client_id,
        "clientSecret": env.client_secret,
        "publicClientId": env.public_client_id,
        "passwordOnlyClientId": env.password_only_client_id,
        "redirectUri": env.redirect_uri,
        "scopes": list(env.scopes),
        "issuer": env.issuer,
        "password": PASSWORD,
        "email": new_user("node"),
        "srpEmail": new_user("node-srp"),
    }
    run = subprocess.run(
        [node, str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, "MOMENTS_CLIENTS_ENV": json.dumps(settings)},
        cwd=SCRIPT.parents[3],
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return {(item["client"], item["operation"]): item for item in json.loads(run.stdout)}


def test_the_script_runs_exactly_the_listed_checks(node_results: dict[Any, Any]) -> None:
    assert sorted(node_results) == sorted(CHECKS)


@pytest.mark.parametrize("client,operation", CHECKS)
def test_node_client(
    node_results: dict[Any, Any], client: str, operation: str, request: pytest.FixtureRequest
) -> None:
    request.node.add_marker(pytest.mark.client(client, operation))
    result = node_results[(client, operation)]
    assert result["ok"], result["detail"]
