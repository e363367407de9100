"""dependency-injector: ``DeclarativeContainer`` with ``Singleton``, ``Factory``, context-locals.

The library has no scope object: its per-request lifetimes (``ContextLocalSingleton``,
``ContextLocalResource``) keep one instance per ``contextvars`` context, and a request ends by
``reset()`` / ``shutdown()`` of the provider, which is what closing a scope does here.
"""

from typing import TYPE_CHECKING, cast

from _cases import AsyncCase, Case, SyncCase
from _model import (
    A,
    AppState,
    B,
    C,
    D,
    Service,
    Session,
    Settings,
    session_lifecycle,
    session_lifecycle_async,
)
from dependency_injector import containers, providers

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

_SCOPE_NOTE = "scope = the current contextvars context, closed by the provider's reset()"
_FINALIZER_NOTE = "scope = the current contextvars context, closed by the resource's shutdown()"


class _SingletonContainer(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)


class _ChainContainer(containers.DeclarativeContainer):
    d = providers.Factory(D)
    b = providers.Factory(B, d)
    c = providers.Factory(C, d)
    a = providers.Factory(A, b, c)


class _ScopeContainer(containers.DeclarativeContainer):
    state = providers.Singleton(AppState)
    session = providers.ContextLocalSingleton(Session)
    service = providers.Factory(Service, session, state)


class _FinalizerContainer(containers.DeclarativeContainer):
    state = providers.Singleton(AppState)
    session = providers.ContextLocalResource(session_lifecycle)
    service = providers.Factory(Service, session, state)


class _AsyncFinalizerContainer(containers.DeclarativeContainer):
    state = providers.Singleton(AppState)
    session = providers.ContextLocalResource(session_lifecycle_async)
    service = providers.Factory(Service, session, state)


def s1_singleton() -> Case:
    return SyncCase(_SingletonContainer().settings)


def s2_transient_chain() -> Case:
    return SyncCase(_ChainContainer().a)


def s3_scope_sync() -> Case:
    container = _ScopeContainer()
    session = container.session
    service = container.service

    def run() -> tuple[Session, Service]:
        result = session(), service()
        session.reset()
        return result

    return SyncCase(run, note=_SCOPE_NOTE)


def s3_scope_async() -> Case:
    container = _ScopeContainer()
    session = container.session
    service = container.service

    async def run() -> tuple[Session, Service]:
        result = session(), service()
        session.reset()
        return result

    return AsyncCase(run, note=_SCOPE_NOTE + "; sync providers, nothing to await")


def s4_finalizer_sync() -> Case:
    container = _FinalizerContainer()
    session = container.session
    service = container.service

    def run() -> tuple[Session, Service]:
        result = session(), service()
        session.shutdown()
        return result

    return SyncCase(run, note=_FINALIZER_NOTE)


def s4_finalizer_async() -> Case:
    container = _AsyncFinalizerContainer()
    # In async mode the providers return awaitables, which their type stubs do not say.
    session = cast("Callable[[], Awaitable[Session]]", container.session)
    service = cast("Callable[[], Awaitable[Service]]", container.service)
    shutdown = cast("Callable[[], Awaitable[None]]", container.session.shutdown)

    async def run() -> tuple[Session, Service]:
        result = await session(), await service()
        await shutdown()
        return result

    return AsyncCase(
        run,
        note=_FINALIZER_NOTE + "; async resources resolve through asyncio futures and gather",
    )
