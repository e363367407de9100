"""The lifecycle API adapters drive: enter a scope, record the unit of work's own error, close
it with an exception, and report failed finalizers under the policy the caller picks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from injectq import FinalizationError, InjectQ
from tests._journal import Journal


class Transaction:
    pass


class Lock:
    pass


def wire(container: InjectQ, journal: Journal) -> None:
    def transaction() -> Iterator[Transaction]:
        try:
            yield Transaction()
        except Exception as error:
            journal.add("rollback", type(error).__name__)
            raise
        else:
            journal.add("commit")

    def lock() -> Iterator[Lock]:
        yield Lock()
        raise ConnectionError("lock server gone")

    container.bind_factory(Transaction, transaction, scope="scoped")
    container.bind_factory(Lock, lock, scope="scoped")


class TaskLabel:
    """Stands for an adapter's unit of work: its name is only computed when a message needs it."""

    def __init__(self) -> None:
        self.asked = 0

    def __str__(self) -> str:
        self.asked += 1
        return "task send_email (id 42)"


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_close_throws_the_given_error_into_the_finalizers(
    container: InjectQ, journal: Journal, mode: str
) -> None:
    wire(container, journal)
    scope = container.scope("task").enter()
    assert container.current_scope is scope
    container.get(Transaction)
    error = LookupError("order 7")
    if mode == "sync":
        scope.close(error)
    else:
        await scope.aclose(error)
    assert journal.events == [["rollback", "LookupError"]]
    assert container.current_scope is None


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_recorded_error_reaches_the_finalizers_even_when_the_framework_handled_it(
    container: InjectQ, journal: Journal, mode: str
) -> None:
    wire(container, journal)
    scope = container.scope("request").enter()
    container.get(Transaction)
    scope.record_error(KeyError("the endpoint's own error"))  # then turned into a 404
    scope.record_error(RuntimeError("an echo of it"))  # the first recorded one wins
    if mode == "sync":
        scope.close()  # the framework saw no exception: it sent a response
    else:
        await scope.aclose(ValueError("what the framework made of it"))
    assert journal.events == [["rollback", "KeyError"]]


async def test_failed_finalizers_are_raised_together_naming_the_unit_of_work(
    container: InjectQ, journal: Journal
) -> None:
    wire(container, journal)
    label = TaskLabel()
    scope = container.scope("task", label=label).enter()
    container.get(Lock)
    container.get(Transaction)
    assert label.asked == 0
    with pytest.raises(FinalizationError) as raised:
        await scope.aclose()
    assert "1 finalizer(s) of task send_email (id 42) failed: Lock (ConnectionError)" in str(
        raised.value
    )
    assert journal.events == [["commit"]]  # every finalizer ran


@pytest.mark.parametrize("chosen", ["when opened", "when closed"])
def test_failed_finalizers_can_be_logged_instead_and_the_close_returns(
    container: InjectQ, journal: Journal, caplog: pytest.LogCaptureFixture, chosen: str
) -> None:
    wire(container, journal)
    logger = logging.getLogger("injectq.test-adapter")
    if chosen == "when opened":
        scope = container.scope("task", label=TaskLabel(), log_failures=logger).enter()
    else:
        scope = container.scope("task", label=TaskLabel()).enter()
    container.get(Lock)
    with caplog.at_level(logging.ERROR, logger=logger.name):
        if chosen == "when opened":
            scope.close()
        else:
            scope.close(log_failures=logger)
    (record,) = caplog.records
    assert record.getMessage() == (
        "1 finalizer(s) of task send_email (id 42) failed: Lock (ConnectionError); "
        "the outcome stands"
    )
    assert isinstance(record.exc_info and record.exc_info[1], FinalizationError)


async def test_the_containers_close_takes_the_same_policy(
    container: InjectQ, caplog: pytest.LogCaptureFixture
) -> None:
    async def pool() -> AsyncIterator[Lock]:
        yield Lock()
        raise ConnectionError("pool did not close")

    container.bind_factory(Lock, pool, scope="singleton")
    await container.aget(Lock)
    logger = logging.getLogger("injectq.test-adapter")
    with caplog.at_level(logging.ERROR, logger=logger.name):
        await container.aclose(log_failures=logger)
    (record,) = caplog.records
    assert "of the container's singletons failed: Lock (ConnectionError)" in record.getMessage()


async def test_a_scope_knows_when_it_needs_an_async_close(container: InjectQ) -> None:
    async def pool() -> AsyncIterator[Lock]:
        yield Lock()

    container.bind_factory(Lock, pool, scope="scoped")
    container.bind(Transaction, Transaction, scope="scoped")
    async with container.scope() as scope:
        container.get(Transaction)
        assert not scope.needs_async_close
        await container.aget(Lock)
        assert scope.needs_async_close


def test_entering_a_scope_twice_is_refused(container: InjectQ) -> None:
    scope = container.scope().enter()
    with pytest.raises(Exception, match="already entered"):
        scope.enter()
    scope.close()
    with pytest.raises(Exception, match="already entered"):
        scope.enter()
