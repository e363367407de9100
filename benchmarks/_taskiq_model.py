"""The services every taskiq contestant injects, and the task body they all share.

Every object gets a serial number when it is built, so the check can tell objects apart from
the plain values a task returns: a ``Session`` (one per task run) counts up from 1, the
``AppState`` singleton counts down from -1, so a contestant that injects the wrong kind of
object is caught too. Serials are never reused, unlike ``id()`` of freed objects.

Annotations are real classes (no ``from __future__ import annotations``): taskiq, dishka and
InjectQ read task signatures at run time.
"""

import asyncio
from itertools import count
from typing import TypeAlias

_session_serials = count(1)
_state_serials = count(-1, -1)

TaskOutput: TypeAlias = tuple[int, int, int, int]
"""What a task returns: ``(its argument, session serial, session serial again, state serial)``."""


class AppState:
    """The singleton: one per worker, shared by every task."""

    def __init__(self) -> None:
        self.serial = next(_state_serials)


class Session:
    """The scoped service: one per task run, the same object wherever one task asks for it."""

    def __init__(self) -> None:
        self.serial = next(_session_serials)


async def task_body(
    x: int, session: Session, session_again: Session, state: AppState
) -> TaskOutput:
    """What every contestant's task does with what it was given.

    The ``await`` stands in for the task's I/O: the worker switches to other tasks there, so
    with the default InMemoryBroker all the tasks of a batch are in flight at once, each with
    its own scope open, and a contestant that shares a scope between tasks fails the check.
    """
    await asyncio.sleep(0)
    return (x, session.serial, session_again.serial, state.serial)
