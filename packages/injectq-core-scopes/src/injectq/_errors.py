"""The error hierarchy: every error says what was asked, along which path, and what to do."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "AsyncFactoryError",
    "BindingError",
    "CaptiveDependencyError",
    "CircularDependencyError",
    "FinalizationError",
    "InjectQError",
    "MissingBindingError",
    "PropagationError",
    "ScopeError",
    "ValidationError",
]

_PATH_ATTRIBUTE = "__injectq_path__"


class InjectQError(Exception):
    """Base class of every InjectQ error.

    `path` is the chain of keys from what was asked down to where the problem is; it grows as
    the error travels up through the resolvers that led to it.
    """

    #: the entry points (routes, tasks, tools) that all have this one problem, when
    #: `validate()` found it in more than one
    entry_points: tuple[str, ...] = ()

    def __init__(self, problem: str, *, path: Sequence[str] = (), fix: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: tuple[str, ...] = tuple(path)
        self.fix = fix

    def within(self, *outer: str) -> InjectQError:
        """Record that this happened inside `outer` (an entry point, a parameter); returns self.

        Adapters use it so that an error names the endpoint, task or tool it happened in:
        `task send_email -> IEmailService -> SMTPConfig`.
        """
        self.path = _join(outer, self.path)
        return self

    def __str__(self) -> str:
        lines = [self.problem]
        if len(self.path) > 1 or (self.path and self.path[0] not in self.problem):
            lines.append(f"  path: {' -> '.join(self.path)}")
        if self.entry_points:
            lines.append(f"  in: {', '.join(self.entry_points)}")
        if self.fix:
            lines.append(f"  fix: {self.fix}")
        return "\n".join(lines)


class BindingError(InjectQError):
    """Bad input to `bind`, `bind_factory`, `install`, `override` or `scope(context=...)`."""


class MissingBindingError(InjectQError):
    """A key has no binding and cannot be autowired."""


class CircularDependencyError(InjectQError):
    """The dependency graph has a cycle."""


class CaptiveDependencyError(InjectQError):
    """A longer-lived service depends on a shorter-lived one."""


class ScopeError(InjectQError):
    """A scoped service or a scope context value was asked for with no suitable open scope."""


class AsyncFactoryError(InjectQError):
    """An async factory is needed to resolve a key from synchronous code."""


class PropagationError(InjectQError):
    """A value could not be propagated: not declared, not plain data, too large, or forged."""


class ValidationError(InjectQError):
    """`validate()` found problems; `errors` lists every one of them."""

    def __init__(self, errors: Sequence[InjectQError]) -> None:
        self.errors = tuple(errors)
        listing = "\n".join(f"- {_indent(str(error))}" for error in self.errors)
        super().__init__(f"the container has {len(self.errors)} problem(s):\n{listing}")


class FinalizationError(ExceptionGroup[Exception], InjectQError):
    """One or more finalizers failed; every finalizer still ran. The group holds the failures."""

    def __new__(cls, message: str, exceptions: Sequence[Exception]) -> FinalizationError:
        return super().__new__(cls, message, exceptions)

    def __init__(self, message: str, exceptions: Sequence[Exception]) -> None:
        ExceptionGroup.__init__(self, message, exceptions)
        self.problem = message
        self.path = ()
        self.fix = ""

    def __str__(self) -> str:
        return ExceptionGroup.__str__(self)

    def derive(self, excs: Sequence[Exception]) -> FinalizationError:  # type: ignore[override]
        return FinalizationError(self.message, excs)


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def prepend_path(error: BaseException, prefix: Sequence[str]) -> None:
    """Record that `error` happened below `prefix` (the keys leading to where it was raised)."""
    if not prefix:
        return
    if isinstance(error, InjectQError) and not isinstance(error, FinalizationError):
        error.path = _join(prefix, error.path)
        return
    current: tuple[str, ...] = getattr(error, _PATH_ATTRIBUTE, ())
    with contextlib.suppress(AttributeError):  # exceptions with __slots__ and no __dict__
        setattr(error, _PATH_ATTRIBUTE, _join(prefix, current))


def _join(prefix: Sequence[str], path: tuple[str, ...]) -> tuple[str, ...]:
    if path and prefix and prefix[-1] == path[0]:
        return (*prefix[:-1], *path)
    return (*prefix, *path)


def add_path_note(error: BaseException) -> None:
    """Turn the recorded path of a user's exception into a note, once, at the public boundary."""
    path: tuple[str, ...] = getattr(error, _PATH_ATTRIBUTE, ())
    if not path:
        return
    try:
        delattr(error, _PATH_ATTRIBUTE)
    except AttributeError:
        return
    error.add_note(f"InjectQ: raised while resolving {' -> '.join(path)}")
