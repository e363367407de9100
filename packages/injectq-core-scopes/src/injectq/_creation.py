"""Creating a cached instance once, however many threads, tasks and event loops want it.

The generated makers (see `_compiler`) claim a key in its holder's dict of *claims* (a scope's,
or the container's for singletons) with one atomic `setdefault`, naming their *owner*: the
thread for a sync creation (a new int object per claim), the creating frame for an async one
(other tasks on the same loop interleave with it). No lock is held while the factory runs.
Whoever finds the key claimed waits here for that one creation (a slow constructor delays only
those who need its object), then looks again: the instance is there, or the creator failed or
was cancelled and the first waiter to look claims the key and creates it itself, so a
creator's failure or cancellation never reaches the waiters.

A creation that would wait for itself is a cycle, raised as `CircularDependencyError`
instead of hanging: a factory that resolves its own key (directly or through other
factories: the owner is this thread, or its frame is on this task's stack), or threads whose
creations wait for each other.

Waking is lock-free for the creator: a waiter first registers itself, then checks that the
creation it saw is still under way; a creator first releases its claim, then wakes whoever
registered. Either the waiter sees the claim released (and does not wait) or the creator sees
the waiter (and wakes it). A registration that finds the claim released stays behind until a
later creation of the same key wakes it, harmlessly.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
import typing
from _thread import allocate_lock
from typing import TYPE_CHECKING, Any, Final

from ._errors import CircularDependencyError
from ._keys import key_name

if TYPE_CHECKING:
    from types import FrameType

Claims = dict[Any, Any]
"""key -> owner of the creation under way"""

#: (id of a claims dict, key) -> who waits for that creation: gates (locks) and futures;
#: makers test it for emptiness before they wake anyone, so an idle process pays nothing
waiters: Final[dict[tuple[int, Any], list[Any]]] = {}
#: guards registration and the wait-for registry (never held while user code runs)
_lock: Final = threading.Lock()
#: thread id -> the (claims, key) of the creation that thread is waiting for
_blocked: dict[int, tuple[Claims, Any]] = {}


def wait_sync(claims: Claims, key: Any, me: int, name: str, path: tuple[str, ...]) -> None:
    """Block until the creation of `key` under way ends (the caller looks again)."""
    owner: int | None = claims.get(key)
    if owner is None:
        return  # it ended already
    _refuse_cycle(owner, me, name, path)
    gate = allocate_lock()
    gate.acquire()
    _register(claims, key, gate)
    if claims.get(key) is not owner:
        return  # it ended meanwhile
    _blocked[me] = (claims, key)
    try:
        gate.acquire()
    finally:
        _blocked.pop(me, None)


async def wait_async(claims: Claims, key: Any, name: str, path: tuple[str, ...]) -> None:
    """Wait on this task's own loop until the creation of `key` under way ends."""
    owner: object = claims.get(key)
    if owner is None:
        return
    frame: FrameType | None = inspect.currentframe()
    while frame is not None:  # the owner's frame on this task's own stack: it waits for us
        if frame is owner:
            raise _reentered(name, path)
        frame = frame.f_back
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    _register(claims, key, future)
    if claims.get(key) is not owner:
        return
    del owner  # holding the owner's frame here would keep it alive
    await future


def wake(claims: Claims, key: Any) -> None:
    """Wake everyone waiting for the creation of `key` (it has just ended)."""
    found = waiters.pop((id(claims), key), None)
    if not found:
        return
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    for waiter in found:
        if not isinstance(waiter, asyncio.Future):
            waiter.release()
            continue
        future = typing.cast("asyncio.Future[None]", waiter)
        loop = future.get_loop()
        if loop is running:
            _release(future)
        else:
            # a waiter on another event loop is woken on its own loop, by that loop; if that
            # loop is closed, nobody is left waiting on it
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_release, future)


def _release(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _register(claims: Claims, key: Any, waiter: object) -> None:
    with _lock:
        waiters.setdefault((id(claims), key), []).append(waiter)


def _refuse_cycle(owner: int, me: int, name: str, path: tuple[str, ...]) -> None:
    """Raise CircularDependencyError if waiting for `owner` would mean waiting for oneself."""
    if owner == me:
        raise _reentered(name, path)
    chain = [name]
    current = owner
    for _ in range(64):
        blocked = _blocked.get(current)
        if blocked is None:
            return
        claims, wanted = blocked
        next_owner: int | None = claims.get(wanted)
        if next_owner is None:
            return
        chain.append(key_name(wanted))
        if next_owner == me:
            raise CircularDependencyError(
                f"circular dependency: {' -> '.join([*chain, name])}: creations in different "
                "threads wait for each other",
                path=path,
                fix=_BREAK_IT,
            )
        current = next_owner


def _reentered(name: str, path: tuple[str, ...]) -> CircularDependencyError:
    return CircularDependencyError(
        f"circular dependency: {name} is resolved again while it is being created (its "
        "factory, or something its factory calls, asks the container for it)",
        path=path,
        fix=_BREAK_IT,
    )


_BREAK_IT: Final = (
    "break the cycle: a factory must not ask the container for what is being created; pass "
    "the value in, or resolve it after creation"
)
