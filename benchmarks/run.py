"""Benchmarks: injectq against peer DI libraries, hand-written code and framework built-ins.

Run from the repository root:

    uv run python benchmarks/run.py                   # core resolution (about 1-2 minutes)
    uv run python benchmarks/run.py --suite taskiq    # tasks through taskiq (under a minute)
    uv run python benchmarks/run.py --suite fastapi   # requests through FastAPI (under a minute)
    uv run python benchmarks/run.py --suite fastmcp   # tool calls through FastMCP (under a minute)
    uv run python benchmarks/run.py --quick           # smoke run (seconds), writes no files
    uv run python benchmarks/run.py --help            # filters, --docs-dir, --strict

A complete full run writes the suite's page in docs/. Every contestant's results are checked
before it is timed. A suite (``_core_suite``, ``_taskiq_suite``, ``_fastapi_suite``,
``_fastmcp_suite``) supplies its scenarios, contestants and report; ``_runner`` sets up,
checks and times them all alike.
"""

import argparse
import asyncio
import importlib
import os
import platform
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from _runner import run_all
from _suite import Contestant, Failed, RunInfo, Suite
from _tables import format_ns
from _timing import loop_overhead
from contestants import CONTESTANTS
from fastapi_contestants import FASTAPI_CONTESTANTS
from fastmcp_contestants import FASTMCP_CONTESTANTS
from taskiq_contestants import TASKIQ_CONTESTANTS

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
SUITES = {
    "core": "_core_suite",
    "taskiq": "_taskiq_suite",
    "fastapi": "_fastapi_suite",
    "fastmcp": "_fastmcp_suite",
}
"""Each suite's module, imported only when chosen (the core suite never imports taskiq)."""
NAMES = {
    "core": CONTESTANTS,
    "taskiq": TASKIQ_CONTESTANTS,
    "fastapi": FASTAPI_CONTESTANTS,
    "fastmcp": FASTMCP_CONTESTANTS,
}


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--suite",
        choices=tuple(SUITES),
        default="core",
        help="core: container resolution (default), writing docs/benchmarks.md and "
        "benchmarks_core.svg; taskiq: tasks through taskiq's InMemoryBroker, writing "
        "docs/benchmarks-taskiq.md; fastapi: requests through a FastAPI app, writing "
        "docs/benchmarks-fastapi.md; fastmcp: tool calls to a FastMCP server, directly and "
        "through an in-memory client, writing docs/benchmarks-fastmcp.md (each throughput "
        "suite also writes its chart, docs/benchmarks_<suite>.svg)",
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
        help="where to write the suite's page (default: docs/ for a full run of every "
        "scenario and contestant, else nowhere)",
    )
    parser.add_argument("--no-docs", action="store_true", help="write no files")
    parser.add_argument(
        "--contestants",
        default="",
        help="comma-separated names to run (default: all); "
        + "; ".join(
            f"{suite}: {', '.join(c.name for c in names)}" for suite, names in NAMES.items()
        ),
    )
    parser.add_argument(
        "--scenarios",
        default="",
        help="comma-separated scenario key prefixes (default: all); core: s1 ... s4 "
        "(e.g. s1,s3_scope_async), taskiq: t1, t2, fastapi: f1, fastmcp: m1, m2",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 if any contestant FAILED"
    )
    return parser.parse_args(argv)


def _select_contestants(suite: Suite[Any], names: str) -> tuple[Contestant, ...]:
    wanted = {name.strip() for name in names.split(",") if name.strip()}
    unknown = wanted - {c.name for c in suite.contestants}
    if unknown:
        known = ", ".join(c.name for c in suite.contestants)
        raise SystemExit(
            f"unknown {suite.name} contestant(s): {', '.join(sorted(unknown))} ({known})"
        )
    return tuple(c for c in suite.contestants if not wanted or c.name in wanted)


def _select_scenarios(suite: Suite[Any], prefixes: str) -> tuple[Any, ...]:
    wanted = [p.strip() for p in prefixes.split(",") if p.strip()]
    chosen = tuple(
        s for s in suite.scenarios if not wanted or any(s.key.startswith(p) for p in wanted)
    )
    if not chosen:
        keys = ", ".join(s.key for s in suite.scenarios)
        raise SystemExit(f"no {suite.name} scenario matches {prefixes!r} ({keys})")
    return chosen


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _progress(line: str) -> None:
    print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    suite: Suite[Any] = importlib.import_module(SUITES[args.suite]).SUITE
    config = suite.quick if args.quick else suite.full
    contestants = _select_contestants(suite, args.contestants)
    scenarios = _select_scenarios(suite, args.scenarios)
    # Only a complete full run replaces the published page; anything else needs --docs-dir.
    complete = not (args.quick or args.contestants or args.scenarios)
    docs_dir: Path | None = args.docs_dir or (DOCS_DIR if complete else None)
    if args.no_docs:
        docs_dir = None

    started = time.perf_counter()
    python = platform.python_version()
    print(f"Python {python} ({platform.python_implementation()}) on {platform.platform()}")
    versions = tuple((label, _version(dist)) for label, dist in suite.versions)
    for label, version in versions:
        print(f"  {label:<20} {version}")
    mode = "quick" if args.quick else "full"
    print(
        f"{suite.name} suite, {mode} run: {len(scenarios)} scenarios x {len(contestants)} "
        f"contestants{suite.summary}, median of {config.repeats} repeats of "
        f"~{config.target_ns / 1e6:g} ms"
    )

    with asyncio.Runner() as runner:
        overhead = loop_overhead(runner, config) if suite.measures_loop_overhead else None
        if overhead is not None:
            print(
                f"loop overhead: empty call {format_ns(overhead[0])} ns, "
                f"empty await {format_ns(overhead[1])} ns"
            )
        results = run_all(suite, contestants, scenarios, runner, config, _progress)

    for scenario in scenarios:
        print(f"\n{scenario.title}: {scenario.description}")
        print(suite.report.scenario_text(scenario, contestants, results))
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
            versions=versions,
            loop_overhead_ns=overhead,
        )
        docs_dir.mkdir(parents=True, exist_ok=True)
        for name, text in suite.report.pages(info, scenarios, contestants, results).items():
            (docs_dir / name).write_text(text, encoding="utf-8")
            print(f"wrote {docs_dir / name}")

    failed = any(isinstance(outcome, Failed) for outcome in results.values())
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
