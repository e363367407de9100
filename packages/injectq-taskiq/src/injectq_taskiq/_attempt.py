"""The wrapper around a task function: one InjectQ scope per attempt, services passed in.

A worker calls the wrapper (taskiq calls a task's `original_func`, which the adapter
replaces). The wrapper opens an isolated scope named `task`, runs the user's hooks, resolves
the injected parameters in that scope, calls the task, and closes the scope with the task's
exception thrown into finalizers. A finalizer or hook that fails is logged and never costs
the result. Anything the message cannot be trusted with (a value for an injected parameter,
a malformed propagated value) fails the attempt with the reason, before any service exists.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from typing import TYPE_CHECKING, Any

from taskiq import TaskiqMessage

from injectq import InjectedParameter, InjectQ, InjectQError, PropagationError, Scope

from ._injected import supplied_injected
from ._run import TaskInfo, received

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from ._hooks import TaskiqMiddleware as TaskHooks

logger = logging.getLogger("injectq.taskiq")

WRAPPED = "__injectq_wrapped__"
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
        self.hooks = hooks
        self.is_sync = not inspect.iscoroutinefunction(function)
        self.names = frozenset(parameter.name for parameter in injected)
        positions = [p.position for p in injected if p.position is not None]
        #: a message with more positional arguments than this supplies an injected one
        self.first_position = min(positions) if positions else 1 << 30
        #: the worker's event loop, for what a sync task's thread must run on it
        self.loop: asyncio.AbstractEventLoop | None = None

    # opening and closing

    def open(
        self, message: TaskiqMessage, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Scope, TaskInfo]:
        info = TaskInfo(message)
        rejection: InjectQError | None = None
        carried: dict[Any, Any] = {}
        supplied = (
            supplied_injected(self.injected, args, kwargs)
            if len(args) > self.first_position or (kwargs and not self.names.isdisjoint(kwargs))
            else None
        )
        if supplied:
            rejection = injected_argument_error(self.task_name, supplied)
        else:
            try:
                carried = self.container.import_context(message.labels)
            except PropagationError as error:
                rejection = error.within(f"task {self.task_name}")
        context: dict[Any, Any] = {TaskiqMessage: message, TaskInfo: info}
        if carried:
            context.update(carried)
        # a finalizer that fails is logged with the task's name and id: the result is kept
        scope = self.container.scope(
            "task", isolated=True, context=context, label=info, log_failures=logger
        )
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

    def hook(self, name: str, *arguments: Any) -> None:
        """The hooks from a sync task's thread: async ones run on the worker's loop."""
        hooks = self.hooks if name == "before_task" else reversed(self.hooks)
        for hook in hooks:
            try:
                outcome = getattr(hook, name)(*arguments)
                if inspect.isawaitable(outcome):
                    self.on_loop(outcome)
            except Exception:
                _hook_failed(hook, name, arguments[0])

    def on_loop(self, awaitable: Awaitable[Any]) -> Any:
        """Run an awaitable on the worker's event loop from a sync task's thread."""
        if self.loop is None:
            raise RuntimeError("the worker's event loop is unknown")

        async def run() -> Any:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result()


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
    # taskiq reads the signature to parse arguments: injected ones are not the sender's
    signature = inspect.signature(function)
    names = {p.name for p in attempt.injected}
    visible = [p for p in signature.parameters.values() if p.name not in names]
    setattr(wrapper, _SIGNATURE, signature.replace(parameters=visible))
    setattr(wrapper, WRAPPED, function)
    return wrapper


def _async_wrapper(attempt: Attempt) -> Callable[..., Any]:
    function = attempt.function

    async def run_attempt(*args: Any, **kwargs: Any) -> Any:
        message = received.get()
        if message is None:  # called directly, not by a worker: nothing to inject
            return await function(*args, **kwargs)
        received.set(None)
        try:
            scope, info = attempt.open(message, args, kwargs)
        except _Rejected as rejected:
            rejected.scope.close(rejected.reason)  # nothing was made in it
            raise rejected.reason from None
        error: BaseException | None = None
        try:
            if attempt.hooks:
                await attempt.ahook("before_task", info)
            injector = attempt.injector
            if injector.needs_await:
                await injector.aresolve(kwargs, scope)
            else:
                injector.resolve(kwargs, scope)
            result = await function(*args, **kwargs)
            if attempt.hooks:
                await attempt.ahook("after_task", info, result)
            return result
        except BaseException as raised:
            error = raised
            if attempt.hooks and isinstance(raised, Exception):
                await attempt.ahook("on_task_error", info, raised)
            raise
        finally:
            # the common case closes without making a coroutine (this runs for every task)
            if scope.needs_async_close:
                await scope.aclose(error)
            else:
                scope.close(error)

    return run_attempt


def _sync_wrapper(attempt: Attempt) -> Callable[..., Any]:
    function = attempt.function

    def run_attempt(*args: Any, **kwargs: Any) -> Any:
        message = received.get()
        if message is None:
            return function(*args, **kwargs)
        received.set(None)
        try:
            scope, info = attempt.open(message, args, kwargs)
        except _Rejected as rejected:
            rejected.scope.close(rejected.reason)
            raise rejected.reason from None
        error: BaseException | None = None
        try:
            if attempt.hooks:
                attempt.hook("before_task", info)
            injector = attempt.injector
            if injector.needs_await:  # async factories run on the worker's loop
                attempt.on_loop(injector.aresolve(kwargs, scope))
            else:
                injector.resolve(kwargs, scope)
            result = function(*args, **kwargs)
            if attempt.hooks:
                attempt.hook("after_task", info, result)
            return result
        except BaseException as raised:
            error = raised
            if attempt.hooks and isinstance(raised, Exception):
                attempt.hook("on_task_error", info, raised)
            raise
        finally:
            _close_sync(attempt, scope, error)

    return run_attempt


def _close_sync(attempt: Attempt, scope: Scope, error: BaseException | None) -> None:
    """Close from a sync task's thread; async finalizers run on the worker's loop."""
    if not scope.needs_async_close:
        scope.close(error)
        return
    try:
        attempt.on_loop(scope.aclose(error))
    except RuntimeError:  # no loop known (not run by a worker): close what can close here
        scope.close(error)
