"""Which parameters of a task function InjectQ injects (they are never the sender's to give)."""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Final

if typing.TYPE_CHECKING:
    from collections.abc import Callable

#: the attribute holding the key on InjectQ's parameter markers (InjectQDependency's default)
MARK: Final = "__injectq_key__"
#: the key of a marker that takes its key from the parameter's annotation
FROM_ANNOTATION: Final = object()


@dataclass(frozen=True, slots=True)
class InjectedParameter:
    name: str
    position: int | None  # None for keyword-only parameters
    key: Any


def injected_parameters(function: Callable[..., Any]) -> tuple[InjectedParameter, ...]:
    """The parameters of `function` whose default or annotation is an InjectQ dependency."""
    signature = inspect.signature(function)
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception:  # unresolvable annotations: taskiq itself will report them
        hints = {}
    found: list[InjectedParameter] = []
    for index, (name, parameter) in enumerate(signature.parameters.items()):
        annotation = hints.get(name, parameter.annotation)
        key = _injected_key(parameter.default, annotation)
        if key is None:
            continue
        position = None if parameter.kind is parameter.KEYWORD_ONLY else index
        found.append(InjectedParameter(name, position, key))
    return tuple(found)


def _injected_key(default: object, annotation: object) -> Any:
    base = annotation
    metadata: tuple[object, ...] = ()
    if typing.get_origin(annotation) is Annotated:
        base, *rest = typing.get_args(annotation)
        metadata = tuple(rest)
    for marker in (default, *metadata):
        if not hasattr(marker, MARK):
            continue
        # any adapter's marker counts (FastAPI's too: one service signature serves both);
        # None is how a marker without a key of its own says "the annotation is the key"
        key = getattr(marker, MARK)
        return base if key is None or key is FROM_ANNOTATION else key
    return None


def supplied_injected(
    injected: tuple[InjectedParameter, ...],
    args: tuple[Any, ...] | list[Any],
    kwargs: dict[str, Any],
) -> list[str]:
    """The injected parameters that `args` / `kwargs` already give a value for."""
    if not injected or (not kwargs and not args):
        return []
    count = len(args)
    return [
        parameter.name
        for parameter in injected
        if parameter.name in kwargs
        or (parameter.position is not None and parameter.position < count)
    ]
