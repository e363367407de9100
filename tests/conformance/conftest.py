"""The `runtime` fixture: every behaviour of the suite runs once per runtime (_runtimes.py)."""

import pytest

from ._runtimes import RUNTIMES, Runtime, runtimes


@pytest.fixture(params=runtimes())
def runtime(request: pytest.FixtureRequest) -> Runtime:
    """One adapter's unit of work, driven through its framework (see _runtimes.py)."""
    return RUNTIMES[request.param]()
