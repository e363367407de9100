"""Core-resolution benchmarks: injectq against peer DI libraries and hand-written code.

Run from the repository root:

    uv run python benchmarks/run.py            # full run (about 1-2 minutes), writes docs/
    uv run python benchmarks/run.py --quick    # smoke run (seconds), writes no files
    uv run python benchmarks/run.py --help     # filters, --docs-dir, --strict
    uv run python benchmarks/run.py --suite taskiq   # tasks through taskiq (see _taskiq_suite)

Every contestant's results are checked before it is timed; see docs/benchmarks.md.
"""

import argparse
import asyncio
import os
import platform
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from _cases import SCENARIOS, Scenario
from _harness import Failed, Results, run_all
from _report import RunInfo, format_ns, markdown_page, scenario_rows, text_table
from _svg import bar_chart
from _timing import FULL, QUICK, TimingConfig, loop_overhead
from contestants import CONTESTANTS, Contestant
from taskiq_contestants import TASKIQ_CONTESTANTS

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
PAGE_NAME = "benchmarks.md"
CHART_NAME = "benchmarks_core.svg"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--suite",
        choices=("core", "taskiq"),
        default="core",
        help="core: container resolution (default); taskiq: tasks through taskiq's "
        "InMemoryBroker, writing docs/benchmarks-taskiq.md",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 3 short repeats per case; writes no docs unless --docs-dir is given",
    )
    parser.add_argument(
        "--docs-dir",
        type=Path,
        default=None,
        help=f"where to write {PAGE_NAME} and {CHART_NAME} (--suite taskiq: benchmarks-taskiq.md) "
        "(default: docs/ for a full run of every scenario and contestant, else nowhere)",
    )
    parser.add_argument("--no-docs", action="store_true", help="write no files")
    parser.add_argument(
        "--contestants",
        default="",
        help="comma-separated names to run (default: all): "
        + ", ".join(c.name for c in CONTESTANTS)
        + "; with --suite taskiq: "
        + ", ".join(c.name for c in TASKIQ_CONTESTANTS),
    )
    parser.add_argument(
        "--scenarios",
        default="",
        help="comma-separated scenario key prefixes (e.g. s1,s3_scope_async; with --suite "
        "taskiq: t1, t2; default: all)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 if any contestant FAILED"
    )
    return parser.parse_args(argv)


def _select_contestants(names: str) -> tuple[Contestant, ...]:
    wanted = {name.strip() for name in names.split(",") if name.strip()}
    unknown = wanted - {c.name for c in CONTESTANTS}
    if unknown:
        raise SystemExit(f"unknown contestant(s): {', '.join(sorted(unknown))}")
    return tuple(c for c in CONTESTANTS if not wanted or c.name in wanted)


def _select_scenarios(prefixes: str) -> tuple[Scenario, ...]:
    wanted = [p.strip() for p in prefixes.split(",") if p.strip()]
    chosen = tuple(s for s in SCENARIOS if not wanted or any(s.key.startswith(p) for p in wanted))
    if not chosen:
        raise SystemExit(f"no scenario matches {prefixes!r}")
    return chosen


def _version(contestant: Contestant) -> str:
    if contestant.dist is None:
        return "-"
    try:
        return metadata.version(contestant.dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _progress(line: str) -> None:
    print(line, flush=True)


def _write_docs(
    docs_dir: Path,
    info: RunInfo,
    scenarios: tuple[Scenario, ...],
    contestants: tuple[Contestant, ...],
    results: Results,
) -> None:
    docs_dir.mkdir(parents=True, exist_ok=True)
    page = markdown_page(info, scenarios, contestants, results, CHART_NAME)
    (docs_dir / PAGE_NAME).write_text(page, encoding="utf-8")
    panels = [(s.title, scenario_rows(s, contestants, results)) for s in scenarios]
    subtitle = f"Python {info.python}, {info.platform}, {info.date}; median of {info.repeats}"
    (docs_dir / CHART_NAME).write_text(bar_chart(panels, subtitle), encoding="utf-8")
    print(f"wrote {docs_dir / PAGE_NAME} and {docs_dir / CHART_NAME}")


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.suite == "taskiq":  # imported here: the core suite never imports taskiq
        from _taskiq_suite import main as taskiq_main

        return taskiq_main(args, DOCS_DIR)
    config: TimingConfig = QUICK if args.quick else FULL
    contestants = _select_contestants(args.contestants)
    scenarios = _select_scenarios(args.scenarios)
    # Only a complete full run replaces the published page; anything else needs --docs-dir.
    complete = not (args.quick or args.contestants or args.scenarios)
    docs_dir: Path | None = args.docs_dir or (DOCS_DIR if complete else None)
    if args.no_docs:
        docs_dir = None

    started = time.perf_counter()
    python = platform.python_version()
    print(f"Python {python} ({platform.python_implementation()}) on {platform.platform()}")
    versions = tuple((c.name, _version(c)) for c in contestants if c.dist is not None)
    for name, version in versions:
        print(f"  {name:<20} {version}")
    mode = "quick" if args.quick else "full"
    print(
        f"{mode} run: {len(scenarios)} scenarios x {len(contestants)} contestants, "
        f"median of {config.repeats} repeats of ~{config.target_ns / 1e6:g} ms"
    )

    with asyncio.Runner() as runner:
        sync_overhead, async_overhead = loop_overhead(runner, config)
        print(
            f"loop overhead: empty call {format_ns(sync_overhead)} ns, "
            f"empty await {format_ns(async_overhead)} ns"
        )
        results = run_all(contestants, scenarios, runner, config, _progress)

    for scenario in scenarios:
        print(f"\n{scenario.title}: {scenario.description}")
        print(text_table(scenario_rows(scenario, contestants, results)))
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
            loop_overhead_sync_ns=sync_overhead,
            loop_overhead_async_ns=async_overhead,
            versions=versions,
        )
        _write_docs(docs_dir, info, scenarios, contestants, results)

    failed = any(isinstance(outcome, Failed) for outcome in results.values())
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
