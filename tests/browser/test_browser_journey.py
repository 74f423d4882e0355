"""The whole Moments journey in a real browser against `make dev`'s local stack (issue 5).

Sign up with the emailed code, confirm, sign in from the keyboard, upload two images (one
through Lambda, one over 4 MiB through a presigned S3 POST) with per-file progress, see both
in the grid, reload and stay signed in, delete one after confirming, sign out, and sign back
in through the hosted UI (authorization code + PKCE). Along the way: no token in
localStorage/sessionStorage or in a cookie that scripts can read, and no CSP violation.
"""

from __future__ import annotations

import os
import re
import struct
import time
import uuid
import zlib
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "Moments-Browser-7"
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.")
# Upload throttle while the "upload in progress" screenshot is taken, in bytes per second
# (Chrome DevTools Protocol Network.emulateNetworkConditions).
THROTTLED_UPLOAD_BPS = 1_500_000


def png_data(width: int, height: int, *, noise: bool = False, rgb=(91, 91, 214)) -> bytes:
    """A real PNG (RFC 2083: signature, IHDR, IDAT, IEND); noise makes it incompressible."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = (lambda: os.urandom(width * 3)) if noise else (lambda: bytes(rgb) * width)
    raw = b"".join(b"\x00" + row() for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 0 if noise else 6))
        + chunk(b"IEND", b"")
    )


def png(path: Path, width: int, height: int, **options) -> Path:
    """Write :func:`png_data` to ``path`` and return it."""
    path.write_bytes(png_data(width, height, **options))
    return path


def inbox_code(api_url: str, email: str, kind: str = "sign_up") -> str:
    """The newest code of ``kind`` in the dev inbox (GET /_local/inbox/{email})."""
    deadline = time.monotonic() + 10
    while True:
        messages = requests.get(f"{api_url}/_local/inbox/{email}", timeout=10).json()["messages"]
        codes = [m["code"] for m in messages if m["kind"] == kind]
        if codes or time.monotonic() > deadline:
            assert codes, f"no {kind} code in the inbox of {email}: {messages}"
            return codes[0]
        time.sleep(0.2)


def stored_values(page) -> list[str]:
    """Every value in localStorage and sessionStorage, plus the script-visible cookies."""
    return page.evaluate(
        """() => [
            ...Object.values(localStorage),
            ...Object.values(sessionStorage),
            document.cookie,
        ]"""
    )


def assert_no_token_exposed(page, tokens: dict) -> None:
    """No token sits where a script could read it later (BFF pattern, IETF browser-apps draft)."""
    values = stored_values(page)
    for value in values:
        assert not JWT.search(value), f"a JWT is readable from storage or cookies: {value[:40]}…"
        for name in ("access_token", "id_token", "refresh_token"):
            if tokens.get(name):
                assert tokens[name] not in value, f"the {name} is readable from storage or cookies"


def photo(page, filename: str):
    """A photo in the grid, found the way a screen-reader user finds it: by its alt text."""
    return page.get_by_role("list", name="Photos").get_by_role("img", name=filename, exact=True)


def expect_loaded(image) -> None:
    """The <img> really displays: its presigned URL loaded and decoded under the CSP."""
    expect(image).to_be_visible()
    image.page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )


def test_browser_journey(page, local_stack, web_origin, screenshots, tmp_path) -> None:
    started = time.perf_counter()
    api = local_stack.api_url
    email = f"browser-{uuid.uuid4().hex[:10]}@example.com"
    small = png(tmp_path / "harbour.png", 64, 48)
    large = png(tmp_path / "sunset.png", 1200, 1200, noise=True)  # 4.3 MB: > 4 MiB, presigned POST
    assert large.stat().st_size > 4 * 1024 * 1024

    problems: list[str] = []
    api_calls: list[str] = []
    page.on("request", lambda request: api_calls.append(f"{request.method} {request.url}"))
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text}")
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )

    # Given a new visitor, the app opens on the sign-in screen.
    page.goto(f"{web_origin}/")
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    page.screenshot(path=screenshots / "01-sign-in.png")

    # When they sign up, the app asks for the emailed code, and the code confirms the account.
    page.get_by_role("button", name="Create an account").click()
    sign_up = page.get_by_role("form", name="Sign up")
    sign_up.get_by_label("Email").fill(email)
    sign_up.get_by_label("Password").fill(PASSWORD)
    sign_up.get_by_role("button", name="Sign up").click()
    confirm = page.get_by_role("form", name="Confirm")
    expect(confirm.get_by_label("Email")).to_have_value(email)

    confirm.get_by_label("Code").fill("000000")
    confirm.get_by_role("button", name="Confirm").click()
    expect(
        confirm.get_by_role("alert")
    ).to_be_visible()  # a wrong code is refused, next to the form

    confirm.get_by_label("Code").fill(inbox_code(api, email))
    confirm.get_by_role("button", name="Confirm").click()

    # And they sign in from the keyboard alone (email is prefilled; focus is on Password).
    sign_in = page.get_by_role("form", name="Sign in")
    expect(sign_in.get_by_label("Email")).to_have_value(email)
    expect(sign_in.get_by_label("Password")).to_be_focused()
    with page.expect_response(lambda r: r.url.endswith("/auth/sign-in")) as signed_in:
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
    tokens = signed_in.value.json()
    assert tokens["access_token"] and "refresh_token" not in tokens  # the cookie carries it
    expect(page.get_by_role("heading", name="Your photos")).to_be_visible()
    expect(page.get_by_text("No photos yet")).to_be_visible()

    # When they upload two images, each shows its own progress...
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": THROTTLED_UPLOAD_BPS,
        },
    )
    page.get_by_role("form", name="Upload photos").get_by_label("Photos").set_input_files(
        [small, large]
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    large_progress = page.get_by_role("progressbar", name="Uploading sunset.png")
    page.wait_for_function(
        "bar => bar.value >= 20 && bar.value < 100", arg=large_progress.element_handle(), polling=50
    )
    page.screenshot(path=screenshots / "02-upload-in-progress.png")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )

    # ...and then both are in the grid, displayed.
    expect_loaded(photo(page, "harbour.png"))
    expect_loaded(photo(page, "sunset.png"))
    expect(page.get_by_text("2 photos uploaded.")).to_be_visible()
    page.screenshot(path=screenshots / "03-photo-grid.png", full_page=True)
    # The grid shows the ~400 px thumbnails ProcessPhotoFunction made, not the originals.
    for name in ("harbour.png", "sunset.png"):
        expect(photo(page, name)).to_have_attribute(
            "src", re.compile(r"/renditions/.+/thumbnail\.jpg\?")
        )

    # The 4.3 MB file went straight to S3 with a presigned POST, the small one through Lambda.
    assert api_calls.count(f"POST {web_origin}/photos/upload-url") == 1
    assert api_calls.count(f"POST {web_origin}/photos") == 1
    assert_no_token_exposed(page, tokens)

    # When they upload a damaged image, its tile says "Processing…" while the pipeline runs
    # (the test holds the polls at pending a moment), then why the file was rejected.
    broken = tmp_path / "broken.png"
    broken.write_bytes(png_data(300, 300, noise=True)[:5000])  # a truncated PNG

    def still_pending(route) -> None:
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), "status": "pending"})

    by_id = re.compile(r".*/photos/[0-9A-HJKMNP-TV-Z]{26}$")
    page.route(by_id, still_pending)
    page.get_by_role("form", name="Upload photos").get_by_label("Photos").set_input_files([broken])
    page.get_by_role("button", name="Upload", exact=True).click()
    tile = (
        page.get_by_role("list", name="Photos")
        .get_by_role("listitem")
        .filter(has_text="broken.png")
    )
    expect(tile.get_by_role("status")).to_have_text("Processing…")
    page.screenshot(path=screenshots / "03b-processing-tile.png")
    page.unroute(by_id, still_pending)
    expect(tile.get_by_role("status")).to_have_text(
        "The image is damaged or incomplete.", timeout=30_000
    )
    page.screenshot(path=screenshots / "03c-rejected-upload.png")

    # When they reload, the refresh-token cookie restores the session: still the grid.
    page.reload()
    expect(page.get_by_role("heading", name="Your photos")).to_be_visible()
    expect_loaded(photo(page, "harbour.png"))
    expect_loaded(photo(page, "sunset.png"))
    assert_no_token_exposed(page, tokens)

    # When they delete one and confirm in the dialog, only that one is gone.
    page.get_by_role("button", name="Delete harbour.png").click()
    dialog = page.get_by_role("dialog", name="Delete this photo?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Delete", exact=True).click()
    expect(photo(page, "harbour.png")).to_have_count(0)
    expect(photo(page, "sunset.png")).to_be_visible()

    # When they sign out, a reload does not bring the session back.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    # And the session's access token no longer works on the API, although unexpired
    stale = requests.get(
        f"{api}/photos", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=30
    )
    assert stale.status_code == 401

    # When they continue with the hosted UI, they land back in their grid.
    page.get_by_role("button", name="Continue with hosted UI").click()
    page.wait_for_url(f"{local_stack.hosted_ui_url}/**")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your photos")).to_be_visible()
    expect_loaded(photo(page, "sunset.png"))
    expect(photo(page, "harbour.png")).to_have_count(0)
    assert page.url == f"{web_origin}/"  # code and state are gone from the address bar
    assert_no_token_exposed(page, tokens)

    assert problems == []
    print(f"\nbrowser journey: {time.perf_counter() - started:.1f}s")


def test_forgot_password_then_grid_loads_more_as_you_scroll(
    browser, local_stack, web_origin, screenshots
) -> None:
    started = time.perf_counter()
    api = local_stack.api_url
    email = f"scroll-{uuid.uuid4().hex[:10]}@example.com"
    # Given a confirmed user with 30 photos (more than one page of 24), uploaded over the API.
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
    for index in range(30):
        response = requests.post(
            f"{api}/photos",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
            files={
                "file": (
                    f"p{index:02d}.png",
                    png_data(8, 8, rgb=(index * 8, 120, 200)),
                    "image/png",
                )
            },
            timeout=30,
        )
        assert response.status_code == 201, response.text

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        # When they forgot their password, the emailed code sets a new one...
        new_password = "Moments-Reset-8"
        page.goto(f"{web_origin}/")
        page.get_by_role("button", name="Forgot password?").click()
        page.get_by_role("form", name="Forgot password").get_by_label("Email").fill(email)
        page.get_by_role("button", name="Send code").click()
        reset = page.get_by_role("form", name="Reset password")
        reset.get_by_label("Code").fill(inbox_code(api, email, kind="forgot_password"))
        reset.get_by_label("New password").fill(new_password)
        reset.get_by_role("button", name="Reset password").click()

        # ...the old password is refused with the API's message next to the form...
        sign_in = page.get_by_role("form", name="Sign in")
        expect(sign_in.get_by_label("Email")).to_have_value(email)
        sign_in.get_by_label("Password").fill(PASSWORD)
        sign_in.get_by_role("button", name="Sign in").click()
        expect(sign_in.get_by_role("alert")).to_be_visible()

        # ...and the new one signs in to a grid of the newest 24, newest first.
        sign_in.get_by_label("Password").fill(new_password)
        sign_in.get_by_role("button", name="Sign in").click()
        grid_images = page.get_by_role("list", name="Photos").get_by_role("img")
        expect(grid_images).to_have_count(24)
        expect(grid_images.first).to_have_accessible_name("p29.png")
        page.screenshot(path=screenshots / "04-photo-grid-mobile.png")

        # When they scroll to the end, the rest load, down to the oldest.
        page.get_by_role("list", name="Photos").get_by_role(
            "listitem"
        ).last.scroll_into_view_if_needed()
        page.mouse.wheel(0, 10_000)
        expect(grid_images).to_have_count(30)
        expect(grid_images.last).to_have_accessible_name("p00.png")
    finally:
        context.close()
    print(f"\nforgot password + infinite scroll: {time.perf_counter() - started:.1f}s")
