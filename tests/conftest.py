"""Fixtures for every test folder: a journal per test, one redis-server per session."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests._journal import Journal
from tests._servers import RedisServer, running_redis_server

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def journal() -> Journal:
    """A fresh journal (tests/_journal.py) for the test's services, tasks and finalizers."""
    return Journal()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port, started on first use, stopped at the end
    (tests keep apart by queue names and namespaces of their own)."""
    with running_redis_server() as server:
        yield server
