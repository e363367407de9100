"""The state of one task attempt: its scope and what the middleware hooks share."""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskiq import TaskiqMessage

    from injectq import InjectQ, InjectQError, Scope


class TaskInfo:
    """What InjectQ middleware hooks see of a task attempt.

    `task_id`, `task_name`, `args`, `kwargs`, `labels`, `retry_count` (0 on the first attempt)
    and `scope` (the attempt's InjectQ scope); set any other attribute in `before_task` and it
    is there in `after_task` / `on_task_error`. It is also injectable into factories.
    """

    scope: Scope

    def __init__(self, message: TaskiqMessage) -> None:
        self.task_id = message.task_id
        self.task_name = message.task_name
        self.args: list[Any] = list(message.args)
        self.kwargs: dict[str, Any] = dict(message.kwargs)
        self.labels: dict[str, Any] = dict(message.labels)
        self.retry_count = _retries(message.labels)
        self.message = message

    def __repr__(self) -> str:
        return f"<TaskInfo {self.task_name} {self.task_id} attempt {self.retry_count + 1}>"


def _retries(labels: dict[str, Any]) -> int:
    try:
        return int(labels.get("_retries", 0) or 0)
    except (TypeError, ValueError):
        return 0


class TaskRun:
    """One task attempt as the adapter tracks it between `pre_execute` and `post_execute`."""

    __slots__ = ("container", "error", "info", "rejection", "scope", "token")

    def __init__(self, container: InjectQ, scope: Scope, info: TaskInfo) -> None:
        self.container = container
        self.scope = scope
        self.info = info
        #: why the message cannot be trusted (it supplied an injected parameter, or carried a
        #: malformed propagated value): every injection of the attempt raises it
        self.rejection: InjectQError | None = None
        #: the task's exception, as `on_error` saw it
        self.error: BaseException | None = None
        self.token: Token[TaskRun | None] | None = None


#: the task attempt running in this context (each attempt runs in its own asyncio task)
current_run: ContextVar[TaskRun | None] = ContextVar("injectq_taskiq_run", default=None)
