"""Turns analysed nodes into plain Python functions, once per key and once per entry point.

For each key the compiler writes a resolver, `resolve_<Key>(scope)`, that builds the
transient part of the graph inline (`A(B(D()), C(D()))`), looks cached instances up in their
holder's dict, and calls a per-key maker, `make_<Key>(holder)`, only when one is missing. A
maker creates the instance once however many threads and tasks ask (see `_creation`). For an
entry point (an endpoint, a task, an `@inject` function) it writes `inject_<name>(scope,
kwargs, n)`, which fills in every injected parameter in one go. `source()` shows a function
with every generated function it calls; the snapshot tests read it.
"""

from __future__ import annotations

import copy
import sys
from _thread import get_ident
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._codegen import Generated, Writer, full_source, identifier
from ._context import Deferred
from ._creation import wait_async, wait_sync, waiters, wake
from ._errors import AsyncFactoryError, BindingError, InjectQError, ScopeError, prepend_path
from ._finalizers import AGEN, GEN
from ._lifetimes import CONTEXT, SCOPED, SINGLETON, TRANSIENT
from ._parameters import MISSING
from ._providers import Kind, may_return_none
from ._scope import aenter_context_manager, enter_context_manager

if TYPE_CHECKING:
    import threading
    from collections.abc import Sequence

    from ._graph import Graph, Node
    from ._parameters import InjectedParameter
    from ._scope import Scope

Resolver = Callable[["Scope"], Any]
#: the running frame, without a Python call of its own (CPython's; typeshed calls it private)
_current_frame = getattr(sys, "_getframe")  # noqa: B009
#: one parameter of an entry point, with the node injected into it (None: its default), or
#: the error its analysis raised (raised when the caller leaves that parameter out)
Argument = tuple["InjectedParameter", "Node | InjectQError | None"]


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
    value = _context_value_or_none(scope, key, MISSING)
    if value is not MISSING:
        return value
    raise ScopeError(
        f"{name} is a scope context value, but neither the scope it is needed in nor any "
        "scope around that one was given it (a named-scope service looks from its own scope "
        "outward, so it cannot see values given to scopes nested inside it)",
        path=path,
        fix=f"open the scope with `container.scope(context={{{name}: value}})`; the adapters "
        "do this for their framework's request, message or context objects",
    )


def _context_value_or_none(scope: Scope, key: Any, default: Any = None) -> Any:
    """The value given for `key` to `scope` or a scope around it; else `default`. A
    `Deferred` value is made now, once, and kept in its place."""
    current: Scope | None = scope
    while current is not None:
        value = current.lookup(key, MISSING)
        if value is not MISSING:
            if type(value) is Deferred:
                return current.made_context_value(key, value)
            return value
        current = current.parent
    return default


def _closed(scope: Scope, name: str) -> None:
    scope.ensure_open(name)


def _no_yield(name: str, path: tuple[str, ...]) -> None:
    raise BindingError(
        f"the generator factory of {name} returned without yielding a value",
        path=path,
        fix="yield the instance exactly once (code after the yield is its finalizer)",
    )


def _raise_copy(error: InjectQError) -> None:
    raised = copy.copy(error)
    raised.__traceback__ = None
    raise raised


def _returned_none(name: str, path: tuple[str, ...]) -> None:
    raise BindingError(
        f"the factory of {name} returned None",
        path=path,
        fix=f"return an instance; for a dependency that may be absent, annotate the parameter "
        f"`{name} | None` and leave {name} unbound",
    )


_HELPERS: dict[str, Any] = {
    "_MISSING": MISSING,
    "_prepend": prepend_path,
    "_no_scope": _no_scope,
    "_named_scope": _named_scope,
    "_context_value": _context_value,
    "_context_value_or_none": _context_value_or_none,
    "_closed": _closed,
    "_no_yield": _no_yield,
    "_returned_none": _returned_none,
    "_raise_copy": _raise_copy,
    "_GEN": GEN,
    "_AGEN": AGEN,
    "_enter_context_manager": enter_context_manager,
    "_aenter_context_manager": aenter_context_manager,
    "_get_ident": get_ident,
    "_frame": _current_frame,
    "_wait_sync": wait_sync,
    "_wait_async": wait_async,
    "_wake": wake,
    "_waiters": waiters,
}


class Stamp:
    """Which compilation is current. Code compiled before the bindings changed (a rebinding,
    an override) may still be running in another thread: what it makes goes to its caller,
    but it must not be kept for everyone, so it stores a singleton only while its stamp is
    still the current one, checked and stored under the lock that changes it."""

    __slots__ = ("lock", "value")

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self.value = 0


class Compiler:
    """Compiles resolvers (sync and async) per key, makers per cached key, injectors per
    entry point."""

    def __init__(
        self,
        graph: Graph,
        root: Scope,
        root_cache: dict[Any, Any],
        made: dict[Any, Any],
        stamp: Stamp,
    ) -> None:
        self._graph = graph
        self._root = root
        self._root_cache = root_cache
        self._made = made
        self._stamp = stamp
        self._makers: dict[tuple[Any, bool], Generated] = {}
        self._resolvers: dict[tuple[Any, bool], Generated] = {}

    def clear(self) -> None:
        """Forget what was compiled (under the stamp's lock): what is still running of it
        keeps nothing it makes from now on."""
        self._stamp.value += 1
        self._makers.clear()
        self._resolvers.clear()

    def _keep(self, writer: Writer, indent: int, store: str) -> None:
        """Emit `store` (a singleton kept for every later call) guarded by the stamp."""
        stamp = writer.constant(self._stamp, "stamp")
        writer.emit(indent, f"with {stamp}.lock:")
        writer.emit(indent + 1, f"if {stamp}.value == {self._stamp.value}: {store}")

    def source(self, key: Any, *, is_async: bool = False) -> str:
        """The resolver for `key` and every generated function it calls."""
        node = self._graph.node(key)
        if not is_async and node.async_path:
            _async_needed(node)(self._root)  # raises the AsyncFactoryError that explains why
        return full_source(self._resolver(node, is_async=is_async and bool(node.async_path)))

    # public entry points

    def sync_resolver(self, key: Any) -> Resolver:
        node = self._graph.node(key)
        if node.async_path:
            return _async_needed(node)
        return self._resolver(node, is_async=False).function

    def async_resolver(self, key: Any) -> tuple[Resolver, bool]:
        """The resolver and whether calling it returns an awaitable."""
        node = self._graph.node(key)
        is_async = bool(node.async_path)
        return self._resolver(node, is_async=is_async).function, is_async

    def injector(self, name: str, arguments: Sequence[Argument], *, is_async: bool) -> Generated:
        """`inject_<name>(scope, kwargs, n)`: set each parameter the caller did not give (in
        `kwargs`, or among the first `n` positional arguments)."""
        writer = Writer(f"{'ainject' if is_async else 'inject'}_{identifier(name)}")
        header = "async def" if is_async else "def"
        writer.emit(0, f"{header} {writer.name}(scope, kwargs, n):")
        for parameter, node in arguments:
            given = f"{parameter.name!r} not in kwargs"
            if parameter.position is not None:
                given += f" and n <= {parameter.position}"
            writer.emit(1, f"if {given}:")
            if node is None:  # `T | None` and nothing provides T
                writer.emit(2, f"kwargs[{parameter.name!r}] = None")
                continue
            if isinstance(node, InjectQError):
                writer.emit(2, f"_raise_copy({writer.constant(node, f'{parameter.name}_error')})")
                continue
            path = (name, node.name)
            value = self._value(
                writer, node, "scope", path, 2, is_async=is_async, optional=parameter.optional
            )
            writer.emit(2, f"kwargs[{parameter.name!r}] = {value}")
        if not arguments:
            writer.emit(1, "pass")
        return writer.finish(_HELPERS)

    # resolvers and makers

    def _resolver(self, node: Node, *, is_async: bool) -> Generated:
        found = self._resolvers.get((node.key, is_async))
        if found is not None:
            return found
        writer = Writer(f"{'aresolve' if is_async else 'resolve'}_{identifier(node.name)}")
        header = "async def" if is_async else "def"
        writer.emit(0, f"{header} {writer.name}(scope):")
        if node.lifetime == SCOPED and node.is_cached:
            # asked for directly: look up, else create right here (no maker call)
            key = writer.constant(node.key, node.name)
            writer.emit(1, f"if scope.parent is None: _no_scope({node.name!r}, {(node.name,)!r})")
            writer.emit(1, "cache = scope._cache")
            value = writer.variable(node.name)
            writer.emit(1, f"{value} = cache.get({key}, _MISSING)")
            writer.emit(1, f"if {value} is not _MISSING: return {value}")
            self._creation(writer, node, value, is_async=is_async)
        else:
            value = self._value(writer, node, "scope", (node.name,), 1, is_async=is_async)
            if node.lifetime == SINGLETON and not node.async_path:
                # the same object forever: let `get` find it with one dict lookup next time
                made = writer.constant(self._made, "made")
                self._keep(writer, 1, f"{made}[{writer.constant(node.key, node.name)}] = {value}")
            writer.emit(1, f"return {value}")
        generated = writer.finish(_HELPERS)
        self._resolvers[(node.key, is_async)] = generated
        return generated

    def _maker(self, node: Node, *, is_async: bool) -> Generated:
        found = self._makers.get((node.key, is_async))
        if found is not None:
            return found
        writer = Writer(f"{'amake' if is_async else 'make'}_{identifier(node.name)}")
        writer.emit(0, f"{'async def' if is_async else 'def'} {writer.name}(scope):")
        writer.emit(1, "cache = scope._cache")
        self._creation(writer, node, writer.variable(node.name), is_async=is_async)
        generated = writer.finish(_HELPERS)
        self._makers[(node.key, is_async)] = generated
        return generated

    def _creation(self, writer: Writer, node: Node, value: str, *, is_async: bool) -> None:
        """Create `node` in `scope` once, however many threads and tasks ask (`_creation`):
        claim the key, or wait for whoever holds it and look again; create; release."""
        key = writer.constant(node.key, node.name)
        name, path = repr(node.name), repr((node.name,))
        writer.emit(1, "creating = scope._creating")
        if is_async:
            # the owner is this frame, never held in a local: a frame that refers to itself
            # would be left for the garbage collector
            me, wait = "_frame()", f"await _wait_async(creating, {key}, {name}, {path})"
        else:
            writer.emit(1, "me = _get_ident()")
            me, wait = "me", f"_wait_sync(creating, {key}, me, {name}, {path})"
        writer.emit(1, f"while creating.setdefault({key}, {me}) is not {me}:")
        writer.emit(2, wait)
        writer.emit(2, f"{value} = cache.get({key}, _MISSING)")
        writer.emit(2, f"if {value} is not _MISSING: return {value}")
        writer.emit(1, "try:")
        # another creator may have finished between our look and our claim
        writer.emit(2, f"{value} = cache.get({key}, _MISSING)")
        writer.emit(2, f"if {value} is _MISSING:")
        writer.emit(3, f"if scope._closed: _closed(scope, {name})")
        self._construct(
            writer, node, "scope", (node.name,), 3, is_async=is_async, checked_open=True, into=value
        )
        if node.lifetime == SINGLETON:
            self._keep(writer, 3, f"cache[{key}] = {value}")
        else:
            writer.emit(3, f"cache[{key}] = {value}")
        writer.emit(1, "finally:")
        writer.emit(2, f"del creating[{key}]")
        writer.emit(2, f"if _waiters: _wake(creating, {key})")
        writer.emit(1, f"return {value}")

    # values

    def _value(
        self,
        writer: Writer,
        node: Node,
        scope: str,
        path: tuple[str, ...],
        indent: int,
        *,
        is_async: bool,
        optional: bool = False,
    ) -> str:
        """Emit the lines that obtain `node`'s value seen from `scope`; return its expression."""
        provider = node.provider
        is_async = is_async and bool(node.async_path)
        if provider.kind is Kind.INSTANCE:
            return writer.constant(provider.target, f"the_{node.name}")
        if provider.lifetime == CONTEXT:
            var = writer.variable(node.name)
            key = writer.constant(node.key, node.name)
            if optional:
                writer.emit(indent, f"{var} = _context_value_or_none({scope}, {key})")
            else:
                call = f"_context_value({scope}, {key}, {node.name!r}, {path!r})"
                writer.emit(indent, f"{var} = {call}")
            return var
        if provider.lifetime == TRANSIENT:
            return self._construct(writer, node, scope, path, indent, is_async=is_async)
        return self._cached(writer, node, scope, path, indent, is_async=is_async)

    def _cached(
        self,
        writer: Writer,
        node: Node,
        scope: str,
        path: tuple[str, ...],
        indent: int,
        *,
        is_async: bool,
    ) -> str:
        key = writer.constant(node.key, node.name)
        if node.lifetime == SINGLETON:
            holder = writer.constant(self._root, "root")
            cache = writer.constant(self._root_cache, "singletons")
        elif node.lifetime == SCOPED:
            holder = scope
            writer.emit(indent, f"if {scope}.parent is None: _no_scope({node.name!r}, {path!r})")
            cache = f"{scope}._cache"
        else:
            holder = writer.variable(f"{node.lifetime}_scope")
            call = f"_named_scope({scope}, {node.lifetime!r}, {node.name!r}, {path!r})"
            writer.emit(indent, f"{holder} = {call}")
            cache = f"{holder}._cache"
        maker = writer.call(self._maker(node, is_async=is_async))
        var = writer.variable(node.name)
        call = f"await {maker}({holder})" if is_async else f"{maker}({holder})"
        writer.emit(indent, f"{var} = {cache}.get({key}, _MISSING)")
        writer.emit(indent, f"if {var} is _MISSING:")
        writer.emit(indent + 1, "try:")
        writer.emit(indent + 2, f"{var} = {call}")
        writer.emit(indent + 1, "except Exception as error:")
        writer.emit(indent + 2, f"_prepend(error, {path!r})")
        writer.emit(indent + 2, "raise")
        return var

    def _construct(
        self,
        writer: Writer,
        node: Node,
        scope: str,
        path: tuple[str, ...],
        indent: int,
        *,
        is_async: bool,
        checked_open: bool = False,
        into: str | None = None,
    ) -> str:
        """Emit the call of `node`'s factory with its arguments, entering it if it finalizes;
        return the variable holding the value (`into`, when given).

        `checked_open`: the caller has just checked that the scope is open.
        """
        provider = node.provider
        arguments = self._arguments(writer, node, scope, path, indent, is_async=is_async)
        factory = writer.constant(provider.target, _factory_name(provider.target, node.name))
        call = f"{factory}({', '.join(arguments)})"
        if provider.kind in (Kind.GENERATOR, Kind.ASYNC_GENERATOR):
            is_async_generator = provider.kind is Kind.ASYNC_GENERATOR
            if not checked_open:
                writer.emit(indent, f"if {scope}._closed: _closed({scope}, {node.name!r})")
            return self._enter_generator(
                writer, node, scope, path, indent, call, is_async=is_async_generator, into=into
            )
        name = repr(node.name)
        if provider.kind is Kind.CONTEXT_MANAGER:
            call = f"_enter_context_manager({scope}, {call}, {name})"
        elif provider.kind is Kind.ASYNC_CONTEXT_MANAGER:
            call = f"await _aenter_context_manager({scope}, {call}, {name})"
        elif provider.kind is Kind.ASYNC_CALL:
            call = f"await {call}"
        var = into or writer.variable(node.name)
        writer.emit(indent, "try:")
        writer.emit(indent + 1, f"{var} = {call}")
        writer.emit(indent, "except Exception as error:")
        writer.emit(indent + 1, f"_prepend(error, {path!r})")
        writer.emit(indent + 1, "raise")
        if not isinstance(provider.target, type) and not may_return_none(provider.target):
            # a function may return None by mistake, unless it says it may
            writer.emit(indent, f"if {var} is None: _returned_none({name}, {path!r})")
        return var

    def _arguments(
        self,
        writer: Writer,
        node: Node,
        scope: str,
        path: tuple[str, ...],
        indent: int,
        *,
        is_async: bool,
    ) -> list[str]:
        # Pass arguments positionally while the parameters allow it: calling a class with
        # keywords costs a dict per call.
        arguments: list[str] = []
        positional = True
        for index, (dependency, argument) in enumerate(node.arguments):
            if argument is None:
                if dependency.default is MISSING:
                    value = "None"  # `T | None` without a default, and nothing provides T
                elif any(d.positional_only for d, _ in node.arguments[index + 1 :]):
                    value = writer.constant(dependency.default, f"default_{dependency.name}")
                else:
                    positional = False
                    continue
            else:
                value = self._value(
                    writer,
                    argument,
                    scope,
                    (*path, argument.name),
                    indent,
                    is_async=is_async,
                    optional=dependency.optional,
                )
            if dependency.keyword_only:
                positional = False
            arguments.append(value if positional else f"{dependency.name}={value}")
        return arguments

    def _enter_generator(
        self,
        writer: Writer,
        node: Node,
        scope: str,
        path: tuple[str, ...],
        indent: int,
        call: str,
        *,
        is_async: bool,
        into: str | None = None,
    ) -> str:
        """A generator factory, entered inline: start it, then register its finalizer."""
        name = repr(node.name)
        generator = writer.variable(f"{node.name}_generator")
        var = into or writer.variable(node.name)
        writer.emit(indent, "try:")
        writer.emit(indent + 1, f"{generator} = {call}")
        step = "await anext" if is_async else "next"
        writer.emit(indent + 1, f"{var} = {step}({generator}, _MISSING)")
        writer.emit(indent, "except Exception as error:")
        writer.emit(indent + 1, f"_prepend(error, {path!r})")
        writer.emit(indent + 1, "raise")
        writer.emit(indent, f"if {var} is _MISSING: _no_yield({name}, {path!r})")
        if not may_return_none(node.provider.target):
            writer.emit(indent, f"if {var} is None: _returned_none({name}, {path!r})")
        kind = "_AGEN" if is_async else "_GEN"
        writer.emit(indent, f"{scope}.register({kind}, {generator}, {name})")
        return var


def _factory_name(target: Any, fallback: str) -> str:
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    return name.replace("<locals>.", "") if isinstance(name, str) else fallback


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
