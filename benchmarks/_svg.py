"""A horizontal bar chart of ns/op per scenario, written as SVG text (no plotting library).

One panel per scenario, each scaled to its own slowest contestant; n/a and FAILED rows are
written as text in place of a bar.
"""

from html import escape

from _tables import Row, format_ns

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
    "injectq": "#d9480f",
    "dishka": "#1c7ed6",
    "wireup": "#2f9e44",
    "that-depends": "#7048e8",
    "rodi": "#c2255c",
    "dependency-injector": "#0c8599",
}
_DEFAULT_COLOR = "#495057"


def _panel(title: str, rows: list[Row], top: int) -> tuple[list[str], int]:
    parts = [
        f'<text x="{MARGIN}" y="{top + 18}" class="title">{escape(title)}</text>',
    ]
    y = top + PANEL_TITLE
    largest = max((row.ns_per_op for row in rows if row.ns_per_op is not None), default=1.0)
    for row in rows:
        text_y = y + BAR_HEIGHT - 4
        parts.append(
            f'<text x="{MARGIN + LABEL_WIDTH - 8}" y="{text_y}" class="label" '
            f'text-anchor="end">{escape(row.contestant)}</text>'
        )
        x0 = MARGIN + LABEL_WIDTH
        if row.ns_per_op is None:
            reason = row.notes if len(row.notes) <= 90 else row.notes[:87] + "..."
            parts.append(
                f'<text x="{x0 + 4}" y="{text_y}" class="missing">'
                f"{escape(row.cells[1])}: {escape(reason)}</text>"  # n/a or FAILED
            )
        else:
            width = max(1.0, BAR_AREA * row.ns_per_op / largest)
            color = _COLORS.get(row.contestant, _DEFAULT_COLOR)
            parts.append(
                f'<rect x="{x0}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{color}"><title>{escape(row.contestant)}: '
                f"{format_ns(row.ns_per_op)} ns/op</title></rect>"
            )
            parts.append(
                f'<text x="{x0 + width + 6:.1f}" y="{text_y}" class="value">'
                f"{format_ns(row.ns_per_op)} ns ({escape(row.cells[2])} manual)</text>"  # vs manual
            )
        y += BAR_HEIGHT + BAR_GAP
    return parts, y + PANEL_GAP


def bar_chart(panels: list[tuple[str, list[Row]]], subtitle: str) -> str:
    body: list[str] = [
        f'<text x="{MARGIN}" y="{MARGIN + 8}" class="heading">'
        "InjectQ core resolution benchmarks (ns per operation, shorter is faster)</text>",
        f'<text x="{MARGIN}" y="{MARGIN + 26}" class="label">{escape(subtitle)}</text>',
    ]
    top = MARGIN + 40
    for title, rows in panels:
        parts, top = _panel(title, rows, top)
        body += parts
    height = top + MARGIN - PANEL_GAP
    style = (
        "text{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;fill:#212529}"
        ".heading{font-size:16px;font-weight:600}.title{font-size:14px;font-weight:600}"
        ".label{font-size:12px}.value{font-size:11px;fill:#495057}"
        ".missing{font-size:11px;fill:#868e96;font-style:italic}"
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
