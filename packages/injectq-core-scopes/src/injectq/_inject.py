"""`@inject`: call a function with its dependencies filled in from a container."""

from __future__ import annotations

import functools
import inspect
import typing
from typing import Annotated, Any, ParamSpec, TypeAlias, TypeVar, overload

from ._container import InjectQ
from ._keys import unwrap_optional
from ._providers import INJECT_MARKER
from ._validation import ENTRY_POINT_ATTRIBUTE, EntryPoint

if typing.TYPE_CHECKING:
    from collections.abc import Callable

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

Inject: TypeAlias = Annotated[T, INJECT_MARKER]
"""`svc: Inject[IUserService]` marks a parameter for injection (even one with a default)."""


class _Plan:
    """Which parameters of a function are injected, by position and name, and their keys."""

    __slots__ = ("targets",)

    def __init__(self, function: Callable[..., Any]) -> None:
        signature = inspect.signature(function)
        hints = typing.get_type_hints(function, include_extras=True)
        targets: list[tuple[int, str, Any]] = []
        for index, (name, parameter) in enumerate(signature.parameters.items()):
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            annotation = hints.get(name)
            if annotation is None:
                continue
            marked = False
            if typing.get_origin(annotation) is Annotated:
                args = typing.get_args(annotation)
                annotation = args[0]
                marked = any(meta is INJECT_MARKER for meta in args[1:])
            if parameter.default is not parameter.empty and not marked:
                continue
            key, _ = unwrap_optional(annotation)
            position = -1 if parameter.kind is parameter.KEYWORD_ONLY else index
            targets.append((position, name, key))
        self.targets = tuple(targets)

    def missing(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[tuple[str, Any]]:
        count = len(args)
        return [
            (name, key)
            for position, name, key in self.targets
            if name not in kwargs and not (0 <= position < count)
        ]


@overload
def inject(function: Callable[P, R], /) -> Callable[P, R]: ...
@overload
def inject(*, container: InjectQ | None = None) -> Callable[[Callable[P, R]], Callable[P, R]]: ...
def inject(function: Any = None, /, *, container: InjectQ | None = None) -> Any:
    """Resolve the parameters a caller leaves out, from `container` (default: the
    process-wide one), in the active scope. Works on sync and async functions."""

    def decorate(inner: Callable[..., Any]) -> Callable[..., Any]:
        plan: _Plan | None = None

        def current_plan() -> _Plan:
            nonlocal plan
            if plan is None:
                plan = _Plan(inner)
            return plan

        def source() -> InjectQ:
            return container if container is not None else InjectQ.get_instance()

        def entry_point() -> EntryPoint:
            keys = tuple(key for _, _, key in current_plan().targets)
            name = f"{getattr(inner, '__qualname__', inner)}()"
            return EntryPoint(name, keys, is_async=inspect.iscoroutinefunction(inner))

        wrapper: Callable[..., Any]
        if inspect.iscoroutinefunction(inner):

            @functools.wraps(inner)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                resolved = source()
                for name, key in current_plan().missing(args, kwargs):
                    kwargs[name] = await resolved.aget(key)
                return await inner(*args, **kwargs)

            wrapper = async_wrapper
        else:

            @functools.wraps(inner)
            def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
                resolved = source()
                for name, key in current_plan().missing(args, kwargs):
                    kwargs[name] = resolved.get(key)
                return inner(*args, **kwargs)

            wrapper = sync_wrapper
        setattr(wrapper, ENTRY_POINT_ATTRIBUTE, entry_point)
        return wrapper

    if function is not None:
        return decorate(function)
    return decorate
