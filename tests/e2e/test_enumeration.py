"""No account oracle (issue 9; OWASP ASVS 5.0 section 6.3.8), over real HTTP.

For an unknown, an unconfirmed and a confirmed email, every auth route that takes an email
answers with the same status and a byte-identical body. The emails share their first
letters so that the masked destination (``e***@e***``) is the same for all three: only
the account state differs. Each route gets a fresh unknown email, because signing up an
unknown email creates the account.
"""

from __future__ import annotations

import hashlib
import time
import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e

PASSWORD = "Correct-Horse-9"
WRONG_CODE = "000000"

#: route -> the request body for ``email`` (every field but the email is the same)
REQUESTS = {
    "/auth/sign-up": lambda email: {"email": email, "password": PASSWORD},
    "/auth/confirm": lambda email: {"email": email, "code": WRONG_CODE},
    "/auth/resend-code": lambda email: {"email": email},
    "/auth/forgot-password": lambda email: {"email": email},
    "/auth/reset-password": lambda email: {
        "email": email,
        "code": WRONG_CODE,
        "password": "Another-Horse-8",
    },
    "/auth/sign-in": lambda email: {"email": email, "password": "Wrong-Horse-1"},
}


def fresh_email(state: str) -> str:
    return f"e-{state}-{uuid.uuid4().hex[:10]}@example.com"


def inbox_code(api: str, email: str) -> str:
    messages = requests.get(f"{api}/_local/inbox/{email}", timeout=10).json()["messages"]
    return next(m["code"] for m in messages if m["kind"] == "sign_up")


def account(api: str, state: str) -> str:
    """An email in ``state``: ``unknown``, ``unconfirmed`` or ``confirmed``."""
    email = fresh_email(state)
    if state == "unknown":
        return email
    signed_up = requests.post(f"{api}/auth/sign-up", json=REQUESTS["/auth/sign-up"](email), timeout=30)
    assert signed_up.status_code == 201, signed_up.text
    if state == "confirmed":
        code = inbox_code(api, email)
        confirmed = requests.post(f"{api}/auth/confirm", json={"email": email, "code": code}, timeout=30)
        assert confirmed.status_code == 200, confirmed.text
    return email


def enumeration_table(api: str) -> list[dict]:
    rows = []
    for route, body in REQUESTS.items():
        # A warm-up call, so that no state is timed against a cold start
        requests.post(f"{api}{route}", json=body(fresh_email("warmup")), timeout=30)
        for state in ("unknown", "unconfirmed", "confirmed"):
            email = account(api, state)
            started = time.perf_counter()
            response = requests.post(f"{api}{route}", json=body(email), timeout=30)
            elapsed_ms = (time.perf_counter() - started) * 1000
            rows.append(
                {
                    "route": route,
                    "state": state,
                    "status": response.status_code,
                    "sha256": hashlib.sha256(response.content).hexdigest(),
                    "body": response.text,
                    "ms": round(elapsed_ms, 1),
                }
            )
    return rows


def test_no_auth_route_tells_account_states_apart(local_stack) -> None:
    # Given an unknown, an unconfirmed and a confirmed email, for each auth route
    rows = enumeration_table(local_stack.api_url)
    for row in rows:
        print(f"{row['route']:24} {row['state']:12} {row['status']} {row['sha256'][:16]} {row['ms']:7.1f} ms {row['body']}")
    # Then each route answers all three with one status and one body, byte for byte
    for route in REQUESTS:
        answers = {(r["status"], r["sha256"]) for r in rows if r["route"] == route}
        assert len(answers) == 1, [r for r in rows if r["route"] == route]
        (status, _), = answers
        assert status < 500
