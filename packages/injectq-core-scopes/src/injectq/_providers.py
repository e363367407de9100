"""How a key is provided: the binding record and the dependencies read from type hints."""

from __future__ import annotations

import contextlib
import enum
import inspect
import typing
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, Final

from ._keys import key_name
from ._parameters import MISSING, InjectedParameter, read_parameters


class Kind(enum.Enum):
    INSTANCE = "instance"
    CALL = "call"
    ASYNC_CALL = "async call"
    GENERATOR = "generator"
    ASYNC_GENERATOR = "async generator"
    CONTEXT_MANAGER = "context manager"
    ASYNC_CONTEXT_MANAGER = "async context manager"
    CONTEXT_VALUE = "scope context value"


ASYNC_KINDS: Final = frozenset({Kind.ASYNC_CALL, Kind.ASYNC_GENERATOR, Kind.ASYNC_CONTEXT_MANAGER})
FINALIZED_KINDS: Final = frozenset(
    {Kind.GENERATOR, Kind.ASYNC_GENERATOR, Kind.CONTEXT_MANAGER, Kind.ASYNC_CONTEXT_MANAGER}
)


@dataclass(frozen=True, slots=True)
class Provider:
    """How one key is provided: a kind, the object behind it and a lifetime."""

    key: Any
    kind: Kind
    target: Any  # the instance, the class or the factory
    lifetime: str
    origin: str  # how the binding came to be: "bind", "bind_factory", "autowired", ...

    @property
    def is_async(self) -> bool:
        return self.kind in ASYNC_KINDS

    @property
    def describe(self) -> str:
        target = getattr(self.target, "__qualname__", None) or type(self.target).__qualname__
        if self.kind is Kind.INSTANCE:
            return f"{key_name(self.key)} (instance of {type(self.target).__qualname__})"
        if self.kind is Kind.CONTEXT_VALUE:
            return f"{key_name(self.key)} (scope context value)"
        return f"{key_name(self.key)} ({self.lifetime} {self.kind.value} {target})"


def factory_kind(factory: Callable[..., Any]) -> Kind:
    """Classify a factory by how it produces its value and how that value is finalized."""
    if inspect.isasyncgenfunction(factory):
        return Kind.ASYNC_GENERATOR
    if inspect.isgeneratorfunction(factory):
        return Kind.GENERATOR
    if inspect.iscoroutinefunction(factory):
        return Kind.ASYNC_CALL
    if isinstance(factory, type):
        return Kind.CALL
    wrapped = getattr(factory, "__wrapped__", None)
    if wrapped is not None and inspect.isasyncgenfunction(wrapped):
        return Kind.ASYNC_CONTEXT_MANAGER  # @asynccontextmanager
    if wrapped is not None and inspect.isgeneratorfunction(wrapped):
        return Kind.CONTEXT_MANAGER  # @contextmanager
    returns = _return_annotation(factory)
    origin = typing.get_origin(returns) or returns
    if origin in (contextlib.AbstractAsyncContextManager, typing.AsyncContextManager):
        return Kind.ASYNC_CONTEXT_MANAGER
    if origin in (contextlib.AbstractContextManager, typing.ContextManager):
        return Kind.CONTEXT_MANAGER
    return Kind.CALL


_YIELDING: Final = (
    Iterator,
    Generator,
    AsyncIterator,
    AsyncGenerator,
    contextlib.AbstractContextManager,
    contextlib.AbstractAsyncContextManager,
    typing.Iterator,
    typing.Generator,
    typing.AsyncIterator,
    typing.AsyncGenerator,
    typing.ContextManager,
    typing.AsyncContextManager,
)


def provided_type(factory: Callable[..., Any]) -> Any:
    """The key a factory provides, from its return annotation (`Iterator[T]` provides T)."""
    returns = _return_annotation(factory)
    if returns is MISSING or returns is None or returns is type(None):
        return MISSING
    origin = typing.get_origin(returns)
    if origin in _YIELDING or (origin is not None and origin.__name__ in {"Iterator", "Generator"}):
        return typing.get_args(returns)[0]
    wrapped = getattr(factory, "__wrapped__", None)
    if wrapped is not None and factory_kind(factory) in (
        Kind.CONTEXT_MANAGER,
        Kind.ASYNC_CONTEXT_MANAGER,
    ):
        return provided_type(wrapped)
    return returns


def may_return_none(factory: Callable[..., Any]) -> bool:
    """Whether `factory` says it may provide None (`-> Service | None`): then None is its
    value, not a mistake."""
    return type(None) in typing.get_args(provided_type(factory))


def _return_annotation(factory: Callable[..., Any]) -> Any:
    try:
        hints = typing.get_type_hints(factory)
    except Exception:  # unresolvable forward references: treat as unannotated
        return MISSING
    return hints.get("return", MISSING)


def dependencies_of(target: Callable[..., Any], owner: str) -> tuple[InjectedParameter, ...]:
    """The parameters of a class's `__init__` (or of a factory) that InjectQ may inject."""
    if not isinstance(target, type):
        return read_parameters(target, owner, all_injected=True)
    init = target.__dict__.get("__init__") or _inherited_init(target)
    if init is None or init is object.__init__:
        return ()
    return read_parameters(target, owner, hinted=init, all_injected=True)


def _inherited_init(cls: type) -> Callable[..., Any] | None:
    for base in cls.__mro__[1:]:
        init: Callable[..., Any] | None = base.__dict__.get("__init__")
        if init is not None:
            return init
    return None
