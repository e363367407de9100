"""``run.py --suite taskiq``: tasks through taskiq's InMemoryBroker, per DI approach.

It takes run.py's parsed options (``--quick``, ``--docs-dir``, ``--no-docs``,
``--contestants``, ``--scenarios``, ``--strict``) and writes ``docs/benchmarks-taskiq.md`` on
a complete full run. See ``_taskiq_harness`` for what is measured and checked.
"""

import argparse
import asyncio
import os
import platform
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from _harness import Failed
from _report import RunInfo
from _taskiq_harness import BATCH, FULL, SCENARIOS, TaskiqScenario, run_all
from _taskiq_report import goal_line, markdown_page, scenario_rows, text_table
from _timing import QUICK, TimingConfig
from contestants import Contestant
from taskiq_contestants import TASKIQ_CONTESTANTS

PAGE_NAME = "benchmarks-taskiq.md"
DISTRIBUTIONS = ("taskiq", "taskiq-dependencies", "injectq-core-scopes", "injectq-taskiq", "dishka")
"""Whose versions the run prints and the page records (taskiq-depends is taskiq itself)."""


def _select_contestants(names: str) -> tuple[Contestant, ...]:
    wanted = {name.strip() for name in names.split(",") if name.strip()}
    unknown = wanted - {c.name for c in TASKIQ_CONTESTANTS}
    if unknown:
        known = ", ".join(c.name for c in TASKIQ_CONTESTANTS)
        raise SystemExit(f"unknown taskiq contestant(s): {', '.join(sorted(unknown))} ({known})")
    return tuple(c for c in TASKIQ_CONTESTANTS if not wanted or c.name in wanted)


def _select_scenarios(prefixes: str) -> tuple[TaskiqScenario, ...]:
    wanted = [p.strip() for p in prefixes.split(",") if p.strip()]
    chosen = tuple(s for s in SCENARIOS if not wanted or any(s.key.startswith(p) for p in wanted))
    if not chosen:
        keys = ", ".join(s.key for s in SCENARIOS)
        raise SystemExit(f"no taskiq scenario matches {prefixes!r} ({keys})")
    return chosen


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _progress(line: str) -> None:
    print(line, flush=True)


def main(args: argparse.Namespace, default_docs_dir: Path) -> int:
    config: TimingConfig = QUICK if args.quick else FULL
    contestants = _select_contestants(args.contestants)
    scenarios = _select_scenarios(args.scenarios)
    # Only a complete full run replaces the published page; anything else needs --docs-dir.
    complete = not (args.quick or args.contestants or args.scenarios)
    docs_dir: Path | None = args.docs_dir or (default_docs_dir if complete else None)
    if args.no_docs:
        docs_dir = None

    started = time.perf_counter()
    python = platform.python_version()
    print(f"Python {python} ({platform.python_implementation()}) on {platform.platform()}")
    versions = tuple((dist, _version(dist)) for dist in DISTRIBUTIONS)
    for name, version in versions:
        print(f"  {name:<20} {version}")
    mode = "quick" if args.quick else "full"
    print(
        f"taskiq suite, {mode} run: {len(scenarios)} scenarios x {len(contestants)} contestants, "
        f"batches of {BATCH} tasks, median of {config.repeats} repeats of "
        f"~{config.target_ns / 1e6:g} ms"
    )

    with asyncio.Runner() as runner:
        results = run_all(contestants, scenarios, runner, config, _progress)

    for scenario in scenarios:
        print(f"\n{scenario.title}: {scenario.description}")
        print(text_table(scenario_rows(scenario, contestants, results)))
        goal = goal_line(scenario, contestants, results)
        if goal is not None:
            print(f"  {goal}")
    print(f"\nfinished in {time.perf_counter() - started:.1f} s")

    if docs_dir is not None:
        info = RunInfo(
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            python=python,
            platform=f"{platform.system()} {platform.machine()}",
            cpus=os.cpu_count() or 1,
            mode=mode,
            repeats=config.repeats,
            target_ms=config.target_ns / 1e6,
            loop_overhead_sync_ns=0.0,
            loop_overhead_async_ns=0.0,
            versions=versions,
        )
        docs_dir.mkdir(parents=True, exist_ok=True)
        page = markdown_page(info, scenarios, contestants, results)
        (docs_dir / PAGE_NAME).write_text(page, encoding="utf-8")
        print(f"wrote {docs_dir / PAGE_NAME}")

    failed = any(isinstance(outcome, Failed) for outcome in results.values())
    return 1 if args.strict and failed else 0
