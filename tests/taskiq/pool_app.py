"""Tasks a process pool runs (tests/taskiq/test_process_pool.py): an importable module.

A pool process finds the task's wrapper by importing this module, which sets InjectQ up on
its broker as every process of the application does. What the child does is written to the
journal file whose path the task is sent (its memory is not visible to the test).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from taskiq import AsyncBroker, BrokerMessage, TaskiqResult
from taskiq.result_backends.dummy import DummyResultBackend

from injectq import InjectQ
from injectq.integrations.taskiq import InjectQDependency, TaskInfo, setup_taskiq_integration
from tests._journal import Journal


class KeptResults(DummyResultBackend[Any]):
    def __init__(self) -> None:
        super().__init__()
        self.results: dict[str, TaskiqResult[Any]] = {}

    async def set_result(self, task_id: str, result: TaskiqResult[Any]) -> None:
        self.results[task_id] = result


class PoolBroker(AsyncBroker):
    """Keeps what is sent; a test hands it to a `Receiver` (as `taskiq worker` would)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[BrokerMessage] = []
        self.kept = KeptResults()
        self.result_backend = self.kept

    async def kick(self, message: BrokerMessage) -> None:
        self.sent.append(message)

    async def listen(self) -> AsyncGenerator[bytes, None]:  # pragma: no cover - not listened to
        for message in self.sent:
            yield message.message


class FolderBroker(AsyncBroker):
    """A queue of files in the folder named by `INJECTQ_POOL_QUEUE`: enough for a real
    `taskiq worker tests.taskiq.pool_app:folder_broker` process (no server needed)."""

    async def kick(self, message: BrokerMessage) -> None:
        folder = Path(os.environ["INJECTQ_POOL_QUEUE"])
        draft = folder / f"{message.task_id}.draft"
        draft.write_bytes(message.message)
        draft.rename(folder / f"{message.task_id}.message")

    async def listen(self) -> AsyncGenerator[bytes, None]:
        folder = Path(os.environ["INJECTQ_POOL_QUEUE"])
        while True:
            for data in _take_messages(folder):
                yield data
            await asyncio.sleep(0.05)


def _take_messages(folder: Path) -> list[bytes]:
    taken: list[bytes] = []
    for file in sorted(folder.glob("*.message")):
        taken.append(file.read_bytes())
        file.unlink()
    return taken


class Service:
    """Made in the process that runs the task."""

    def __init__(self, pid: int) -> None:
        self.pid = pid


class AsyncService:
    def __init__(self, pid: int) -> None:
        self.pid = pid


def service(info: TaskInfo) -> Iterator[Service]:
    journal = Journal(Path(info.args[0]))
    journal.add("opened", os.getpid(), info.task_id, info.labels.get("tenant"))
    try:
        yield Service(os.getpid())
    except BaseException as error:
        journal.add("failed", os.getpid(), type(error).__name__)
        raise
    journal.add("closed", os.getpid(), info.task_id)


async def async_service(info: TaskInfo) -> AsyncIterator[AsyncService]:
    yield AsyncService(os.getpid())
    Journal(Path(info.args[0])).add("async closed", os.getpid())


container = InjectQ()
container.bind_factory(Service, service, scope="scoped")
container.bind_factory(AsyncService, async_service, scope="scoped")
broker = PoolBroker()
setup_taskiq_integration(broker, container)


@broker.task
def add(a: int, b: int) -> int:
    return a + b


@broker.task
def where(
    journal_path: str,
    service: Service = InjectQDependency(Service),
    other: AsyncService = InjectQDependency(AsyncService),
) -> tuple[int, int, int]:
    return os.getpid(), service.pid, other.pid


folder_container = InjectQ()
folder_container.bind_factory(Service, service, scope="scoped")
folder_broker = FolderBroker()
setup_taskiq_integration(folder_broker, folder_container)


@folder_broker.task
def record(journal_path: str, a: int, b: int) -> None:
    """Nothing injected."""
    Journal(Path(journal_path)).add("sum", os.getpid(), a + b)


@folder_broker.task
def record_service(journal_path: str, service: Service = InjectQDependency(Service)) -> None:
    Journal(Path(journal_path)).add("service", os.getpid(), service.pid)


@broker.task
def fails(journal_path: str, service: Service = InjectQDependency(Service)) -> None:
    raise ValueError("task failed")
