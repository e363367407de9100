"""injectq 0.5.0's resources (`@resource`, the resource manager, `managed_resource`), as faces
of this project's finalized factories: a resource's value is made and finalized by a
container, whether through the manager or bound with `bind_factory`."""

import sys
from collections.abc import AsyncIterator, Iterator
from types import TracebackType

import pytest

import injectq
from injectq import FinalizationError, InjectQ
from injectq.decorators.resource import (
    ResourceError,
    async_managed_resource,
    get_resource_manager,
    managed_resource,
    resource,
)


class Connection:
    def __init__(self, name: str = "db") -> None:
        self.name = name
        self.closed = False

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.closed = True

    async def __aenter__(self) -> "Connection":
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.closed = True


def name_of(function: object) -> str:
    return f"{function.__module__}.{function.__qualname__}"  # type: ignore[attr-defined]


def test_a_generator_resource_is_made_once_and_finalized_at_shutdown() -> None:
    events: list[str] = []

    @resource()
    def connection() -> Iterator[Connection]:
        events.append("open")
        yield Connection()
        events.append("close")

    manager = get_resource_manager()
    first = manager.initialize_resource(name_of(connection))
    assert manager.initialize_resource(name_of(connection)) is first
    assert manager.get_resource(name_of(connection)) is connection._resource_lifecycle  # type: ignore[attr-defined]
    manager.shutdown_resource(name_of(connection))
    assert events == ["open", "close"]
    assert manager.initialize_resource(name_of(connection)) is not first  # made again
    manager.shutdown_resource(name_of(connection))


def test_a_returned_context_manager_is_entered_and_exited() -> None:
    @resource
    def connection() -> Connection:
        return Connection()

    manager = get_resource_manager()
    made = manager.initialize_resource(name_of(connection))
    assert isinstance(made, Connection)
    assert not made.closed
    manager.shutdown_resource(name_of(connection))
    assert made.closed


def test_a_plain_value_is_served_as_it_is() -> None:
    @resource()
    def settings() -> dict[str, str]:
        return {"dsn": "sqlite://"}

    assert get_resource_manager().initialize_resource(name_of(settings)) == {"dsn": "sqlite://"}


def test_initialize_passes_its_arguments_to_the_function() -> None:
    @resource()
    def connection(name: str) -> Iterator[Connection]:
        yield Connection(name)

    manager = get_resource_manager()
    assert manager.initialize_resource(name_of(connection), "replica").name == "replica"
    manager.shutdown_resource(name_of(connection))


async def test_async_resources_are_made_and_finalized_by_the_async_forms() -> None:
    events: list[str] = []

    @resource()
    async def client() -> AsyncIterator[str]:
        events.append("open")
        yield "client"
        events.append("close")

    @resource()
    async def connection() -> Connection:
        return Connection()

    manager = get_resource_manager()
    assert await manager.initialize_async_resource(name_of(client)) == "client"
    made = await manager.initialize_async_resource(name_of(connection))
    await manager.shutdown_async_resource(name_of(client))
    await manager.shutdown_async_resource(name_of(connection))
    assert events == ["open", "close"]
    assert made.closed


async def test_an_async_resource_refuses_the_sync_forms() -> None:
    @resource()
    async def client() -> AsyncIterator[str]:
        yield "client"

    manager = get_resource_manager()
    with pytest.raises(ResourceError, match="synchronously"):
        manager.initialize_resource(name_of(client))
    await manager.initialize_async_resource(name_of(client))
    with pytest.raises(ResourceError, match="synchronously"):
        manager.shutdown_resource(name_of(client))
    await manager.shutdown_async_resource(name_of(client))


def test_a_failing_function_is_a_resource_error_caused_by_its_exception() -> None:
    @resource()
    def broken() -> str:
        raise ValueError("no network")

    with pytest.raises(ResourceError, match="Failed to initialize resource") as caught:
        get_resource_manager().initialize_resource(name_of(broken))
    assert isinstance(caught.value.__cause__, ValueError)
    assert not broken._resource_lifecycle.initialized  # type: ignore[attr-defined]


def test_a_failing_cleanup_is_a_resource_error_caused_by_the_finalization_error() -> None:
    @resource()
    def connection() -> Iterator[str]:
        yield "db"
        raise OSError("socket already closed")

    manager = get_resource_manager()
    manager.initialize_resource(name_of(connection))
    with pytest.raises(ResourceError, match="Failed to shut down resource") as caught:
        manager.shutdown_resource(name_of(connection))
    assert isinstance(caught.value.__cause__, FinalizationError)
    assert not connection._resource_lifecycle.initialized  # type: ignore[attr-defined]


def test_an_unknown_resource_is_a_resource_error() -> None:
    with pytest.raises(ResourceError, match="Unknown resource"):
        get_resource_manager().initialize_resource("nowhere.nothing")


def test_the_lifecycle_has_no_value_before_initialize() -> None:
    @resource()
    def value() -> int:
        return 1

    with pytest.raises(ResourceError, match="not initialized"):
        _ = value._resource_lifecycle.resource  # type: ignore[attr-defined]


async def test_shutdown_all_finalizes_every_resource_newest_first_and_reports_failures() -> None:
    events: list[str] = []

    @resource()
    def first() -> Iterator[str]:
        yield "first"
        events.append("first")

    @resource()
    def failing() -> Iterator[str]:
        yield "failing"
        raise OSError("cannot close")

    @resource()
    async def last() -> AsyncIterator[str]:
        yield "last"
        events.append("last")

    manager = get_resource_manager()
    manager.initialize_resource(name_of(first))
    manager.initialize_resource(name_of(failing))
    await manager.initialize_async_resource(name_of(last))
    with pytest.raises(ResourceError, match="failed to shut down") as caught:
        await manager.shutdown_all_async()
    assert events == ["last", "first"]
    assert name_of(failing) in str(caught.value)


def test_a_resource_bound_in_a_container_is_finalized_by_that_container() -> None:
    events: list[str] = []

    @resource
    def connection() -> Iterator[Connection]:
        connection = Connection()
        yield connection
        events.append("close")

    container = InjectQ()
    container.bind_factory(Connection, connection)  # @resource marked it: a singleton
    assert container.get(Connection) is container.get(Connection)
    container.close()
    assert events == ["close"]


def test_a_scoped_resource_is_finalized_with_its_scope() -> None:
    events: list[str] = []

    @resource(scope="scoped")
    def connection() -> Iterator[Connection]:
        yield Connection()
        events.append("close")

    container = InjectQ()
    container.bind_factory(Connection, connection)
    with container.scope():
        made = container.get(Connection)
        assert container.get(Connection) is made
    assert events == ["close"]
    assert connection._resource_scope == "scoped"  # type: ignore[attr-defined]


def test_managed_resource_cleans_up_however_the_block_ends() -> None:
    closed: list[Connection] = []
    with managed_resource(Connection, closed.append) as made:
        assert isinstance(made, Connection)
    with pytest.raises(KeyError), managed_resource(Connection, closed.append):
        raise KeyError("boom")
    assert len(closed) == 2


async def test_async_managed_resource_awaits_an_async_factory_and_cleanup() -> None:
    closed: list[str] = []

    async def open_client() -> str:
        return "client"

    async def close_client(client: str) -> None:
        closed.append(client)

    async with async_managed_resource(open_client, close_client) as client:
        assert client == "client"
    async with async_managed_resource(lambda: "sync", closed.append) as plain:
        assert plain == "sync"
    assert closed == ["client", "sync"]


def test_the_names_are_reached_through_injectq_and_its_decorators_package() -> None:
    import injectq.decorators as decorators

    assert injectq.resource is decorators.resource is resource
    assert injectq.get_resource_manager is get_resource_manager
    assert injectq.managed_resource is managed_resource
    assert injectq.async_managed_resource is async_managed_resource
    assert sys.modules["injectq.decorators.resource"].ResourceError is ResourceError
    assert issubclass(ResourceError, injectq.InjectQError)
