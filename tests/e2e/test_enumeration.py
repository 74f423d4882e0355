"""No account oracle (issue 9; OWASP ASVS 5.0 section 6.3.8), over real HTTP.

For an unknown, an unconfirmed and a confirmed email, every auth route that takes an email
answers with the same status and a byte-identical body. The emails share their first
letters so that the masked destination (``e***@e***``) is the same for all three: only
the account state differs. Each route gets a fresh unknown email, because signing up an
unknown email creates the account.
"""

from __future__ import annotations

import hashlib
import statistics
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
    # a password the pool's policy refuses: checked before or after the account?
    "/auth/sign-up ": lambda email: {"email": email, "password": "weak"},
    "/auth/reset-password ": lambda email: {"email": email, "code": WRONG_CODE, "password": "weak"},
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
    signed_up = requests.post(
        f"{api}/auth/sign-up", json=REQUESTS["/auth/sign-up"](email), timeout=30
    )
    assert signed_up.status_code == 201, signed_up.text
    if state == "confirmed":
        code = inbox_code(api, email)
        confirmed = requests.post(
            f"{api}/auth/confirm", json={"email": email, "code": code}, timeout=30
        )
        assert confirmed.status_code == 200, confirmed.text
    return email


def enumeration_table(api: str) -> list[dict]:
    rows = []
    for route, body in REQUESTS.items():
        # A warm-up call, so that no state is timed against a cold start
        requests.post(f"{api}{route.strip()}", json=body(fresh_email("warmup")), timeout=30)
        for state in ("unknown", "unconfirmed", "confirmed"):
            email = account(api, state)
            started = time.perf_counter()
            response = requests.post(f"{api}{route.strip()}", json=body(email), timeout=30)
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
        print(
            f"{row['route']:24} {row['state']:12} {row['status']} {row['sha256'][:16]} {row['ms']:7.1f} ms {row['body']}"
        )
    # Then each route answers all three with one status and one body, byte for byte
    for route in REQUESTS:
        answers = {(r["status"], r["sha256"]) for r in rows if r["route"] == route}
        assert len(answers) == 1, [r for r in rows if r["route"] == route]
        ((status, _),) = answers
        assert status < 500


# ---------------------------------------------------------------- issue 22: repetition

#: The broker's attempt limit per email and route family (src/auth/attempts.py).
LIMIT = 4
#: The code-delivery family's own limit (resend-code and forgot-password together).
CODE_DELIVERY_LIMIT = 2

#: route family -> (route, request body for ``email``), one wrong guess each
REPEATED = {
    "sign-in": ("/auth/sign-in", lambda email: {"email": email, "password": "Wrong-Horse-1"}),
    "sign-in (challenge answer)": (
        "/auth/challenge",
        lambda email: {
            "email": email,
            "challenge": "SOFTWARE_TOKEN_MFA",
            "session": "A" * 64,
            "answer": "123456",
        },
    ),
    "sign-in (email code)": ("/auth/sign-in/email-code", lambda email: {"email": email}),
    "confirm": ("/auth/confirm", lambda email: {"email": email, "code": WRONG_CODE}),
    "reset-password": ("/auth/reset-password", REQUESTS["/auth/reset-password"]),
    "code delivery (resend-code)": ("/auth/resend-code", REQUESTS["/auth/resend-code"]),
    "code delivery (forgot-password)": (
        "/auth/forgot-password",
        REQUESTS["/auth/forgot-password"],
    ),
}
#: family -> its limit where it is not LIMIT
LIMITS = {
    "code delivery (resend-code)": CODE_DELIVERY_LIMIT,
    "code delivery (forgot-password)": CODE_DELIVERY_LIMIT,
}


def answer_of(response: requests.Response) -> tuple:
    """(status, body, has Retry-After); an email-code session is random, so only its
    length counts."""
    body = response.json()
    if "session" in body:
        body["session"] = len(body["session"])
    return response.status_code, body, "Retry-After" in response.headers


def repeated_attempts(
    api: str, route: str, body, email: str, limit: int
) -> tuple[list[tuple], list[float]]:
    answers, timings = [], []
    for _ in range(limit + 3):
        started = time.perf_counter()
        response = requests.post(f"{api}{route}", json=body(email), timeout=30)
        timings.append((time.perf_counter() - started) * 1000)
        answers.append(answer_of(response))
    return answers, timings


@pytest.mark.parametrize("family", list(REPEATED))
def test_repeated_attempts_look_the_same_for_every_account_state(local_stack, family) -> None:
    api = local_stack.api_url
    route, body = REPEATED[family]
    limit = LIMITS.get(family, LIMIT)
    requests.post(f"{api}{route}", json=body(fresh_email("warmup")), timeout=30)
    # Given an unknown, an unconfirmed and a confirmed email
    sequences = {}
    for state in ("unknown", "unconfirmed", "confirmed"):
        # When each gets limit + 3 attempts on one route family
        answers, timings = repeated_attempts(api, route, body, account(api, state), limit)
        sequences[state] = answers
        print(
            f"{family:32} {state:12} {[a[0] for a in answers]} first {timings[0]:.1f} ms, "
            f"over the limit {statistics.median(timings[limit:]):.1f} ms"
        )
    # Then the three sequences of status and body are identical
    assert sequences["unknown"] == sequences["unconfirmed"] == sequences["confirmed"], sequences
    # And after `limit` attempts every email gets the same 429 with Retry-After
    over = sequences["unknown"][limit:]
    assert {(status, retry) for status, _, retry in over} == {(429, True)}
    assert over[0][1] == {
        "error": "too_many_requests",
        "error_description": "Too many attempts; retry later.",
    }
    assert all(status != 429 for status, _, _ in sequences["unknown"][:limit])


def test_resend_code_and_forgot_password_share_one_code_delivery_limit(local_stack) -> None:
    # Given an email (confirmed, so both routes would email it a code)
    api = local_stack.api_url
    email = account(api, "confirmed")
    # When it asks for codes on both routes in turn
    statuses = [
        requests.post(f"{api}{route}", json={"email": email}, timeout=30).status_code
        for route in ("/auth/resend-code", "/auth/forgot-password") * 2
    ]
    # Then the two routes count together
    assert statuses == [200] * CODE_DELIVERY_LIMIT + [429] * (4 - CODE_DELIVERY_LIMIT)
