"""`InjectQDependency(T)` and `Inject[T]`: taskiq dependencies resolved by InjectQ."""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, TypeVar, overload

from taskiq import TaskiqDepends

# evaluated at run time: taskiq-dependencies reads this annotation to supply ParamInfo
from taskiq_dependencies import ParamInfo  # noqa: TC002
from taskiq_dependencies.dependency import Dependency  # the class taskiq resolves

from injectq import InjectQError, ScopeError

from ._injected import FROM_ANNOTATION, MARK
from ._run import current_run

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")


def _make_dependency(key: Any) -> Any:
    """A taskiq dependency with a resolver of its own.

    Each one gets a new function because taskiq caches dependency values per function within
    a task run: sharing one would give two transient parameters the same object.
    """
    if key is FROM_ANNOTATION:

        def resolve_from_annotation(param: ParamInfo = TaskiqDepends()) -> Any:
            return _resolve(_annotated_key(param), param.name)

        resolver: Callable[..., Any] = resolve_from_annotation
    else:

        def resolve_key(param: ParamInfo = TaskiqDepends()) -> Any:
            return _resolve(key, param.name)

        resolver = resolve_key
    dependency = InjectedDefault(resolver)
    setattr(dependency, MARK, key)
    return dependency


class DirectCallError(ScopeError, AttributeError):
    """An injected parameter was used in a task function called directly, not by a worker."""


class InjectedDefault(Dependency):
    """The default of an injected parameter: taskiq resolves it in a worker; used anywhere
    else (the task function called directly) it says so instead of acting like a service."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise DirectCallError(
            f"this parameter is injected by InjectQ when a worker runs the task, but the task "
            f"function was called directly, so it holds a placeholder (asked for .{name})",
            fix="send the task with .kiq(), or run it with scheduler.execute_task(task, ...) "
            "in tests; to call the function directly, pass the service explicitly",
        )


def _resolve(key: Any, parameter: str) -> Any:
    run = current_run.get()
    if run is None:
        raise ScopeError(
            f"parameter {parameter!r} is injected by InjectQ, but no InjectQ task run is active",
            fix="call setup_taskiq_integration(broker, container) before the worker starts, "
            "and send the task with .kiq() (or scheduler.execute_task) rather than calling it",
        )
    if run.rejection is not None:
        raise run.rejection
    return _aget(run.scope.aget(key), run.info.task_name, parameter)


async def _aget(pending: typing.Awaitable[Any], task_name: str, parameter: str) -> Any:
    try:
        return await pending
    except InjectQError as error:
        raise error.within(f"task {task_name}", f"{parameter}=") from None
    except Exception as error:
        error.add_note(f"InjectQ: while injecting {parameter!r} of task {task_name}")
        raise


def _annotated_key(param: ParamInfo) -> Any:
    definition = param.definition
    annotation = definition.annotation if definition is not None else None
    if typing.get_origin(annotation) is Annotated:
        return typing.get_args(annotation)[0]
    if annotation is None or isinstance(annotation, str):
        raise InjectQError(
            f"cannot tell which service to inject into {param.name!r}: its annotation is "
            f"{annotation!r}",
            fix="write InjectQDependency(SomeService) or annotate the parameter with the type",
        )
    return annotation


@overload
def InjectQDependency(key: Callable[..., T], /) -> T: ...
@overload
def InjectQDependency(key: str, /) -> Any: ...
@overload
def InjectQDependency() -> Any: ...
def InjectQDependency(key: Any = FROM_ANNOTATION, /) -> Any:  # noqa: N802
    """Mark a task parameter for injection: `svc: IEmail = InjectQDependency(IEmail)`.

    Without a key (`Annotated[IEmail, InjectQDependency()]`) the parameter's type is the key.
    The service is resolved in the task attempt's scope.
    """
    return _make_dependency(key)


if TYPE_CHECKING:
    #: `svc: Inject[IEmailService]` is `Annotated[IEmailService, InjectQDependency()]`
    Inject: TypeAlias = Annotated[T, "injectq"]
else:

    class Inject:
        """`svc: Inject[IEmailService]`: the annotated form of `InjectQDependency`."""

        def __class_getitem__(cls, key: Any) -> Any:
            return Annotated[key, _make_dependency(key)]
