"""What a task attempt shares with the user's hooks and factories."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskiq import TaskiqMessage

    from injectq import Scope


class TaskInfo:
    """What InjectQ middleware hooks see of a task attempt.

    `task_id`, `task_name`, `args`, `kwargs`, `labels`, `retry_count` (0 on the first attempt)
    and `scope` (the attempt's InjectQ scope); set any other attribute in `before_task` and it
    is there in `after_task` / `on_task_error`. It is also injectable into factories.
    """

    scope: Scope

    def __init__(self, message: TaskiqMessage) -> None:
        # one per attempt: only what every attempt needs is read now
        self.message = message
        self.task_id = message.task_id
        self.task_name = message.task_name

    @property
    def retry_count(self) -> int:
        """0 on the first attempt, 1 on the first retry, and so on."""
        return _retries(self.message.labels)

    @property
    def args(self) -> list[Any]:
        """The task's positional arguments, as the task receives them."""
        return self.message.args

    @property
    def kwargs(self) -> dict[str, Any]:
        """The task's keyword arguments, as the task receives them."""
        return self.message.kwargs

    @property
    def labels(self) -> dict[str, Any]:
        """The message's labels."""
        return self.message.labels

    def __repr__(self) -> str:
        return f"<TaskInfo {self.task_name} {self.task_id} attempt {self.retry_count + 1}>"

    def __str__(self) -> str:
        """How messages name the attempt: `task send_email (id 3f2a...)`."""
        return f"task {self.task_name} (id {self.task_id})"


class AttemptLabel(tuple[str, str]):
    """What an attempt's scope is called in messages, from `(task name, task id)`: `task
    send_email (id 3f2a...)`. Not the `TaskInfo`, which holds the scope: a scope labelled by
    it would be a reference cycle per attempt, left to the garbage collector."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"task {self[0]} (id {self[1]})"


def _retries(labels: dict[str, Any]) -> int:
    try:
        return int(labels.get("_retries", 0) or 0)
    except (TypeError, ValueError):
        return 0


#: the message a worker is about to run, handed from `pre_execute` to the task's wrapper
#: (both run in the message's own context; the wrapper takes it and clears it)
received: ContextVar[TaskiqMessage | None] = ContextVar("injectq_taskiq_message", default=None)
