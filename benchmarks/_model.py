"""The classes every contestant wires up, shared so that all of them build the same objects.

Annotations are real classes (no ``from __future__ import annotations``) because the
autowiring contestants read ``__init__`` type hints at run time.
"""

from collections.abc import AsyncIterator, Iterator


class Settings:
    """S1: the singleton fetched again and again."""


class D:
    """S2: the leaf of the transient chain; two distinct ones per ``A``."""


class B:
    def __init__(self, d: D) -> None:
        self.d = d


class C:
    def __init__(self, d: D) -> None:
        self.d = d


class A:
    """S2: the root of the transient chain ``A(B(D), C(D))``."""

    def __init__(self, b: B, c: C) -> None:
        self.b = b
        self.c = c


class AppState:
    """S3/S4: the singleton injected into the per-scope service."""


class Session:
    """S3/S4: the scoped service; ``closed`` counts how often its finalizer ran."""

    def __init__(self) -> None:
        self.closed = 0


class Service:
    """S3/S4: the transient that uses the scoped session and the singleton state.

    It records how often the session had been finalized when it was built, so the check
    can tell a finalizer that ran too early from one that ran at scope close.
    """

    def __init__(self, session: Session, state: AppState) -> None:
        self.session = session
        self.state = state
        self.closed_at_init = session.closed


def session_lifecycle() -> Iterator[Session]:
    """S4 sync: a generator factory; the code after ``yield`` is the finalizer."""
    session = Session()
    yield session
    session.closed += 1


async def session_lifecycle_async() -> AsyncIterator[Session]:
    """S4 async: an async-generator factory; the code after ``yield`` is the finalizer."""
    session = Session()
    yield session
    session.closed += 1
