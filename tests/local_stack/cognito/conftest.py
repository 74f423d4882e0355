"""Fixtures of the local Cognito's tests: a fake clock, the dev inbox, moto's cognito-idp
with the local Cognito installed (and uninstalled afterwards: other suites in the same
process expect plain moto), and a pool made from template.yaml's."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local_stack import cognito
from local_stack.cognito.inbox import Inbox
from tests.local_stack.cognito.test_cognito_gaps import Pool
from tests.support.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox(stream=io.StringIO())


@pytest.fixture
def idp(inbox: Inbox, clock: FakeClock) -> Iterator[Any]:
    """A cognito-idp client of moto with the local Cognito installed on ``inbox``/``clock``."""
    cognito.install(inbox, clock=clock)
    try:
        with mock_aws():
            yield boto3.client("cognito-idp", region_name="us-east-1")
    finally:
        cognito.uninstall()


@pytest.fixture
def pool(idp: Any, inbox: Inbox) -> Pool:
    return Pool(idp, inbox)
