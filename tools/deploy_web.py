"""Publish web/ to a deployed Moments stack: upload to the web bucket, invalidate CloudFront.

Usage (``make deploy-web [ENV=dev]``)::

    python -m tools.deploy_web --stack-name moments-dev [--region us-east-1] [--dry-run]

Reads the stack outputs ``WebBucketName``, ``WebDistributionId`` and ``WebUrl`` (template.yaml),
then makes the bucket mirror ``web/``: every file is uploaded with its Content-Type and
``Cache-Control: no-cache`` (the app has no build step, so file names carry no hash; with
no-cache browsers revalidate by ETag and never mix two releases' modules), and objects that no
longer exist locally are deleted. Finally ``/*`` is invalidated (one invalidation path; the
first 1,000 paths a month are free, AWS CloudFront pricing).

The API contract goes with the app: ``openapi.json`` (``make openapi``) is uploaded as
``<WebUrl>openapi.json``, with the stack's own ``WebUrl`` and ``ApiUrl`` first in its
``servers`` (docs/deploy.md). CloudFront routes ``/auth/*`` and ``/photos*`` of that origin
to the API, so a client generated from it works against either URL.

It also checks that the app client's callback URLs include ``WebUrl``. They cannot default to
it inside the stack (see the note above ``WebBucket`` in template.yaml), so when missing, the
exact ``sam deploy --parameter-overrides`` to run is printed.

Errors: exits with status 1 and a one-line message when the stack does not exist, there are
no credentials (both through :func:`tools.env_json.describe_stack`) or the stack lacks those
outputs.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3

from tools.env_json import EnvJsonError, StackFacts, describe_stack

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
OPENAPI = Path(__file__).resolve().parent.parent / "openapi.json"
OPENAPI_KEY = "openapi.json"
CACHE_CONTROL = "no-cache"
# mimetypes' tables vary by platform; the app's own types are pinned here.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
}


def local_files(root: Path = WEB_DIR) -> dict[str, Path]:
    """Map S3 key (POSIX path relative to ``root``) to local file, skipping dotfiles."""
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts)
    }


def content_type(path: Path) -> str:
    """The Content-Type to store for ``path`` (binary default when unknown)."""
    return (
        CONTENT_TYPES.get(path.suffix)
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )


def published_openapi(outputs: Mapping[str, str], directory: Path, source: Path = OPENAPI) -> Path:
    """Write ``openapi.json`` as it is published, into ``directory``; returns its path.

    The stack's ``WebUrl`` (same origin as the app) and ``ApiUrl`` (the stage URL) come
    first in ``servers``; the generic entries of the committed document follow.

    Raises:
        FileNotFoundError: ``source`` is missing (run ``make openapi``).
    """
    document = json.loads(source.read_text(encoding="utf-8"))
    own = [
        {"url": outputs[key].rstrip("/"), "description": description}
        for key, description in (
            ("WebUrl", "This stack, through CloudFront."),
            ("ApiUrl", "This stack's API Gateway stage."),
        )
        if outputs.get(key)
    ]
    document["servers"] = [*own, *document.get("servers", [])]
    target = directory / OPENAPI_KEY
    target.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return target


def sync(s3: Any, bucket: str, files: dict[str, Path], *, dry_run: bool = False) -> tuple[int, int]:
    """Upload ``files`` and delete bucket objects not among them. Returns (uploaded, deleted)."""
    existing: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        existing.update(obj["Key"] for obj in page.get("Contents", []))
    for key, path in files.items():
        print(f"  upload  {key}")
        if not dry_run:
            s3.upload_file(
                str(path),
                bucket,
                key,
                ExtraArgs={"ContentType": content_type(path), "CacheControl": CACHE_CONTROL},
            )
    stale = sorted(existing - files.keys())
    for key in stale:
        print(f"  delete  {key}")
    if stale and not dry_run:
        for start in range(0, len(stale), 1000):  # DeleteObjects takes at most 1,000 keys
            chunk = stale[start : start + 1000]
            s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk]})
    return len(files), len(stale)


def invalidate(cloudfront: Any, distribution_id: str) -> str:
    """Invalidate every path of the distribution; returns the invalidation id."""
    answer = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]},
            "CallerReference": f"moments-deploy-web-{time.time_ns()}",
        },
    )
    return answer["Invalidation"]["Id"]


def callback_hint(stack: StackFacts) -> str | None:
    """The command that registers WebUrl with the app client, or None when already done.

    The command repeats every current stack parameter (``--parameter-overrides`` replaces
    samconfig's list, and a parameter left out would fall back to the template default).
    """
    web_url = stack.outputs["WebUrl"]
    if web_url in stack.parameters.get("CallbackUrls", "").split(","):
        return None
    params = dict(stack.parameters)
    params.update(CallbackUrls=web_url, LogoutUrls=web_url, AllowedOrigin=web_url.rstrip("/"))
    overrides = " ".join(f'{key}="{value}"' for key, value in sorted(params.items()))
    return (
        f"The app client does not accept {web_url} as a callback URL yet, so the hosted-UI "
        "sign-in will fail there. Register it once with:\n"
        f"  sam deploy --stack-name {stack.name} --parameter-overrides {overrides}"
    )


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region", default=None)
    parser.add_argument("--dry-run", action="store_true", help="print what would change")
    args = parser.parse_args(argv)

    session = boto3.Session(region_name=args.region)
    try:
        stack = describe_stack(args.stack_name, session.client("cloudformation"))
    except EnvJsonError as exc:
        print(f"deploy-web: {exc}", file=sys.stderr)
        return 1
    outputs = stack.outputs
    missing = [k for k in ("WebBucketName", "WebDistributionId", "WebUrl") if k not in outputs]
    if missing:
        print(
            f"error: stack {args.stack_name} has no output(s) {', '.join(missing)}; run `sam deploy` first."
        )
        return 1

    print(f"==> syncing {WEB_DIR} and {OPENAPI.name} to s3://{outputs['WebBucketName']}")
    with tempfile.TemporaryDirectory() as tmp:
        files = {**local_files(), OPENAPI_KEY: published_openapi(outputs, Path(tmp))}
        uploaded, deleted = sync(
            session.client("s3"), outputs["WebBucketName"], files, dry_run=args.dry_run
        )
    if args.dry_run:
        print(f"==> dry run: {uploaded} to upload, {deleted} to delete; nothing changed")
    else:
        invalidation = invalidate(session.client("cloudfront"), outputs["WebDistributionId"])
        print(f"==> {uploaded} uploaded, {deleted} deleted; CloudFront invalidation {invalidation}")
    print(f"==> web app: {outputs['WebUrl']}")
    print(f"==> API contract: {outputs['WebUrl']}{OPENAPI_KEY}")
    hint = callback_hint(stack)
    if hint:
        print(f"note: {hint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
