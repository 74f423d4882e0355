"""boto3, pycognito and Authlib against a fresh local stack, configured as
docs/local-stack.md documents (see conftest.py). Each check fails on the stack before
issue 10 (SRP proofs unchecked, flows not enforced, no revocation endpoint, ...)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from botocore.exceptions import ClientError

from tests.clients.conftest import PASSWORD, TIMEOUT, Env

pytestmark = pytest.mark.e2e
WRONG = "Wrong-Horse-9"


def secret_hash(username: str, client_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def password_auth(env: Env, email: str, password: str) -> dict[str, Any]:
    return env.idp().initiate_auth(
        ClientId=env.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": email,
            "PASSWORD": password,
            "SECRET_HASH": secret_hash(email, env.client_id, env.client_secret),
        },
    )


# ---------------------------------------------------------------- boto3 (cognito-idp)
@pytest.mark.client("boto3", "InitiateAuth USER_PASSWORD_AUTH with SECRET_HASH -> tokens")
def test_boto3_password_sign_in(env: Env, new_user: Any) -> None:
    result = password_auth(env, new_user(), PASSWORD)["AuthenticationResult"]
    header = jwt.get_unverified_header(result["AccessToken"])
    assert "typ" not in header
    assert header["kid"] in [key["kid"] for key in env.jwks()["keys"]]


@pytest.mark.client(
    "boto3", "InitiateAuth USER_SRP_AUTH on a USER_PASSWORD_AUTH-only client -> refused"
)
def test_boto3_srp_refused_by_explicit_auth_flows(env: Env, new_user: Any) -> None:
    email = new_user()
    code, _ = error_of(
        env.idp().initiate_auth,
        ClientId=env.client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={
            "USERNAME": email,
            "SRP_A": "ab" * 384,
            "SECRET_HASH": secret_hash(email, env.client_id, env.client_secret),
        },
    )
    assert code == "InvalidParameterException"


@pytest.mark.client(
    "boto3", "AdminInitiateAuth on a client without ALLOW_ADMIN_USER_PASSWORD_AUTH -> refused"
)
def test_boto3_admin_auth_refused_by_explicit_auth_flows(env: Env, new_user: Any) -> None:
    email = new_user()
    code, _ = error_of(
        env.idp().admin_initiate_auth,
        UserPoolId=env.pool_id,
        ClientId=env.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": email,
            "PASSWORD": PASSWORD,
            "SECRET_HASH": secret_hash(email, env.client_id, env.client_secret),
        },
    )
    assert code == "InvalidParameterException"


@pytest.mark.client(
    "boto3", "AdminInitiateAuth wrong password / unknown user -> same error, no username"
)
def test_boto3_admin_auth_hides_the_user(env: Env, new_user: Any) -> None:
    email = new_user()

    def admin(username: str, password: str) -> tuple[str, str]:
        return error_of(
            env.idp().admin_initiate_auth,
            UserPoolId=env.pool_id,
            ClientId=env.public_client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )

    wrong, unknown = admin(email, WRONG), admin(f"x{email}", PASSWORD)
    assert wrong == unknown == ("NotAuthorizedException", "Incorrect username or password.")


@pytest.mark.client("boto3", "5 wrong passwords, then the right one -> Password attempts exceeded")
def test_boto3_password_lockout(env: Env, new_user: Any) -> None:
    email = new_user()
    for _ in range(5):
        assert error_of(password_auth, env=env, email=email, password=WRONG)[0] == (
            "NotAuthorizedException"
        )
    assert error_of(password_auth, env=env, email=email, password=PASSWORD) == (
        "NotAuthorizedException",
        "Password attempts exceeded",
    )


@pytest.mark.client(
    "boto3", "5 wrong ConfirmSignUp codes, then the right one -> LimitExceededException"
)
def test_boto3_code_attempt_limit(env: Env) -> None:
    email = f"codes-{secrets.token_hex(5)}@example.com"
    requests.post(
        f"{env.api_url}/auth/sign-up", json={"email": email, "password": PASSWORD}, timeout=TIMEOUT
    ).raise_for_status()
    inbox = requests.get(f"{env.api_url}/_local/inbox/{email}", timeout=TIMEOUT).json()
    right = inbox["messages"][0]["code"]
    wrong = "000000" if right != "000000" else "111111"

    def confirm(code: str) -> None:
        env.idp().confirm_sign_up(
            ClientId=env.client_id,
            Username=email,
            ConfirmationCode=code,
            SecretHash=secret_hash(email, env.client_id, env.client_secret),
        )

    for _ in range(5):
        assert error_of(confirm, code=wrong)[0] == "CodeMismatchException"
    assert error_of(confirm, code=right)[0] == "LimitExceededException"


@pytest.mark.client("boto3", "pool id region_ + 9 characters, client id 26 characters")
def test_boto3_ids_in_cognito_formats(env: Env) -> None:
    pools = env.idp().list_user_pools(MaxResults=10)["UserPools"]
    assert env.pool_id in [pool["Id"] for pool in pools]
    assert re.fullmatch(rf"{env.region}_[0-9A-Za-z]{{9}}", env.pool_id)
    assert re.fullmatch(r"[0-9a-z]{26}", env.client_id)


# ---------------------------------------------------------------- pycognito (SRP)
@pytest.fixture
def pycognito_env(env: Env, monkeypatch: pytest.MonkeyPatch) -> Env:
    """pycognito's documented knobs: the SDK endpoint and ``COGNITO_JWKS``."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", env.emulator_url)
    monkeypatch.setenv("COGNITO_JWKS", json.dumps(env.jwks()))
    return env


def pycognito_user(env: Env, email: str) -> Any:
    from pycognito import Cognito

    return Cognito(env.pool_id, env.public_client_id, username=email)


@pytest.mark.client("pycognito", "authenticate (SRP) with the right password -> verified tokens")
def test_pycognito_srp_right_password(pycognito_env: Env, new_user: Any) -> None:
    user = pycognito_user(pycognito_env, new_user())
    user.authenticate(password=PASSWORD)  # verifies both tokens against COGNITO_JWKS
    assert user.access_claims["token_use"] == "access"
    assert user.id_claims["iss"] == pycognito_env.issuer


@pytest.mark.client(
    "pycognito", "authenticate (SRP) with a wrong password -> NotAuthorizedException"
)
def test_pycognito_srp_wrong_password(pycognito_env: Env, new_user: Any) -> None:
    user = pycognito_user(pycognito_env, new_user())
    with pytest.raises(ClientError) as raised:
        user.authenticate(password=WRONG)
    assert raised.value.response["Error"]["Code"] == "NotAuthorizedException"


@pytest.mark.client(
    "pycognito", "authenticate (SRP) an unknown user -> Incorrect username or password."
)
def test_pycognito_srp_unknown_user(pycognito_env: Env) -> None:
    user = pycognito_user(pycognito_env, "nobody-at-all@example.com")
    with pytest.raises(ClientError) as raised:
        user.authenticate(password=PASSWORD)
    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )


@pytest.mark.client(
    "pycognito", "RespondToAuthChallenge with a garbage proof -> NotAuthorizedException"
)
def test_pycognito_srp_garbage_proof(pycognito_env: Env, new_user: Any) -> None:
    from pycognito.aws_srp import AWSSRP

    email = new_user()
    idp = pycognito_env.idp()
    srp = AWSSRP(
        username=email,
        password=PASSWORD,
        pool_id=pycognito_env.pool_id,
        client_id=pycognito_env.public_client_id,
        client=idp,
    )
    challenge = idp.initiate_auth(
        ClientId=pycognito_env.public_client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters=srp.get_auth_params(),
    )
    answer = srp.process_challenge(challenge["ChallengeParameters"], srp.get_auth_params())
    answer["PASSWORD_CLAIM_SIGNATURE"] = base64.b64encode(secrets.token_bytes(32)).decode()
    code, _ = error_of(
        idp.respond_to_auth_challenge,
        ClientId=pycognito_env.public_client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=challenge["Session"],
        ChallengeResponses=answer,
    )
    assert code == "NotAuthorizedException"


@pytest.mark.client("pycognito", "renew_access_token (REFRESH_TOKEN_AUTH) -> new verified token")
def test_pycognito_renew(pycognito_env: Env, new_user: Any) -> None:
    user = pycognito_user(pycognito_env, new_user())
    user.authenticate(password=PASSWORD)
    first = user.access_token
    user.renew_access_token()
    assert user.access_token != first
    user.verify_tokens()


# ---------------------------------------------------------------- Authlib (OAuth2Session)
def discovery(env: Env) -> dict[str, Any]:
    url = f"{env.hosted_ui_url}/.well-known/openid-configuration"
    return requests.get(url, timeout=TIMEOUT).json()


def browser_sign_in(
    authorize_url: str, email: str, browser: requests.Session | None = None
) -> tuple[str, requests.Session]:
    """Play the browser: the login form (unless signed in already) -> the redirect back."""
    browser = browser or requests.Session()
    page = browser.get(authorize_url, allow_redirects=False, timeout=TIMEOUT)
    if page.status_code == 302:
        return page.headers["Location"], browser
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    answer = browser.post(
        urljoin(page.url, action.replace("&amp;", "&")),
        data={"email": email, "password": PASSWORD},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 302, answer.text[:300]
    return answer.headers["Location"], browser


def oauth_session(env: Env, **kwargs: Any) -> OAuth2Session:
    return OAuth2Session(
        env.client_id,
        env.client_secret,
        scope=" ".join(env.scopes),
        redirect_uri=env.redirect_uri,
        **kwargs,
    )


def code_flow(env: Env, email: str, *, pkce: bool = True) -> tuple[OAuth2Session, dict[str, Any]]:
    config = discovery(env)
    session = oauth_session(env, code_challenge_method="S256" if pkce else None)
    verifier = secrets.token_urlsafe(48) if pkce else None
    uri, _state = session.create_authorization_url(
        config["authorization_endpoint"], code_verifier=verifier, nonce="n-42"
    )
    location, _ = browser_sign_in(uri, email)
    token = session.fetch_token(
        config["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    return session, token


def verify(env: Env, token: str, audience: str | None = None) -> dict[str, Any]:
    """Verify a token as a resource server would (PyJWT; Authlib's jose module is
    deprecated): the JWKS key named by ``kid``, RS256, Cognito's issuer, expiry."""
    keys = jwt.PyJWKSet.from_dict(env.jwks())
    key = next(k for k in keys.keys if k.key_id == jwt.get_unverified_header(token)["kid"])
    return jwt.decode(
        token,
        key=key,
        algorithms=["RS256"],
        issuer=env.issuer,
        audience=audience,
        options={"verify_aud": audience is not None},
    )


@pytest.mark.client(
    "Authlib", "authorization code + PKCE (client_secret_basic) -> ID token with at_hash"
)
def test_authlib_code_flow(env: Env, new_user: Any) -> None:
    _, token = code_flow(env, new_user())
    claims = verify(env, token["id_token"], audience=env.client_id)
    digest = hashlib.sha256(token["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert claims["nonce"] == "n-42"


@pytest.mark.client("Authlib", "authorization code without PKCE (confidential client) -> tokens")
def test_authlib_code_flow_without_pkce(env: Env, new_user: Any) -> None:
    _, token = code_flow(env, new_user(), pkce=False)
    assert token["token_type"] == "Bearer" and "refresh_token" in token


@pytest.mark.client("Authlib", "refresh_token grant (Authlib sends the granted scope) -> tokens")
def test_authlib_refresh_with_scope(env: Env, new_user: Any) -> None:
    session, token = code_flow(env, new_user())
    refreshed = session.refresh_token(
        discovery(env)["token_endpoint"], refresh_token=token["refresh_token"]
    )
    access = verify(env, refreshed["access_token"])
    assert access["token_use"] == "access" and access["version"] == 2
    assert set(access["scope"].split()) == set(env.scopes)


@pytest.mark.client("Authlib", "revoke_token at discovery's revocation_endpoint -> refresh refused")
def test_authlib_revoke(env: Env, new_user: Any) -> None:
    session, token = code_flow(env, new_user())
    config = discovery(env)
    revoked = session.revoke_token(
        config["revocation_endpoint"], token=token["refresh_token"], token_type_hint="refresh_token"
    )
    assert revoked.status_code == 200
    from authlib.integrations.base_client import OAuthError

    with pytest.raises(OAuthError, match="invalid_grant"):
        session.refresh_token(config["token_endpoint"], refresh_token=token["refresh_token"])


@pytest.mark.client("Authlib", "GET userinfo_endpoint with the access token -> the user's claims")
def test_authlib_userinfo(env: Env, new_user: Any) -> None:
    email = new_user()
    session, _ = code_flow(env, email)
    info = session.get(discovery(env)["userinfo_endpoint"], timeout=TIMEOUT)
    assert info.status_code == 200 and info.json()["email"] == email


@pytest.mark.client("Authlib", "single sign-on (second authorize, same browser) keeps auth_time")
def test_authlib_sso_keeps_auth_time(env: Env, new_user: Any) -> None:
    email = new_user()
    config = discovery(env)
    first_session = oauth_session(env, code_challenge_method="S256")
    verifier = secrets.token_urlsafe(48)
    uri, _ = first_session.create_authorization_url(
        config["authorization_endpoint"], code_verifier=verifier
    )
    location, browser = browser_sign_in(uri, email)
    first = first_session.fetch_token(
        config["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    time.sleep(1.1)
    second_session = oauth_session(env, code_challenge_method="S256")
    uri, _ = second_session.create_authorization_url(
        config["authorization_endpoint"], code_verifier=verifier
    )
    location, _ = browser_sign_in(uri, email, browser)
    second = second_session.fetch_token(
        config["token_endpoint"], authorization_response=location, code_verifier=verifier
    )

    def claims(token: str) -> dict[str, Any]:
        return jwt.decode(token, options={"verify_signature": False})

    assert claims(second["id_token"])["auth_time"] == claims(first["id_token"])["auth_time"]
    assert claims(second["id_token"])["iat"] > claims(first["id_token"])["iat"]
    assert parse_qs(urlsplit(location).query)["code"]


@pytest.mark.client(
    "pycognito", "get_user (GetUser with the SRP access token) -> the user's attributes"
)
def test_pycognito_get_user(pycognito_env: Env, new_user: Any) -> None:
    email = new_user()
    user = pycognito_user(pycognito_env, email)
    user.authenticate(password=PASSWORD)
    assert user.get_user().email == email


@pytest.mark.client("boto3", "RespondToAuthChallenge replaying a used SRP challenge -> refused")
def test_boto3_srp_challenge_is_single_use(pycognito_env: Env, new_user: Any) -> None:
    from pycognito.aws_srp import AWSSRP

    email = new_user()
    idp = pycognito_env.idp()
    srp = AWSSRP(
        username=email,
        password=PASSWORD,
        pool_id=pycognito_env.pool_id,
        client_id=pycognito_env.public_client_id,
        client=idp,
    )
    params = srp.get_auth_params()
    challenge = idp.initiate_auth(
        ClientId=pycognito_env.public_client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    answer = srp.process_challenge(challenge["ChallengeParameters"], params)

    def respond() -> dict[str, Any]:
        return idp.respond_to_auth_challenge(
            ClientId=pycognito_env.public_client_id,
            ChallengeName="PASSWORD_VERIFIER",
            Session=challenge["Session"],
            ChallengeResponses=answer,
        )

    assert "AccessToken" in respond()["AuthenticationResult"]
    assert error_of(respond)[0] == "NotAuthorizedException"


@pytest.mark.client("Authlib", "authorization code with client_secret_post -> tokens")
def test_authlib_client_secret_post(env: Env, new_user: Any) -> None:
    config = discovery(env)
    session = oauth_session(
        env, code_challenge_method="S256", token_endpoint_auth_method="client_secret_post"
    )
    verifier = secrets.token_urlsafe(48)
    uri, _ = session.create_authorization_url(
        config["authorization_endpoint"], code_verifier=verifier
    )
    location, _ = browser_sign_in(uri, new_user())
    token = session.fetch_token(
        config["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    assert verify(env, token["access_token"])["client_id"] == env.client_id


@pytest.mark.client(
    "Authlib", "authorization request without PKCE from a public client -> invalid_request"
)
def test_authlib_public_client_needs_pkce(env: Env) -> None:
    session = OAuth2Session(env.public_client_id, scope="openid", redirect_uri=env.redirect_uri)
    uri, _ = session.create_authorization_url(discovery(env)["authorization_endpoint"])
    answer = requests.get(uri, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["invalid_request"]
