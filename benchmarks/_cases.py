"""The core suite's scenarios, and what a contestant hands back for one of them."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeAlias

from _suite import NotAvailable


@dataclass(frozen=True, slots=True)
class SyncCase:
    """A zero-argument callable doing one operation of the scenario; timed in a loop."""

    run: Callable[[], object]
    note: str = ""


@dataclass(frozen=True, slots=True)
class AsyncCase:
    """A zero-argument coroutine function doing one operation; awaited in a loop."""

    run: Callable[[], Awaitable[object]]
    note: str = ""


Case: TypeAlias = SyncCase | AsyncCase | NotAvailable

CheckKind: TypeAlias = Literal["singleton", "chain", "scope", "finalizer"]


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    """The name of the function every contestant module defines for this scenario."""
    title: str
    description: str
    check: CheckKind
    is_async: bool


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "s1_singleton",
        "S1 singleton",
        "get an existing singleton",
        "singleton",
        is_async=False,
    ),
    Scenario(
        "s2_transient_chain",
        "S2 transient chain",
        "build A(B(D), C(D)), all transient, two distinct D objects",
        "chain",
        is_async=False,
    ),
    Scenario(
        "s3_scope_sync",
        "S3 scope (sync)",
        "open a scope, resolve a scoped Session and a transient Service(Session, AppState"
        " singleton), close the scope",
        "scope",
        is_async=False,
    ),
    Scenario(
        "s3_scope_async",
        "S3 scope (async)",
        "S3 with `async with` / awaited resolution",
        "scope",
        is_async=True,
    ),
    Scenario(
        "s4_finalizer_sync",
        "S4 generator finalizer (sync)",
        "S3 with the scoped Session made by a generator factory whose finalizer runs on"
        " scope close",
        "finalizer",
        is_async=False,
    ),
    Scenario(
        "s4_finalizer_async",
        "S4 async-generator finalizer (async)",
        "S3 async with the scoped Session made by an async-generator factory whose finalizer"
        " runs on scope close",
        "finalizer",
        is_async=True,
    ),
)
