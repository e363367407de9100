"""`injectq.integrations.taskiq`: the public names of the injectq-taskiq wheel."""

from __future__ import annotations

try:
    from injectq_taskiq import (
        CronError,
        DirectCallError,
        Inject,
        InjectedArgumentError,
        InjectQDependency,
        InjectQTaskiqMiddleware,
        InjectTask,
        InjectTaskiq,
        InMemoryScheduleSource,
        SchedulerError,
        SchedulerTypeError,
        SchedulerValueError,
        TaskInfo,
        TaskiqMiddleware,
        TaskiqScheduler,
        TaskResult,
        TaskResultTimeoutError,
        find_middleware,
        setup_taskiq,
        setup_taskiq_integration,
        task_entry_points,
    )
except ModuleNotFoundError as error:
    if error.name not in {"injectq_taskiq", "taskiq"}:
        raise
    from ._require import missing_wheel

    raise missing_wheel("taskiq", "injectq-taskiq", error) from error

__all__ = [
    "CronError",
    "DirectCallError",
    "InMemoryScheduleSource",
    "Inject",
    "InjectQDependency",
    "InjectQTaskiqMiddleware",
    "InjectTask",
    "InjectTaskiq",
    "InjectedArgumentError",
    "SchedulerError",
    "SchedulerTypeError",
    "SchedulerValueError",
    "TaskInfo",
    "TaskResult",
    "TaskResultTimeoutError",
    "TaskiqMiddleware",
    "TaskiqScheduler",
    "find_middleware",
    "setup_taskiq",
    "setup_taskiq_integration",
    "task_entry_points",
]
