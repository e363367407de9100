"""Every binding form of the public API produces the service it promises."""

from collections.abc import AsyncIterator, Iterator
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from types import TracebackType
from typing import NewType, Protocol

from injectq import InjectQ, singleton


class IEmailService(Protocol):
    def send(self, to: str) -> str: ...


class EmailService:
    def send(self, to: str) -> str:
        return f"sent to {to}"


class Settings:
    def __init__(self) -> None:
        self.dsn = "sqlite://"


class UserService:
    def __init__(self, email: IEmailService, settings: Settings) -> None:
        self.email = email
        self.settings = settings


class Connection:
    def __init__(self) -> None:
        self.closed = False


UserId = NewType("UserId", int)


# --- instance and class bindings -------------------------------------------------------


def test_instance_binding_always_returns_that_exact_object(container: InjectQ) -> None:
    email = EmailService()
    container.bind(IEmailService, email)

    assert container.get(IEmailService) is email
    assert container.get(IEmailService) is email


def test_item_assignment_binds_an_instance_like_bind(container: InjectQ) -> None:
    settings = Settings()
    container[Settings] = settings

    assert container[Settings] is settings
    assert container.get(Settings) is settings


def test_item_assignment_with_a_class_autowires_it_as_a_singleton(container: InjectQ) -> None:
    container[IEmailService] = EmailService

    first = container[IEmailService]
    assert isinstance(first, EmailService)
    assert container[IEmailService] is first


def test_item_lookup_returns_the_same_as_get(container: InjectQ) -> None:
    container.bind(IEmailService, EmailService)

    assert container[IEmailService] is container.get(IEmailService)


def test_class_binding_builds_the_class_by_autowiring_its_init(container: InjectQ) -> None:
    email = EmailService()
    container.bind(IEmailService, email)
    container.bind(UserService, UserService)

    service = container.get(UserService)

    assert isinstance(service, UserService)
    assert service.email is email
    assert isinstance(service.settings, Settings)


def test_class_bound_to_an_interface_key_is_returned_for_that_key(container: InjectQ) -> None:
    container.bind(IEmailService, EmailService)

    service = container.get(IEmailService)

    assert isinstance(service, EmailService)
    assert service.send("ann") == "sent to ann"


def test_instance_of_a_subclass_is_accepted_for_a_class_key(container: InjectQ) -> None:
    class SpecialSettings(Settings):
        pass

    special = SpecialSettings()
    container.bind(Settings, special)

    assert container.get(Settings) is special


def test_a_string_key_can_be_bound_and_resolved(container: InjectQ) -> None:
    container.bind("database_url", "postgres://db")

    assert container.get("database_url") == "postgres://db"
    assert container["database_url"] == "postgres://db"


def test_a_generic_alias_key_is_distinct_from_its_origin(container: InjectQ) -> None:
    numbers = [1, 2, 3]
    names = ["a", "b"]
    container.bind(list[int], numbers)
    container.bind(list[str], names)

    assert container.get(list[int]) is numbers
    assert container.get(list[str]) is names


def test_a_newtype_key_can_be_bound_to_a_value(container: InjectQ) -> None:
    container.bind(UserId, UserId(42))

    assert container.get(UserId) == 42


async def test_aget_returns_the_same_bound_instance_as_get(container: InjectQ) -> None:
    email = EmailService()
    container.bind(IEmailService, email)

    assert await container.aget(IEmailService) is email


async def test_aget_resolves_a_class_binding_with_sync_dependencies(container: InjectQ) -> None:
    container.bind(IEmailService, EmailService)
    container.bind(UserService, UserService)

    service = await container.aget(UserService)

    assert isinstance(service.email, EmailService)
    assert service is container.get(UserService)


# --- factories -------------------------------------------------------------------------


def test_function_factory_is_called_to_build_the_value(container: InjectQ) -> None:
    built: list[Connection] = []

    def make_connection() -> Connection:
        connection = Connection()
        built.append(connection)
        return connection

    container.bind_factory(Connection, make_connection)

    connection = container.get(Connection)

    assert built == [connection]


def test_factory_parameters_are_injected_from_type_hints(container: InjectQ) -> None:
    settings = Settings()
    container.bind(Settings, settings)
    seen: list[Settings] = []

    def make_connection(settings: Settings) -> Connection:
        seen.append(settings)
        return Connection()

    container.bind_factory(Connection, make_connection)
    container.get(Connection)

    assert seen == [settings]


def test_factory_parameter_with_default_and_no_binding_keeps_the_default(
    container: InjectQ,
) -> None:
    class Pool:
        def __init__(self, size: int) -> None:
            self.size = size

    def make_pool(size: int = 7) -> Pool:
        return Pool(size)

    container.bind_factory(Pool, make_pool)

    assert container.get(Pool).size == 7


def test_factory_parameter_with_default_uses_the_binding_when_there_is_one(
    container: InjectQ,
) -> None:
    class Pool:
        def __init__(self, size: int) -> None:
            self.size = size

    def make_pool(size: int = 7) -> Pool:
        return Pool(size)

    container.bind(int, 20)
    container.bind_factory(Pool, make_pool)

    assert container.get(Pool).size == 20


async def test_async_function_factory_is_awaited_by_aget(container: InjectQ) -> None:
    async def make_connection() -> Connection:
        return Connection()

    container.bind_factory(Connection, make_connection)

    connection = await container.aget(Connection)

    assert isinstance(connection, Connection)


def test_generator_factory_provides_the_yielded_value_and_finalizes_on_scope_exit(
    container: InjectQ,
) -> None:
    def make_connection() -> Iterator[Connection]:
        connection = Connection()
        yield connection
        connection.closed = True

    container.bind_factory(Connection, make_connection, scope="scoped")

    with container.scope():
        connection = container.get(Connection)
        assert isinstance(connection, Connection)
        assert connection.closed is False

    assert connection.closed is True


async def test_async_generator_factory_provides_the_yielded_value_and_finalizes_on_exit(
    container: InjectQ,
) -> None:
    async def make_connection() -> AsyncIterator[Connection]:
        connection = Connection()
        yield connection
        connection.closed = True

    container.bind_factory(Connection, make_connection, scope="scoped")

    async with container.scope():
        connection = await container.aget(Connection)
        assert isinstance(connection, Connection)
        assert connection.closed is False

    assert connection.closed is True


def test_contextmanager_factory_is_entered_and_exited_with_the_scope(container: InjectQ) -> None:
    events: list[str] = []

    @contextmanager
    def open_connection() -> Iterator[Connection]:
        events.append("enter")
        yield Connection()
        events.append("exit")

    container.bind_factory(Connection, open_connection, scope="scoped")

    with container.scope():
        connection = container.get(Connection)
        assert isinstance(connection, Connection)
        assert events == ["enter"]

    assert events == ["enter", "exit"]


async def test_asynccontextmanager_factory_is_entered_and_exited_with_the_scope(
    container: InjectQ,
) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def open_connection() -> AsyncIterator[Connection]:
        events.append("enter")
        yield Connection()
        events.append("exit")

    container.bind_factory(Connection, open_connection, scope="scoped")

    async with container.scope():
        connection = await container.aget(Connection)
        assert isinstance(connection, Connection)
        assert events == ["enter"]

    assert events == ["enter", "exit"]


class _ConnectionManager:
    """A hand-written context manager class (not made by @contextmanager)."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def __enter__(self) -> Connection:
        self.events.append("enter")
        return Connection()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.events.append("exit")

    async def __aenter__(self) -> Connection:
        self.events.append("aenter")
        return Connection()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.events.append("aexit")


def test_factory_annotated_as_returning_a_context_manager_is_entered(container: InjectQ) -> None:
    events: list[str] = []

    def open_connection() -> AbstractContextManager[Connection]:
        return _ConnectionManager(events)

    container.bind_factory(Connection, open_connection, scope="scoped")

    with container.scope():
        connection = container.get(Connection)
        assert isinstance(connection, Connection)
        assert events == ["enter"]

    assert events == ["enter", "exit"]


async def test_factory_annotated_as_returning_an_async_context_manager_is_entered(
    container: InjectQ,
) -> None:
    events: list[str] = []

    def open_connection() -> AbstractAsyncContextManager[Connection]:
        return _ConnectionManager(events)

    container.bind_factory(Connection, open_connection, scope="scoped")

    async with container.scope():
        connection = await container.aget(Connection)
        assert isinstance(connection, Connection)
        assert events == ["aenter"]

    assert events == ["aenter", "aexit"]


class Store:
    pass


class OtherStore(Store):
    pass


class Catalog:
    def __init__(self, store: Store) -> None:
        self.store = store


def test_binding_a_key_again_after_its_singleton_was_made_takes_effect_for_it_and_dependents(
    container: InjectQ,
) -> None:
    closed: list[str] = []

    def first_store() -> Iterator[Store]:
        yield Store()
        closed.append("first store")

    container.bind_factory(Store, first_store, scope="singleton")
    container.bind(Catalog, Catalog)
    old_catalog = container.get(Catalog)
    container.bind(Store, OtherStore)
    assert type(container.get(Store)) is OtherStore
    new_catalog = container.get(Catalog)
    assert new_catalog is not old_catalog
    assert type(new_catalog.store) is OtherStore
    assert closed == []  # the old one may still be in use: it is finalized with the container
    container.close()
    assert closed == ["first store"]


@singleton
class Cache:
    pass


class RedisCache(Cache):
    pass


def test_unbinding_a_made_singleton_stops_handing_it_out(container: InjectQ) -> None:
    container.bind(Cache, RedisCache)
    assert type(container.get(Cache)) is RedisCache
    del container[Cache]
    assert type(container.get(Cache)) is Cache  # autowired now, a singleton of its own
