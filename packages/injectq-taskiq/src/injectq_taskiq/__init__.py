"""InjectQ for taskiq: one scope per task attempt, injection, middleware hooks, scheduling."""

from ._attempt import InjectedArgumentError
from ._cron import CronError
from ._dependency import DirectCallError, Inject, InjectQDependency
from ._hooks import TaskiqMiddleware
from ._middleware import InjectQTaskiqMiddleware
from ._results import TaskResult
from ._run import TaskInfo
from ._scheduler import SchedulerError, TaskiqScheduler, TaskResultTimeoutError
from ._schedules import InMemoryScheduleSource, SchedulerTypeError, SchedulerValueError
from ._setup import find_middleware, setup_taskiq_integration, task_entry_points
from ._upstream import InjectTask, InjectTaskiq, setup_taskiq

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
