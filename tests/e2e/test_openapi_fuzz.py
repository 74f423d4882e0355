"""Property-based fuzzing of a fresh local stack from the committed ``openapi.json``.

Schemathesis generates requests for every operation of the document, valid ones
(``POSITIVE``) and ones that break the schema (``NEGATIVE``), in two phases: its
deterministic *coverage* phase (boundary values, each constraint broken in turn, wrong
types, missing and extra members, unexpected methods) and then Hypothesis-driven fuzzing.
It sends them over real HTTP, with a real Cognito access token on the photo routes, and
checks every response:

- ``not_a_server_error``: no 5xx, ever;
- ``status_code_conformance``, ``content_type_conformance``,
  ``response_headers_conformance``, ``response_schema_conformance``: the status is one
  the document lists for the operation and the body matches that status's schema;
- ``negative_data_rejection``: a request that breaks the schema is not answered 2xx;
- ``ignored_auth``: once a photo operation answers 2xx with the token, the same request
  without it and with a bad one is refused;
- :func:`contract_error_body`: every 4xx carries exactly ``{"error", "error_description"}``
  with a snake_case code (docs/architecture.md, "Rules of the road"), whatever the document says.

``positive_data_acceptance`` is left out on purpose: a schema-valid sign-in with a random
email is rightly 401, a random confirmation code rightly 400.

Budget (issue 12): at least :data:`MIN_CASES` cases (asserted) within :data:`MAX_SECONDS`
(reported in the summary, not asserted: timing belongs in benchmarks). Hypothesis runs
without its example database and with a fixed seed, so a failure reproduces.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable
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
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.stack import start_stack, stop_stack
from tools.openapi import OUTPUT, SECURITY_SCHEME

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MIN_CASES = 1000
MAX_SECONDS = 90.0  # the budget the summary compares against; not asserted
#: Fuzzed examples per operation and generation mode: 24 operations with inputs x (20 + 10)
#: + GET /auth/config (no input: 1 case) = 721 cases, on top of the 844 of the coverage
#: phase: 1,565 in all, for issue 12's 1,000. Fewer negative ones: the coverage phase
#: already breaks each constraint in turn, and negative generation costs the most time
#: (profiled: Hypothesis mutations and syntax fuzzing, about as long as the HTTP round
#: trips). At 30 + 15 the run was 1,925 cases and 46 s of the suite's CPU.
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}
PASSWORD = "Correct-Horse-9"
ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]*$")

#: Nesting depth of the hostile JSON bodies: past CPython's default recursion limit (1,000),
#: far below API Gateway's 10 MB payload quota.
HOSTILE_DEPTH = 5_000


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
    ignored_auth,
    contract_error_body,
]


@dataclass
class FuzzReport:
    """What the run did: cases per operation, statuses seen, failures by (operation, check)."""

    cases: Counter[str] = field(default_factory=Counter)
    coverage_cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    unbreakable: list[str] = field(default_factory=list)
    http_seconds: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> str:
        total = sum(self.cases.values())
        statuses = dict(sorted(self.statuses.items()))
        phase = f"{self.coverage_cases} from the coverage phase"
        budget = f"{'within' if self.seconds <= MAX_SECONDS else 'OVER'} {MAX_SECONDS:.0f} s"
        ops = len(self.cases)
        lines = [
            f"{total} cases ({phase}) in {self.seconds:.1f} s ({budget}) over {ops} operations"
        ]
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


def fuzz(api: str, new_token: Callable[[], str] | None = None) -> FuzzReport:
    """Run every operation of ``openapi.json`` in both generation modes against ``api``.

    Each secured operation gets the access token of a user of its own (``new_token``, by
    default :func:`_access_token`): some operations end their user's session or account
    (``DELETE /auth/account``, a password change), and a shared token would leave every
    later operation fuzzing nothing but 401s.
    """
    new_token = new_token or (lambda: _access_token(api))
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
        headers = {"Authorization": f"Bearer {new_token()}"} if secured else {}
        for case in schema.iter_coverage_cases(
            operation,
            generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=schema.config.generation_for(operation=operation),
        ):
            report.coverage_cases += 1
            _send_and_check(case, operation.label, headers, session, report)
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
    """:data:`EXAMPLES` cases of one operation in ``mode``; failures go to ``report``."""
    label = operation.label

    @seed(12)
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        _send_and_check(case, label, headers, session, report)

    run()


def _send_and_check(
    case: schemathesis.Case,
    label: str,
    headers: dict[str, str],
    session: requests.Session,
    report: FuzzReport,
) -> None:
    """Send one case and run :data:`CHECKS` on the response; failures go to ``report``."""
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


@pytest.fixture(scope="module")
def token(fresh_stack) -> str:
    return _access_token(fresh_stack.api_url)


@pytest.fixture(scope="module")
def report(fresh_stack) -> FuzzReport:
    result = fuzz(fresh_stack.api_url)
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
    assert not report.failures, report.summary()


# Two findings of the outside fuzzer (issue 12's text) that generation from the schema does
# not reach: schemathesis does not nest JSON thousands deep, and it sends numbers as JSON
# numbers. Asserted directly, on every operation of the document they apply to, with the
# same error-body check (fixed by issue 9: a depth limit before json.loads, strict ints).
def _json_operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = json.loads(OUTPUT.read_text(encoding="utf-8"))
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append((method.upper(), path, content["application/json"]))
    return found


def _post(api: str, method: str, path: str, body: str, token: str) -> requests.Response:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if path == "/auth/sign-out":
        headers.pop("Authorization")  # would sign the fuzzing user out everywhere
    return requests.request(method, api + path, data=body, headers=headers, timeout=30)


def test_deeply_nested_json_is_a_400_with_the_error_body_on_every_json_operation(
    fresh_stack, token
):
    # Given: a JSON body nested deeper than the parser's recursion limit
    deep = "[" * HOSTILE_DEPTH + "]" * HOSTILE_DEPTH
    outcomes = {}
    for method, path, _ in _json_operations():
        for body in (deep, '{"email": ' + deep + "}"):
            # When
            response = _post(fresh_stack.api_url, method, path, body, token)
            outcomes[f"{method} {path}"] = response.status_code
            # Then
            if response.status_code == 400:
                contract_error_body(None, response, None)
    assert set(outcomes.values()) == {400}, outcomes


def test_an_integer_sent_as_a_string_or_a_boolean_is_a_400_on_every_json_operation(
    fresh_stack, token
):
    document = json.loads(OUTPUT.read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    outcomes = {}
    for method, path, media in _json_operations():
        schema = media["schema"]
        if "$ref" not in schema or "example" not in media:
            continue
        named = schemas[schema["$ref"].rsplit("/", 1)[1]]
        # A union body (ChallengeAnswer: oneOf by `challenge`) has its members' properties
        members = [schemas[m["$ref"].rsplit("/", 1)[1]] for m in named.get("oneOf", [])]
        properties = {k: v for s in [named, *members] for k, v in s.get("properties", {}).items()}
        for name, prop in properties.items():
            if prop.get("type") != "integer":
                continue
            for loose in (str(media["example"][name]), True):
                # Given: the documented example with one integer member loosely typed
                body = json.dumps({**media["example"], name: loose})
                # When
                response = _post(fresh_stack.api_url, method, path, body, token)
                outcomes[f"{method} {path} {name}={loose!r}"] = response.status_code
    # Then
    assert outcomes, "no JSON operation documents an integer member"
    assert set(outcomes.values()) == {400}, outcomes
