"""dishka: ``Provider`` + ``make_container`` / ``make_async_container``.

Singletons live in ``Scope.APP``; a scope is a ``Scope.REQUEST`` child container entered
with ``with container()`` / ``async with container()``; transients are ``cache=False``.
"""

from functools import partial

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
from dishka import Provider, Scope, make_async_container, make_container


def s1_singleton() -> Case:
    provider = Provider()
    provider.provide(Settings, scope=Scope.APP)
    container = make_container(provider)
    return SyncCase(partial(container.get, Settings))


def s2_transient_chain() -> Case:
    provider = Provider()
    for cls in (A, B, C, D):
        provider.provide(cls, scope=Scope.APP, cache=False)
    container = make_container(provider)
    return SyncCase(partial(container.get, A))


def _scope_provider(*, generator: bool, is_async: bool) -> Provider:
    provider = Provider()
    provider.provide(AppState, scope=Scope.APP)
    if not generator:
        provider.provide(Session, scope=Scope.REQUEST)
    elif is_async:
        provider.provide(session_lifecycle_async, scope=Scope.REQUEST)
    else:
        provider.provide(session_lifecycle, scope=Scope.REQUEST)
    provider.provide(Service, scope=Scope.REQUEST, cache=False)
    return provider


def _sync_case(*, generator: bool) -> Case:
    container = make_container(_scope_provider(generator=generator, is_async=False))

    def run() -> tuple[Session, Service]:
        with container() as request:
            return request.get(Session), request.get(Service)

    return SyncCase(run)


def _async_case(*, generator: bool) -> Case:
    container = make_async_container(_scope_provider(generator=generator, is_async=True))

    async def run() -> tuple[Session, Service]:
        async with container() as request:
            return await request.get(Session), await request.get(Service)

    return AsyncCase(run)


def s3_scope_sync() -> Case:
    return _sync_case(generator=False)


def s3_scope_async() -> Case:
    return _async_case(generator=False)


def s4_finalizer_sync() -> Case:
    return _sync_case(generator=True)


def s4_finalizer_async() -> Case:
    return _async_case(generator=True)
