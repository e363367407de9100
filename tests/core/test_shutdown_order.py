"""The container's singletons close after the last unit of work that could use them."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from injectq import InjectQ, ScopeError
from tests._journal import Journal


class Pool:
    pass


class Session:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool


class Late:
    pass


def container_of(journal: Journal) -> InjectQ:
    container = InjectQ()

    async def pool() -> AsyncIterator[Pool]:
        yield Pool()
        journal.add("pool closed")

    def session(pool: Pool) -> Iterator[Session]:
        yield Session(pool)
        journal.add("session closed")

    container.bind_factory(Pool, pool, scope="singleton")
    container.bind_factory(Session, session, scope="scoped")
    return container


async def test_the_last_lifespan_waits_for_open_units_before_closing_the_singletons(
    journal: Journal,
) -> None:
    container = container_of(journal)
    opener = container.opener("task")
    released = asyncio.Event()

    async def unit() -> None:
        async with opener({}, "task slow"):
            await container.aget(Session)
            await released.wait()

    async with container.lifespan("worker"):
        running = asyncio.create_task(unit())
        await asyncio.sleep(0.05)
        assert container.units_open == 1
        asyncio.get_running_loop().call_later(0.2, released.set)
    # the lifespan ended while the unit ran: the pool closed only after the unit did
    await running
    assert journal.events == [["session closed"], ["pool closed"]]
    assert container.units_open == 0


async def test_units_still_open_after_the_drain_are_named_and_the_singletons_close(
    journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:
    container = container_of(journal)
    stuck = container.opener("task")({}, "task stuck (id 7)").enter()
    await container.aget(Pool)
    with caplog.at_level(logging.WARNING, logger="injectq"):
        async with container.lifespan("worker", drain=0.1):
            pass
    assert journal.events == [["pool closed"]]
    assert "1 unit(s) of work still open" in caplog.text
    assert "task stuck (id 7)" in caplog.text
    await stuck.aclose()


async def test_nothing_is_made_under_singletons_being_closed(journal: Journal) -> None:
    container = InjectQ()
    made_while_closing: list[BaseException] = []

    async def pool() -> AsyncIterator[Pool]:
        yield Pool()
        try:  # a finalizer (or another task) that asks for a singleton during the close
            await container.aget(Late)
        except ScopeError as error:
            made_while_closing.append(error)
        journal.add("pool closed")

    container.bind_factory(Pool, pool, scope="singleton")
    container.bind(Late, Late, scope="singleton")
    await container.aget(Pool)
    await container.aclose()
    (error,) = made_while_closing
    assert "the container is closing its singletons" in str(error)
    # closed, the container can be used again
    assert isinstance(await container.aget(Late), Late)


def test_a_sync_close_refuses_new_singletons_while_it_runs_too(journal: Journal) -> None:
    container = InjectQ()
    refused: list[BaseException] = []

    def pool() -> Iterator[Pool]:
        yield Pool()
        try:
            container.get(Late)
        except ScopeError as error:
            refused.append(error)

    container.bind_factory(Pool, pool, scope="singleton")
    container.bind(Late, Late, scope="singleton")
    container.get(Pool)
    container.close()
    assert len(refused) == 1
    assert isinstance(container.get(Late), Late)


class Counted:
    made = 0

    def __init__(self) -> None:
        Counted.made += 1
        self.serial = Counted.made


def test_a_forked_child_makes_its_own_singletons_and_never_closes_the_parents(
    tmp_path: Path,
) -> None:
    log = tmp_path / "events"
    container = InjectQ()

    def counted() -> Iterator[Counted]:
        made = Counted()
        yield made
        with log.open("a") as file:
            file.write(f"{os.getpid()} closed {made.serial}\n")

    container.bind_factory(Counted, counted, scope="singleton")
    parent = container.get(Counted)
    child = os.fork()
    if child == 0:  # the child: its own singleton, closed by its own close
        code = 0
        try:
            mine = container.get(Counted)
            if mine is parent or mine.serial == parent.serial:
                code = 3
            container.close()
        except BaseException:
            code = 4
        os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert log.read_text() == f"{child} closed {parent.serial + 1}\n"
    container.close()
    assert log.read_text().splitlines()[-1] == f"{os.getpid()} closed {parent.serial}"
