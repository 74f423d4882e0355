"""Timing class of passkey and choice-based sign-in (issue 20): known vs unknown email.

The no-oracle rule asks that an unknown email get the same status, shape *and timing
class* as a known one (OWASP ASVS 5.0 6.3.8). This starts a fresh local stack on free
ports (``python -m local_stack run``), signs up one user and registers a passkey for them
at the emulator (StartWebAuthnRegistration / CompleteWebAuthnRegistration, with the
software authenticator of tests/support/passkey.py), then times, over HTTP,
``POST /auth/sign-in/passkey`` and ``POST /auth/sign-in/select`` for that email and for
a fresh unknown email, interleaved (known, unknown, unknown, known, ...), after a few
warm-up calls so that no cold start is timed. It prints the median, p10 and p90 per route
and email, and the difference of the medians.

It also times ``POST /auth/challenge`` choosing ``WEB_AUTHN`` after a ``/select``: for
the user with a passkey, a user without one and an unknown email. The offer is the
broker's own and the choice starts the passkey route's InitiateAuth for every email
(``auth.sign_in_choice``), so all three should be one class. (Before that change, a user
without a passkey paid a second Cognito call: 37.8 vs 27.7 ms median here.) A
``WEB_AUTHN`` choice is not counted by the attempt counter, as the passkey route.

Reading it: a difference of the medians well inside the spread (p10-p90) of either side
means one timing class; the local stack's numbers are this machine's, and on AWS it is
Cognito's simulation for unknown users that sets the class.

Usage: ``make bench`` or ``python bench/sign_in_choice.py [--runs 60]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Correct-Horse-9"
ROUTES = ("/auth/sign-in/passkey", "/auth/sign-in/select")
CHOICE = "/auth/challenge WEB_AUTHN"


def known_user(api: str, emulator: str) -> str:
    """A confirmed user with a passkey; their email."""
    import boto3
    import requests

    sys.path.insert(0, str(ROOT))
    from tests.support.passkey import SoftwarePasskey

    email = password_user(api)
    body = {"email": email, "password": PASSWORD}
    access = requests.post(f"{api}/auth/sign-in", json=body, timeout=60).json()["access_token"]
    idp = boto3.client("cognito-idp", endpoint_url=emulator, region_name="us-east-1")
    started = idp.start_web_authn_registration(AccessToken=access)
    origin = f"http://localhost:{urlsplit(api).port}"
    credential = SoftwarePasskey().create(started["CredentialCreationOptions"], origin=origin)
    idp.complete_web_authn_registration(AccessToken=access, Credential=credential)
    return email


def password_user(api: str) -> str:
    """A confirmed user without a passkey; their email."""
    import requests

    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD}
    requests.post(f"{api}/auth/sign-up", json=body, timeout=60).raise_for_status()
    messages = requests.get(f"{api}/_local/inbox/{email}", timeout=10).json()["messages"]
    code = {"email": email, "code": messages[0]["code"]}
    requests.post(f"{api}/auth/confirm", json=code, timeout=60).raise_for_status()
    return email


def measure(runs: int) -> dict[str, dict[str, list[float]]]:
    """Run inside ``local_stack run``; the samples in ms, by route and email kind."""
    import requests

    api, emulator = os.environ["MOMENTS_API_URL"], os.environ["MOMENTS_EMULATOR_URL"]
    known = known_user(api, emulator)
    session = requests.Session()

    def timed(route: str, email: str) -> float:
        started = time.perf_counter()
        response = session.post(f"{api}{route}", json={"email": email}, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.text
        return elapsed

    samples: dict[str, dict[str, list[float]]] = {r: {"known": [], "unknown": []} for r in ROUTES}
    for route in ROUTES:  # warm every sandbox the runs will use
        for _ in range(8):
            timed(route, known)
            timed(route, f"warm-{uuid.uuid4().hex[:10]}@example.com")
    for n in range(runs):
        for route in ROUTES:
            order = ("known", "unknown") if n % 2 == 0 else ("unknown", "known")
            for kind in order:
                email = known if kind == "known" else f"nobody-{uuid.uuid4().hex[:10]}@example.com"
                samples[route][kind].append(timed(route, email))
    samples[CHOICE] = choose_web_authn(session, api, known, password_user(api), runs)
    return samples


def choose_web_authn(
    session: Any, api: str, known: str, without: str, runs: int
) -> dict[str, list[float]]:
    """Samples (ms) of the ``WEB_AUTHN`` choice's answer, by email kind, interleaved."""

    def timed(email: str) -> float:
        offer = session.post(f"{api}/auth/sign-in/select", json={"email": email}, timeout=60)
        body = {"email": email, "challenge": "SELECT_CHALLENGE", "answer": "WEB_AUTHN"}
        started = time.perf_counter()
        response = session.post(
            f"{api}/auth/challenge", json=body | {"session": offer.json()["session"]}, timeout=60
        )
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.text
        return elapsed

    kinds = {"known": lambda: known, "no passkey": lambda: without,
             "unknown": lambda: f"nobody-{uuid.uuid4().hex[:10]}@example.com"}  # fmt: skip
    for _ in range(4):  # warm-up
        for email in kinds.values():
            timed(email())
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    for n in range(runs):
        order = list(kinds) if n % 2 == 0 else list(reversed(kinds))
        for kind in order:
            samples[kind].append(timed(kinds[kind]()))
    return samples


def summary(values: list[float]) -> tuple[float, float, float]:
    """(median, p10, p90) in ms."""
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    return statistics.median(values), deciles[0], deciles[8]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=60, help="timed calls per route and email")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.runs)))
        return 0
    command = [
        sys.executable, "-m", "local_stack", "run", "--log-file", os.devnull, "--",
        sys.executable, str(Path(__file__).resolve()), "--measure", "--runs", str(args.runs),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        return done.returncode
    samples = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"known vs unknown email, {args.runs} interleaved calls each (ms)")
    print(f"{'route':<27}{'email':<11}{'median':>8}{'p10':>8}{'p90':>8}")
    for route in (*ROUTES, CHOICE):
        medians = {}
        for kind, values in samples[route].items():
            median, p10, p90 = summary(values)
            medians[kind] = median
            print(f"{route:<27}{kind:<11}{median:>8.1f}{p10:>8.1f}{p90:>8.1f}")
        for kind in medians.keys() - {"known"}:
            print(f"{'':<27}{'diff ' + kind:<11}{medians[kind] - medians['known']:>+8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
