"""``make invoke``: run one function on one ``events/`` file against the local stack's emulator,
with the event's example ids and tokens swapped for real ones.

Usage::

    python -m tools.invoke FUNCTION_LOGICAL_ID EVENT_FILE [--template template.yaml] [--raw]

The ``events/`` files (``tools/events.py``) carry recognisable example values
(:data:`tools.events.EXAMPLES`): a user pool, an app client, a user's ``sub`` and access
token, a photo id. Against the emulator those would be refused (401: the token is no
token, the client is not the pool's) or find nothing (404). So before the call this
module provisions what the event refers to, in the emulator the stack just provisioned
from the template, and writes it into the event:

- a new confirmed user, signed in with ``USER_PASSWORD_AUTH``: the ``Authorization``
  header gets its access token and ``requestContext.authorizer.claims`` the token's
  claims as API Gateway's Cognito user pools authorizer renders them (strings; ``iat``
  and ``exp`` as ``Sat Nov 21 09:00:00 UTC 2026``). JSON body fields named ``email``,
  ``password``, ``previous_password`` and ``refresh_token`` get that user's;
- a photo that user uploaded (through ``UploadPhotoFunction``), wherever the example
  photo id appears: path, S3 object key (with its real version id and size), stream keys;
- a passkey that user registered (the software authenticator of tests/support/passkey.py),
  wherever the example credential id is the path's ``credential_id``; and for
  ``POST /auth/passkeys``, a fresh registration answer (RegistrationResponseJSON) to
  creation options the emulator just issued to that user;
- for the routes that take a code the user would read in an email or an authenticator
  app, that code: the sign-up code (``POST /auth/confirm``, for a second, unconfirmed
  user), the reset code (``POST /auth/reset-password``), the new address's code
  (``POST /auth/account/email/verify``), a TOTP code (``POST /auth/mfa/verify``, RFC 6238
  via pyotp). The dev inbox (:class:`local_stack.cognito.inbox.Inbox`) receives the emailed ones.

``--raw`` runs the event exactly as written (what ``python -m local_stack invoke`` does).
The result JSON goes to stdout, logs to stderr; the exit status is 1 when the function
raised. ``sam local invoke -e`` takes the same files unchanged: against a deployed stack,
put your own token, ids and claims in a copy.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import hmac
import json
import secrets
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import jwt
import pyotp

from local_stack import cognito
from local_stack.api_gateway.authorizer import api_gateway_claims
from local_stack.cognito.inbox import Inbox
from local_stack.stack import LocalStack, Ports, configure_logging
from local_stack.template import Template
from tools.events import EXAMPLES, generate

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "template.yaml"
#: Meets the template's password policy (8+ characters, lower, upper, digit).
PASSWORD = "Correct-Horse-9"
NEW_PASSWORD = "Another-Horse-10"
#: API Gateway's rendering of ``iat``/``exp`` in a REST Cognito authorizer's claims.
_UPLOAD_FUNCTION = "UploadPhotoFunction"


@dataclass
class User:
    """A user of the emulator's pool: credentials and the tokens of one sign-in."""

    email: str
    password: str
    access_token: str = ""
    refresh_token: str = ""
    claims: dict[str, Any] = field(default_factory=dict)


class EventFiller:
    """Swaps an event's example values for the emulator's own (see the module docstring).

    Args:
        stack: a started :class:`LocalStack` (its emulator, pool and runtime are used).
    """

    def __init__(self, stack: LocalStack) -> None:
        assert stack.provisioned is not None and stack.info is not None
        assert stack.runtime is not None and stack.template is not None
        self.stack = stack
        self.pool_id = str(stack.provisioned.user_pool_id)
        self.client_id = str(stack.provisioned.client_id)
        self.inbox = Inbox(stream=sys.stderr)
        cognito.install(self.inbox)  # the emailed codes, readable here
        self.idp = self._client("cognito-idp")
        self.client_secret = self.idp.describe_user_pool_client(
            UserPoolId=self.pool_id, ClientId=self.client_id
        )["UserPoolClient"]["ClientSecret"]

    def _client(self, service: str) -> Any:
        assert self.stack.info is not None
        return boto3.client(
            service,
            endpoint_url=self.stack.info.emulator_url,
            region_name=self.stack.template.region if self.stack.template else "us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    # ------------------------------------------------------------ users and codes

    def _secret_hash(self, username: str) -> str:
        """Cognito's ``SECRET_HASH``: Base64(HMAC-SHA256(client secret, username + client id))
        (Cognito developer guide, "Computing secret hash values")."""
        digest = hmac.new(
            self.client_secret.encode(), (username + self.client_id).encode(), hashlib.sha256
        ).digest()
        return base64.b64encode(digest).decode()

    def _sign_up(self, confirmed: bool = True) -> User:
        user = User(f"invoke-{secrets.token_hex(4)}@example.com", PASSWORD)
        self.idp.sign_up(
            ClientId=self.client_id,
            SecretHash=self._secret_hash(user.email),
            Username=user.email,
            Password=user.password,
            UserAttributes=[
                {"Name": "email", "Value": user.email},
                {"Name": "name", "Value": "Invoke"},
            ],
        )
        if confirmed:
            self.idp.admin_confirm_sign_up(UserPoolId=self.pool_id, Username=user.email)
            self._sign_in(user)
        return user

    def _password_auth(self, user: User) -> dict[str, Any]:
        """Cognito's ``InitiateAuth`` answer to ``user``'s password (tokens or a challenge)."""
        return self.idp.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={
                "USERNAME": user.email,
                "PASSWORD": user.password,
                "SECRET_HASH": self._secret_hash(user.email),
            },
        )

    def _sign_in(self, user: User) -> None:
        result = self._password_auth(user)["AuthenticationResult"]
        user.access_token = result["AccessToken"]
        user.refresh_token = result.get("RefreshToken", "")
        user.claims = jwt.decode(user.access_token, options={"verify_signature": False})

    def _code(self, email: str, kind: str) -> str:
        """The newest code of ``kind`` the dev inbox holds for ``email``."""
        codes = [m["code"] for m in self.inbox.messages(email) if m["kind"] == kind]
        if not codes:
            raise RuntimeError(f"no {kind} code in the dev inbox for {email}")
        return codes[-1]

    # ------------------------------------------------------------ photos

    def _upload_photo(self, user: User) -> dict[str, Any]:
        """A photo ``user`` uploaded (201 from UploadPhotoFunction), with its S3 object."""
        assert self.stack.runtime is not None
        event = self._authorized(generate()["upload_photo.json"], user)
        result = self.stack.runtime.invoke(_UPLOAD_FUNCTION, event)
        payload = result.payload if isinstance(result.payload, dict) else {}
        if payload.get("statusCode") != 201:
            raise RuntimeError(
                f"{_UPLOAD_FUNCTION} did not store a photo: {result.error or payload}"
            )
        photo = json.loads(payload["body"])
        bucket = self.stack.template.ref("PhotosBucket") if self.stack.template else ""
        key = f"{user.claims['sub']}/{photo['photo_id']}"
        head = self._client("s3").head_object(Bucket=bucket, Key=key)
        photo.update(version_id=head.get("VersionId") or "", size=head["ContentLength"])
        photo.update(etag=head["ETag"].strip('"'), key=key)
        return photo

    # ------------------------------------------------------------ passkeys

    def _registration(self, user: User) -> dict[str, Any]:
        """A software authenticator's RegistrationResponseJSON to creation options the
        emulator issued to ``user`` now (StartWebAuthnRegistration)."""
        # The tests' software authenticator (py_webauthn's CBOR, cryptography's P-256):
        # dev-only like this tool, imported when a passkey event needs it.
        from tests.support.passkey import SoftwarePasskey

        started = self.idp.start_web_authn_registration(AccessToken=user.access_token)
        return SoftwarePasskey().create(started["CredentialCreationOptions"])

    def _passkey(self, user: User) -> str:
        """The credential id of a passkey ``user`` registered."""
        credential = self._registration(user)
        self.idp.complete_web_authn_registration(
            AccessToken=user.access_token, Credential=credential
        )
        return str(credential["id"])

    def _register_passkey(self, user: User, body: dict[str, Any]) -> None:
        body["credential"] = self._registration(user)

    # ------------------------------------------------------------ the event

    def _authorized(self, event: dict[str, Any], user: User) -> dict[str, Any]:
        """``event`` with ``user``'s access token and the claims an authorizer passes."""
        event = copy.deepcopy(event)
        headers = event.get("headers") or {}
        if "Authorization" in headers:
            headers["Authorization"] = f"Bearer {user.access_token}"
            event["multiValueHeaders"]["Authorization"] = [headers["Authorization"]]
        authorizer = (event.get("requestContext") or {}).get("authorizer")
        if isinstance(authorizer, dict) and "claims" in authorizer:
            authorizer["claims"] = authorizer_claims(user.claims)
        return event

    def fill(self, function_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``event`` naming this emulator's users, tokens and photos."""
        user = self._sign_up()
        event = self._authorized(event, user)
        values = {
            EXAMPLES["user_pool_id"]: self.pool_id,
            EXAMPLES["client_id"]: self.client_id,
            EXAMPLES["sub"]: user.claims["sub"],
        }
        if EXAMPLES["photo_id"] in json.dumps(event):
            photo = self._upload_photo(user)
            values[EXAMPLES["photo_id"]] = photo["photo_id"]
            values[EXAMPLES["object_version_id"]] = photo["version_id"]
            detail_object = (event.get("detail") or {}).get("object")
            if isinstance(detail_object, dict):
                detail_object.update(size=photo["size"], etag=photo["etag"])
        if (event.get("pathParameters") or {}).get("credential_id") == EXAMPLES["credential_id"]:
            values[EXAMPLES["credential_id"]] = self._passkey(user)
        event = _replace(event, values)
        body = _json_body(event)
        if body is not None:
            fields = {
                "email": user.email,
                "password": user.password,
                "previous_password": user.password,
                "refresh_token": user.refresh_token,
            }
            body.update({name: fields[name] for name in body if name in fields})
            prepare = _PREPARERS.get((event.get("httpMethod"), event.get("resource")))
            if prepare is not None:
                prepare(self, user, body)
            event["body"] = json.dumps(body)
        return event

    # ------------------------------------------------------------ routes that take a code

    def _confirm(self, user: User, body: dict[str, Any]) -> None:
        unconfirmed = self._sign_up(confirmed=False)
        body.update(email=unconfirmed.email, code=self._code(unconfirmed.email, "sign_up"))

    def _reset(self, user: User, body: dict[str, Any]) -> None:
        self.idp.forgot_password(
            ClientId=self.client_id, SecretHash=self._secret_hash(user.email), Username=user.email
        )
        body.update(code=self._code(user.email, "forgot_password"), password=NEW_PASSWORD)

    def _verify_email(self, user: User, body: dict[str, Any]) -> None:
        new_email = f"invoke-{secrets.token_hex(4)}@example.com"
        self.idp.update_user_attributes(
            AccessToken=user.access_token, UserAttributes=[{"Name": "email", "Value": new_email}]
        )
        body["code"] = self._code(new_email, "verify_email")

    def _verify_totp(self, user: User, body: dict[str, Any]) -> None:
        secret = self.idp.associate_software_token(AccessToken=user.access_token)["SecretCode"]
        body["code"] = pyotp.TOTP(secret).now()

    def _answer_mfa(self, user: User, body: dict[str, Any]) -> None:
        """TOTP MFA on for ``user``, then a password sign-in's ``SOFTWARE_TOKEN_MFA``
        challenge, answered with the next time step's code (the current one was just
        used to verify the authenticator, and a code counts once)."""
        totp = pyotp.TOTP(
            self.idp.associate_software_token(AccessToken=user.access_token)["SecretCode"]
        )
        self.idp.verify_software_token(AccessToken=user.access_token, UserCode=totp.now())
        self.idp.set_user_mfa_preference(
            AccessToken=user.access_token,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
        started = self._password_auth(user)
        body.update(
            challenge=started["ChallengeName"],
            session=started["Session"],
            answer=totp.at(time.time() + totp.interval),
        )


_PREPARERS: dict[tuple[str, str], Callable[[EventFiller, User, dict[str, Any]], None]] = {
    ("POST", "/auth/confirm"): EventFiller._confirm,
    ("POST", "/auth/reset-password"): EventFiller._reset,
    ("POST", "/auth/account/email/verify"): EventFiller._verify_email,
    ("POST", "/auth/mfa/verify"): EventFiller._verify_totp,
    ("POST", "/auth/challenge"): EventFiller._answer_mfa,
    ("POST", "/auth/passkeys"): EventFiller._register_passkey,
}


def authorizer_claims(claims: dict[str, Any]) -> dict[str, str]:
    """A token's claims as API Gateway's REST Cognito authorizer passes them (the local
    stack's own rendering, :func:`local_stack.api_gateway.authorizer.api_gateway_claims`:
    every value a string, lists comma-joined, ``iat``/``exp`` in its date form), with the
    ``event_id`` it adds."""
    return {"event_id": str(uuid.uuid4()), **api_gateway_claims(claims)}


def _replace(value: Any, values: dict[str, str]) -> Any:
    """``value`` with every occurrence of each key of ``values`` in its strings replaced."""
    if isinstance(value, dict):
        return {k: _replace(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, values) for v in value]
    if isinstance(value, str):
        for old, new in values.items():
            value = value.replace(old, new)
    return value


def _json_body(event: dict[str, Any]) -> dict[str, Any] | None:
    """The event's body as a JSON object, or None (no body, base64, form or not an object)."""
    body = event.get("body")
    if not isinstance(body, str) or event.get("isBase64Encoded"):
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


@dataclass(frozen=True)
class Invocation:
    """One run: the filled event, the function's result payload (or error), its time."""

    event: dict[str, Any]
    payload: Any
    error: Any
    duration_ms: float
    cold_start: bool

    @property
    def status(self) -> int | None:
        """The proxy result's ``statusCode`` (None for a non-API function's result)."""
        if isinstance(self.payload, dict) and isinstance(self.payload.get("statusCode"), int):
            return int(self.payload["statusCode"])
        return None


def invoke(
    stack: LocalStack, function_id: str, event: dict[str, Any], raw: bool = False
) -> Invocation:
    """Fill ``event`` (unless ``raw``) and run ``function_id`` on it once.

    Raises:
        KeyError: the template has no such function.
        RuntimeError: the emulator could not provide what the event refers to.
    """
    assert stack.runtime is not None
    if function_id not in stack.runtime.functions:
        raise KeyError(function_id)
    if not raw:
        event = EventFiller(stack).fill(function_id, event)
    result = stack.runtime.invoke(function_id, event)
    return Invocation(event, result.payload, result.error, result.duration_ms, result.cold_start)


def start_stack(template: Path = TEMPLATE) -> LocalStack:
    """The emulator, hosted UI and function runtime of ``template``, without the API."""
    return LocalStack(
        template, ports=Ports(0, 0, 0), serve_api=False, log_stream=sys.stderr, console=sys.stderr
    ).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.invoke", description=__doc__.split("\n")[0]
    )
    parser.add_argument("function_id")
    parser.add_argument("event_file", type=Path)
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--raw", action="store_true", help="run the event as written")
    args = parser.parse_args(argv)
    known = Template.load(args.template).functions()
    if args.function_id not in known:
        names = ", ".join(sorted(known))
        print(f"tools.invoke: no function {args.function_id} (known: {names})", file=sys.stderr)
        return 2
    configure_logging(sys.stderr)
    event = json.loads(args.event_file.read_text(encoding="utf-8"))
    stack = start_stack(args.template)
    try:
        run = invoke(stack, args.function_id, event, raw=args.raw)
    finally:
        stack.stop()
    cold = " (cold start)" if run.cold_start else ""
    print(f"{args.function_id}: {run.duration_ms:.0f} ms{cold}", file=sys.stderr)
    print(json.dumps(run.error if run.error else run.payload, indent=2))
    return 1 if run.error else 0


if __name__ == "__main__":
    sys.exit(main())
