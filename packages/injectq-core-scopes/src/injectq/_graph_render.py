"""Drawing a `View` as Mermaid flowchart or Graphviz DOT text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from ._graph_view import STYLES

if TYPE_CHECKING:
    from ._graph_view import View, ViewNode

GraphFormat = Literal["mermaid", "dot"]
FORMATS: Final = ("mermaid", "dot")

#: fill and line colour of each node style
COLOURS: Final = {
    "entry": ("#eeeeee", "#424242"),
    "singleton": ("#e3f2fd", "#1565c0"),
    "scoped": ("#e8f5e9", "#2e7d32"),
    "transient": ("#fff8e1", "#f9a825"),
    "context": ("#f3e5f5", "#6a1b9a"),
    "problem": ("#ffebee", "#c62828"),
}
PROBLEM_COLOUR: Final = COLOURS["problem"][1]


def render(view: View, format: str) -> str:
    if format == "mermaid":
        return to_mermaid(view)
    if format == "dot":
        return to_dot(view)
    raise ValueError(f"unknown graph format {format!r}: use 'mermaid' or 'dot'")


def to_mermaid(view: View) -> str:
    lines = ["flowchart LR"]
    for node in view.nodes:
        if node.style == "entry":
            lines.append(f'    {node.id}(["{_mermaid_text(node.name)}"]):::entry')
        else:
            label = f"{_mermaid_text(node.name)}<br/>{_mermaid_text(node.detail)}"
            lines.append(f'    {node.id}["{label}"]:::{node.style}')
    marked: list[str] = []
    for index, edge in enumerate(view.edges):
        if edge.problem:
            lines.append(f'    {edge.source} -.->|"{edge.problem}"| {edge.target}')
            marked.append(str(index))
        else:
            lines.append(f"    {edge.source} --> {edge.target}")
    for style in _used_styles(view.nodes):
        fill, line = COLOURS[style]
        dashes = ",stroke-dasharray:5 5" if style == "problem" else ""
        lines.append(f"    classDef {style} fill:{fill},stroke:{line},color:#000{dashes}")
    if marked:
        colour = PROBLEM_COLOUR
        lines.append(f"    linkStyle {','.join(marked)} stroke:{colour},color:{colour}")
    return "\n".join(lines) + "\n"


def to_dot(view: View) -> str:
    lines = [
        "digraph injectq {",
        "    rankdir=LR;",
        '    node [shape=box, style="rounded,filled", fontname="Helvetica"];',
        '    edge [fontname="Helvetica"];',
    ]
    for node in view.nodes:
        fill, line = COLOURS[node.style]
        label = node.name if node.style == "entry" else f"{node.name}\n{node.detail}"
        attributes = [f"label={_dot_text(label)}", f'fillcolor="{fill}"', f'color="{line}"']
        if node.style == "entry":
            attributes.append("shape=oval")
        elif node.style == "problem":
            attributes.append('style="rounded,filled,dashed"')
        lines.append(f"    {node.id} [{', '.join(attributes)}];")
    for edge in view.edges:
        marks = ""
        if edge.problem:
            colour = _dot_text(PROBLEM_COLOUR)
            marks = (
                f" [label={_dot_text(edge.problem)}, color={colour}, fontcolor={colour}, "
                "style=dashed]"
            )
        lines.append(f"    {edge.source} -> {edge.target}{marks};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _used_styles(nodes: tuple[ViewNode, ...]) -> list[str]:
    used = {node.style for node in nodes}
    return [style for style in STYLES if style in used]


def _mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label: its own markup characters as entity codes."""
    text = " ".join(text.split())
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, code)
    return text


def _dot_text(text: str) -> str:
    """A quoted DOT string; a line break in `text` becomes a centred line break."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
