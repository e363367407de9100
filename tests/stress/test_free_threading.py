"""Threads racing the core, many rounds each: the suite free-threaded CPython (3.13t) runs.

With the GIL (`sys._is_gil_enabled()` true) the same tests run with a switch interval of a
microsecond, so that threads still interleave inside the core's short critical sections.
Without it, they run truly in parallel. Each test starts its threads at one barrier and checks
what must hold whatever the interleaving: one creation per singleton, one instance per scope,
no value from another thread's scope, no error.
"""

from __future__ import annotations

import asyncio
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from injectq import InjectQ, Scope

T = TypeVar("T")

THREADS = 16
GIL_ENABLED: bool = getattr(sys, "_is_gil_enabled", lambda: True)()


@pytest.fixture(autouse=True)
def interleave_often() -> Iterator[None]:
    """With the GIL, hand it over as often as CPython allows (no effect without one)."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def race(work: Callable[[int], T], threads: int = THREADS) -> list[T]:
    """Run `work(i)` in `threads` threads released together; every result, or the first
    error raised in any of them."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert not worker.is_alive(), "a racing thread is stuck"
    if errors:
        raise errors[0]
    return results


class Created:
    """Counts creations, under a lock of its own (the count itself must not race)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def add(self) -> None:
        with self._lock:
            self.count += 1


class Database:
    pass


class Session:
    pass


class Repository:
    def __init__(self, database: Database, session: Session) -> None:
        self.database = database
        self.session = session


def test_threads_racing_a_slow_sync_singleton_create_it_once_in_every_round() -> None:
    for _ in range(50):
        created = Created()

        def connect(created: Created = created) -> Database:
            created.add()
            time.sleep(0.0005)  # the others arrive while it is being made
            return Database()

        container = InjectQ()
        container.bind_factory(Database, connect, scope="singleton")
        made = race(lambda _, container=container: container.get(Database))
        assert created.count == 1
        assert all(instance is made[0] for instance in made)


def test_event_loops_in_threads_racing_an_async_singleton_create_it_once_in_every_round() -> None:
    for _ in range(20):
        created = Created()

        async def connect(created: Created = created) -> Database:
            created.add()
            await asyncio.sleep(0.001)
            return Database()

        container = InjectQ()
        container.bind_factory(Database, connect, scope="singleton")
        made = race(lambda _, container=container: asyncio.run(container.aget(Database)), threads=8)
        assert created.count == 1
        assert all(instance is made[0] for instance in made)


@pytest.mark.parametrize("factory_kind", ["sync", "async"])
def test_one_scope_shared_by_threads_makes_one_scoped_instance(factory_kind: str) -> None:
    for _ in range(30):
        created = Created()
        container = InjectQ()
        if factory_kind == "sync":

            def open_session(created: Created = created) -> Session:
                created.add()
                time.sleep(0.0005)
                return Session()

            container.bind_factory(Session, open_session, scope="scoped")
        else:

            async def aopen_session(created: Created = created) -> Session:
                created.add()
                await asyncio.sleep(0.001)
                return Session()

            container.bind_factory(Session, aopen_session, scope="scoped")
        with container.scope() as scope:

            def resolve(_: int, scope: Scope = scope) -> Session:
                if factory_kind == "sync":
                    return scope.get(Session)
                return asyncio.run(scope.aget(Session))

            made = race(resolve, threads=8)
        assert created.count == 1
        assert all(instance is made[0] for instance in made)


def test_scopes_opened_and_closed_in_many_threads_never_share_or_lose_an_instance() -> None:
    container = InjectQ()
    closed = Created()

    def open_session() -> Iterator[Session]:
        yield Session()
        closed.add()

    container.bind(Database, Database, scope="singleton")
    container.bind_factory(Session, open_session, scope="scoped")
    container.bind(Repository, Repository, scope="transient")
    per_thread = 500

    def units_of_work(_: int) -> list[Session]:
        sessions: list[Session] = []
        for _ in range(per_thread):
            with container.scope():
                repository = container.get(Repository)
                assert repository.session is container.get(Session)
                sessions.append(repository.session)
        return sessions  # kept alive until counted: an id() is unique only while it lives

    seen = race(units_of_work)
    assert len({id(session) for sessions in seen for session in sessions}) == (
        THREADS * per_thread
    )  # no session served two scopes
    assert closed.count == THREADS * per_thread  # every one finalized
    assert container.units_open == 0
    databases = {id(container.get(Database))}
    assert len(databases) == 1


def test_overrides_entered_and_left_while_threads_resolve_give_one_or_the_other() -> None:
    class Real(Database):
        pass

    class Fake(Database):
        pass

    class Service:
        def __init__(self, database: Database) -> None:
            self.database = database

    container = InjectQ()
    container.bind(Database, Real, scope="singleton")
    container.bind(Service, Service, scope="singleton")
    stop = threading.Event()

    def resolve(index: int) -> int:
        if index == 0:  # one thread enters and leaves the override, the others resolve
            try:
                for _ in range(300):
                    with container.override(Database, Fake()):
                        assert isinstance(container.get(Service).database, Fake)
            finally:
                stop.set()
            return 0
        resolved = 0
        while not stop.is_set():
            service = container.get(Service)
            assert isinstance(service.database, Real | Fake)
            assert type(container.get(Database)) in (Real, Fake)
            resolved += 1
        return resolved

    counts = race(resolve, threads=8)
    assert sum(counts) > 0
    assert type(container.get(Database)) is Real  # every override left
    assert type(container.get(Service).database) is Real


def test_validation_graph_and_new_bindings_while_threads_resolve_raise_nothing() -> None:
    container = InjectQ()
    container.bind(Database, Database, scope="singleton")
    container.bind(Session, Session, scope="scoped")
    container.bind(Repository, Repository, scope="transient")
    stop = threading.Event()

    def work(index: int) -> int:
        done = 0
        if index == 0:
            try:
                for round_ in range(200):
                    container.validate()
                    assert "Repository" in container.graph()
                    container[f"setting_{round_}"] = round_  # recompiles what resolves
            finally:
                stop.set()
            return 0
        while not stop.is_set():
            with container.scope():
                repository = container.get(Repository)
                assert repository.session is container.get(Session)
            done += 1
        return done

    assert sum(race(work, threads=8)) > 0
    assert container.get("setting_199") == 199


def test_on_a_free_threaded_build_the_gil_stays_off_while_these_tests_run() -> None:
    # an extension module without free-threading support, imported on the way, would turn the
    # GIL back on and make every race above a GIL-build race
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        assert not sys._is_gil_enabled()  # type: ignore[attr-defined]  # 3.13+ only
    else:
        assert GIL_ENABLED
