"""`InjectQDependency(T)` and `Inject[T]` (the core's): markers for the parameters InjectQ
fills in.

They are plain markers, not taskiq dependencies: the adapter wraps each task function and
passes the services itself, which costs a fraction of taskiq's own dependency machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, overload

# `svc: Inject[IEmailService]` is the core's `injectq.Inject`, the one marker of every adapter
from injectq import BindingError, Inject, ScopeError

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

__all__ = ["DirectCallError", "Inject", "InjectQDependency", "InjectedDefault"]

#: "no key given": the parameter's annotation is the key
_FROM_ANNOTATION: Any = object()


class DirectCallError(ScopeError, AttributeError):
    """An injected parameter was used in a task function called directly, not by a worker."""


class InjectedDefault:
    """The default of an injected parameter: an InjectQ marker (`__injectq_key__` is the key,
    or None for "the annotation is the key").

    A worker replaces it with the service; used anywhere else (the task function called
    directly) it says so instead of acting like a service.
    """

    __slots__ = ("__injectq_key__",)

    def __init__(self, key: Any) -> None:
        self.__injectq_key__ = key

    def __repr__(self) -> str:
        key = self.__injectq_key__
        return "InjectQDependency()" if key is None else f"InjectQDependency({key!r})"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise DirectCallError(
            f"this parameter is injected by InjectQ when a worker runs the task, but the task "
            f"function was called directly, so it holds a placeholder (asked for .{name})",
            fix="send the task with .kiq(), or run it with scheduler.execute_task(task, ...) "
            "in tests; to call the function directly, pass the service explicitly",
        )


@overload
def InjectQDependency(key: Callable[..., T], /) -> T: ...
@overload
def InjectQDependency(key: str, /) -> Any: ...
@overload
def InjectQDependency() -> Any: ...
def InjectQDependency(key: Any = _FROM_ANNOTATION, /) -> Any:  # noqa: N802
    """Mark a task parameter for injection: `svc: IEmail = InjectQDependency(IEmail)`.

    Without a key (`Annotated[IEmail, InjectQDependency()]`) the parameter's type is the key.
    The service is resolved in the task attempt's scope.
    """
    if key is None:
        raise BindingError(
            "InjectQDependency(None): None is not a key",
            fix="pass the service's type (or string key), or nothing to use the annotation",
        )
    return InjectedDefault(None if key is _FROM_ANNOTATION else key)
