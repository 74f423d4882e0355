"""Property-based fuzzing of a fresh local stack from the committed ``openapi.json``.

Schemathesis generates requests for every operation of the document, valid ones
(``POSITIVE``) and ones that break the schema (``NEGATIVE``), sends them over real HTTP
with a real Cognito access token on the photo routes, and checks every response:

- ``not_a_server_error``: no 5xx, ever;
- ``status_code_conformance``, ``content_type_conformance``,
  ``response_headers_conformance``, ``response_schema_conformance``: the status is one
  the document lists for the operation and the body matches that status's schema;
- ``negative_data_rejection``: a request that breaks the schema is not answered 2xx;
- :func:`contract_error_body`: every 4xx carries exactly ``{"error", "error_description"}``
  with a snake_case code (DESIGN.md), whatever the document says.

``positive_data_acceptance`` is left out on purpose: a schema-valid sign-in with a random
email is rightly 401, a random confirmation code rightly 400.

Budget (issue 12): at least :data:`MIN_CASES` cases within :data:`MAX_SECONDS`. Hypothesis
runs without its example database and with a fixed seed, so a failure reproduces.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.stack import start_stack, stop_stack
from tools.openapi import OUTPUT, SECURITY_SCHEME

pytestmark = pytest.mark.e2e

MIN_CASES = 1000
MAX_SECONDS = 90.0  # the budget the summary compares against; not asserted
#: Examples per operation and generation mode: 13 operations x 2 modes x 42 + GET
#: /auth/config (no input: 1 case) = 1,093 cases.
EXAMPLES_PER_RUN = 42
PASSWORD = "Correct-Horse-9"
ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]*$")

# Known failures that issue 9 (strict types, nested JSON) fixes in src/: (operation
# label, check name) pairs tolerated here, so this test gates everything else meanwhile.
# Drop each entry once issue 9 is merged; `test_known_failures_are_still_real` says when.
KNOWN_ISSUE_9: set[tuple[str, str]] = set()


def contract_error_body(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx body is the contract's ``{"error", "error_description"}`` and nothing else."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"{response.status_code} body is not JSON") from exc
    assert isinstance(body, dict) and set(body) == {"error", "error_description"}, (
        f"{response.status_code} body is not the contract's error body: {body!r}"[:300]
    )
    assert isinstance(body["error"], str) and ERROR_CODE.match(body["error"]), body
    assert isinstance(body["error_description"], str) and body["error_description"], body
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    contract_error_body,
]


@dataclass
class FuzzReport:
    """What the run did: cases per operation, statuses seen, failures by (operation, check)."""

    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    unbreakable: list[str] = field(default_factory=list)
    http_seconds: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> str:
        total = sum(self.cases.values())
        statuses = dict(sorted(self.statuses.items()))
        lines = [f"{total} cases in {self.seconds:.1f} s over {len(self.cases)} operations"]
        lines.append(f"statuses {statuses}; no negative cases for {self.unbreakable}")
        lines += [
            f"  {label}: {count} cases, {self.http_seconds[label]:.1f} s waiting for responses"
            for label, count in sorted(self.cases.items())
        ]
        lines += [f"FAIL {op} [{check}]: {msg}" for (op, check), msg in self.failures.items()]
        return "\n".join(lines)


@pytest.fixture(scope="module")
def fresh_stack(tmp_path_factory):
    """A local stack of this module's own, on free ports: no state from other tests."""
    stack = start_stack(tmp_path_factory.mktemp("fuzz-stack") / "console.log")
    try:
        yield stack
    finally:
        stop_stack(stack.process)


def _access_token(api: str) -> str:
    """Sign up, confirm with the dev inbox's code, sign in: a real Cognito access token."""
    email = f"fuzz-{uuid.uuid4().hex[:10]}@example.com"
    signed_up = requests.post(
        f"{api}/auth/sign-up", json={"email": email, "password": PASSWORD}, timeout=30
    )
    assert signed_up.status_code == 201, signed_up.text
    inbox = requests.get(f"{api}/_local/inbox/{email}", timeout=10).json()["messages"]
    code = next(m["code"] for m in inbox if m["kind"] == "sign_up")
    confirmed = requests.post(
        f"{api}/auth/confirm", json={"email": email, "code": code}, timeout=30
    )
    assert confirmed.status_code == 200, confirmed.text
    tokens = requests.post(
        f"{api}/auth/sign-in", json={"email": email, "password": PASSWORD}, timeout=30
    ).json()
    return str(tokens["access_token"])


def fuzz(api: str, token: str) -> FuzzReport:
    """Run every operation of ``openapi.json`` in both generation modes against ``api``."""
    schema = schemathesis.openapi.from_path(OUTPUT)
    schema.config.update(base_url=api)
    report = FuzzReport()
    session = requests.Session()
    started = time.perf_counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        secured = any(SECURITY_SCHEME in r for r in operation.definition.raw.get("security", []))
        # The Bearer token goes only where the document asks for it: POST /auth/sign-out
        # with it would sign the fuzzing user out everywhere (GlobalSignOut).
        headers = {"Authorization": f"Bearer {token}"} if secured else {}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz_operation(operation, mode, headers, session, report)
            except Unsatisfiable:
                # Nothing to break: an operation without parameters or body (GET /auth/config)
                # has no negative cases.
                assert mode is GenerationMode.NEGATIVE, operation.label
                report.unbreakable.append(operation.label)
    report.seconds = time.perf_counter() - started
    return report


def _fuzz_operation(
    operation: schemathesis.APIOperation,
    mode: GenerationMode,
    headers: dict[str, str],
    session: requests.Session,
    report: FuzzReport,
) -> None:
    """:data:`EXAMPLES_PER_RUN` cases of one operation; failures go to ``report``."""
    label = operation.label

    @seed(12)
    @settings(
        max_examples=EXAMPLES_PER_RUN,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        report.cases[label] += 1
        try:
            sent = time.perf_counter()
            response = case.call(session=session, headers=headers, timeout=30)
            report.http_seconds[label] += time.perf_counter() - sent
            report.statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = (label, type(failure).__name__)
                report.failures.setdefault(key, f"{failure.title}: {failure.message}"[:500])

    run()


@pytest.fixture(scope="module")
def report(fresh_stack) -> FuzzReport:
    token = _access_token(fresh_stack.api_url)
    result = fuzz(fresh_stack.api_url, token)
    print(result.summary())
    return result


def test_every_operation_of_the_document_is_fuzzed(report):
    document = json.loads(OUTPUT.read_text(encoding="utf-8"))
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert set(report.cases) == operations


def test_at_least_a_thousand_cases_run(report):
    # The 90 s budget is reported by report.summary(), not asserted: timing belongs in
    # benchmarks, and a loaded 2-core CI machine would make a timed test flaky.
    assert sum(report.cases.values()) >= MIN_CASES, report.summary()


def test_no_5xx_every_response_conforms_and_every_4xx_is_the_error_body(report):
    unexpected = {key: msg for key, msg in report.failures.items() if key not in KNOWN_ISSUE_9}
    assert not unexpected, report.summary()
