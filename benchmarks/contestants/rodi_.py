"""rodi: ``Container`` with ``add_singleton`` / ``add_transient`` / ``add_scoped``.

A scope is an ``ActivationScope`` from ``services.create_scope()``. rodi has no async API
(its async users, e.g. BlackSheep, resolve synchronously inside coroutines) and no factory
finalizers: ``ActivationScope.dispose()`` only drops its cache.
"""

from functools import partial

from _cases import AsyncCase, Case, SyncCase
from _model import A, AppState, B, C, D, Service, Session, Settings
from _suite import NotAvailable
from rodi import Container

_NO_FINALIZERS = "rodi has no generator factories or finalizers (a scope only drops its cache)"


def s1_singleton() -> Case:
    container = Container()
    container.add_singleton(Settings)
    services = container.build_provider()
    return SyncCase(partial(services.get, Settings))


def s2_transient_chain() -> Case:
    container = Container()
    for cls in (A, B, C, D):
        container.add_transient(cls)
    services = container.build_provider()
    return SyncCase(partial(services.get, A))


def _scope_services() -> Container:
    container = Container()
    container.add_singleton(AppState)
    container.add_scoped(Session)
    container.add_transient(Service)
    return container


def s3_scope_sync() -> Case:
    services = _scope_services().build_provider()

    def run() -> tuple[Session, Service]:
        with services.create_scope() as scope:
            return services.get(Session, scope), services.get(Service, scope)

    return SyncCase(run)


def s3_scope_async() -> Case:
    services = _scope_services().build_provider()

    async def run() -> tuple[Session, Service]:
        with services.create_scope() as scope:
            return services.get(Session, scope), services.get(Service, scope)

    return AsyncCase(run, note="sync resolution inside a coroutine (rodi has no async API)")


def s4_finalizer_sync() -> Case:
    return NotAvailable(_NO_FINALIZERS)


def s4_finalizer_async() -> Case:
    return NotAvailable(_NO_FINALIZERS)
