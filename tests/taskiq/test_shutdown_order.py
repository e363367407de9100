"""A worker's singletons close after its last task attempt, whatever stops the broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

from taskiq import InMemoryBroker

from injectq import Inject, InjectQ
from injectq.integrations.taskiq import setup_taskiq_integration
from tests._journal import Journal


class Pool:
    pass


class Session:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool


async def test_shutting_the_broker_down_with_40_tasks_in_flight_closes_the_pool_after_them(
    journal: Journal,
) -> None:
    # InMemoryBroker.shutdown() does not wait for running tasks: the container must
    container = InjectQ()

    async def pool() -> AsyncIterator[Pool]:
        yield Pool()
        journal.add("pool closed")

    def session(pool: Pool) -> Iterator[Session]:
        yield Session(pool)
        journal.add("session closed")

    container.bind_factory(Pool, pool, scope="singleton")
    container.bind_factory(Session, session, scope="scoped")
    broker = InMemoryBroker()
    setup_taskiq_integration(broker, container)

    @broker.task
    async def slow(session: Inject[Session]) -> None:
        await asyncio.sleep(0.3)

    await broker.startup()
    for _ in range(40):
        await slow.kiq()
    await asyncio.sleep(0.05)  # every attempt has its scope open now
    assert container.units_open == 40
    await broker.shutdown()

    assert container.units_open == 0
    assert journal.events == [["session closed"]] * 40 + [["pool closed"]]
