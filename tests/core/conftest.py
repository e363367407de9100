"""Shared fixtures for the core behaviour tests."""

import pytest

from injectq import InjectQ


@pytest.fixture
def container() -> InjectQ:
    """A fresh container per test, so no test sees another's bindings."""
    return InjectQ()
