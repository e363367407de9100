"""The taskiq adapter as `taskiq worker` runs it: tasks wrapped when registered (a receiver made
after them sees only the sender's parameters), timeouts, propagation decided at send, start-up
validation and a worker's hold on a shared container."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, Any, NewType

import pytest
from taskiq import AsyncBroker, BrokerMessage, InMemoryBroker, TaskiqResult
from taskiq.receiver import Receiver
from taskiq.result_backends.dummy import DummyResultBackend

import injectq
from injectq import InjectQ, PropagationError, ValidationError
from injectq.integrations.taskiq import (
    CronError,
    DirectCallError,
    Inject,
    InjectQDependency,
    setup_taskiq_integration,
)
from injectq_fastapi import InjectQDependency as FastAPIDependency
from tests._journal import Journal


class Greeter:
    def greet(self, name: str) -> str:
        return f"hello {name}"


class Unbound:
    def __init__(self, setting: str) -> None:
        self.setting = setting


class CapturingBroker(AsyncBroker):
    """A broker whose messages a test hands to a Receiver itself (as a worker's loop would)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[BrokerMessage] = []
        self.results: dict[str, TaskiqResult[Any]] = {}
        self.result_backend = _KeptResults(self.results)

    async def kick(self, message: BrokerMessage) -> None:
        self.sent.append(message)

    async def listen(self) -> AsyncIterator[bytes]:  # pragma: no cover - never listened to
        raise NotImplementedError
        yield b""


class _KeptResults(DummyResultBackend[Any]):
    def __init__(self, results: dict[str, TaskiqResult[Any]]) -> None:
        super().__init__()
        self.results = results

    async def set_result(self, task_id: str, result: TaskiqResult[Any]) -> None:
        self.results[task_id] = result


async def run_in_worker(broker: CapturingBroker, receiver: Receiver) -> list[TaskiqResult[Any]]:
    """Hand every sent message to the receiver, as `taskiq worker` does; their results."""
    sent, broker.sent = broker.sent, []
    for message in sent:
        await receiver.callback(message.message)
    return [broker.results[message.task_id] for message in sent]


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(4) as pool:
        yield pool


async def test_every_marker_form_works_when_the_receiver_is_made_after_the_tasks(
    executor: ThreadPoolExecutor,
) -> None:
    # `taskiq worker` imports the tasks, then makes its Receiver, which reads their signatures
    container = InjectQ()
    broker = CapturingBroker()
    setup_taskiq_integration(broker, container)

    @broker.task
    async def greet_all(
        name: str,
        core: injectq.Inject[Greeter],
        adapter: Inject[Greeter],
        annotated: Annotated[Greeter, InjectQDependency()],
        fastapi_marker: Annotated[Greeter, FastAPIDependency()],
        default: Greeter = InjectQDependency(Greeter),
    ) -> list[str]:
        services = (core, adapter, annotated, fastapi_marker, default)
        return [service.greet(name) for service in services]

    @broker.task
    def greet_sync(name: str, greeter: Annotated[Greeter, FastAPIDependency()]) -> str:
        return greeter.greet(name)

    receiver = Receiver(broker, executor=executor, validate_params=True)
    await greet_all.kiq("ada")
    await greet_sync.kiq("bob")
    first, second = await run_in_worker(broker, receiver)

    assert not first.is_err, first.error
    assert first.return_value == ["hello ada"] * 5
    assert not second.is_err, second.error
    assert second.return_value == "hello bob"


class Transaction:
    pass


async def test_a_sync_task_past_its_timeout_never_commits_and_its_finalizer_sees_the_timeout(
    journal: Journal,
) -> None:
    container = InjectQ()
    done = asyncio.Event()
    loop = asyncio.get_running_loop()

    def transaction() -> Iterator[Transaction]:
        try:
            yield Transaction()
        except BaseException as error:
            journal.add("rollback", type(error).__name__)
            raise
        else:
            journal.add("commit")
        finally:
            loop.call_soon_threadsafe(done.set)

    container.bind_factory(Transaction, transaction, scope="scoped")
    broker = InMemoryBroker()
    setup_taskiq_integration(broker, container)

    @broker.task(timeout=0.2)
    def slow(tx: Inject[Transaction]) -> str:
        time.sleep(0.6)  # the thread runs on after taskiq reported the timeout
        return "written"

    await broker.startup()
    sent = await slow.kiq()
    result = await sent.wait_result(timeout=10, check_interval=0.01)
    assert result.is_err
    assert isinstance(result.error, TimeoutError)
    assert journal.events == []  # the thread is still running: nothing closed yet
    await asyncio.wait_for(done.wait(), 5)
    await broker.shutdown()
    assert journal.events == [["rollback", "TimeoutError"]]


async def test_a_sync_task_within_its_timeout_commits(journal: Journal) -> None:
    container = InjectQ()

    def transaction() -> Iterator[Transaction]:
        yield Transaction()
        journal.add("commit")

    container.bind_factory(Transaction, transaction, scope="scoped")
    broker = InMemoryBroker()
    setup_taskiq_integration(broker, container)

    @broker.task(timeout=5)
    def quick(tx: Inject[Transaction]) -> str:
        return "written"

    await broker.startup()
    result = await (await quick.kiq()).wait_result(timeout=10, check_interval=0.01)
    await broker.shutdown()
    assert result.return_value == "written"
    assert journal.events == [["commit"]]


CorrelationId = NewType("CorrelationId", str)


@dataclass
class AuditLog:
    correlation_id: CorrelationId


def propagating_container() -> InjectQ:
    container = InjectQ()
    container.propagate(CorrelationId)
    container.bind(AuditLog, AuditLog, scope="scoped")
    return container


async def test_sending_a_task_that_needs_a_propagated_value_the_sender_lacks_fails_at_send() -> (
    None
):
    container = propagating_container()
    broker = InMemoryBroker()
    setup_taskiq_integration(broker, container)

    @broker.task
    async def audit(log: Inject[AuditLog]) -> str:
        return log.correlation_id

    @broker.task
    async def plain(greeter: Inject[Greeter]) -> str:
        return greeter.greet("x")

    await broker.startup()
    with pytest.raises(PropagationError) as outside:
        await audit.kiq()
    message = str(outside.value)
    assert f"task {audit.task_name}" in message
    assert "CorrelationId" in message
    assert "code outside any unit of work" in message

    # a task that does not need it is sent as usual
    assert (await (await plain.kiq()).wait_result(timeout=5)).return_value == "hello x"

    # from inside a unit of work that has it, the value arrives with the task
    async with container.scope("request", context={CorrelationId: CorrelationId("c-1")}):
        sent = await audit.kiq()
    assert (await sent.wait_result(timeout=5)).return_value == "c-1"

    # a child task that outlives its request cannot send it any more: said at send
    async def after_the_request(opened: asyncio.Event, closed: asyncio.Event) -> None:
        opened.set()
        await closed.wait()
        await audit.kiq()

    opened, closed = asyncio.Event(), asyncio.Event()
    async with container.scope("request", context={CorrelationId: CorrelationId("c-2")}):
        child = asyncio.create_task(after_the_request(opened, closed))
        await opened.wait()
    closed.set()
    with pytest.raises(PropagationError, match="has already closed"):
        await child
    await broker.shutdown()


async def test_a_scheduled_sender_supplies_a_propagated_value_through_the_labels() -> None:
    container = propagating_container()
    broker = InMemoryBroker()
    setup_taskiq_integration(broker, container)

    @broker.task
    async def audit(log: Inject[AuditLog]) -> str:
        return log.correlation_id

    # what a schedule's labels carry: the value exported from a scope made for it
    with container.scope(context={CorrelationId: CorrelationId("nightly")}):
        labels = container.export_context()
    await broker.startup()
    sent = await audit.kicker().with_labels(**labels).kiq()
    assert (await sent.wait_result(timeout=5)).return_value == "nightly"
    await broker.shutdown()


async def test_a_worker_validates_its_tasks_when_it_starts_and_lists_a_shared_problem_once() -> (
    None
):
    container = InjectQ()
    broker = InMemoryBroker()
    setup_taskiq_integration(broker, container)

    @broker.task
    async def first(service: Inject[Unbound]) -> None: ...

    @broker.task
    async def second(service: Inject[Unbound]) -> None: ...

    with pytest.raises(ValidationError) as raised:
        await broker.startup()
    (problem,) = raised.value.errors
    assert set(problem.entry_points) == {
        f"task {first.task_name}",
        f"task {second.task_name}",
    }
    assert "in: task" in str(raised.value)


async def test_a_worker_set_up_with_validate_false_starts_with_a_broken_task() -> None:
    container = InjectQ()
    broker = InMemoryBroker()
    setup_taskiq_integration(broker, container, validate=False)

    @broker.task
    async def broken(service: Inject[Unbound]) -> None: ...

    await broker.startup()
    result = await (await broken.kiq()).wait_result(timeout=5)
    await broker.shutdown()
    assert result.is_err


async def test_a_sender_does_not_validate_the_workers_tasks() -> None:
    # an API process that only sends tasks: its broker starts as a client
    container = InjectQ()
    broker = CapturingBroker()
    setup_taskiq_integration(broker, container)

    @broker.task
    async def broken(service: Inject[Unbound]) -> None: ...

    await broker.startup()  # CLIENT_STARTUP: no validation against this container
    await broken.kiq()
    assert len(broker.sent) == 1
    await broker.shutdown()


class Pool:
    pass


async def test_a_worker_sharing_the_container_leaves_its_singletons_to_the_last_runtime(
    journal: Journal,
) -> None:
    container = InjectQ()

    async def pool() -> AsyncIterator[Pool]:
        yield Pool()
        journal.add("pool closed")

    container.bind_factory(Pool, pool, scope="singleton")
    broker = InMemoryBroker()
    setup_taskiq_integration(broker, container)

    @broker.task
    async def use(pool: Inject[Pool]) -> int:
        return id(pool)

    async with container.lifespan("the API"):
        await broker.startup()
        first = await (await use.kiq()).wait_result(timeout=5)
        await broker.shutdown()  # the worker ends while the API still serves
        assert journal.events == []
        # the API still has the pool the task used, not a second one
        assert id(await container.aget(Pool)) == first.return_value
    assert journal.events == [["pool closed"]]


async def test_a_task_called_directly_says_what_was_not_injected_for_every_marker_form() -> None:
    container = InjectQ()
    broker = InMemoryBroker()
    setup_taskiq_integration(broker, container)

    @broker.task
    async def annotated(name: str, greeter: Inject[Greeter]) -> str:
        return greeter.greet(name)

    @broker.task
    async def defaulted(name: str, greeter: Greeter = InjectQDependency(Greeter)) -> str:
        return greeter.greet(name)

    @broker.task
    def sync(name: str, greeter: injectq.Inject[Greeter]) -> str:
        return greeter.greet(name)

    for call in (lambda: annotated("a"), lambda: defaulted("a")):
        with pytest.raises(DirectCallError, match="'greeter'"):
            await call()
    with pytest.raises(DirectCallError, match="'greeter'"):
        sync("a")
    # with the service passed explicitly it runs
    assert await annotated("a", greeter=Greeter()) == "hello a"
    assert await annotated("a", Greeter()) == "hello a"


def test_a_bad_schedule_on_a_task_is_refused_where_the_task_is_declared() -> None:
    broker = InMemoryBroker()
    setup_taskiq_integration(broker, InjectQ())
    with pytest.raises(CronError, match="task nightly") as raised:

        @broker.task(task_name="nightly", schedule=[{"cron": "61 * * * *"}])
        async def nightly() -> None: ...

    assert isinstance(raised.value, ValueError)
    assert "nightly" not in broker.get_all_tasks()


def test_a_bad_schedule_declared_before_set_up_is_refused_by_set_up() -> None:
    broker = InMemoryBroker()

    @broker.task(task_name="hourly", schedule=[{"interval": float("inf")}])
    async def hourly() -> None: ...

    with pytest.raises(ValueError, match="task hourly"):
        setup_taskiq_integration(broker, InjectQ())


def test_a_good_schedule_is_stored_normalized() -> None:
    broker = InMemoryBroker()
    setup_taskiq_integration(broker, InjectQ())

    @broker.task(task_name="weekly", schedule=[{"cron": "0 9 * * mon"}])
    async def weekly() -> None: ...

    (entry,) = weekly.labels["schedule"]
    assert entry["cron"] != "0 9 * * mon"  # taskiq's evaluator does not read day names
