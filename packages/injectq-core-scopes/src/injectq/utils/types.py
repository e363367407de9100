"""`injectq.utils.types`: injectq 0.5.0's type aliases and type-hint helpers, as a face of
this project's own (keys are types or strings, as `InjectQ.bind` takes them)."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from typing import Any, TypeAlias

#: what a binding is known by: a type (class, Protocol, ABC) or a string
ServiceKey: TypeAlias = type[Any] | str
#: what `bind_factory` takes: a callable returning the service
ServiceFactory: TypeAlias = Callable[..., Any]
ServiceInstance: TypeAlias = Any
BindingDict: TypeAlias = dict[ServiceKey, Any]

__all__ = [
    "BindingDict",
    "ServiceFactory",
    "ServiceInstance",
    "ServiceKey",
    "format_type_name",
    "get_type_name",
    "is_concrete_type",
    "is_generic_type",
    "normalize_type",
    "resolve_forward_ref",
]


def is_generic_type(type_hint: object) -> bool:
    """True for a parameterised form: `list[int]`, `dict[str, int]`, `Union[A, B]`."""
    return typing.get_origin(type_hint) is not None


def get_type_name(type_hint: object) -> str:
    """A readable name: the class's `__name__`, else its `__qualname__`, else `str()` of it."""
    for attribute in ("__name__", "__qualname__"):
        name: object = getattr(type_hint, attribute, None)
        if isinstance(name, str):
            return name
    return str(type_hint)


def format_type_name(type_hint: object) -> str:
    """The name to show for a key: a string key as itself, a type by `get_type_name`."""
    return type_hint if isinstance(type_hint, str) else get_type_name(type_hint)


def is_concrete_type(type_hint: object) -> bool:
    """True for a class that can be instantiated: not a generic alias, not abstract."""
    # `list[int]` passes isinstance(..., type) on some Pythons: rule generic forms out first
    if is_generic_type(type_hint) or not isinstance(type_hint, type):
        return False
    return not inspect.isabstract(type_hint)


def normalize_type(type_hint: object) -> Any:
    """The plain form of a hint: `T | None` and `Union[T, ...]` -> T (their first non-None
    member), `list[int]` -> `list`; a type or a string as itself; anything else as `str()`."""
    if isinstance(type_hint, str | type) and not is_generic_type(type_hint):
        return type_hint
    origin = typing.get_origin(type_hint)
    if origin is typing.Union or origin is types.UnionType:
        members = [arg for arg in typing.get_args(type_hint) if arg is not type(None)]
        return normalize_type(members[0]) if members else type(None)
    if origin is not None:
        return origin
    return str(type_hint)


def resolve_forward_ref(
    type_hint: str,
    globals_dict: dict[str, Any] | None = None,
    locals_dict: dict[str, Any] | None = None,
) -> Any:
    """The type a string annotation names, looked up in `globals_dict` (by default the
    caller's module) and `locals_dict`; TypeError when it cannot be resolved."""
    if globals_dict is None:
        caller = inspect.currentframe()
        caller = caller.f_back if caller is not None else None
        globals_dict = caller.f_globals if caller is not None else {}
        del caller  # a frame kept alive would keep every local of the caller alive
    try:
        # evaluating the annotation's text is what `typing.get_type_hints` does with it too
        return eval(type_hint, globals_dict, locals_dict or {})
    except (NameError, AttributeError, SyntaxError) as error:
        raise TypeError(f"Cannot resolve forward reference {type_hint!r}: {error}") from error
