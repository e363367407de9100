"""The core suite's contestants, in table order.

Each module here defines one function per scenario key in ``_cases.SCENARIOS`` (for example
``s1_singleton() -> Case``). The function sets up a container and returns the callable to
time; the runner checks that callable's results before timing it. Modules are imported by
the runner one at a time, so one that cannot be imported fails alone.
"""

from _suite import Contestant

CONTESTANTS: tuple[Contestant, ...] = (
    Contestant("manual", "manual", None, is_peer=False),
    Contestant("injectq_", "injectq", "injectq-core-scopes", is_peer=False),
    Contestant("dishka_", "dishka", "dishka", is_peer=True),
    Contestant("wireup_", "wireup", "wireup", is_peer=True),
    Contestant("that_depends_", "that-depends", "that-depends", is_peer=True),
    Contestant("rodi_", "rodi", "rodi", is_peer=True),
    Contestant("dependency_injector_", "dependency-injector", "dependency-injector", is_peer=True),
)
