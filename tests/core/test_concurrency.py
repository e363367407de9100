"""Concurrency: one singleton (and one scoped instance per scope) under racing threads and
under ``asyncio.gather``; no false circular-dependency errors."""

import asyncio
import contextvars
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from injectq import InjectQ, singleton

T = TypeVar("T")

THREADS = 16


class Counter:
    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        with self._lock:
            self.value += 1


def race(work: Callable[[], T], threads: int = THREADS) -> list[T]:
    """Run ``work`` in ``threads`` threads released at the same instant by a barrier."""
    barrier = threading.Barrier(threads, timeout=20)

    def released() -> T:
        barrier.wait()
        return work()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(released) for _ in range(threads)]
        return [future.result(timeout=30) for future in futures]


def slow_class(counter: Counter, delay: float = 0.05) -> type:
    class Slow:
        def __init__(self) -> None:
            counter.increment()
            time.sleep(delay)  # widen the window in which a second thread could enter

    return Slow


def test_singleton_is_created_exactly_once_under_16_racing_threads(container: InjectQ) -> None:
    counter = Counter()
    slow = slow_class(counter)
    container.bind(slow, slow, scope="singleton")

    results = race(lambda: container.get(slow))

    assert counter.value == 1
    assert len({id(result) for result in results}) == 1


def test_autowired_singleton_is_created_exactly_once_under_racing_threads(
    container: InjectQ,
) -> None:
    counter = Counter()
    slow = singleton(slow_class(counter))

    results = race(lambda: container.get(slow))

    assert counter.value == 1
    assert len({id(result) for result in results}) == 1


def test_singleton_factory_is_called_exactly_once_under_racing_threads(
    container: InjectQ,
) -> None:
    counter = Counter()

    class Pool:
        pass

    def make_pool() -> Pool:
        counter.increment()
        time.sleep(0.05)
        return Pool()

    container.bind_factory(Pool, make_pool, scope="singleton")

    results = race(lambda: container.get(Pool))

    assert counter.value == 1
    assert len({id(result) for result in results}) == 1


def test_singleton_dependency_shared_by_racing_transients_is_created_once(
    container: InjectQ,
) -> None:
    counter = Counter()
    slow = slow_class(counter)
    container.bind(slow, slow, scope="singleton")

    class Handler:
        def __init__(self, dependency: slow) -> None:  # type: ignore[valid-type]
            self.dependency = dependency

    container.bind(Handler, Handler, scope="transient")

    results = race(lambda: container.get(Handler))

    assert counter.value == 1
    assert len({id(result) for result in results}) == THREADS
    assert len({id(result.dependency) for result in results}) == 1


def test_scoped_instance_is_created_once_per_scope_under_racing_threads(
    container: InjectQ,
) -> None:
    counter = Counter()
    slow = slow_class(counter)
    container.bind(slow, slow, scope="scoped")

    with container.scope() as scope:
        results = race(lambda: scope.get(slow))

    assert counter.value == 1
    assert len({id(result) for result in results}) == 1


def test_threads_in_copied_contexts_share_one_scoped_instance(container: InjectQ) -> None:
    counter = Counter()
    slow = slow_class(counter)
    container.bind(slow, slow, scope="scoped")

    with container.scope():
        contexts = [contextvars.copy_context() for _ in range(THREADS)]
        slots = iter(contexts)
        lock = threading.Lock()

        def in_own_context() -> object:
            with lock:
                context = next(slots)
            return context.run(container.get, slow)

        results = race(in_own_context)

    assert counter.value == 1
    assert len({id(result) for result in results}) == 1


async def test_async_singleton_factory_is_awaited_once_under_100_concurrent_agets(
    container: InjectQ,
) -> None:
    calls = 0

    class Client:
        pass

    async def make_client() -> Client:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return Client()

    container.bind_factory(Client, make_client, scope="singleton")

    results = await asyncio.gather(*(container.aget(Client) for _ in range(100)))

    assert calls == 1
    assert len({id(result) for result in results}) == 1


async def test_class_depending_on_an_async_singleton_builds_it_once_under_gather(
    container: InjectQ,
) -> None:
    calls = 0

    class Client:
        pass

    class Service:
        def __init__(self, client: Client) -> None:
            self.client = client

    async def make_client() -> Client:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return Client()

    container.bind_factory(Client, make_client, scope="singleton")
    container.bind(Service, Service, scope="singleton")

    results = await asyncio.gather(*(container.aget(Service) for _ in range(100)))

    assert calls == 1
    assert len({id(result) for result in results}) == 1


async def test_scoped_async_factory_runs_once_per_scope_under_gather(
    container: InjectQ,
) -> None:
    calls = 0
    closed = 0

    class Connection:
        pass

    async def make_connection() -> AsyncIterator[Connection]:
        nonlocal calls, closed
        calls += 1
        await asyncio.sleep(0.01)
        yield Connection()
        closed += 1

    container.bind_factory(Connection, make_connection, scope="scoped")

    async with container.scope():
        first = await asyncio.gather(*(container.aget(Connection) for _ in range(100)))
    async with container.scope():
        second = await asyncio.gather(*(container.aget(Connection) for _ in range(100)))

    assert calls == 2
    assert closed == 2
    assert len({id(result) for result in first}) == 1
    assert len({id(result) for result in second}) == 1
    assert first[0] is not second[0]


async def test_concurrent_agets_of_one_async_transient_factory_raise_no_circular_error(
    container: InjectQ,
) -> None:
    class Job:
        pass

    async def make_job() -> Job:
        await asyncio.sleep(0.005)
        return Job()

    container.bind_factory(Job, make_job)

    results = await asyncio.gather(*(container.aget(Job) for _ in range(100)))

    assert len({id(result) for result in results}) == 100


async def test_concurrent_agets_of_a_chain_of_async_factories_raise_no_circular_error(
    container: InjectQ,
) -> None:
    class Settings:
        pass

    class Client:
        def __init__(self, settings: Settings) -> None:
            self.settings = settings

    class Handler:
        def __init__(self, client: Client, settings: Settings) -> None:
            self.client = client

    async def make_settings() -> Settings:
        await asyncio.sleep(0.005)
        return Settings()

    async def make_client(settings: Settings) -> Client:
        await asyncio.sleep(0.005)
        return Client(settings)

    container.bind_factory(Settings, make_settings, scope="singleton")
    container.bind_factory(Client, make_client)

    async with container.scope():
        results = await asyncio.gather(*(container.aget(Handler) for _ in range(100)))

    assert len({id(result) for result in results}) == 100
    assert len({id(result.client.settings) for result in results}) == 1


def test_threads_resolving_the_same_transient_chain_raise_no_circular_error(
    container: InjectQ,
) -> None:
    class Leaf:
        def __init__(self) -> None:
            time.sleep(0.01)

    class Middle:
        def __init__(self, leaf: Leaf) -> None:
            self.leaf = leaf

    class Top:
        def __init__(self, middle: Middle, leaf: Leaf) -> None:
            self.middle = middle

    results = race(lambda: container.get(Top))

    assert len({id(result) for result in results}) == THREADS


async def test_concurrent_scopes_each_create_their_own_scoped_instance_once(
    container: InjectQ,
) -> None:
    calls = 0

    class Connection:
        pass

    async def make_connection() -> Connection:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.005)
        return Connection()

    container.bind_factory(Connection, make_connection, scope="scoped")

    async def unit_of_work() -> list[Connection]:
        async with container.scope():
            return list(await asyncio.gather(*(container.aget(Connection) for _ in range(10))))

    per_scope = await asyncio.gather(*(unit_of_work() for _ in range(20)))

    assert calls == 20
    assert all(len({id(c) for c in connections}) == 1 for connections in per_scope)
    assert len({id(connections[0]) for connections in per_scope}) == 20


class Store:
    pass


class OtherStore(Store):
    pass


class Catalog:
    def __init__(self, store: Store) -> None:
        self.store = store


def test_a_singleton_made_while_the_bindings_change_goes_to_its_caller_and_is_not_kept() -> None:
    # what another thread's override or rebinding does while this one is making a singleton,
    # made to happen at one place: the factory changes the bindings before it returns
    container = InjectQ()
    container.bind(Store, Store, scope="transient")
    made: list[Catalog] = []

    def make_catalog(store: Store) -> Catalog:
        if not made:
            container.bind(Store, OtherStore, scope="transient")
        catalog = Catalog(store)
        made.append(catalog)
        return catalog

    container.bind_factory(Catalog, make_catalog, scope="singleton")
    first = container.get(Catalog)
    assert type(first.store) is Store  # its caller gets what the bindings were when it asked
    kept = container.get(Catalog)
    assert kept is not first
    assert type(kept.store) is OtherStore  # everyone after gets one made with the new ones
    assert container.get(Catalog) is kept
