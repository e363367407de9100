"""InjectQ for taskiq: one scope per task attempt, injection, middleware hooks, scheduling."""

from ._dependency import Inject, InjectQDependency
from ._hooks import TaskiqMiddleware
from ._middleware import InjectedArgumentError, InjectQTaskiqMiddleware
from ._run import TaskInfo
from ._setup import find_middleware, setup_taskiq_integration, task_entry_points

__all__ = [
    "Inject",
    "InjectQDependency",
    "InjectQTaskiqMiddleware",
    "InjectedArgumentError",
    "TaskInfo",
    "TaskiqMiddleware",
    "find_middleware",
    "setup_taskiq_integration",
    "task_entry_points",
]
