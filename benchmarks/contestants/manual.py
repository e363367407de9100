"""Hand-written code with no container: the fastest correct equivalent of each scenario.

A scope is a plain dict that caches the scoped Session; a generator factory's finalizer is
kept in a list and resumed, newest first, when the scope closes.
"""

from collections.abc import AsyncIterator, Iterator

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

_SETTINGS = Settings()
_STATE = AppState()


def _get_settings() -> Settings:
    return _SETTINGS


def s1_singleton() -> Case:
    return SyncCase(_get_settings)


def _build_a() -> A:
    return A(B(D()), C(D()))


def s2_transient_chain() -> Case:
    return SyncCase(_build_a)


def _scoped_session(scope: dict[type, Session]) -> Session:
    session = scope.get(Session)
    if session is None:
        session = scope[Session] = Session()
    return session


def _scope_sync() -> tuple[Session, Service]:
    scope: dict[type, Session] = {}
    session = _scoped_session(scope)
    service = Service(_scoped_session(scope), _STATE)
    scope.clear()
    return session, service


async def _scope_async() -> tuple[Session, Service]:
    scope: dict[type, Session] = {}
    session = _scoped_session(scope)
    service = Service(_scoped_session(scope), _STATE)
    scope.clear()
    return session, service


def s3_scope_sync() -> Case:
    return SyncCase(_scope_sync)


def s3_scope_async() -> Case:
    return AsyncCase(_scope_async)


def _finalized_session(scope: dict[type, Session], finalizers: list[Iterator[Session]]) -> Session:
    session = scope.get(Session)
    if session is None:
        generator = session_lifecycle()
        session = scope[Session] = next(generator)
        finalizers.append(generator)
    return session


def _finalizer_sync() -> tuple[Session, Service]:
    scope: dict[type, Session] = {}
    finalizers: list[Iterator[Session]] = []
    session = _finalized_session(scope, finalizers)
    service = Service(_finalized_session(scope, finalizers), _STATE)
    scope.clear()
    while finalizers:
        next(finalizers.pop(), None)
    return session, service


async def _finalized_session_async(
    scope: dict[type, Session], finalizers: list[AsyncIterator[Session]]
) -> Session:
    session = scope.get(Session)
    if session is None:
        generator = session_lifecycle_async()
        session = scope[Session] = await anext(generator)
        finalizers.append(generator)
    return session


async def _finalizer_async() -> tuple[Session, Service]:
    scope: dict[type, Session] = {}
    finalizers: list[AsyncIterator[Session]] = []
    session = await _finalized_session_async(scope, finalizers)
    service = Service(await _finalized_session_async(scope, finalizers), _STATE)
    scope.clear()
    while finalizers:
        await anext(finalizers.pop(), None)
    return session, service


def s4_finalizer_sync() -> Case:
    return SyncCase(_finalizer_sync)


def s4_finalizer_async() -> Case:
    return AsyncCase(_finalizer_async)
