"""Runs a suite: set every contestant up, check its results, then time them all together.

For each scenario, each contestant in turn is imported (once per run; an import error fails
that contestant only), set up by the suite's ``setup``, started, run twice, and the two
results checked; a contestant that passes has its loop calibrated. Then the timed repeats of
all of them are interleaved (``_timing.interleaved_medians``), and what the setups started is
closed. A contestant that raises or breaks a check is reported FAILED and not timed.
"""

import asyncio
import importlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeAlias

from _suite import (
    CheckError,
    Contestant,
    Failed,
    NotAvailable,
    Outcome,
    Results,
    SetupError,
    Suite,
    Timed,
    Trial,
    Unavailable,
    one_line,
)
from _timing import Loop, TimingConfig, async_loop, calibrate, interleaved_medians, sync_loop

Progress: TypeAlias = Callable[[str], None]
Closer: TypeAlias = Callable[[], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class Ready:
    """Checked and calibrated; waiting for the timed rounds."""

    loop: Loop
    n: int
    note: str
    ops_per_run: int


def load(package: str, contestant: Contestant) -> ModuleType | Failed:
    try:
        return importlib.import_module(f"{package}.{contestant.module}")
    except Exception as exc:
        return Failed(f"import failed: {one_line(exc)}")


def _run_twice(trial: Trial, runner: asyncio.Runner) -> tuple[object, object]:
    if not trial.is_async:
        return trial.run(), trial.run()
    run: Callable[[], Awaitable[object]] = trial.run  # type: ignore[assignment]

    async def twice() -> tuple[object, object]:
        return await run(), await run()

    return runner.run(twice())


def prepare(
    suite: Suite[Any],
    module: ModuleType | Failed,
    scenario: Any,
    runner: asyncio.Runner,
    config: TimingConfig,
    closers: list[Closer],
) -> Ready | Failed | Unavailable:
    """Set the contestant up, start it, check two runs, and calibrate its loop."""
    if isinstance(module, Failed):
        return module
    try:
        trial = suite.setup(module, scenario)
    except SetupError as exc:
        return Failed(str(exc))
    except Exception as exc:
        return Failed(f"setup raised {one_line(exc)}")
    if isinstance(trial, NotAvailable):
        return Unavailable(trial.reason)
    if trial.start is not None:
        try:
            runner.run(trial.start())
        except Exception as exc:
            return Failed(f"startup raised {one_line(exc)}")
    if trial.close is not None:
        closers.append(trial.close)
    try:
        first, second = _run_twice(trial, runner)
    except Exception as exc:
        return Failed(f"raised {one_line(exc)}")
    try:
        trial.check(first, second)
    except CheckError as exc:
        return Failed(f"check failed: {exc}")
    except Exception as exc:
        return Failed(f"check raised {one_line(exc)}")
    run: Any = trial.run
    loop = async_loop(run, runner) if trial.is_async else sync_loop(run)
    try:
        n = calibrate(loop, config.target_ns)
    except Exception as exc:
        return Failed(f"raised while timed: {one_line(exc)}")
    return Ready(loop, n, trial.note, trial.ops_per_run)


def _close_all(closers: list[Closer], runner: asyncio.Runner) -> None:
    for close in closers:
        try:
            runner.run(close())
        except Exception as exc:
            print(f"warning: a contestant did not shut down cleanly: {one_line(exc)}")


def _time_ready(
    prepared: dict[str, Ready | Failed | Unavailable], config: TimingConfig
) -> dict[str, Outcome]:
    ready = [(name, state) for name, state in prepared.items() if isinstance(state, Ready)]
    outcomes: dict[str, Outcome] = {
        name: state for name, state in prepared.items() if not isinstance(state, Ready)
    }
    try:
        medians = interleaved_medians([(s.loop, s.n) for _, s in ready], config.repeats)
    except Exception as exc:
        reason = f"raised while timed: {one_line(exc)}"
        outcomes.update({name: Failed(reason) for name, _ in ready})
    else:
        for (name, state), ns_per_run in zip(ready, medians, strict=True):
            outcomes[name] = Timed(ns_per_run / state.ops_per_run, state.note)
    return outcomes


def run_scenario(
    suite: Suite[Any],
    scenario: Any,
    contestants: tuple[Contestant, ...],
    modules: dict[str, ModuleType | Failed],
    runner: asyncio.Runner,
    config: TimingConfig,
    progress: Progress,
) -> dict[str, Outcome]:
    width = max(len(c.name) for c in contestants)
    closers: list[Closer] = []
    try:
        prepared: dict[str, Ready | Failed | Unavailable] = {}
        for contestant in contestants:
            state = prepare(suite, modules[contestant.name], scenario, runner, config, closers)
            prepared[contestant.name] = state
            name = contestant.name.ljust(width)
            if isinstance(state, Ready):
                progress(f"  {name} checked, {state.n:,} {suite.run_noun} per repeat")
            elif isinstance(state, Unavailable):
                progress(f"  {name} n/a: {state.reason}")
            else:
                progress(f"  {name} FAILED: {state.reason}")
        return _time_ready(prepared, config)
    finally:
        _close_all(closers, runner)


def run_all(
    suite: Suite[Any],
    contestants: tuple[Contestant, ...],
    scenarios: tuple[Any, ...],
    runner: asyncio.Runner,
    config: TimingConfig,
    progress: Progress,
) -> Results:
    modules = {c.name: load(suite.package, c) for c in contestants}
    width = max(len(c.name) for c in contestants)
    results: Results = {}
    for index, scenario in enumerate(scenarios, start=1):
        step = f"[{index}/{len(scenarios)}] {scenario.title}"
        progress(f"{step}: setting up and checking")
        outcomes = run_scenario(suite, scenario, contestants, modules, runner, config, progress)
        progress(f"{step}: timed {config.repeats} rounds")
        for contestant in contestants:
            outcome = outcomes[contestant.name]
            results[scenario.key, contestant.name] = outcome
            if isinstance(outcome, Timed):
                timed = suite.report.timed_text(outcome.ns_per_op)
                progress(f"  {contestant.name.ljust(width)} {timed}")
    return results
