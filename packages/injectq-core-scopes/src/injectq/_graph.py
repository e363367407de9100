"""The dependency graph as the compiler sees it: one analysed node per key.

Analysis happens once per key (until the bindings change): it finds the provider, decides
which parameters are injected, and rejects cycles and captive dependencies, so that resolving
never walks signatures and never tracks cycles at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._errors import CaptiveDependencyError, CircularDependencyError, InjectQError, prepend_path
from ._keys import key_name
from ._lifetimes import CONTEXT, SCOPED, SINGLETON, TRANSIENT
from ._parameters import MISSING, InjectedParameter
from ._providers import ASYNC_KINDS, Kind, Provider, dependencies_of

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True, slots=True)
class Node:
    """A key with its provider and, for each parameter, the node injected into it (or None)."""

    key: Any
    name: str
    provider: Provider
    arguments: tuple[tuple[InjectedParameter, Node | None], ...]
    #: path to the first async factory this node needs, () when it needs none
    async_path: tuple[str, ...]
    #: path (through transients) to the first scope-bound node it needs, () when none
    scope_path: tuple[str, ...]

    @property
    def lifetime(self) -> str:
        return self.provider.lifetime

    @property
    def is_cached(self) -> bool:
        """Made once per holder (container or scope) rather than on every injection."""
        return self.provider.kind is not Kind.INSTANCE and self.lifetime not in (
            TRANSIENT,
            CONTEXT,
        )

    @property
    def is_scope_bound(self) -> bool:
        """Lives in a scope (scoped, a named scope, or a scope context value)."""
        return self.provider.kind is not Kind.INSTANCE and self.lifetime not in (
            SINGLETON,
            TRANSIENT,
        )


class Graph:
    """Analyses keys into nodes, memoized; `clear()` when bindings change."""

    def __init__(
        self,
        provider_for: Callable[[Any], Provider],
        can_provide: Callable[[Any], bool],
        can_autowire: Callable[[Any], bool],
    ) -> None:
        self._provider_for = provider_for
        self._can_provide = can_provide
        self._can_autowire = can_autowire
        self._nodes: dict[Any, Node] = {}

    def clear(self) -> None:
        self._nodes.clear()

    def provides(self, key: Any) -> bool:
        """True when `key` is bound, overridden, a context value, or can be autowired."""
        return self._can_provide(key) or self._can_autowire(key)

    def node(self, key: Any) -> Node:
        found = self._nodes.get(key)
        if found is not None:
            return found
        return self._analyse(key, [])

    def _analyse(self, key: Any, stack: list[Any]) -> Node:
        found = self._nodes.get(key)
        if found is not None:
            return found
        name = key_name(key)
        if key in stack:
            cycle = [key_name(k) for k in stack[stack.index(key) :]] + [name]
            raise CircularDependencyError(
                f"circular dependency: {' -> '.join(cycle)}",
                path=(name,),
                fix="break the cycle: inject a factory or move the shared part into a third "
                "service that both depend on",
            )
        provider = self._provider_for(key)
        stack.append(key)
        try:
            arguments = self._arguments(provider, name, stack)
        except InjectQError as error:
            prepend_path(error, [name])
            raise
        finally:
            stack.pop()
        node = Node(
            key=key,
            name=name,
            provider=provider,
            arguments=arguments,
            async_path=_async_path(name, provider, arguments),
            scope_path=_scope_path(name, provider, arguments),
        )
        _check_captive(node)
        self._nodes[key] = node
        return node

    def _arguments(
        self, provider: Provider, name: str, stack: list[Any]
    ) -> tuple[tuple[InjectedParameter, Node | None], ...]:
        if provider.kind in (Kind.INSTANCE, Kind.CONTEXT_VALUE):
            return ()
        owner = getattr(provider.target, "__qualname__", name)
        arguments: list[tuple[InjectedParameter, Node | None]] = []
        for dependency in dependencies_of(provider.target, owner):
            arguments.append((dependency, self.argument(dependency, stack)))
        return tuple(arguments)

    def argument(
        self, dependency: InjectedParameter, stack: list[Any] | None = None
    ) -> Node | None:
        """The node injected into `dependency`, or None when it keeps its default (or None)."""
        named = by_name(dependency, self._can_provide)
        if named is not None:
            return self._analyse(named, [] if stack is None else stack)
        if not is_injected(dependency, self._can_provide, self._can_autowire):
            return None
        return self._analyse(dependency.key, [] if stack is None else stack)


#: the types a value is injected into by the parameter's name (as injectq 0.5.0 did)
PLAIN_TYPES: frozenset[Any] = frozenset({str, int, float, bool, bytes})


def by_name(dependency: InjectedParameter, can_provide: Callable[[Any], bool]) -> str | None:
    """The string key a parameter is injected from by its name: `db_url: str` gets the value
    bound as `container["db_url"]` when nothing provides `str` itself. Only for plain types
    (`str`, `int`, `float`, `bool`, `bytes`), where the type says nothing about which value is
    meant; any other parameter is injected by its type."""
    key = dependency.key
    if key in PLAIN_TYPES and can_provide(dependency.name) and not can_provide(key):
        return dependency.name
    return None


def is_injected(
    dependency: InjectedParameter,
    can_provide: Callable[[Any], bool],
    can_autowire: Callable[[Any], bool],
) -> bool:
    """Whether a parameter gets a resolved value (else its default, or None for `T | None`).

    Without a default it always does, except `T | None`, which is None when T is neither
    bound nor autowirable. With a default it does only when its key is bound, or when it is
    marked `Inject[T]` (then, for `Inject[T | None]`, when T is bound or autowirable).
    """
    if not dependency.optional:
        return dependency.default is MISSING or dependency.marked or can_provide(dependency.key)
    if can_provide(dependency.key):
        return True
    return (dependency.marked or dependency.default is MISSING) and can_autowire(dependency.key)


def _async_path(
    name: str, provider: Provider, arguments: tuple[tuple[InjectedParameter, Node | None], ...]
) -> tuple[str, ...]:
    if provider.kind in ASYNC_KINDS:
        return (name,)
    for _, node in arguments:
        if node is not None and node.async_path:
            return (name, *node.async_path)
    return ()


def _scope_path(
    name: str, provider: Provider, arguments: tuple[tuple[InjectedParameter, Node | None], ...]
) -> tuple[str, ...]:
    if provider.kind is not Kind.INSTANCE and provider.lifetime not in (SINGLETON, TRANSIENT):
        return (name,)
    if provider.lifetime != TRANSIENT:
        return ()
    for _, node in arguments:
        if node is not None and node.scope_path:
            return (name, *node.scope_path)
    return ()


def _check_captive(node: Node) -> None:
    """A singleton must not hold anything that lives in a scope, even through transients."""
    if node.lifetime != SINGLETON or node.provider.kind is Kind.INSTANCE:
        return
    for _, argument in node.arguments:
        if argument is None or not argument.scope_path:
            continue
        path = (node.name, *argument.scope_path)
        captured = argument.scope_path[-1]
        kind = _lifetime_words(argument, captured)
        fix = f"make {node.name} scoped (or transient)"
        if kind != "a scope context value":
            fix += f", or make {captured} a singleton"
        raise CaptiveDependencyError(
            f"captive dependency: singleton {node.name} depends on {captured}, which is {kind}; "
            "the singleton would keep the first scope's instance forever",
            path=path,
            fix=fix,
        )


def _lifetime_words(argument: Node, captured: str) -> str:
    target = argument
    while target.name != captured:
        nxt = next(
            (n for _, n in target.arguments if n is not None and n.scope_path),
            None,
        )
        if nxt is None:
            break
        target = nxt
    if target.lifetime == CONTEXT:
        return "a scope context value"
    if target.lifetime == SCOPED:
        return "scoped"
    return f"bound to scope {target.lifetime!r}"
