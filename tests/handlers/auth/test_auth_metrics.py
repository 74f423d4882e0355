"""Each broker function publishes one business metric per invocation (CloudWatch EMF on
stdout), success or failure, and never anything that identifies the user."""

from __future__ import annotations

import importlib
import json

import pytest

from tests.handlers.auth.auth_events import load_event, with_body
from tests.support.routes import by_event

EMAIL = "alice@example.com"  # the address in events/*.json
PASSWORD = "Correct-Horse-9"


def invoke(handler: str, event: dict, context) -> dict:
    return importlib.import_module(f"auth.handlers.{handler}").lambda_handler(event, context)


def application_metrics(stdout: str) -> list[dict]:
    """The EMF records printed by ``@metrics.log_metrics``, minus the ColdStart ones."""
    records = [json.loads(line) for line in stdout.splitlines() if line.startswith('{"_aws"')]
    return [r for r in records if "ColdStart" not in r]


def metric_names(record: dict) -> set[str]:
    return {m["Name"] for m in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]}


def total(record: dict, name: str) -> float:
    """A metric's value; EMF allows a number or a list of numbers."""
    value = record[name]
    return sum(value) if isinstance(value, list) else value


def test_a_sign_in_publishes_sign_ins_and_a_wrong_password_sign_in_failures(
    moto_pool, lambda_context, capsys
):
    # Given a confirmed user
    assert invoke("sign_up", load_event("sign_up"), lambda_context)["statusCode"] == 201
    assert invoke("confirm", load_event("confirm_sign_up"), lambda_context)["statusCode"] == 200
    capsys.readouterr()
    # When they sign in, then try a wrong password
    assert invoke("sign_in", load_event("sign_in"), lambda_context)["statusCode"] == 200
    wrong = with_body(load_event("sign_in"), {"email": EMAIL, "password": "Wrong-Horse-9"})
    assert invoke("sign_in", wrong, lambda_context)["statusCode"] == 401
    out = capsys.readouterr().out

    # Then each invocation published exactly one application metric in the Moments namespace
    success, failure = application_metrics(out)
    assert metric_names(success) == {"SignIns"} and total(success, "SignIns") == 1
    assert metric_names(failure) == {"SignInFailures"} and total(failure, "SignInFailures") == 1
    assert failure["error"] == "invalid_credentials"
    for record in (success, failure):
        assert record["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Moments"
        assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    # And nothing personal is in them
    assert EMAIL not in out and PASSWORD not in out and "Wrong-Horse-9" not in out


FAILURE_METRICS = {
    "sign_up": "SignUpFailures",
    "confirm_sign_up": "ConfirmSignUpFailures",
    "resend_code": "ResendCodeFailures",
    "sign_in": "SignInFailures",
    "token": "TokenFailures",
    "sign_out": "SignOutFailures",
    "forgot_password": "ForgotPasswordFailures",
    "reset_password": "ResetPasswordFailures",
}


@pytest.mark.parametrize("event_name", sorted(FAILURE_METRICS))
def test_every_broker_function_counts_its_rejected_requests(
    event_name, moto_pool, lambda_context, capsys
):
    # Given a request whose body is not JSON
    event = load_event(event_name)
    event["body"] = "not json"
    handler = by_event(event_name).handler
    # When the function answers it
    assert invoke(handler, event, lambda_context)["statusCode"] == 400
    # Then its failure metric is the one application metric published
    (record,) = application_metrics(capsys.readouterr().out)
    assert metric_names(record) == {FAILURE_METRICS[event_name]}
    assert record["error"] == "invalid_request"
