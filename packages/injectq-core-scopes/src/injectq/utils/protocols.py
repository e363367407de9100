"""`injectq.utils.protocols`: injectq 0.5.0's protocol names, as a face of this project's own.

They describe, for type checkers and `isinstance`, the shapes of things users hand to InjectQ:
providers and factories that take the container, resource providers that return context
managers, services that are configured or told about scopes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeAlias, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager, AbstractContextManager

    from injectq._container import InjectQ

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

__all__ = [
    "AnyFactory",
    "AnyProvider",
    "AnyResourceProvider",
    "AsyncFactory",
    "AsyncInjectableCallable",
    "AsyncProvider",
    "AsyncResourceProvider",
    "Configurable",
    "Factory",
    "Injectable",
    "InjectableAsyncFunction",
    "InjectableCallable",
    "InjectableFunction",
    "Provider",
    "Resolvable",
    "ResourceProvider",
    "ScopeAware",
]


@runtime_checkable
class Injectable(Protocol):
    """A class whose instances InjectQ can construct."""

    def __init__(self, *args: object, **kwargs: object) -> None: ...


@runtime_checkable
class Provider(Protocol[T_co]):
    """An object that provides a service from the container."""

    def provide(self, container: InjectQ) -> T_co: ...


@runtime_checkable
class AsyncProvider(Protocol[T_co]):
    """An object that provides a service from the container, asynchronously."""

    async def provide(self, container: InjectQ) -> T_co: ...


@runtime_checkable
class Factory(Protocol[T_co]):
    """A callable that makes a service from the container."""

    def __call__(self, container: InjectQ) -> T_co: ...


@runtime_checkable
class AsyncFactory(Protocol[T_co]):
    """A callable that makes a service from the container, asynchronously."""

    async def __call__(self, container: InjectQ) -> T_co: ...


@runtime_checkable
class ResourceProvider(Protocol[T_co]):
    """A callable returning a context manager that yields the service and cleans it up."""

    def __call__(self) -> AbstractContextManager[T_co]: ...


@runtime_checkable
class AsyncResourceProvider(Protocol[T_co]):
    """A callable returning an async context manager that yields the service."""

    def __call__(self) -> AbstractAsyncContextManager[T_co]: ...


@runtime_checkable
class Resolvable(Protocol):
    """A type that says itself how the container makes it."""

    @classmethod
    def __injectq_resolve__(cls, container: InjectQ) -> object: ...


@runtime_checkable
class Configurable(Protocol):
    """A service that is configured after it is made."""

    def configure(self, **kwargs: object) -> None: ...


@runtime_checkable
class ScopeAware(Protocol):
    """A service told when a scope it lives in opens and closes."""

    def enter_scope(self, scope_name: str) -> None: ...

    def exit_scope(self, scope_name: str) -> None: ...


class InjectableFunction(Protocol[T_co]):
    """A function whose parameters InjectQ fills in."""

    def __call__(self, *args: object, **kwargs: object) -> T_co: ...


class InjectableAsyncFunction(Protocol[T_co]):
    """An async function whose parameters InjectQ fills in."""

    async def __call__(self, *args: object, **kwargs: object) -> T_co: ...


InjectableCallable: TypeAlias = Callable[..., T] | InjectableFunction[T]
AsyncInjectableCallable: TypeAlias = Callable[..., T] | InjectableAsyncFunction[T]
AnyProvider: TypeAlias = Provider[T] | AsyncProvider[T]
AnyFactory: TypeAlias = Factory[T] | AsyncFactory[T]
AnyResourceProvider: TypeAlias = ResourceProvider[T] | AsyncResourceProvider[T]
