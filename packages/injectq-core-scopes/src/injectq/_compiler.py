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

from ._errors import AsyncFactoryError, BindingError, ScopeError, prepend_path
from ._keys import key_name
from ._lifetimes import CONTEXT, SCOPED, SINGLETON, TRANSIENT
from ._providers import MISSING, Kind
from ._scope import (
    AGEN,
    GEN,
    Scope,
    aenter_context_manager,
    enter_context_manager,
)

if TYPE_CHECKING:
    from ._graph import Graph, Node

Resolver = Callable[[Scope], Any]

_ENTER = {
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
        f"{name} is a scope context value, but neither the scope it is needed in nor any "
        "scope around that one was given it (a named-scope service looks from its own scope "
        "outward, so it cannot see values given to scopes nested inside it)",
        path=path,
        fix=f"open the scope with `container.scope(context={{{name}: value}})`; the adapters "
        "do this for their framework's request, message or context objects",
    )


def _closed(scope: Scope, name: str) -> None:
    scope.ensure_open(name)


async def _wait_for(waiters: list[asyncio.Future[Any]]) -> Any:
    """Wait for another coroutine that is already creating the same instance."""
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    waiters.append(future)
    return await future


def _wake(waiters: list[asyncio.Future[Any]], value: Any) -> None:
    for future in waiters:
        if not future.done():
            future.set_result(value)


def _fail(waiters: list[asyncio.Future[Any]], error: BaseException) -> None:
    for future in waiters:
        if not future.done():
            future.set_exception(error)


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
            _, is_coroutine = self.async_resolver(key)
            return self._sources[("aresolve" if is_coroutine else "resolve", key)]
        resolver = self.sync_resolver(key)
        source = self._sources.get(("resolve", key))
        if source is None:
            resolver(self._root)  # raises the AsyncFactoryError that explains why
        return self._sources[("resolve", key)]

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
        if node.lifetime == SCOPED and node.is_cached:
            # asked for directly: look up, else create right here (no maker call)
            where = writer.constant((node.name,), "p")
            name = writer.constant(node.name, "n")
            key = writer.constant(node.key, "k")
            writer.emit(1, f"if scope.parent is None: _no_scope({name}, {where})")
            writer.emit(1, f"v = scope._cache.get({key}, _MISSING)")
            writer.emit(1, "if v is not _MISSING: return v")
            if is_async:
                self._async_creation(writer, node, 1)
            else:
                self._locked_creation(writer, node, 1)
            return self._finish(writer, kind, node.key)
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
        if is_async:
            writer.emit(0, "async def amake(scope):")
            writer.emit(1, f"v = scope._cache.get({key}, _MISSING)")
            writer.emit(1, "if v is not _MISSING: return v")
            self._async_creation(writer, node, 1)
        else:
            writer.emit(0, "def make(scope):")
            self._locked_creation(writer, node, 1)
        maker = self._finish(writer, "amake" if is_async else "make", node.key)
        table[node.key] = maker
        return maker

    def _async_creation(self, writer: _Writer, node: Node, indent: int) -> None:
        """Create `node` in `scope` once, however many coroutines ask for it at the same time.

        The first creates it; the others wait on futures that are only made when somebody
        actually waits.
        """
        key = writer.constant(node.key, "k")
        name = writer.constant(node.name, "n")
        i = indent
        writer.emit(i, "pending = scope._pending")
        writer.emit(i, "if pending is None: pending = scope._pending = {}")
        writer.emit(i, f"waiters = pending.get({key})")
        writer.emit(i, "if waiters is not None: return await _wait_for(waiters)")
        writer.emit(i, f"if scope._closed: _closed(scope, {name})")
        writer.emit(i, f"waiters = pending[{key}] = []")
        writer.emit(i, "try:")
        value = self._construct(writer, node, "scope", (node.name,), i + 1, is_async=True)
        writer.emit(i + 1, f"scope._cache[{key}] = {value}")
        writer.emit(i, "except BaseException as error:")
        writer.emit(i + 1, f"del pending[{key}]")
        writer.emit(i + 1, "if waiters: _fail(waiters, error)")
        writer.emit(i + 1, "raise")
        writer.emit(i, f"del pending[{key}]")
        writer.emit(i, f"if waiters: _wake(waiters, {value})")
        writer.emit(i, f"return {value}")

    def _locked_creation(self, writer: _Writer, node: Node, indent: int) -> None:
        """Create `node` in `scope` under the scope's lock, unless a racing thread did."""
        key = writer.constant(node.key, "k")
        name = writer.constant(node.name, "n")
        writer.emit(indent, "with scope._lock:")
        writer.emit(indent + 1, f"v = scope._cache.get({key}, _MISSING)")
        writer.emit(indent + 1, "if v is not _MISSING: return v")
        writer.emit(indent + 1, f"if scope._closed: _closed(scope, {name})")
        value = self._construct(writer, node, "scope", (node.name,), indent + 1, is_async=False)
        writer.emit(indent + 1, f"scope._cache[{key}] = {value}")
        writer.emit(indent + 1, f"return {value}")

    def _finish(self, writer: _Writer, kind: str, key: Any) -> Callable[[Scope], Any]:
        source = "\n".join(writer.lines) + "\n"
        namespace: dict[str, Any] = {
            "_MISSING": MISSING,
            "_prepend": prepend_path,
            "_no_scope": _no_scope,
            "_named_scope": _named_scope,
            "_context_value": _context_value,
            "_closed": _closed,
            "_wait_for": _wait_for,
            "_wake": _wake,
            "_fail": _fail,
            "_no_yield": _no_yield,
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

    def _enter_generator_inline(
        self,
        writer: _Writer,
        node: Node,
        scope: str,
        path: tuple[str, ...],
        indent: int,
        call: str,
        *,
        is_async: bool = False,
    ) -> str:
        """A generator factory, entered inline: start it, then register its finalizer."""
        name = writer.constant(node.name, "n")
        where = writer.constant(path, "p")
        generator = writer.variable()
        var = writer.variable()
        writer.emit(indent, f"if {scope}._closed: _closed({scope}, {name})")
        writer.emit(indent, "try:")
        writer.emit(indent + 1, f"{generator} = {call}")
        if is_async:
            writer.emit(indent + 1, f"{var} = await anext({generator}, _MISSING)")
        else:
            writer.emit(indent + 1, f"{var} = next({generator}, _MISSING)")
        writer.emit(indent, "except Exception as error:")
        writer.emit(indent + 1, f"_prepend(error, {where})")
        writer.emit(indent + 1, "raise")
        writer.emit(indent, f"if {var} is _MISSING: _no_yield({name}, {where})")
        writer.emit(indent, f"{scope}.register({AGEN if is_async else GEN}, {generator}, {name})")
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
        # Pass arguments positionally while the parameters allow it: calling a class with
        # keywords costs a dict per call.
        positional = True
        for index, (dependency, argument) in enumerate(node.arguments):
            if argument is None:
                later = node.arguments[index + 1 :]
                if any(d.positional_only for d, _ in later):
                    arguments.append(writer.constant(dependency.default, "d"))
                else:
                    positional = False
                continue
            value = self._value(
                writer,
                argument,
                scope,
                (*path, argument.name),
                indent,
                is_async=is_async,
            )
            if dependency.keyword_only:
                positional = False
            if positional:
                arguments.append(value)
            else:
                arguments.append(f"{dependency.name}={value}")
        factory = writer.constant(provider.target, "f")
        where = writer.constant(path, "p")
        call = f"{factory}({', '.join(arguments)})"
        enter = _ENTER.get(provider.kind)
        if provider.kind is Kind.GENERATOR:
            return self._enter_generator_inline(writer, node, scope, path, indent, call)
        if provider.kind is Kind.ASYNC_GENERATOR:
            return self._enter_generator_inline(
                writer, node, scope, path, indent, call, is_async=True
            )
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


def _no_yield(name: str, path: tuple[str, ...]) -> None:
    raise BindingError(
        f"the generator factory of {name} returned without yielding a value",
        path=path,
        fix="yield the instance exactly once (code after the yield is its finalizer)",
    )


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
