"""An entry point's injected parameters, resolved together by one generated function.

`container.injector(function)` reads which parameters InjectQ fills in (the one parser, see
`_parameters`) and, on first use and again after any binding changes, compiles
`inject_<name>(scope, kwargs, n)`: every parameter's whole graph inline, from one scope, in one
call. Adapters call it once per unit of work; `@inject` calls it once per call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._codegen import Generated, full_source
from ._errors import AsyncFactoryError, BindingError, InjectQError, add_path_note
from ._parameters import MISSING
from ._validation import EntryPoint

if TYPE_CHECKING:
    import inspect
    from collections.abc import Awaitable, Callable, Sequence

    from ._compiler import Argument
    from ._graph import Node
    from ._parameters import InjectedParameter
    from ._resolution import Resolution
    from ._scope import Scope


class Injector:
    """Fills in an entry point's injected parameters; made by `InjectQ.injector()`.

    `parameters` are the parameters it fills in; `signature` is the function's signature
    without them (what a framework should show and parse).
    """

    __slots__ = (
        "_active",
        "_async",
        "_generated",
        "_generation",
        "_is_async",
        "_resolution",
        "_root",
        "_sync",
        "name",
        "parameters",
        "signature",
    )

    def __init__(
        self,
        resolution: Resolution,
        parameters: Sequence[InjectedParameter],
        name: str,
        signature: inspect.Signature | None = None,
    ) -> None:
        for parameter in parameters:
            if parameter.positional_only:
                raise BindingError(
                    f"parameter {parameter.name!r} of {name} is positional-only, but InjectQ "
                    "passes injected values by keyword",
                    path=(name,),
                    fix=f"make {parameter.name!r} a normal (or keyword-only) parameter",
                )
        self._resolution = resolution
        self._active = resolution.active
        self._root = resolution.root
        self.name = name
        self.parameters = tuple(parameters)
        self.signature = signature
        self._generation = -1
        self._sync: Callable[[Scope, dict[str, Any], int], None] | None = None
        self._async: Callable[..., Any] | None = None
        self._is_async = False
        self._generated: Generated | None = None

    def __repr__(self) -> str:
        names = ", ".join(parameter.name for parameter in self.parameters)
        return f"<Injector {self.name}: {names}>"

    @property
    def needs_await(self) -> bool:
        """True when a parameter's graph has an async factory: use `aresolve`."""
        if self._generation != self._resolution.generation:
            self._current()
        return self._is_async

    # `scope` and `args` are not keyword-only: adapters call these once per unit of work, and
    # keyword-only parameters cost a little on every call

    def resolve(
        self, kwargs: dict[str, Any], scope: Scope | None = None, args: Sequence[Any] = ()
    ) -> None:
        """Set in `kwargs` each injected parameter not already given (by name in `kwargs` or
        by position in `args`), resolved in `scope` (default: the active scope)."""
        function = self._sync
        if function is None or self._generation != self._resolution.generation:
            function = self._current()[0]
        try:
            function(scope or self._active.get(None) or self._root, kwargs, len(args))
        except Exception as error:
            self._note(error)
            raise

    def inject(
        self, kwargs: dict[str, Any], scope: Scope | None = None, args: Sequence[Any] = ()
    ) -> Awaitable[None] | None:
        """`resolve` when no parameter needs an async factory (returns None), else the
        awaitable of `aresolve`: `pending = injector.inject(kwargs, scope)`, then `await
        pending` when it is not None. One call per unit of work, for adapters."""
        function = self._sync
        if function is None or self._generation != self._resolution.generation:
            function = self._current()[0]
        if self._is_async:
            return self.aresolve(kwargs, scope, args)
        try:
            function(scope or self._active.get(None) or self._root, kwargs, len(args))
        except Exception as error:
            self._note(error)
            raise
        return None

    async def aresolve(
        self, kwargs: dict[str, Any], scope: Scope | None = None, args: Sequence[Any] = ()
    ) -> None:
        """`resolve`, awaiting async factories."""
        sync, asynchronous = self._current()
        target = scope or self._active.get(None) or self._root
        try:
            if asynchronous is None:
                sync(target, kwargs, len(args))
            else:
                await asynchronous(target, kwargs, len(args))
        except Exception as error:
            self._note(error)
            raise

    def source(self) -> str:
        """The generated function that resolves the parameters, with every generated function
        it calls (the async one when a parameter needs an async factory)."""
        self._current()
        assert self._generated is not None
        return full_source(self._generated)

    def entry_point(
        self,
        *,
        is_async: bool = True,
        context: frozenset[Any] | None = None,
        scopes: frozenset[str] | None = None,
        receives_propagated: bool = False,
    ) -> EntryPoint:
        """This entry point, for `container.validate(entry_points=...)`."""
        return EntryPoint(
            self.name,
            tuple(parameter.key for parameter in self.parameters),
            is_async=is_async,
            context=context,
            scopes=scopes,
            receives_propagated=receives_propagated,
            optional=frozenset(p.key for p in self.parameters if p.optional),
        )

    def _note(self, error: Exception) -> None:
        if isinstance(error, InjectQError):
            error.within(self.name)
        else:
            add_path_note(error)

    def _current(self) -> tuple[Callable[..., None], Callable[..., Any] | None]:
        resolution = self._resolution
        if self._generation != resolution.generation or self._sync is None:
            with resolution.lock:
                generation = resolution.generation
                arguments = self._arguments()
                compiler = resolution.compiler
                self._is_async = any(_needs_await(node) for _, node in arguments)
                generated = compiler.injector(self.name, arguments, is_async=self._is_async)
                self._generated = generated
                if self._is_async:
                    self._async = generated.function
                    self._sync = _async_needed(self.name, arguments)
                else:
                    self._async = None
                    self._sync = generated.function
                self._generation = generation
        assert self._sync is not None
        return self._sync, self._async

    def _arguments(self) -> list[Argument]:
        graph = self._resolution.graph
        arguments: list[Argument] = []
        for parameter in self.parameters:
            node: Node | InjectQError | None
            try:
                node = graph.argument(parameter)
            except InjectQError as error:
                node = error.within(self.name)  # raised if the caller leaves it out
            if node is None and parameter.default is not MISSING:
                continue  # it keeps its default
            arguments.append((parameter, node))
        return arguments


def _async_path(node: Node | InjectQError | None) -> tuple[str, ...]:
    """The path to the first async factory `node` needs (empty when it needs none)."""
    if node is None or isinstance(node, InjectQError):
        return ()
    return node.async_path


def _needs_await(node: Node | InjectQError | None) -> bool:
    return bool(_async_path(node))


def _async_needed(name: str, arguments: Sequence[Argument]) -> Callable[..., None]:
    path = next(_async_path(node) for _, node in arguments if _needs_await(node))

    def inject(scope: Scope, kwargs: dict[str, Any], n: int) -> None:
        raise AsyncFactoryError(
            f"{name} needs the async factory of {path[-1]}, so its parameters cannot be "
            "resolved from sync code",
            path=(name, *path),
            fix=f"resolve them with `await injector.aresolve(...)`, or give {path[-1]} a sync "
            "factory",
        )

    return inject
