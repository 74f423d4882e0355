"""S3's checks of presigned requests, in front of moto (which does none of them).

moto 5.2.5 serves a presigned GET or PUT whatever its signature says and stores a POST
upload whatever its policy says: locally a presigned GET with another user's key swapped
in returned their bytes, and a presigned POST with a rewritten key overwrote their photo.
:class:`PresignedRequestGuard` is WSGI middleware on the emulator port that refuses such
requests the way S3 does, before moto sees them:

- **Query-string SigV4** (``X-Amz-Signature`` in the URL; GET, PUT, HEAD, DELETE):
  the canonical request is rebuilt from the request as received and the signature
  recomputed with the access key's secret
  (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html);
  ``X-Amz-Expires`` (at most 604800 s) is enforced from ``X-Amz-Date``.
- **POST uploads** (``multipart/form-data`` with a ``policy`` field;
  https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html and
  https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html):
  the policy's signature (SigV4 ``x-amz-signature``, or SigV2 ``signature``), its
  ``expiration``, and every condition (exact match, ``eq``, ``starts-with``,
  ``content-length-range`` against the file's size); every form field but the exempt
  ones must be covered by a condition. A POST upload without a policy is refused: the
  bucket is private.

Refusals are S3's: an XML ``<Error>`` with S3's code and message
(https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html):
``SignatureDoesNotMatch`` / ``InvalidAccessKeyId`` / ``AccessDenied`` (403),
``AuthorizationQueryParametersError`` (400), ``EntityTooLarge`` / ``EntityTooSmall`` (400).

A refusal carries the bucket's CORS headers for the request's ``Origin``, as S3's do, so
a browser can read it. Requests signed in the ``Authorization`` header (the SDK's own calls) pass unchecked, as
moto does; only presigned access is what a browser or a tampering client can hold.

Written here because no maintained library verifies SigV4 server-side (botocore only
signs); the canonical-request rules are short and documented.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.formparser import parse_form_data

from local_stack.aws.sigv4 import canonical_query_request, query_pairs, raw_path, signing_key

MAX_EXPIRES_S = 604800
"""Longest ``X-Amz-Expires``: 7 days (sigv4-query-string-auth.html)."""

_POST_EXEMPT = {"x-amz-signature", "signature", "file", "policy", "awsaccesskeyid"}
"""Form fields a POST policy need not cover (x-ignore-* too; sigv4-HTTPPOSTConstructPolicy)."""

_MESSAGES = {
    "SignatureDoesNotMatch": "The request signature we calculated does not match the "
    "signature you provided. Check your key and signing method.",
    "InvalidAccessKeyId": "The AWS Access Key Id you provided does not exist in our records.",
    "EntityTooLarge": "Your proposed upload exceeds the maximum allowed size",
    "EntityTooSmall": "Your proposed upload is smaller than the minimum allowed size",
}


class S3Refusal(Exception):
    """A presigned request S3 would refuse: ``status``, S3 error ``code``, message, extras."""

    def __init__(self, status: int, code: str, message: str | None = None, **extra: str) -> None:
        super().__init__(message or _MESSAGES.get(code, code))
        self.status = status
        self.code = code
        self.extra = extra

    def xml(self, request_id: str) -> bytes:
        """S3's error document."""
        parts = [f"<Code>{self.code}</Code><Message>{escape(str(self))}</Message>"]
        parts += [f"<{name}>{escape(value)}</{name}>" for name, value in self.extra.items()]
        parts.append(f"<RequestId>{request_id}</RequestId>")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>"
        ).encode()


class PresignedRequestGuard:
    """WSGI middleware: S3's presigned-URL and POST-policy checks in front of ``app``.

    Args:
        app: the emulator (moto's WSGI app).
        secrets: access key id -> secret access key the emulator accepts.
        clock: seconds since the epoch (tests pass a fixed one).
    """

    def __init__(
        self,
        app: Callable[..., Any],
        secrets: Mapping[str, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.secrets = dict(secrets)
        self.clock = clock

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        try:
            query = environ.get("QUERY_STRING", "")
            if "X-Amz-Signature=" in query or "X-Amz-Credential=" in query:
                self.check_query(environ)
            elif environ.get("REQUEST_METHOD") == "POST" and environ.get(
                "CONTENT_TYPE", ""
            ).startswith("multipart/form-data"):
                self.check_post(environ)
        except S3Refusal as refusal:
            body = refusal.xml(uuid.uuid4().hex[:16].upper())
            headers = [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
            origin = environ.get("HTTP_ORIGIN")
            if origin:
                headers += bucket_cors_headers(_bucket_of(environ), origin)
            start_response(f"{refusal.status} {_REASONS[refusal.status]}", headers)
            return [body]
        return self.app(environ, start_response)

    # ------------------------------------------------------------------ presigned URLs

    def check_query(self, environ: Mapping[str, Any]) -> None:
        """Verify a query-string SigV4 request (presigned URL).

        Raises:
            S3Refusal: malformed, unknown key, expired or wrong signature.
        """
        pairs = query_pairs(environ.get("QUERY_STRING", ""))
        params = dict(pairs)
        required = (
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-SignedHeaders",
            "X-Amz-Signature",
        )
        missing = [name for name in required if name not in params]
        if missing or params["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
            raise S3Refusal(
                400,
                "AuthorizationQueryParametersError",
                "Query-string authentication version 4 requires the "
                "X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, "
                "X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
            )
        access_key, scope, secret = self._credential(params["X-Amz-Credential"])
        signed_at = self._timestamp(params["X-Amz-Date"])
        try:
            expires = int(params["X-Amz-Expires"])
        except ValueError:
            expires = -1
        if not 0 < expires <= MAX_EXPIRES_S:
            raise S3Refusal(
                400,
                "AuthorizationQueryParametersError",
                "X-Amz-Expires must be less than a week (in seconds) that is 604800"
                if expires > 0
                else "X-Amz-Expires must be non-negative",
            )
        if self.clock() > signed_at + expires:
            raise S3Refusal(
                403,
                "AccessDenied",
                "Request has expired",
                **{
                    "X-Amz-Expires": str(expires),
                    "Expires": _iso(signed_at + expires),
                    "ServerTime": _iso(self.clock()),
                },
            )
        canonical_request = canonical_query_request(environ, pairs, params)
        string_to_sign = "\n".join(
            [
                "AWS4-HMAC-SHA256",
                params["X-Amz-Date"],
                scope,
                hashlib.sha256(canonical_request.encode()).hexdigest(),
            ]
        )
        date, region, service = scope.split("/")[:3]
        expected = hmac.new(
            signing_key(secret, date, region, service), string_to_sign.encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
            raise S3Refusal(
                403,
                "SignatureDoesNotMatch",
                AWSAccessKeyId=access_key,
                StringToSign=string_to_sign,
                SignatureProvided=params["X-Amz-Signature"],
                CanonicalRequest=canonical_request,
            )

    def _credential(self, credential: str) -> tuple[str, str, str]:
        """``AKID/date/region/service/aws4_request`` -> (access key, scope, secret)."""
        access_key, _, scope = credential.partition("/")
        parts = scope.split("/")
        if len(parts) != 4 or parts[3] != "aws4_request":
            raise S3Refusal(
                400,
                "AuthorizationQueryParametersError",
                "Error parsing the X-Amz-Credential parameter; the Credential is "
                'mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/'
                'aws4_request".',
            )
        secret = self.secrets.get(access_key)
        if secret is None:
            raise S3Refusal(403, "InvalidAccessKeyId", AWSAccessKeyId=access_key)
        return access_key, scope, secret

    @staticmethod
    def _timestamp(value: str) -> float:
        try:
            return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            raise S3Refusal(
                400,
                "AuthorizationQueryParametersError",
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
            ) from None

    # ------------------------------------------------------------------ POST uploads

    def check_post(self, environ: dict[str, Any]) -> None:
        """Verify a browser POST upload's policy; leaves the body readable for ``app``.

        Raises:
            S3Refusal: no or unsigned policy, bad signature, expired, a failed condition,
                an uncovered field, or a file outside ``content-length-range``.
        """
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        parsing = dict(environ, **{"wsgi.input": io.BytesIO(body)})
        _, form, files = parse_form_data(parsing, silent=True)
        fields = {name.lower(): value for name, value in form.items()}
        upload = files.get("file")
        size = len(upload.read()) if upload is not None else 0
        filename = upload.filename if upload is not None else ""
        policy_b64 = fields.get("policy")
        if not policy_b64:
            raise S3Refusal(403, "AccessDenied", "Access Denied")
        self._check_post_signature(fields, policy_b64)
        try:
            policy = json.loads(base64.b64decode(policy_b64))
            expiration = datetime.fromisoformat(policy["expiration"])  # 3.11+ reads "Z"
            conditions = policy["conditions"]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise S3Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
        if self.clock() > expiration.timestamp():
            raise S3Refusal(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        values = dict(fields)
        values["bucket"] = _bucket_of(environ)
        if "key" in values:
            values["key"] = values["key"].replace("${filename}", filename)
        covered = {"bucket"}
        for condition in conditions:
            covered |= _check_condition(condition, values, size)
        extra = sorted(
            name
            for name in fields
            if name not in covered and name not in _POST_EXEMPT and not name.startswith("x-ignore-")
        )
        if extra:
            raise S3Refusal(
                403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {extra[0]}"
            )

    def _check_post_signature(self, fields: Mapping[str, str], policy_b64: str) -> None:
        if "x-amz-signature" in fields:
            if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
                raise S3Refusal(400, "InvalidArgument", "Unsupported x-amz-algorithm")
            access_key, scope, secret = self._credential(fields.get("x-amz-credential", ""))
            date, region, service = scope.split("/")[:3]
            expected = hmac.new(
                signing_key(secret, date, region, service), policy_b64.encode(), hashlib.sha256
            ).hexdigest()
            provided = fields["x-amz-signature"]
        elif "signature" in fields and "awsaccesskeyid" in fields:
            # SigV2 POST (https://docs.aws.amazon.com/AmazonS3/latest/userguide/HTTPPOSTForms.html)
            access_key = fields["awsaccesskeyid"]
            secret = self.secrets.get(access_key)
            if secret is None:
                raise S3Refusal(403, "InvalidAccessKeyId", AWSAccessKeyId=access_key)
            expected = base64.b64encode(
                hmac.new(secret.encode(), policy_b64.encode(), hashlib.sha1).digest()
            ).decode()
            provided = fields["signature"]
        else:
            raise S3Refusal(403, "AccessDenied", "Access Denied")
        if not hmac.compare_digest(expected, provided):
            raise S3Refusal(
                403,
                "SignatureDoesNotMatch",
                AWSAccessKeyId=access_key,
                StringToSign=policy_b64,
                SignatureProvided=provided,
            )


def _check_condition(condition: Any, values: Mapping[str, str], size: int) -> set[str]:
    """Check one POST policy condition; returns the field names it covers.

    Raises:
        S3Refusal: the condition fails (S3 quotes it in the message).
    """

    def failed() -> S3Refusal:
        shown = json.dumps(condition, separators=(", ", ": "))
        return S3Refusal(
            403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {shown}"
        )

    if isinstance(condition, dict) and len(condition) == 1:
        name, expected = next(iter(condition.items()))
        name = name.lower().removeprefix("$")
        if values.get(name) != expected:
            raise failed()
        return {name}
    if isinstance(condition, list) and len(condition) == 3:
        operator = str(condition[0]).lower()
        if operator == "content-length-range":
            low, high = int(condition[1]), int(condition[2])
            if size > high:
                raise S3Refusal(
                    400, "EntityTooLarge", ProposedSize=str(size), MaxSizeAllowed=str(high)
                )
            if size < low:
                raise S3Refusal(
                    400, "EntityTooSmall", ProposedSize=str(size), MinSizeAllowed=str(low)
                )
            return set()
        name = str(condition[1]).lower().removeprefix("$")
        actual, expected = values.get(name), str(condition[2])
        if actual is None:
            raise failed()
        if operator == "eq" and actual == expected:
            return {name}
        if operator == "starts-with" and actual.startswith(expected):
            return {name}
        raise failed()
    raise S3Refusal(
        400,
        "InvalidPolicyDocument",
        "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have "
        "exactly one property specified.",
    )


def bucket_cors_headers(bucket: str, origin: str) -> list[tuple[str, str]]:
    """The CORS headers S3 adds to a response (errors included) for ``origin``: those of
    the bucket's first CORS rule whose ``AllowedOrigins`` match, read from moto's backend
    with moto's own matcher (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html).
    Without them a browser could not read the refusal and would report a network error.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends
    from moto.s3.utils import cors_matches_origin

    try:
        rules = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket(bucket).cors
    except Exception:  # noqa: BLE001 - no such bucket: no CORS headers, as S3
        return []
    for rule in rules:
        if rule.allowed_origins and cors_matches_origin(origin, rule.allowed_origins):
            headers = [("Access-Control-Allow-Origin", origin)]
            if rule.allowed_methods:
                headers.append(("Access-Control-Allow-Methods", ", ".join(rule.allowed_methods)))
            if rule.exposed_headers:
                headers.append(("Access-Control-Expose-Headers", ", ".join(rule.exposed_headers)))
            return headers
    return []


def _bucket_of(environ: Mapping[str, Any]) -> str:
    return raw_path(environ).strip("/").split("/")[0]


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_REASONS = {400: "Bad Request", 403: "Forbidden"}
