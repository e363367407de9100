"""A sender's propagated context arrives in the task's scope; a forged one fails the task."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from taskiq import InMemoryBroker, TaskiqMessage

from injectq import InjectQ, PropagationError
from injectq.integrations.taskiq import InjectQDependency, TaskInfo, setup_taskiq_integration


@dataclass(frozen=True)
class RequestContext:
    correlation_id: str
    tenant: str


class Request:
    """Stands for the web framework's request: only a web process has one."""

    def __init__(self, correlation_id: str) -> None:
        self.correlation_id = correlation_id


def request_context(request: Request) -> RequestContext:
    return RequestContext(request.correlation_id, tenant="acme")


def make_app() -> tuple[InMemoryBroker, InjectQ]:
    container = InjectQ()
    container.declare_context(Request)
    container.bind_factory(RequestContext, request_context, scope="scoped")
    container.propagate(RequestContext)
    broker = InMemoryBroker(await_inplace=True)
    setup_taskiq_integration(broker, container)
    return broker, container


async def test_a_task_sent_from_a_request_sees_that_requests_context() -> None:
    broker, container = make_app()

    @broker.task(task_name="audit")
    async def audit(context: RequestContext = InjectQDependency(RequestContext)) -> str:
        return f"{context.correlation_id}/{context.tenant}"

    await broker.startup()
    async with container.scope("request", context={Request: Request("corr-7")}):
        sent = await audit.kiq()
    result = await sent.wait_result(timeout=5)
    await broker.shutdown()
    assert result.return_value == "corr-7/acme"


async def test_a_chain_of_tasks_keeps_the_original_correlation_id() -> None:
    broker, container = make_app()
    seen: list[str] = []

    @broker.task(task_name="second")
    async def second(context: RequestContext = InjectQDependency(RequestContext)) -> None:
        seen.append(context.correlation_id)

    @broker.task(task_name="first")
    async def first(context: RequestContext = InjectQDependency(RequestContext)) -> None:
        seen.append(context.correlation_id)
        await second.kiq()

    await broker.startup()
    async with container.scope("request", context={Request: Request("corr-9")}):
        await first.kiq()
    await broker.shutdown()
    assert seen == ["corr-9", "corr-9"]


@pytest.mark.parametrize(
    "label",
    ['{"correlation_id": 7, "tenant": "acme"}', "{broken", '{"correlation_id": "x"}'],
)
async def test_a_forged_propagated_value_fails_the_task_and_never_becomes_a_service(
    label: str,
) -> None:
    broker, _ = make_app()
    made: list[str] = []

    @broker.task(task_name="audit")
    async def audit(
        context: RequestContext = InjectQDependency(RequestContext),
        info: TaskInfo = InjectQDependency(TaskInfo),
    ) -> str:
        made.append(context.correlation_id)
        return info.task_id

    forged = TaskiqMessage(
        task_id=uuid.uuid4().hex,
        task_name="audit",
        labels={"injectq_ctx:RequestContext": label},
        args=[],
        kwargs={},
    )
    await broker.startup()
    await broker.receiver.callback(broker.formatter.dumps(forged).message)
    result = await broker.result_backend.get_result(forged.task_id)
    await broker.shutdown()
    assert result.is_err
    assert isinstance(result.error, PropagationError)
    assert "task audit" in str(result.error)
    assert made == []
