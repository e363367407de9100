"""`container.override(key, value)`: replace a service everywhere while a `with` block runs.

Overrides are container-wide (every thread, task and scope sees them: one override serves the
API, the worker and the MCP server in a test). Singletons already made that depend on the key
are set aside while it is active and come back after; singletons first made during it are
dropped when it ends.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ._errors import InjectQError

if TYPE_CHECKING:
    from collections.abc import Generator

    from ._graph import Graph, Node
    from ._providers import Provider
    from ._resolution import Resolution
    from ._scope import Scope


class Overrides:
    """The providers that replace bindings while their `with` blocks run, by key."""

    def __init__(self, resolution: Resolution, root: Scope) -> None:
        self.providers: dict[Any, Provider] = {}
        self._resolution = resolution
        self._root = root

    @contextmanager
    def apply(self, provider: Provider, value: Any) -> Generator[Any, None, None]:
        """Make `provider` replace its key's binding until the block ends; yields `value`."""
        key = provider.key
        resolution = self._resolution
        with resolution.lock:
            previous = self.providers.get(key)
            affected = self._singletons_depending_on(key)
            stashed = self._root.set_aside(affected)
            self.providers[key] = provider
            resolution.clear()
        try:
            yield value
        finally:
            with resolution.lock:
                # singletons made while the override was active hold the fake: drop them too
                affected |= self._singletons_depending_on(key)
                if previous is None:
                    del self.providers[key]
                else:
                    self.providers[key] = previous
                self._root.put_back(affected, stashed)
                resolution.clear()

    def drop_made(self, key: Any) -> None:
        """`key` is bound anew: forget its made singleton and those of what depends on it, so
        that the next resolution uses the new binding (what was made stays registered with
        the container, whose close finalizes it). Call under the resolution lock."""
        if self._root.held_keys():
            self._root.set_aside(self._singletons_depending_on(key))

    def _singletons_depending_on(self, key: Any) -> set[Any]:
        """Keys of made singletons whose graph reaches `key` (and `key` itself)."""
        affected = {key}
        graph: Graph = self._resolution.graph
        for made in self._root.held_keys():
            try:
                node = graph.node(made)
            except InjectQError:
                continue
            if _reaches(node, key):
                affected.add(made)
        return affected


def _reaches(node: Node, key: Any) -> bool:
    stack = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for _, argument in current.arguments:
            if argument is None:
                continue
            if argument.key == key:
                return True
            stack.append(argument)
    return False
