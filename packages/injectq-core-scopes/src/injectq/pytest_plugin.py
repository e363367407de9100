"""pytest fixtures for InjectQ (registered through the `pytest11` entry point).

- `injectq_container`: the container under test; the process-wide default unless a project
  overrides this fixture to return its application's container.
- `injectq_override`: `injectq_override(key, fake)` replaces a service for the rest of the
  test, in the API, the workers and the MCP server alike; every override ends with the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from injectq import InjectQ

Override = Callable[[Any, Any], Any]


@pytest.fixture
def injectq_container() -> InjectQ:
    """The container the tests override: override this fixture to return your app's."""
    return InjectQ.get_instance()


@pytest.fixture
def injectq_override(injectq_container: InjectQ) -> Iterator[Override]:
    """`injectq_override(key, value)` until the end of the test; returns the value."""
    with ExitStack() as overrides:

        def override(key: Any, value: Any) -> Any:
            return overrides.enter_context(injectq_container.override(key, value))

        yield override
