"""``@inject`` resolves a function's parameters that the caller did not pass."""

import asyncio

from injectq import InjectQ, inject


class Greeter:
    def greet(self, name: str) -> str:
        return f"hello {name}"


class RequestState:
    pass


class Connection:
    pass


def test_inject_resolves_a_missing_parameter_of_a_sync_function(container: InjectQ) -> None:
    greeter = Greeter()
    container.bind(Greeter, greeter)

    @inject(container=container)
    def handler(name: str, greeter: Greeter) -> str:
        return greeter.greet(name)

    assert handler("ada") == "hello ada"


def test_inject_passes_the_resolved_instance(container: InjectQ) -> None:
    greeter = Greeter()
    container.bind(Greeter, greeter)

    @inject(container=container)
    def handler(greeter: Greeter) -> Greeter:
        return greeter

    assert handler() is greeter


async def test_inject_resolves_a_missing_parameter_of_an_async_function(
    container: InjectQ,
) -> None:
    greeter = Greeter()
    container.bind(Greeter, greeter)

    @inject(container=container)
    async def handler(greeter: Greeter) -> Greeter:
        await asyncio.sleep(0)
        return greeter

    assert await handler() is greeter


async def test_inject_on_an_async_function_can_use_async_factories(container: InjectQ) -> None:
    async def connect() -> Connection:
        await asyncio.sleep(0)
        return Connection()

    container.bind_factory(Connection, connect)

    @inject(container=container)
    async def handler(connection: Connection) -> Connection:
        return connection

    assert isinstance(await handler(), Connection)


def test_explicit_keyword_argument_wins_over_injection(container: InjectQ) -> None:
    container.bind(Greeter, Greeter())
    mine = Greeter()

    @inject(container=container)
    def handler(greeter: Greeter) -> Greeter:
        return greeter

    assert handler(greeter=mine) is mine


def test_explicit_positional_argument_wins_over_injection(container: InjectQ) -> None:
    container.bind(Greeter, Greeter())
    mine = Greeter()

    @inject(container=container)
    def handler(greeter: Greeter) -> Greeter:
        return greeter

    assert handler(mine) is mine


async def test_explicit_argument_wins_over_injection_on_async_functions(
    container: InjectQ,
) -> None:
    container.bind(Greeter, Greeter())
    mine = Greeter()

    @inject(container=container)
    async def handler(greeter: Greeter) -> Greeter:
        return greeter

    assert await handler(greeter=mine) is mine


def test_inject_resolves_on_every_call_not_at_decoration(container: InjectQ) -> None:
    @inject(container=container)
    def handler(connection: Connection) -> Connection:
        return connection

    late = Connection()
    container.bind(Connection, late)

    assert handler() is late


def test_inject_gives_a_transient_parameter_a_new_object_per_call(container: InjectQ) -> None:
    container.bind(Connection, Connection, scope="transient")

    @inject(container=container)
    def handler(connection: Connection) -> Connection:
        return connection

    assert handler() is not handler()


def test_inject_resolves_scoped_parameters_from_the_active_scope(container: InjectQ) -> None:
    container.bind(RequestState, RequestState, scope="scoped")

    @inject(container=container)
    def handler(state: RequestState) -> RequestState:
        return state

    with container.scope():
        mine = container.get(RequestState)
        assert handler() is mine
        assert handler() is mine
    with container.scope():
        assert handler() is not mine


async def test_async_injected_function_resolves_from_the_active_async_scope(
    container: InjectQ,
) -> None:
    container.bind(RequestState, RequestState, scope="scoped")

    @inject(container=container)
    async def handler(state: RequestState) -> RequestState:
        return state

    async with container.scope():
        mine = await container.aget(RequestState)
        assert await handler() is mine


def test_unannotated_parameters_are_left_to_the_caller(container: InjectQ) -> None:
    container.bind(Greeter, Greeter())

    @inject(container=container)
    def handler(name, greeter: Greeter) -> str:  # type: ignore[no-untyped-def]
        return greeter.greet(name)

    assert handler("bob") == "hello bob"


def test_get_instance_returns_the_same_default_container_every_time() -> None:
    default = InjectQ.get_instance()

    assert isinstance(default, InjectQ)
    assert InjectQ.get_instance() is default


def test_bare_inject_uses_the_default_container() -> None:
    class DefaultOnlyService:
        pass

    service = DefaultOnlyService()
    InjectQ.get_instance().bind(DefaultOnlyService, service)

    @inject
    def handler(dependency: DefaultOnlyService) -> DefaultOnlyService:
        return dependency

    assert handler() is service


async def test_bare_inject_on_an_async_function_uses_the_default_container() -> None:
    class DefaultOnlyAsyncService:
        pass

    service = DefaultOnlyAsyncService()
    InjectQ.get_instance().bind(DefaultOnlyAsyncService, service)

    @inject
    async def handler(dependency: DefaultOnlyAsyncService) -> DefaultOnlyAsyncService:
        return dependency

    assert await handler() is service


def test_inject_with_a_container_ignores_the_default_container(container: InjectQ) -> None:
    class Marker:
        pass

    InjectQ.get_instance().bind(Marker, Marker())
    mine = Marker()
    container.bind(Marker, mine)

    @inject(container=container)
    def handler(marker: Marker) -> Marker:
        return marker

    assert handler() is mine
