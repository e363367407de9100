"""What a benchmark suite is made of, and what the generic runner (``_runner``) gives back.

A suite supplies its scenarios, its contestants (modules in a package of its own), a ``setup``
that turns one contestant module and one scenario into a ``Trial``, and a report that renders
the results. Everything else is done once, in ``_runner`` and ``run.py``, for every suite.
"""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Generic, Protocol, TypeAlias, TypeVar

from _timing import QUICK, TimingConfig


@dataclass(frozen=True, slots=True)
class Contestant:
    module: str
    """Module name inside the suite's contestants package."""
    name: str
    dist: str | None
    """Distribution whose version is printed; None for hand-written code."""
    is_peer: bool
    """A peer library: counted when looking for the fastest peer."""


@dataclass(frozen=True, slots=True)
class NotAvailable:
    """The contestant has no way to do the scenario; ``reason`` is one line."""

    reason: str


class CheckError(Exception):
    """A contestant's results break a rule of the scenario."""


class SetupError(Exception):
    """A contestant module does not provide what the suite asks of it; the message says what."""


def expect(condition: bool, reason: str) -> None:
    if not condition:
        raise CheckError(reason)


class Scenario(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Trial:
    """One contestant set up for one scenario: what to time, how to check it, what to close."""

    run: Callable[[], object]
    """One timed run: a zero-argument callable, or coroutine function when ``is_async``."""
    is_async: bool
    check: Callable[[object, object], None]
    """Given the results of two runs; raises ``CheckError`` when a rule does not hold."""
    note: str = ""
    ops_per_run: int = 1
    """Operations one run does (a batch of tasks); results are reported per operation."""
    start: Callable[[], Coroutine[Any, Any, None]] | None = None
    """Awaited once before the first run (a broker's or an app's startup)."""
    close: Callable[[], Coroutine[Any, Any, None]] | None = None
    """Awaited once after the scenario's timed rounds, when ``start`` succeeded."""


@dataclass(frozen=True, slots=True)
class Timed:
    ns_per_op: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str


@dataclass(frozen=True, slots=True)
class Unavailable:
    reason: str


Outcome: TypeAlias = Timed | Failed | Unavailable
Results: TypeAlias = dict[tuple[str, str], Outcome]
"""Outcomes keyed by (scenario key, contestant name)."""


@dataclass(frozen=True, slots=True)
class RunInfo:
    """How the numbers were made; printed above the tables."""

    date: str
    python: str
    platform: str
    cpus: int
    mode: str
    repeats: int
    target_ms: float
    versions: tuple[tuple[str, str], ...]
    loop_overhead_ns: tuple[float, float] | None
    """The bare timing loop's cost (empty call, empty await), for suites that measure it."""


S = TypeVar("S", bound=Scenario)
S_contra = TypeVar("S_contra", bound=Scenario, contravariant=True)
C = TypeVar("C")


class Report(Protocol[S_contra]):
    def timed_text(self, ns_per_op: float) -> str:
        """The progress line's number for one timed contestant."""
        ...

    def scenario_text(
        self, scenario: S_contra, contestants: tuple[Contestant, ...], results: Results
    ) -> str:
        """The printed table of one scenario (and anything said below it)."""
        ...

    def pages(
        self,
        info: RunInfo,
        scenarios: tuple[S_contra, ...],
        contestants: tuple[Contestant, ...],
        results: Results,
    ) -> dict[str, str]:
        """The files to write into the docs folder, by name."""
        ...


@dataclass(frozen=True)
class Suite(Generic[S]):
    name: str
    package: str
    """The package of the contestant modules."""
    contestants: tuple[Contestant, ...]
    scenarios: tuple[S, ...]
    setup: Callable[[ModuleType, S], Trial | NotAvailable]
    """Set one contestant up for one scenario; may raise (``SetupError`` for a bad module)."""
    report: Report[S]
    full: TimingConfig
    versions: tuple[tuple[str, str], ...]
    """(label, distribution) pairs whose versions the run prints and the page records."""
    quick: TimingConfig = QUICK
    run_noun: str = "ops"
    """What one timed run is called in progress lines ("batches per repeat")."""
    summary: str = ""
    """Said in the run's header line after the counts (", batches of 100 tasks")."""
    measures_loop_overhead: bool = False


def build_case(module: ModuleType, case_type: type[C], *args: object) -> C | NotAvailable:
    """Call the contestant module's ``build(*args)``, which returns a ``case_type``."""
    build = getattr(module, "build", None)
    if build is None:
        raise SetupError("the module defines no build()")
    case = build(*args)
    if not isinstance(case, case_type | NotAvailable):
        raise SetupError(f"build() returned a {type(case).__name__}, not a {case_type.__name__}")
    return case


def one_line(exc: BaseException, limit: int = 160) -> str:
    text = str(exc).strip().splitlines()
    message = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return message if len(message) <= limit else message[: limit - 3] + "..."
