"""`setup_taskiq_integration`: connect a container to a taskiq broker (or scheduler)."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, cast

from taskiq import AsyncBroker, TaskiqEvents, TaskiqMessage, TaskiqScheduler, TaskiqState

from injectq import BindingError, EntryPoint, InjectQ, InjectQError

from ._hooks import TaskiqMiddleware
from ._middleware import InjectQTaskiqMiddleware
from ._registry import WrappingRegistry, check_task_labels
from ._run import TaskInfo

if TYPE_CHECKING:
    from collections.abc import Sequence

    from injectq import Lifespan

logger = logging.getLogger("injectq.taskiq")


def setup_taskiq_integration(
    target: AsyncBroker | TaskiqScheduler,
    container: InjectQ,
    *,
    middlewares: Sequence[TaskiqMiddleware] = (),
    validate: bool = True,
) -> InjectQTaskiqMiddleware:
    """Give every task of `target`'s broker injection and one InjectQ scope per attempt.

    `target` is a taskiq broker or a scheduler (its broker is used). Tasks are wrapped as
    they are registered (before or after this call). When a worker starts (`taskiq worker`,
    or an `InMemoryBroker`'s startup, which runs tasks in-process) its tasks are validated
    against the container (`validate=False` skips it), and the container is served until the
    worker shuts down: its singletons close after the last runtime serving it in the process
    (see `InjectQ.lifespan`). `middlewares` are InjectQ `TaskiqMiddleware` instances whose
    hooks run inside each attempt's scope.
    """
    broker = broker_of(target)
    if not isinstance(cast("object", container), InjectQ):
        raise BindingError(
            f"setup_taskiq_integration() needs an InjectQ container, got {container!r}",
            fix="pass the application's container: setup_taskiq_integration(broker, container)",
        )
    if find_middleware(broker) is not None:
        raise BindingError(
            f"InjectQ is already set up on broker {broker!r}",
            fix="call setup_taskiq_integration once per broker (a scheduler shares its broker)",
        )
    for hook in middlewares:
        if not isinstance(cast("object", hook), TaskiqMiddleware):
            raise BindingError(
                f"{hook!r} is not an InjectQ TaskiqMiddleware",
                fix="subclass injectq.integrations.taskiq.TaskiqMiddleware and pass an instance "
                "(taskiq's own middlewares go to broker.add_middlewares)",
            )
    container.declare_context(TaskiqMessage, TaskInfo)
    middleware = InjectQTaskiqMiddleware(container, middlewares)
    broker.add_middlewares(middleware)
    # the tasks registered from now on are wrapped as they are stored (see _registry)
    for name, task in broker.get_all_tasks().items():
        check_task_labels(name, task)
    registry = WrappingRegistry(broker.local_task_registry, middleware.wrap_task)
    broker.local_task_registry = registry
    for task in broker.get_all_tasks().values():  # shared tasks too
        with contextlib.suppress(InjectQError):  # reported when sent, run or validated
            middleware.wrap_task(task)
    worker = _Worker(broker, container, validate)
    broker.add_event_handler(TaskiqEvents.WORKER_STARTUP, worker.start)
    broker.add_event_handler(TaskiqEvents.WORKER_SHUTDOWN, worker.stop)
    return middleware


class _Worker:
    """A worker's hold on the container: validated at start-up, served until shutdown."""

    def __init__(self, broker: AsyncBroker, container: InjectQ, validate: bool) -> None:
        self.broker = broker
        self.container = container
        self.validate = validate
        self.lifespan: Lifespan | None = None

    async def start(self, state: TaskiqState) -> None:
        if self.validate:
            # the worker's own tasks, in the worker's runtime: fails the start-up
            self.container.validate(entry_points=task_entry_points(self.broker))
        if self.lifespan is None:
            lifespan = self.container.lifespan(
                f"taskiq worker of {self.broker!r}", log_failures=logger
            )
            await lifespan.__aenter__()
            self.lifespan = lifespan

    async def stop(self, state: TaskiqState) -> None:
        lifespan, self.lifespan = self.lifespan, None
        if lifespan is not None:
            await lifespan.__aexit__(None, None, None)
        elif self.container.lifespans_open == 0:
            # a worker that never started (its startup event was not run)
            await self.container.aclose(log_failures=logger)


def broker_of(target: object) -> AsyncBroker:
    """The broker behind a broker or a scheduler; a clear error for anything else."""
    if isinstance(target, AsyncBroker):
        return target
    if isinstance(target, TaskiqScheduler):
        return target.broker
    raise BindingError(
        f"cannot set up InjectQ on {target!r}: expected a taskiq broker or scheduler",
        fix="pass the broker (e.g. ListQueueBroker(...)) or a TaskiqScheduler",
    )


def find_middleware(target: AsyncBroker | TaskiqScheduler) -> InjectQTaskiqMiddleware | None:
    """The InjectQ middleware installed on `target`'s broker, if any."""
    for middleware in broker_of(target).middlewares:
        if isinstance(middleware, InjectQTaskiqMiddleware):
            return middleware
    return None


def task_entry_points(target: AsyncBroker | TaskiqScheduler) -> list[EntryPoint]:
    """Every task of the broker as an `EntryPoint`, for `container.validate(entry_points=...)`.

    A task runs in its own scope, with the task message and `TaskInfo` as its scope context:
    a task that needs an HTTP `Request` (or any other context value) fails validation. The
    container's propagated values are taken to arrive with the message (they are not built
    from the worker's scope), as they do when the sender had them.
    """
    middleware = find_middleware(target)
    if middleware is None:
        raise BindingError(
            "InjectQ is not set up on this broker",
            fix="call setup_taskiq_integration(broker, container) first",
        )
    supplied = frozenset({TaskiqMessage, TaskInfo})
    entries: list[EntryPoint] = []
    for name in sorted(broker_of(target).get_all_tasks()):
        injected = middleware.injected(name)
        entries.append(
            EntryPoint(
                f"task {name}",
                tuple(p.key for p in injected),
                context=supplied,
                scopes=frozenset({"task"}),
                receives_propagated=True,
                optional=frozenset(p.key for p in injected if p.optional),
            )
        )
    return entries
