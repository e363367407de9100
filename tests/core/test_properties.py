"""Property-based tests: random dependency graphs with random lifetimes.

Classes are built at run time with ``type()``; each one's ``__init__`` is a real function
whose signature names its dependencies, so the container autowires it exactly as it would
a hand-written class. Some nodes are bound as classes, others through a (async) generator
factory whose finalizer records that it ran.
"""

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from injectq import CaptiveDependencyError, InjectQ

LIFETIMES = ("singleton", "scoped", "transient")
# Lower rank lives longer. A node may only depend on nodes that live at least as long, so
# the graphs of the identity/finalization properties never contain a captive dependency.
RANK = {"singleton": 0, "scoped": 1, "transient": 2}

PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Node:
    index: int
    lifetime: str
    deps: tuple[int, ...]
    generator: bool


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    roots: tuple[int, ...]
    scopes: int


@st.composite
def safe_graphs(draw: st.DrawFn) -> Graph:
    size = draw(st.integers(min_value=1, max_value=7))
    nodes: list[Node] = []
    for index in range(size):
        lifetime = draw(st.sampled_from(LIFETIMES))
        allowed = [n.index for n in nodes if RANK[n.lifetime] <= RANK[lifetime]]
        deps: list[int] = []
        if allowed:
            # duplicates allowed on purpose: two parameters of the same type
            deps = draw(st.lists(st.sampled_from(allowed), max_size=3))
        nodes.append(Node(index, lifetime, tuple(deps), draw(st.booleans())))
    roots = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=5))
    scopes = draw(st.integers(min_value=1, max_value=3))
    return Graph(tuple(nodes), tuple(roots), scopes)


@st.composite
def any_graphs(draw: st.DrawFn) -> Graph:
    """Singleton / scoped nodes with arbitrary edges: captive dependencies may occur."""
    size = draw(st.integers(min_value=1, max_value=6))
    nodes: list[Node] = []
    for index in range(size):
        lifetime = draw(st.sampled_from(("singleton", "scoped")))
        deps: tuple[int, ...] = ()
        if index:
            deps = tuple(draw(st.lists(st.integers(0, index - 1), max_size=3)))
        nodes.append(Node(index, lifetime, deps, False))
    roots = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=4))
    return Graph(tuple(nodes), tuple(roots), 1)


@dataclass
class World:
    """What one generated graph built: its classes, the log and the current scope number."""

    classes: list[type] = field(default_factory=list)
    events: list[tuple[str, Any]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=lambda: {"scope": None})


def build_world(graph: Graph, container: InjectQ, *, use_async: bool) -> World:
    world = World()
    for node in graph.nodes:
        namespace: dict[str, Any] = {"STATE": world.state, "INDEX": node.index}
        params = [f"d{position}" for position in range(len(node.deps))]
        for position, dep in enumerate(node.deps):
            namespace[f"D{position}"] = world.classes[dep]
        signature = ", ".join(f"d{position}: D{position}" for position in range(len(params)))
        init_source = (
            f"def __init__(self{', ' if params else ''}{signature}):\n"
            f"    self.deps = [{', '.join(params)}]\n"
            "    self.index = INDEX\n"
            "    self.scope = STATE['scope']\n"
        )
        exec(init_source, namespace)
        cls = type(f"Node{node.index}", (), {"__init__": namespace["__init__"]})
        world.classes.append(cls)

        if not node.generator:
            container.bind(cls, cls, scope=node.lifetime)
            continue

        namespace.update({"CLS": cls, "EVENTS": world.events})
        keyword = "async def" if use_async else "def"
        factory_source = (
            f"{keyword} factory({signature}):\n"
            f"    obj = CLS({', '.join(params)})\n"
            "    EVENTS.append(('create', obj))\n"
            "    yield obj\n"
            "    EVENTS.append(('final', obj))\n"
        )
        exec(factory_source, namespace)
        container.bind_factory(cls, namespace["factory"], scope=node.lifetime)
    return world


def check_identity_rules(graph: Graph, world: World, resolved: list[list[Any]]) -> None:
    """``resolved[k]`` holds the root objects resolved in scope ``k``."""
    lifetime = {node.index: node.lifetime for node in graph.nodes}
    references: dict[int, list[tuple[int, Any]]] = {node.index: [] for node in graph.nodes}
    seen: dict[int, Any] = {}

    def visit(obj: Any, scope: int) -> None:
        if id(obj) in seen:
            return
        seen[id(obj)] = obj
        for dep in obj.deps:
            references[dep.index].append((scope, dep))
            visit(dep, scope)

    for scope, roots in enumerate(resolved):
        for root_index, obj in zip(graph.roots, roots, strict=True):
            assert isinstance(obj, world.classes[root_index])
            references[root_index].append((scope, obj))
            visit(obj, scope)

    for node in graph.nodes:
        for position, dep_index in enumerate(node.deps):
            for obj in seen.values():
                if obj.index == node.index:
                    assert isinstance(obj.deps[position], world.classes[dep_index])
        refs = references[node.index]
        ids = [id(obj) for _, obj in refs]
        if not refs:
            continue
        if lifetime[node.index] == "singleton":
            assert len(set(ids)) == 1, f"singleton Node{node.index} built more than once"
        elif lifetime[node.index] == "transient":
            assert len(set(ids)) == len(ids), f"transient Node{node.index} was shared"
        else:
            per_scope: dict[int, set[int]] = {}
            for scope, obj in refs:
                per_scope.setdefault(scope, set()).add(id(obj))
                assert obj.scope == scope, f"scoped Node{node.index} leaked across scopes"
            assert all(len(found) == 1 for found in per_scope.values())
            all_ids = [next(iter(found)) for found in per_scope.values()]
            assert len(set(all_ids)) == len(all_ids), f"scoped Node{node.index} reused"


def check_finalization_rules(graph: Graph, world: World) -> None:
    """Each scope finalizes what it created, newest first; close() does the singletons."""
    lifetime = {node.index: node.lifetime for node in graph.nodes}
    segments: list[list[tuple[str, Any]]] = [[]]
    for event in world.events:
        if event[0] == "boundary":
            segments.append([])
        else:
            segments[-1].append(event)

    created_singletons: list[Any] = []
    finalized: list[int] = []
    for segment in segments[:-1]:  # one segment per scope; the last one is close()
        created = [obj for kind, obj in segment if kind == "create"]
        closed = [obj for kind, obj in segment if kind == "final"]
        created_singletons += [o for o in created if lifetime[o.index] == "singleton"]
        in_scope = [o for o in created if lifetime[o.index] != "singleton"]
        assert [id(o) for o in closed] == [id(o) for o in reversed(in_scope)]
        first_final = next((i for i, (k, _) in enumerate(segment) if k == "final"), None)
        if first_final is not None:  # nothing is finalized while the scope is still open
            assert all(kind == "final" for kind, _ in segment[first_final:])
        finalized += [id(o) for o in closed]

    at_close = [obj for kind, obj in segments[-1] if kind == "final"]
    assert all(kind == "final" for kind, _ in segments[-1])
    assert [id(o) for o in at_close] == [id(o) for o in reversed(created_singletons)]
    finalized += [id(o) for o in at_close]

    created_all = [id(obj) for kind, obj in world.events if kind == "create"]
    assert sorted(finalized) == sorted(created_all), "a finalizer ran twice or not at all"


@PROPERTY_SETTINGS
@given(graph=safe_graphs())
def test_random_graphs_obey_identity_and_finalization_rules_in_sync_scopes(
    graph: Graph,
) -> None:
    container = InjectQ()
    world = build_world(graph, container, use_async=False)
    resolved: list[list[Any]] = []

    for scope_number in range(graph.scopes):
        world.state["scope"] = scope_number
        with container.scope():
            resolved.append([container.get(world.classes[root]) for root in graph.roots])
        world.events.append(("boundary", None))
    world.state["scope"] = None
    container.close()

    check_identity_rules(graph, world, resolved)
    check_finalization_rules(graph, world)


@settings(PROPERTY_SETTINGS, max_examples=50)
@given(graph=safe_graphs())
def test_random_graphs_obey_identity_and_finalization_rules_in_async_scopes(
    graph: Graph,
) -> None:
    container = InjectQ()
    world = build_world(graph, container, use_async=True)

    async def run() -> list[list[Any]]:
        resolved: list[list[Any]] = []
        for scope_number in range(graph.scopes):
            world.state["scope"] = scope_number
            async with container.scope():
                resolved.append([await container.aget(world.classes[root]) for root in graph.roots])
            world.events.append(("boundary", None))
        world.state["scope"] = None
        await container.aclose()
        return resolved

    resolved = asyncio.run(run())

    check_identity_rules(graph, world, resolved)
    check_finalization_rules(graph, world)


def reaches_captive(graph: Graph, start: int) -> bool:
    """True when a singleton reachable from ``start`` depends on a scoped node."""
    stack, seen = [start], set()
    while stack:
        index = stack.pop()
        if index in seen:
            continue
        seen.add(index)
        node = graph.nodes[index]
        if node.lifetime == "singleton" and any(
            graph.nodes[dep].lifetime == "scoped" for dep in node.deps
        ):
            return True
        stack.extend(node.deps)
    return False


@PROPERTY_SETTINGS
@given(graph=any_graphs())
def test_captive_dependency_is_raised_exactly_when_a_singleton_needs_a_scoped_node(
    graph: Graph,
) -> None:
    container = InjectQ()
    world = build_world(graph, container, use_async=False)
    world.state["scope"] = 0

    with container.scope():
        for root in graph.roots:
            key = world.classes[root]
            if reaches_captive(graph, root):
                with pytest.raises(CaptiveDependencyError):
                    container.get(key)
            else:
                assert isinstance(container.get(key), key)
