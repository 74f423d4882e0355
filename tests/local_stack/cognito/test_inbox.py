"""The dev inbox: what a developer sees on the console and at GET /_local/inbox/{email}."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest

from local_stack.cognito.inbox import Inbox


class Ticker:
    """A clock that moves one second per reading."""

    def __init__(self) -> None:
        self.moment = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


def test_delivery_prints_one_line_with_the_email_kind_and_code() -> None:
    console = io.StringIO()
    inbox = Inbox(stream=console)

    inbox.deliver("alice@example.com", "sign_up", "123456")

    lines = console.getvalue().splitlines()
    assert len(lines) == 1
    assert all(part in lines[0] for part in ("alice@example.com", "sign_up", "123456"))


def test_messages_are_newest_first_with_rfc3339_utc_timestamps() -> None:
    inbox = Inbox(stream=io.StringIO(), now=Ticker())
    inbox.deliver("alice@example.com", "sign_up", "111111")
    inbox.deliver("alice@example.com", "forgot_password", "222222")

    messages = inbox.messages("alice@example.com")

    assert messages == [
        {
            "to": "alice@example.com",
            "kind": "forgot_password",
            "code": "222222",
            "sent_at": "2025-03-01T12:00:02Z",
        },
        {
            "to": "alice@example.com",
            "kind": "sign_up",
            "code": "111111",
            "sent_at": "2025-03-01T12:00:01Z",
        },
    ]


def test_addresses_match_case_insensitively_and_stay_separate() -> None:
    inbox = Inbox(stream=io.StringIO())
    inbox.deliver("Alice@Example.com", "sign_up", "111111")
    inbox.deliver("bob@example.com", "sign_up", "222222")

    assert [m["code"] for m in inbox.messages("ALICE@example.COM")] == ["111111"]
    assert inbox.messages("carol@example.com") == []


def test_returned_messages_are_copies() -> None:
    inbox = Inbox(stream=io.StringIO())
    inbox.deliver("alice@example.com", "sign_up", "111111")

    inbox.messages("alice@example.com")[0]["code"] = "tampered"

    assert inbox.messages("alice@example.com")[0]["code"] == "111111"


@pytest.mark.parametrize(("to", "kind"), [("", "sign_up"), ("alice@example.com", "newsletter")])
def test_a_message_without_recipient_or_with_an_unknown_kind_is_refused(to: str, kind: str) -> None:
    inbox = Inbox(stream=io.StringIO())

    with pytest.raises(ValueError):
        inbox.deliver(to, kind, "123456")


def test_concurrent_deliveries_are_all_kept() -> None:
    inbox = Inbox(stream=io.StringIO())

    def send(worker: int) -> None:
        for n in range(20):
            inbox.deliver(f"user{worker}@example.com", "sign_up", f"{n:06d}")

    threads = [threading.Thread(target=send, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for worker in range(8):
        codes = [m["code"] for m in inbox.messages(f"user{worker}@example.com")]
        assert codes == [f"{n:06d}" for n in reversed(range(20))]
