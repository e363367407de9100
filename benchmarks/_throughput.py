"""The report of a throughput suite (taskiq, FastAPI): operations per second against a floor.

A worker or a web app is judged by how many tasks or requests it gets through, so these
suites report operations per second, and their ratios are of throughput: *of floor* is a
contestant's rate divided by the no-injection floor's (1.00 = as fast as no injection), *of
best peer* divided by the fastest peer's (above 1.00 = ahead of every peer). Each suite names
its floor, its unit, its goal for InjectQ and the page's own bullets. A suite whose goal is a
cost per operation (``added_cost``) also gets an *added µs* column: a contestant's time per
operation minus the floor's, what its injection adds to each operation. The page embeds a
bar chart of *of floor* per scenario (``docs/benchmarks_<suite>.svg``).
"""

from collections.abc import Callable
from dataclasses import dataclass

from _page import Section, markdown_page, run_bullets, sentence
from _suite import Contestant, Results, RunInfo, Scenario
from _svg import bar_chart, share_bars, subtitle
from _tables import Row, outcome_rows, ratio, text_table, timed_ns

INJECTQ = "injectq"


@dataclass(frozen=True, slots=True)
class Goal:
    of_floor: float | None
    """InjectQ's rate should be at least this share of the floor's (None: no such bound)."""
    ahead_of_peers: bool
    """...and ahead of every peer's, when set."""
    text: str
    """The goal as the page states it."""
    reference: str | None = None
    """A peer whose share of the floor the goal line quotes for comparison."""
    judged_in: tuple[str, ...] | None = None
    """Keys of the scenarios whose numbers decide the goal (None: every scenario); the goal
    lines of the others report the numbers without a verdict."""
    not_judged: str = ""
    """Why the other scenarios do not decide it, as their goal lines say."""


@dataclass(frozen=True)
class ThroughputReport:
    suite: str
    heading: str
    unit: str
    """One operation: "task", "request"."""
    floor: str
    """The name of the contestant every other is divided by."""
    goal: Goal
    bullets: Callable[[RunInfo], list[str]]
    """What is measured, checked and timed; the page adds the run, the ratios and the goal."""
    see_also: str = ""
    added_cost: bool = False
    """Add the *added µs* column (µs per operation over the floor's) and quote it in the goal."""

    @property
    def headers(self) -> tuple[str, ...]:
        unit = self.unit
        added = (f"added µs/{unit}",) if self.added_cost else ()
        return (
            "contestant",
            f"{unit}s/s",
            f"µs/{unit}",
            *added,
            "of floor",
            "of best peer",
            "notes",
        )

    def timed_text(self, ns_per_op: float) -> str:
        return f"{ns_per_op / 1000:>9,.1f} µs/{self.unit} ({1e9 / ns_per_op:,.0f} {self.unit}s/s)"

    def _rate(self, results: Results, scenario: Scenario, name: str) -> float | None:
        ns = timed_ns(results, scenario.key, name)
        return None if ns is None else 1e9 / ns

    def rows(
        self, scenario: Scenario, contestants: tuple[Contestant, ...], results: Results
    ) -> list[Row]:
        floor = self._rate(results, scenario, self.floor)
        peers = [
            r for c in contestants if c.is_peer and (r := self._rate(results, scenario, c.name))
        ]
        best_peer = max(peers) if peers else None

        def numbers(ns: float) -> tuple[str, ...]:
            rate = 1e9 / ns
            added = (added_text(ns, floor),) if self.added_cost else ()
            return (
                f"{rate:,.0f}",
                f"{ns / 1000:,.1f}",
                *added,
                ratio(rate, floor),
                ratio(rate, best_peer),
            )

        columns = len(self.headers) - 2
        return outcome_rows(scenario.key, contestants, results, numbers, columns=columns)

    def goal_line(
        self, scenario: Scenario, contestants: tuple[Contestant, ...], results: Results
    ) -> str | None:
        """Whether InjectQ met its goal here; None when it or the floor was not timed."""
        injectq = self._rate(results, scenario, INJECTQ)
        floor = self._rate(results, scenario, self.floor)
        if injectq is None or floor is None:
            return None
        unit, goal = f"{self.unit}s/s", self.goal
        behind = [
            f"{c.name} ({injectq / rate:.2f} of its {unit})"
            for c in contestants
            if c.is_peer and (rate := self._rate(results, scenario, c.name)) and rate >= injectq
        ]
        wanted = [f"at least {goal.of_floor:.2f} of the floor"] if goal.of_floor is not None else []
        wanted += ["ahead of every peer"] if goal.ahead_of_peers else []
        met = (goal.of_floor is None or injectq / floor >= goal.of_floor) and not (
            goal.ahead_of_peers and behind
        )
        judged = goal.judged_in is None or scenario.key in goal.judged_in
        verdict = ("met" if met else "NOT met") if judged else f"not judged here, {goal.not_judged}"
        text = (
            f"goal (injectq {' and '.join(wanted)}): {verdict}; "
            f"injectq runs {injectq / floor:.2f} of the floor's {unit}"
        )
        if goal.ahead_of_peers and behind:
            text += f", behind {', '.join(behind)}"
        if self.added_cost:
            text += "; " + self._added_line(scenario, contestants, results, floor)
        reference = goal.reference and self._rate(results, scenario, goal.reference)
        if reference:
            text += f"; {goal.reference} runs {reference / floor:.2f}"
        return text

    def _added_line(
        self,
        scenario: Scenario,
        contestants: tuple[Contestant, ...],
        results: Results,
        floor: float,
    ) -> str:
        """What each timed injecting contestant adds per operation, InjectQ first."""
        added = {
            c.name: added_text(1e9 / rate, floor)
            for c in contestants
            if c.name != self.floor and (rate := self._rate(results, scenario, c.name))
        }
        others = ", ".join(f"{name} {text}" for name, text in added.items() if name != INJECTQ)
        line = f"injectq adds {added[INJECTQ]} µs/{self.unit} over the floor"
        return f"{line} ({others})" if others else line

    def scenario_text(
        self, scenario: Scenario, contestants: tuple[Contestant, ...], results: Results
    ) -> str:
        table = text_table(self.headers, self.rows(scenario, contestants, results))
        goal = self.goal_line(scenario, contestants, results)
        return table if goal is None else f"{table}\n  {goal}"

    def pages(
        self,
        info: RunInfo,
        scenarios: tuple[Scenario, ...],
        contestants: tuple[Contestant, ...],
        results: Results,
    ) -> dict[str, str]:
        peers = ", ".join(c.name for c in contestants if c.is_peer)
        unit = f"{self.unit}s/s"
        ratios = (
            f"*of floor* is a contestant's {unit} divided by the floor's (1.00 = no cost over "
            f"no injection); *of best peer* divided by the fastest peer's ({peers}), so above "
            f"1.00 means ahead of every peer. {sentence(self.goal.text)} Absolute numbers move "
            "with the machine's load; compare the ratios within one table."
        )
        sections = [
            Section(
                s.title,
                s.description,
                self.headers,
                self.rows(s, contestants, results),
                self.goal_line(s, contestants, results),
            )
            for s in scenarios
        ]
        chart = f"benchmarks_{self.suite}.svg"
        page = markdown_page(
            heading=self.heading,
            suite=self.suite,
            see_also=self.see_also,
            bullets=[*run_bullets(info), *self.bullets(info), ratios],
            sections=sections,
            figure=f"![{unit} of each contestant over the floor's, per scenario]({chart})",
        )
        heading = f"{self.heading} ({unit} of floor, longer is faster; 1.00 = no injection)"
        panels = [(sect.title, share_bars(sect.rows, self.floor, unit)) for sect in sections]
        return {page_name(self.suite): page, chart: bar_chart(panels, heading, subtitle(info), 1.0)}


def added_text(ns: float, floor_rate: float | None) -> str:
    """µs per operation over the floor's (whose rate is ``floor_rate``), signed."""
    if floor_rate is None:
        return "-"
    added = (ns - 1e9 / floor_rate) / 1000
    return "0.0" if abs(added) < 0.05 else f"{added:+,.1f}"


def page_name(suite: str) -> str:
    return f"benchmarks-{suite}.md"
