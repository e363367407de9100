"""Leaks: opening and closing many scopes keeps memory flat and retains no instance."""

import gc
import tracemalloc
import weakref
from collections.abc import AsyncIterator, Iterator

import pytest

from injectq import InjectQ

SCOPES = 100_000
# A leak of even one small object per scope (a dict entry, a frame, a list slot) would be
# several megabytes over 100,000 scopes; allocator noise stays well below this.
MAX_GROWTH_BYTES = 512 * 1024


#: the instances the running test made (weakly): a count of live objects of these classes
#: across the whole process would also see other tests' (a container another test left to
#: the garbage collector, which the free-threaded build may collect later)
made: weakref.WeakSet[object] = weakref.WeakSet()


@pytest.fixture(autouse=True)
def only_this_tests_instances() -> None:
    made.clear()


class Tracked:
    def __init__(self) -> None:
        made.add(self)


class Settings(Tracked):
    pass


class RequestState(Tracked):
    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.payload = [0] * 8


class Connection(Tracked):
    pass


class Handler(Tracked):
    def __init__(self, state: RequestState, connection: Connection) -> None:
        super().__init__()
        self.state = state
        self.connection = connection


def live_instances(*classes: type) -> int:
    """How many objects of `classes` that this test made are still alive."""
    gc.collect()
    return sum(1 for obj in list(made) if type(obj) in classes)


def make_container(*, use_async: bool) -> InjectQ:
    container = InjectQ()
    container.bind(Settings, Settings, scope="singleton")
    container.bind(RequestState, RequestState, scope="scoped")
    container.bind(Handler, Handler, scope="transient")
    if use_async:

        async def open_connection() -> AsyncIterator[Connection]:
            yield Connection()

        container.bind_factory(Connection, open_connection, scope="scoped")
    else:

        def connect() -> Iterator[Connection]:
            yield Connection()

        container.bind_factory(Connection, connect, scope="scoped")
    return container


def test_100k_sync_scopes_keep_memory_flat_and_retain_no_scoped_instance() -> None:
    container = make_container(use_async=False)
    last_state: list[weakref.ref[RequestState]] = []

    def one_unit_of_work() -> None:
        with container.scope():
            handler = container.get(Handler)
            assert handler.state is container.get(RequestState)
            last_state[:] = [weakref.ref(handler.state)]

    for _ in range(1_000):  # warm caches, compiled plans and free lists
        one_unit_of_work()
    gc.collect()

    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(SCOPES):
            one_unit_of_work()
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert after - before < MAX_GROWTH_BYTES, f"grew by {after - before} bytes"
    assert last_state[0]() is None
    assert live_instances(RequestState, Connection, Handler) == 0
    assert live_instances(Settings) == 1


async def test_100k_async_scopes_keep_memory_flat_and_retain_no_scoped_instance() -> None:
    container = make_container(use_async=True)

    async def one_unit_of_work() -> None:
        async with container.scope():
            handler = await container.aget(Handler)
            assert handler.state is await container.aget(RequestState)

    for _ in range(1_000):
        await one_unit_of_work()
    gc.collect()

    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(SCOPES):
            await one_unit_of_work()
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert after - before < MAX_GROWTH_BYTES, f"grew by {after - before} bytes"
    assert live_instances(RequestState, Connection, Handler) == 0


def test_scopes_ended_by_exceptions_retain_no_instance() -> None:
    container = make_container(use_async=False)

    def failing_unit_of_work() -> None:
        with container.scope():
            container.get(Handler)
            raise RuntimeError("request failed")

    for _ in range(10_000):
        with pytest.raises(RuntimeError):
            failing_unit_of_work()

    assert live_instances(RequestState, Connection, Handler) == 0


def test_closing_the_container_releases_its_singletons() -> None:
    container = make_container(use_async=False)
    settings = weakref.ref(container.get(Settings))

    container.close()
    del container

    assert live_instances(Settings) == 0
    assert settings() is None
