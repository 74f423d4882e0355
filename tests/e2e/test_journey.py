"""The whole journey over real HTTP against `make dev`'s local stack (issue 2).

Sign up → code from the dev inbox → confirm → sign in → upload, list, get and delete
photos, plus the refusals a user relies on: no token, an ID token instead of an access
token, a wrong code, a wrong password that looks like an unknown user, and another
user's photo answering 404.
"""

from __future__ import annotations

import struct
import time
import uuid
import zlib

import pytest
import requests

pytestmark = pytest.mark.e2e

PASSWORD = "Correct-Horse-9"


def png_bytes(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real, tiny PNG image (RFC 2083 layout: signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def inbox_code(api: str, email: str, kind: str = "sign_up") -> str:
    messages = requests.get(f"{api}/_local/inbox/{email}", timeout=10).json()["messages"]
    return next(m["code"] for m in messages if m["kind"] == kind)


def signed_up_user(api: str) -> tuple[str, dict]:
    """Sign up, confirm with the inbox code, sign in; return (email, tokens)."""
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    assert (
        requests.post(
            f"{api}/auth/sign-up", json={"email": email, "password": PASSWORD}, timeout=30
        ).status_code
        == 201
    )
    code = inbox_code(api, email)
    assert (
        requests.post(
            f"{api}/auth/confirm", json={"email": email, "code": code}, timeout=30
        ).status_code
        == 200
    )
    tokens = requests.post(
        f"{api}/auth/sign-in", json={"email": email, "password": PASSWORD}, timeout=30
    ).json()
    return email, tokens


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def wait_until_processed(api: str, tokens: dict, photo_id: str, timeout_s: float = 60) -> dict:
    """GET the photo until it is no longer ``pending`` (ProcessPhotoFunction ran), with
    backoff as the web app polls."""
    deadline, delay = time.monotonic() + timeout_s, 0.1
    while True:
        photo = requests.get(f"{api}/photos/{photo_id}", headers=bearer(tokens), timeout=30).json()
        if photo["status"] != "pending" or time.monotonic() > deadline:
            return photo
        time.sleep(delay)
        delay = min(delay * 2, 2.0)


def test_sign_up_confirm_sign_in_and_photo_crud(local_stack) -> None:
    api = local_stack.api_url
    email = f"alice-{uuid.uuid4().hex[:10]}@example.com"

    # Given a new user who signs up
    response = requests.post(
        f"{api}/auth/sign-up",
        json={"email": email, "password": PASSWORD, "name": "Alice"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {"code_delivery": {"destination": "a***@e***", "medium": "EMAIL"}}

    # When she signs in before confirming, she is told to confirm
    response = requests.post(
        f"{api}/auth/sign-in", json={"email": email, "password": PASSWORD}, timeout=30
    )
    assert response.status_code == 403 and response.json()["error"] == "user_not_confirmed"

    # And a code that is not the one she was sent is rejected
    code = inbox_code(api, email)
    assert len(code) == 6 and code.isdigit()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = requests.post(
        f"{api}/auth/confirm", json={"email": email, "code": wrong}, timeout=30
    )
    assert response.status_code == 400 and response.json()["error"] == "code_mismatch"

    # Then the emailed code confirms her
    response = requests.post(f"{api}/auth/confirm", json={"email": email, "code": code}, timeout=30)
    assert response.status_code == 200 and response.json() == {"confirmed": True}

    # A wrong password and an unknown email get the very same answer
    wrong_password = requests.post(
        f"{api}/auth/sign-in", json={"email": email, "password": "Wrong-Pass-1"}, timeout=30
    )
    unknown_user = requests.post(
        f"{api}/auth/sign-in",
        json={"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com", "password": "Wrong-Pass-1"},
        timeout=30,
    )
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json()
    assert wrong_password.json()["error"] == "invalid_credentials"

    # Sign-in returns the OAuth token response
    response = requests.post(
        f"{api}/auth/sign-in", json={"email": email, "password": PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] > 0
    assert {"access_token", "id_token", "refresh_token"} <= tokens.keys()

    # The photo routes refuse a missing token, garbage, and the ID token
    for headers in (
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": f"Bearer {tokens['id_token']}"},
    ):
        response = requests.get(f"{api}/photos", headers=headers, timeout=30)
        assert response.status_code == 401, headers
        assert response.json()["error"] == "unauthorized"

    # Her list starts empty
    response = requests.get(f"{api}/photos", headers=bearer(tokens), timeout=30)
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "next_cursor": None}

    # Uploading a real PNG returns the pending photo; S3's event makes it ready, with
    # presigned links (thumbnail, display size, original) that work from here
    image = png_bytes()
    response = requests.post(
        f"{api}/photos",
        headers=bearer(tokens),
        files={"file": ("beach.png", image, "image/png")},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    photo = response.json()
    assert photo["filename"] == "beach.png" and photo["content_type"] == "image/png"
    assert photo["size_bytes"] == len(image) and photo["status"] == "pending"
    assert photo["created_at"].endswith("Z")
    photo = wait_until_processed(api, tokens, photo["photo_id"])
    assert (photo["status"], photo["width"], photo["height"]) == ("ready", 2, 2)
    assert requests.get(photo["original_url"], timeout=30).content == image
    for link in ("thumbnail_url", "url"):
        rendition = requests.get(photo[link], timeout=30)
        assert rendition.status_code == 200 and rendition.content[:3] == b"\xff\xd8\xff"  # JPEG

    # A text file declared as an image is refused by its bytes
    response = requests.post(
        f"{api}/photos",
        headers=bearer(tokens),
        files={"file": ("evil.png", b"#!/bin/sh\necho hi\n", "image/png")},
        timeout=30,
    )
    assert response.status_code == 415 and response.json()["error"] == "unsupported_media_type"

    # A second photo lists first (newest first), and pages follow the cursor
    second = requests.post(
        f"{api}/photos",
        headers=bearer(tokens),
        files={"file": ("dune.png", png_bytes(rgb=(10, 90, 200)), "image/png")},
        timeout=30,
    ).json()
    page = requests.get(
        f"{api}/photos", params={"limit": 1}, headers=bearer(tokens), timeout=30
    ).json()
    assert [p["photo_id"] for p in page["items"]] == [second["photo_id"]]
    page2 = requests.get(
        f"{api}/photos",
        params={"limit": 1, "cursor": page["next_cursor"]},
        headers=bearer(tokens),
        timeout=30,
    ).json()
    assert [p["photo_id"] for p in page2["items"]] == [photo["photo_id"]]
    response = requests.get(
        f"{api}/photos", params={"cursor": "not-a-cursor"}, headers=bearer(tokens), timeout=30
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"

    # Getting one photo by id
    response = requests.get(f"{api}/photos/{photo['photo_id']}", headers=bearer(tokens), timeout=30)
    assert response.status_code == 200 and response.json()["photo_id"] == photo["photo_id"]

    # Another user can neither see nor delete it: 404, as if it did not exist
    _, mallory = signed_up_user(api)
    assert (
        requests.get(
            f"{api}/photos/{photo['photo_id']}", headers=bearer(mallory), timeout=30
        ).status_code
        == 404
    )
    assert (
        requests.delete(
            f"{api}/photos/{photo['photo_id']}", headers=bearer(mallory), timeout=30
        ).status_code
        == 404
    )
    assert requests.get(f"{api}/photos", headers=bearer(mallory), timeout=30).json()["items"] == []

    # Deleting it answers 204, and it is gone
    response = requests.delete(
        f"{api}/photos/{photo['photo_id']}", headers=bearer(tokens), timeout=30
    )
    assert response.status_code == 204 and response.content == b""
    assert (
        requests.get(
            f"{api}/photos/{photo['photo_id']}", headers=bearer(tokens), timeout=30
        ).status_code
        == 404
    )
    listed = requests.get(f"{api}/photos", headers=bearer(tokens), timeout=30).json()["items"]
    assert [p["photo_id"] for p in listed] == [second["photo_id"]]
    # And the table's stream purges its bytes: S3 no longer serves the original or the
    # renditions (403 or 404: without s3:ListBucket S3 hides whether a key exists)
    assert requests.post(f"{api}/_local/events/settle", timeout=60).json() == {"settled": True}
    for link in ("original_url", "thumbnail_url", "url"):
        gone = requests.get(photo[link], timeout=30)
        assert gone.status_code in (403, 404), (link, gone.text)


def test_bad_requests_get_the_contract_error_body(local_stack) -> None:
    api = local_stack.api_url
    # Given malformed bodies on the auth routes
    cases = [
        ("/auth/sign-up", "not json", 400, "invalid_request"),
        ("/auth/sign-up", '{"email": "not-an-email", "password": "x"}', 400, "invalid_request"),
        ("/auth/sign-in", '{"email": "a@example.com"}', 400, "invalid_request"),
    ]
    for path, body, status, error in cases:
        # When they are posted
        response = requests.post(
            f"{api}{path}", data=body, headers={"Content-Type": "application/json"}, timeout=30
        )
        # Then the status and error code follow the contract, with a human description
        assert response.status_code == status, (path, body, response.text)
        assert response.json()["error"] == error
        assert response.json()["error_description"]

    # A weak password is refused by the pool's policy
    response = requests.post(
        f"{api}/auth/sign-up",
        json={"email": f"weak-{uuid.uuid4().hex[:8]}@example.com", "password": "short"},
        timeout=30,
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_password"

    # Signing up twice with one email looks like a first sign-up (no account oracle)
    email, _ = signed_up_user(api)
    response = requests.post(
        f"{api}/auth/sign-up", json={"email": email, "password": PASSWORD}, timeout=30
    )
    assert response.status_code == 201 and response.json()["code_delivery"]["medium"] == "EMAIL"

    # Unknown routes answer 404 with the contract body, not API Gateway's 403
    response = requests.post(f"{api}/nope/nothing-here", json={}, timeout=30)
    assert response.status_code == 404 and response.json()["error"] == "not_found"

    # CORS preflight is answered without a token
    response = requests.options(
        f"{api}/photos",
        headers={"Origin": "http://127.0.0.1:3000", "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
    assert response.status_code == 200
    assert "GET" in response.headers.get("Access-Control-Allow-Methods", "")
