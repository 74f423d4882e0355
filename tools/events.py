"""Generate ``events/``: one sample event per function of ``template.yaml`` (``make events``).

``python -m tools.events`` rewrites the files; ``--check`` exits 1 when a committed file
differs from what this script generates, or an extra ``events/*.json`` is left over
(``tests/tools/test_events.py`` runs it).

Each function gets ``events/<name>.json``, where ``<name>`` is its logical id in
snake_case without the ``Function`` suffix (``SignUpFunction`` -> ``sign_up.json``,
:func:`event_name`). The event is the one its template ``Events`` entry delivers:

- ``Type: Api``: an API Gateway REST (v1) Lambda proxy event for the route's method and
  path ("Input format of a Lambda function for proxy integration", API Gateway developer
  guide). The body is the request example of the route's operation in ``openapi.json``
  (JSON, or form-encoded when that is the only media type; ``multipart/form-data`` gets
  one ``file`` part holding a 1x1 PNG). A route behind a Cognito authorizer carries an
  ``Authorization: Bearer`` header and the ``requestContext.authorizer.claims`` the REST
  Cognito user pools authorizer passes for an access token (string values, ``iat``/``exp``
  in its ``Sat Nov 21 09:00:00 UTC 2026`` rendering).
- ``Type: EventBridgeRule`` matching S3 ``Object Created``: the EventBridge event S3
  sends ("Amazon S3 Event Notifications: EventBridge message structure", S3 user guide),
  for the rule's bucket.
- ``Type: DynamoDB``: a one-record stream batch, ``REMOVE`` of one item of the stream's
  table, keys from its ``KeySchema`` ("DynamoDB Streams and AWS Lambda triggers").

The ids, tokens and names inside are the recognisable examples of :data:`EXAMPLES`, the
same in every file. ``make invoke`` (:mod:`tools.invoke`) swaps them for the emulator's own
(a signed-in user, their token, a photo they uploaded),
so the committed files answer 2xx there; with ``sam local invoke -e`` against a deployed
stack, replace them with yours.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from local_stack.template import Template

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "template.yaml"
OPENAPI = REPO_ROOT / "openapi.json"
EVENTS_DIR = REPO_ROOT / "events"
REGENERATE = "make events"

#: The example values every generated event uses, by role. ``make invoke`` replaces each
#: with the emulator's (:mod:`tools.invoke`).
EXAMPLES: dict[str, str] = {
    "user_pool_id": "us-east-1_EXAMPLE11",
    "client_id": "6example1client2id3abcdefg",
    "sub": "8f2e4d6a-1c3b-4e5f-9a7b-0c1d2e3f4a5b",
    "access_token": "eyJraWQiOiJleGFtcGxlIiwiYWxnIjoiUlMyNTYifQ.example-access-token.signature",
    "photo_id": "01KAJ6B3M0Z8Q4W5R7T9V2X3Y4",
    "object_version_id": "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
    "origin_jti": "4f5e6d7c-8b9a-4c1d-9e2f-3a4b5c6d7e8f",
    "credential_id": "hzS0Ht1N4sVcF4n5yYdVYA",
}
#: Values of a path parameter, by name.
PATH_PARAMETERS = {"photo_id": EXAMPLES["photo_id"], "credential_id": EXAMPLES["credential_id"]}
#: Example key attribute values of a stream record, by attribute name (the others: "example").
STREAM_KEYS = {"user_sub": EXAMPLES["sub"], "photo_id": EXAMPLES["photo_id"]}

API_ID = "a1b2c3d4e5"
STAGE = "dev"
REGION = "us-east-1"
ACCOUNT = "123456789012"
#: 2026-11-21T09:00:00Z, the time every event happens (epoch seconds).
EVENT_TIME = 1795251600
#: Access token lifetime the claims show (the template's AccessTokenValidityMinutes default).
TOKEN_LIFETIME_S = 15 * 60
#: A 1x1 transparent PNG, the file of the multipart upload event.
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4P9P4PwAHMQLLXCFjRAAAAABJRU5ErkJggg=="
)
MULTIPART_BOUNDARY = "----MomentsFormBoundary7MA4YWxkTrZu0gW"
_API_GATEWAY_TIME = "%a %b %d %H:%M:%S UTC %Y"


def event_name(logical_id: str) -> str:
    """``events/`` file stem of a function: ``ChangeEmailFunction`` -> ``change_email``."""
    stem = logical_id.removesuffix("Function")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", stem).lower()


def _stable_uuid(*parts: str) -> str:
    """A UUID derived from ``parts`` (stable across runs, different per event)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "moments:" + ":".join(parts)))


def _utc(epoch: int) -> str:
    import time

    return time.strftime(_API_GATEWAY_TIME, time.gmtime(epoch))


def _claims() -> dict[str, str]:
    """What the REST Cognito user pools authorizer passes for an access token."""
    sub = EXAMPLES["sub"]
    return {
        "sub": sub,
        "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{EXAMPLES['user_pool_id']}",
        "client_id": EXAMPLES["client_id"],
        "origin_jti": EXAMPLES["origin_jti"],
        "event_id": _stable_uuid("event_id"),
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": str(EVENT_TIME),
        "exp": _utc(EVENT_TIME + TOKEN_LIFETIME_S),
        "iat": _utc(EVENT_TIME),
        "jti": _stable_uuid("jti"),
        "username": sub,
    }


def _body(operation: Mapping[str, Any]) -> tuple[str | None, str | None, bool]:
    """(Content-Type, body, base64?) for the operation's request example."""
    content = (operation.get("requestBody") or {}).get("content") or {}
    if "application/json" in content:
        example = content["application/json"].get("example")
        return ("application/json", json.dumps(example) if example is not None else None, False)
    if "application/x-www-form-urlencoded" in content:
        example = content["application/x-www-form-urlencoded"].get("example") or {}
        return ("application/x-www-form-urlencoded", urlencode(example), False)
    if "multipart/form-data" in content:
        part = (
            f'--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            'filename="sunset.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode()
        data = part + PNG_1X1 + f"\r\n--{MULTIPART_BOUNDARY}--\r\n".encode()
        content_type = f"multipart/form-data; boundary={MULTIPART_BOUNDARY}"
        return content_type, base64.b64encode(data).decode(), True
    return None, None, False


def api_event(
    function_id: str, method: str, resource: str, protected: bool, openapi: Mapping[str, Any]
) -> dict[str, Any]:
    """The REST v1 proxy event of one route (see the module docstring)."""
    operation = ((openapi.get("paths") or {}).get(resource) or {}).get(method.lower()) or {}
    names = re.findall(r"{(\w+)}", resource)
    parameters = {name: PATH_PARAMETERS.get(name, "example") for name in names}
    path = re.sub(r"{(\w+)}", lambda m: parameters[m.group(1)], resource)
    host = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
    headers = {
        "Accept": "application/json",
        "Host": host,
        "User-Agent": "curl/8.5.0",
        "X-Amzn-Trace-Id": f"Root=1-6740f6d0-{_stable_uuid(function_id).replace('-', '')[:24]}",
        "X-Forwarded-For": "203.0.113.10",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    if protected:
        headers["Authorization"] = f"Bearer {EXAMPLES['access_token']}"
    content_type, body, is_base64 = _body(operation)
    if content_type:
        headers["Content-Type"] = content_type
    context: dict[str, Any] = {"resourceId": "abc123"}
    if protected:
        context["authorizer"] = {"claims": _claims()}
    context.update(
        {
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": "BxYzAbCdIAMEbCw=",
            "requestTime": "21/Nov/2026:09:00:00 +0000",
            "path": f"/{STAGE}{path}",
            "accountId": ACCOUNT,
            "protocol": "HTTP/1.1",
            "stage": STAGE,
            "domainPrefix": API_ID,
            "requestTimeEpoch": EVENT_TIME * 1000,
            "requestId": _stable_uuid(function_id, "request"),
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": "203.0.113.10",
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": "curl/8.5.0",
                "user": None,
            },
            "domainName": host,
            "apiId": API_ID,
        }
    )
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": parameters or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def s3_object_created_event(bucket: str) -> dict[str, Any]:
    """The EventBridge event S3 sends when an upload lands in ``bucket``."""
    return {
        "version": "0",
        "id": _stable_uuid("s3", bucket),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": ACCOUNT,
        "time": "2026-11-21T09:00:05Z",
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {
                "key": f"{EXAMPLES['sub']}/{EXAMPLES['photo_id']}",
                "size": len(PNG_1X1),
                "etag": "b1946ac92492d2347c6235b4d2611184",
                "version-id": EXAMPLES["object_version_id"],
                "sequencer": "00617F08299329D189",
            },
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": ACCOUNT,
            "source-ip-address": "203.0.113.10",
            "reason": "PostObject",
        },
    }


def stream_remove_event(table: str, key_names: list[str]) -> dict[str, Any]:
    """A DynamoDB Streams batch of one ``REMOVE`` record (``KEYS_ONLY`` view)."""
    keys = {name: {"S": STREAM_KEYS.get(name, "example")} for name in key_names}
    return {
        "Records": [
            {
                "eventID": _stable_uuid("stream", table).replace("-", ""),
                "eventName": "REMOVE",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": REGION,
                "dynamodb": {
                    "ApproximateCreationDateTime": EVENT_TIME + 5,
                    "Keys": keys,
                    "SequenceNumber": "4421584500000000017450439091",
                    "SizeBytes": 104,
                    "StreamViewType": "KEYS_ONLY",
                },
                "eventSourceARN": (
                    f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
                    "/stream/2026-11-21T09:00:00.000"
                ),
            }
        ]
    }


def _named_template(path: Path) -> Template:
    """``path`` with each table's and bucket's name as the local stack's emulator gives it
    (``{stack}-{LogicalId}``, buckets lower case; ``local_stack.aws.provisioning``)."""
    template = Template.load(path)
    for logical_id, resource in template.resources.items():
        if resource.get("Type") == "AWS::DynamoDB::Table":
            template.physical_ids[logical_id] = f"{template.stack_name}-{logical_id}"
        elif resource.get("Type") == "AWS::S3::Bucket":
            template.physical_ids[logical_id] = f"{template.stack_name}-{logical_id}".lower()
    return template


def _event_source(template: Template, logical_id: str, spec: Mapping[str, Any]) -> Any:
    """The sample event of one non-Api ``Events`` entry, or None for a kind not covered."""
    props = spec.get("Properties") or {}
    if spec.get("Type") == "EventBridgeRule":
        pattern = template.resolve(props.get("Pattern") or {})
        if pattern.get("source") == ["aws.s3"] and "Object Created" in pattern.get(
            "detail-type", []
        ):
            return s3_object_created_event(pattern["detail"]["bucket"]["name"][0])
    if spec.get("Type") == "DynamoDB":
        stream = props.get("Stream") or {}
        table_id = (stream.get("Fn::GetAtt") or [None])[0]
        table = template.resources.get(table_id) or {}
        key_schema = (table.get("Properties") or {}).get("KeySchema") or []
        return stream_remove_event(
            template.ref(table_id), [str(key["AttributeName"]) for key in key_schema]
        )
    return None


def generate(
    template_path: Path = TEMPLATE, openapi_path: Path = OPENAPI
) -> dict[str, dict[str, Any]]:
    """``{file name: event}`` for every function of the template.

    Raises:
        ValueError: a function has no event this script can generate (an event type it
            does not know), naming the function.
    """
    template = _named_template(template_path)
    openapi = json.loads(openapi_path.read_text(encoding="utf-8"))
    routes = {route.function_id: route for route in template.routes()}
    events: dict[str, dict[str, Any]] = {}
    for logical_id, resource in template.resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        event = None
        if logical_id in routes:
            route = routes[logical_id]
            event = api_event(
                logical_id, route.method, route.path, route.authorizer is not None, openapi
            )
        for spec in ((resource.get("Properties") or {}).get("Events") or {}).values():
            event = event or _event_source(template, logical_id, spec)
        if event is None:
            raise ValueError(f"{logical_id}: no event type tools/events.py can generate")
        events[f"{event_name(logical_id)}.json"] = event
    return events


def render(event: Mapping[str, Any]) -> str:
    return json.dumps(event, indent=2, ensure_ascii=False) + "\n"


def stale(events_dir: Path = EVENTS_DIR, **paths: Path) -> list[str]:
    """File names in ``events_dir`` that are missing, differ or should not be there."""
    wanted = {name: render(event) for name, event in generate(**paths).items()}
    present = {path.name for path in events_dir.glob("*.json")}
    problems = sorted(present - set(wanted))
    for name, text in wanted.items():
        path = events_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            problems.append(name)
    return sorted(problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.events", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if events/ is stale")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale()
        if problems:
            print(f"events/ is stale ({', '.join(problems)}): run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    EVENTS_DIR.mkdir(exist_ok=True)
    wanted = generate()
    for path in EVENTS_DIR.glob("*.json"):
        if path.name not in wanted:
            path.unlink()
    for name, event in wanted.items():
        (EVENTS_DIR / name).write_text(render(event), encoding="utf-8")
    print(f"wrote {len(wanted)} events to {EVENTS_DIR.relative_to(REPO_ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
