"""A scope: one unit of work's instances, and the lifecycle every adapter drives.

`enter()` makes a scope the active one in the current context; `close(error)` /
`await aclose(error)` deactivate it and run its finalizers with the unit of work's exception
thrown in (see `_finalizers`), then report failed finalizers under the policy chosen when the
scope was opened: raise a `FinalizationError`, or log it naming the unit of work. `with` and
`async with` are the same calls. Closing twice, or from another task or thread, is safe.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Self, TypeVar, overload

from ._context import Deferred
from ._errors import FinalizationError, ScopeError
from ._finalizers import ACM, ASYNC_KINDS, CM, Finalizer, Outcome, owner_of, run_async, run_sync

if TYPE_CHECKING:
    import logging
    from collections.abc import Awaitable, Callable, Iterable, Mapping
    from contextlib import AbstractAsyncContextManager, AbstractContextManager
    from contextvars import ContextVar, Token
    from types import TracebackType


T = TypeVar("T")


class ScopeRuntime:
    """What a scope needs from its container: the active-scope variable, the container's own
    (root) scope, resolvers, and the checks of a scope's name and context values.

    The resolvers need the root scope, which needs this runtime: `attach` gives them once
    they exist.
    """

    __slots__ = ("active", "aresolve", "open", "resolve", "root", "units")

    def __init__(
        self,
        active: ContextVar[Scope | None],
        open_scope: Callable[
            [str | None, Mapping[Any, Any] | None, bool], tuple[Scope, dict[Any, Any]]
        ],
    ) -> None:
        self.active = active
        self.open = open_scope
        self.root: Scope | None = None
        #: the units of work opened by `ScopeOpener`s (what adapters open) not closed yet
        self.units: set[Scope] = set()

    def attach(
        self,
        resolve: Callable[[Scope, Any], Any],
        aresolve: Callable[[Scope, Any], Awaitable[Any]],
    ) -> None:
        self.resolve = resolve
        self.aresolve = aresolve


class Scope:
    """One unit of work (a request, a task run, a tool call) and the instances it owns.

    Enter it with `with` or `async with` (or `enter()`) to make it the active scope; closing
    it runs the finalizers of everything it created, newest first, with the unit of work's
    exception thrown in.
    """

    __slots__ = (
        "_cache",
        "_closed",
        "_creating",
        "_error",
        "_finalizers",
        "_label",
        "_log",
        "_runtime",
        "_token",
        "name",
        "parent",
    )

    def __init__(  # not keyword-only: that costs a little on every scope
        self,
        runtime: ScopeRuntime,
        name: str | None = None,
        context: Mapping[Any, Any] | None = None,
        isolated: bool = False,
        label: object = None,
        log_failures: logging.Logger | None = None,
        checked: bool = False,
    ) -> None:
        """Open a scope; use `container.scope(...)`, which is this with the runtime bound
        (`checked`: `context` is a new dict of declared keys, see `ScopeOpener`)."""
        self._runtime = runtime
        self.name = name
        if checked:
            self.parent = runtime.root if isolated else (runtime.active.get(None) or runtime.root)
            self._cache: dict[Any, Any] = context  # type: ignore[assignment]
        elif name is None and context is None and not isolated:  # the common case, kept short
            self.parent = runtime.active.get(None) or runtime.root
            self._cache = {}
        else:
            self.parent, self._cache = runtime.open(name, context, isolated)
        #: keys being created in this scope right now, by their creator (see `_creation`)
        self._creating: dict[Any, Any] = {}
        self._finalizers: list[Finalizer] | None = None
        self._token: Token[Scope | None] | None = None
        self._closed = False
        self._error: BaseException | None = None
        self._label = label
        self._log = log_failures

    @classmethod
    def root_of(cls, runtime: ScopeRuntime, singletons: dict[Any, Any]) -> Scope:
        """The container's own scope: it holds the singletons and has no parent."""
        root = object.__new__(cls)
        root._runtime = runtime
        root.name = None
        root.parent = None
        root._cache = singletons
        root._creating = {}
        root._finalizers = None
        root._token = None
        root._closed = False
        root._error = None
        root._label = "the container's singletons"
        root._log = None
        runtime.root = root
        return root

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<Scope {self.label} {state}, {len(self._cache)} cached>"

    @property
    def label(self) -> str:
        """What messages call this unit of work: the label it was opened with, else its name."""
        if self._label is not None:
            return str(self._label)
        return f"scope {self.name}" if self.name else "scope"

    @property
    def needs_async_close(self) -> bool:
        """True when an async finalizer is registered: close with `aclose` / `async with`."""
        finalizers = self._finalizers
        if not finalizers:  # the common case: asked once per unit of work by the adapters
            return False
        return any(kind in ASYNC_KINDS for kind, _, _ in finalizers)

    @property
    def closed(self) -> bool:
        """True once the scope has been closed: nothing more can be created in it."""
        return self._closed

    # resolving in this scope explicitly (when the contextvar did not travel)

    @overload
    def get(self, key: Callable[..., T]) -> T: ...
    @overload
    def get(self, key: str) -> Any: ...
    def get(self, key: Any) -> Any:
        """Resolve `key` in this scope, whichever scope is active."""
        self._check_open(key)
        return self._runtime.resolve(self, key)

    @overload
    async def aget(self, key: Callable[..., T]) -> T: ...
    @overload
    async def aget(self, key: str) -> Any: ...
    async def aget(self, key: Any) -> Any:
        """Resolve `key` in this scope, awaiting async factories."""
        self._check_open(key)
        return await self._runtime.aresolve(self, key)

    def _check_open(self, key: object) -> None:
        if self._closed:
            from ._keys import key_name

            raise ScopeError(
                f"cannot resolve {key_name(key)} in a closed scope",
                path=(key_name(key),),
                fix="resolve inside the `with container.scope()` block that owns the scope",
            )

    # the lifecycle: enter, record the unit of work's error, close

    def enter(self) -> Self:
        """Make this scope the active one in the current context (what `with` does)."""
        if self._token is not None or self._closed:
            raise ScopeError(
                "this scope was already entered; a scope is one unit of work",
                fix="open a new one with container.scope()",
            )
        self._token = self._runtime.active.set(self)
        return self

    def record_error(self, error: BaseException) -> None:
        """Record the exception the unit of work's own code raised, for the finalizers.

        For frameworks that turn it into something else (an error response, a `ToolError`)
        before the scope closes: the close throws the first recorded error into the
        finalizers instead of what reaches it.
        """
        if self._error is None:
            self._error = error

    def close(
        self, exc: BaseException | None = None, *, log_failures: logging.Logger | None = None
    ) -> None:
        """End the unit of work: deactivate the scope, run every sync finalizer (newest
        first, `exc` thrown into each), and report failures: raised as one
        `FinalizationError`, or logged to `log_failures` (default: the logger the scope was
        opened with, if any).

        Async finalizers cannot run here: they stay registered for `aclose()` and are reported
        as failures. Closing again does nothing more.
        """
        if not self._finalizers:
            self._end()
            return
        self._deactivate()
        try:
            outcome = run_sync(self._take_finalizers(), self._error or exc)
        finally:
            if self.parent is None:
                self._closed = False  # the container can be used again
        if outcome is not None and outcome.kept:
            outcome.kept.reverse()
            self._finalizers = outcome.kept  # for `aclose()`, with the instances they close
        else:
            self._cache.clear()
        if outcome is not None:
            self._report_outcome(outcome, log_failures)

    async def aclose(
        self, exc: BaseException | None = None, *, log_failures: logging.Logger | None = None
    ) -> None:
        """End the unit of work: deactivate the scope, run every finalizer (newest first,
        `exc` thrown into each), and report failures as `close` does. A cancellation arriving
        meanwhile is re-raised after every finalizer was entered. Closing again does nothing
        more."""
        if not self._finalizers:
            self._end()
            return
        self._deactivate()
        try:
            outcome = await run_async(self._take_finalizers(), self._error or exc)
        finally:
            if self.parent is None:
                self._closed = False  # the container can be used again
        self._cache.clear()
        if outcome is not None:
            self._report_outcome(outcome, log_failures)

    def finish(self, exc: BaseException | None = None) -> Awaitable[None] | None:
        """`close(exc)` when no async finalizer is registered (returns None), else the
        awaitable of `aclose(exc)`: `pending = scope.finish(error)`, then `await pending` when
        it is not None. One call per unit of work, for adapters."""
        finalizers = self._finalizers
        if not finalizers:
            self._end()
            return None
        if any(kind in ASYNC_KINDS for kind, _, _ in finalizers):
            return self.aclose(exc)
        self.close(exc)
        return None

    def __enter__(self) -> Self:
        if self._token is not None or self._closed:
            self.enter()  # raises the error that says why
        self._token = self._runtime.active.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._finalizers:
            self.close(exc)
            return
        # `_end()` written out: the common case, for every unit of work
        token = self._token
        if token is not None:
            try:
                self._runtime.active.reset(token)
                self._token = None
            except (ValueError, RuntimeError):
                pass  # another context entered it: that one keeps its active scope
        if self.parent is not None:
            self._closed = True
            self._runtime.units.discard(self)
        self._cache.clear()

    async def __aenter__(self) -> Self:
        if self._token is not None or self._closed:
            self.enter()  # raises the error that says why
        self._token = self._runtime.active.set(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._finalizers:
            await self.aclose(exc)
            return
        token = self._token  # `_end()` written out, as in `__exit__`
        if token is not None:
            try:
                self._runtime.active.reset(token)
                self._token = None
            except (ValueError, RuntimeError):
                pass
        if self.parent is not None:
            self._closed = True
            self._runtime.units.discard(self)
        self._cache.clear()

    def _deactivate(self) -> None:
        """Restore the active scope of the context that entered this one.

        From any other context (another task or thread), or a second time, this changes
        nothing: no context's active scope is ever replaced by a close it did not make.
        """
        token = self._token
        if token is not None:
            try:
                self._runtime.active.reset(token)
            except (ValueError, RuntimeError):
                return  # not the context that entered it: that one keeps its token
            self._token = None

    def _end(self) -> None:
        """Close a scope that has nothing to finalize."""
        self._deactivate()
        if self.parent is not None:
            self._closed = True
            self._runtime.units.discard(self)
        self._cache.clear()

    def _take_finalizers(self) -> list[Finalizer]:
        """Mark the scope closed; its finalizers, newest first."""
        finalizers = self._finalizers or []
        self._finalizers = None
        # the root too, while its singletons are finalized: nothing new is made under them
        self._closed = True
        if self.parent is not None:
            self._runtime.units.discard(self)
        finalizers.reverse()
        return finalizers

    def _report_outcome(self, outcome: Outcome, log: logging.Logger | None = None) -> None:
        stop = outcome.stop
        if outcome.failures:
            owners = ", ".join(owner_of(error) for error in outcome.failures)
            count = len(outcome.failures)
            failure = FinalizationError(
                f"{count} finalizer(s) of {self.label} failed: {owners}", outcome.failures
            )
            if log is None:
                log = self._log
            if log is not None:
                log.error("%s; the outcome stands", failure.message, exc_info=failure)
            elif stop is None:
                raise failure
            else:
                stop.add_note(f"InjectQ: {failure.message} (the FinalizationError is its context)")
                stop.__context__ = failure
        if stop is not None:
            raise stop

    # finalizers and the cache

    def forget(self) -> None:
        """Drop everything this scope holds without finalizing it (in a process forked from
        the one that made it: the objects, and closing them, belong to the parent)."""
        self._cache.clear()
        self._creating.clear()
        self._finalizers = None

    def ensure_open(self, owner: str) -> None:
        """Refuse to create anything in a scope that has already been closed (or, for the
        container's own scope, while its singletons are being finalized)."""
        if self._closed and self.parent is None:
            raise ScopeError(
                f"cannot create {owner}: the container is closing its singletons",
                path=(owner,),
                fix="finish the units of work before the container closes (the adapters' "
                "lifespans wait for them); a singleton made now would never be closed",
            )
        if self._closed:
            raise ScopeError(
                f"cannot create {owner}: its scope is already closed",
                path=(owner,),
                fix="resolve inside the unit of work; a task spawned from it must not outlive it",
            )

    def register(self, kind: int, obj: Any, owner: str) -> None:
        """Run `obj`'s finalizer (of `kind`) when this scope closes."""
        finalizers = self._finalizers
        if finalizers is None:
            self._finalizers = [(kind, obj, owner)]
        else:
            finalizers.append((kind, obj, owner))

    def made_context_value(self, key: Any, deferred: Deferred) -> Any:
        """Make the `Deferred` context value this scope holds for `key`, once; keep it."""
        with _deferred_lock:
            value = self._cache.get(key, deferred)
            if type(value) is not Deferred:
                return value  # made meanwhile by another thread
            made = deferred()
            self._cache[key] = made
            return made

    def lookup(self, key: Any, default: Any = None) -> Any:
        """The value this scope holds for `key` (a made instance or a context value)."""
        return self._cache.get(key, default)

    def set_aside(self, keys: Iterable[Any]) -> dict[Any, Any]:
        """Remove and return the held values of `keys` (used by `InjectQ.override`)."""
        return {key: self._cache.pop(key) for key in keys if key in self._cache}

    def put_back(self, drop: Iterable[Any], values: Mapping[Any, Any]) -> None:
        """Forget `drop`, then hold `values` again (used when an override ends)."""
        for key in drop:
            self._cache.pop(key, None)
        self._cache.update(values)

    def held_keys(self) -> list[Any]:
        """The keys this scope holds values for."""
        return list(self._cache)


#: held only while a `Deferred` context value is made (rare: once per value and scope)
_deferred_lock = threading.Lock()


class ScopeOpener:
    """Opens the scopes of one kind of unit of work (made by `container.opener()`): the name,
    the context keys and the logger are checked once, not per unit of work."""

    __slots__ = ("_isolated", "_log", "_runtime", "keys", "name")

    def __init__(
        self,
        runtime: ScopeRuntime,
        name: str | None,
        keys: frozenset[Any],
        isolated: bool,
        log_failures: logging.Logger | None,
    ) -> None:
        self._runtime = runtime
        self.name = name
        self.keys = keys
        self._isolated = isolated
        self._log = log_failures

    def __repr__(self) -> str:
        return f"<ScopeOpener {self.name!r}>"

    def __call__(self, context: dict[Any, Any], label: object = None) -> Scope:
        """A new scope (not entered yet) with `context`: a new dict, owned by the scope from
        now on, of the declared keys to their values (not checked again); a value may be a
        `Deferred`, made when something first asks for it."""
        scope = Scope(self._runtime, self.name, context, self._isolated, label, self._log, True)
        self._runtime.units.add(scope)
        return scope


def enter_context_manager(scope: Scope, cm: AbstractContextManager[T], owner: str) -> T:
    if scope.closed:
        scope.ensure_open(owner)
    value = cm.__enter__()
    scope.register(CM, cm, owner)
    return value


async def aenter_context_manager(scope: Scope, cm: AbstractAsyncContextManager[T], owner: str) -> T:
    if scope.closed:
        scope.ensure_open(owner)
    value = await cm.__aenter__()
    scope.register(ACM, cm, owner)
    return value
