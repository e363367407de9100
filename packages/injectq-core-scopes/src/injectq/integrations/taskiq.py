"""`injectq.integrations.taskiq`: the public names of the injectq-taskiq wheel.

Also injectq 0.5.0's names of its taskiq integration (`get_injector_instance_taskiq`,
`_attach_injectq_taskiq`), as faces of the adapter's own machinery; they are importable by
name but not part of `__all__`, which is exactly the wheel's.
"""

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
    from injectq_taskiq._upstream import attach_container
    from injectq_taskiq._upstream import (
        get_injector_instance_taskiq as get_injector_instance_taskiq,
    )
except ModuleNotFoundError as error:
    if error.name not in {"injectq_taskiq", "taskiq"}:
        raise
    from ._require import missing_wheel

    raise missing_wheel("taskiq", "injectq-taskiq", error) from error

#: 0.5.0's name: keep a container on a broker's state, for `get_injector_instance_taskiq`
_attach_injectq_taskiq = attach_container

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
