"""The wrapper around a task function: one InjectQ scope per attempt, services passed in.

A worker calls the wrapper (taskiq calls a task's `original_func`, which the adapter
replaces). The wrapper opens an isolated scope named `task`, runs the user's hooks, resolves
the injected parameters in that scope, calls the task, and closes the scope with the task's
exception thrown into finalizers. A finalizer or hook that fails is logged and never costs
the result. Anything the message cannot be trusted with (a value for an injected parameter,
a malformed propagated value) fails the attempt with the reason, before any service exists.

A sync task's thread runs what must be awaited on the worker's loop, and never waits on it
without bound: when the loop has stopped (taskiq's worker stops it when the broker's
`listen()` raises, then joins the task threads before it runs the loop again), async
finalizers run on a loop of the thread's own, and async factories and hooks fail with
`LoopStoppedError` (see `run_on`). Under a process pool the attempt runs in the pool process
(see `_pool`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import inspect
import logging
import sys
import threading
from typing import TYPE_CHECKING, Any

import anyio
from taskiq import TaskiqMessage

from injectq import InjectedParameter, InjectQ, InjectQError, PropagationError, Scope

from ._dependency import DirectCallError
from ._injected import supplied_injected
from ._run import AttemptLabel, TaskInfo, received

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from ._hooks import TaskiqMiddleware as TaskHooks

logger = logging.getLogger("injectq.taskiq")

#: how long the finalizers of an attempt that ran into its timeout may take, shielded from
#: the timeout's cancellation (after it, they are cancelled like any close)
CLOSE_GRACE = 10.0

WRAPPED = "__injectq_wrapped__"
#: on a wrapper: its `Attempt`
ATTEMPT = "__injectq_attempt__"
_SIGNATURE = "__signature__"


class InjectedArgumentError(InjectQError):
    """A sender passed a value for a parameter that InjectQ injects in the worker."""


def injected_argument_error(task_name: str, supplied: Sequence[str]) -> InjectedArgumentError:
    return InjectedArgumentError(
        f"task {task_name} was sent a value for {', '.join(map(repr, supplied))}, which "
        "InjectQ injects in the worker; a message cannot replace a service",
        path=(f"task {task_name}",),
        fix="send only the task's own arguments; to replace a service in a test, use "
        "container.override(...)",
    )


class Attempt:
    """Everything one wrapped task needs to run an attempt (shared by all its attempts)."""

    def __init__(
        self,
        task_name: str,
        function: Callable[..., Any],
        container: InjectQ,
        injected: tuple[InjectedParameter, ...],
        hooks: tuple[TaskHooks, ...],
    ) -> None:
        self.task_name = task_name
        self.function = function
        self.container = container
        self.injected = injected
        #: resolves the injected parameters in the attempt's scope, in one generated call
        self.injector = container.injector(injected, name=f"task {task_name}")
        #: opens an attempt's scope: a child of the container, never of the sender's scope
        self.open_scope = container.opener(
            "task", context=(TaskiqMessage, TaskInfo), isolated=True, log_failures=logger
        )
        self.hooks = hooks
        self.is_sync = not inspect.iscoroutinefunction(function)
        self.names = frozenset(parameter.name for parameter in injected)
        positions = [p.position for p in injected if p.position is not None]
        #: a message with more positional arguments than this supplies an injected one
        self.first_position = min(positions) if positions else 1 << 30
        #: the worker's event loop, for what a sync task's thread must run on it
        self.loop: asyncio.AbstractEventLoop | None = None
        #: by task id: the timeouts of sync attempts about to run (see `Deadline`)
        self.deadlines: dict[str, Deadline] = {}
        #: by task id: when an async attempt's timeout is due, for what its finalizers see
        self.timeouts: dict[str, tuple[float, str, float]] = {}

    def prepare(self, message: TaskiqMessage) -> None:
        """On the worker's loop, before a sync attempt's thread starts or an async attempt
        with a timeout runs: note the loop, and start the attempt's timeout clock (before
        taskiq starts its own)."""
        loop = self.loop
        if loop is None or not loop.is_running():
            loop = self.loop = asyncio.get_running_loop()
        timeout = message.labels.get("timeout")
        if timeout is None:
            return
        try:
            seconds = float(timeout)
        except (TypeError, ValueError):
            return  # taskiq fails the attempt itself
        where = f"task {self.task_name} (id {message.task_id})"
        if not self.is_sync:
            self.timeouts[message.task_id] = (loop.time() + seconds, where, seconds)
            return
        deadline = Deadline(where, seconds)
        deadline.handle = loop.call_later(seconds, deadline.expire)
        self.deadlines[message.task_id] = deadline

    def supplies_injected(self, args: Sequence[Any], kwargs: dict[str, Any]) -> bool:
        """True when these arguments give a value for an injected parameter (cheap check)."""
        return len(args) > self.first_position or bool(kwargs and not self.names.isdisjoint(kwargs))

    def missing_injected(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> DirectCallError | None:
        """Called directly (not by a worker): the error when an injected parameter has no
        value, which InjectQ gives only when a worker runs the task."""
        given = set(supplied_injected(self.injected, args, kwargs))
        missing = [p.name for p in self.injected if p.name not in given and not p.has_default]
        if not missing:
            return None
        return DirectCallError(
            f"task {self.task_name} was called directly, so InjectQ did not inject "
            f"{', '.join(map(repr, missing))} (it does when a worker runs the task)",
            path=(f"task {self.task_name}",),
            fix="send the task with .kiq(), or run it with scheduler.execute_task(task, ...) in "
            "tests; to call it directly, pass the services as keyword arguments",
        )

    # opening and closing

    def open(
        self, message: TaskiqMessage, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Scope, TaskInfo]:
        info = TaskInfo(message)
        context: dict[Any, Any] = {TaskiqMessage: message, TaskInfo: info}
        rejection: InjectQError | None = None
        if self.supplies_injected(args, kwargs):
            supplied = supplied_injected(self.injected, args, kwargs)
            rejection = injected_argument_error(self.task_name, supplied)
        elif self.container.propagates:
            try:
                context.update(self.container.import_context(message.labels))
            except PropagationError as error:
                rejection = error.within(f"task {self.task_name}")
        # a finalizer that fails is logged with the task's name and id: the result is kept
        scope = self.open_scope(context, AttemptLabel((message.task_name, message.task_id)))
        info.scope = scope
        scope.enter()
        if rejection is not None:
            # the scope exists (hooks see the attempt) but nothing is resolved in it
            logger.warning("task %s rejected: %s", message.task_id, rejection)
            raise _Rejected(scope, info, rejection)
        return scope, info

    # hooks

    async def ahook(self, name: str, *arguments: Any) -> None:
        hooks = self.hooks if name == "before_task" else reversed(self.hooks)
        for hook in hooks:
            try:
                outcome = getattr(hook, name)(*arguments)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception:
                _hook_failed(hook, name, arguments[0])

    def hook(self, name: str, loop: asyncio.AbstractEventLoop | None, *arguments: Any) -> None:
        """The hooks from a sync task's thread: async ones run on `loop` (the worker's)."""
        hooks = self.hooks if name == "before_task" else reversed(self.hooks)
        for hook in hooks:
            try:
                outcome = getattr(hook, name)(*arguments)
                if inspect.isawaitable(outcome):
                    run_or_discard(loop, outcome)
            except Exception:
                _hook_failed(hook, name, arguments[0])

    def on_loop(self, awaitable: Awaitable[Any]) -> Any:
        """Run an awaitable on the worker's event loop from a sync task's thread (see
        `run_on`: raises `LoopStoppedError` when the loop is not running or stops)."""
        return run_on(self.loop, awaitable)

    def run_sync(
        self,
        message: TaskiqMessage,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        loop: asyncio.AbstractEventLoop | None,
        deadline: Deadline | None = None,
    ) -> Any:
        """One attempt of a sync task, in the thread (or pool process) that runs it; what
        must be awaited runs on `loop`."""
        try:
            scope, info = self.open(message, args, kwargs)
        except _Rejected as rejected:
            if deadline is not None:
                deadline.finish(loop)
            rejected.scope.close(rejected.reason)
            raise rejected.reason from None
        if deadline is not None:
            deadline.attach(scope)
        error: BaseException | None = None
        function = self.function
        try:
            if self.hooks:
                self.hook("before_task", loop, info)
            injector = self.injector
            if injector.needs_await:  # async factories run on the worker's loop
                try:
                    run_or_discard(loop, injector.aresolve(kwargs, scope))
                except LoopStoppedError as stopped:
                    raise stopped.within(f"the async factories of {info}") from None
            else:
                injector.resolve(kwargs, scope)
            result = function(*args, **kwargs)
            expired = None if deadline is None else deadline.finish(loop)
            if expired is not None:
                raise expired  # taskiq reported it failed: so it is
            if self.hooks:
                self.hook("after_task", loop, info, result)
            return result
        except BaseException as raised:
            error = raised
            if deadline is not None:
                deadline.finish(loop)
            if self.hooks and isinstance(raised, Exception):
                self.hook("on_task_error", loop, info, raised)
            raise
        finally:
            _close_sync(scope, error, loop, info)


class LoopStoppedError(RuntimeError):
    """A sync task's thread needed the worker's event loop, which is not running (or stopped
    while the thread waited): the awaitable did not run there.

    `started` is True when it had begun on the loop when the loop stopped (it may resume if
    the loop runs again); False when it never ran, so the caller still owns it.
    """

    def __init__(self, message: str, *, started: bool) -> None:
        super().__init__(message)
        self.started = started

    def within(self, what: str) -> LoopStoppedError:
        return LoopStoppedError(f"{what} could not run: {self}", started=self.started)


#: how often a thread waiting on the worker's loop checks that the loop still runs
WAIT_SLICE = 0.05
_PENDING, _STARTED, _TAKEN = 0, 1, 2


def run_on(loop: asyncio.AbstractEventLoop | None, awaitable: Awaitable[Any]) -> Any:
    """Run `awaitable` on `loop` (another thread's running loop) and return its result.

    Never waits without bound on a loop that no longer runs: the wait is cut in slices of
    `WAIT_SLICE`, and when the loop is closed or not running (taskiq's worker stops its loop
    when the broker's `listen()` raises, then joins the task threads before running it again)
    it raises `LoopStoppedError`. If the awaitable had not started on the loop by then, it
    never will (the caller may run it elsewhere); if it had, its end is not waited for.
    """
    if loop is None or loop.is_closed() or not loop.is_running():
        raise LoopStoppedError("the worker's event loop is not running", started=False)
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:  # no loop runs in this thread: the usual case
        running = None
    if running is loop:
        raise RuntimeError("cannot wait for the event loop in the loop's own thread")
    lock = threading.Lock()
    state = [_PENDING]
    done: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def finished(task: asyncio.Future[Any]) -> None:
        if task.cancelled():
            done.cancel()
        elif (exception := task.exception()) is not None:
            done.set_exception(exception)
        else:
            done.set_result(task.result())

    def start() -> None:  # on the loop: only when the thread has not taken the work back
        with lock:
            if state[0] == _TAKEN:
                return
            state[0] = _STARTED
        try:
            task = asyncio.ensure_future(awaitable)
        except BaseException as error:  # not an awaitable after all
            done.set_exception(error)
            return
        task.add_done_callback(finished)

    try:
        loop.call_soon_threadsafe(start)
    except RuntimeError:  # closed meanwhile
        raise LoopStoppedError("the worker's event loop is closed", started=False) from None
    while True:
        try:
            return done.result(WAIT_SLICE)
        except concurrent.futures.TimeoutError:
            if done.done():
                raise  # the awaitable's own TimeoutError
        if loop.is_running() and not loop.is_closed():
            continue
        with lock:
            if state[0] == _PENDING:
                state[0] = _TAKEN
                raise LoopStoppedError("the worker's event loop stopped", started=False)
        if not done.done():
            raise LoopStoppedError(
                "the worker's event loop stopped while it ran the work", started=True
            )


class Deadline:
    """The timeout of a sync attempt, kept on the worker's loop.

    taskiq stops waiting for a sync task at its timeout and reports it failed, but cannot stop
    the thread, which runs on. At the deadline the attempt is marked failed (its scope
    records a TimeoutError); the thread closes the scope when it ends, so the finalizers see
    the TimeoutError and never commit what taskiq already reported as failed, and the attempt
    raises it even when it returns late. The clock starts before taskiq's own does, so an
    attempt taskiq times out is always marked first.
    """

    __slots__ = ("done", "expired", "handle", "lock", "scope", "seconds", "where")

    def __init__(self, where: str, seconds: float) -> None:
        self.where = where
        self.seconds = seconds
        self.lock = threading.Lock()
        self.scope: Scope | None = None
        self.expired: TimeoutError | None = None
        self.done = False
        self.handle: asyncio.TimerHandle | None = None

    def expire(self) -> None:
        with self.lock:
            if self.done:
                return
            self.expired = TimeoutError(f"{self.where} ran past its timeout of {self.seconds:g} s")
            if self.scope is not None:
                self.scope.record_error(self.expired)

    def attach(self, scope: Scope) -> None:
        with self.lock:
            self.scope = scope
            if self.expired is not None:
                scope.record_error(self.expired)

    def finish(self, loop: asyncio.AbstractEventLoop | None) -> TimeoutError | None:
        """The thread is done: the TimeoutError if the deadline came first."""
        with self.lock:
            self.done = True
            expired = self.expired
        handle = self.handle
        if handle is not None and loop is not None and expired is None:
            with contextlib.suppress(RuntimeError):  # the loop is closed
                loop.call_soon_threadsafe(handle.cancel)
        return expired


class _Rejected(Exception):  # noqa: N818 - control flow inside this module
    def __init__(self, scope: Scope, info: TaskInfo, reason: InjectQError) -> None:
        super().__init__(str(reason))
        self.scope = scope
        self.info = info
        self.reason = reason


def _hook_failed(hook: object, name: str, info: TaskInfo) -> None:
    logger.exception(
        "InjectQ middleware %s.%s failed for task %s; the task goes on",
        type(hook).__qualname__,
        name,
        info.task_id,
    )


def wrap(attempt: Attempt) -> Callable[..., Any]:
    """The function a worker runs in place of the task function."""
    function = attempt.function
    if inspect.iscoroutinefunction(function):
        wrapper = _async_wrapper(attempt)
    else:
        wrapper = _sync_wrapper(attempt)
    functools.update_wrapper(wrapper, function)
    if attempt.is_sync:
        _publish(wrapper, function)
    # taskiq reads the signature to parse arguments: injected ones are not the sender's
    signature = _signature(function)
    names = {p.name for p in attempt.injected}
    visible = [p for p in signature.parameters.values() if p.name not in names]
    setattr(wrapper, _SIGNATURE, signature.replace(parameters=visible))
    # taskiq reads the type hints too (and its dependency graph looks for markers in them)
    annotations: dict[str, Any] = dict(getattr(function, "__annotations__", None) or {})
    wrapper.__annotations__ = {k: v for k, v in annotations.items() if k not in names}
    setattr(wrapper, WRAPPED, function)
    setattr(wrapper, ATTEMPT, attempt)
    return wrapper


def _signature(function: Callable[..., Any]) -> inspect.Signature:
    """`function`'s signature with its annotations evaluated where they can be: taskiq reads a
    `__signature__` as given, so string annotations (`from __future__ import annotations`)
    would hide its own markers (`Annotated[Context, TaskiqDepends()]`) from it."""
    try:
        return inspect.signature(function, eval_str=True)
    except Exception:  # a name only imported for type checking: as written, as taskiq would
        return inspect.signature(function)


def _publish(wrapper: Callable[..., Any], function: Callable[..., Any]) -> None:
    """Give a sync task's wrapper a name of its own in the task's module, where a process
    pool's pickle finds it (see `_pool`): as taskiq stores the original function there, under
    the name the wrapper would otherwise carry."""
    name = f"{function.__name__}__injectq"
    qualname: str = getattr(function, "__qualname__", name)
    wrapper.__name__ = name
    wrapper.__qualname__ = qualname.rpartition(".")[0] + "." + name if "." in qualname else name
    module = sys.modules.get(function.__module__)
    if module is not None and "." not in qualname:  # a task inside a function is not importable
        setattr(module, name, wrapper)


def unusable(function: Callable[..., Any], error: InjectQError) -> Callable[..., Any]:
    """A task function InjectQ cannot wrap: each attempt a worker runs fails with `error`."""
    original = getattr(function, WRAPPED, function)

    def cannot_run(*args: Any, **kwargs: Any) -> Any:
        if received.get() is None:
            return original(*args, **kwargs)
        received.set(None)
        raise error

    functools.update_wrapper(cannot_run, original)
    setattr(cannot_run, WRAPPED, original)
    return cannot_run


def _async_wrapper(attempt: Attempt) -> Callable[..., Any]:
    function = attempt.function

    async def run_attempt(*args: Any, **kwargs: Any) -> Any:
        message = received.get()
        if message is None:  # called directly, not by a worker: nothing to inject
            missing = attempt.missing_injected(args, kwargs) if attempt.injected else None
            if missing is not None:
                raise missing
            return await function(*args, **kwargs)
        received.set(None)
        timeout = attempt.timeouts.pop(message.task_id, None) if attempt.timeouts else None
        try:
            scope, info = attempt.open(message, args, kwargs)
        except _Rejected as rejected:
            rejected.scope.close(rejected.reason)  # nothing was made in it
            raise rejected.reason from None
        error: BaseException | None = None
        timed_out = False
        try:
            if attempt.hooks:
                await attempt.ahook("before_task", info)
            pending = attempt.injector.inject(kwargs, scope)
            if pending is not None:
                await pending
            result = await function(*args, **kwargs)
            if attempt.hooks:
                await attempt.ahook("after_task", info, result)
            return result
        except BaseException as raised:
            error = raised
            if timeout is not None and isinstance(raised, asyncio.CancelledError):
                expired = _timed_out(timeout)
                if expired is not None:
                    error, timed_out = expired, True
            if attempt.hooks and isinstance(raised, Exception):
                await attempt.ahook("on_task_error", info, raised)
            raise
        finally:
            # the common case closes without making a coroutine (this runs for every task)
            pending = scope.finish(error)
            if pending is not None and timed_out:
                # taskiq's timeout cancels again at every await: the finalizers get a grace
                # period to run to their end, each seeing the TimeoutError
                with anyio.move_on_after(CLOSE_GRACE, shield=True):
                    await pending
            elif pending is not None:
                await pending

    return run_attempt


def _sync_wrapper(attempt: Attempt) -> Callable[..., Any]:
    function = attempt.function

    def run_attempt(*args: Any, **kwargs: Any) -> Any:
        message = received.get()
        if message is None:
            missing = attempt.missing_injected(args, kwargs) if attempt.injected else None
            if missing is not None:
                raise missing
            return function(*args, **kwargs)
        received.set(None)
        deadline = attempt.deadlines.pop(message.task_id, None) if attempt.deadlines else None
        return attempt.run_sync(message, args, kwargs, attempt.loop, deadline)

    return run_attempt


def _timed_out(timeout: tuple[float, str, float]) -> TimeoutError | None:
    """A TimeoutError when an attempt's cancellation is its timeout (what taskiq reports)."""
    due, where, seconds = timeout
    if asyncio.get_running_loop().time() < due:
        return None
    return TimeoutError(f"{where} ran past its timeout of {seconds:g} s")


def run_or_discard(loop: asyncio.AbstractEventLoop | None, awaitable: Awaitable[Any]) -> Any:
    """`run_on`, closing a coroutine that never ran when the loop does not run it."""
    try:
        return run_on(loop, awaitable)
    except RuntimeError as refused:  # LoopStoppedError, or called on the loop's own thread
        if not getattr(refused, "started", False) and inspect.iscoroutine(awaitable):
            awaitable.close()
        raise


def _close_sync(
    scope: Scope, error: BaseException | None, loop: asyncio.AbstractEventLoop | None, info: object
) -> None:
    """Close from a sync task's thread: async finalizers run on `loop` (the worker's), or on
    a loop of the thread's own when that one does not run (any more)."""
    if not scope.needs_async_close:
        scope.close(error)
        return
    closing = scope.aclose(error)
    try:
        run_on(loop, closing)
    except LoopStoppedError as stopped:
        if stopped.started:
            logger.error(
                "the worker's event loop stopped while it closed the scope of %s: the "
                "finalizers not yet run there did not run",
                info,
            )
            return
        try:
            run_own_loop(closing)
        except Exception:
            logger.exception("the async finalizers of %s did not run", info)


def run_own_loop(awaitable: Awaitable[Any]) -> Any:
    """Run `awaitable` to its end on a new event loop of this thread's own."""

    async def run() -> Any:
        return await awaitable

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(run())
    finally:
        with contextlib.suppress(Exception):
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
