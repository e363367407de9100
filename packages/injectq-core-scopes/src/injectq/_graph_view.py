"""`container.graph()`: the dependency graph as data to draw, from analysis alone.

Unlike `Graph`, which rejects a broken graph at its first problem, this walk never raises on
one: an unbound key or unreadable type hints become marked nodes, and the edges a problem
lies on are marked (`_graph_problems`), so one drawing shows every problem. Nothing is built
and nothing is resolved.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._errors import InjectQError, MissingBindingError
from ._graph import by_name, is_injected
from ._graph_problems import Problems
from ._keys import check_key, key_name
from ._lifetimes import SCOPED, SINGLETON, TRANSIENT
from ._providers import Kind, Provider, dependencies_of
from ._validation import as_entry_point

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

#: how a node is drawn: its lifetime's colour, an entry point's, or a problem's
STYLES = ("entry", "singleton", "scoped", "transient", "context", "problem")


@dataclass(frozen=True, slots=True)
class ViewNode:
    id: str
    name: str
    #: the second line: "singleton", "scoped (request)", "context value", "unbound", ...
    detail: str
    style: str


@dataclass(frozen=True, slots=True)
class ViewEdge:
    source: str
    target: str
    #: "" for a plain dependency, else what is wrong with it ("captive", "cycle", ...)
    problem: str = ""


@dataclass(frozen=True, slots=True)
class View:
    nodes: tuple[ViewNode, ...]
    edges: tuple[ViewEdge, ...]


def build_view(
    provider_for: Callable[[Any], Provider],
    can_provide: Callable[[Any], bool],
    can_autowire: Callable[[Any], bool],
    bound: Iterable[Any],
    entry_points: Iterable[object],
    propagated: frozenset[Any],
) -> View:
    """Every key reachable from the entry points (from every bound key when there are none)."""
    entries = [as_entry_point(candidate) for candidate in entry_points]
    walk = _Walk(provider_for, can_provide, can_autowire)
    roots = [key for entry in entries for key in entry.keys] if entries else list(bound)
    walk.visit(roots)
    nodes = [
        ViewNode(f"e{i}", entry.name, "entry point", "entry") for i, entry in enumerate(entries)
    ]
    nodes.extend(walk.nodes)
    edges: list[ViewEdge] = []
    problems = Problems(walk.providers, walk.dependencies)
    arriving = {walk.ids[key] for key in propagated if key in walk.ids}
    for i, entry in enumerate(entries):
        # a context value the runtime does not supply gets a marked edge from the entry point
        needed = [walk.ids[key] for key in entry.keys]
        unsupplied = problems.unsupplied(entry, needed, arriving)
        edges.extend(
            ViewEdge(f"e{i}", target, "not supplied" if target in unsupplied else "")
            for target in dict.fromkeys([*needed, *unsupplied])
        )
    edges.extend(
        ViewEdge(source, target, problems.of_edge(source, target))
        for source, targets in walk.dependencies.items()
        for target in targets
    )
    return View(tuple(nodes), tuple(edges))


@dataclass(frozen=True, slots=True)
class KeyNode:
    """A key as `graph()` draws it (`detail`, `style`), with the keys injected into it."""

    key: Any
    name: str
    detail: str
    style: str
    dependencies: tuple[Any, ...]


def key_nodes(
    provider_for: Callable[[Any], Provider],
    can_provide: Callable[[Any], bool],
    can_autowire: Callable[[Any], bool],
    bound: Iterable[Any],
) -> list[KeyNode]:
    """Each key reachable from the bound keys, breadth-first as `build_view` numbers them (what
    `InjectQ.dependency_nodes()` returns; never raises on a broken graph)."""
    walk = _Walk(provider_for, can_provide, can_autowire)
    walk.visit(bound)
    keys = {node_id: key for key, node_id in walk.ids.items()}
    return [
        KeyNode(
            keys[node.id],
            node.name,
            node.detail,
            node.style,
            tuple(keys[target] for target in walk.dependencies[node.id]),
        )
        for node in walk.nodes
    ]


class _Walk:
    """The nodes reachable from some keys, numbered in breadth-first order."""

    def __init__(
        self,
        provider_for: Callable[[Any], Provider],
        can_provide: Callable[[Any], bool],
        can_autowire: Callable[[Any], bool],
    ) -> None:
        self._provider_for = provider_for
        self._can_provide = can_provide
        self._can_autowire = can_autowire
        self.ids: dict[Any, str] = {}
        self.nodes: list[ViewNode] = []
        #: node id -> its provider, None when the key is unbound or its hints are unreadable
        self.providers: dict[str, Provider | None] = {}
        self.dependencies: dict[str, list[str]] = {}

    def visit(self, roots: Iterable[Any]) -> None:
        queue = deque(key for key in roots if self._number(key))
        while queue:
            key = queue.popleft()
            node_id = self.ids[key]
            keys = self._examine(key, node_id)
            queue.extend(k for k in keys if self._number(k))
            self.dependencies[node_id] = list(dict.fromkeys(self.ids[k] for k in keys))

    def _number(self, key: Any) -> bool:
        """Give `key` a node id; False when it already has one."""
        check_key(key, action="draw")
        if key in self.ids:
            return False
        self.ids[key] = f"n{len(self.ids)}"
        return True

    def _examine(self, key: Any, node_id: str) -> list[Any]:
        """Add the node of `key`; return the keys injected into it."""
        name = key_name(key)
        try:
            provider = self._provider_for(key)
        except MissingBindingError:
            self._add(node_id, name, "unbound", "problem", None)
            return []
        if provider.kind in (Kind.INSTANCE, Kind.CONTEXT_VALUE):
            self._add(node_id, name, *_lifetime(provider), provider)
            return []
        owner = getattr(provider.target, "__qualname__", name)
        try:
            found = dependencies_of(provider.target, owner)
        except InjectQError as error:
            self._add(node_id, name, error.problem, "problem", None)
            return []
        self._add(node_id, name, *_lifetime(provider), provider)
        keys: list[Any] = []
        for dependency in found:
            named = by_name(dependency, self._can_provide)
            if named is not None:
                keys.append(named)
            elif is_injected(dependency, self._can_provide, self._can_autowire):
                keys.append(dependency.key)
        return keys

    def _add(
        self, node_id: str, name: str, detail: str, style: str, provider: Provider | None
    ) -> None:
        self.nodes.append(ViewNode(node_id, name, detail, style))
        self.providers[node_id] = provider


def _lifetime(provider: Provider) -> tuple[str, str]:
    """The words and the style that show how long `provider`'s value lives."""
    if provider.kind is Kind.INSTANCE:
        return "instance", "singleton"
    if provider.kind is Kind.CONTEXT_VALUE:
        return "context value", "context"
    if provider.lifetime in (SINGLETON, SCOPED, TRANSIENT):
        return provider.lifetime, provider.lifetime
    return f"scoped ({provider.lifetime})", "scoped"
