"""`python -m injectq`: command-line tools (for now one, `graph`).

Exit status: 0 done; 2 a bad argument (a `module:attribute` that does not name what it
must, an unknown entry point name, an unsupported output file); 1 the user's code failed
while loading, or Graphviz could not draw the picture.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ._cli_targets import LoadError, UsageError, load_container, load_entry_points
from ._errors import InjectQError
from ._graph_render import FORMATS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._graph_render import GraphFormat
    from ._validation import EntryPoint

_TEXT_SUFFIXES: dict[str, GraphFormat] = {
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".dot": "dot",
    ".gv": "dot",
}
_IMAGE_SUFFIXES = {".svg": "svg", ".png": "png"}


_EXAMPLES = """examples:
  python -m injectq graph myapp.container:container
  python -m injectq graph myapp.container:build_container --format dot
  python -m injectq graph myapp.container:container --entry myapp.api:app --output api.svg
  python -m injectq graph myapp.container:container --entry myapp.worker:broker \\
      --only 'task send_email'
"""


class RenderError(Exception):
    """Graphviz is missing or failed: printed, status 1."""


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        return _graph(arguments)
    except (UsageError, InjectQError) as error:
        print(f"python -m injectq: error: {error}", file=sys.stderr)
        return 2
    except (LoadError, RenderError) as error:
        print(f"python -m injectq: error: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m injectq", description="InjectQ's command-line tools."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    graph = commands.add_parser(
        "graph",
        help="print a container's dependency graph (Mermaid or Graphviz DOT)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_EXAMPLES,
        description="Print the dependency graph of a container, from analysis alone (nothing\n"
        "is built or resolved). Each key shows its lifetime; unbound keys, cycles, captive\n"
        "dependencies and context values an entry point's runtime lacks are drawn in red.",
    )
    graph.add_argument(
        "container",
        metavar="MODULE:CONTAINER",
        help="an InjectQ instance, or a function with no parameters returning one",
    )
    graph.add_argument(
        "--entry",
        action="append",
        default=[],
        metavar="MODULE:ATTR",
        help="draw only what these entry points reach: an EntryPoint, an @inject function, a "
        "FastAPI app, a taskiq broker or task, a FastMCP server, a list of these, or a "
        "function with no parameters returning one (repeatable)",
    )
    graph.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="keep only the entry point with this name, e.g. 'GET /orders/{id}', "
        "'task send_email', 'tool search' (repeatable)",
    )
    graph.add_argument(
        "--format",
        choices=FORMATS,
        default="mermaid",
        help="the text printed: Mermaid flowchart (default) or Graphviz DOT",
    )
    graph.add_argument(
        "--output",
        metavar="FILE",
        type=Path,
        help="write FILE instead of printing: .svg or .png (drawn by Graphviz's dot), "
        ".dot/.gv (DOT text) or .mmd (Mermaid text)",
    )
    return parser


def _graph(arguments: argparse.Namespace) -> int:
    container = load_container(arguments.container)
    entries = _chosen(arguments.entry, arguments.only)
    output: Path | None = arguments.output
    if output is None:
        sys.stdout.write(container.graph(entry_points=entries, format=arguments.format))
        return 0
    suffix = output.suffix.lower()
    if suffix in _TEXT_SUFFIXES:
        text = container.graph(entry_points=entries, format=_TEXT_SUFFIXES[suffix])
        output.write_text(text, encoding="utf-8")
    elif suffix in _IMAGE_SUFFIXES:
        _draw(container.graph(entry_points=entries, format="dot"), output, _IMAGE_SUFFIXES[suffix])
    else:
        known = ", ".join([*_IMAGE_SUFFIXES, *_TEXT_SUFFIXES])
        raise UsageError(f"--output {output}: the file name must end in one of {known}")
    print(f"wrote {output}", file=sys.stderr)
    return 0


def _chosen(targets: list[str], names: list[str]) -> list[EntryPoint]:
    entries: list[EntryPoint] = []
    for target in targets:
        found = load_entry_points(target)
        if not found:
            raise UsageError(f"--entry {target} has no entry points")
        entries.extend(found)
    if not names:
        return entries
    if not targets:
        raise UsageError("--only picks among the entry points of --entry: give --entry too")
    known = [entry.name for entry in entries]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UsageError(
            f"no entry point named {', '.join(map(repr, unknown))}; the entry points are: "
            + ", ".join(map(repr, known))
        )
    return [entry for entry in entries if entry.name in names]


def _draw(source: str, output: Path, image_format: str) -> None:
    dot = shutil.which("dot")
    if dot is None:
        raise RenderError(
            f"writing {output} needs Graphviz's `dot` executable, which is not on PATH: "
            "install Graphviz (e.g. apt-get install graphviz), or write the DOT text with "
            "--output graph.dot"
        )
    completed = subprocess.run(
        [dot, f"-T{image_format}", "-o", str(output)],
        input=source,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RenderError(
            f"dot failed (exit status {completed.returncode}): {completed.stderr.strip()}"
        )
