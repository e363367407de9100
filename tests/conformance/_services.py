"""The services the behaviours resolve, and finalizers that record what they went through.

Each resource has a number of its own, so a unit of work can return which instance it got
(as plain JSON) and the journal can say which instance was closed, once, seeing what:

    ["open", "Scoped", 7]
    ["close", "Scoped", 7, <the exception thrown into the finalizer, or None>]
"""

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, NewType, Protocol, TypeVar

from tests._journal import Journal

_numbers = itertools.count(1)


class Resource:
    """A service with an identity; each subclass is a key of its own."""

    def __init__(self) -> None:
        self.number = next(_numbers)


class Scoped(Resource):
    """Bound `scoped`: one per unit of work."""


class AsyncResource(Resource):
    """Bound `scoped` to an async generator factory."""


class SyncResource(Resource):
    """Bound `scoped` to a sync generator factory."""


class Pool(Resource):
    """Bound `singleton` to an async factory."""


class Clock(Protocol):
    """Never bound (and a Protocol, so it cannot be autowired either)."""

    def now(self) -> float: ...


class Mailer(Protocol):
    """Bound to `SmtpMailer`."""

    def send(self, to: str) -> str: ...


class SmtpMailer:
    def send(self, to: str) -> str:
        return f"sent to {to}"


class Unbound(Protocol):
    """What a broken unit of work needs and nothing provides."""

    def fetch(self) -> str: ...


#: a propagated value: the request's correlation id reaches the task it enqueues
CorrelationId = NewType("CorrelationId", str)


class BrokenFinalizerError(RuntimeError):
    """What a failing finalizer raises."""


R = TypeVar("R", bound=Resource)


def async_finalized(
    journal: Journal, kind: type[R], *, fails: bool = False
) -> Callable[[], AsyncIterator[R]]:
    """An async generator factory of `kind` that journals its open and its close (with the
    exception thrown in), and raises BrokenFinalizerError after the close when `fails`."""

    async def factory() -> AsyncIterator[R]:
        resource = kind()
        journal.add("open", kind.__name__, resource.number)
        try:
            yield resource
        except BaseException as error:
            journal.add("close", kind.__name__, resource.number, error)
            await asyncio.sleep(0)  # a rollback awaits: a cancellation may strike again here
            if fails:
                raise BrokenFinalizerError(f"{kind.__name__} {resource.number}") from error
            raise
        journal.add("close", kind.__name__, resource.number, None)
        if fails:
            raise BrokenFinalizerError(f"{kind.__name__} {resource.number}")

    return factory


def sync_finalized(
    journal: Journal, kind: type[R], *, fails: bool = False
) -> Callable[[], Iterator[R]]:
    """`async_finalized`, as a sync generator factory."""

    def factory() -> Iterator[R]:
        resource = kind()
        journal.add("open", kind.__name__, resource.number)
        try:
            yield resource
        except BaseException as error:
            journal.add("close", kind.__name__, resource.number, error)
            if fails:
                raise BrokenFinalizerError(f"{kind.__name__} {resource.number}") from error
            raise
        journal.add("close", kind.__name__, resource.number, None)
        if fails:
            raise BrokenFinalizerError(f"{kind.__name__} {resource.number}")

    return factory


def closes(journal: Journal, kind: type[Resource]) -> dict[int, list[Any]]:
    """The exceptions each instance of `kind` saw when it was closed, by instance number
    (a list: an instance closed twice shows two entries)."""
    seen: dict[int, list[Any]] = {}
    for _, _, number, error in journal.of("close", kind.__name__):
        seen.setdefault(number, []).append(error)
    return seen


def opened(journal: Journal, kind: type[Resource]) -> list[int]:
    """The numbers of the instances of `kind` made so far, in order."""
    return [event[2] for event in journal.of("open", kind.__name__)]
