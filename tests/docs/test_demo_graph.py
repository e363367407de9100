"""docs/demo.md shows the shop demo's dependency graph as the demo's modules draw it now.

The page's ```mermaid block must equal `container.graph(entry_points=..., format="mermaid")`
for the container of examples/shop/tasks.py and the demo's entry points (its FastAPI routes,
taskiq tasks and FastMCP tools, in that order, as `python -m injectq graph ... --entry` takes
them). A change to the demo's wiring fails here until the page (and its picture) is redrawn.
"""

from __future__ import annotations

import difflib
import html
import re
from pathlib import Path

from tests.docs.test_docs_examples import fenced_blocks

ROOT = Path(__file__).resolve().parents[2]
PAGE = Path("docs/demo.md")

GRAPH_COMMAND = (
    "python -m injectq graph examples.shop.tasks:container --entry examples.shop.api:app "
    "--entry examples.shop.tasks:broker --entry examples.shop.mcp_server:mcp"
)
REGENERATE = f"""\
The dependency graph on {PAGE} is out of date with examples/shop/. Regenerate both, from the
repository root:

    uv run {GRAPH_COMMAND}
    uv run {GRAPH_COMMAND} --output docs/images/shop-graph.svg

and paste the first command's output into the ```mermaid block of {PAGE}."""


def demo_graph() -> str:
    """The Mermaid text the demo's container draws for the demo's entry points, now."""
    from examples.shop.api import app
    from examples.shop.mcp_server import mcp
    from examples.shop.tasks import broker, container
    from injectq.integrations.fastapi import route_entry_points
    from injectq.integrations.fastmcp import mcp_entry_points
    from injectq.integrations.taskiq import task_entry_points

    entry_points = [*route_entry_points(app), *task_entry_points(broker), *mcp_entry_points(mcp)]
    return container.graph(entry_points=entry_points, format="mermaid")


def test_the_demo_page_draws_the_demos_graph_as_it_is_now() -> None:
    blocks = [
        block
        for block in fenced_blocks((ROOT / PAGE).read_text(), str(PAGE))
        if block.language == "mermaid"
    ]
    assert len(blocks) == 1, f"{PAGE} should have exactly one ```mermaid block, has {len(blocks)}"
    (block,) = blocks
    expected = demo_graph().rstrip("\n")
    shown = block.code.rstrip("\n")
    if shown != expected:
        diff = difflib.unified_diff(
            shown.splitlines(),
            expected.splitlines(),
            f"{PAGE}:{block.first_line} (the page)",
            "container.graph(...) (the demo now)",
            lineterm="",
        )
        raise AssertionError(f"{REGENERATE}\n\n" + "\n".join(diff))


def test_the_demo_pages_picture_draws_the_same_graph() -> None:
    """The SVG (not redrawn here: that needs Graphviz) has the same nodes, labels and edges."""
    assert "](images/shop-graph.svg)" in (ROOT / PAGE).read_text(), (
        f"{PAGE} should embed the picture: ![...](images/shop-graph.svg)"
    )
    picture = html.unescape((ROOT / "docs/images/shop-graph.svg").read_text())
    graph = demo_graph()
    # Graphviz titles each node with its id and each edge with "from->to"
    titles = set(re.findall(r"<title>([^<]*)</title>", picture)) - {"injectq"}
    nodes = set(re.findall(r"^    ([en]\d+)[\[(]", graph, re.MULTILINE))
    edges = {
        f"{a}->{b}"
        for a, b in re.findall(r"^    (\w+) -\S*> ?(?:\|[^|]*\| )?(\w+)$", graph, re.MULTILINE)
    }
    texts = set(re.findall(r"<text[^>]*>([^<]*)</text>", picture))
    labels = {
        line
        for label in re.findall(r'^    \w+\(?\["([^"]*)"\]', graph, re.MULTILINE)
        for line in label.split("<br/>")
    }
    missing_labels = sorted(labels - texts)
    assert titles == nodes | edges, (
        f"{REGENERATE}\n\nnodes and edges only in the picture: {sorted(titles - nodes - edges)}; "
        f"only in the graph: {sorted((nodes | edges) - titles)}"
    )
    assert not missing_labels, f"{REGENERATE}\n\nlabels missing from the picture: {missing_labels}"
