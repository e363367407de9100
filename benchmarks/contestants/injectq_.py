"""injectq (this repository's core): ``InjectQ`` with ``bind`` / ``bind_factory``.

A scope is ``with container.scope()`` / ``async with container.scope()``; resolution inside it
goes through ``container.get`` / ``await container.aget``, which find the active scope in a
``ContextVar`` (see docs/architecture.md).
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

from injectq import InjectQ


def s1_singleton() -> Case:
    container = InjectQ()
    container.bind(Settings, Settings, scope="singleton")
    return SyncCase(partial(container.get, Settings))


def s2_transient_chain() -> Case:
    container = InjectQ()
    for cls in (A, B, C, D):
        container.bind(cls, cls, scope="transient")
    return SyncCase(partial(container.get, A))


def _scope_container(*, generator: bool, is_async: bool) -> InjectQ:
    container = InjectQ()
    container.bind(AppState, AppState, scope="singleton")
    if not generator:
        container.bind(Session, Session, scope="scoped")
    elif is_async:
        container.bind_factory(Session, session_lifecycle_async, scope="scoped")
    else:
        container.bind_factory(Session, session_lifecycle, scope="scoped")
    container.bind(Service, Service, scope="transient")
    return container


def _sync_case(*, generator: bool) -> Case:
    container = _scope_container(generator=generator, is_async=False)

    def run() -> tuple[Session, Service]:
        with container.scope():
            return container.get(Session), container.get(Service)

    return SyncCase(run)


def _async_case(*, generator: bool) -> Case:
    container = _scope_container(generator=generator, is_async=True)

    async def run() -> tuple[Session, Service]:
        async with container.scope():
            return await container.aget(Session), await container.aget(Service)

    return AsyncCase(run)


def s3_scope_sync() -> Case:
    return _sync_case(generator=False)


def s3_scope_async() -> Case:
    return _async_case(generator=False)


def s4_finalizer_sync() -> Case:
    return _sync_case(generator=True)


def s4_finalizer_async() -> Case:
    return _async_case(generator=True)
