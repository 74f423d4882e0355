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
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Moments",
        "POWERTOOLS_DEV": "false",
    }
)
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)


import pytest


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
