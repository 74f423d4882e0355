"""Fixtures shared by every test suite.

AWS credentials and region are fake and fixed for the whole session, so no test can
reach a real account even if the machine has credentials configured.
"""

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_METRICS_NAMESPACE": "Moments",
        "POWERTOOLS_DEV": "false",
    }
)
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)


import functools

import botocore.session
import pytest

# Every boto3 session (moto's mock_aws starts a new default session each time it starts)
# would otherwise re-read botocore's JSON models from disk: about 15 ms per client, and
# hundreds of clients per run. The models never change during a run, so one loader (with
# its caches) serves every session in this process.
botocore.session.create_loader = functools.lru_cache(maxsize=None)(botocore.session.create_loader)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run ``slow``-marked modules first (a stable sort keeps every other order).

    ``make test`` spreads whole files over parallel workers (pytest-xdist ``--dist
    loadfile``) in collection order; starting the long modules first keeps one of them from
    being handed out last and running alone at the end.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory):
    """A running local stack (`python -m local_stack`) on free ports, for the session.

    Yields a :class:`tests.support.stack.RunningStack`; its console log is kept under
    pytest's tmp dir and printed when the stack fails to start.
    """
    from tests.support.stack import start_stack, stop_stack

    stack = start_stack(tmp_path_factory.mktemp("local-stack") / "console.log")
    try:
        yield stack
    finally:
        stop_stack(stack.process)
