"""The core suite's report: ns per operation against hand-written code, page and bar chart."""

from _cases import Scenario
from _page import Section, markdown_page, run_bullets, timing_bullet
from _suite import Contestant, Results, RunInfo
from _svg import Bar, bar, bar_chart, subtitle
from _tables import Row, format_ns, outcome_rows, ratio, text_table, timed_ns

PAGE_NAME = "benchmarks.md"
CHART_NAME = "benchmarks_core.svg"
HEADERS = ("contestant", "ns/op", "vs manual", "vs fastest peer", "notes")
MANUAL = "manual"

_METHOD = [
    "Method: each contestant is set up with its own idiomatic API, and its results are "
    "checked against the scenario's identity rules before it is timed.",
]
_AFTER_TIMING = [
    "Checks (two runs of each case): S1 returns the same Settings twice; S2 returns a new "
    "A each time whose B and C hold two different D objects; S3 the Service holds the "
    "Session resolved in the same scope, the AppState singleton is shared across scopes "
    "and the Session is not; S4 as S3, and the Session's finalizer ran exactly once per "
    "scope, after the Service was built.",
    "*vs manual* divides by the hand-written code's time; *vs fastest peer* divides by "
    "the fastest of the peer libraries (dishka, wireup, that-depends, rodi, "
    "dependency-injector) in that scenario. Absolute numbers move with the machine's "
    "load; the ratios within one table are the thing to compare.",
    "Each peer runs with its defaults (for example dishka's thread-safe root lock); "
    "*n/a* means the library has no way to do the scenario, *FAILED* that its results "
    "broke a check (or it raised), so it was not timed.",
]
_FOOTER = (
    "Injection through frameworks is measured on pages of its own: tasks through "
    "taskiq in [benchmarks-taskiq.md](benchmarks-taskiq.md), requests through FastAPI in "
    "[benchmarks-fastapi.md](benchmarks-fastapi.md), tool calls through FastMCP in "
    "[benchmarks-fastmcp.md](benchmarks-fastmcp.md)."
)


_CHART_HEADING = "InjectQ core resolution benchmarks (ns per operation, shorter is faster)"


def _bar(row: Row) -> Bar:
    ns = row.ns_per_op
    return bar(row, ns, f"{format_ns(ns or 0)} ns ({row.cells[2]} manual)")  # vs manual


class LatencyReport:
    def timed_text(self, ns_per_op: float) -> str:
        return f"{ns_per_op:>12,.1f} ns/op"

    def rows(
        self, scenario: Scenario, contestants: tuple[Contestant, ...], results: Results
    ) -> list[Row]:
        manual = timed_ns(results, scenario.key, MANUAL)
        peers = [
            ns for c in contestants if c.is_peer and (ns := timed_ns(results, scenario.key, c.name))
        ]
        fastest_peer = min(peers) if peers else None

        def numbers(ns: float) -> tuple[str, ...]:
            return (format_ns(ns), ratio(ns, manual, "x"), ratio(ns, fastest_peer, "x"))

        return outcome_rows(scenario.key, contestants, results, numbers, columns=3)

    def scenario_text(
        self, scenario: Scenario, contestants: tuple[Contestant, ...], results: Results
    ) -> str:
        return text_table(HEADERS, self.rows(scenario, contestants, results))

    def pages(
        self,
        info: RunInfo,
        scenarios: tuple[Scenario, ...],
        contestants: tuple[Contestant, ...],
        results: Results,
    ) -> dict[str, str]:
        timing = timing_bullet(info, "a loop") + (
            " Async scenarios are awaited in a loop inside one task on the default asyncio "
            "event loop."
        )
        bullets = [*run_bullets(info), *_METHOD, timing]
        if info.loop_overhead_ns is not None:
            sync_ns, async_ns = info.loop_overhead_ns
            bullets.append(
                f"The numbers include the loop's own cost: calling an empty function "
                f"{format_ns(sync_ns)} ns, awaiting an empty coroutine {format_ns(async_ns)} ns."
            )
        rows = {s.key: self.rows(s, contestants, results) for s in scenarios}
        page = markdown_page(
            heading="Benchmarks: core resolution",
            suite="core",
            see_also="",
            bullets=[*bullets, *_AFTER_TIMING],
            sections=[Section(s.title, s.description, HEADERS, rows[s.key]) for s in scenarios],
            figure=f"![ns per operation, per scenario]({CHART_NAME})",
            footer=_FOOTER,
        )
        panels = [(s.title, [_bar(row) for row in rows[s.key]]) for s in scenarios]
        chart = bar_chart(panels, _CHART_HEADING, subtitle(info))
        return {PAGE_NAME: page, CHART_NAME: chart}
