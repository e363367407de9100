"""Turns analysed nodes into plain Python functions, once per key.

For each key the compiler writes the source of a resolver `resolve(scope)` that builds the
whole transient part of the graph inline (`A(B(D()), C(D()))`), looks cached instances up in
the holder's dict, and calls a per-key maker only when a cached instance is missing. The
source is kept (`Compiler.source(key)`) so that what runs can be read and snapshot-tested.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._errors import AsyncFactoryError, ScopeError, prepend_path
from ._keys import key_name
from ._lifetimes import CONTEXT, SCOPED, SINGLETON, TRANSIENT
from ._providers import MISSING, Kind
from ._scope import (
    Scope,
    aenter_context_manager,
    aenter_generator,
    enter_context_manager,
    enter_generator,
)

if TYPE_CHECKING:
    from ._graph import Graph, Node

Resolver = Callable[[Scope], Any]

_ENTER = {
    Kind.GENERATOR: ("_enter_generator", False),
    Kind.ASYNC_GENERATOR: ("_aenter_generator", True),
    Kind.CONTEXT_MANAGER: ("_enter_context_manager", False),
    Kind.ASYNC_CONTEXT_MANAGER: ("_aenter_context_manager", True),
}


def _no_scope(name: str, path: tuple[str, ...]) -> Any:
    raise ScopeError(
        f"{name} is scoped, but no scope is open",
        path=path,
        fix="resolve it inside `with container.scope():` (the adapters open one per request, "
        "task and tool call), or bind it as a singleton or transient",
    )


def _named_scope(scope: Scope, scope_name: str, name: str, path: tuple[str, ...]) -> Scope:
    current: Scope | None = scope
    while current is not None:
        if current.name == scope_name:
            return current
        current = current.parent
    raise ScopeError(
        f"{name} lives in scope {scope_name!r}, but no scope named {scope_name!r} encloses "
        "the place it is resolved from",
        path=path,
        fix=f"open `container.scope({scope_name!r})` around this unit of work",
    )


def _context_value(scope: Scope, key: Any, name: str, path: tuple[str, ...]) -> Any:
    current: Scope | None = scope
    while current is not None:
        value = current.lookup(key, MISSING)
        if value is not MISSING:
            return value
        current = current.parent
    raise ScopeError(
        f"{name} is a scope context value, but no open scope was given one",
        path=path,
        fix=f"open the scope with `container.scope(context={{{name}: value}})`; the adapters "
        "do this for their framework's request, message or context objects",
    )


def _closed(scope: Scope, name: str) -> None:
    scope.ensure_open(name)


async def _await_pending(future: asyncio.Future[Any]) -> Any:
    return await asyncio.shield(future)


def _fail_pending(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
        future.exception()  # retrieved: waiters re-raise it, nobody logs it as lost


class _Writer:
    """Accumulates the source and the constants of one generated function."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self._counter = 0
        self._by_id: dict[int, str] = {}

    def constant(self, value: Any, prefix: str) -> str:
        known = self._by_id.get(id(value))
        if known is not None:
            return known
        name = f"{prefix}{len(self.constants)}"
        self.constants[name] = value
        self._by_id[id(value)] = name
        return name

    def variable(self) -> str:
        self._counter += 1
        return f"v{self._counter}"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


class Compiler:
    """Compiles resolvers (sync and async) per key, and makers per cached key."""

    def __init__(
        self, graph: Graph, root: Scope, root_cache: dict[Any, Any], fast: dict[Any, Any]
    ) -> None:
        self._graph = graph
        self._root = root
        self._root_cache = root_cache
        self._fast = fast
        self._makers: dict[Any, Callable[[Scope], Any]] = {}
        self._amakers: dict[Any, Callable[[Scope], Any]] = {}
        self._sources: dict[tuple[str, Any], str] = {}

    def clear(self) -> None:
        self._makers.clear()
        self._amakers.clear()
        self._sources.clear()

    def source(self, key: Any, *, is_async: bool = False) -> str:
        """The generated source of the resolver for `key` (compiling it if needed)."""
        if is_async:
            self.async_resolver(key)
        else:
            self.sync_resolver(key)
        return self._sources[("aresolve" if is_async else "resolve", key)]

    # public entry points

    def sync_resolver(self, key: Any) -> Resolver:
        node = self._graph.node(key)
        if node.async_path:
            return _async_needed(node)
        return self._function("resolve", node, is_async=False)

    def async_resolver(self, key: Any) -> tuple[Resolver, bool]:
        """The resolver and whether calling it returns an awaitable."""
        node = self._graph.node(key)
        if not node.async_path:
            return self._function("resolve", node, is_async=False), False
        return self._function("aresolve", node, is_async=True), True

    # generation

    def _function(self, kind: str, node: Node, *, is_async: bool) -> Resolver:
        writer = _Writer()
        header = "async def" if is_async else "def"
        writer.emit(0, f"{header} {kind}(scope):")
        result = self._value(writer, node, "scope", (node.name,), 1, is_async=is_async)
        if node.lifetime == SINGLETON and not node.async_path:
            # the same object forever: let `get` find it with one dict lookup next time
            fast = writer.constant(self._fast, "fast")
            writer.emit(1, f"{fast}[{writer.constant(node.key, 'k')}] = {result}")
        writer.emit(1, f"return {result}")
        return self._finish(writer, kind, node.key)

    def _maker(self, node: Node, *, is_async: bool) -> Callable[[Scope], Any]:
        table = self._amakers if is_async else self._makers
        maker = table.get(node.key)
        if maker is not None:
            return maker
        writer = _Writer()
        key = writer.constant(node.key, "k")
        name = writer.constant(node.name, "n")
        if is_async:
            writer.emit(0, "async def amake(scope):")
            writer.emit(1, f"v = scope._cache.get({key}, _MISSING)")
            writer.emit(1, "if v is not _MISSING: return v")
            writer.emit(1, f"pending = scope.pending().get({key})")
            writer.emit(1, "if pending is not None: return await _await_pending(pending)")
            writer.emit(1, f"_closed(scope, {name})")
            writer.emit(1, "future = _loop().create_future()")
            writer.emit(1, f"scope._pending[{key}] = future")
            writer.emit(1, "try:")
            value = self._construct(writer, node, "scope", (node.name,), 2, is_async=True)
            writer.emit(2, f"scope._cache[{key}] = {value}")
            writer.emit(1, "except BaseException as error:")
            writer.emit(2, f"del scope._pending[{key}]")
            writer.emit(2, "_fail_pending(future, error)")
            writer.emit(2, "raise")
            writer.emit(1, f"del scope._pending[{key}]")
            writer.emit(1, f"future.set_result({value})")
            writer.emit(1, f"return {value}")
        else:
            writer.emit(0, "def make(scope):")
            writer.emit(1, "with scope._lock or scope.lock():")
            writer.emit(2, f"v = scope._cache.get({key}, _MISSING)")
            writer.emit(2, "if v is not _MISSING: return v")
            writer.emit(2, f"_closed(scope, {name})")
            value = self._construct(writer, node, "scope", (node.name,), 2, is_async=False)
            writer.emit(2, f"scope._cache[{key}] = {value}")
            writer.emit(2, f"return {value}")
        maker = self._finish(writer, "amake" if is_async else "make", node.key)
        table[node.key] = maker
        return maker

    def _finish(self, writer: _Writer, kind: str, key: Any) -> Callable[[Scope], Any]:
        source = "\n".join(writer.lines) + "\n"
        namespace: dict[str, Any] = {
            "_MISSING": MISSING,
            "_prepend": prepend_path,
            "_no_scope": _no_scope,
            "_named_scope": _named_scope,
            "_context_value": _context_value,
            "_closed": _closed,
            "_await_pending": _await_pending,
            "_fail_pending": _fail_pending,
            "_loop": asyncio.get_running_loop,
            "_enter_generator": enter_generator,
            "_aenter_generator": aenter_generator,
            "_enter_context_manager": enter_context_manager,
            "_aenter_context_manager": aenter_context_manager,
            **writer.constants,
        }
        code = compile(source, f"<injectq {kind} {key_name(key)}>", "exec")
        exec(code, namespace)
        self._sources[(kind, key)] = source
        function: Callable[[Scope], Any] = namespace[kind]
        return function

    def _value(
        self,
        writer: _Writer,
        node: Node,
        scope: str,
        path: tuple[str, ...],
        indent: int,
        *,
        is_async: bool,
    ) -> str:
        """Emit the lines that obtain `node`'s value seen from `scope`; return its expression."""
        provider = node.provider
        is_async = is_async and bool(node.async_path)
        if provider.kind is Kind.INSTANCE:
            return writer.constant(provider.target, "c")
        if provider.lifetime == CONTEXT:
            var = writer.variable()
            key = writer.constant(node.key, "k")
            name = writer.constant(node.name, "n")
            where = writer.constant(path, "p")
            writer.emit(indent, f"{var} = _context_value({scope}, {key}, {name}, {where})")
            return var
        if provider.lifetime == TRANSIENT:
            return self._construct(writer, node, scope, path, indent, is_async=is_async)
        return self._cached(writer, node, scope, path, indent, is_async=is_async)

    def _cached(
        self,
        writer: _Writer,
        node: Node,
        scope: str,
        path: tuple[str, ...],
        indent: int,
        *,
        is_async: bool,
    ) -> str:
        key = writer.constant(node.key, "k")
        where = writer.constant(path, "p")
        if node.lifetime == SINGLETON:
            holder = writer.constant(self._root, "root")
            cache = writer.constant(self._root_cache, "cache")
        elif node.lifetime == SCOPED:
            holder = scope
            name = writer.constant(node.name, "n")
            writer.emit(indent, f"if {scope}.parent is None: _no_scope({name}, {where})")
            cache = f"{scope}._cache"
        else:
            holder = writer.variable()
            name = writer.constant(node.name, "n")
            scope_name = writer.constant(node.lifetime, "s")
            writer.emit(indent, f"{holder} = _named_scope({scope}, {scope_name}, {name}, {where})")
            cache = f"{holder}._cache"
        maker = writer.constant(self._maker(node, is_async=is_async), "m")
        var = writer.variable()
        call = f"await {maker}({holder})" if is_async else f"{maker}({holder})"
        writer.emit(indent, f"{var} = {cache}.get({key}, _MISSING)")
        writer.emit(indent, f"if {var} is _MISSING:")
        writer.emit(indent + 1, "try:")
        writer.emit(indent + 2, f"{var} = {call}")
        writer.emit(indent + 1, "except Exception as error:")
        writer.emit(indent + 2, f"_prepend(error, {where})")
        writer.emit(indent + 2, "raise")
        return var

    def _construct(
        self,
        writer: _Writer,
        node: Node,
        scope: str,
        path: tuple[str, ...],
        indent: int,
        *,
        is_async: bool,
    ) -> str:
        """Emit the call of `node`'s factory with its arguments, entering it if it finalizes."""
        provider = node.provider
        arguments: list[str] = []
        for dependency, argument in node.arguments:
            if argument is None:
                continue
            value = self._value(
                writer,
                argument,
                scope,
                (*path, argument.name),
                indent,
                is_async=is_async,
            )
            if dependency.positional_only:
                arguments.append(value)
            else:
                arguments.append(f"{dependency.name}={value}")
        factory = writer.constant(provider.target, "f")
        where = writer.constant(path, "p")
        call = f"{factory}({', '.join(arguments)})"
        enter = _ENTER.get(provider.kind)
        if enter is not None:
            helper, awaited = enter
            name = writer.constant(node.name, "n")
            call = f"{helper}({scope}, {call}, {name})"
            if awaited:
                call = f"await {call}"
        elif provider.kind is Kind.ASYNC_CALL:
            call = f"await {call}"
        var = writer.variable()
        writer.emit(indent, "try:")
        writer.emit(indent + 1, f"{var} = {call}")
        writer.emit(indent, "except Exception as error:")
        writer.emit(indent + 1, f"_prepend(error, {where})")
        writer.emit(indent + 1, "raise")
        return var


def _async_needed(node: Node) -> Resolver:
    path = node.async_path
    first = path[-1]

    def resolve(scope: Scope) -> Any:
        raise AsyncFactoryError(
            f"{node.name} needs the async factory of {first}, so it cannot be resolved "
            "from sync code",
            path=path,
            fix=f"use `await container.aget({node.name})` (or an async endpoint / task), "
            f"or give {first} a sync factory",
        )

    return resolve
