"""The taskiq middleware that gives every task attempt its own InjectQ scope.

taskiq calls, per message: `pre_execute` (here: open and activate the attempt's scope), then
resolves dependencies and runs the task, then `on_error` and `post_execute` (here: run the
user's hooks, then close the scope with the task's exception thrown into finalizers). Nothing
in taskiq guards these hooks, and a hook that raises loses the result and the
acknowledgement, so every failure here is logged instead of raised.
"""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any

from taskiq import TaskiqMessage, TaskiqMiddleware, TaskiqResult

from injectq import FinalizationError, InjectQ, InjectQError, PropagationError

from ._injected import InjectedParameter, injected_parameters
from ._run import TaskInfo, TaskRun, current_run

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._hooks import TaskiqMiddleware as TaskHooks

logger = logging.getLogger("injectq.taskiq")

#: the label under which the sender records the task's name (results carry labels)
TASK_NAME_LABEL = "injectq_task_name"


class InjectedArgumentError(InjectQError):
    """A sender passed a value for a parameter that InjectQ injects in the worker."""


class InjectQTaskiqMiddleware(TaskiqMiddleware):
    """Scope per task attempt, the sender check of injected parameters, and user hooks."""

    def __init__(self, container: InjectQ, hooks: Sequence[TaskHooks] = ()) -> None:
        super().__init__()
        self.container = container
        self.hooks = tuple(hooks)
        self._injected: dict[str, tuple[InjectedParameter, ...]] = {}

    def injected(self, task_name: str) -> tuple[InjectedParameter, ...]:
        """The injected parameters of a task of this broker, by task name (cached)."""
        found = self._injected.get(task_name)
        if found is None:
            task = self.broker.find_task(task_name)
            found = injected_parameters(task.original_func) if task is not None else ()
            self._injected[task_name] = found
        return found

    # client side

    def pre_send(self, message: TaskiqMessage) -> TaskiqMessage:
        # results carry the message's labels: this lets a result say which task it is from
        message.labels.setdefault(TASK_NAME_LABEL, message.task_name)
        # the sender's propagated context (a request's correlation id, tenant) travels along
        message.labels.update(self.container.export_context())
        supplied = _supplied(self.injected(message.task_name), message)
        if supplied:
            raise InjectedArgumentError(
                f"task {message.task_name} was sent a value for "
                f"{', '.join(map(repr, supplied))}, which InjectQ injects in the worker",
                path=(f"task {message.task_name}",),
                fix="send only the task's own arguments; to replace a service in a test, use "
                "container.override(...)",
            )
        return message

    # worker side

    async def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        try:
            info = TaskInfo(message)
            rejection = self._forged(message)
            carried: dict[Any, Any] = {}
            if rejection is None:
                try:
                    carried = self.container.import_context(message.labels)
                except PropagationError as error:
                    rejection = error.within(f"task {message.task_name}")
            if rejection is not None:
                logger.warning("task %s rejected: %s", message.task_id, rejection)
            scope = self.container.scope(
                "task",
                isolated=True,
                context={TaskiqMessage: message, TaskInfo: info, **carried},
            )
            info.scope = scope
            run = TaskRun(self.container, scope, info)
            run.rejection = rejection
            scope.__enter__()
            run.token = current_run.set(run)
        except Exception:
            logger.exception("InjectQ could not open the scope of task %s", message.task_id)
            return message
        await self._call_hooks("before_task", run.info)
        return message

    def _forged(self, message: TaskiqMessage) -> InjectQError | None:
        """A message that supplies an injected parameter: strip the values, say why."""
        supplied = _strip(self.injected(message.task_name), message)
        if not supplied:
            return None
        return InjectedArgumentError(
            f"task {message.task_name} was sent a value for injected parameter(s) "
            f"{', '.join(map(repr, supplied))}; a message cannot replace a service",
            path=(f"task {message.task_name}",),
            fix="send only the task's own arguments; override services with "
            "container.override(...) in tests",
        )

    async def on_error(
        self, message: TaskiqMessage, result: TaskiqResult[Any], exception: BaseException
    ) -> None:
        run = _run_of(message)
        if run is not None:
            # kept here: a retry middleware may replace result.error before post_execute
            run.error = exception
            await self._call_hooks("on_task_error", run.info, exception)

    async def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        run = _run_of(message)
        if run is None:
            return
        if not result.is_err:
            await self._call_hooks("after_task", run.info, result.return_value)
        error = run.error if run.error is not None else (result.error if result.is_err else None)
        try:
            if run.token is not None:
                current_run.reset(run.token)
        except ValueError:  # a different context than pre_execute's: leave it be
            current_run.set(None)
        try:
            await run.scope.__aexit__(
                type(error) if error is not None else None,
                error,
                error.__traceback__ if error is not None else None,
            )
        except FinalizationError as failure:
            logger.error(
                "finalizers of task %s (%s) failed; the result is kept",
                message.task_id,
                message.task_name,
                exc_info=failure,
            )
        except Exception:
            logger.exception("InjectQ could not close the scope of task %s", message.task_id)

    async def _call_hooks(self, name: str, *arguments: Any) -> None:
        hooks = self.hooks if name == "before_task" else reversed(self.hooks)
        for hook in hooks:
            method = getattr(hook, name)
            try:
                outcome = method(*arguments)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception:
                logger.exception(
                    "InjectQ middleware %s.%s failed for task %s; the task goes on",
                    type(hook).__qualname__,
                    name,
                    arguments[0].task_id,
                )


def _run_of(message: TaskiqMessage) -> TaskRun | None:
    """The attempt `pre_execute` opened for this message, in this (its own) context.

    Looked up through the context rather than by a key made of the message's labels: a retry
    middleware changes those labels before `post_execute` runs.
    """
    run = current_run.get()
    if run is None or run.info.task_id != message.task_id:
        return None
    return run


def _supplied(injected: tuple[InjectedParameter, ...], message: TaskiqMessage) -> list[str]:
    count = len(message.args)
    return [
        parameter.name
        for parameter in injected
        if parameter.name in message.kwargs
        or (parameter.position is not None and parameter.position < count)
    ]


def _strip(injected: tuple[InjectedParameter, ...], message: TaskiqMessage) -> tuple[str, ...]:
    """Remove values a message carries for injected parameters; return their names."""
    supplied = _supplied(injected, message)
    for name in supplied:
        message.kwargs.pop(name, None)
    positions = [p.position for p in injected if p.position is not None]
    if positions and len(message.args) > min(positions):
        del message.args[min(positions) :]
    return tuple(supplied)
