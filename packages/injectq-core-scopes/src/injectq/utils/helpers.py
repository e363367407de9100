"""`injectq.utils.helpers`: injectq 0.5.0's introspection helpers, as a face of this
project's own.

The dependencies a helper reports are read by `injectq.read_parameters`, the parser that
injection itself uses, so they name the same keys the container resolves (`T | None` is T;
`x: T = Inject(Other)` is Other; a parameter with neither annotation nor marker is left out).
"""

from __future__ import annotations

import inspect
import threading
from typing import TYPE_CHECKING, Any

from injectq._binding import can_autowire
from injectq._errors import InjectQError
from injectq._parameters import read_parameters

from .types import format_type_name

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "ThreadLocalStorage",
    "format_type_name",
    "get_class_constructor_dependencies",
    "get_function_dependencies",
    "is_injectable_class",
    "is_injectable_function",
    "safe_issubclass",
]


def get_function_dependencies(func: Callable[..., Any]) -> dict[str, Any]:
    """{parameter name: key} for each parameter of `func` that has an annotation or a marker.

    InjectionError when the annotations cannot be evaluated.
    """
    owner = f"{getattr(func, '__qualname__', func)}()"
    return {parameter.name: parameter.key for parameter in read_parameters(func, owner)}


def get_class_constructor_dependencies(cls: type[Any]) -> dict[str, Any]:
    """{parameter name: key} of what `cls`'s constructor asks for, read as the container
    reads it when it builds `cls`; InjectionError when `cls` has no callable constructor."""
    init: object = getattr(cls, "__init__", None)
    if not callable(init):
        raise InjectQError(
            f"cannot read the constructor dependencies of {cls!r}: its __init__ is {init!r}",
            fix="give the class a callable __init__",
        )
    if init is object.__init__:
        return {}
    owner = format_type_name(cls)
    return {p.name: p.key for p in read_parameters(cls, owner, hinted=init)}


def is_injectable_function(func: object) -> bool:
    """True when `func` is callable and has a signature that can be read."""
    if not callable(func):
        return False
    try:
        inspect.signature(func)
    except (TypeError, ValueError):
        return False
    return True


def is_injectable_class(cls: object) -> bool:
    """True for a class InjectQ may build (concrete, not a builtin like `str`) that defines a
    constructor of its own to inject into."""
    if not isinstance(cls, type) or not can_autowire(cls):
        return False
    constructor: object = getattr(cls, "__init__", None)
    return constructor is not object.__init__ and is_injectable_function(constructor)


def safe_issubclass(obj: object, class_or_tuple: Any) -> bool:
    """`issubclass(obj, class_or_tuple)`, False (not TypeError) when either is not a class."""
    try:
        return inspect.isclass(obj) and issubclass(obj, class_or_tuple)
    except TypeError:
        return False


class ThreadLocalStorage:
    """Named values that each thread sees on its own."""

    def __init__(self) -> None:
        self._values = threading.local()

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self._values, key, default)

    def set(self, key: str, value: Any) -> None:
        setattr(self._values, key, value)

    def delete(self, key: str) -> None:
        """Forget `key` in this thread (nothing happens when it was not set)."""
        if hasattr(self._values, key):
            delattr(self._values, key)

    def clear(self) -> None:
        """Forget every value of this thread."""
        vars(self._values).clear()
