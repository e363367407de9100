"""The taskiq suite's runner: batches of tasks through an InMemoryBroker, checked, then timed.

One timed operation is a batch of ``BATCH`` tasks sent end to end the way an application does
it: ``await task.kiq(i)`` for each, ``await broker.wait_all()``, then
``await handle.wait_result(...)`` for each handle (the broker's in-memory result backend),
raising if a task failed. The time of a batch divided by ``BATCH`` is the time per task, so
sending, the worker side (message parsing, middleware, dependency resolution, the task
itself, storing the result) and reading the result are all in it.

Every contestant gets a broker of its own made here with the same settings, so only what the
contestant's ``build(broker)`` adds differs. The broker keeps ``BATCH`` results (its default
is 100, and older ones are dropped), which is exactly one batch. Each contestant's results
are checked before it is timed (``check_outputs``), and the timed rounds of all contestants
of a scenario are interleaved (``_timing.interleaved_medians``) as in the core suite.
"""

import asyncio
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeAlias

from _cases import NotAvailable
from _checks import CheckError
from _harness import Failed, Outcome, Progress, Ready, Results, Timed, Unavailable, one_line
from _timing import TimingConfig, async_loop, calibrate, interleaved_medians
from contestants import Contestant
from taskiq import AsyncTaskiqDecoratedTask, InMemoryBroker

BATCH = 100
"""Tasks per timed operation; all of them are in flight at once in the concurrent scenario."""

RESULT_TIMEOUT = 5.0
"""Seconds ``wait_result`` may wait; every result is ready by then unless something broke."""

FULL = TimingConfig(repeats=25, target_ns=200_000_000)
"""Full run: 2 scenarios x 4 contestants x 25 short repeats of about 0.2 s, under a minute:
many short interleaved repeats let the median ride out bursts of load from other processes."""


@dataclass(frozen=True, slots=True)
class TaskiqCase:
    """What a contestant's ``build(broker)`` returns: the task it registered on the broker."""

    task: AsyncTaskiqDecoratedTask[..., Any]
    note: str = ""


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

Outputs: TypeAlias = list[object]


def batch_runner(
    broker: InMemoryBroker, task: AsyncTaskiqDecoratedTask[..., Any], size: int
) -> Callable[[], Awaitable[Outputs]]:
    """One timed operation: send ``size`` tasks, wait for them, return their return values."""
    kiq = task.kiq

    async def run() -> Outputs:
        handles = [await kiq(i) for i in range(size)]
        await broker.wait_all()
        outputs: Outputs = []
        for index, handle in enumerate(handles):
            result = await handle.wait_result(check_interval=0.01, timeout=RESULT_TIMEOUT)
            if result.is_err:
                error = result.error
                reason = one_line(error) if isinstance(error, BaseException) else repr(error)
                raise RuntimeError(f"task {index} failed: {reason}")
            outputs.append(result.return_value)
        return outputs

    return run


def _expect(condition: bool, reason: str) -> None:
    if not condition:
        raise CheckError(reason)


def check_outputs(first: Outputs, second: Outputs, size: int) -> None:
    """Each task got its own argument, one Session of its own (the same object both times it
    asked), and every task of both batches the same AppState singleton."""
    sessions: list[int] = []
    states: set[int] = set()
    for batch in (first, second):
        _expect(len(batch) == size, f"a batch returned {len(batch)} results, not {size}")
        for index, output in enumerate(batch):
            _expect(
                isinstance(output, tuple)
                and len(output) == 4
                and all(isinstance(v, int) for v in output),
                f"task {index} returned {output!r}, not the 4-tuple of task_body",
            )
            assert isinstance(output, tuple)
            x, session, session_again, state = output
            _expect(x == index, f"task {index} returned the result of task {x}")
            _expect(session > 0, f"task {index} was given something else for its Session")
            _expect(state < 0, f"task {index} was given something else for its AppState")
            _expect(
                session == session_again,
                f"task {index} was given two different Sessions (not one per task run)",
            )
            sessions.append(session)
            states.add(state)
    distinct = len(set(sessions))
    _expect(
        distinct == len(sessions),
        f"{len(sessions)} task runs shared {distinct} Sessions (not one per task run)",
    )
    _expect(len(states) == 1, f"the tasks were given {len(states)} AppStates, not one singleton")


def load(contestant: Contestant) -> ModuleType | Failed:
    try:
        return importlib.import_module(f"taskiq_contestants.{contestant.module}")
    except Exception as exc:
        return Failed(f"import failed: {one_line(exc)}")


@dataclass(slots=True)
class _Brokers:
    """Every broker started so far, shut down at the end (closing the containers' singletons)."""

    started: list[InMemoryBroker]

    def close_all(self, runner: asyncio.Runner) -> None:
        for broker in self.started:
            try:
                runner.run(broker.shutdown())
            except Exception as exc:
                print(f"warning: a broker did not shut down cleanly: {one_line(exc)}")
        self.started.clear()


def prepare(
    module: ModuleType | Failed,
    scenario: TaskiqScenario,
    runner: asyncio.Runner,
    config: TimingConfig,
    brokers: _Brokers,
) -> Ready | Failed | Unavailable:
    """Build the contestant's broker and task, check two batches, and calibrate."""
    if isinstance(module, Failed):
        return module
    build: Callable[[InMemoryBroker], TaskiqCase | NotAvailable] | None = getattr(
        module, "build", None
    )
    if build is None:
        return Failed("the module defines no build()")
    broker = InMemoryBroker(max_stored_results=BATCH, await_inplace=scenario.await_inplace)
    try:
        case = build(broker)
    except Exception as exc:
        return Failed(f"setup raised {one_line(exc)}")
    if isinstance(case, NotAvailable):
        return Unavailable(case.reason)
    if not isinstance(case, TaskiqCase):
        return Failed(f"build() returned a {type(case).__name__}, not a TaskiqCase")
    try:
        runner.run(broker.startup())
    except Exception as exc:
        return Failed(f"broker startup raised {one_line(exc)}")
    brokers.started.append(broker)
    run = batch_runner(broker, case.task, BATCH)

    async def twice() -> tuple[Outputs, Outputs]:
        return await run(), await run()

    try:
        first, second = runner.run(twice())
    except Exception as exc:
        return Failed(f"raised {one_line(exc)}")
    try:
        check_outputs(first, second, BATCH)
    except CheckError as exc:
        return Failed(f"check failed: {exc}")
    loop = async_loop(run, runner)
    try:
        n = calibrate(loop, config.target_ns)
    except Exception as exc:
        return Failed(f"raised while timed: {one_line(exc)}")
    return Ready(loop, n, case.note)


def run_scenario(
    scenario: TaskiqScenario,
    contestants: tuple[Contestant, ...],
    modules: dict[str, ModuleType | Failed],
    runner: asyncio.Runner,
    config: TimingConfig,
    progress: Progress,
) -> dict[str, Outcome]:
    brokers = _Brokers([])
    try:
        prepared: dict[str, Ready | Failed | Unavailable] = {}
        for contestant in contestants:
            state = prepare(modules[contestant.name], scenario, runner, config, brokers)
            prepared[contestant.name] = state
            if isinstance(state, Ready):
                progress(f"  {contestant.name:<16} checked, {state.n:,} batches per repeat")
            elif isinstance(state, Unavailable):
                progress(f"  {contestant.name:<16} n/a: {state.reason}")
            else:
                progress(f"  {contestant.name:<16} FAILED: {state.reason}")
        ready = [(name, s) for name, s in prepared.items() if isinstance(s, Ready)]
        outcomes: dict[str, Outcome] = {
            name: s for name, s in prepared.items() if not isinstance(s, Ready)
        }
        try:
            medians = interleaved_medians([(s.loop, s.n) for _, s in ready], config.repeats)
        except Exception as exc:
            reason = f"raised while timed: {one_line(exc)}"
            outcomes.update({name: Failed(reason) for name, _ in ready})
        else:
            for (name, s), ns_per_batch in zip(ready, medians, strict=True):
                outcomes[name] = Timed(ns_per_batch / BATCH, s.note)
        return outcomes
    finally:
        brokers.close_all(runner)


def run_all(
    contestants: tuple[Contestant, ...],
    scenarios: tuple[TaskiqScenario, ...],
    runner: asyncio.Runner,
    config: TimingConfig,
    progress: Progress,
) -> Results:
    """Outcomes keyed by (scenario key, contestant name); ``Timed.ns_per_op`` is ns per task."""
    modules = {contestant.name: load(contestant) for contestant in contestants}
    results: Results = {}
    for index, scenario in enumerate(scenarios, start=1):
        progress(f"[{index}/{len(scenarios)}] {scenario.title}: setting up and checking")
        outcomes = run_scenario(scenario, contestants, modules, runner, config, progress)
        progress(f"[{index}/{len(scenarios)}] {scenario.title}: timed {config.repeats} rounds")
        for contestant in contestants:
            outcome = outcomes[contestant.name]
            results[scenario.key, contestant.name] = outcome
            if isinstance(outcome, Timed):
                progress(
                    f"  {contestant.name:<16} {outcome.ns_per_op / 1000:>9,.1f} us/task "
                    f"({1e9 / outcome.ns_per_op:,.0f} tasks/s)"
                )
    return results
