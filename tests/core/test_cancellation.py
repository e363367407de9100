"""A close enters every finalizer exactly once, newest first, whatever cancels it.

Scenario (the issue's): a scoped sync generator `Connection` made first, then an async
generator `Transaction` whose `finally` awaits. The unit of work is cancelled while the
transaction is closing, once (`task.cancel()`) or at every await (anyio's `fail_after` and
`move_on_after`, which is how taskiq's `timeout=` works).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

from injectq import FinalizationError, InjectQ
from tests._journal import Journal


class Connection:
    pass


class Transaction:
    pass


class Audit:
    pass


def wire(
    container: InjectQ, journal: Journal, started: asyncio.Event, lifetime: str = "scoped"
) -> None:
    """Connection (sync generator), Transaction (async generator that awaits on close), then
    Audit (async generator), each `lifetime`."""

    def connection() -> Iterator[Connection]:
        try:
            yield Connection()
        except BaseException as error:
            journal.add("connection", type(error).__name__)
            raise
        else:
            journal.add("connection", None)

    async def transaction(connection: Connection) -> AsyncIterator[Transaction]:
        try:
            yield Transaction()
        finally:
            journal.add("transaction entered")
            started.set()
            await asyncio.sleep(0.2)  # a rollback over the network
            journal.add("transaction finished")

    async def audit(transaction: Transaction) -> AsyncIterator[Audit]:
        try:
            yield Audit()
        finally:
            journal.add("audit entered")
            await asyncio.sleep(0)
            journal.add("audit finished")

    container.bind_factory(Connection, connection, scope=lifetime)
    container.bind_factory(Transaction, transaction, scope=lifetime)
    container.bind_factory(Audit, audit, scope=lifetime)


async def open_unit(container: InjectQ) -> None:
    async with container.scope():
        await container.aget(Audit)  # makes Connection, Transaction, Audit in that order


async def test_a_close_cancelled_once_still_runs_the_older_finalizers(
    container: InjectQ, journal: Journal
) -> None:
    started = asyncio.Event()
    wire(container, journal, started)
    unit = asyncio.create_task(open_unit(container))
    await started.wait()
    unit.cancel()
    with pytest.raises(asyncio.CancelledError):
        await unit

    assert journal.of("audit entered")
    assert journal.of("audit finished")
    assert journal.of("transaction entered") == [["transaction entered"]]
    assert journal.of("transaction finished") == []  # cancelled in its own await
    # the older sync finalizer ran from the close itself, and saw the cancellation
    assert journal.of("connection") == [["connection", "CancelledError"]]


@pytest.mark.parametrize("limit", ["fail_after", "move_on_after"])
async def test_a_close_cancelled_at_every_await_enters_every_finalizer(
    container: InjectQ, journal: Journal, limit: str
) -> None:
    wire(container, journal, asyncio.Event())

    async def slow_unit() -> None:
        async with container.scope():
            await container.aget(Audit)
            await asyncio.sleep(1)  # the deadline passes here, then again in every await

    if limit == "fail_after":
        with pytest.raises(TimeoutError), anyio.fail_after(0.05):
            await slow_unit()
    else:
        with anyio.move_on_after(0.05):
            await slow_unit()

    # every finalizer was entered, newest first, each seeing the cancellation
    entered = [event[0] for event in journal.events if "entered" in event[0]]
    assert entered == ["audit entered", "transaction entered"]
    assert journal.of("transaction finished") == []
    assert journal.of("connection") == [["connection", "CancelledError"]]


@pytest.mark.parametrize("holder", ["scope", "container"])
async def test_a_cancelled_close_leaves_no_generator_for_the_garbage_collector(
    container: InjectQ, journal: Journal, holder: str
) -> None:
    started = asyncio.Event()
    wire(container, journal, started, "scoped" if holder == "scope" else "singleton")
    made: list[Any] = []

    async def unit() -> None:
        scope = container.scope().enter()
        await container.aget(Audit)
        owner = scope if holder == "scope" else container._root
        made.extend(finalizer[1] for finalizer in owner._finalizers or [])
        await (scope.aclose() if holder == "scope" else container.aclose())

    task = asyncio.create_task(unit())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(made) == 3
    for generator in made:  # each was run to its end by the close, not later by gc
        frame = getattr(generator, "gi_frame", None) or getattr(generator, "ag_frame", None)
        assert frame is None, generator
    gc.collect()
    assert journal.of("connection") == [["connection", "CancelledError"]]


async def test_the_cancellation_is_raised_after_every_finalizer_even_with_failures(
    container: InjectQ, journal: Journal
) -> None:
    started = asyncio.Event()
    wire(container, journal, started)

    def failing() -> Iterator[Journal]:
        try:
            yield journal
        finally:
            raise RuntimeError("cannot close")

    container.bind_factory(Journal, failing, scope="scoped")

    async def unit() -> None:
        async with container.scope():
            await container.aget(Journal)  # oldest: closes last
            await container.aget(Audit)

    task = asyncio.create_task(unit())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as raised:
        await task
    failure = raised.value.__context__
    assert isinstance(failure, FinalizationError)
    assert "Journal" in str(failure)
    assert journal.of("connection") == [["connection", "CancelledError"]]


def test_a_keyboard_interrupt_in_a_sync_finalizer_still_runs_the_older_ones(
    container: InjectQ, journal: Journal
) -> None:
    def first() -> Iterator[Connection]:
        try:
            yield Connection()
        finally:
            journal.add("first closed")

    def second(connection: Connection) -> Iterator[Transaction]:
        yield Transaction()
        raise KeyboardInterrupt

    container.bind_factory(Connection, first, scope="scoped")
    container.bind_factory(Transaction, second, scope="scoped")
    with pytest.raises(KeyboardInterrupt), container.scope():
        container.get(Transaction)
    assert journal.of("first closed") == [["first closed"]]
