"""Sync tasks under `taskiq worker --use-process-pool`: each attempt's scope in the pool process.

Under a process pool taskiq's receiver pickles the task's function (`original_func`, InjectQ's
wrapper) with the call's arguments and runs it in another process; context variables do not
cross. So:

- the wrapper is pickled by reference: it is stored in the task's module under its own name
  (`<function>__taskiq_original__injectq`, as taskiq stores the original function), and a
  pool process finds it by importing that module, which sets InjectQ up on its broker and
  wraps the task again, with the module's container;
- the message travels with the call: when the worker's receiver runs in a process pool, its
  executor is wrapped so that each sync attempt is submitted together with its
  `TaskiqMessage` (task id, name, labels, args, kwargs);
- in the pool process the attempt opens its own scope: services are made there, finalizers
  run there (async factories, hooks and finalizers on an event loop the pool process keeps
  for them, in a thread of its own).

What does not cross the process boundary: the worker's scopes and instances (each pool
process has its own singletons, made on first use, and closed when the process exits; the
singletons a forked process would inherit are the worker's, and the core forgets them in the
child), the worker's lifespan and start-up validation (they run in the worker's
process only), context variables (propagated values arrive through the message's labels, as
they do in the worker), and a sync attempt's timeout (taskiq stops waiting for it, but the
pool process runs it to its end and its finalizers do not see a `TimeoutError`). The task's
arguments and its result must be picklable, as without InjectQ. A task defined inside a
function (not importable by name) cannot run in a process pool, with InjectQ or without.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import threading
from concurrent.futures import Executor, Future
from multiprocessing.util import Finalize
from typing import TYPE_CHECKING, Any

from taskiq.receiver import Receiver

from ._attempt import ATTEMPT, Attempt
from ._run import received

if TYPE_CHECKING:
    from collections.abc import Callable

    from taskiq import TaskiqMessage

    from injectq import InjectQ

logger = logging.getLogger("injectq.taskiq")

#: how long a pool process's exit waits for its singletons' finalizers
CLOSE_AT_EXIT = 10.0


class CarryingExecutor(Executor):
    """A receiver's process pool, which hands each sync attempt its message."""

    def __init__(self, pool: Executor) -> None:
        self.pool = pool

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        # taskiq calls `submit(_execute_sync_task_in_executor, target, args, kwargs)` in the
        # message's context, where `pre_execute` left the message for the task's wrapper
        message = received.get()
        if message is not None and len(args) == 3 and not kwargs:
            attempt: Attempt | None = getattr(args[0], ATTEMPT, None)
            if attempt is not None:
                received.set(None)
                deadline = attempt.deadlines.pop(message.task_id, None)
                if deadline is not None:  # the pool process runs the attempt to its end
                    deadline.finish(attempt.loop)
                return self.pool.submit(run_pooled, args[0], message, *args[1:])
        return self.pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait, cancel_futures=cancel_futures)


def carry_messages(depth: int = 2) -> None:
    """Called from `pre_execute` for a sync task: when the receiver that called it runs sync
    tasks in a process pool, wrap its executor (once) so that messages go along."""
    frame = inspect.currentframe()
    for _ in range(depth):
        frame = frame.f_back if frame is not None else None
    receiver = frame.f_locals.get("self") if frame is not None else None
    if (
        isinstance(receiver, Receiver)
        and receiver.is_process_pool
        and receiver.executor is not None
        and not isinstance(receiver.executor, CarryingExecutor)
    ):
        receiver.executor = CarryingExecutor(receiver.executor)


def run_pooled(
    target: Callable[..., Any], message: TaskiqMessage, args: tuple[Any, ...], kwargs: Any
) -> Any:
    """In the pool process: one attempt of the task whose wrapper `target` is (unpickled by
    reference, so this process's own, with this process's container)."""
    attempt: Attempt | None = getattr(target, ATTEMPT, None)
    if attempt is None:  # not InjectQ's wrapper in this process (set up differently)
        return target(*args, **kwargs)
    loop = process_loop()
    close_at_exit(attempt.container, loop)
    return attempt.run_sync(message, tuple(args), dict(kwargs), loop)


#: the containers whose singletons this pool process closes when it exits
_closing_at_exit: set[int] = set()


def close_at_exit(container: InjectQ, loop: asyncio.AbstractEventLoop) -> None:
    """Close `container`'s singletons made in this pool process when the process exits: the
    pool's worker processes end through multiprocessing, which runs its exit finalizers
    (and not `atexit`)."""
    key = id(container)
    if key in _closing_at_exit:
        return
    _closing_at_exit.add(key)

    def close() -> None:
        try:
            future = asyncio.run_coroutine_threadsafe(container.aclose(log_failures=logger), loop)
            future.result(timeout=CLOSE_AT_EXIT)
        except Exception:
            logger.exception(
                "InjectQ could not close the singletons of pool process %d", os.getpid()
            )

    Finalize(None, close, exitpriority=10)


_lock = threading.Lock()
_loop: tuple[int, asyncio.AbstractEventLoop] | None = None


def process_loop() -> asyncio.AbstractEventLoop:
    """The event loop this pool process runs what sync attempts await on (started once, in
    a daemon thread: async singletons made there stay usable by later attempts)."""
    global _loop
    with _lock:
        if _loop is not None and _loop[0] == os.getpid() and _loop[1].is_running():
            return _loop[1]
        loop = asyncio.new_event_loop()
        started = threading.Event()
        loop.call_soon(started.set)
        threading.Thread(
            target=loop.run_forever, name="injectq-taskiq pool loop", daemon=True
        ).start()
        started.wait()
        _loop = (os.getpid(), loop)
        return loop
