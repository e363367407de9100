"""Autowiring: unbound concrete classes are built from their ``__init__`` type hints."""

from typing import Protocol

import pytest

from injectq import InjectQ, ScopeError, scoped, singleton, transient


class Clock:
    pass


class Repository:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock


class Service:
    def __init__(self, repository: Repository, clock: Clock) -> None:
        self.repository = repository
        self.clock = clock


@singleton
class SharedCache:
    pass


@scoped
class RequestState:
    pass


@transient
class Token:
    pass


class TwoTokens:
    def __init__(self, first: Token, second: Token) -> None:
        self.first = first
        self.second = second


class TwoCaches:
    def __init__(self, first: SharedCache, second: SharedCache) -> None:
        self.first = first
        self.second = second


class TwoStates:
    def __init__(self, first: RequestState, second: RequestState) -> None:
        self.first = first
        self.second = second


class IStore(Protocol):
    def load(self) -> str: ...


class MemoryStore:
    def load(self) -> str:
        return "memory"


class Reader:
    def __init__(self, store: IStore) -> None:
        self.store = store


class Controller:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader


class WithForwardReference:
    def __init__(self, clock: "Clock") -> None:
        self.clock = clock


class NoInit:
    pass


def test_unbound_concrete_class_is_built_from_its_init_type_hints(container: InjectQ) -> None:
    service = container.get(Service)

    assert isinstance(service, Service)
    assert isinstance(service.repository, Repository)
    assert isinstance(service.repository.clock, Clock)
    assert isinstance(service.clock, Clock)


def test_unbound_class_without_a_mark_is_transient(container: InjectQ) -> None:
    assert container.get(Clock) is not container.get(Clock)


def test_unbound_unmarked_dependencies_are_new_for_each_injection(container: InjectQ) -> None:
    service = container.get(Service)

    assert service.clock is not service.repository.clock


def test_unbound_class_marked_singleton_is_one_per_container(container: InjectQ) -> None:
    assert container.get(SharedCache) is container.get(SharedCache)


def test_unbound_class_marked_scoped_is_shared_within_a_scope(container: InjectQ) -> None:
    with container.scope():
        first = container.get(RequestState)
        assert container.get(RequestState) is first
    with container.scope():
        assert container.get(RequestState) is not first


def test_unbound_class_marked_scoped_needs_an_open_scope(container: InjectQ) -> None:
    with pytest.raises(ScopeError):
        container.get(RequestState)


def test_two_transient_parameters_get_two_different_objects(container: InjectQ) -> None:
    pair = container.get(TwoTokens)

    assert isinstance(pair.first, Token)
    assert isinstance(pair.second, Token)
    assert pair.first is not pair.second


def test_two_transient_parameters_of_a_bound_factory_get_two_objects(container: InjectQ) -> None:
    def make_token() -> Token:
        return Token()

    container.bind_factory(Token, make_token)

    pair = container.get(TwoTokens)

    assert pair.first is not pair.second


def test_two_singleton_parameters_get_the_same_object(container: InjectQ) -> None:
    pair = container.get(TwoCaches)

    assert pair.first is pair.second
    assert pair.first is container.get(SharedCache)


def test_two_scoped_parameters_get_the_same_object_within_a_scope(container: InjectQ) -> None:
    with container.scope():
        pair = container.get(TwoStates)
        assert pair.first is pair.second
        assert pair.first is container.get(RequestState)


def test_bound_protocol_is_used_deep_inside_an_autowired_graph(container: InjectQ) -> None:
    store = MemoryStore()
    container.bind(IStore, store)

    controller = container.get(Controller)

    assert controller.reader.store is store


def test_init_parameter_with_default_and_no_binding_keeps_the_default(container: InjectQ) -> None:
    class Pool:
        def __init__(self, clock: Clock, size: int = 5, name: str = "main") -> None:
            self.clock = clock
            self.size = size
            self.name = name

    pool = container.get(Pool)

    assert pool.size == 5
    assert pool.name == "main"
    assert isinstance(pool.clock, Clock)


def test_init_parameter_with_default_uses_the_binding_when_there_is_one(
    container: InjectQ,
) -> None:
    class Pool:
        def __init__(self, size: int = 5) -> None:
            self.size = size

    container.bind(int, 11)

    assert container.get(Pool).size == 11


def test_string_annotations_in_init_are_resolved(container: InjectQ) -> None:
    built = container.get(WithForwardReference)

    assert isinstance(built.clock, Clock)


def test_class_without_its_own_init_is_built_with_no_arguments(container: InjectQ) -> None:
    assert isinstance(container.get(NoInit), NoInit)


async def test_aget_autowires_a_class_whose_dependency_has_an_async_factory(
    container: InjectQ,
) -> None:
    async def make_clock() -> Clock:
        return Clock()

    container.bind_factory(Clock, make_clock)

    repository = await container.aget(Repository)

    assert isinstance(repository.clock, Clock)


def test_autowiring_a_bound_implementation_injects_its_own_dependencies(
    container: InjectQ,
) -> None:
    clock = Clock()
    container.bind(Clock, clock)
    container.bind(IStore, MemoryStore)

    assert container.get(Repository).clock is clock
    assert isinstance(container.get(IStore), MemoryStore)
