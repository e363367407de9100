"""Finalization: newest first, never before a dependent, the unit of work's exception is
thrown in, every finalizer runs, failures are reported together."""

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager

import pytest

from injectq import FinalizationError, InjectQ, InjectQError


class Database:
    pass


class Cache:
    pass


class Session:
    def __init__(self, database: Database) -> None:
        self.database = database


class Mailer:
    pass


def recording_factory(
    name: str, events: list[str], cls: type[object]
) -> Callable[[], Iterator[object]]:
    def factory() -> Iterator[object]:
        events.append(f"create {name}")
        yield cls()
        events.append(f"close {name}")

    return factory


def test_generator_finalizer_runs_when_the_scope_closes_and_not_before(
    container: InjectQ,
) -> None:
    events: list[str] = []
    container.bind_factory(Database, recording_factory("db", events, Database), scope="scoped")

    with container.scope():
        container.get(Database)
        container.get(Database)
        assert events == ["create db"]

    assert events == ["create db", "close db"]


def test_finalizers_run_newest_first(container: InjectQ) -> None:
    events: list[str] = []
    container.bind_factory(Database, recording_factory("db", events, Database), scope="scoped")
    container.bind_factory(Cache, recording_factory("cache", events, Cache), scope="scoped")
    container.bind_factory(Mailer, recording_factory("mailer", events, Mailer), scope="scoped")

    with container.scope():
        container.get(Cache)
        container.get(Mailer)
        container.get(Database)

    assert events == [
        "create cache",
        "create mailer",
        "create db",
        "close db",
        "close mailer",
        "close cache",
    ]


def test_a_dependency_is_finalized_only_after_its_dependent(container: InjectQ) -> None:
    events: list[str] = []
    container.bind_factory(Database, recording_factory("db", events, Database), scope="scoped")

    def make_session(database: Database) -> Iterator[Session]:
        events.append("create session")
        yield Session(database)
        events.append("close session")

    container.bind_factory(Session, make_session, scope="scoped")

    with container.scope():
        container.get(Session)

    assert events == ["create db", "create session", "close session", "close db"]


def test_finalizer_of_a_dependency_sees_its_dependent_still_usable(container: InjectQ) -> None:
    state = {"db_open": False}
    observed: list[bool] = []

    def make_database() -> Iterator[Database]:
        state["db_open"] = True
        yield Database()
        state["db_open"] = False

    def make_session(database: Database) -> Iterator[Session]:
        yield Session(database)
        observed.append(state["db_open"])

    container.bind_factory(Database, make_database, scope="scoped")
    container.bind_factory(Session, make_session, scope="scoped")

    with container.scope():
        container.get(Session)

    assert observed == [True]
    assert state["db_open"] is False


def test_transient_generator_resolved_in_a_scope_is_finalized_with_that_scope(
    container: InjectQ,
) -> None:
    closed: list[Cache] = []

    def make_cache() -> Iterator[Cache]:
        cache = Cache()
        yield cache
        closed.append(cache)

    container.bind_factory(Cache, make_cache, scope="transient")

    with container.scope():
        first = container.get(Cache)
        second = container.get(Cache)
        assert closed == []

    assert closed == [second, first]


# --- the unit of work's exception ---------------------------------------------------------


def test_the_bodys_exception_is_thrown_into_the_generator_finalizer(container: InjectQ) -> None:
    seen: list[BaseException] = []

    def make_database() -> Iterator[Database]:
        try:
            yield Database()
        except ValueError as exc:
            seen.append(exc)
            raise

    container.bind_factory(Database, make_database, scope="scoped")
    error = ValueError("request failed")

    def unit_of_work() -> None:
        with container.scope():
            container.get(Database)
            raise error

    with pytest.raises(ValueError, match="request failed") as raised:
        unit_of_work()

    assert seen == [error]
    assert raised.value is error


async def test_the_bodys_exception_is_thrown_into_the_async_generator_finalizer(
    container: InjectQ,
) -> None:
    seen: list[BaseException] = []

    async def make_database() -> AsyncIterator[Database]:
        try:
            yield Database()
        except ValueError as exc:
            seen.append(exc)
            raise

    container.bind_factory(Database, make_database, scope="scoped")
    error = ValueError("task failed")

    async def unit_of_work() -> None:
        async with container.scope():
            await container.aget(Database)
            raise error

    with pytest.raises(ValueError, match="task failed") as raised:
        await unit_of_work()

    assert seen == [error]
    assert raised.value is error


def test_the_bodys_exception_reaches_every_generator_newest_first(container: InjectQ) -> None:
    seen: list[tuple[str, BaseException]] = []

    def make_database() -> Iterator[Database]:
        try:
            yield Database()
        except KeyError as exc:
            seen.append(("db", exc))
            raise

    def make_session(database: Database) -> Iterator[Session]:
        try:
            yield Session(database)
        except KeyError as exc:
            seen.append(("session", exc))
            raise

    container.bind_factory(Database, make_database, scope="scoped")
    container.bind_factory(Session, make_session, scope="scoped")
    error = KeyError("missing")

    def unit_of_work() -> None:
        with container.scope():
            container.get(Session)
            raise error

    with pytest.raises(KeyError):
        unit_of_work()

    assert seen == [("session", error), ("db", error)]


def test_a_clean_exit_throws_nothing_into_the_generator(container: InjectQ) -> None:
    outcome: list[str] = []

    def make_database() -> Iterator[Database]:
        try:
            yield Database()
        except BaseException:
            outcome.append("exception")
            raise
        else:
            outcome.append("clean")

    container.bind_factory(Database, make_database, scope="scoped")

    with container.scope():
        container.get(Database)

    assert outcome == ["clean"]


def test_contextmanager_factory_exit_receives_the_bodys_exception(container: InjectQ) -> None:
    seen: list[BaseException] = []

    @contextmanager
    def open_database() -> Iterator[Database]:
        try:
            yield Database()
        except RuntimeError as exc:
            seen.append(exc)
            raise

    container.bind_factory(Database, open_database, scope="scoped")
    error = RuntimeError("rolled back")

    def unit_of_work() -> None:
        with container.scope():
            container.get(Database)
            raise error

    with pytest.raises(RuntimeError):
        unit_of_work()

    assert seen == [error]


def test_scope_close_with_an_exception_throws_it_into_the_finalizers(container: InjectQ) -> None:
    seen: list[BaseException] = []

    def make_database() -> Iterator[Database]:
        try:
            yield Database()
        except LookupError as exc:
            seen.append(exc)

    container.bind_factory(Database, make_database, scope="scoped")
    error = LookupError("from the adapter")

    scope = container.scope()
    scope.get(Database)
    scope.close(exc=error)

    assert seen == [error]


# --- failures -----------------------------------------------------------------------------


def failing_factory(
    name: str, events: list[str], cls: type[object]
) -> Callable[[], Iterator[object]]:
    def factory() -> Iterator[object]:
        events.append(f"create {name}")
        yield cls()
        events.append(f"close {name}")
        raise RuntimeError(f"{name} failed to close")

    return factory


def test_every_finalizer_runs_even_when_one_fails(container: InjectQ) -> None:
    events: list[str] = []
    container.bind_factory(Database, recording_factory("db", events, Database), scope="scoped")
    container.bind_factory(Cache, failing_factory("cache", events, Cache), scope="scoped")
    container.bind_factory(Mailer, recording_factory("mailer", events, Mailer), scope="scoped")

    def unit_of_work() -> None:
        with container.scope():
            container.get(Database)
            container.get(Cache)
            container.get(Mailer)

    with pytest.raises(FinalizationError):
        unit_of_work()

    assert events[3:] == ["close mailer", "close cache", "close db"]


def test_finalizer_failures_are_reported_together_as_one_finalization_error(
    container: InjectQ,
) -> None:
    events: list[str] = []
    container.bind_factory(Database, failing_factory("db", events, Database), scope="scoped")
    container.bind_factory(Cache, recording_factory("cache", events, Cache), scope="scoped")
    container.bind_factory(Mailer, failing_factory("mailer", events, Mailer), scope="scoped")

    def unit_of_work() -> None:
        with container.scope():
            container.get(Database)
            container.get(Cache)
            container.get(Mailer)

    with pytest.raises(FinalizationError) as raised:
        unit_of_work()

    group = raised.value
    assert isinstance(group, ExceptionGroup)
    assert isinstance(group, InjectQError)
    messages = sorted(str(exc) for exc in group.exceptions)
    assert messages == ["db failed to close", "mailer failed to close"]
    assert "close cache" in events


def test_a_single_failing_finalizer_is_still_reported_as_finalization_error(
    container: InjectQ,
) -> None:
    events: list[str] = []
    container.bind_factory(Database, failing_factory("db", events, Database), scope="scoped")

    with pytest.raises(FinalizationError) as raised, container.scope():
        container.get(Database)

    assert [str(exc) for exc in raised.value.exceptions] == ["db failed to close"]


async def test_async_finalizer_failures_are_reported_together(container: InjectQ) -> None:
    async def make_database() -> AsyncIterator[Database]:
        yield Database()
        raise OSError("db socket")

    def make_cache() -> Iterator[Cache]:
        yield Cache()
        raise OSError("cache socket")

    container.bind_factory(Database, make_database, scope="scoped")
    container.bind_factory(Cache, make_cache, scope="scoped")

    async def unit_of_work() -> None:
        async with container.scope():
            await container.aget(Database)
            await container.aget(Cache)

    with pytest.raises(FinalizationError) as raised:
        await unit_of_work()

    assert sorted(str(exc) for exc in raised.value.exceptions) == ["cache socket", "db socket"]


# --- singletons and the container ---------------------------------------------------------


def test_singleton_finalizer_runs_on_container_close_not_on_scope_close(
    container: InjectQ,
) -> None:
    events: list[str] = []
    container.bind_factory(Database, recording_factory("db", events, Database), scope="singleton")

    with container.scope():
        container.get(Database)
    assert events == ["create db"]

    container.close()
    assert events == ["create db", "close db"]


def test_container_close_finalizes_singletons_newest_first(container: InjectQ) -> None:
    events: list[str] = []
    container.bind_factory(Database, recording_factory("db", events, Database), scope="singleton")
    container.bind_factory(Cache, recording_factory("cache", events, Cache), scope="singleton")

    container.get(Cache)
    container.get(Database)
    container.close()

    assert events == ["create cache", "create db", "close db", "close cache"]


def test_closing_the_container_twice_finalizes_each_singleton_once(container: InjectQ) -> None:
    events: list[str] = []
    container.bind_factory(Database, recording_factory("db", events, Database), scope="singleton")

    container.get(Database)
    container.close()
    container.close()

    assert events.count("close db") == 1


def test_scope_finalizes_its_instances_before_the_singletons_they_use(
    container: InjectQ,
) -> None:
    events: list[str] = []
    container.bind_factory(Database, recording_factory("db", events, Database), scope="singleton")

    def make_session(database: Database) -> Iterator[Session]:
        events.append("create session")
        yield Session(database)
        events.append("close session")

    container.bind_factory(Session, make_session, scope="scoped")

    with container.scope():
        container.get(Session)
    container.close()

    assert events == ["create db", "create session", "close session", "close db"]


async def test_async_singleton_finalizer_runs_on_aclose(container: InjectQ) -> None:
    events: list[str] = []

    async def make_database() -> AsyncIterator[Database]:
        events.append("create db")
        yield Database()
        events.append("close db")

    container.bind_factory(Database, make_database, scope="singleton")

    async with container.scope():
        await container.aget(Database)
    assert events == ["create db"]

    await container.aclose()
    assert events == ["create db", "close db"]


async def test_aclose_runs_sync_and_async_singleton_finalizers_newest_first(
    container: InjectQ,
) -> None:
    events: list[str] = []

    async def make_database() -> AsyncIterator[Database]:
        events.append("create db")
        yield Database()
        events.append("close db")

    container.bind_factory(Database, make_database, scope="singleton")
    container.bind_factory(Cache, recording_factory("cache", events, Cache), scope="singleton")

    await container.aget(Database)
    await container.aget(Cache)
    await container.aclose()

    assert events == ["create db", "create cache", "close cache", "close db"]


async def test_async_scope_runs_sync_and_async_finalizers_newest_first(
    container: InjectQ,
) -> None:
    events: list[str] = []

    async def make_database() -> AsyncIterator[Database]:
        events.append("create db")
        yield Database()
        events.append("close db")

    def make_session(database: Database) -> Iterator[Session]:
        events.append("create session")
        yield Session(database)
        events.append("close session")

    container.bind_factory(Database, make_database, scope="scoped")
    container.bind_factory(Session, make_session, scope="scoped")

    async with container.scope():
        await container.aget(Session)

    assert events == ["create db", "create session", "close session", "close db"]


async def test_a_sync_scope_exit_reports_an_async_finalizer_it_cannot_run(
    container: InjectQ,
) -> None:
    async def make_database() -> AsyncIterator[Database]:
        yield Database()

    container.bind_factory(Database, make_database, scope="scoped")

    async def unit_of_work() -> None:
        with container.scope():
            await container.aget(Database)

    with pytest.raises(InjectQError) as raised:
        await unit_of_work()

    error = raised.value
    details = [error, *error.exceptions] if isinstance(error, ExceptionGroup) else [error]
    assert any("Database" in str(detail) for detail in details)


async def test_sync_close_refuses_pending_async_finalizers_and_aclose_runs_them(
    container: InjectQ,
) -> None:
    events: list[str] = []

    async def make_database() -> AsyncIterator[Database]:
        yield Database()
        events.append("close db")

    container.bind_factory(Database, make_database, scope="singleton")
    await container.aget(Database)

    with pytest.raises(InjectQError):
        container.close()

    await container.aclose()
    assert events == ["close db"]
