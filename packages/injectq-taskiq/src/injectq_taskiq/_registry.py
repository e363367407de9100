"""Tasks wrapped when they are registered, before any receiver reads them.

`taskiq worker` imports the task modules, then creates its `Receiver`, which reads each task
function's signature, type hints and dependency graph once; a message arrives only after
that. So a task must already be InjectQ's wrapper when it is registered: the receiver then
sees only the sender's parameters, and never tries to resolve an InjectQ marker itself (a
FastAPI marker looks like a dependency to it). The broker's task registry is replaced by one
that wraps each task as taskiq stores it.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from injectq import InjectQError

from ._schedules import normalized_schedule_label

if TYPE_CHECKING:
    from collections.abc import Callable

    from taskiq import AsyncTaskiqDecoratedTask

    Task = AsyncTaskiqDecoratedTask[Any, Any]


def check_task_labels(name: str, task: Task) -> None:
    """A task's `schedule` label checked (CronError, SchedulerValueError/TypeError naming the
    task and the entry) and stored normalized, as taskiq's label source must read it."""
    schedule = task.labels.get("schedule")
    if schedule is not None:
        task.labels["schedule"] = normalized_schedule_label(name, schedule)


class WrappingRegistry(dict[str, "Task"]):
    """A broker's `local_task_registry` that wraps each task with `wrap` as it is stored."""

    def __init__(self, tasks: dict[str, Task], wrap: Callable[[Task], object]) -> None:
        super().__init__()
        self.wrap = wrap
        for name, task in tasks.items():
            self[name] = task

    def __setitem__(self, name: str, task: Task) -> None:
        check_task_labels(name, task)  # a bad schedule fails where the task is declared
        super().__setitem__(name, task)
        # one that cannot be wrapped (a positional-only injected parameter) fails each attempt
        # with the reason (see the middleware's pre_execute), and validation reports it
        with contextlib.suppress(InjectQError):
            self.wrap(task)
