"""``run.py --suite core`` (the default): container resolution, per library, without a framework.

Each contestant module defines one function per scenario (``_cases.SCENARIOS``) returning a
``SyncCase`` or ``AsyncCase``; the scenario's identity rules (``_checks``) are its check.
Writes ``docs/benchmarks.md`` and ``docs/benchmarks_core.svg`` on a complete full run.
"""

import inspect
from collections.abc import Callable
from types import ModuleType

from _cases import SCENARIOS, AsyncCase, Case, Scenario, SyncCase
from _checks import CHECKS
from _report import LatencyReport
from _suite import NotAvailable, SetupError, Suite, Trial
from _timing import FULL
from contestants import CONTESTANTS


def setup(module: ModuleType, scenario: Scenario) -> Trial | NotAvailable:
    factory: Callable[[], Case] | None = getattr(module, scenario.key, None)
    if factory is None:
        raise SetupError(f"the module defines no {scenario.key}()")
    case = factory()
    if isinstance(case, NotAvailable):
        return case
    if isinstance(case, AsyncCase) != scenario.is_async or (
        isinstance(case, SyncCase) and inspect.iscoroutinefunction(case.run)
    ):
        kind = "an async" if scenario.is_async else "a sync"
        raise SetupError(f"returned a {type(case).__name__} for {kind} scenario")
    return Trial(case.run, scenario.is_async, CHECKS[scenario.check], case.note)


SUITE = Suite(
    name="core",
    package="contestants",
    contestants=CONTESTANTS,
    scenarios=SCENARIOS,
    setup=setup,
    report=LatencyReport(),
    full=FULL,
    versions=tuple((c.name, c.dist) for c in CONTESTANTS if c.dist is not None),
    measures_loop_overhead=True,
)
