"""`setup_taskiq_integration`: connect a container to a taskiq broker (or scheduler)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from taskiq import AsyncBroker, TaskiqEvents, TaskiqMessage, TaskiqScheduler, TaskiqState

from injectq import BindingError, EntryPoint, InjectQ

from ._hooks import TaskiqMiddleware
from ._middleware import InjectQTaskiqMiddleware
from ._run import TaskInfo

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger("injectq.taskiq")


def setup_taskiq_integration(
    target: AsyncBroker | TaskiqScheduler,
    container: InjectQ,
    *,
    middlewares: Sequence[TaskiqMiddleware] = (),
) -> InjectQTaskiqMiddleware:
    """Give every task of `target`'s broker injection and one InjectQ scope per attempt.

    `target` is a taskiq broker or a scheduler (its broker is used). The container's
    singletons are closed when the worker shuts down. `middlewares` are InjectQ
    `TaskiqMiddleware` instances whose hooks run inside each attempt's scope.
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

    async def close_singletons(state: TaskiqState) -> None:
        await container.aclose(log_failures=logger)

    broker.add_event_handler(TaskiqEvents.WORKER_SHUTDOWN, close_singletons)
    return middleware


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
        keys: tuple[Any, ...] = tuple(p.key for p in middleware.injected(name))
        entries.append(
            EntryPoint(
                f"task {name}",
                keys,
                context=supplied,
                scopes=frozenset({"task"}),
                receives_propagated=True,
            )
        )
    return entries
