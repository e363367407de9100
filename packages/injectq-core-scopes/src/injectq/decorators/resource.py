"""`injectq.decorators.resource`: injectq 0.5.0's resources, as faces of this project's own
finalized factories.

`@resource()` marks a function's lifetime, as `@singleton` / `@scoped` do, and names it in the
resource manager (`module.qualname`). A resource is a factory whose value is finalized when it
is shut down: the code after a generator's `yield`, or the exit of the context manager the
function returns. The manager keeps each resource as a singleton factory in a container of its
own: `initialize_resource` is that container's `get`, `shutdown_resource` its `close`. The
engine's finalizers run it; there is no second lifecycle.
"""

# No `from __future__ import annotations`: the container reads the openers' return
# annotations below at run time to tell how their values are finalized.

import inspect
from collections.abc import AsyncGenerator, Callable, Generator
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from typing import Any, Final, TypeVar, cast, overload

from .._container import InjectQ
from .._errors import FinalizationError, InjectQError
from .._factories import awaited
from .._lifetimes import SINGLETON, check_lifetime, mark_lifetime

__all__ = [
    "ResourceError",
    "ResourceLifecycle",
    "ResourceManager",
    "async_managed_resource",
    "get_resource_manager",
    "managed_resource",
    "resource",
]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_NOT_MADE: Final = object()


class ResourceError(InjectQError):
    """A resource could not be initialized or shut down, or is used the wrong way."""


class ResourceLifecycle:
    """One resource: its function, bound as a singleton factory in a container of its own."""

    __slots__ = ("_container", "_value", "factory", "is_async", "name")

    def __init__(self, name: str, factory: Callable[..., Any]) -> None:
        self.name = name
        self.factory = factory
        self.is_async = inspect.iscoroutinefunction(factory) or inspect.isasyncgenfunction(factory)
        self._container = InjectQ()
        self._container.bind_factory(name, _opener(factory, (), {}), scope=SINGLETON)
        self._value: Any = _NOT_MADE

    @property
    def initialized(self) -> bool:
        return self._value is not _NOT_MADE

    @property
    def resource(self) -> Any:
        """The value made by `initialize`; ResourceError before that."""
        if self._value is _NOT_MADE:
            raise ResourceError(
                f"resource {self.name} is not initialized",
                path=(self.name,),
                fix="initialize it first: get_resource_manager().initialize_resource(name)",
            )
        return self._value

    def initialize(self, *args: Any, **kwargs: Any) -> Any:
        """The resource's value, made on the first call (with these arguments; later calls'
        arguments are not used, and concurrent first calls should agree on them)."""
        if self.is_async:
            raise self._async_in_sync("initialize")
        if self._value is _NOT_MADE:
            self._given(args, kwargs)
            try:
                self._value = self._container.get(self.name)
            except Exception as error:
                raise self._failed("Failed to initialize resource", error) from error
        return self._value

    async def initialize_async(self, *args: Any, **kwargs: Any) -> Any:
        """`initialize`, for a sync or an async resource."""
        if self._value is _NOT_MADE:
            self._given(args, kwargs)
            try:
                self._value = await self._container.aget(self.name)
            except Exception as error:
                raise self._failed("Failed to initialize resource", error) from error
        return self._value

    def shutdown(self) -> None:
        """Finalize the value (the code after `yield`, the context manager's exit)."""
        if self.is_async:
            raise self._async_in_sync("shut down")
        try:
            self._container.close()
        except FinalizationError as error:
            raise self._failed("Failed to shut down resource", error) from error
        finally:
            self._value = _NOT_MADE

    async def shutdown_async(self) -> None:
        """`shutdown`, for a sync or an async resource."""
        try:
            await self._container.aclose()
        except FinalizationError as error:
            raise self._failed("Failed to shut down resource", error) from error
        finally:
            self._value = _NOT_MADE

    def _given(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        # called with arguments: rebind the not-yet-made value's factory to pass them
        if args or kwargs:
            opener = _opener(self.factory, args, kwargs)
            self._container.bind_factory(self.name, opener, scope=SINGLETON)

    def _failed(self, what: str, error: Exception) -> ResourceError:
        return ResourceError(f"{what} {self.name}: {error!r}", path=(self.name,))

    def _async_in_sync(self, action: str) -> ResourceError:
        return ResourceError(
            f"cannot {action} the async resource {self.name} synchronously",
            path=(self.name,),
            fix="use the async form: initialize_async_resource / shutdown_async_resource",
        )


def _opener(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """`function(*args, **kwargs)` as a factory of no parameters that the container finalizes:
    a generator function is a context manager factory; a function returning a context manager
    has it entered; any other value is served as it is."""
    if inspect.isasyncgenfunction(function):
        opened_async = asynccontextmanager(function)

        def open_async_generator() -> AbstractAsyncContextManager[Any]:
            return opened_async(*args, **kwargs)

        return open_async_generator
    if inspect.isgeneratorfunction(function):
        opened = contextmanager(function)

        def open_generator() -> AbstractContextManager[Any]:
            return opened(*args, **kwargs)

        return open_generator
    if inspect.iscoroutinefunction(function):

        @asynccontextmanager
        async def enter_awaited() -> AsyncGenerator[Any]:
            made = await function(*args, **kwargs)
            if isinstance(made, AbstractAsyncContextManager):
                async with cast("AbstractAsyncContextManager[Any]", made) as value:
                    yield value
            else:
                yield made

        return enter_awaited

    @contextmanager
    def enter_returned() -> Generator[Any]:
        made = function(*args, **kwargs)
        if isinstance(made, AbstractContextManager):
            with cast("AbstractContextManager[Any]", made) as value:
                yield value
        else:
            yield made

    return enter_returned


class ResourceManager:
    """The resources `@resource` named, by name: initialize and shut them down."""

    __slots__ = ("_resources",)

    def __init__(self) -> None:
        self._resources: dict[str, ResourceLifecycle] = {}

    def register_resource(self, name: str, lifecycle: ResourceLifecycle) -> None:
        self._resources[name] = lifecycle

    def get_resource(self, name: str) -> ResourceLifecycle | None:
        return self._resources.get(name)

    def initialize_resource(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """The value of the sync resource `name`, made on first use."""
        return self._named(name).initialize(*args, **kwargs)

    async def initialize_async_resource(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """The value of the resource `name` (sync or async), made on first use."""
        return await self._named(name).initialize_async(*args, **kwargs)

    def shutdown_resource(self, name: str) -> None:
        """Finalize the sync resource `name`, if it was initialized."""
        lifecycle = self._resources.get(name)
        if lifecycle is not None and lifecycle.initialized:
            lifecycle.shutdown()

    async def shutdown_async_resource(self, name: str) -> None:
        """Finalize the resource `name` (sync or async), if it was initialized."""
        lifecycle = self._resources.get(name)
        if lifecycle is not None and lifecycle.initialized:
            await lifecycle.shutdown_async()

    def shutdown_all(self) -> None:
        """Finalize every initialized sync resource, newest first; failures are raised
        together once all have run."""
        failures: list[ResourceError] = []
        for lifecycle in self._initialized():
            if not lifecycle.is_async:
                try:
                    lifecycle.shutdown()
                except ResourceError as error:
                    failures.append(error)
        _raise_together(failures)

    async def shutdown_all_async(self) -> None:
        """Finalize every initialized resource, sync and async, newest first; failures are
        raised together once all have run."""
        failures: list[ResourceError] = []
        for lifecycle in self._initialized():
            try:
                await lifecycle.shutdown_async()
            except ResourceError as error:
                failures.append(error)
        _raise_together(failures)

    def _initialized(self) -> list[ResourceLifecycle]:
        made = [lifecycle for lifecycle in self._resources.values() if lifecycle.initialized]
        return made[::-1]

    def _named(self, name: str) -> ResourceLifecycle:
        lifecycle = self._resources.get(name)
        if lifecycle is None:
            raise ResourceError(
                f"Unknown resource: {name}",
                path=(name,),
                fix="decorate the function with @resource(); its name is module.qualname",
            )
        return lifecycle


def _raise_together(failures: list[ResourceError]) -> None:
    if failures:
        names = ", ".join(error.path[0] for error in failures)
        raise ResourceError(f"{len(failures)} resource(s) failed to shut down: {names}") from (
            ExceptionGroup("resource shutdown failures", failures)
        )


_manager: Final = ResourceManager()


def get_resource_manager() -> ResourceManager:
    """The process-wide resource manager `@resource` registers with."""
    return _manager


@overload
def resource(scope: F) -> F: ...
@overload
def resource(scope: str = SINGLETON) -> Callable[[F], F]: ...
def resource(scope: Any = SINGLETON) -> Any:
    """Make a function a resource: `@resource` or `@resource(scope="scoped")`.

    The function is marked with `scope` as its lifetime (bound with `bind_factory`, a
    container finalizes its value as any factory's) and registered with the resource manager.
    """
    if callable(scope):
        return _register(scope, SINGLETON)
    lifetime = check_lifetime(scope)

    def register(function: F) -> F:
        return _register(function, lifetime)

    return register


def _register(function: F, lifetime: str) -> F:
    mark_lifetime(function, lifetime)
    name = f"{function.__module__}.{function.__qualname__}"
    lifecycle = ResourceLifecycle(name, function)
    _manager.register_resource(name, lifecycle)
    # the attributes injectq 0.5.0 set on a resource function
    for attribute, value in (
        ("_is_resource", True),
        ("_resource_name", name),
        ("_resource_scope", lifetime),
        ("_resource_lifecycle", lifecycle),
    ):
        setattr(function, attribute, value)
    return function


@contextmanager
def managed_resource(
    factory: Callable[[], T], cleanup: Callable[[T], object] | None = None
) -> Generator[T]:
    """`with managed_resource(connect, close) as conn:`: `factory()` for the block, then
    `cleanup(conn)` however the block ends."""
    value = factory()
    try:
        yield value
    finally:
        if cleanup is not None:
            cleanup(value)


@asynccontextmanager
async def async_managed_resource(
    factory: Callable[[], Any], cleanup: Callable[[Any], object] | None = None
) -> AsyncGenerator[Any]:
    """`managed_resource` for async code: `factory` and `cleanup` may be async."""
    value = await awaited(factory())
    try:
        yield value
    finally:
        if cleanup is not None:
            await awaited(cleanup(value))
