"""Type-checked only (mypy --strict and pyright): what the core's API promises to a type checker."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol, assert_type

from injectq import Inject, InjectQ, Module, Scope, inject, provider, scoped, singleton, transient


class IEmailService(Protocol):
    def send(self, to: str) -> None: ...


class Repository(ABC):
    @abstractmethod
    def find(self, key: int) -> str: ...


class Settings:
    dsn = "sqlite://"


@singleton
class Pool:
    pass


@scoped
class Session:
    pass


@scoped("session")
class Connection:
    pass


@transient
class Validator:
    pass


def make_session(settings: Settings) -> Iterator[Session]:
    yield Session()


async def make_pool() -> AsyncIterator[Pool]:
    yield Pool()


class InfrastructureModule(Module):
    @provider
    def settings(self) -> Settings:
        return Settings()

    @provider(scope="scoped")
    def session(self, settings: Settings) -> Session:
        return Session()


def resolving_returns_the_key_type(container: InjectQ) -> None:
    # a Protocol and an ABC are accepted and typed (the case dishka's `get` gets wrong)
    assert_type(container.get(IEmailService), IEmailService)
    assert_type(container.get(Repository), Repository)
    assert_type(container.get(Settings), Settings)
    assert_type(container[IEmailService], IEmailService)
    assert_type(container[Settings], Settings)
    assert_type(container.get("dsn"), Any)
    assert_type(container.get(list[int]), list[int])


async def async_resolving_returns_the_key_type(container: InjectQ) -> None:
    assert_type(await container.aget(IEmailService), IEmailService)
    assert_type(await container.aget(Repository), Repository)
    assert_type(await container.aget(Pool), Pool)


def scopes_resolve_with_types(container: InjectQ) -> None:
    with container.scope() as scope:
        assert_type(scope, Scope)
        assert_type(scope.get(Session), Session)
        assert_type(container.get(IEmailService), IEmailService)
    with container.override(Settings, Settings()) as fake:
        assert_type(fake, Any)


async def async_scopes_resolve_with_types(container: InjectQ) -> None:
    async with container.scope("request", context={Settings: Settings()}) as scope:
        assert_type(await scope.aget(Repository), Repository)


def marks_keep_the_class_type() -> None:
    assert_type(Pool(), Pool)
    assert_type(Session(), Session)
    assert_type(Connection(), Connection)
    assert_type(Validator(), Validator)


def binding_accepts_the_documented_forms(container: InjectQ) -> None:
    container.bind(Settings, Settings())
    container.bind(Repository, Repository, scope="scoped")
    container[Settings] = Settings()
    container.bind_factory(Session, make_session, scope="scoped")
    container.bind_factory(Pool, make_pool, scope="singleton")
    container.install(InfrastructureModule())


@inject
def handler(user_id: int, email: IEmailService) -> str:
    return str(user_id)


@inject(container=InjectQ())
async def async_handler(user_id: int, settings: Inject[Settings]) -> int:
    return user_id


async def inject_keeps_the_signature() -> None:
    assert_type(handler(1, email=_email()), str)
    assert_type(await async_handler(1, Settings()), int)


def _email() -> IEmailService:
    raise NotImplementedError


def wrong_keys_are_type_errors(container: InjectQ) -> None:
    # both checkers must reject these; the ignores are checked for being necessary
    container.get(42)  # type: ignore[call-overload]
    container.get(None)  # type: ignore[call-overload]


def graphs_are_text(container: InjectQ) -> None:
    assert_type(container.graph(), str)
    assert_type(container.graph(entry_points=[handler], format="dot"), str)
    container.graph(format="svg")  # type: ignore[arg-type]


# the lifecycle API adapters use (see docs/guides/writing-an-adapter.md)


def lifecycle_api_is_typed(container: InjectQ) -> None:
    import logging

    from injectq import InjectedParameter, Injector, marked_parameters, read_parameters

    scope = container.scope("task", isolated=True, label="task x", log_failures=logging.getLogger())
    assert_type(scope.enter(), Scope)
    scope.record_error(ValueError("x"))
    scope.close(ValueError("x"), log_failures=logging.getLogger())

    def handler(session: Inject[Session], order_id: int) -> None:
        pass

    injector = container.injector(handler, name="POST /orders")
    assert_type(injector, Injector)
    assert_type(injector.parameters, tuple[InjectedParameter, ...])
    assert_type(injector.needs_await, bool)
    injector.resolve({}, args=(1,), scope=scope)
    assert_type(read_parameters(handler, "handler()"), tuple[InjectedParameter, ...])
    assert_type(marked_parameters(handler, "handler()")[0].key, Any)
    with container.override(Settings, Settings) as fake:
        assert_type(fake, Any)


async def async_lifecycle_api_is_typed(container: InjectQ) -> None:
    scope = container.scope().enter()
    await scope.aclose(None)
    await container.aclose()
    injector = container.injector(lambda: None)
    await injector.aresolve({})
