"""Photo pipeline benchmark on the local stack (issue 8's "Show" figures).

1. **Grid bytes.** Uploads ``--photos`` (24) JPEGs of 3-5 MB each (camera-like noise, so
   they do not compress away) through presigned POSTs, waits until they are ready, then
   counts the bytes a browser downloads to render the first grid page (``GET
   /photos?limit=24`` and every image on it): with v2's ``thumbnail_url`` against v1's
   grid, which loaded each original (``original_url``, the same bytes v1's ``url``
   served). Reported as totals and as a ratio (goal: under 2 %).
2. **Upload end to ready.** For each upload, the time from the end of the S3 POST to the
   first ``GET /photos/{id}`` that answers ``ready`` (polled every 20 ms): median and p95.
   This is S3 -> event -> ProcessPhotoFunction -> UpdateItem on the local stack.
3. **A 100 MiB upload with curl** (``--big``): a ~100 MiB JPEG through
   ``POST /photos/upload-url`` and ``curl -F`` to the presigned POST; curl's own
   ``time_total`` and the time to ``ready``.
4. **The same through the web app** (``--browser``, needs Debian's chromium): sign in,
   choose the file, press Upload; the time until the app says "Photo uploaded." (its
   progress bar reached 100 %) and until the grid shows the thumbnail.

The stack runs in this process on free ports (``local_stack.stack.LocalStack``), like
``make dev``. Timings are this machine's; compare the ratios.

Usage: ``python bench/photos.py [--photos 24] [--big]``
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from local_stack.stack import LocalStack, Ports, configure_logging

PASSWORD = "Correct-Horse-9"


def noise_jpeg(width: int, height: int, quality: int = 90) -> bytes:
    """A JPEG of random pixels: like a camera photo, it barely compresses (~0.9 B/px)."""
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def sign_up(api: str) -> dict[str, str]:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    requests.post(f"{api}/auth/sign-up", json={"email": email, "password": PASSWORD}, timeout=30)
    code = requests.get(f"{api}/_local/inbox/{email}", timeout=10).json()["messages"][0]["code"]
    requests.post(f"{api}/auth/confirm", json={"email": email, "code": code}, timeout=30)
    tokens = requests.post(
        f"{api}/auth/sign-in", json={"email": email, "password": PASSWORD}, timeout=30
    ).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def grant(api: str, auth: dict[str, str], name: str, size: int) -> dict:
    response = requests.post(
        f"{api}/photos/upload-url",
        headers=auth,
        timeout=30,
        json={"filename": name, "content_type": "image/jpeg", "size_bytes": size},
    )
    response.raise_for_status()
    return response.json()


def wait_ready(api: str, auth: dict[str, str], photo_id: str, timeout_s: float = 120) -> float:
    """Seconds until GET /photos/{id} answers ready (raises if rejected or too slow)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        photo = requests.get(f"{api}/photos/{photo_id}", headers=auth, timeout=30).json()
        if photo["status"] == "ready":
            return time.perf_counter() - started
        if photo["status"] == "rejected":
            raise RuntimeError(f"{photo_id} rejected: {photo['rejected_reason']}")
        time.sleep(0.02)
    raise TimeoutError(photo_id)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def grid_and_latency(api: str, auth: dict[str, str], photos: int) -> dict:
    rng = random.Random(8)
    latencies, sizes = [], []
    for i in range(photos):
        # 3.3 to 5.5 MP of noise at quality 90: 3 to 5 MB
        pixels = rng.uniform(3.4e6, 5.4e6)
        width = int((pixels * 4 / 3) ** 0.5)
        data = noise_jpeg(width, int(pixels / width))
        sizes.append(len(data))
        upload = grant(api, auth, f"bench-{i:02d}.jpg", len(data))
        posted = requests.post(
            upload["upload"]["url"],
            data=upload["upload"]["fields"],
            files={"file": (f"bench-{i:02d}.jpg", data, "image/jpeg")},
            timeout=120,
        )
        posted.raise_for_status()
        latencies.append(wait_ready(api, auth, upload["photo_id"]))
    listing = requests.get(f"{api}/photos", params={"limit": 24}, headers=auth, timeout=30)
    page = listing.json()["items"]
    thumbs = sum(len(requests.get(p["thumbnail_url"], timeout=60).content) for p in page)
    originals = sum(len(requests.get(p["original_url"], timeout=60).content) for p in page)
    listing_bytes = len(listing.content)
    return {
        "photos": photos,
        "original_mb_min_max": [round(min(sizes) / 1e6, 2), round(max(sizes) / 1e6, 2)],
        "grid_page_items": len(page),
        "grid_bytes_v1_originals": originals + listing_bytes,
        "grid_bytes_v2_thumbnails": thumbs + listing_bytes,
        "grid_ratio_percent": round(
            100 * (thumbs + listing_bytes) / (originals + listing_bytes), 3
        ),
        "upload_end_to_ready_s": {
            "median": round(statistics.median(latencies), 3),
            "p95": round(percentile(latencies, 0.95), 3),
            "min": round(min(latencies), 3),
            "max": round(max(latencies), 3),
        },
    }


def big_jpeg() -> bytes:
    """~100 MiB: 52 MP of noise at quality 100 (under MaxDirectUploadBytes, 100 MiB)."""
    limit = 100 * 1024 * 1024
    data = noise_jpeg(7350, 7100, quality=100)
    return data if len(data) <= limit else noise_jpeg(7150, 7000, quality=100)


def big_upload(api: str, auth: dict[str, str], data: bytes) -> dict:
    """A ~100 MiB JPEG through POST /photos/upload-url and curl -F."""
    with tempfile.NamedTemporaryFile(suffix=".jpg", delete=False) as handle:
        handle.write(data)
        path = handle.name
    try:
        upload = grant(api, auth, "big.jpg", len(data))
        fields = [
            arg
            for key, value in upload["upload"]["fields"].items()
            for arg in ("-F", f"{key}={value}")
        ]
        curl = subprocess.run(
            [
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{time_total}",
                *fields,
                "-F",
                f"file=@{path};type=image/jpeg",
                upload["upload"]["url"],
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        status, seconds = curl.stdout.split()
        ready = wait_ready(api, auth, upload["photo_id"], timeout_s=300)
        photo = requests.get(f"{api}/photos/{upload['photo_id']}", headers=auth, timeout=30).json()
        return {
            "bytes": len(data),
            "mib": round(len(data) / 2**20, 2),
            "s3_status": int(status),
            "curl_time_total_s": float(seconds),
            "upload_end_to_ready_s": round(ready, 3),
            "width": photo["width"],
            "height": photo["height"],
            "thumbnail_bytes": len(requests.get(photo["thumbnail_url"], timeout=60).content),
        }
    finally:
        os.unlink(path)


def browser_upload(api: str, data: bytes) -> dict:
    """The web app uploads ``data`` (presigned POST with its progress bar)."""
    from playwright.sync_api import expect, sync_playwright

    email = f"bench-web-{uuid.uuid4().hex[:8]}@example.com"
    requests.post(f"{api}/auth/sign-up", json={"email": email, "password": PASSWORD}, timeout=30)
    code = requests.get(f"{api}/_local/inbox/{email}", timeout=10).json()["messages"][0]["code"]
    requests.post(f"{api}/auth/confirm", json={"email": email, "code": code}, timeout=30)
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        path = Path(folder, "big.jpg")
        path.write_bytes(data)
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("MOMENTS_CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        page = browser.new_page()
        page.set_default_timeout(300_000)
        page.goto(f"{api}/")
        form = page.get_by_role("form", name="Sign in")
        form.get_by_label("Email").fill(email)
        form.get_by_label("Password").fill(PASSWORD)
        form.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Your photos")).to_be_visible()
        page.get_by_role("form", name="Upload photos").get_by_label("Photos").set_input_files(path)
        started = time.perf_counter()
        page.get_by_role("button", name="Upload", exact=True).click()
        expect(page.get_by_text("Photo uploaded.")).to_be_visible(timeout=300_000)
        uploaded = time.perf_counter() - started
        image = page.get_by_role("list", name="Photos").get_by_role("img", name="big.jpg")
        expect(image).to_be_visible(timeout=300_000)
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=image.element_handle(),
            timeout=300_000,
        )
        shown = time.perf_counter() - started
        browser.close()
    return {
        "bytes": len(data),
        "mib": round(len(data) / 2**20, 2),
        "click_to_uploaded_s": round(uploaded, 2),
        "click_to_thumbnail_shown_s": round(shown, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--big", action="store_true", help="also a 100 MiB upload with curl")
    parser.add_argument(
        "--browser",
        action="store_true",
        help="also a 100 MiB upload through the web app (chromium)",
    )
    args = parser.parse_args(argv)
    with tempfile.NamedTemporaryFile(
        "w", prefix="bench-photos-", suffix=".log", delete=False
    ) as log:
        configure_logging(log)
        stack = LocalStack(
            ROOT / "template.yaml", ports=Ports(0, 0, 0), log_stream=log, console=log
        )
        stack.start()
        try:
            assert stack.info is not None
            api = stack.info.api_url
            auth = sign_up(api)
            report = {"grid": grid_and_latency(api, auth, args.photos), "console": log.name}
            data = big_jpeg() if args.big or args.browser else b""
            if args.big:
                report["big_upload_curl"] = big_upload(api, auth, data)
            if args.browser:
                report["big_upload_web_app"] = browser_upload(api, data)
        finally:
            stack.stop()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
