"""The taskiq middleware: checks what senders send, and hands each message to its task.

Client side (`pre_send`): a value for an injected parameter is rejected, and the sender's
propagated context is added to the labels (a value the task needs and the sender cannot
supply fails the send). Worker side (`pre_execute`): the message is handed to the task's
wrapper (see `_attempt`; tasks are wrapped when registered, see `_registry`) through a
context variable; when the receiver runs sync tasks in a process pool, its executor is
wrapped so that the message goes to the pool process with the call (see `_pool`). taskiq
does not guard its hooks (a hook that raises loses the result and the acknowledgement), so
`pre_execute` never raises; the wrapper fails the attempt instead.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from taskiq import TaskiqMessage, TaskiqMiddleware

from injectq import InjectQError, marked_parameters

from ._attempt import (
    ATTEMPT,
    WRAPPED,
    Attempt,
    InjectedArgumentError,
    injected_argument_error,
    unusable,
    wrap,
)
from ._injected import supplied_injected
from ._pool import carry_messages
from ._run import received

if TYPE_CHECKING:
    from collections.abc import Sequence

    from taskiq import AsyncTaskiqDecoratedTask

    from injectq import InjectedParameter, InjectQ

    from ._hooks import TaskiqMiddleware as TaskHooks

logger = logging.getLogger("injectq.taskiq")

__all__ = ["InjectQTaskiqMiddleware", "InjectedArgumentError"]


class InjectQTaskiqMiddleware(TaskiqMiddleware):
    """Sender checks and propagation; a scope per task attempt through wrapped tasks."""

    def __init__(self, container: InjectQ, hooks: Sequence[TaskHooks] = ()) -> None:
        super().__init__()
        self.container = container
        self.hooks = tuple(hooks)
        self._attempts: dict[str, Attempt] = {}
        #: per task name: the propagated keys its graph needs (computed at its first send)
        self._needs: dict[str, frozenset[Any]] = {}

    def injected(self, task_name: str) -> tuple[InjectedParameter, ...]:
        """The injected parameters of a task of this broker, by task name."""
        attempt = self._attempts.get(task_name)
        if attempt is None:
            task = self.broker.find_task(task_name)
            if task is None:
                return ()
            attempt = self.wrap_task(task)
        return attempt.injected

    def wrap_task(self, task: AsyncTaskiqDecoratedTask[Any, Any]) -> Attempt:
        """Make the task's function InjectQ's wrapper (once); its `Attempt`.

        Raises InjectQError when the function's parameters cannot be read (annotations not
        evaluable yet, a positional-only injected parameter).
        """
        current = task.original_func
        attempt: Attempt | None = getattr(current, ATTEMPT, None)
        if attempt is not None and attempt.container is self.container:
            self._attempts[task.task_name] = attempt
            return attempt
        function = getattr(current, WRAPPED, current)
        name = task.task_name
        # any InjectQ marker counts (FastAPI's too: one service signature serves both)
        injected = marked_parameters(function, f"task {name}")
        attempt = Attempt(name, function, self.container, injected, self.hooks)
        task.original_func = wrap(attempt)
        self._attempts[name] = attempt
        return attempt

    # client side

    def pre_send(self, message: TaskiqMessage) -> TaskiqMessage:
        name = message.task_name
        attempt = self._attempts.get(name)
        if attempt is None:
            self.injected(name)
            attempt = self._attempts.get(name)
        if (
            attempt is not None
            and attempt.injected
            and attempt.supplies_injected(message.args, message.kwargs)
        ):
            supplied = supplied_injected(attempt.injected, message.args, message.kwargs)
            raise injected_argument_error(name, supplied)
        container = self.container
        if container.propagates:
            self._export(container, message)
        return message

    def _export(self, container: InjectQ, message: TaskiqMessage) -> None:
        # the sender's propagated context (a request's correlation id, tenant) travels
        # along; what the task needs and the sender cannot supply fails the send, not the task
        name = message.task_name
        needs = self._needs.get(name)
        if needs is None:
            keys = [parameter.key for parameter in self.injected(name) if not parameter.optional]
            needs = self._needs[name] = container.propagated_needs(keys)
        carried = container.export_context(
            required=needs, receiver=f"task {name}", carried=message.labels
        )
        if carried:
            message.labels.update(carried)

    # worker side

    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        try:
            attempt = self._attempts.get(message.task_name)
            if attempt is None:
                attempt = self._wrap_late(message.task_name)
            if attempt is not None:
                if attempt.is_sync or "timeout" in message.labels:
                    attempt.prepare(message)
                if attempt.is_sync:
                    carry_messages()  # under a process pool, the message goes with the call
                received.set(message)
        except Exception:
            logger.exception("InjectQ could not prepare task %s", message.task_id)
        return message

    def _wrap_late(self, task_name: str) -> Attempt | None:
        """Wrap a task that was not wrapped when it was registered (one registered in a way
        the registry did not see); a task that cannot be wrapped fails each attempt."""
        task = self.broker.find_task(task_name)
        if task is None:
            return None
        try:
            return self.wrap_task(task)
        except InjectQError as error:
            task.original_func = unusable(task.original_func, error)
            return None
