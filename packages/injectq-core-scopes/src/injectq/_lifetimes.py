"""Lifetime names and the `@singleton` / `@scoped` / `@transient` marks."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Final, TypeVar, overload

from ._errors import BindingError
from ._parameters import MISSING
from ._providers import provided_type

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._container import InjectQ

SINGLETON: Final = "singleton"
SCOPED: Final = "scoped"
TRANSIENT: Final = "transient"
#: the lifetime of a value supplied through `container.scope(context=...)`
CONTEXT: Final = "context"

_KNOWN: Final = (SINGLETON, SCOPED, TRANSIENT)
_MARK: Final = "__injectq_lifetime__"

T = TypeVar("T")


def check_lifetime(scope: object) -> str:
    """Return `scope` as a lifetime name, or raise BindingError for a bad one.

    Any other identifier-like string names a scope (`"session"`); a near miss of a lifetime
    (`"singelton"`) is rejected rather than silently taken as a scope name.
    """
    if not isinstance(scope, str) or not scope.strip():
        raise BindingError(
            f"scope must be 'singleton', 'scoped', 'transient' or a scope name, got {scope!r}",
            fix="pass scope='singleton', 'scoped', 'transient' or the name of a scope",
        )
    if scope in _KNOWN:
        return scope
    close = difflib.get_close_matches(scope, _KNOWN, n=1, cutoff=0.75)
    if close:
        raise BindingError(
            f"unknown lifetime {scope!r}",
            fix=f"did you mean scope={close[0]!r}? (any other name is taken as a scope name)",
        )
    if scope == CONTEXT or not scope.replace("_", "").replace("-", "").isalnum():
        raise BindingError(
            f"{scope!r} is not a valid scope name",
            fix="use letters, digits, '_' or '-' for a scope name, e.g. scope='session'",
        )
    return scope


def declared_lifetime(target: object) -> str | None:
    """The lifetime a class or factory was marked with, not inherited from a base class."""
    namespace = getattr(target, "__dict__", None)
    if namespace is None:
        return None
    mark = namespace.get(_MARK)
    return mark if isinstance(mark, str) else None


def mark_lifetime(target: T, lifetime: str, container: InjectQ | None = None) -> T:
    """Mark `target` with `lifetime` (a checked lifetime or scope name); returns it."""
    if not callable(target):
        decorator = f"@{lifetime}" if lifetime in _KNOWN else f"@scoped({lifetime!r})"
        raise BindingError(
            f"{decorator} can only be applied to classes and factory functions, got {target!r}",
            fix="put the decorator on a class or a function",
        )
    setattr(target, _MARK, lifetime)
    if container is not None:
        _bind_marked(target, container)
    return target


def _bind_marked(target: Any, container: InjectQ) -> None:
    """`container=` (injectq 0.5.0): bind the marked class to itself there now (a factory,
    under the type it returns), rather than leave it to be autowired when first asked for."""
    if isinstance(target, type):
        container.bind(target, target)
        return
    key = provided_type(target)
    if key is MISSING:
        raise BindingError(
            f"cannot bind {getattr(target, '__qualname__', target)!r} in a container: "
            "its return type is not annotated",
            fix="annotate the factory's return type, or bind it with container.bind_factory",
        )
    container.bind_factory(key, target)


def singleton(target: T, container: InjectQ | None = None) -> T:
    """Mark a class or factory: one instance per container (and bind it in `container`,
    when one is given)."""
    return mark_lifetime(target, SINGLETON, container)


def transient(target: T, container: InjectQ | None = None) -> T:
    """Mark a class or factory: a new instance every time it is injected (and bind it in
    `container`, when one is given)."""
    return mark_lifetime(target, TRANSIENT, container)


@overload
def scoped(target: str, /, container: InjectQ | None = None) -> Callable[[T], T]: ...
@overload
def scoped(target: None = None, /, container: InjectQ | None = None) -> Callable[[T], T]: ...
@overload
def scoped(target: T, /, container: InjectQ | None = None) -> T: ...
def scoped(target: Any = None, /, container: InjectQ | None = None) -> Any:
    """Mark a class or factory: one instance per open scope.

    `@scoped` caches in the innermost open scope; `@scoped("session")` in the nearest
    enclosing scope named `session`. With `container`, the marked class is also bound there.
    """
    if target is None or isinstance(target, str):
        lifetime = SCOPED if target is None else check_lifetime(target)
        if lifetime in (SINGLETON, TRANSIENT):
            raise BindingError(
                f"@scoped({target!r}) names a lifetime, not a scope",
                fix=f"use @{lifetime} instead",
            )

        def mark(inner: T) -> T:
            return mark_lifetime(inner, lifetime, container)

        return mark
    return mark_lifetime(target, SCOPED, container)


class ScopeType:
    """injectq 0.5.0's lifetime names, as the plain strings InjectQ takes everywhere a
    lifetime or scope name goes (`bind(..., scope=ScopeType.SINGLETON)`)."""

    __slots__ = ()

    SINGLETON: Final = "singleton"
    TRANSIENT: Final = "transient"
    SCOPED: Final = "scoped"
    REQUEST: Final = "request"
    ACTION: Final = "action"
