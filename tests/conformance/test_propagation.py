"""Row 8: a value marked for propagation travels from the unit of work that sends a task to
the task; a task that needs one its sender cannot supply fails at `.kiq()`, naming the sender.
Only for the units of work that send tasks (HTTP, WebSocket, tool) and for code outside any."""

import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from taskiq import InMemoryBroker
from taskiq.decor import AsyncTaskiqDecoratedTask

from injectq import Inject, InjectQ, PropagationError
from injectq.integrations.taskiq import setup_taskiq_integration

from ._runtimes import Runtime, runtimes
from ._services import CorrelationId

pytestmark = pytest.mark.timeout(20)

SENDERS = runtimes(only=("http", "websocket", "tool"))


def new_correlation_id() -> CorrelationId:
    return CorrelationId(uuid.uuid4().hex)


class Worker:
    """A worker of the same container: `audit` needs the propagated CorrelationId, `ping`
    needs nothing."""

    def __init__(self, container: InjectQ) -> None:
        self.broker = InMemoryBroker()
        setup_taskiq_integration(self.broker, container)
        self.audited: list[str] = []

        async def audit(correlation_id: Inject[CorrelationId]) -> str:
            self.audited.append(correlation_id)
            return correlation_id

        async def ping() -> str:
            return "pong"

        self.audit: AsyncTaskiqDecoratedTask[..., Any] = self.broker.task(task_name="audit")(audit)
        self.ping: AsyncTaskiqDecoratedTask[..., Any] = self.broker.task(task_name="ping")(ping)

    @asynccontextmanager
    async def running(self) -> AsyncGenerator["Worker"]:
        await self.broker.startup()
        try:
            yield self
        finally:
            await self.broker.wait_all()
            await self.broker.shutdown()


async def result_of(task: AsyncTaskiqDecoratedTask[..., Any]) -> Any:
    sent = await task.kiq()
    result = await sent.wait_result(timeout=5, check_interval=0.005)
    return repr(result.error) if result.is_err else result.return_value


@pytest.mark.parametrize("runtime", SENDERS, indirect=True)
async def test_a_task_sent_from_inside_a_unit_of_work_receives_its_propagated_value(
    runtime: Runtime,
) -> None:
    container = InjectQ()
    container.bind_factory(CorrelationId, new_correlation_id, scope="scoped")
    container.propagate(CorrelationId)
    worker = Worker(container)

    async def unit(correlation_id: Inject[CorrelationId]) -> dict[str, Any]:
        return {"sent": correlation_id, "received": await result_of(worker.audit)}

    async with worker.running(), runtime.serving(container, unit) as call:
        outcomes = [await call(), await call()]

    assert [outcome.error for outcome in outcomes] == [None, None]
    assert [o.value["received"] for o in outcomes] == [o.value["sent"] for o in outcomes]
    assert outcomes[0].value["sent"] != outcomes[1].value["sent"], "each unit its own value"


@pytest.mark.parametrize("runtime", SENDERS, indirect=True)
async def test_a_task_that_needs_a_propagated_value_the_unit_cannot_supply_fails_at_kiq(
    runtime: Runtime,
) -> None:
    container = InjectQ()
    container.declare_context(CorrelationId)  # supplied by scopes that have one: not these
    container.propagate(CorrelationId)
    worker = Worker(container)

    async def unit() -> dict[str, Any]:
        refused: str | None = None
        try:
            await worker.audit.kiq()
        except PropagationError as error:
            refused = str(error)
        return {"refused": refused, "unneeded": await result_of(worker.ping)}

    async with worker.running(), runtime.serving(container, unit) as call:
        outcome = await call()

    assert outcome.ok, outcome.error
    refused = outcome.value["refused"]
    assert refused is not None, "the send was not refused"
    assert "CorrelationId" in refused
    assert "audit" in refused, "names the task"
    assert runtime.unit_name in refused, "names the sender"
    assert worker.audited == []
    assert outcome.value["unneeded"] == "pong", "a task that does not need it is sent"


async def test_a_task_that_needs_a_propagated_value_fails_at_kiq_outside_any_unit_of_work() -> None:
    container = InjectQ()
    container.bind_factory(CorrelationId, new_correlation_id, scope="scoped")
    container.propagate(CorrelationId)
    worker = Worker(container)

    async with worker.running():
        with pytest.raises(PropagationError) as refused:
            await worker.audit.kiq()
        unneeded = await result_of(worker.ping)

    assert "CorrelationId" in str(refused.value)
    assert "audit" in str(refused.value)
    assert "outside any unit of work" in str(refused.value)
    assert worker.audited == []
    assert unneeded == "pong", "a task that does not need it is sent"
