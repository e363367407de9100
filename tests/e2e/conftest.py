"""Fixtures of the distributed tests: real `taskiq` processes and the app, on the real
redis-server of tests/conftest.py.

When a test fails, the output of the processes it used (and of those still running) is
attached to its report, in sections named after the processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from tests._servers import RedisServer

from ._harness import SHARED_NAMESPACE, STARTED, ManagedProcess, ProcessStarter, Worker, load_app

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Generator, Iterator
    from pathlib import Path
    from types import ModuleType


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        for process in STARTED:
            if process.running or process.owner == item.nodeid:
                report.sections.append((f"{process.name} output", process.describe()))
    return report


@pytest.fixture
def processes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProcessStarter]:
    """Start processes in a test; whatever still runs at its end is stopped (or killed)."""
    starter = ProcessStarter(request.node.nodeid, tmp_path)
    try:
        yield starter
    finally:
        starter.close()


@dataclass(frozen=True)
class Shared:
    """The processes several tests share: one worker (`--workers 1`) and one scheduler."""

    worker: Worker
    scheduler: ManagedProcess


@pytest.fixture(scope="module")
def shared(
    request: pytest.FixtureRequest,
    redis_server: RedisServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Shared]:
    starter = ProcessStarter(request.node.nodeid, tmp_path_factory.mktemp("shared"))
    try:
        # started together: their imports overlap
        worker = starter.start_worker(redis_server.url, SHARED_NAMESPACE)
        scheduler = starter.start_scheduler(redis_server.url, SHARED_NAMESPACE)
        worker.wait_started()
        scheduler.wait_for_output(r"Startup completed")
        yield Shared(worker, scheduler)
    finally:
        starter.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def app(redis_server: RedisServer, shared: Shared) -> AsyncIterator[ModuleType]:
    """The app module on Redis, as the sending side, once the shared worker answers."""
    module = load_app(redis_server.url, SHARED_NAMESPACE)
    await module.broker.startup()
    try:
        task = await module.identify.kiq("ready?")
        await task.wait_result(timeout=30, check_interval=0.05)
        yield module
    finally:
        await module.broker.shutdown()
