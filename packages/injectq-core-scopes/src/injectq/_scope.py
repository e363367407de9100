"""A scope: one unit of work's instances and the finalizers that close them."""

from __future__ import annotations

import contextlib
from _thread import RLock as _RLock
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar, overload

from ._errors import FinalizationError, ScopeError
from ._providers import MISSING

if TYPE_CHECKING:
    from collections.abc import (
        Awaitable,
        Callable,
        Iterable,
        Mapping,
    )
    from contextlib import AbstractAsyncContextManager, AbstractContextManager
    from types import AsyncGeneratorType, GeneratorType, TracebackType


T = TypeVar("T")


class ScopeRuntime:
    """What a scope needs from its container: the active-scope variable, the container's own
    (root) scope, resolvers, and the checks of a scope's name and context values."""

    __slots__ = ("active", "aresolve", "open", "resolve", "root")

    def __init__(
        self,
        active: ContextVar[Scope | None],
        resolve: Callable[[Scope, Any], Any],
        aresolve: Callable[[Scope, Any], Awaitable[Any]],
        open_scope: Callable[
            [str | None, Mapping[Any, Any] | None, bool], tuple[Scope, dict[Any, Any]]
        ],
    ) -> None:
        self.active = active
        self.resolve = resolve
        self.aresolve = aresolve
        self.open = open_scope
        self.root: Scope | None = None


# how a registered finalizer is run
GEN: Final = 0
AGEN: Final = 1
CM: Final = 2
ACM: Final = 3


class Scope:
    """One unit of work (a request, a task run, a tool call) and the instances it owns.

    Enter it with `with` or `async with` to make it the active scope; leaving it runs the
    finalizers of everything it created, newest first, with the body's exception thrown in.
    """

    __slots__ = (
        "_cache",
        "_closed",
        "_finalizers",
        "_lock",
        "_pending",
        "_runtime",
        "_token",
        "name",
        "parent",
    )

    def __init__(
        self,
        runtime: ScopeRuntime,
        name: str | None = None,
        *,
        context: Mapping[Any, Any] | None = None,
        isolated: bool = False,
    ) -> None:
        """Open a scope; use `container.scope(...)`, which is this with the runtime bound."""
        self._runtime = runtime
        self.name = name
        if name is None and context is None and not isolated:  # the common case, kept short
            self.parent = runtime.active.get(None) or runtime.root
            self._cache: dict[Any, Any] = {}
        else:
            self.parent, self._cache = runtime.open(name, context, isolated)
        self._finalizers: list[tuple[int, Any, str]] | None = None
        #: makes creation in this scope happen once when threads share it (a C RLock is cheap)
        self._lock = _RLock()
        self._pending: dict[Any, Any] | None = None  # async creations under way, by key
        self._token: Token[Scope | None] | None = None
        self._closed = False

    @classmethod
    def root_of(cls, runtime: ScopeRuntime, singletons: dict[Any, Any]) -> Scope:
        """The container's own scope: it holds the singletons and has no parent."""
        root = object.__new__(cls)
        root._runtime = runtime
        root.name = None
        root.parent = None
        root._cache = singletons
        root._finalizers = None
        root._lock = _RLock()
        root._pending = None
        root._token = None
        root._closed = False
        runtime.root = root
        return root

    def __repr__(self) -> str:
        label = "container" if self.parent is None else (self.name or "scope")
        state = "closed" if self._closed else "open"
        return f"<Scope {label} {state}, {len(self._cache)} cached>"

    @property
    def needs_async_close(self) -> bool:
        """True when an async finalizer is registered: close with `aclose` / `async with`."""
        finalizers = self._finalizers
        if not finalizers:
            return False
        return any(kind in (AGEN, ACM) for kind, _, _ in finalizers)

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

    # activation

    def __enter__(self) -> Self:
        if self._token is not None or self._closed:
            raise ScopeError(
                "this scope was already entered; a scope is one unit of work",
                fix="open a new one with container.scope()",
            )
        self._token = self._runtime.active.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self._runtime.active.reset(self._token)  # type: ignore[arg-type]
        except (ValueError, TypeError):  # exited in another context, or never entered
            self._deactivate()
        if self._finalizers:
            self.close(exc)
        else:
            self._closed = True
            self._cache.clear()

    async def __aenter__(self) -> Self:
        if self._token is not None or self._closed:
            self.__enter__()  # raises the error that says why
        self._token = self._runtime.active.set(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self._runtime.active.reset(self._token)  # type: ignore[arg-type]
        except (ValueError, TypeError):  # exited in another context, or never entered
            self._deactivate()
        if self._finalizers:
            await self.aclose(exc)
        else:
            self._closed = True
            self._cache.clear()

    def _deactivate(self) -> None:
        """Make the parent active again where the scope's own token cannot be reset."""
        if self._token is not None:
            self._runtime.active.set(self.parent if self.parent is not None else None)

    # finalization

    def ensure_open(self, owner: str) -> None:
        """Refuse to create anything in a scope that has already been closed."""
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

    def close(self, exc: BaseException | None = None) -> None:
        """Run every sync finalizer, newest first, throwing `exc` into generators.

        Raises FinalizationError with every failure when any finalizer failed. Async
        finalizers cannot run here: they stay registered (for `aclose`) and are reported.
        """
        finalizers = self._finalize_prepare()
        errors: list[Exception] = []
        kept: list[tuple[int, Any, str]] = []
        for kind, obj, owner in finalizers:
            try:
                if kind == GEN:
                    _close_generator(obj, exc)
                elif kind == CM:
                    _exit_context_manager(obj, exc)
                else:
                    kept.append((kind, obj, owner))
                    raise ScopeError(
                        f"the async finalizer of {owner} cannot run in a sync close",
                        path=(owner,),
                        fix="use `async with container.scope()` or `await scope.aclose()` / "
                        "`await container.aclose()`",
                    )
            except Exception as error:
                errors.append(_tag(error, owner))
        if kept:
            kept.reverse()
            self._finalizers = kept + (self._finalizers or [])
        self._finish(errors, keep_cache=bool(kept))

    async def aclose(self, exc: BaseException | None = None) -> None:
        """Run every finalizer (sync and async), newest first, throwing `exc` into generators."""
        finalizers = self._finalize_prepare()
        errors: list[Exception] = []
        for kind, obj, owner in finalizers:
            try:
                if kind == GEN:
                    _close_generator(obj, exc)
                elif kind == AGEN:
                    if exc is not None or await anext(obj, MISSING) is not MISSING:
                        await _aclose_generator(obj, exc)
                elif kind == CM:
                    _exit_context_manager(obj, exc)
                else:
                    await _aexit_context_manager(obj, exc)
            except Exception as error:
                errors.append(_tag(error, owner))
        self._finish(errors)

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

    def _finalize_prepare(self) -> list[tuple[int, Any, str]]:
        finalizers = self._finalizers or []
        self._finalizers = None
        if self.parent is not None:
            self._closed = True
        finalizers.reverse()
        return finalizers

    def _finish(self, errors: list[Exception], *, keep_cache: bool = False) -> None:
        if not keep_cache:
            self._cache.clear()
        if errors:
            label = "the container" if self.parent is None else f"scope {self.name or ''}".strip()
            owners = ", ".join(_owner_of(error) for error in errors)
            raise FinalizationError(
                f"{len(errors)} finalizer(s) of {label} failed: {owners}", errors
            )


_OWNER: Final = "__injectq_finalizer_of__"


def _tag(error: Exception, owner: str) -> Exception:
    error.add_note(f"InjectQ: raised by the finalizer of {owner}")
    with contextlib.suppress(AttributeError):
        setattr(error, _OWNER, owner)
    return error


def _owner_of(error: Exception) -> str:
    owner: object = getattr(error, _OWNER, None)
    return f"{owner} ({type(error).__name__})" if isinstance(owner, str) else type(error).__name__


def _close_generator(gen: GeneratorType[Any, None, None], exc: BaseException | None) -> None:
    if exc is None:
        # a `for` loop ends the generator without raising (and paying for) StopIteration
        for _ in gen:
            gen.close()
            raise RuntimeError(f"generator {gen.gi_code.co_qualname} yielded more than once")
        return
    try:
        gen.throw(exc)
    except StopIteration:
        return
    except BaseException as raised:
        if raised is exc:
            return  # the generator let the unit of work's exception through: not its failure
        raise
    gen.close()
    raise RuntimeError(f"generator {gen.gi_code.co_qualname} yielded more than once")


async def _aclose_generator(gen: AsyncGeneratorType[Any, None], exc: BaseException | None) -> None:
    if exc is None:  # the caller saw it yield a second time
        await gen.aclose()
        raise RuntimeError(f"async generator {gen.ag_code.co_qualname} yielded more than once")
    try:
        await gen.athrow(exc)
    except StopAsyncIteration:
        return
    except BaseException as raised:
        if raised is exc:
            return
        raise
    await gen.aclose()
    raise RuntimeError(f"async generator {gen.ag_code.co_qualname} yielded more than once")


def _exit_context_manager(cm: AbstractContextManager[Any], exc: BaseException | None) -> None:
    if exc is None:
        cm.__exit__(None, None, None)
    else:
        cm.__exit__(type(exc), exc, exc.__traceback__)


async def _aexit_context_manager(
    cm: AbstractAsyncContextManager[Any], exc: BaseException | None
) -> None:
    if exc is None:
        await cm.__aexit__(None, None, None)
    else:
        await cm.__aexit__(type(exc), exc, exc.__traceback__)


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


ActiveScope = ContextVar[Scope | None]
