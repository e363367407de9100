"""Type-checked only: tasks with injected parameters keep their types, and `.kiq()` needs
only the task's own arguments."""

from __future__ import annotations

from typing import Annotated, Protocol, assert_type

from taskiq import AsyncTaskiqTask, InMemoryBroker

import injectq
from injectq import InjectQ
from injectq.integrations.taskiq import (
    Inject,
    InjectQDependency,
    TaskInfo,
    TaskiqMiddleware,
    setup_taskiq_integration,
)


class IEmailService(Protocol):
    async def send(self, to: str) -> None: ...


class TaskContext:
    pass


broker = InMemoryBroker()
setup_taskiq_integration(broker, InjectQ())


@broker.task
async def send_welcome_email(
    user_id: int,
    email_service: IEmailService = InjectQDependency(IEmailService),
    context: Inject[TaskContext] = InjectQDependency(),
) -> str:
    assert_type(email_service, IEmailService)
    assert_type(context, TaskContext)
    return str(user_id)


async def kiq_takes_only_the_tasks_own_arguments() -> None:
    sent = await send_welcome_email.kiq(123)
    assert_type(sent, AsyncTaskiqTask[str])
    await send_welcome_email.kiq("not an int")  # type: ignore[call-overload]


@broker.task
async def every_marker_form(
    order_id: int,
    core: injectq.Inject[TaskContext] = InjectQDependency(),
    annotated: Annotated[TaskContext, InjectQDependency()] = InjectQDependency(),
    keyed: IEmailService = InjectQDependency(IEmailService),
) -> int:
    assert_type(core, TaskContext)
    assert_type(annotated, TaskContext)
    return order_id


async def kiq_leaves_out_every_injected_parameter_with_a_default() -> None:
    # a ParamSpec cannot drop a parameter: an injected one needs a default to be optional
    sent = await every_marker_form.kiq(1)
    assert_type(sent, AsyncTaskiqTask[int])
    await every_marker_form.kiq()  # type: ignore[call-overload]


class Metrics(TaskiqMiddleware):
    def before_task(self, task_info: TaskInfo) -> None:
        assert_type(task_info.task_id, str)
        assert_type(task_info.retry_count, int)
