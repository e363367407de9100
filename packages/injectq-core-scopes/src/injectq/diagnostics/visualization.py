"""`injectq.diagnostics.visualization`: injectq 0.5.0's visualizer API, as a face of this
project's own dependency graph.

`DependencyVisualizer(container)` draws the graph `container.graph()` draws (the same walk:
`container.dependency_nodes()`, every bound key and every key they need, each with its
lifetime), in injectq 0.5.0's formats: DOT with its options, JSON and plain text.
`container.graph()` itself (Mermaid or DOT) also marks cycles, captive dependencies and
missing bindings in red, and can start from entry points.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import InjectQError, MissingBindingError
from ._paths import dependency_path, find_cycles

if TYPE_CHECKING:
    from .._container import InjectQ
    from .._graph_view import KeyNode

__all__ = ["DependencyVisualizer", "VisualizationError"]


class VisualizationError(InjectQError):
    """The graph cannot be drawn as asked (no container, an unknown format)."""


class DependencyVisualizer:
    """Draws a container's dependency graph as DOT, JSON or text; finds cycles and paths."""

    def __init__(self, container: InjectQ | None = None) -> None:
        self.container = container

    def set_container(self, container: InjectQ | None) -> None:
        self.container = container

    # drawing

    def to_dot(
        self,
        include_scopes: bool = True,
        include_types: bool = True,
        cluster_by_scope: bool = False,
    ) -> str:
        """Graphviz DOT text: a box per key, an edge from a service to each dependency.

        `include_scopes` adds each key's lifetime to its label, `include_types` how it is
        made (class, factory, instance), `cluster_by_scope` groups the keys by lifetime.
        """
        nodes = self._nodes()
        ids = {node.key: f"n{index}" for index, node in enumerate(nodes)}
        lines = ["digraph Dependencies {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
        groups: dict[str, list[KeyNode]] = {}
        for node in nodes:
            groups.setdefault(_scope(node) if cluster_by_scope else "", []).append(node)
        for index, (scope, members) in enumerate(groups.items()):
            indent = "    " if cluster_by_scope else "  "
            if cluster_by_scope:
                lines += [f"  subgraph cluster_{index} {{", f"    label={_quoted(scope)};"]
            for node in members:
                parts = [node.name]
                if include_types:
                    parts.append(f"({self._made_by(node)})")
                if include_scopes:
                    parts.append(f"[{_scope(node)}]")
                label = _quoted("\n".join(parts))
                lines.append(f"{indent}{ids[node.key]} [label={label}];")
            if cluster_by_scope:
                lines.append("  }")
        for node in nodes:
            lines.extend(f"  {ids[node.key]} -> {ids[key]};" for key in node.dependencies)
        lines.append("}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        """`nodes` (id, label, type, scope, dependencies), `edges` (from, to) and `metadata`."""
        nodes = self._nodes()
        names = _names(nodes)
        drawn: list[dict[str, Any]] = [
            {
                "id": node.name,
                "label": node.name,
                "type": self._made_by(node),
                "scope": _scope(node),
                "dependencies": [names[key] for key in node.dependencies],
            }
            for node in nodes
        ]
        edges = [
            {"from": node.name, "to": names[key], "type": "dependency"}
            for node in nodes
            for key in node.dependencies
        ]
        metadata = {
            "total_services": len(drawn),
            "total_dependencies": len(edges),
            "service_types": sorted({entry["type"] for entry in drawn}),
            "scopes": sorted({entry["scope"] for entry in drawn}),
        }
        return {"nodes": drawn, "edges": edges, "metadata": metadata}

    def to_ascii(self, max_width: int = 80) -> str:
        """Plain text: each key with how it is made, its lifetime and its dependencies."""
        del max_width  # injectq 0.5.0 accepted it and did not use it either
        nodes = self._nodes()
        names = _names(nodes)
        lines = ["=== Dependency Graph ===", ""]
        for node in sorted(nodes, key=lambda node: node.name):
            header = f"{node.name} ({self._made_by(node)}, {_scope(node)})"
            lines += [header, "-" * len(header)]
            if node.dependencies:
                lines.append("Dependencies:")
                lines.extend(f"  └─ {names[key]}" for key in node.dependencies)
            else:
                lines.append("No dependencies")
            lines.append("")
        return "\n".join(lines)

    def save_graph(self, filename: str, format: str = "dot", **options: Any) -> None:
        """Write the graph to `filename` as "dot", "json", "ascii" or "mermaid" (the last is
        `container.graph()`); `options` go to the `to_...` method."""
        if format == "dot":
            content = self.to_dot(**options)
        elif format == "json":
            content = json.dumps(self.to_json(), indent=2)
        elif format == "ascii":
            content = self.to_ascii(**options)
        elif format == "mermaid":
            content = self._container().graph(**options)
        else:
            raise VisualizationError(
                f"unknown graph format {format!r}",
                fix='use "dot", "json", "ascii" or "mermaid"',
            )
        Path(filename).write_text(content, encoding="utf-8")

    # analysis

    def get_statistics(self) -> dict[str, Any]:
        """Counts: keys, dependencies, keys by how they are made and by lifetime, and the keys
        with the most dependencies and the most dependents. {} without a container."""
        if self.container is None:
            return {}
        nodes = self._nodes()
        needs = [len(node.dependencies) for node in nodes]
        dependents = Counter(key for node in nodes for key in node.dependencies)
        most_needs = sorted(nodes, key=lambda node: len(node.dependencies), reverse=True)
        return {
            "total_services": len(nodes),
            "total_dependencies": sum(needs),
            "average_dependencies": sum(needs) / len(nodes) if nodes else 0,
            "max_dependencies": max(needs, default=0),
            "services_by_type": dict(Counter(self._made_by(node) for node in nodes)),
            "services_by_scope": dict(Counter(_scope(node) for node in nodes)),
            "most_dependencies": [(n.key, len(n.dependencies)) for n in most_needs[:5]],
            "most_depended_upon": dependents.most_common(5),
        }

    def find_cycles(self) -> list[list[Any]]:
        """The cycles of the graph, each as a closed path of keys (`[A, B, A]`)."""
        return find_cycles(self._graph())

    def get_dependency_path(self, from_service: Any, to_service: Any) -> list[Any] | None:
        """The shortest chain of keys from `from_service` to a dependency `to_service`, or
        None when it does not need it."""
        return dependency_path(self._graph(), from_service, to_service)

    # reading the container

    def _container(self) -> InjectQ:
        if self.container is None:
            raise VisualizationError(
                "No container set for visualization",
                fix="DependencyVisualizer(container), or set_container(container)",
            )
        return self.container

    def _nodes(self) -> list[KeyNode]:
        return self._container().dependency_nodes()

    def _graph(self) -> dict[Any, list[Any]]:
        return {} if self.container is None else self.container.get_dependency_graph()

    def _made_by(self, node: KeyNode) -> str:
        """How the key is made: "class", "factory", "instance", "autowired", "context value",
        or what is wrong with it."""
        if node.style == "problem":
            return node.detail
        if node.style == "context":
            return "context value"
        if node.detail == "instance":
            return "instance"
        container = self._container()
        if not container.is_bound(node.key):
            return "autowired"
        try:
            target = container.get_factory(node.key)
        except MissingBindingError:  # unbound since the graph was read
            return "unbound"
        return "class" if isinstance(target, type) else "factory"


def _scope(node: KeyNode) -> str:
    """How long the key's value lives: "singleton", "scoped", "scoped (request)", ..."""
    if node.style == "problem":
        return "unknown"
    if node.detail == "instance":
        return "singleton"
    return node.detail


def _names(nodes: list[KeyNode]) -> dict[Any, str]:
    return {node.key: node.name for node in nodes}


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
