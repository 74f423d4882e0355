"""The photo pipeline under faults, against a real local stack (issue 8's fault test).

Run by ``tests/e2e/test_photo_faults.py`` as ``python -m tests.e2e.photo_faults``, in a
process of its own: it starts :class:`local_stack.stack.LocalStack` in-process (moto's
backends are process-global, so not inside pytest's process), puts a fault-injecting
HTTP proxy between chosen functions and the emulator, and then:

1. kills UploadPhotoFunction between its two writes (on its S3 PutObject) three times;
2. makes S3 fail (500 InternalError) under UploadPhotoFunction's PutObject and
   ProcessPhotoFunction's rendition PutObject, and DynamoDB fail under
   UploadPhotoFunction's PutItem, ProcessPhotoFunction's UpdateItem and
   DeletePhotoFunction's DeleteItem (each often enough to beat the SDK's 3 attempts);
3. kills ProcessPhotoFunction between its rendition writes and its UpdateItem;
4. makes one photo's processing fail on every attempt (to the dead-letter queue);
5. kills PurgePhotoFunction mid-purge (on its DeleteObjects) twice;
6. lets events settle, sweeps TTL 25 h ahead (abandoned uploads expire), settles again,
   and counts orphans: objects whose photo has no row, and ``ready`` rows missing an
   object (original, thumbnail or display).

Prints one JSON line: ``{"orphan_objects", "ready_rows_missing_objects", ...}``.
"""

from __future__ import annotations

import http.client
import io
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import requests
from PIL import Image

from local_stack.stack import LocalStack, Ports, configure_logging
from tests.e2e.test_journey import bearer, signed_up_user

ROOT = Path(__file__).resolve().parents[2]

#: Failed answers that make one SDK call fail: photos.store's botocore config allows 3
#: retries after the first attempt (botocore Config ``retries.max_attempts``).
FAILS_PER_CALL = 4


# ------------------------------------------------------------------ fault proxy
@dataclass
class Rule:
    """``times`` requests matching ``operation`` get ``action`` ("kill" or "fail")."""

    operation: str
    action: str
    times: int
    hits: int = 0


@dataclass
class FaultProxy:
    """An HTTP proxy to the emulator for one function's AWS calls; ``kill`` SIGKILLs the
    function's environments (``Runtime.kill``)."""

    function_id: str
    emulator: str
    kill: Callable[[str], int]
    rules: list[Rule] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: list[str] = field(default_factory=list)

    def start(self) -> str:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                operation = classify(self.command, self.path, self.headers)
                action = proxy.decide(operation)
                if action == "kill":
                    proxy.kill(proxy.function_id)
                    self.close_connection = True
                    return
                if action == "fail" and operation.startswith("dynamodb:"):
                    # DynamoDB's JSON protocol error (API reference, "Error handling")
                    self._answer(
                        500,
                        b'{"__type": "com.amazonaws.dynamodb.v20120810#'
                        b'InternalServerError", "message": "injected"}',
                        "application/x-amz-json-1.0",
                    )
                    return
                if action == "fail":
                    self._answer(
                        500,
                        b"<Error><Code>InternalError</Code><Message>injected</Message></Error>",
                        "application/xml",
                    )
                    return
                target = urlsplit(proxy.emulator)
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                conn.request(self.command, self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}"

    def decide(self, operation: str) -> str | None:
        with self.lock:
            self.seen.append(operation)
            for rule in self.rules:
                if rule.operation == operation and rule.hits < rule.times:
                    rule.hits += 1
                    return rule.action
        return None

    def arm(self, operation: str, action: str, times: int) -> Rule:
        rule = Rule(operation, action, times)
        with self.lock:
            self.rules.append(rule)
        return rule


def classify(method: str, path: str, headers: Any) -> str:
    """The AWS operation of a request: ``dynamodb:PutItem``, ``s3:PutObject:original``..."""
    target = headers.get("X-Amz-Target", "")
    if target.startswith("DynamoDB_"):
        return "dynamodb:" + target.split(".", 1)[1]
    bare, _, query = path.partition("?")
    if method == "POST" and "delete" in query.split("&"):
        return "s3:DeleteObjects"
    if method == "PUT":
        key = bare.split("/", 2)[2] if bare.count("/") >= 2 else ""
        return "s3:PutObject:" + ("rendition" if key.startswith("renditions/") else "original")
    return f"s3:{method}"


# ------------------------------------------------------------------ the scenario
def jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (seed * 37 % 256, 90, 160)).save(out, "JPEG")
    return out.getvalue()


def main() -> int:
    with tempfile.NamedTemporaryFile(
        "w", prefix="photo-faults-", suffix=".log", delete=False
    ) as log_file:
        configure_logging(log_file)  # the stack's console, kept for the report
        stack = LocalStack(
            ROOT / "template.yaml", ports=Ports(0, 0, 0), log_stream=log_file, console=log_file
        )
        stack.start()
        try:
            return run(stack, log_file.name)
        finally:
            stack.stop()


def run(stack: LocalStack, log_path: str) -> int:
    assert stack.runtime is not None and stack.events is not None and stack.info is not None
    emulator = stack.info.emulator_url
    proxies = {
        fid: FaultProxy(fid, emulator, stack.runtime.kill)
        for fid in (
            "UploadPhotoFunction",
            "ProcessPhotoFunction",
            "PurgePhotoFunction",
            "DeletePhotoFunction",
        )
    }
    urls = {fid: proxy.start() for fid, proxy in proxies.items()}
    environment = stack.runtime.environment

    def with_proxy(function_id: str) -> dict[str, str]:
        env = environment(function_id)
        if function_id in urls:
            env["AWS_ENDPOINT_URL"] = urls[function_id]
        return env

    stack.runtime.environment = with_proxy  # type: ignore[method-assign]
    api, events = stack.info.api_url, stack.events
    _, tokens = signed_up_user(api)
    upload_p, process_p, purge_p, delete_p = (
        proxies[f]
        for f in (
            "UploadPhotoFunction",
            "ProcessPhotoFunction",
            "PurgePhotoFunction",
            "DeletePhotoFunction",
        )
    )
    statuses: dict[str, list[int]] = {}
    seed = iter(range(1000))

    def upload(label: str) -> str | None:
        response = requests.post(
            f"{api}/photos",
            headers=bearer(tokens),
            timeout=60,
            files={"file": (f"{label}.jpg", jpeg(next(seed)), "image/jpeg")},
        )
        statuses.setdefault(label, []).append(response.status_code)
        events.settle(60)
        return response.json().get("photo_id") if response.status_code == 201 else None

    # 1. Killed between the row and the object, three times (client: 502)
    upload_p.arm("s3:PutObject:original", "kill", 3)
    for _ in range(3):
        upload("killed-upload")
    # 2. S3 and DynamoDB fail under the upload (SDK: 3 attempts each)
    upload_p.arm("s3:PutObject:original", "fail", FAILS_PER_CALL)
    upload("s3-fails-on-upload")
    upload_p.arm("dynamodb:PutItem", "fail", FAILS_PER_CALL)
    upload("dynamodb-fails-on-upload")
    # 3. Processing: S3 fails on a rendition once (one invocation), DynamoDB on the
    #    UpdateItem once, and the worker is killed before its UpdateItem once
    process_p.arm("s3:PutObject:rendition", "fail", FAILS_PER_CALL)
    survivors = [upload("s3-fails-in-processing")]
    process_p.arm("dynamodb:UpdateItem", "fail", FAILS_PER_CALL)
    survivors.append(upload("dynamodb-fails-in-processing"))
    process_p.arm("dynamodb:UpdateItem", "kill", 1)
    survivors.append(upload("killed-in-processing"))
    # 4. Processing fails on every attempt: the event goes to the dead-letter queue
    process_p.arm("dynamodb:GetItem", "fail", 3 * FAILS_PER_CALL)  # 1 try + 2 retries
    upload("processing-dead-lettered")
    # Good photos to delete, with purge killed mid-purge and DeleteItem failing once
    doomed = [upload(f"to-delete-{i}") for i in range(3)]
    purge_p.arm("s3:DeleteObjects", "kill", 2)
    delete_p.arm("dynamodb:DeleteItem", "fail", FAILS_PER_CALL)
    delete_statuses = []
    for photo_id in doomed:
        for _ in range(2):  # a 502 is retried by the client once
            response = requests.delete(
                f"{api}/photos/{photo_id}", headers=bearer(tokens), timeout=60
            )
            delete_statuses.append(response.status_code)
            if response.status_code == 204:
                break
    events.settle(60)

    # Settle, expire abandoned uploads 25 h later, settle again
    settled_before = events.settle(60)
    expired = events.sweep_ttl(time.time() + 25 * 3600)
    settled_after = events.settle(60)

    counts = count_orphans(stack)
    pages = requests.get(f"{api}/photos", headers=bearer(tokens), timeout=60).json()["items"]
    report = {
        **counts,
        "settled": settled_before and settled_after,
        "upload_statuses": statuses,
        "delete_statuses": delete_statuses,
        "rules": {
            fid: [(r.operation, r.action, r.hits, r.times) for r in p.rules]
            for fid, p in proxies.items()
        },
        "ttl_expired_rows": expired,
        "dead_letters": sum(len(v) for v in events.dead_letters.snapshot().values()),
        "events": events.status()["counters"],
        "listed": sorted((p["filename"], p["status"]) for p in pages),
        "survivors_ready": all(
            any(p["photo_id"] == s and p["status"] == "ready" for p in pages) for s in survivors
        ),
        "log": log_path,
    }
    print(json.dumps(report))
    return 0


def count_orphans(stack: LocalStack) -> dict[str, int]:
    """Objects whose photo has no row; ready rows missing an original or a rendition."""
    assert stack.info is not None and stack.template is not None
    session = boto3.session.Session(
        region_name=stack.template.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3 = session.client("s3", endpoint_url=stack.info.emulator_url)
    dynamodb = session.client("dynamodb", endpoint_url=stack.info.emulator_url)
    bucket = stack.template.physical_ids["PhotosBucket"]
    table = stack.template.physical_ids["PhotosTable"]
    rows = {
        (item["user_sub"]["S"], item["photo_id"]["S"]): item["status"]["S"]
        for page in dynamodb.get_paginator("scan").paginate(TableName=table)
        for item in page["Items"]
    }
    keys = {
        obj["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for obj in page.get("Contents", [])
    }

    def owner(key: str) -> tuple[str, str]:
        parts = key.removeprefix("renditions/").split("/")
        return (parts[0], parts[1]) if len(parts) >= 2 else ("", "")

    orphans = [key for key in keys if owner(key) not in rows]
    missing = [
        (sub, photo_id)
        for (sub, photo_id), status in rows.items()
        if status == "ready"
        and not {
            f"{sub}/{photo_id}",
            f"renditions/{sub}/{photo_id}/thumbnail.jpg",
            f"renditions/{sub}/{photo_id}/display.jpg",
        }
        <= keys
    ]
    return {
        "orphan_objects": len(orphans),
        "ready_rows_missing_objects": len(missing),
        "objects": len(keys),
        "rows": len(rows),
        "rows_by_status": {s: list(rows.values()).count(s) for s in set(rows.values())},
    }


if __name__ == "__main__":
    sys.exit(main())
