"""The gateway turns HTTP into API Gateway REST proxy events and proxy results back into HTTP.

A throwaway SAM template and CodeUri (in tmp) stand in for Moments, so these tests pin
the gateway's behaviour, not the app's. Functions run in real worker processes; requests
go through werkzeug's test client (no port is bound).
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import sys
import time
from pathlib import Path
from textwrap import dedent
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.test import Client

from local_stack.api_gateway.authorizer import CognitoUserPoolsAuthorizer, UserPoolKeys
from local_stack.api_gateway.dev_routes import LocalInfo
from local_stack.api_gateway.http_request import MAX_BODY_BYTES
from local_stack.api_gateway.proxy import Gateway
from local_stack.aws.moto_server import listen
from local_stack.lambda_runtime.environment import MAX_SYNC_PAYLOAD_BYTES, LocalOverrides
from local_stack.lambda_runtime.pool import Runtime
from local_stack.stack import _Server
from local_stack.template import Template

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

TEMPLATE = dedent(
    """\
    Transform: AWS::Serverless-2016-10-31
    Parameters:
      Origin: {Type: String, Default: "http://app.test"}
    Globals:
      Function: {Runtime: python3.11, CodeUri: code/, Timeout: 3, MemorySize: 128}
    Resources:
      Api:
        Type: AWS::Serverless::Api
        Properties:
          StageName: test
          BinaryMediaTypes: [image~1png, multipart~1form-data]
          Cors:
            AllowOrigin: !Sub "'${Origin}'"
            AllowHeaders: "'Authorization,Content-Type'"
            MaxAge: "'60'"
          Auth:
            DefaultAuthorizer: Pool
            AddDefaultAuthorizerToCorsPreflight: false
            Authorizers:
              Pool:
                UserPoolArn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_TestPool
                AuthorizationScopes: [aws.cognito.signin.user.admin]
          GatewayResponses:
            UNAUTHORIZED:
              StatusCode: 401
              ResponseParameters:
                Headers: {WWW-Authenticate: "'Bearer'", Access-Control-Allow-Origin: !Sub "'${Origin}'"}
              ResponseTemplates: {application/json: '{"error": "unauthorized"}'}
            MISSING_AUTHENTICATION_TOKEN:
              StatusCode: 404
              ResponseTemplates: {application/json: '{"error": "not_found"}'}
            REQUEST_TOO_LARGE:
              StatusCode: 413
              ResponseTemplates: {application/json: '{"error": "payload_too_large"}'}
            DEFAULT_5XX:
              ResponseTemplates:
                application/json: '{"error": "server_error", "request_id": "$context.requestId"}'
      Echo:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.echo
          Events:
            Thing: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/things/{thing_id}", Method: post, Auth: {Authorizer: NONE}}}
            Special: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /things/special, Method: post, Auth: {Authorizer: NONE}}}
            Private: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /private, Method: get}}
            Anything: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/any/{proxy+}", Method: any}}
      Special:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.special
          Events:
            Special: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/special/{kind}", Method: get, Auth: {Authorizer: NONE}}}
    """
)

HANDLERS = (
    dedent(
        """\
    import base64, json

    PNG = base64.b64decode(%r)

    def echo(event, context):
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
                "body": json.dumps(event)}

    def special(event, context):
        kind = event["pathParameters"]["kind"]
        if kind == "cookies":
            return {"statusCode": 201, "headers": {"X-One": "1", "Set-Cookie": "ignored=1"},
                    "multiValueHeaders": {"Set-Cookie": ["a=1; HttpOnly", "b=2; Secure"]},
                    "body": ""}
        if kind == "image":
            return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                    "body": base64.b64encode(PNG).decode(), "isBase64Encoded": True}
        if kind == "malformed":
            return {"status": 200, "body": "no statusCode"}
        if kind == "crash":
            raise RuntimeError("boom")
        return None
    """
    )
    % base64.b64encode(PNG).decode()
)


class _Keys:
    """The signing key for any token (stands in for PyJWKClient over the pool's JWKS)."""

    def get_signing_key_from_jwt(self, token: str) -> Any:
        return SimpleNamespace(key=KEY.public_key())


class FakeInbox:
    def messages(self, email: str) -> list[dict[str, str]]:
        return [
            {"to": email, "kind": "sign_up", "code": "123456", "sent_at": "2026-01-01T00:00:00Z"}
        ]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root: Path = tmp_path_factory.mktemp("app")
    (root / "template.yaml").write_text(TEMPLATE)
    (root / "code").mkdir()
    (root / "code" / "app.py").write_text(HANDLERS)
    web = root / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>app</title>")
    (web / "app.js").write_text("console.log('hi');")
    template = Template.load(root / "template.yaml")
    runtime = Runtime(template.functions(), LocalOverrides(emulator_url="http://127.0.0.1:9"))
    calls: list[str] = []

    def invoke(function_id: str, event: Any):
        calls.append(function_id)
        return runtime.invoke(function_id, event)

    apis = template.apis()
    gateway = Gateway(
        apis=apis,
        routes=template.routes(),
        invoke=invoke,
        authorizers={
            ("Api", "Pool"): CognitoUserPoolsAuthorizer(
                [UserPoolKeys(ISSUER, _Keys())], scopes=["aws.cognito.signin.user.admin"]
            )
        },
        web_root=web,
        inbox=FakeInbox(),
        info=LocalInfo(
            "http://api",
            "http://ui",
            "http://emu",
            "http://localhost/",  # the web app's origin: the test client's default host
            "http://api/_local/inbox/{email}",
            "us-east-1_TestPool",
            "client",
        ),
    )
    yield SimpleNamespace(client=Client(gateway), calls=calls, gateway=gateway)
    runtime.stop()


@pytest.fixture(scope="module")
def served(stack):
    """The same gateway behind a real HTTP server, as ``make dev`` serves it."""
    sock = listen("127.0.0.1", 0, "API")
    server = _Server(sock, stack.gateway)
    server.start()
    yield SimpleNamespace(port=sock.getsockname()[1], calls=stack.calls)
    server.stop()


def raw_request(
    port: int, method: str, target: str, headers: list[tuple[str, str]]
) -> tuple[int, bytes]:
    """Send exactly these header lines (case, order, repeats), as a client on the wire."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def access_token(**overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": "user-1",
        "iss": ISSUER,
        "token_use": "access",
        "client_id": "client",
        "scope": "aws.cognito.signin.user.admin",
        "iat": now,
        "exp": now + 600,
        "auth_time": now,
        **overrides,
    }
    return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k"})


def test_a_request_becomes_a_rest_proxy_event(stack):
    # When a client POSTs JSON to a path with a variable and a repeated query parameter
    response = stack.client.post(
        "/things/42?tag=a&tag=b&q=x", json={"name": "n"}, headers={"X-Custom": "yes"}
    )

    # Then the handler receives API Gateway's REST v1 proxy event
    assert response.status_code == 200
    event = response.get_json()
    assert event["resource"] == "/things/{thing_id}"
    assert event["path"] == "/things/42"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"thing_id": "42"}
    assert event["queryStringParameters"] == {"tag": "b", "q": "x"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "q": ["x"]}
    assert event["headers"]["X-Custom"] == "yes"
    assert event["multiValueHeaders"]["X-Custom"] == ["yes"]
    assert json.loads(event["body"]) == {"name": "n"} and event["isBase64Encoded"] is False
    assert event["stageVariables"] is None
    context = event["requestContext"]
    assert context["stage"] == "test" and context["path"] == "/test/things/42"
    assert context["resourcePath"] == "/things/{thing_id}"
    assert context["httpMethod"] == "POST" and context["requestId"]
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert "authorizer" not in context  # an open route has no claims


def test_a_static_segment_wins_over_a_path_variable(stack):
    event = stack.client.post("/things/special").get_json()

    assert event["resource"] == "/things/special" and event["pathParameters"] is None
    assert event["body"] is None


def test_a_binary_media_type_body_arrives_base64_encoded(stack):
    # Given a multipart upload (multipart/form-data is a BinaryMediaType)
    body = b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\n" + PNG + b"\r\n--x--\r\n"

    event = stack.client.post(
        "/things/1", data=body, content_type="multipart/form-data; boundary=x"
    ).get_json()

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


def test_no_token_is_401_from_the_template_and_the_handler_never_runs(stack):
    before = len(stack.calls)

    for headers in (
        {},
        {"Authorization": "Bearer junk"},
        {"Authorization": access_token(exp=int(time.time()) - 1)},
        {"Authorization": access_token(token_use="id")},
    ):
        response = stack.client.get("/private", headers=headers)
        assert response.status_code == 401
        assert response.get_json() == {"error": "unauthorized"}
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.headers["Access-Control-Allow-Origin"] == "http://app.test"

    assert len(stack.calls) == before


def test_a_valid_access_token_reaches_the_handler_with_string_claims(stack):
    response = stack.client.get("/private", headers={"Authorization": f"Bearer {access_token()}"})

    assert response.status_code == 200
    claims = response.get_json()["requestContext"]["authorizer"]["claims"]
    assert claims["sub"] == "user-1"
    assert claims["token_use"] == "access"
    assert all(isinstance(value, str) for value in claims.values())


def test_the_proxy_result_maps_status_headers_and_several_cookies(stack):
    response = stack.client.get("/special/cookies")

    assert response.status_code == 201
    assert response.headers["X-One"] == "1"
    assert response.headers.getlist("Set-Cookie") == ["a=1; HttpOnly", "b=2; Secure"]


@pytest.mark.parametrize("kind", ["malformed", "crash", "none"])
def test_a_malformed_result_or_a_crash_is_502_from_default_5xx(stack, kind):
    response = stack.client.get(f"/special/{kind}")

    assert response.status_code == 502
    body = response.get_json()
    assert body["error"] == "server_error"
    assert body["request_id"] == response.headers["x-amzn-RequestId"]


def test_a_base64_result_is_binary_only_when_the_client_accepts_a_binary_type(stack):
    binary = stack.client.get("/special/image", headers={"Accept": "image/png"})
    text = stack.client.get("/special/image", headers={"Accept": "application/json"})

    assert binary.data == PNG and binary.headers["Content-Type"] == "image/png"
    assert base64.b64decode(text.data) == PNG


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/nowhere"), ("DELETE", "/things/1"), ("POST", "/private/extra")]
)
def test_an_unknown_route_or_method_gets_the_missing_token_response(stack, method, path):
    response = stack.client.open(path, method=method)

    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found"}


def test_preflight_is_answered_from_cors_without_authorizer_or_handler(stack):
    before = len(stack.calls)

    response = stack.client.options(
        "/private", headers={"Origin": "http://app.test", "Access-Control-Request-Method": "GET"}
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://app.test"
    assert response.headers["Access-Control-Allow-Headers"] == "Authorization,Content-Type"
    assert response.headers["Access-Control-Max-Age"] == "60"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert len(stack.calls) == before


def test_a_body_over_10_mb_is_refused_before_the_handler(stack):
    before = len(stack.calls)

    response = stack.client.post(
        "/things/1", data=b"x" * (MAX_BODY_BYTES + 1), content_type="application/octet-stream"
    )

    assert response.status_code == 413
    assert response.get_json() == {"error": "payload_too_large"}
    assert len(stack.calls) == before


def test_the_web_app_is_served_for_paths_that_are_not_routes(stack):
    index = stack.client.get("/")
    script = stack.client.get("/app.js")
    missing = stack.client.get("/missing.css")
    escape = stack.client.get("/../template.yaml")

    assert index.status_code == 200 and b"<title>app</title>" in index.data
    assert index.headers["X-Content-Type-Options"] == "nosniff"
    assert index.headers["Referrer-Policy"] == "no-referrer"
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    assert missing.status_code == 404
    assert escape.status_code == 404


def test_a_page_asked_on_another_host_is_redirected_to_the_web_apps_origin(stack):
    """http://127.0.0.1:3000/ leads to http://localhost:3000/, the passkey relying party's
    host and the photo bucket's CORS origin, with the OAuth callback's query intact."""
    page = stack.client.get("/?code=abc&state=xyz", headers={"Host": "127.0.0.1"})
    script = stack.client.get("/app.js", headers={"Host": "127.0.0.1"})

    assert page.status_code == 307
    assert page.headers["Location"] == "http://localhost/?code=abc&state=xyz"
    assert script.status_code == 200  # assets load from wherever the page is


def test_local_inbox_and_health(stack):
    inbox = stack.client.get("/_local/inbox/a@example.com").get_json()
    health = stack.client.get("/_local/health").get_json()

    assert inbox["messages"][0]["code"] == "123456"
    assert health["user_pool_id"] == "us-east-1_TestPool"
    assert set(health) == {
        "api_url",
        "hosted_ui_url",
        "emulator_url",
        "web_url",
        "inbox_url",
        "user_pool_id",
        "client_id",
    }


# ---------------------------------------------------------------- issue 10: AWS's event shapes


def test_header_names_keep_the_clients_case_and_repeats_are_lists(served):
    # Given a client that sends lower-case and mixed-case names and one header twice
    status, body = raw_request(
        served.port,
        "POST",
        "/things/7",
        [
            ("x-lower", "a"),
            ("X-MiXeD", "b"),
            ("X-Repeat", "1"),
            ("X-Repeat", "2"),
            ("Content-Length", "0"),
        ],
    )

    # Then the event carries the names as sent, like API Gateway's REST proxy event
    assert status == 200
    event = json.loads(body)
    assert event["headers"]["x-lower"] == "a" and "X-Lower" not in event["headers"]
    assert event["headers"]["X-MiXeD"] == "b"
    assert event["multiValueHeaders"]["X-Repeat"] == ["1", "2"]
    assert event["headers"]["X-Repeat"] == "2"


def test_an_encoded_slash_stays_inside_one_path_parameter(stack):
    # When a photo id holds an encoded "/" (%2F)
    response = stack.client.post("/things/a%2Fb%20c")

    # Then it matches /things/{thing_id}; the parameter is decoded, the path is not
    assert response.status_code == 200
    event = response.get_json()
    assert event["resource"] == "/things/{thing_id}"
    assert event["pathParameters"] == {"thing_id": "a/b c"}
    assert event["path"] == "/things/a%2Fb%20c"


def test_preflight_on_an_any_route_skips_its_authorizer_and_function(stack):
    before = len(stack.calls)

    # When a browser preflights a path whose only route is ANY behind the authorizer
    response = stack.client.options(
        "/any/thing",
        headers={"Origin": "http://app.test", "Access-Control-Request-Method": "DELETE"},
    )

    # Then the CORS mock integration answers; no 401, no function call
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://app.test"
    assert response.headers["Access-Control-Allow-Methods"] == (
        "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"
    )  # SAM's list for ANY, not "ANY"
    assert len(stack.calls) == before
    # And every other method of the ANY route still needs a token
    assert stack.client.delete("/any/thing").status_code == 401


def test_a_body_whose_event_exceeds_lambdas_6_mb_is_413_before_the_handler(stack):
    # Given a 5 MiB upload: under API Gateway's 10 MB, but base64 in the event makes it
    # larger than Lambda's 6 MB synchronous payload
    body = b"\x89PNG" + b"\0" * (5 * 1024 * 1024)
    assert len(body) < MAX_BODY_BYTES and len(base64.b64encode(body)) > MAX_SYNC_PAYLOAD_BYTES
    handled = len(stack.calls)

    response = stack.client.post(
        "/things/1", data=body, content_type="multipart/form-data; boundary=x"
    )

    # Then API Gateway's own 413 comes back (not the template's REQUEST_TOO_LARGE, which
    # AWS does not apply to Lambda's limit) and no environment ran the function
    assert response.status_code == 413
    assert response.get_json() == {"message": "Request Too Long"}
    assert response.headers["x-amzn-ErrorType"] == "BadRequestException"
    assert len(stack.calls) == handled + 1  # the invoke was attempted and refused
    assert stack.client.post("/things/1", json={}).status_code == 200  # and nothing broke


def test_control_characters_in_a_path_cannot_forge_console_lines(stack, caplog):
    caplog.set_level(logging.INFO, logger="local_stack")

    stack.client.get("/nowhere%0a12:00:00 GET /admin 200 forged%1b[2J")

    lines = [r.getMessage() for r in caplog.records if "/nowhere" in r.getMessage()]
    assert len(lines) == 1
    assert "\n" not in lines[0] and "\x1b" not in lines[0]


def test_the_console_escapes_control_characters_in_any_line(capsys, monkeypatch):
    # Given the stack's console logging (undone after the test)
    from local_stack.stack import configure_logging

    stack_log = logging.getLogger("local_stack")
    monkeypatch.setattr(stack_log, "handlers", list(stack_log.handlers))
    monkeypatch.setattr(stack_log, "propagate", stack_log.propagate)
    monkeypatch.setattr(stack_log, "level", stack_log.level)
    configure_logging(sys.stdout)
    # When a line quotes request data with a newline and an escape sequence
    stack_log.info("code for %s", "a@b.c\n12:00:00 forged\x1b[2J")

    # Then it stays one line, escaped
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "\x1b" not in out and "\\x0a12:00:00 forged" in out
