"""The taskiq middleware: checks what senders send, and hands each message to its task.

Client side (`pre_send`): a value for an injected parameter is rejected, and the sender's
propagated context is added to the labels. Worker side (`pre_execute`): the task's function
is wrapped once (see `_attempt`), and the message is handed to the wrapper through a context
variable. taskiq does not guard its hooks (a hook that raises loses the result and the
acknowledgement), so `pre_execute` never raises; the wrapper fails the attempt instead.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from taskiq import TaskiqMessage, TaskiqMiddleware

from injectq import marked_parameters

from ._attempt import WRAPPED, Attempt, InjectedArgumentError, injected_argument_error, wrap
from ._injected import supplied_injected
from ._run import received

if TYPE_CHECKING:
    from collections.abc import Sequence

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
        self._injected: dict[str, tuple[InjectedParameter, ...]] = {}
        self._attempts: dict[str, Attempt] = {}

    def injected(self, task_name: str) -> tuple[InjectedParameter, ...]:
        """The injected parameters of a task of this broker, by task name (cached)."""
        found = self._injected.get(task_name)
        if found is None:
            task = self.broker.find_task(task_name)
            if task is None:
                return ()
            function = getattr(task.original_func, WRAPPED, task.original_func)
            # any InjectQ marker counts (FastAPI's too: one service signature serves both)
            found = self._injected[task_name] = marked_parameters(function, f"task {task_name}")
        return found

    # client side

    def pre_send(self, message: TaskiqMessage) -> TaskiqMessage:
        supplied = supplied_injected(self.injected(message.task_name), message.args, message.kwargs)
        if supplied:
            raise injected_argument_error(message.task_name, supplied)
        # the sender's propagated context (a request's correlation id, tenant) travels along
        carried = self.container.export_context()
        if carried:
            message.labels.update(carried)
        return message

    # worker side

    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        try:
            attempt = self._attempts.get(message.task_name)
            if attempt is None:
                attempt = self._wrap(message.task_name)
            if attempt is not None:
                if attempt.is_sync and (attempt.loop is None or not attempt.loop.is_running()):
                    attempt.loop = asyncio.get_running_loop()
                received.set(message)
        except Exception:
            logger.exception("InjectQ could not prepare task %s", message.task_id)
        return message

    def _wrap(self, task_name: str) -> Attempt | None:
        """Wrap the task's function, once: taskiq calls the wrapper from then on."""
        task = self.broker.find_task(task_name)
        if task is None:
            return None
        function = getattr(task.original_func, WRAPPED, task.original_func)
        attempt = Attempt(
            task_name,
            function,
            self.container,
            self.injected(task_name),
            self.hooks,
        )
        task.original_func = wrap(attempt)
        self._attempts[task_name] = attempt
        return attempt
