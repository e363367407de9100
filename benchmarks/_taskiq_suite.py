"""``run.py --suite taskiq``: tasks through taskiq's InMemoryBroker, per DI approach.

Every contestant gets a broker of its own made here with the same settings, so only what the
contestant's ``build(broker)`` adds differs. The broker keeps ``BATCH`` results (its default
is 100, and older ones are dropped), which is exactly one batch. See ``_taskiq_harness`` for
what one timed run does and what is checked. Writes ``docs/benchmarks-taskiq.md``.
"""

from dataclasses import dataclass
from functools import partial
from types import ModuleType

from _page import timing_bullet
from _suite import NotAvailable, RunInfo, Suite, Trial, build_case
from _taskiq_harness import BATCH, TaskiqCase, batch_runner, check_outputs
from _throughput import Goal, ThroughputReport
from _timing import TimingConfig
from taskiq import InMemoryBroker
from taskiq_contestants import FLOOR, TASKIQ_CONTESTANTS

FULL = TimingConfig(repeats=25, target_ns=200_000_000)
"""Full run: 2 scenarios x 4 contestants x 25 short repeats of about 0.2 s, under a minute:
many short interleaved repeats let the median ride out bursts of load from other processes."""

DISTRIBUTIONS = ("taskiq", "taskiq-dependencies", "injectq-core-scopes", "injectq-taskiq", "dishka")
"""Whose versions the run prints and the page records (taskiq-depends is taskiq itself)."""


@dataclass(frozen=True, slots=True)
class TaskiqScenario:
    key: str
    title: str
    description: str
    await_inplace: bool
    """``InMemoryBroker(await_inplace=...)``: run each task inside ``kiq()`` rather than in an
    asyncio task of its own."""


SCENARIOS: tuple[TaskiqScenario, ...] = (
    TaskiqScenario(
        "t1_concurrent",
        "T1 tasks in flight together",
        f"send {BATCH} tasks, wait for all, read the {BATCH} results; the broker runs each "
        "message in an asyncio task of its own (InMemoryBroker's default), so all tasks of a "
        "batch are in flight together",
        await_inplace=False,
    ),
    TaskiqScenario(
        "t2_in_place",
        "T2 one task at a time",
        "T1 with `InMemoryBroker(await_inplace=True)`: each `kiq()` runs its task to the end "
        "before it returns, so there is no asyncio task per message and no overlap",
        await_inplace=True,
    ),
)


def setup(module: ModuleType, scenario: TaskiqScenario) -> Trial | NotAvailable:
    """A fresh broker, the contestant's task on it; started and shut down by the runner."""
    broker = InMemoryBroker(max_stored_results=BATCH, await_inplace=scenario.await_inplace)
    case = build_case(module, TaskiqCase, broker)
    if isinstance(case, NotAvailable):
        return case
    return Trial(
        batch_runner(broker, case.task, BATCH),
        is_async=True,
        check=partial(check_outputs, size=BATCH),
        note=case.note,
        ops_per_run=BATCH,
        start=broker.startup,
        close=broker.shutdown,
    )


def _bullets(info: RunInfo) -> list[str]:
    return [
        "What a task does: it takes `x: int`, is given a scoped `Session` twice and the "
        "`AppState` singleton once, awaits `asyncio.sleep(0)` (standing in for its I/O, so "
        "that the worker switches between tasks), and returns `(x, session serial, session "
        "serial again, state serial)`. The task functions have no return annotation, so "
        "taskiq does not parse results. Each contestant declares this with its own "
        "idiomatic API (see the notes); *no injection* builds the `Session` inside the task "
        "and reads the singleton from a closure, the cheapest correct way and the floor.",
        f"One operation is a batch of {BATCH} tasks, end to end through a fresh "
        f"`InMemoryBroker(max_stored_results={BATCH})` per contestant: "
        f"`await task.kiq(i)` for each, `await broker.wait_all()`, then "
        "`await handle.wait_result(...)` for each. So sending, the worker side (message "
        "parsing, argument casting, middleware, dependency resolution, the task, storing the "
        "result) and reading results are all measured; *µs/task* is the batch's time over "
        f"{BATCH}, *tasks/s* its inverse. The broker runs in the same process and event "
        "loop, so this is the per-task cost on one core, not a worker's network throughput.",
        "Checks, before timing (two batches): every task returns its own argument; both "
        "`Session` parameters of a task are one object; no two task runs share a `Session` "
        f"(all {2 * BATCH} distinct, with {BATCH} in flight at once in T1); every task of "
        "both batches gets the same `AppState`. Objects are told apart by serial numbers "
        "given when they are built.",
        timing_bullet(info, "a loop of batches"),
    ]


SUITE = Suite(
    name="taskiq",
    package="taskiq_contestants",
    contestants=TASKIQ_CONTESTANTS,
    scenarios=SCENARIOS,
    setup=setup,
    report=ThroughputReport(
        suite="taskiq",
        heading="Benchmarks: taskiq tasks",
        unit="task",
        floor=FLOOR,
        goal=Goal(
            0.90,
            ahead_of_peers=True,
            text="InjectQ's goal is at least 0.90 of the floor and ahead of both peers",
        ),
        bullets=_bullets,
        see_also="The core-resolution benchmarks are in [benchmarks.md](benchmarks.md).",
    ),
    full=FULL,
    versions=tuple((dist, dist) for dist in DISTRIBUTIONS),
    run_noun="batches",
    summary=f", batches of {BATCH} tasks",
)
