"""Resolution: the compiled resolvers by key, and the made singletons `get` reads first.

`get(key)` finds a singleton made so far with one lookup in `made`, and resolves every other
key in the active scope with the key's compiled resolver. Everything compiled is dropped when
a binding changes (`clear`), and compiled again on demand.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ._compiler import Compiler, Resolver, Stamp
from ._errors import InjectQError, add_path_note
from ._keys import check_key

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from contextvars import ContextVar

    from ._graph import Graph
    from ._scope import Scope


class Resolution:
    """Compiled resolvers per key (sync, and async for `aget`), compiled under one lock.

    The lock guards compiling and clearing only; no factory ever runs under it.
    """

    def __init__(
        self, graph: Graph, root: Scope, singletons: dict[Any, Any], active: ContextVar[Any]
    ) -> None:
        self.lock = threading.RLock()
        #: counts the times everything compiled was dropped (injectors recompile after one)
        self.generation = 0
        self.graph = graph
        self.root = root
        self.active = active
        #: the singletons made so far, for `get` to find in one lookup
        self.made: dict[Any, Any] = {}
        self.resolvers: dict[Any, Resolver] = {}
        self.aresolvers: dict[Any, tuple[Resolver, bool]] = {}
        self.compiler = Compiler(graph, root, singletons, self.made, Stamp(self.lock))

    def clear(self) -> None:
        with self.lock:
            self.graph.clear()
            self.compiler.clear()
            self.resolvers.clear()
            self.aresolvers.clear()
            self.made.clear()
            self.generation += 1

    def sync_resolver(self, key: Any) -> Resolver:
        check_key(key, action="resolve")
        with self.lock:
            try:
                resolver = self.compiler.sync_resolver(key)
            except InjectQError as error:
                add_path_note(error)
                raise
            self.resolvers[key] = resolver
            return resolver

    def async_resolver(self, key: Any) -> tuple[Resolver, bool]:
        check_key(key, action="resolve")
        with self.lock:
            try:
                entry = self.compiler.async_resolver(key)
            except InjectQError as error:
                add_path_note(error)
                raise
            self.aresolvers[key] = entry
            return entry

    def resolve_in(self, scope: Scope, key: Any) -> Any:
        resolver = self.resolvers.get(key) or self.sync_resolver(key)
        try:
            return resolver(scope)
        except Exception as error:
            add_path_note(error)
            raise

    async def aresolve_in(self, scope: Scope, key: Any) -> Any:
        resolver, is_coroutine = self.aresolvers.get(key) or self.async_resolver(key)
        try:
            if is_coroutine:
                return await resolver(scope)
            return resolver(scope)
        except Exception as error:
            add_path_note(error)
            raise

    def source(self, key: Any, *, is_async: bool) -> str:
        check_key(key, action="resolve")
        with self.lock:
            return self.compiler.source(key, is_async=is_async)


def getter(resolution: Resolution) -> Callable[[Any], Any]:
    """`container.get`: a made singleton in one lookup, any other key by its resolver."""
    made = resolution.made
    resolver_of = resolution.resolvers.get
    compile_resolver = resolution.sync_resolver
    active = resolution.active.get
    root = resolution.root

    def get(key: Any) -> Any:
        try:
            if key in made:
                return made[key]
        except TypeError:
            check_key(key, action="resolve")  # unhashable: the BindingError that says so
            raise
        except KeyError:
            pass  # forgotten in between by another thread (an override began): resolve it
        resolver = resolver_of(key) or compile_resolver(key)
        try:
            return resolver(active(None) or root)
        except Exception as error:
            add_path_note(error)
            raise

    return get


def agetter(resolution: Resolution) -> Callable[[Any], Awaitable[Any]]:
    """`container.aget`: `get`, awaiting async factories, in one coroutine."""
    made = resolution.made
    resolver_of = resolution.aresolvers.get
    compile_resolver = resolution.async_resolver
    active = resolution.active.get
    root = resolution.root

    async def aget(key: Any) -> Any:
        try:
            if key in made:
                return made[key]
        except TypeError:
            check_key(key, action="resolve")
            raise
        except KeyError:
            pass  # forgotten in between by another thread (see `get`)
        resolver, is_coroutine = resolver_of(key) or compile_resolver(key)
        try:
            if is_coroutine:
                return await resolver(active(None) or root)
            return resolver(active(None) or root)
        except Exception as error:
            add_path_note(error)
            raise

    return aget
