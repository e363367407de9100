"""Result rows and their rendering as aligned text and as Markdown, for every suite.

A table's first column is the contestant, its last the notes, and every column between holds
a number (right-aligned). A contestant that was not timed shows *n/a* or *FAILED* in the first
number column, ``-`` in the others, and the reason in the notes.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from _suite import Contestant, Failed, Results, Timed, Unavailable

HIGHLIGHT = "injectq"
"""The contestant set in bold in Markdown tables."""


@dataclass(frozen=True, slots=True)
class Row:
    contestant: str
    ns_per_op: float | None
    """None when the contestant was not timed."""
    cells: tuple[str, ...]

    @property
    def notes(self) -> str:
        return self.cells[-1]


def timed_ns(results: Results, scenario_key: str, name: str) -> float | None:
    outcome = results.get((scenario_key, name))
    return outcome.ns_per_op if isinstance(outcome, Timed) else None


def format_ns(ns: float) -> str:
    return f"{ns:,.1f}" if ns < 100 else f"{ns:,.0f}"


def ratio(value: float, base: float | None, suffix: str = "") -> str:
    return "-" if base is None else f"{value / base:.2f}{suffix}"


def outcome_rows(
    scenario_key: str,
    contestants: tuple[Contestant, ...],
    results: Results,
    numbers: Callable[[float], Sequence[str]],
    columns: int,
) -> list[Row]:
    """One row per contestant; ``numbers(ns_per_op)`` gives a timed row's number cells."""
    rows: list[Row] = []
    for contestant in contestants:
        name = contestant.name
        outcome = results.get((scenario_key, name))
        if isinstance(outcome, Timed):
            cells = (name, *numbers(outcome.ns_per_op), outcome.note)
            rows.append(Row(name, outcome.ns_per_op, cells))
        elif isinstance(outcome, Unavailable | Failed):
            shown = "n/a" if isinstance(outcome, Unavailable) else "FAILED"
            blanks = ("-",) * (columns - 1)
            rows.append(Row(name, None, (name, shown, *blanks, outcome.reason)))
    return rows


def text_table(headers: tuple[str, ...], rows: list[Row]) -> str:
    """An aligned plain-text table, indented by two spaces; numbers right-aligned."""
    table = [headers, *(row.cells for row in rows)]
    last = len(headers) - 1
    widths = [max(len(line[i]) for line in table) for i in range(last)]
    lines: list[str] = []
    for index, line in enumerate(table):
        first = line[0].ljust(widths[0])
        numbers = "  ".join(cell.rjust(widths[i]) for i, cell in enumerate(line[1:last], 1))
        lines.append(f"  {first}  {numbers}  {line[last]}".rstrip())
        if index == 0:
            lines.append("  " + "-" * (sum(widths) + 2 * len(widths) + len(headers[last])))
    return "\n".join(lines)


def markdown_table(headers: tuple[str, ...], rows: list[Row]) -> str:
    numbers = len(headers) - 2
    lines = [
        "| " + " | ".join(headers) + " |",
        "|---|" + "---:|" * numbers + "---|",
    ]
    for row in rows:
        name, *cells, notes = row.cells
        shown = f"**{name}**" if name == HIGHLIGHT else name
        lines.append("| " + " | ".join((shown, *cells, notes.replace("|", "\\|"))) + " |")
    return "\n".join(lines)
