"""that-depends: a ``BaseContainer`` of ``providers.Singleton`` / ``Factory`` / ``ContextResource``.

A scope is ``Container.context_sync()`` / ``Container.context_async()``, which re-initialize the
container's ``ContextResource`` providers (what ``container_context(Container)`` does, without
its global-context bookkeeping, and measurably faster). ``ContextResource`` is the library's
only per-scope lifetime and takes a generator, so S3 uses one with no finalizer. Providers are
resolved directly with ``resolve_sync()`` / ``await resolve()``.
"""

from collections.abc import Iterator

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
from that_depends import BaseContainer, ContextScopes, providers


def _plain_session() -> Iterator[Session]:
    yield Session()


class _SingletonContainer(BaseContainer):
    settings = providers.Singleton(Settings)


class _ChainContainer(BaseContainer):
    d = providers.Factory(D)
    b = providers.Factory(B, d.cast)
    c = providers.Factory(C, d.cast)
    a = providers.Factory(A, b.cast, c.cast)


class _ScopeContainer(BaseContainer):
    default_scope = ContextScopes.ANY
    state = providers.Singleton(AppState)
    session = providers.ContextResource(_plain_session)
    service = providers.Factory(Service, session.cast, state.cast)


class _FinalizerContainer(BaseContainer):
    default_scope = ContextScopes.ANY
    state = providers.Singleton(AppState)
    session = providers.ContextResource(session_lifecycle)
    service = providers.Factory(Service, session.cast, state.cast)


class _AsyncFinalizerContainer(BaseContainer):
    default_scope = ContextScopes.ANY
    state = providers.Singleton(AppState)
    session = providers.ContextResource(session_lifecycle_async)
    service = providers.Factory(Service, session.cast, state.cast)


def s1_singleton() -> Case:
    return SyncCase(_SingletonContainer.settings.resolve_sync)


def s2_transient_chain() -> Case:
    return SyncCase(_ChainContainer.a.resolve_sync)


def _sync_case(container: type[_ScopeContainer] | type[_FinalizerContainer]) -> Case:
    session = container.session
    service = container.service

    def run() -> tuple[Session, Service]:
        with container.context_sync():
            return session.resolve_sync(), service.resolve_sync()

    return SyncCase(run)


def _async_case(
    container: type[_ScopeContainer] | type[_AsyncFinalizerContainer],
) -> Case:
    session = container.session
    service = container.service

    async def run() -> tuple[Session, Service]:
        async with container.context_async():
            return await session.resolve(), await service.resolve()

    return AsyncCase(run)


def s3_scope_sync() -> Case:
    return _sync_case(_ScopeContainer)


def s3_scope_async() -> Case:
    return _async_case(_ScopeContainer)


def s4_finalizer_sync() -> Case:
    return _sync_case(_FinalizerContainer)


def s4_finalizer_async() -> Case:
    return _async_case(_AsyncFinalizerContainer)
