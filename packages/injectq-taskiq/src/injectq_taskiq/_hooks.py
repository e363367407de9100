"""InjectQ's own task middleware: three optional hooks, sync or async."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from ._run import TaskInfo


class TaskiqMiddleware:
    """Subclass and implement any of the hooks; pass instances to `setup_taskiq_integration`.

    Hooks may be sync or async. They run inside the task attempt's scope (`task_info.scope`),
    `before_task` in the order given, the others in reverse. A hook that raises is logged and
    never costs the task its result.
    """

    def before_task(self, task_info: TaskInfo) -> Awaitable[None] | None:
        """Before the task's dependencies are resolved."""
        return None

    def after_task(self, task_info: TaskInfo, result: Any) -> Awaitable[None] | None:
        """After the task returned `result`, before its scope closes."""
        return None

    def on_task_error(self, task_info: TaskInfo, error: BaseException) -> Awaitable[None] | None:
        """After the task raised `error`, before its scope closes."""
        return None
