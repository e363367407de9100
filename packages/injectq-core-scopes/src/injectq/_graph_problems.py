"""The problems `container.graph()` marks on edges, found on the drawn nodes by their ids.

Cycles, captive dependencies (the analysis's rule: a singleton that needs something living in
a scope, also through transients) and context values an entry point's runtime does not supply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._lifetimes import SINGLETON, TRANSIENT
from ._providers import Kind, Provider

if TYPE_CHECKING:
    from ._validation import EntryPoint


class Problems:
    """`providers`: node id -> its provider (None when unbound or unreadable);
    `dependencies`: node id -> the ids of the nodes injected into it."""

    def __init__(
        self, providers: dict[str, Provider | None], dependencies: dict[str, list[str]]
    ) -> None:
        self._providers = providers
        self._dependencies = dependencies
        self._reach: dict[str, set[str]] = {}
        self._in_scope: dict[str, bool] = {}

    def of_edge(self, source: str, target: str) -> str:
        """What is wrong with `source` depending on `target`: "cycle", "captive" or ""."""
        if source in self._reachable(target):
            return "cycle"
        if self._is_singleton(source) and self._needs_scope(target):
            return "captive"
        return ""

    def unsupplied(self, entry: EntryPoint, roots: list[str], arriving: set[str]) -> list[str]:
        """The context values `entry` needs (from `roots`) that its runtime does not supply.

        What arrives with a unit of work (`arriving`: the propagated values, for an entry point
        that receives them) is not built where it runs, so it is not looked into.
        """
        supplied = entry.context
        if supplied is None:
            return []
        if not entry.receives_propagated:
            arriving = set()
        missing: list[str] = []
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            node_id = stack.pop()
            if node_id in seen or node_id in arriving:
                continue
            seen.add(node_id)
            key = self._context_key(node_id)
            if key is not None and key not in supplied:
                missing.append(node_id)
            stack.extend(self._dependencies[node_id])
        return sorted(missing, key=lambda node_id: int(node_id[1:]))

    def _context_key(self, node_id: str) -> Any:
        provider = self._providers[node_id]
        if provider is None or provider.kind is not Kind.CONTEXT_VALUE:
            return None
        return provider.key

    def _reachable(self, start: str) -> set[str]:
        if start not in self._reach:
            seen: set[str] = set()
            stack = [start]
            while stack:
                for target in self._dependencies.get(stack.pop(), ()):
                    if target not in seen:
                        seen.add(target)
                        stack.append(target)
            self._reach[start] = seen
        return self._reach[start]

    def _is_singleton(self, node_id: str) -> bool:
        provider = self._providers[node_id]
        if provider is None or provider.kind is Kind.INSTANCE:
            return False
        return provider.lifetime == SINGLETON

    def _needs_scope(self, node_id: str) -> bool:
        """Lives in a scope, or is a transient that needs something that does."""
        memo = self._in_scope
        if node_id not in memo:
            memo[node_id] = False  # a cycle does not make anything scope-bound
            provider = self._providers[node_id]
            if provider is None or provider.kind is Kind.INSTANCE:
                return False
            if provider.lifetime == TRANSIENT:
                memo[node_id] = any(self._needs_scope(t) for t in self._dependencies[node_id])
            else:
                memo[node_id] = provider.lifetime != SINGLETON
        return memo[node_id]
