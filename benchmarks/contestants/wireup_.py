"""wireup: ``@injectable(lifetime=...)`` + ``create_sync_container`` / ``create_async_container``.

A scope is ``container.enter_scope()``. wireup resolves transients only inside a scope, so S2
resolves from one scope opened once at setup (opening scopes is what S3 measures).
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
from wireup import create_async_container, create_sync_container, injectable


def s1_singleton() -> Case:
    container = create_sync_container(injectables=[injectable(Settings, lifetime="singleton")])
    return SyncCase(partial(container.get, Settings))


def s2_transient_chain() -> Case:
    transients = [injectable(cls, lifetime="transient") for cls in (A, B, C, D)]
    container = create_sync_container(injectables=transients)
    scope = container.enter_scope().__enter__()
    return SyncCase(
        partial(scope.get, A),
        note="resolved inside one long-lived scope: wireup builds transients only in a scope",
    )


def _injectables(*, generator: bool, is_async: bool) -> list[object]:
    if not generator:
        session: object = Session
    elif is_async:
        session = session_lifecycle_async
    else:
        session = session_lifecycle
    return [
        injectable(AppState, lifetime="singleton"),
        injectable(session, lifetime="scoped"),
        injectable(Service, lifetime="transient"),
    ]


def _sync_case(*, generator: bool) -> Case:
    container = create_sync_container(injectables=_injectables(generator=generator, is_async=False))

    def run() -> tuple[Session, Service]:
        with container.enter_scope() as scope:
            return scope.get(Session), scope.get(Service)

    return SyncCase(run)


def _async_case(*, generator: bool) -> Case:
    container = create_async_container(injectables=_injectables(generator=generator, is_async=True))

    async def run() -> tuple[Session, Service]:
        async with container.enter_scope() as scope:
            return await scope.get(Session), await scope.get(Service)

    return AsyncCase(run)


def s3_scope_sync() -> Case:
    return _sync_case(generator=False)


def s3_scope_async() -> Case:
    return _async_case(generator=False)


def s4_finalizer_sync() -> Case:
    return _sync_case(generator=True)


def s4_finalizer_async() -> Case:
    return _async_case(generator=True)
