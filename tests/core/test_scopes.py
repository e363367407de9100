"""Scopes: sync and async ``with``, the contextvar-based active scope, nesting, names,
isolation and concurrency between scopes."""

import asyncio
import contextvars
import threading
from collections.abc import Iterator

import pytest

from injectq import InjectQ, Scope, ScopeError, scoped


class RequestState:
    pass


@scoped("session")
class SessionState:
    pass


class Connection:
    def __init__(self) -> None:
        self.closed = False


@pytest.fixture
def scoped_container(container: InjectQ) -> InjectQ:
    container.bind(RequestState, RequestState, scope="scoped")
    return container


# --- sync and async with ---------------------------------------------------------------


def test_entering_a_scope_returns_the_scope_that_serves_resolves(
    scoped_container: InjectQ,
) -> None:
    with scoped_container.scope() as scope:
        assert isinstance(scope, Scope)
        assert scope.get(RequestState) is scoped_container.get(RequestState)


async def test_async_with_scope_shares_a_scoped_instance_within_it(
    scoped_container: InjectQ,
) -> None:
    async with scoped_container.scope() as scope:
        assert isinstance(scope, Scope)
        first = await scoped_container.aget(RequestState)
        assert await scoped_container.aget(RequestState) is first
        assert await scope.aget(RequestState) is first
        assert scoped_container.get(RequestState) is first
    async with scoped_container.scope():
        assert await scoped_container.aget(RequestState) is not first


def test_scoped_service_is_unavailable_after_the_scope_ends(scoped_container: InjectQ) -> None:
    with scoped_container.scope():
        scoped_container.get(RequestState)

    with pytest.raises(ScopeError):
        scoped_container.get(RequestState)


def test_scope_ended_by_an_exception_is_no_longer_active(scoped_container: InjectQ) -> None:
    with pytest.raises(RuntimeError), scoped_container.scope():
        raise RuntimeError("boom")

    with pytest.raises(ScopeError):
        scoped_container.get(RequestState)


# --- the active scope is a contextvar --------------------------------------------------


def test_code_called_from_inside_a_scope_resolves_into_it(scoped_container: InjectQ) -> None:
    def deep_helper() -> RequestState:
        return scoped_container.get(RequestState)

    def handler() -> RequestState:
        return deep_helper()

    with scoped_container.scope():
        mine = scoped_container.get(RequestState)
        assert handler() is mine


async def test_tasks_spawned_inside_a_scope_resolve_into_it(scoped_container: InjectQ) -> None:
    async def worker() -> RequestState:
        await asyncio.sleep(0)
        return await scoped_container.aget(RequestState)

    async with scoped_container.scope():
        mine = await scoped_container.aget(RequestState)
        from_task = await asyncio.create_task(worker())
        from_gather = await asyncio.gather(worker(), worker())
        async with asyncio.TaskGroup() as group:
            grouped = group.create_task(worker())

    assert from_task is mine
    assert all(found is mine for found in from_gather)
    assert grouped.result() is mine


async def test_task_spawned_inside_a_scope_shares_the_instance_it_creates_first(
    scoped_container: InjectQ,
) -> None:
    async def worker() -> RequestState:
        return await scoped_container.aget(RequestState)

    async with scoped_container.scope():
        from_task = await asyncio.create_task(worker())
        assert await scoped_container.aget(RequestState) is from_task


def test_a_thread_running_in_a_copied_context_resolves_into_the_scope(
    scoped_container: InjectQ,
) -> None:
    found: list[RequestState] = []

    with scoped_container.scope():
        mine = scoped_container.get(RequestState)
        context = contextvars.copy_context()
        thread = threading.Thread(
            target=context.run, args=(lambda: found.append(scoped_container.get(RequestState)),)
        )
        thread.start()
        thread.join()

    assert found == [mine]


# --- nesting -----------------------------------------------------------------------------


def test_nested_scope_has_the_outer_scope_as_parent(container: InjectQ) -> None:
    with container.scope() as outer, container.scope() as inner:
        assert inner.parent is outer
        assert outer.parent is not inner


def test_nested_scope_gets_its_own_scoped_instances(scoped_container: InjectQ) -> None:
    with scoped_container.scope():
        outer = scoped_container.get(RequestState)
        with scoped_container.scope():
            inner = scoped_container.get(RequestState)
            assert inner is not outer
            assert scoped_container.get(RequestState) is inner


def test_leaving_a_nested_scope_makes_the_outer_scope_active_again(
    scoped_container: InjectQ,
) -> None:
    with scoped_container.scope():
        outer = scoped_container.get(RequestState)
        with scoped_container.scope():
            scoped_container.get(RequestState)
        assert scoped_container.get(RequestState) is outer


async def test_nested_async_scopes_restore_the_outer_scope(scoped_container: InjectQ) -> None:
    async with scoped_container.scope() as outer_scope:
        outer = await scoped_container.aget(RequestState)
        async with scoped_container.scope() as inner_scope:
            assert inner_scope.parent is outer_scope
            assert await scoped_container.aget(RequestState) is not outer
        assert await scoped_container.aget(RequestState) is outer


# --- named scopes -------------------------------------------------------------------------


def test_a_scope_reports_its_name(container: InjectQ) -> None:
    with container.scope("session") as session, container.scope() as request:
        assert session.name == "session"
        assert request.name is None


def test_named_lifetime_is_shared_by_every_scope_inside_the_same_named_scope(
    container: InjectQ,
) -> None:
    container.bind(Connection, Connection, scope="session")

    with container.scope("session"):
        with container.scope():
            from_first_request = container.get(Connection)
        with container.scope():
            from_second_request = container.get(Connection)
        assert container.get(Connection) is from_first_request

    assert from_first_request is from_second_request


def test_named_lifetime_differs_between_two_named_scopes(container: InjectQ) -> None:
    container.bind(Connection, Connection, scope="session")

    with container.scope("session"), container.scope():
        first = container.get(Connection)
    with container.scope("session"), container.scope():
        second = container.get(Connection)

    assert first is not second


def test_scoped_mark_with_a_name_binds_to_that_named_scope(container: InjectQ) -> None:
    with container.scope("session"):
        with container.scope():
            first = container.get(SessionState)
        with container.scope():
            assert container.get(SessionState) is first


def test_named_lifetime_is_cached_in_the_nearest_enclosing_scope_of_that_name(
    container: InjectQ,
) -> None:
    container.bind(Connection, Connection, scope="session")

    with container.scope("session"):
        outer = container.get(Connection)
        with container.scope("session"), container.scope():
            inner = container.get(Connection)
        assert container.get(Connection) is outer

    assert inner is not outer


def test_session_instance_created_inside_a_request_outlives_the_request(
    container: InjectQ,
) -> None:
    def make_connection() -> Iterator[Connection]:
        connection = Connection()
        yield connection
        connection.closed = True

    container.bind_factory(Connection, make_connection, scope="session")

    with container.scope("session"):
        with container.scope():
            connection = container.get(Connection)
        assert connection.closed is False
        assert container.get(Connection) is connection
    assert connection.closed is True


def test_named_lifetime_without_that_named_scope_open_raises_scope_error(
    container: InjectQ,
) -> None:
    container.bind(Connection, Connection, scope="session")

    with container.scope(), pytest.raises(ScopeError):
        container.get(Connection)
    with pytest.raises(ScopeError):
        container.get(Connection)


def test_plain_scoped_lifetime_uses_the_innermost_scope_even_inside_a_named_one(
    scoped_container: InjectQ,
) -> None:
    with scoped_container.scope("session"):
        in_session = scoped_container.get(RequestState)
        with scoped_container.scope():
            in_request = scoped_container.get(RequestState)

    assert in_request is not in_session


# --- isolated scopes ----------------------------------------------------------------------


def test_isolated_scope_does_not_see_the_active_scope_instances(
    scoped_container: InjectQ,
) -> None:
    with scoped_container.scope() as outer_scope:
        outer = scoped_container.get(RequestState)
        with scoped_container.scope(isolated=True) as isolated:
            assert isolated.parent is not outer_scope
            inside = scoped_container.get(RequestState)
            assert inside is not outer
            assert isolated.get(RequestState) is inside
        assert scoped_container.get(RequestState) is outer


def test_isolated_scope_does_not_see_named_scopes_around_it(container: InjectQ) -> None:
    container.bind(Connection, Connection, scope="session")

    with container.scope("session"):
        container.get(Connection)
        with container.scope(isolated=True), pytest.raises(ScopeError):
            container.get(Connection)


def test_isolated_scope_still_shares_singletons(container: InjectQ) -> None:
    container.bind(Connection, Connection)

    with container.scope():
        outer = container.get(Connection)
        with container.scope(isolated=True):
            assert container.get(Connection) is outer


# --- concurrent scopes --------------------------------------------------------------------


async def test_concurrent_async_scopes_never_see_each_others_instances(
    scoped_container: InjectQ,
) -> None:
    async def unit_of_work() -> RequestState:
        async with scoped_container.scope():
            first = await scoped_container.aget(RequestState)
            await asyncio.sleep(0.001)
            assert await scoped_container.aget(RequestState) is first
            await asyncio.sleep(0)
            assert scoped_container.get(RequestState) is first
            return first

    results = await asyncio.gather(*(unit_of_work() for _ in range(50)))

    assert len({id(result) for result in results}) == 50


def test_scopes_in_concurrent_threads_never_see_each_others_instances(
    scoped_container: InjectQ,
) -> None:
    barrier = threading.Barrier(8, timeout=10)
    results: list[RequestState] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def unit_of_work() -> None:
        try:
            with scoped_container.scope():
                barrier.wait()
                first = scoped_container.get(RequestState)
                barrier.wait()
                assert scoped_container.get(RequestState) is first
                with lock:
                    results.append(first)
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=unit_of_work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len({id(result) for result in results}) == 8


# --- exiting: twice, or from elsewhere ------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_exiting_a_scope_twice_is_a_no_op(scoped_container: InjectQ, mode: str) -> None:
    closed: list[str] = []

    def connection() -> Iterator[Connection]:
        yield Connection()
        closed.append("connection")

    scoped_container.bind_factory(Connection, connection, scope="scoped")
    with scoped_container.scope() as outer:
        scope = scoped_container.scope().enter()
        scoped_container.get(Connection)
        if mode == "sync":
            scope.__exit__(None, None, None)
            scope.__exit__(None, None, None)
            scope.close()
        else:
            await scope.__aexit__(None, None, None)
            await scope.__aexit__(None, None, None)
            await scope.aclose()
        assert scoped_container.current_scope is outer  # restored once, not twice
    assert closed == ["connection"]
    assert scope.closed


async def test_exiting_a_scope_from_another_task_leaves_that_tasks_scope_active(
    scoped_container: InjectQ,
) -> None:
    first = scoped_container.scope().enter()
    first_state = scoped_container.get(RequestState)

    async def other_unit_of_work() -> RequestState:
        async with scoped_container.scope() as own:
            await first.aclose()  # closes the other task's scope, from here
            assert scoped_container.current_scope is own
            return scoped_container.get(RequestState)

    state = await asyncio.create_task(other_unit_of_work())
    assert state is not first_state
    assert first.closed
    # the context that entered `first` still has it: closed, so resolving says so
    assert scoped_container.current_scope is first
    with pytest.raises(ScopeError, match="closed"):
        scoped_container.get(RequestState)
    first.close()  # the owner's own exit restores what was active before
    assert scoped_container.current_scope is None


def test_exiting_a_scope_from_another_thread_leaves_that_threads_scope_active(
    scoped_container: InjectQ,
) -> None:
    first = scoped_container.scope().enter()
    seen: list[object] = []

    def other_thread() -> None:
        with scoped_container.scope() as own:
            first.close()
            seen.append(scoped_container.current_scope is own)
            seen.append(scoped_container.get(RequestState))

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen[0] is True
    assert isinstance(seen[1], RequestState)
    assert first.closed
    first.close()
    assert scoped_container.current_scope is None
