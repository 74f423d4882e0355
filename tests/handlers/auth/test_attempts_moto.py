"""The broker's attempt counter (issue 22) on the template's AttemptsTable in moto."""

from __future__ import annotations

import importlib
import threading

import boto3
import pytest

from auth.attempts import (
    CODE_DELIVERY,
    CODE_DELIVERY_LIMIT,
    CODE_DELIVERY_WINDOW_SECONDS,
    LIMIT,
    SIGN_IN,
    WINDOW_SECONDS,
    AttemptCounter,
    TooManyAttempts,
)
from auth.config import load_settings
from auth.errors import LIMITED_DESCRIPTION, UpstreamError, answer
from auth.models import EmailRequest
from auth.service import AuthService
from tests.handlers.auth.auth_events import body_of, header, load_event, with_body

TABLE = "moments-local-AttemptsTable"
EMAIL = "alice@example.com"  # the address in events/*.json
KEY = b"k" * 32


class Clock:
    """A fake epoch clock the test moves by hand (no sleeps)."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def counter(clock: Clock, **kwargs) -> AttemptCounter:
    return AttemptCounter(TABLE, lambda: KEY, clock=clock, **kwargs)


def test_the_template_gives_the_broker_the_table(moto_pool):
    assert moto_pool.env["ATTEMPTS_TABLE_NAME"] == TABLE


def test_the_counter_table_holds_no_raw_email(moto_pool):
    # Given attempts for one email in every family
    attempts = counter(Clock())
    for family in ("sign_in", "confirm", "reset_password"):
        attempts.count(family, EMAIL)
    # Then the table holds keyed hashes, and nothing of the address
    items = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    assert len(items) == 3
    stored = repr(items).lower()
    for part in (EMAIL, "alice", "example.com"):
        assert part not in stored
    assert {item["counter_key"]["S"].split("#")[0] for item in items} == {
        "sign_in",
        "confirm",
        "reset_password",
    }
    assert all(len(item["counter_key"]["S"].split("#")[1]) == 64 for item in items)


def test_over_the_limit_every_attempt_is_refused_until_the_window_ends(moto_pool):
    clock = Clock()
    attempts = counter(clock)
    for _ in range(LIMIT):
        attempts.count(SIGN_IN, EMAIL)
    # The next one, and every one after it, is refused with the time left
    clock.now += 60
    with pytest.raises(TooManyAttempts) as caught:
        attempts.count(SIGN_IN, EMAIL)
    assert answer(caught.value).status == 429
    assert answer(caught.value).headers == {"Retry-After": str(WINDOW_SECONDS - 60)}
    # Refused attempts do not extend the window
    clock.now += WINDOW_SECONDS - 60 - 1
    with pytest.raises(TooManyAttempts) as caught:
        attempts.count(SIGN_IN, EMAIL)
    assert answer(caught.value).headers == {"Retry-After": "1"}
    # After it, the email starts a new window (the stale item is still there: TTL is lazy)
    clock.now += 1
    assert attempts.count(SIGN_IN, EMAIL) == int(clock.now) + WINDOW_SECONDS
    # Another family and another email have counters of their own
    attempts.count("confirm", EMAIL)
    attempts.count(SIGN_IN, "someone@example.com")


def test_code_delivery_has_its_own_limit_and_hour_long_window(moto_pool):
    # Given an email's code-delivery counter at its limit (two per hour, below Cognito's
    # lowest five per hour on forgot-password)
    clock = Clock()
    attempts = counter(clock)
    assert (CODE_DELIVERY_LIMIT, CODE_DELIVERY_WINDOW_SECONDS) == (2, 3600)
    for _ in range(CODE_DELIVERY_LIMIT):
        attempts.count(CODE_DELIVERY, EMAIL)
    # Then the next one is refused until an hour after the last counted one
    clock.now += 60
    with pytest.raises(TooManyAttempts) as caught:
        attempts.count(CODE_DELIVERY, EMAIL)
    assert answer(caught.value).headers == {"Retry-After": str(CODE_DELIVERY_WINDOW_SECONDS - 60)}
    # And the email's sign-in counter is untouched by it
    for _ in range(LIMIT):
        attempts.count(SIGN_IN, EMAIL)
    clock.now += CODE_DELIVERY_WINDOW_SECONDS - 60
    assert attempts.count(CODE_DELIVERY, EMAIL) == int(clock.now) + CODE_DELIVERY_WINDOW_SECONDS


def test_concurrent_attempts_cannot_pass_the_limit(moto_pool, monkeypatch):
    # DynamoDB applies one conditional UpdateItem atomically; moto's backend takes no lock
    # (10 threads let 4 or 5 through in about half the runs), so give it that atomicity.
    # A counter that read, then wrote, would still race outside the lock and fail here.
    from moto.dynamodb.models import DynamoDBBackend

    lock, update_item = threading.Lock(), DynamoDBBackend.update_item

    def atomic_update_item(self, *args, **kwargs):
        with lock:
            return update_item(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "update_item", atomic_update_item)
    attempts = counter(Clock(), limit=3)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            attempts.count(SIGN_IN, EMAIL)
            outcomes.append("counted")
        except TooManyAttempts:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["counted"] * 3 + ["refused"] * 7


def test_a_counter_that_cannot_be_written_is_a_clean_5xx(moto_pool):
    broken = AttemptCounter("no-such-table", lambda: KEY)
    with pytest.raises(UpstreamError) as caught:
        broken.count(SIGN_IN, EMAIL)
    assert answer(caught.value).status >= 500


def sign_in(password: str, context) -> dict:
    event = with_body(load_event("sign_in"), {"email": EMAIL, "password": password})
    return importlib.import_module("auth.handlers.sign_in").lambda_handler(event, context)


@pytest.fixture
def clocked_broker(moto_pool, lambda_context, monkeypatch) -> Clock:
    """A confirmed user, and the sign-in handler with its real adapters and the counter
    on a fake clock."""
    from tests.handlers.auth.test_auth_handlers_moto import signed_up_and_confirmed

    signed_up_and_confirmed(moto_pool, lambda_context)
    clock = Clock()
    service = AuthService(load_settings(), attempts=counter(clock))
    handler = importlib.import_module("auth.handlers.sign_in")
    monkeypatch.setattr(handler, "get_service", lambda: service)
    return clock


def test_the_right_password_after_the_window_signs_in(clocked_broker, lambda_context):
    clock = clocked_broker
    # Given LIMIT wrong passwords (Cognito sees each: fewer than its five, no lockout)
    assert [sign_in("Wrong-Horse-1", lambda_context)["statusCode"] for _ in range(LIMIT)] == [
        401
    ] * LIMIT
    # Then even the right password is refused until the window ends, without Cognito
    refused = sign_in("Correct-Horse-9", lambda_context)
    assert refused["statusCode"] == 429
    assert body_of(refused) == {
        "error": "too_many_requests",
        "error_description": "Too many attempts; retry later.",
    }
    assert header(refused, "Retry-After") == [str(WINDOW_SECONDS)]
    # When the window is over, the right password signs in
    clock.now += WINDOW_SECONDS
    assert sign_in("Correct-Horse-9", lambda_context)["statusCode"] == 200
    # And that success cleared the counter: LIMIT fresh attempts again
    assert [sign_in("Wrong-Horse-1", lambda_context)["statusCode"] for _ in range(LIMIT)] == [
        401
    ] * LIMIT


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("NotAuthorizedException", "Password attempts exceeded"),
        ("LimitExceededException", "Attempt limit exceeded, please try after some time."),
        ("TooManyFailedAttemptsException", None),
    ],
)
def test_cognitos_own_account_limits_get_the_counters_answer(moto_pool, code, message):
    attempts = counter(Clock())
    with pytest.raises(TooManyAttempts) as caught, attempts.attempt("confirm", EMAIL):
        raise UpstreamError("ConfirmSignUp", code, message)
    over = answer(caught.value)
    assert (over.status, over.error, over.description) == (
        429,
        "too_many_requests",
        LIMITED_DESCRIPTION,
    )
    assert over.headers == {"Retry-After": str(WINDOW_SECONDS)}


class LimitedIdp:
    """Cognito answering ``LimitExceededException``, as it does for a real account's
    code emails over its hourly limit."""

    def _limited(self, username: str) -> dict:
        raise UpstreamError(
            "ForgotPassword",
            "LimitExceededException",
            "Attempt limit exceeded, please try after some time.",
        )

    forgot_password = resend_confirmation_code = _limited


@pytest.mark.parametrize("route", ["resend_code", "forgot_password"])
def test_cognitos_code_limit_on_code_delivery_gets_the_counters_answer(moto_pool, route):
    # Given Cognito refusing a code email with its own limit (for real accounts only)
    service = AuthService(load_settings(), idp=LimitedIdp(), attempts=counter(Clock()))
    # Then the broker answers as over its own limit, not as a success or Cognito's 429
    with pytest.raises(TooManyAttempts) as caught:
        getattr(service, route)(EmailRequest(email=EMAIL))
    over = answer(caught.value)
    assert (over.status, over.error) == (429, "too_many_requests")
    assert over.headers == {"Retry-After": str(CODE_DELIVERY_WINDOW_SECONDS)}


def test_other_cognito_errors_pass_through_the_counter(moto_pool):
    attempts = counter(Clock())
    wrong = UpstreamError(
        "InitiateAuth", "NotAuthorizedException", "Incorrect username or password."
    )
    throttled = UpstreamError("InitiateAuth", "TooManyRequestsException", "Rate exceeded")
    for error in (wrong, throttled):
        with pytest.raises(UpstreamError) as caught, attempts.attempt(SIGN_IN, EMAIL):
            raise error
        assert caught.value is error


def delete_account(access_token: str, password: str, context) -> dict:
    event = with_body(load_event("delete_account"), {"password": password})
    event["headers"]["Authorization"] = f"Bearer {access_token}"
    event["multiValueHeaders"]["Authorization"] = [f"Bearer {access_token}"]
    return importlib.import_module("auth.handlers.account").lambda_handler(event, context)


def test_wrong_fresh_proofs_count_toward_the_sign_in_limit(
    clocked_broker, lambda_context, monkeypatch
):
    """Issue 25: a wrong proof "counts toward the same limits" as a wrong sign-in."""
    handler = importlib.import_module("auth.handlers.account")
    monkeypatch.setattr(
        handler, "get_service", importlib.import_module("auth.handlers.sign_in").get_service
    )
    signed_in = sign_in("Correct-Horse-9", lambda_context)
    access_token = body_of(signed_in)["access_token"]
    # Given LIMIT wrong proofs on a sensitive route (each 401, as a wrong sign-in)
    statuses = [
        delete_account(access_token, "Wrong-Horse-1", lambda_context)["statusCode"]
        for _ in range(LIMIT)
    ]
    assert statuses == [401] * LIMIT
    # Then the email's next sign-in, and its next proof, are over the limit
    refused = sign_in("Correct-Horse-9", lambda_context)
    assert refused["statusCode"] == 429
    assert header(refused, "Retry-After") == [str(WINDOW_SECONDS)]
    proof = delete_account(access_token, "Correct-Horse-9", lambda_context)
    assert (proof["statusCode"], body_of(proof)["error"]) == (429, "too_many_requests")
    # And after the window a proof reaches Cognito again
    clocked_broker.now += WINDOW_SECONDS
    assert delete_account(access_token, "Wrong-Horse-1", lambda_context)["statusCode"] == 401
