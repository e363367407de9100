"""Running a scope's finalizers: newest first, every one of them, whatever happens.

A close enters every finalizer exactly once. A finalizer that fails is collected (they are
reported together); a cancellation (or KeyboardInterrupt, SystemExit) arriving while one runs
does not stop the others: it is thrown into the ones still to run, so they see that the unit of
work did not end normally, and it is re-raised after the last one. anyio's cancel scopes cancel
again at every await, so each later async finalizer may be cancelled at its own first await;
it has still been entered, and a generator is never left for the garbage collector.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Final

from ._errors import ScopeError
from ._parameters import MISSING

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager, AbstractContextManager
    from types import AsyncGeneratorType, GeneratorType

# how a registered finalizer is run
GEN: Final = 0
AGEN: Final = 1
CM: Final = 2
ACM: Final = 3
ASYNC_KINDS: Final = (AGEN, ACM)

Finalizer = tuple[int, Any, str]
"""(kind, the generator or context manager, the name of what it made)"""


class Outcome:
    """What running a list of finalizers left: failures, a stop to re-raise, ones not run."""

    __slots__ = ("failures", "kept", "stop")

    def __init__(self) -> None:
        self.failures: list[Exception] = []
        #: the first cancellation or interrupt that arrived while finalizers ran
        self.stop: BaseException | None = None
        #: async finalizers a sync close could not run (still registered, in close order)
        self.kept: list[Finalizer] = []

    def record(self, raised: BaseException, thrown: BaseException | None, owner: str) -> bool:
        """Record what a finalizer raised; True when it is a new stop, to throw into the rest."""
        if raised is thrown:
            return False  # the finalizer let the unit of work's exception through
        if isinstance(raised, Exception):
            raised.add_note(f"InjectQ: raised by the finalizer of {owner}")
            with contextlib.suppress(AttributeError):
                setattr(raised, OWNER_ATTRIBUTE, owner)
            self.failures.append(raised)
            return False
        if self.stop is None:
            self.stop = raised
            return True
        return False


OWNER_ATTRIBUTE: Final = "__injectq_finalizer_of__"


def run_sync(finalizers: list[Finalizer], error: BaseException | None) -> Outcome | None:
    """Run `finalizers` (already newest first) from sync code; async ones are kept.

    Returns None when every finalizer ran and none failed (nothing to report).
    """
    outcome: Outcome | None = None
    thrown = error
    for kind, obj, owner in finalizers:
        try:
            if kind == GEN:
                _close_generator(obj, thrown)
            elif kind == CM:
                _exit_context_manager(obj, thrown)
            else:
                outcome = outcome or Outcome()
                outcome.kept.append((kind, obj, owner))
                outcome.failures.append(_async_in_sync_close(owner))
        except BaseException as raised:
            outcome = outcome or Outcome()
            if outcome.record(raised, thrown, owner):
                thrown = raised
    return outcome


async def run_async(finalizers: list[Finalizer], error: BaseException | None) -> Outcome | None:
    """Run `finalizers` (already newest first), sync and async.

    Returns None when every finalizer ran and none failed (nothing to report).
    """
    outcome: Outcome | None = None
    thrown = error
    for kind, obj, owner in finalizers:
        try:
            if kind == AGEN:
                await _aclose_generator(obj, thrown)
            elif kind == GEN:
                _close_generator(obj, thrown)
            elif kind == CM:
                _exit_context_manager(obj, thrown)
            else:
                await _aexit_context_manager(obj, thrown)
        except BaseException as raised:
            outcome = outcome or Outcome()
            if outcome.record(raised, thrown, owner):
                thrown = raised
    return outcome


def _yielded_twice(name: str) -> RuntimeError:
    return RuntimeError(f"generator {name} yielded more than once")


def _async_in_sync_close(owner: str) -> ScopeError:
    error = ScopeError(
        f"the async finalizer of {owner} cannot run in a sync close",
        path=(owner,),
        fix="use `async with container.scope()` or `await scope.aclose()` / "
        "`await container.aclose()`",
    )
    with contextlib.suppress(AttributeError):
        setattr(error, OWNER_ATTRIBUTE, owner)
    return error


def _close_generator(gen: GeneratorType[Any, None, None], error: BaseException | None) -> None:
    if error is None:
        # a `for` loop ends the generator without raising (and paying for) StopIteration
        for _ in gen:
            break
        else:
            return
    else:
        try:
            gen.throw(error)
        except StopIteration:
            return
    gen.close()
    raise _yielded_twice(gen.gi_code.co_qualname)


async def _aclose_generator(
    gen: AsyncGeneratorType[Any, None], error: BaseException | None
) -> None:
    if error is None:
        if await anext(gen, MISSING) is MISSING:  # a default: no StopAsyncIteration to pay for
            return
    else:
        try:
            await gen.athrow(error)
        except StopAsyncIteration:
            return
    await _aclose_quietly(gen)
    raise _yielded_twice(gen.ag_code.co_qualname)


async def _aclose_quietly(gen: AsyncGeneratorType[Any, None]) -> None:
    with contextlib.suppress(Exception):
        await gen.aclose()


def _exit_context_manager(cm: AbstractContextManager[Any], error: BaseException | None) -> None:
    if error is None:
        cm.__exit__(None, None, None)
    else:
        cm.__exit__(type(error), error, error.__traceback__)


async def _aexit_context_manager(
    cm: AbstractAsyncContextManager[Any], error: BaseException | None
) -> None:
    if error is None:
        await cm.__aexit__(None, None, None)
    else:
        await cm.__aexit__(type(error), error, error.__traceback__)


def owner_of(error: Exception) -> str:
    owner: object = getattr(error, OWNER_ATTRIBUTE, None)
    return f"{owner} ({type(error).__name__})" if isinstance(owner, str) else type(error).__name__
