"""`container.validate()`: find every problem of the graph before any traffic."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._errors import AsyncFactoryError, InjectQError, ScopeError, ValidationError, prepend_path
from ._keys import key_name
from ._lifetimes import CONTEXT, SCOPED, SINGLETON, TRANSIENT, declared_lifetime
from ._providers import Kind, Provider

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._graph import Graph, Node


#: the attribute through which a function (or an adapter's object) describes its entry point
ENTRY_POINT_ATTRIBUTE = "__injectq_entry_point__"


class ValidationWarning(UserWarning):
    """Something `validate()` found suspicious but not wrong."""


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """A place where an application asks for services: an endpoint, a task, a tool, a function.

    `validate(entry_points=...)` checks each one in its own runtime: a sync entry point must
    not need an async factory; one that runs outside any scope must not need a scoped
    service; and it must not need a scope context value its runtime does not supply (a task
    cannot get an HTTP `Request`).
    """

    name: str
    keys: tuple[Any, ...]
    is_async: bool = True
    in_scope: bool = True
    #: the scope context keys its runtime supplies; None means "do not check"
    context: frozenset[Any] | None = None
    #: the names of the scopes open around it (`{"task"}`); None means "do not check"
    scopes: frozenset[str] | None = None
    #: it is handed work by another unit of work, so the container's propagated values
    #: arrive with it (a task enqueued by a request) and are not built where it runs
    receives_propagated: bool = False
    #: the keys of its `T | None` parameters: checked only where something provides them
    optional: frozenset[Any] = frozenset()


def as_entry_point(candidate: object) -> EntryPoint:
    """An EntryPoint, or something that describes itself as one (an `@inject` function)."""
    if isinstance(candidate, EntryPoint):
        return candidate
    describe = getattr(candidate, ENTRY_POINT_ATTRIBUTE, None)
    if callable(describe):
        described = describe()
        if isinstance(described, EntryPoint):
            return described
    raise TypeError(
        f"{candidate!r} is not an entry point: pass an injectq EntryPoint, an @inject "
        "function, or what an adapter's entry-point helper returns"
    )


def validate(
    bindings: dict[Any, Provider],
    graph: Graph,
    entry_points: Iterable[object] = (),
    propagated: frozenset[Any] = frozenset(),
) -> list[ValidationWarning]:
    # one problem is listed once, with every entry point that has it
    found: dict[tuple[Any, ...], tuple[InjectQError, list[str]]] = {}

    def report(error: InjectQError, entry: str | None = None) -> None:
        same = (type(error), error.problem, error.path, error.fix)
        known = found.setdefault(same, (error, []))
        if entry is not None and entry not in known[1]:
            known[1].append(entry)

    for key in list(bindings):
        try:
            graph.node(key)
        except InjectQError as error:
            report(error)
    for candidate in entry_points:
        entry = as_entry_point(candidate)
        for key in entry.keys:
            try:
                if key in entry.optional and not graph.provides(key):
                    continue  # it gets None
                node = graph.node(key)
                if key in entry.optional and node.lifetime == CONTEXT:
                    continue  # None where the runtime does not supply it
                _check_entry(entry, node, propagated)
            except InjectQError as error:
                report(error, entry.name)
    if found:
        raise ValidationError([_with_entries(error, entries) for error, entries in found.values()])
    suspicious = [_instance_of_scoped_class(provider) for provider in bindings.values()]
    result = [warning for warning in suspicious if warning is not None]
    for warning in result:
        warnings.warn(warning, stacklevel=3)
    return result


def _with_entries(error: InjectQError, entries: list[str]) -> InjectQError:
    if len(entries) == 1:
        prepend_path(error, entries)  # `task send_email -> IEmailService -> SMTPConfig`
    elif entries:
        error.entry_points = tuple(entries)
    return error


def _check_entry(entry: EntryPoint, node: Node, propagated: frozenset[Any]) -> None:
    if not entry.is_async and node.async_path:
        raise AsyncFactoryError(
            f"{entry.name} is sync but needs the async factory of {node.async_path[-1]}",
            path=node.async_path,
            fix=f"make {entry.name} async, or give {node.async_path[-1]} a sync factory",
        )
    if not entry.in_scope and node.scope_path:
        raise ScopeError(
            f"{entry.name} runs outside any scope but needs {node.scope_path[-1]}, "
            "which lives in a scope",
            path=node.scope_path,
            fix=f"run {entry.name} inside a scope, or make {node.scope_path[-1]} a singleton",
        )
    if entry.context is None and entry.scopes is None:
        return
    arriving: frozenset[Any] = propagated if entry.receives_propagated else frozenset()
    for path, needed in _reachable(node, arriving):
        if entry.context is not None and _missing_context(needed, entry.context):
            raise ScopeError(
                f"{entry.name} needs {key_name(needed.key)}, a scope context value that "
                "its runtime does not supply",
                path=path,
                fix=f"do not depend on {key_name(needed.key)} from {entry.name}: pass the "
                "data it needs explicitly (or through propagated context)",
            )
        if entry.scopes is not None and _missing_scope(needed, entry.scopes):
            opened = ", ".join(repr(name) for name in sorted(entry.scopes)) or "none"
            raise ScopeError(
                f"{entry.name} needs {needed.name}, which lives in scope "
                f"{needed.lifetime!r}; the scopes open around it: {opened}",
                path=path,
                fix=f"bind {needed.name} with scope='scoped' (the unit of work wherever it "
                f"runs), or keep it out of {entry.name}",
            )


_UNNAMED = frozenset({SINGLETON, SCOPED, TRANSIENT, CONTEXT})


def _missing_context(node: Node, supplied: frozenset[Any]) -> bool:
    is_context_value = node.lifetime == CONTEXT and node.provider.kind is Kind.CONTEXT_VALUE
    return is_context_value and node.key not in supplied


def _missing_scope(node: Node, opened: frozenset[str]) -> bool:
    return node.lifetime not in _UNNAMED and node.lifetime not in opened


def _reachable(node: Node, arriving: frozenset[Any]) -> list[tuple[tuple[str, ...], Node]]:
    """Every node reachable from `node`, with the path to it, not looking into the keys whose
    values `arriving` says come with the unit of work."""
    found: list[tuple[tuple[str, ...], Node]] = []
    stack: list[tuple[Node, tuple[str, ...]]] = [(node, (node.name,))]
    visited: set[int] = set()
    while stack:
        current, path = stack.pop()
        if id(current) in visited or current.key in arriving:
            continue
        visited.add(id(current))
        found.append((path, current))
        for dependency, argument in current.arguments:
            if argument is None or (dependency.optional and argument.lifetime == CONTEXT):
                continue  # a context value an optional parameter may go without
            stack.append((argument, (*path, argument.name)))
    return found


def _instance_of_scoped_class(provider: Provider) -> ValidationWarning | None:
    if provider.kind is not Kind.INSTANCE:
        return None
    target: object = provider.target
    declared = declared_lifetime(type(target))
    if declared is None or declared == SINGLETON:
        return None
    cls = type(target).__qualname__
    return ValidationWarning(
        f"{key_name(provider.key)} is bound to one instance of {cls}, but {cls} is marked "
        f"@{declared}: every unit of work will share that one object. Fix: bind the class "
        f"(container.bind({key_name(provider.key)}, {cls})) so each scope gets its own."
    )
