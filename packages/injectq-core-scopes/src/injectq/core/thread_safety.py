"""`injectq.core.thread_safety`: injectq 0.5.0's concurrency utilities, as a face of this
project's own (the container does not use them: its own resolution is already thread- and
task-safe). `HybridLock` is one lock shared by threads and coroutines alike;
`ThreadSafeDict` and `AsyncSafeCounter` are guarded by one.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections import deque
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
    from types import TracebackType

__all__ = ["AsyncSafeCounter", "HybridLock", "ThreadSafeDict"]

T = TypeVar("T")


def _holder() -> object:
    """Who is acquiring: the running asyncio task, else the current thread."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no event loop runs in this thread
        task = None
    return task if task is not None else threading.current_thread()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class HybridLock:
    """A reentrant lock for threads (`with lock:`) and coroutines (`async with lock:`).

    Threads and tasks exclude each other: there is one lock, not one per kind of caller. A
    thread blocks while it waits; a task never blocks its event loop: it awaits a wake-up that
    the releasing thread or task sends to the task's loop. The holder is a task when the lock is
    taken inside one (so the same task may re-enter it, even through the sync form), else the
    thread. Inside a coroutine use `async with`: a `with` that has to wait would block the loop.
    """

    def __init__(self) -> None:
        self._held = threading.Lock()
        # guards the waiting tasks, so that a release never misses one that is about to wait
        self._state = threading.Lock()
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._owner: object | None = None
        self._depth = 0

    def locked(self) -> bool:
        return self._held.locked()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock, waiting (when `blocking`) up to `timeout` seconds; False if not taken."""
        me = _holder()
        if self._owner is me:
            self._depth += 1
            return True
        if not self._held.acquire(blocking, timeout):
            return False
        self._owner, self._depth = me, 1
        return True

    async def acquire_async(self) -> None:
        """Take the lock without blocking the event loop while another holder has it."""
        me = _holder()
        if self._owner is me:
            self._depth += 1
            return
        loop = asyncio.get_running_loop()
        while True:
            with self._state:
                if self._held.acquire(blocking=False):
                    break
                waiter: asyncio.Future[None] = loop.create_future()
                self._waiting.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                with self._state:
                    if waiter in self._waiting:
                        self._waiting.remove(waiter)
                    else:  # it was woken as well as cancelled: let the next one try
                        self._wake_next()
                raise
        self._owner, self._depth = me, 1

    def release(self) -> None:
        """Release one level of the lock; RuntimeError when the caller does not hold it."""
        if self._owner is not _holder():
            raise RuntimeError("HybridLock released by a thread or task that does not hold it")
        self._depth -= 1
        if self._depth:
            return
        self._owner = None
        with self._state:
            self._held.release()
            self._wake_next()

    def _wake_next(self) -> None:
        # the woken task tries again (a thread may take the lock first; then it waits again)
        while self._waiting:
            waiter = self._waiting.popleft()
            try:
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)
            except RuntimeError:  # its event loop is closed: nobody waits there any more
                continue
            return

    @contextmanager
    def sync_lock(self) -> Generator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()

    @asynccontextmanager
    async def async_lock(self) -> AsyncGenerator[None]:
        await self.acquire_async()
        try:
            yield
        finally:
            self.release()

    def __enter__(self) -> HybridLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    async def __aenter__(self) -> HybridLock:
        await self.acquire_async()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


class ThreadSafeDict(Generic[T]):
    """A dict whose every operation (and `get_or_create` as a whole) holds a `HybridLock`;
    each method has an `a`-prefixed form for coroutines."""

    def __init__(self) -> None:
        self._data: dict[Any, T] = {}
        self._lock = HybridLock()

    def get(self, key: Any, default: T | None = None) -> T | None:
        with self._lock:
            return self._data.get(key, default)

    async def aget(self, key: Any, default: T | None = None) -> T | None:
        async with self._lock:
            return self._data.get(key, default)

    def set(self, key: Any, value: T) -> None:
        with self._lock:
            self._data[key] = value

    async def aset(self, key: Any, value: T) -> None:
        async with self._lock:
            self._data[key] = value

    def delete(self, key: Any) -> bool:
        """Remove `key`; True when it was there."""
        with self._lock:
            return self._data.pop(key, _ABSENT) is not _ABSENT

    async def adelete(self, key: Any) -> bool:
        async with self._lock:
            return self._data.pop(key, _ABSENT) is not _ABSENT

    def contains(self, key: Any) -> bool:
        with self._lock:
            return key in self._data

    async def acontains(self, key: Any) -> bool:
        async with self._lock:
            return key in self._data

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    async def aclear(self) -> None:
        async with self._lock:
            self._data.clear()

    def get_or_create(self, key: Any, factory: Callable[[], T]) -> T:
        """The value of `key`, made by `factory` (once, whoever races) when it is missing."""
        with self._lock:
            if key not in self._data:
                self._data[key] = factory()
            return self._data[key]

    async def aget_or_create(self, key: Any, factory: Callable[[], T]) -> T:
        async with self._lock:
            if key not in self._data:
                self._data[key] = factory()
            return self._data[key]

    async def aget_or_create_async(self, key: Any, factory: Callable[[], T | Awaitable[T]]) -> T:
        """As `aget_or_create`, awaiting what `factory` returns when it is awaitable."""
        async with self._lock:
            if key not in self._data:
                made = factory()
                if inspect.isawaitable(made):
                    made = await made
                self._data[key] = cast("T", made)
            return self._data[key]

    def copy(self) -> dict[Any, T]:
        with self._lock:
            return self._data.copy()

    async def acopy(self) -> dict[Any, T]:
        async with self._lock:
            return self._data.copy()

    def items(self) -> list[tuple[Any, T]]:
        with self._lock:
            return list(self._data.items())

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def __contains__(self, key: object) -> bool:
        return self.contains(key)


_ABSENT: Any = object()


class AsyncSafeCounter:
    """An integer counter safe to change from threads and coroutines; each change returns
    the new value."""

    def __init__(self, initial_value: int = 0) -> None:
        self._value = initial_value
        self._lock = HybridLock()

    def increment(self, amount: int = 1) -> int:
        with self._lock:
            self._value += amount
            return self._value

    async def aincrement(self, amount: int = 1) -> int:
        async with self._lock:
            self._value += amount
            return self._value

    def decrement(self, amount: int = 1) -> int:
        return self.increment(-amount)

    async def adecrement(self, amount: int = 1) -> int:
        return await self.aincrement(-amount)

    def get(self) -> int:
        with self._lock:
            return self._value

    async def aget(self) -> int:
        async with self._lock:
            return self._value

    def set(self, value: int) -> None:
        with self._lock:
            self._value = value

    async def aset(self, value: int) -> None:
        async with self._lock:
            self._value = value
