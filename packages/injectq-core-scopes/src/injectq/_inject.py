"""`@inject`: call a function with its dependencies filled in from a container."""

from __future__ import annotations

import functools
import inspect
import typing
from typing import Any, ParamSpec, TypeVar, overload

from ._container import InjectQ
from ._errors import BindingError
from ._parameters import MISSING, read_parameters
from ._validation import ENTRY_POINT_ATTRIBUTE, EntryPoint

if typing.TYPE_CHECKING:
    from collections.abc import Callable

    from ._injector import Injector

P = ParamSpec("P")
R = TypeVar("R")


@overload
def inject(function: Callable[P, R], /) -> Callable[P, R]: ...
@overload
def inject(*, container: InjectQ | None = None) -> Callable[[Callable[P, R]], Callable[P, R]]: ...
def inject(function: Any = None, /, *, container: InjectQ | None = None) -> Any:
    """Resolve the parameters a caller leaves out, from `container` (default: the
    process-wide one), in the active scope. Works on sync and async functions.

    A parameter is resolved when it has a type annotation and no default, or is marked
    `Inject[T]`; `T | None` is None when nothing provides T.
    """

    def decorate(inner: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isclass(inner) or not callable(inner):
            raise BindingError(
                f"@inject decorates functions, not {inner!r}",
                fix="bind the class instead (container.bind(C, C)): InjectQ injects its "
                "__init__ parameters when it builds it",
            )
        name = f"{getattr(inner, '__qualname__', inner)}()"
        made: list[tuple[InjectQ, Injector]] = []

        def injector() -> Injector:
            source = container if container is not None else InjectQ.get_instance()
            if made and made[0][0] is source:
                return made[0][1]
            parameters = [
                parameter
                for parameter in read_parameters(inner, name)
                if parameter.marked or parameter.default is MISSING
            ]
            found = source.injector(parameters, name=name)
            made[:] = [(source, found)]
            return found

        def entry_point() -> EntryPoint:
            return injector().entry_point(is_async=inspect.iscoroutinefunction(inner))

        wrapper: Callable[..., Any]
        if inspect.iscoroutinefunction(inner):

            @functools.wraps(inner)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                await injector().aresolve(kwargs, args=args)
                return await inner(*args, **kwargs)

            wrapper = async_wrapper
        else:

            @functools.wraps(inner)
            def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
                injector().resolve(kwargs, args=args)
                return inner(*args, **kwargs)

            wrapper = sync_wrapper
        setattr(wrapper, ENTRY_POINT_ATTRIBUTE, entry_point)
        return wrapper

    if function is not None:
        return decorate(function)
    return decorate
