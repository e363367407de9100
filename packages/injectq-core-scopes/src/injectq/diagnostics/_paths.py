"""Walks over a dependency map (each key -> the keys injected into it), shared by the
validator and the visualizer faces. They read the map; they never analyse a binding."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


def dependency_chain(graph: Mapping[Any, Iterable[Any]], start: Any) -> list[Any]:
    """`start` and everything it needs, depth first, each key once."""
    chain: list[Any] = []
    seen: set[Any] = set()
    stack = [start]
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        chain.append(key)
        stack.extend(reversed(list(graph.get(key, ()))))
    return chain


def find_cycles(graph: Mapping[Any, Iterable[Any]]) -> list[list[Any]]:
    """Each cycle once, as a closed path: `[A, B, A]`."""
    cycles: list[list[Any]] = []
    finished: set[Any] = set()

    def visit(key: Any, path: list[Any]) -> None:
        if key in path:
            cycles.append([*path[path.index(key) :], key])
            return
        if key in finished:
            return
        path.append(key)
        for dependency in graph.get(key, ()):
            visit(dependency, path)
        path.pop()
        finished.add(key)

    for key in list(graph):
        visit(key, [])
    return cycles


def dependency_path(graph: Mapping[Any, Iterable[Any]], start: Any, end: Any) -> list[Any] | None:
    """The shortest chain of injections from `start` to `end`, or None when `start` does not
    need `end`."""
    queue: deque[list[Any]] = deque([[start]])
    seen = {start}
    while queue:
        path = queue.popleft()
        if path[-1] == end:
            return path
        for dependency in graph.get(path[-1], ()):
            if dependency not in seen:
                seen.add(dependency)
                queue.append([*path, dependency])
    return None
