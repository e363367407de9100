"""Errors: each says what was asked, along which path, and what to do; bad input is
refused at bind time and leaves nothing behind."""

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

import pytest

from injectq import (
    AsyncFactoryError,
    BindingError,
    CaptiveDependencyError,
    CircularDependencyError,
    FinalizationError,
    InjectQ,
    InjectQError,
    MissingBindingError,
    ScopeError,
    ValidationError,
)

# --- the graph from the design brief: NotificationService -> IEmailService -> SMTPConfig --


class SMTPConfig(Protocol):
    host: str


class IEmailService(Protocol):
    def send(self, to: str) -> None: ...


class SmtpEmailService:
    def __init__(self, config: SMTPConfig) -> None:
        self.config = config

    def send(self, to: str) -> None:
        pass


class NotificationService:
    def __init__(self, email: IEmailService) -> None:
        self.email = email


# --- a plain chain of concrete classes ending in an unbound protocol ----------------------


class IClock(Protocol):
    def now(self) -> float: ...


class Scheduler:
    def __init__(self, clock: IClock) -> None:
        self.clock = clock


class JobRunner:
    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler


class AbstractStore(ABC):
    @abstractmethod
    def load(self) -> str: ...


class Archive:
    def __init__(self, store: AbstractStore) -> None:
        self.store = store


# --- cycles -------------------------------------------------------------------------------


class CycleA:
    def __init__(self, b: "CycleB") -> None:
        self.b = b


class CycleB:
    def __init__(self, c: "CycleC") -> None:
        self.c = c


class CycleC:
    def __init__(self, a: CycleA) -> None:
        self.a = a


class Narcissus:
    def __init__(self, me: "Narcissus") -> None:
        self.me = me


# --- lifetimes ----------------------------------------------------------------------------


class RequestContext:
    pass


class GlobalCache:
    def __init__(self, context: RequestContext) -> None:
        self.context = context


class RequestHandler:
    def __init__(self, cache: "AppSettings") -> None:
        self.cache = cache


class AppSettings:
    pass


class PerCallHelper:
    def __init__(self, context: RequestContext) -> None:
        self.context = context


class LongLivedService:
    def __init__(self, helper: PerCallHelper) -> None:
        self.helper = helper


class AsyncDatabase:
    pass


class Repository:
    def __init__(self, database: AsyncDatabase) -> None:
        self.database = database


class UserService:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository


class Config:
    def __init__(self) -> None:
        self.debug = False


def message_of(error: BaseException) -> str:
    return str(error)


# --- MissingBindingError ------------------------------------------------------------------


def test_missing_binding_error_names_the_brief_example_path(container: InjectQ) -> None:
    container.bind(IEmailService, SmtpEmailService)

    with pytest.raises(MissingBindingError) as raised:
        container.get(NotificationService)

    assert "NotificationService -> IEmailService -> SMTPConfig" in message_of(raised.value)


def test_missing_binding_error_names_the_full_path_and_suggests_binding(
    container: InjectQ,
) -> None:
    with pytest.raises(MissingBindingError) as raised:
        container.get(JobRunner)

    message = message_of(raised.value)
    assert "JobRunner -> Scheduler -> IClock" in message
    assert "bind" in message.lower()


def test_missing_binding_for_an_unbound_protocol_asked_directly(container: InjectQ) -> None:
    with pytest.raises(MissingBindingError, match="IClock"):
        container.get(IClock)


def test_missing_binding_for_an_abstract_class_that_cannot_be_autowired(
    container: InjectQ,
) -> None:
    with pytest.raises(MissingBindingError) as raised:
        container.get(Archive)

    assert "Archive -> AbstractStore" in message_of(raised.value)


def test_missing_binding_for_an_unknown_string_key(container: InjectQ) -> None:
    with pytest.raises(MissingBindingError, match="database_url"):
        container.get("database_url")


async def test_aget_raises_the_same_missing_binding_error_with_the_path(
    container: InjectQ,
) -> None:
    with pytest.raises(MissingBindingError) as raised:
        await container.aget(JobRunner)

    assert "JobRunner -> Scheduler -> IClock" in message_of(raised.value)


# --- CircularDependencyError --------------------------------------------------------------


def test_circular_dependency_error_names_the_whole_cycle(container: InjectQ) -> None:
    with pytest.raises(CircularDependencyError) as raised:
        container.get(CycleA)

    message = message_of(raised.value)
    assert "CycleA -> CycleB -> CycleC -> CycleA" in message
    assert "cycl" in message.lower() or "circular" in message.lower()


async def test_circular_dependency_is_detected_by_aget(container: InjectQ) -> None:
    with pytest.raises(CircularDependencyError, match="CycleA -> CycleB -> CycleC -> CycleA"):
        await container.aget(CycleA)


def test_a_class_depending_on_itself_is_a_cycle(container: InjectQ) -> None:
    with pytest.raises(CircularDependencyError, match="Narcissus -> Narcissus"):
        container.get(Narcissus)


def test_a_cycle_through_bound_singletons_is_detected(container: InjectQ) -> None:
    container.bind(CycleA, CycleA)
    container.bind(CycleB, CycleB)
    container.bind(CycleC, CycleC)

    with pytest.raises(CircularDependencyError):
        container.get(CycleB)


# --- CaptiveDependencyError ---------------------------------------------------------------


def test_singleton_depending_on_a_scoped_service_is_a_captive_dependency(
    container: InjectQ,
) -> None:
    container.bind(RequestContext, RequestContext, scope="scoped")
    container.bind(GlobalCache, GlobalCache, scope="singleton")

    with container.scope(), pytest.raises(CaptiveDependencyError) as raised:
        container.get(GlobalCache)

    message = message_of(raised.value)
    assert "GlobalCache -> RequestContext" in message
    assert "singleton" in message.lower()
    assert "scoped" in message.lower()


def test_a_captive_dependency_leaves_no_singleton_behind(container: InjectQ) -> None:
    container.bind(RequestContext, RequestContext, scope="scoped")
    container.bind(GlobalCache, GlobalCache, scope="singleton")

    for _ in range(2):
        with container.scope(), pytest.raises(CaptiveDependencyError):
            container.get(GlobalCache)


def test_singleton_capturing_a_scoped_service_through_a_transient_is_captive(
    container: InjectQ,
) -> None:
    container.bind(RequestContext, RequestContext, scope="scoped")
    container.bind(PerCallHelper, PerCallHelper, scope="transient")
    container.bind(LongLivedService, LongLivedService, scope="singleton")

    with container.scope(), pytest.raises(CaptiveDependencyError) as raised:
        container.get(LongLivedService)

    assert "LongLivedService -> PerCallHelper -> RequestContext" in message_of(raised.value)


def test_scoped_service_depending_on_a_singleton_is_fine(container: InjectQ) -> None:
    container.bind(AppSettings, AppSettings, scope="singleton")
    container.bind(RequestHandler, RequestHandler, scope="scoped")

    with container.scope():
        handler = container.get(RequestHandler)

    assert handler.cache is container.get(AppSettings)


def test_transient_service_depending_on_a_scoped_one_is_fine(container: InjectQ) -> None:
    container.bind(RequestContext, RequestContext, scope="scoped")
    container.bind(PerCallHelper, PerCallHelper, scope="transient")

    with container.scope():
        helper = container.get(PerCallHelper)
        assert helper.context is container.get(RequestContext)


# --- ScopeError ---------------------------------------------------------------------------


def test_scoped_service_with_no_open_scope_raises_scope_error(container: InjectQ) -> None:
    container.bind(RequestContext, RequestContext, scope="scoped")

    with pytest.raises(ScopeError) as raised:
        container.get(RequestContext)

    message = message_of(raised.value)
    assert "RequestContext" in message
    assert "scope" in message.lower()


def test_scope_error_names_the_path_to_the_scoped_service(container: InjectQ) -> None:
    container.bind(RequestContext, RequestContext, scope="scoped")

    with pytest.raises(ScopeError) as raised:
        container.get(PerCallHelper)

    assert "PerCallHelper -> RequestContext" in message_of(raised.value)


async def test_aget_of_a_scoped_service_with_no_open_scope_raises_scope_error(
    container: InjectQ,
) -> None:
    container.bind(RequestContext, RequestContext, scope="scoped")

    with pytest.raises(ScopeError):
        await container.aget(RequestContext)


# --- AsyncFactoryError --------------------------------------------------------------------


async def _async_function() -> AsyncDatabase:
    return AsyncDatabase()


async def _async_generator() -> AsyncIterator[AsyncDatabase]:
    yield AsyncDatabase()


@asynccontextmanager
async def _async_context_manager() -> AsyncIterator[AsyncDatabase]:
    yield AsyncDatabase()


ASYNC_FACTORIES: list[Callable[[], Any]] = [
    _async_function,
    _async_generator,
    _async_context_manager,
]


@pytest.mark.parametrize("factory", ASYNC_FACTORIES, ids=["function", "generator", "cm"])
def test_sync_get_of_an_async_factory_raises_async_factory_error(
    container: InjectQ, factory: Callable[[], Any]
) -> None:
    container.bind_factory(AsyncDatabase, factory, scope="scoped")

    with container.scope(), pytest.raises(AsyncFactoryError) as raised:
        container.get(AsyncDatabase)

    message = message_of(raised.value)
    assert "AsyncDatabase" in message
    assert "aget" in message


def test_async_factory_error_names_the_path_from_the_requested_service(
    container: InjectQ,
) -> None:
    container.bind_factory(AsyncDatabase, _async_function)

    with pytest.raises(AsyncFactoryError) as raised:
        container.get(UserService)

    assert "UserService -> Repository -> AsyncDatabase" in message_of(raised.value)


async def test_the_same_graph_resolves_with_aget(container: InjectQ) -> None:
    container.bind_factory(AsyncDatabase, _async_function)

    service = await container.aget(UserService)

    assert isinstance(service.repository.database, AsyncDatabase)


# --- BindingError -------------------------------------------------------------------------


def test_binding_a_none_key_is_a_binding_error(container: InjectQ) -> None:
    with pytest.raises(BindingError):
        container.bind(None, Config())  # type: ignore[arg-type]


def test_binding_a_none_value_is_a_binding_error(container: InjectQ) -> None:
    with pytest.raises(BindingError, match="Config"):
        container.bind(Config, None)  # type: ignore[arg-type]


def test_item_assignment_of_none_binds_the_key_to_none_as_allow_none_does(
    container: InjectQ,
) -> None:
    container[Config] = None
    assert container.get(Config) is None


@pytest.mark.parametrize("key", [42, 3.5, ["not", "hashable"], {"a": 1}], ids=repr)
def test_binding_a_key_that_is_neither_type_nor_string_is_a_binding_error(
    container: InjectQ, key: object
) -> None:
    with pytest.raises(BindingError):
        container.bind(key, Config())  # type: ignore[arg-type]


def test_binding_an_instance_that_is_not_of_the_keys_class_is_a_binding_error(
    container: InjectQ,
) -> None:
    with pytest.raises(BindingError, match="Config"):
        container.bind(Config, "debug=true")


def test_binding_an_instance_with_a_scope_argument_is_a_binding_error(
    container: InjectQ,
) -> None:
    with pytest.raises(BindingError):
        container.bind(Config, Config(), scope="scoped")


def test_a_rejected_binding_leaves_nothing_behind(container: InjectQ) -> None:
    with pytest.raises(BindingError):
        container.bind(Config, "debug=true")

    assert isinstance(container.get(Config), Config)


@pytest.mark.parametrize("factory", [None, 42, "make_config"], ids=repr)
def test_bind_factory_with_something_not_callable_is_a_binding_error(
    container: InjectQ, factory: object
) -> None:
    with pytest.raises(BindingError):
        container.bind_factory(Config, factory)  # type: ignore[arg-type]


def test_bind_factory_with_a_none_key_is_a_binding_error(container: InjectQ) -> None:
    with pytest.raises(BindingError):
        container.bind_factory(None, Config)  # type: ignore[arg-type]


# --- bad keys, whatever the call -----------------------------------------------------------

import typing  # noqa: E402

from injectq import Inject  # noqa: E402

BAD_KEYS = {
    "a list": ([1], "must be hashable"),
    "a dict": ({}, "must be hashable"),
    "typing.Any": (Any, "typing.Any says nothing"),
    "Optional[X]": (typing.Optional[Config], "an optional type is not a key"),  # noqa: UP045
    "X | None": (Config | None, "an optional type is not a key"),
    "a union": (typing.Union[Config, str], "a union is not a key"),  # noqa: UP007
    "Inject[X]": (Inject[Config], "Inject[T] marks a parameter"),
}


def _use(container: InjectQ, call: str, key: Any) -> Any:
    if call == "get":
        return container.get(key)
    if call == "container[key]":
        return container[key]
    if call == "bind":
        return container.bind(key, Config())
    if call == "bind_factory":
        return container.bind_factory(key, Config)
    if call == "override":
        with container.override(key, Config()):
            return None
    if call == "declare_context":
        return container.declare_context(key)
    with container.scope(context={key: Config()}):
        return None


CALLS = ["get", "container[key]", "bind", "bind_factory", "override", "declare_context", "scope"]


@pytest.mark.parametrize(
    ("call", "bad"),
    [
        (call, bad)
        for call in CALLS
        for bad in BAD_KEYS
        # a dict literal cannot even hold an unhashable key for scope(context=...)
        if not (call == "scope" and "hashable" in BAD_KEYS[bad][1])
    ],
)
def test_a_bad_key_is_a_binding_error_with_a_fix(container: InjectQ, call: str, bad: str) -> None:
    key, problem = BAD_KEYS[bad]
    with pytest.raises(BindingError) as raised:
        _use(container, call, key)
    assert problem in str(raised.value)
    assert raised.value.fix


@pytest.mark.parametrize("bad", list(BAD_KEYS), ids=list(BAD_KEYS))
async def test_a_bad_key_given_to_aget_is_a_binding_error(container: InjectQ, bad: str) -> None:
    key, problem = BAD_KEYS[bad]
    with pytest.raises(BindingError, match=re.escape(problem)):
        await container.aget(key)


def test_the_fix_for_an_optional_key_says_to_bind_the_type_itself(container: InjectQ) -> None:
    with pytest.raises(BindingError) as raised:
        container.bind(Config | None, Config())
    assert "bind Config itself" in raised.value.fix


def test_a_type_error_raised_by_a_factory_is_not_mistaken_for_a_bad_key(
    container: InjectQ,
) -> None:
    def broken() -> Config:
        raise TypeError("from the factory")

    container.bind_factory(Config, broken)
    with pytest.raises(TypeError, match="from the factory"):
        container.get(Config)


# --- a factory that returns None ------------------------------------------------------------


def _none_function() -> Config:
    return None  # type: ignore[return-value]


def _none_generator() -> typing.Iterator[Config]:
    yield None  # type: ignore[misc]


async def _none_async() -> Config:
    return None  # type: ignore[return-value]


async def _none_async_generator() -> AsyncIterator[Config]:
    yield None  # type: ignore[misc]


@asynccontextmanager
async def _none_context() -> AsyncIterator[Config]:
    yield None  # type: ignore[misc]


@pytest.mark.parametrize(
    "factory",
    [_none_function, _none_generator, _none_async, _none_async_generator, _none_context],
    ids=lambda factory: factory.__name__,
)
async def test_a_factory_that_returns_none_is_a_binding_error(
    container: InjectQ, factory: Callable[[], Any]
) -> None:
    container.bind_factory(Config, factory, scope="scoped")
    async with container.scope():
        with pytest.raises(BindingError, match="the factory of Config returned None") as raised:
            await container.aget(Config)
    assert "Config | None" in raised.value.fix


# --- user exceptions pass through unchanged -----------------------------------------------


class ConnectionRefusedByTestError(Exception):
    pass


def test_a_factory_exception_propagates_unchanged_with_a_note_naming_the_path(
    container: InjectQ,
) -> None:
    original = ConnectionRefusedByTestError("db is down")

    def connect() -> AsyncDatabase:
        raise original

    container.bind_factory(AsyncDatabase, connect)

    with pytest.raises(ConnectionRefusedByTestError) as raised:
        container.get(UserService)

    assert raised.value is original
    assert type(raised.value) is ConnectionRefusedByTestError
    assert not isinstance(raised.value, InjectQError)
    notes = "\n".join(getattr(raised.value, "__notes__", []))
    assert "UserService -> Repository -> AsyncDatabase" in notes


async def test_an_async_factory_exception_propagates_unchanged_with_a_note(
    container: InjectQ,
) -> None:
    original = ConnectionRefusedByTestError("db is down")

    async def connect() -> AsyncDatabase:
        raise original

    container.bind_factory(AsyncDatabase, connect)

    with pytest.raises(ConnectionRefusedByTestError) as raised:
        await container.aget(UserService)

    assert raised.value is original
    notes = "\n".join(getattr(raised.value, "__notes__", []))
    assert "UserService -> Repository -> AsyncDatabase" in notes


class Exploding:
    def __init__(self) -> None:
        raise ValueError("bad config")


class Holder:
    def __init__(self, exploding: Exploding) -> None:
        self.exploding = exploding


def test_an_init_exception_of_an_autowired_class_propagates_unchanged(
    container: InjectQ,
) -> None:
    with pytest.raises(ValueError, match="bad config") as raised:
        container.get(Holder)

    notes = "\n".join(getattr(raised.value, "__notes__", []))
    assert "Holder -> Exploding" in notes


def test_a_failed_singleton_factory_is_retried_on_the_next_resolve(container: InjectQ) -> None:
    attempts: list[int] = []

    def flaky() -> Config:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionRefusedByTestError("first try fails")
        return Config()

    container.bind_factory(Config, flaky, scope="singleton")

    with pytest.raises(ConnectionRefusedByTestError):
        container.get(Config)
    config = container.get(Config)

    assert container.get(Config) is config
    assert len(attempts) == 2


# --- hierarchy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        BindingError,
        MissingBindingError,
        CircularDependencyError,
        CaptiveDependencyError,
        ScopeError,
        AsyncFactoryError,
        FinalizationError,
        ValidationError,
    ],
)
def test_every_error_derives_from_injectq_error(error: type[Exception]) -> None:
    assert issubclass(error, InjectQError)
    assert issubclass(InjectQError, Exception)


def test_finalization_error_is_an_exception_group() -> None:
    assert issubclass(FinalizationError, ExceptionGroup)


def test_the_container_class_is_never_autowired_into_a_new_empty_container() -> None:
    container = InjectQ()
    with pytest.raises(MissingBindingError, match="no binding for InjectQ") as raised:
        container.get(InjectQ)
    assert "inject the services you need instead" in str(raised.value)
    container.bind(InjectQ, container)
    assert container.get(InjectQ) is container
