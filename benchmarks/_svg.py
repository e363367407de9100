"""A horizontal bar chart per scenario, written as SVG text (no plotting library).

One panel per scenario, each scaled to its own longest bar (or reference line); a contestant
that was not timed (n/a, FAILED) is written as text in place of a bar. The suite decides what
a bar measures: ns/op for the core suite, the share of the floor's rate for throughput suites
(with a reference line at 1.00). InjectQ's label is set in bold.
"""

from dataclasses import dataclass
from html import escape

from _suite import RunInfo
from _tables import HIGHLIGHT, Row

WIDTH = 860
LABEL_WIDTH = 170
BAR_AREA = 470
BAR_HEIGHT = 16
BAR_GAP = 5
PANEL_TITLE = 28
PANEL_GAP = 18
MARGIN = 16

_COLORS = {
    "manual": "#8c8c8c",
    "no injection": "#8c8c8c",
    "injectq": "#d9480f",
    "dishka": "#1c7ed6",
    "wireup": "#2f9e44",
    "that-depends": "#7048e8",
    "rodi": "#c2255c",
    "dependency-injector": "#0c8599",
    "taskiq-depends": "#7048e8",
    "fastapi-depends": "#7048e8",
    "fastmcp-depends": "#7048e8",
}
_DEFAULT_COLOR = "#495057"


@dataclass(frozen=True, slots=True)
class Bar:
    contestant: str
    value: float | None
    """The bar's length in the panel's unit; None when the contestant was not timed."""
    text: str
    """Written beside the bar, or in its place when there is none."""


def bar(row: Row, value: float | None, text: str) -> Bar:
    """The bar of a result row; a row that was not timed gets its n/a or FAILED reason."""
    if row.ns_per_op is None:
        reason = row.notes if len(row.notes) <= 90 else row.notes[:87] + "..."
        return Bar(row.contestant, None, f"{row.cells[1]}: {reason}")
    return Bar(row.contestant, value, text)


def share_bars(rows: list[Row], floor_name: str, unit: str) -> list[Bar]:
    """Each row's rate as a share of the floor row's (the floor's ns over its own), with the
    rate (the row's first number, in ``unit``) beside it."""
    floor = next((r.ns_per_op for r in rows if r.contestant == floor_name), None)
    bars: list[Bar] = []
    for row in rows:
        share = floor / row.ns_per_op if floor and row.ns_per_op else None
        text = f"{share:.2f} of floor ({row.cells[1]} {unit})" if share else "floor not timed"
        bars.append(bar(row, share, text))
    return bars


def _panel(title: str, bars: list[Bar], top: int, reference: float | None) -> tuple[list[str], int]:
    parts = [f'<text x="{MARGIN}" y="{top + 18}" class="title">{escape(title)}</text>']
    y = top + PANEL_TITLE
    values = [b.value for b in bars if b.value is not None]
    largest = max([*values, *([reference] if reference is not None else [])], default=1.0)
    x0 = MARGIN + LABEL_WIDTH
    for item in bars:
        text_y = y + BAR_HEIGHT - 4
        label = "label strong" if item.contestant == HIGHLIGHT else "label"
        parts.append(
            f'<text x="{x0 - 8}" y="{text_y}" class="{label}" '
            f'text-anchor="end">{escape(item.contestant)}</text>'
        )
        if item.value is None:
            parts.append(
                f'<text x="{x0 + 4}" y="{text_y}" class="missing">{escape(item.text)}</text>'
            )
        else:
            width = max(1.0, BAR_AREA * item.value / largest)
            color = _COLORS.get(item.contestant, _DEFAULT_COLOR)
            parts.append(
                f'<rect x="{x0}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{color}"><title>{escape(item.contestant)}: '
                f"{escape(item.text)}</title></rect>"
            )
            parts.append(
                f'<text x="{x0 + width + 6:.1f}" y="{text_y}" class="value">'
                f"{escape(item.text)}</text>"
            )
        y += BAR_HEIGHT + BAR_GAP
    if reference is not None:
        x = x0 + BAR_AREA * reference / largest
        parts.append(
            f'<line x1="{x:.1f}" y1="{top + PANEL_TITLE - 3}" x2="{x:.1f}" y2="{y - 2}" '
            'class="reference"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{top + 18}" class="value" text-anchor="middle">'
            f"{reference:.2f}</text>"
        )
    return parts, y + PANEL_GAP


def bar_chart(
    panels: list[tuple[str, list[Bar]]],
    heading: str,
    subtitle: str,
    reference: float | None = None,
) -> str:
    """The whole chart; ``reference`` draws a dashed line at that value in every panel."""
    body: list[str] = [
        f'<text x="{MARGIN}" y="{MARGIN + 8}" class="heading">{escape(heading)}</text>',
        f'<text x="{MARGIN}" y="{MARGIN + 26}" class="label">{escape(subtitle)}</text>',
    ]
    top = MARGIN + 40
    for title, bars in panels:
        parts, top = _panel(title, bars, top, reference)
        body += parts
    height = top + MARGIN - PANEL_GAP
    style = (
        "text{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;fill:#212529}"
        ".heading{font-size:16px;font-weight:600}.title{font-size:14px;font-weight:600}"
        ".label{font-size:12px}.strong{font-weight:700}.value{font-size:11px;fill:#495057}"
        ".missing{font-size:11px;fill:#868e96;font-style:italic}"
        ".reference{stroke:#212529;stroke-width:1;stroke-dasharray:4 3}"
    )
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img">',
            f"<style>{style}</style>",
            f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
            *body,
            "</svg>",
            "",
        ]
    )


def subtitle(info: RunInfo) -> str:
    return f"Python {info.python}, {info.platform}, {info.date}; median of {info.repeats}"
