"""Runs the scenarios: set every contestant up, check its results, then time them together."""

import asyncio
import importlib
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TypeAlias

from _cases import AsyncCase, Case, NotAvailable, Scenario, SyncCase
from _checks import CHECKS, CheckError
from _timing import Loop, TimingConfig, async_loop, calibrate, interleaved_medians, sync_loop
from contestants import Contestant


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


@dataclass(frozen=True, slots=True)
class Ready:
    """Checked and calibrated; waiting for the timed rounds."""

    loop: Loop
    n: int
    note: str


Outcome: TypeAlias = Timed | Failed | Unavailable
Results: TypeAlias = dict[tuple[str, str], Outcome]
"""Outcomes keyed by (scenario key, contestant name)."""

Progress: TypeAlias = Callable[[str], None]


def one_line(exc: BaseException, limit: int = 160) -> str:
    text = str(exc).strip().splitlines()
    message = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return message if len(message) <= limit else message[: limit - 3] + "..."


def load(contestant: Contestant) -> ModuleType | Failed:
    """Import a contestant module; an import error fails that contestant only."""
    try:
        return importlib.import_module(f"contestants.{contestant.module}")
    except Exception as exc:
        return Failed(f"import failed: {one_line(exc)}")


def _make_case(module: ModuleType, scenario: Scenario) -> Case | Failed:
    factory: Callable[[], Case] | None = getattr(module, scenario.key, None)
    if factory is None:
        return Failed(f"the module defines no {scenario.key}()")
    try:
        case = factory()
    except Exception as exc:
        return Failed(f"setup raised {one_line(exc)}")
    if isinstance(case, NotAvailable):
        return case
    if isinstance(case, AsyncCase) != scenario.is_async or (
        isinstance(case, SyncCase) and inspect.iscoroutinefunction(case.run)
    ):
        kind = "an async" if scenario.is_async else "a sync"
        return Failed(f"returned a {type(case).__name__} for {kind} scenario")
    return case


def _run_twice(case: SyncCase | AsyncCase, runner: asyncio.Runner) -> tuple[object, object]:
    if isinstance(case, SyncCase):
        return case.run(), case.run()
    run: Callable[[], Awaitable[object]] = case.run

    async def twice() -> tuple[object, object]:
        return await run(), await run()

    return runner.run(twice())


def prepare(
    module: ModuleType | Failed, scenario: Scenario, runner: asyncio.Runner, config: TimingConfig
) -> Ready | Failed | Unavailable:
    """Set the case up, check two runs of it, and calibrate its loop."""
    if isinstance(module, Failed):
        return module
    case = _make_case(module, scenario)
    if isinstance(case, Failed):
        return case
    if isinstance(case, NotAvailable):
        return Unavailable(case.reason)
    try:
        first, second = _run_twice(case, runner)
    except Exception as exc:
        return Failed(f"raised {one_line(exc)}")
    try:
        CHECKS[scenario.check](first, second)
    except CheckError as exc:
        return Failed(f"check failed: {exc}")
    loop = sync_loop(case.run) if isinstance(case, SyncCase) else async_loop(case.run, runner)
    try:
        n = calibrate(loop, config.target_ns)
    except Exception as exc:
        return Failed(f"raised while timed: {one_line(exc)}")
    return Ready(loop, n, case.note)


def run_scenario(
    scenario: Scenario,
    contestants: tuple[Contestant, ...],
    modules: dict[str, ModuleType | Failed],
    runner: asyncio.Runner,
    config: TimingConfig,
    progress: Progress,
) -> dict[str, Outcome]:
    prepared: dict[str, Ready | Failed | Unavailable] = {}
    for contestant in contestants:
        state = prepare(modules[contestant.name], scenario, runner, config)
        prepared[contestant.name] = state
        if isinstance(state, Ready):
            progress(f"  {contestant.name:<20} checked, {state.n:,} ops per repeat")
        elif isinstance(state, Unavailable):
            progress(f"  {contestant.name:<20} n/a: {state.reason}")
        else:
            progress(f"  {contestant.name:<20} FAILED: {state.reason}")
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
        for (name, state), ns in zip(ready, medians, strict=True):
            outcomes[name] = Timed(ns, state.note)
    return outcomes


def run_all(
    contestants: tuple[Contestant, ...],
    scenarios: tuple[Scenario, ...],
    runner: asyncio.Runner,
    config: TimingConfig,
    progress: Progress,
) -> Results:
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
                progress(f"  {contestant.name:<20} {outcome.ns_per_op:>12,.1f} ns/op")
    return results
