"""A cached instance is created once, by one creator, however it is asked for.

A creator that is cancelled or fails hands nothing to those waiting for it: one of them takes
the creation over. Waiters on other event loops are woken on their own loop. A factory that
resolves what it is making is a cycle error, never a hang. Creation is guarded per key: a slow
constructor delays only those who need its object.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from injectq import CircularDependencyError, InjectQ


class Pool:
    def __init__(self, number: int) -> None:
        self.number = number


class Settings:
    pass


def slow_async_pool(calls: list[str], seconds: float = 0.2) -> object:
    async def make_pool() -> Pool:
        calls.append("start")
        await asyncio.sleep(seconds)
        calls.append("done")
        return Pool(len(calls))

    return make_pool


@pytest.mark.parametrize("lifetime", ["singleton", "scoped"])
async def test_a_cancelled_first_creator_hands_the_creation_to_a_waiter(
    container: InjectQ, lifetime: str
) -> None:
    calls: list[str] = []
    container.bind_factory(Pool, slow_async_pool(calls), scope=lifetime)
    async with container.scope():
        first = asyncio.create_task(container.aget(Pool))
        await asyncio.sleep(0.05)  # the first creator is under way
        waiters = [asyncio.create_task(container.aget(Pool)) for _ in range(3)]
        await asyncio.sleep(0.05)
        first.cancel()  # a timed-out task
        pools = await asyncio.gather(*waiters)

    with pytest.raises(asyncio.CancelledError):
        await first
    assert len({id(pool) for pool in pools}) == 1  # exactly once among the waiters
    assert calls == ["start", "start", "done"]  # one creation cancelled, one taken over


async def test_a_failed_creator_hands_the_creation_to_a_waiter(container: InjectQ) -> None:
    attempts: list[int] = []

    async def flaky_pool() -> Pool:
        attempts.append(len(attempts))
        await asyncio.sleep(0.05)
        if len(attempts) == 1:
            raise ConnectionError("first connect failed")
        return Pool(len(attempts))

    container.bind_factory(Pool, flaky_pool, scope="singleton")
    results = await asyncio.gather(
        *(container.aget(Pool) for _ in range(4)), return_exceptions=True
    )

    assert isinstance(results[0], ConnectionError)  # only the creator sees its own failure
    pools = results[1:]
    assert all(isinstance(pool, Pool) for pool in pools)
    assert len({id(pool) for pool in pools}) == 1
    assert attempts == [0, 1]


def test_threads_waiting_for_a_failed_creator_take_the_creation_over(container: InjectQ) -> None:
    attempts: list[int] = []
    gate = threading.Barrier(4)

    def flaky_pool() -> Pool:
        attempts.append(len(attempts))
        time.sleep(0.1)
        if len(attempts) == 1:
            raise ConnectionError("first connect failed")
        return Pool(len(attempts))

    container.bind_factory(Pool, flaky_pool, scope="singleton")

    def ask() -> Pool | Exception:
        gate.wait()
        try:
            return container.get(Pool)
        except ConnectionError as error:
            return error

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: ask(), range(4)))
    failures = [r for r in results if isinstance(r, Exception)]
    made = {id(r) for r in results if isinstance(r, Pool)}
    assert len(failures) == 1
    assert len(made) == 1
    assert attempts == [0, 1]


def test_an_async_singleton_asked_from_several_event_loops_is_made_once(
    container: InjectQ,
) -> None:
    calls: list[str] = []
    container.bind_factory(Pool, slow_async_pool(calls, 0.1), scope="singleton")
    gate = threading.Barrier(4)

    def in_own_loop() -> Pool:
        gate.wait()
        return asyncio.run(asyncio.wait_for(container.aget(Pool), timeout=5))

    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        pools = list(pool.map(lambda _: in_own_loop(), range(4)))
    assert len({id(made) for made in pools}) == 1
    assert calls == ["start", "done"]
    assert time.monotonic() - started < 2  # every waiter was woken on its own loop


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_factory_that_resolves_its_own_key_is_a_cycle_error(
    container: InjectQ, mode: str
) -> None:
    if mode == "sync":

        def make() -> Settings:
            container.get(Settings)
            return Settings()

        container.bind_factory(Settings, make, scope="singleton")
        with pytest.raises(CircularDependencyError) as raised:
            container.get(Settings)
    else:

        async def amake() -> Settings:
            await container.aget(Settings)
            return Settings()

        container.bind_factory(Settings, amake, scope="singleton")
        with pytest.raises(CircularDependencyError) as raised:
            asyncio.run(asyncio.wait_for(container.aget(Settings), timeout=5))
    assert "Settings is resolved again while it is being created" in str(raised.value)


class Left:
    pass


class Right:
    pass


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_factories_that_resolve_each_other_are_a_cycle_error_with_the_path(
    container: InjectQ, mode: str
) -> None:
    if mode == "sync":

        def left() -> Left:
            container.get(Right)
            return Left()

        def right() -> Right:
            container.get(Left)
            return Right()

        container.bind_factory(Left, left, scope="singleton")
        container.bind_factory(Right, right, scope="scoped")
        with pytest.raises(CircularDependencyError) as raised, container.scope():
            container.get(Left)
    else:

        async def aleft() -> Left:
            await container.aget(Right)
            return Left()

        async def aright() -> Right:
            await container.aget(Left)
            return Right()

        container.bind_factory(Left, aleft, scope="singleton")
        container.bind_factory(Right, aright, scope="scoped")

        async def run() -> Left:
            async with container.scope():
                return await asyncio.wait_for(container.aget(Left), timeout=5)

        with pytest.raises(CircularDependencyError) as raised:
            asyncio.run(run())
    assert "Left -> Right -> Left" in str(raised.value)


def test_threads_whose_creations_wait_for_each_other_get_a_cycle_error(
    container: InjectQ,
) -> None:
    both_claimed = threading.Barrier(2)
    first_calls: set[str] = set()

    def meet(name: str) -> None:
        if name not in first_calls:  # a creation taken over later does not meet again
            first_calls.add(name)
            both_claimed.wait(5)

    def left() -> Left:
        meet("left")
        container.get(Right)
        return Left()

    def right() -> Right:
        meet("right")
        time.sleep(0.1)  # let the other thread block on Right first
        container.get(Left)
        return Right()

    container.bind_factory(Left, left, scope="singleton")
    container.bind_factory(Right, right, scope="singleton")

    def ask(key: type) -> object:
        try:
            return container.get(key)
        except CircularDependencyError as error:
            return error

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(ask, [Left, Right]))
    assert all(isinstance(r, CircularDependencyError) for r in results), results
    messages = " / ".join(str(r) for r in results)
    assert "Left -> Right -> Left: creations in different threads" in messages


def test_a_slow_constructor_delays_only_those_who_need_its_object(container: InjectQ) -> None:
    entered = threading.Event()

    def slow_pool() -> Pool:
        entered.set()
        time.sleep(1)
        return Pool(1)

    container.bind_factory(Pool, slow_pool, scope="singleton")
    container.bind(Settings, Settings, scope="singleton")
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(container.get, Pool)  # a sync endpoint's thread
        assert entered.wait(5)
        started = time.monotonic()
        container.get(Settings)  # the event loop's first get of an unrelated singleton
        waited = time.monotonic() - started
        slow.result()
    assert waited < 0.5


def test_a_slow_scoped_constructor_does_not_block_other_scopes(container: InjectQ) -> None:
    entered = threading.Event()

    def slow_pool() -> Iterator[Pool]:
        entered.set()
        time.sleep(1)
        yield Pool(1)

    container.bind_factory(Pool, slow_pool, scope="scoped")
    container.bind(Settings, Settings, scope="scoped")

    def in_scope() -> None:
        with container.scope():
            container.get(Pool)

    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(in_scope)
        assert entered.wait(5)
        started = time.monotonic()
        with container.scope():
            container.get(Settings)
        waited = time.monotonic() - started
        slow.result()
    assert waited < 0.5
