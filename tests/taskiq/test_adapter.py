"""The taskiq adapter: one scope per task attempt, injection, lifecycle, sender checks, hooks."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

import pytest
from taskiq import Context, InMemoryBroker, TaskiqDepends, TaskiqMessage
from taskiq.middlewares import SimpleRetryMiddleware

from injectq import (
    BindingError,
    InjectQ,
    InjectQError,
    MissingBindingError,
    ScopeError,
    ValidationError,
    scoped,
    singleton,
)
from injectq.integrations.taskiq import (
    Inject,
    InjectedArgumentError,
    InjectQDependency,
    TaskInfo,
    TaskiqMiddleware,
    setup_taskiq_integration,
    task_entry_points,
)
from tests._journal import Journal


@scoped
class TaskContext:
    def __init__(self) -> None:
        self.id = uuid.uuid4().hex


@singleton
class Pool:
    def __init__(self) -> None:
        self.id = uuid.uuid4().hex


class Validator:
    pass


class IMailer(Protocol):
    def send(self, to: str) -> str: ...


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, to: str) -> str:
        self.sent.append(to)
        return f"sent to {to}"


class Resource:
    def __init__(self, task_id: str) -> None:
        self.task_id = task_id


class SmtpConfig:
    def __init__(self, host: str) -> None:
        self.host = host


class Sender:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config


class Request:
    pass


class NeedsRequest:
    def __init__(self, request: Request) -> None:
        self.request = request


@dataclass(frozen=True)
class Caller:
    tenant: str


def caller_from_request(request: Request) -> Caller:
    return Caller(tenant="from headers")


def make_broker() -> InMemoryBroker:
    return InMemoryBroker(max_stored_results=2000)


def make_container(journal: Journal) -> InjectQ:
    """Services for the tasks; each Resource's finalizer records `["closed", task id, the
    exception thrown into it or None]`."""
    container = InjectQ()
    container.bind(Journal, journal)
    container.bind(IMailer, FakeMailer)

    async def resource(info: TaskInfo) -> AsyncIterator[Resource]:
        error: str | None = None
        try:
            yield Resource(info.task_id)
        except Exception as raised:
            error = repr(raised)
            raise
        finally:
            journal.add("closed", info.task_id, error)

    container.bind_factory(Resource, resource, scope="scoped")
    return container


@pytest.fixture
async def broker(journal: Journal) -> AsyncIterator[InMemoryBroker]:
    broker = make_broker()
    setup_taskiq_integration(broker, make_container(journal))
    await broker.startup()
    yield broker
    await broker.shutdown()


async def result_of(task: Any, *args: Any, **kwargs: Any) -> Any:
    sent = await task.kiq(*args, **kwargs)
    result = await sent.wait_result(timeout=10, check_interval=0.01)
    if result.is_err:
        raise result.error
    return result.return_value


async def test_parameters_of_one_task_run_share_its_scoped_instance(
    broker: InMemoryBroker,
) -> None:
    @broker.task
    async def job(
        first: TaskContext = InjectQDependency(TaskContext),
        second: TaskContext = InjectQDependency(TaskContext),
    ) -> tuple[str, str]:
        return first.id, second.id

    first_run = await result_of(job)
    second_run = await result_of(job)
    assert first_run[0] == first_run[1]
    assert second_run[0] == second_run[1]
    assert first_run[0] != second_run[0]


async def test_transient_parameters_get_two_objects_and_singletons_are_shared(
    broker: InMemoryBroker,
) -> None:
    @broker.task
    async def job(
        one: Validator = InjectQDependency(Validator),
        two: Validator = InjectQDependency(Validator),
        pool: Pool = InjectQDependency(Pool),
    ) -> tuple[bool, str]:
        return one is not two, pool.id

    distinct, first_pool = await result_of(job)
    _, second_pool = await result_of(job)
    assert distinct
    assert first_pool == second_pool


async def test_annotated_forms_take_the_key_from_the_annotation(broker: InMemoryBroker) -> None:
    @broker.task
    async def job(
        user: str,
        a: Inject[TaskContext] = InjectQDependency(),
        b: Annotated[TaskContext, InjectQDependency()] = InjectQDependency(),
        mailer: Annotated[IMailer, InjectQDependency()] = InjectQDependency(),
    ) -> str:
        assert a is b
        return mailer.send(user)

    assert await result_of(job, "ada") == "sent to ada"


async def test_taskiqs_own_annotated_dependencies_still_resolve_under_postponed_annotations(
    broker: InMemoryBroker,
) -> None:
    # this module has `from __future__ import annotations`: every annotation is a string
    @broker.task
    async def job(
        context: Annotated[Context, TaskiqDepends()],
        pool: Inject[Pool],
    ) -> tuple[str, str]:
        return context.message.task_name, pool.id

    task_name, _ = await result_of(job)
    assert task_name.endswith("job")


async def test_500_concurrent_tasks_each_see_one_scoped_instance_of_their_own(
    broker: InMemoryBroker, journal: Journal
) -> None:
    @broker.task
    async def job(
        n: int,
        first: TaskContext = InjectQDependency(TaskContext),
        resource: Resource = InjectQDependency(Resource),
        info: TaskInfo = InjectQDependency(TaskInfo),
    ) -> tuple[int, str, bool]:
        for _ in range(3):
            await asyncio.sleep(0)  # interleave with the other tasks
        again = await info.scope.aget(TaskContext)
        return n, first.id, again is first and resource.task_id == info.task_id

    sent = [await job.kiq(n) for n in range(500)]
    results = [await s.wait_result(timeout=30, check_interval=0.01) for s in sent]
    values = [r.return_value for r in results]
    assert not any(r.is_err for r in results)
    assert sorted(v[0] for v in values) == list(range(500))
    assert len({v[1] for v in values}) == 500  # no two tasks shared a scoped instance
    assert all(v[2] for v in values)  # the same instance within each task
    task_ids = [s.task_id for s in sent]
    closed = [task_id for _, task_id, _ in journal.of("closed")]
    assert sorted(closed) == sorted(task_ids)  # each finalized once


async def test_a_failed_tasks_finalizer_runs_once_and_sees_the_error(
    broker: InMemoryBroker, journal: Journal
) -> None:
    @broker.task
    async def job(resource: Resource = InjectQDependency(Resource)) -> None:
        raise ValueError("payment declined")

    sent = await job.kiq()
    result = await sent.wait_result(timeout=10, check_interval=0.01)
    assert result.is_err
    assert isinstance(result.error, ValueError)
    assert journal.of("closed") == [["closed", sent.task_id, "ValueError('payment declined')"]]


async def test_a_failing_finalizer_is_logged_with_the_task_id_and_the_result_is_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker = make_broker()
    container = InjectQ()

    def fragile() -> Iterator[Resource]:
        yield Resource("x")
        raise RuntimeError("could not close")

    container.bind_factory(Resource, fragile, scope="scoped")
    setup_taskiq_integration(broker, container)

    @broker.task
    async def job(resource: Resource = InjectQDependency(Resource)) -> str:
        return "done"

    await broker.startup()
    with caplog.at_level(logging.ERROR, logger="injectq.taskiq"):
        sent = await job.kiq()
        result = await sent.wait_result(timeout=10, check_interval=0.01)
    await broker.shutdown()
    assert not result.is_err
    assert result.return_value == "done"
    assert any(sent.task_id in record.getMessage() for record in caplog.records)
    assert any("could not close" in str(record.exc_info) for record in caplog.records)


async def test_every_retry_attempt_gets_a_fresh_scope(journal: Journal) -> None:
    broker = make_broker()
    broker.add_middlewares(SimpleRetryMiddleware(default_retry_count=3))
    setup_taskiq_integration(broker, make_container(journal))
    attempts: list[tuple[int, str]] = []
    done = asyncio.Event()

    @broker.task(retry_on_error=True)
    async def flaky(
        context: TaskContext = InjectQDependency(TaskContext),
        info: TaskInfo = InjectQDependency(TaskInfo),
        resource: Resource = InjectQDependency(Resource),
    ) -> str:
        attempts.append((info.retry_count, context.id))
        if len(attempts) < 3:
            raise ConnectionError("try again")
        done.set()
        return "ok"

    await broker.startup()
    await flaky.kiq()
    await asyncio.wait_for(done.wait(), timeout=10)
    await broker.wait_all()
    await broker.shutdown()
    assert [count for count, _ in attempts] == [0, 1, 2]
    assert len({scope_id for _, scope_id in attempts}) == 3
    # every attempt's scope closed, each with its own exception (not the retry's bookkeeping)
    assert [error for _, _, error in journal.of("closed")] == [
        "ConnectionError('try again')",
        "ConnectionError('try again')",
        None,
    ]


async def test_a_sender_cannot_pass_a_value_for_an_injected_parameter(
    broker: InMemoryBroker,
) -> None:
    @broker.task
    async def job(user: str, mailer: IMailer = InjectQDependency(IMailer)) -> str:
        return mailer.send(user)

    with pytest.raises(InjectedArgumentError, match="'mailer'") as by_keyword:
        await job.kiq("ada", mailer=FakeMailer())
    assert "container.override" in str(by_keyword.value)
    with pytest.raises(InjectedArgumentError, match="'mailer'"):
        await job.kiq("ada", FakeMailer())


async def test_a_message_carrying_an_injected_value_fails_instead_of_replacing_the_service(
    broker: InMemoryBroker,
) -> None:
    @broker.task
    async def job(user: str, mailer: IMailer = InjectQDependency(IMailer)) -> str:
        return mailer.send(user)

    forged = TaskiqMessage(
        task_id=uuid.uuid4().hex,
        task_name=job.task_name,
        labels={},
        args=["ada"],
        kwargs={"mailer": "attacker's value"},
    )
    # skip the sender's check, as a message from elsewhere would
    await broker.receiver.callback(broker.formatter.dumps(forged).message)
    result = await broker.result_backend.get_result(forged.task_id)
    assert result.is_err
    assert isinstance(result.error, InjectQError)
    assert "'mailer'" in str(result.error)


async def test_hooks_run_around_the_task_and_share_task_info(journal: Journal) -> None:
    events: list[str] = []

    class Metrics(TaskiqMiddleware):
        def before_task(self, task_info: TaskInfo) -> None:
            task_info.start_time = 1.5  # type: ignore[attr-defined]
            events.append(f"before {task_info.task_name.rsplit(':', 1)[-1]}")

        async def after_task(self, task_info: TaskInfo, result: Any) -> None:
            context = await task_info.scope.aget(TaskContext)
            events.append(f"after {result} {task_info.start_time} {bool(context.id)}")  # type: ignore[attr-defined]

        def on_task_error(self, task_info: TaskInfo, error: BaseException) -> None:
            events.append(f"error {error!r}")

    class Broken(TaskiqMiddleware):
        def before_task(self, task_info: TaskInfo) -> None:
            raise RuntimeError("hook bug")

    broker = make_broker()
    setup_taskiq_integration(broker, make_container(journal), middlewares=[Metrics(), Broken()])

    @broker.task
    async def job(n: int) -> int:
        if n < 0:
            raise ValueError("negative")
        return n * 2

    await broker.startup()
    assert await result_of(job, 21) == 42  # the broken hook did not cost the result
    with pytest.raises(ValueError, match="negative"):
        await result_of(job, -1)
    await broker.shutdown()
    assert events == [
        "before job",
        "after 42 1.5 True",
        "before job",
        "error ValueError('negative')",
    ]


async def test_sync_tasks_run_in_threads_each_in_its_own_scope(broker: InMemoryBroker) -> None:
    container = InjectQ()
    container.bind(TaskContext, TaskContext)
    sync_broker = make_broker()
    setup_taskiq_integration(sync_broker, container)

    @sync_broker.task
    def job(context: TaskContext = InjectQDependency(TaskContext)) -> tuple[str, str, str]:
        # code called from the task body resolves into the same task scope
        return context.id, container.get(TaskContext).id, threading.current_thread().name

    await sync_broker.startup()
    sent = [await job.kiq() for _ in range(20)]
    results = [(await s.wait_result(timeout=10, check_interval=0.01)).return_value for s in sent]
    await sync_broker.shutdown()
    assert all(injected == looked_up for injected, looked_up, _ in results)
    assert len({injected for injected, _, _ in results}) == 20
    assert all(thread != threading.main_thread().name for _, _, thread in results)


async def test_a_task_sent_from_inside_a_scope_does_not_see_that_scope(journal: Journal) -> None:
    container = make_container(journal)
    container.bind(TaskContext, TaskContext)
    broker = InMemoryBroker(await_inplace=True)
    setup_taskiq_integration(broker, container)

    @broker.task
    async def job(context: TaskContext = InjectQDependency(TaskContext)) -> str:
        return context.id

    await broker.startup()
    async with container.scope():
        senders = await container.aget(TaskContext)
        sent = await job.kiq()  # runs right here, in the sender's context
        result = await sent.wait_result(timeout=5)
        assert result.return_value != senders.id
        assert await container.aget(TaskContext) is senders  # the sender's scope is back
    await broker.shutdown()


async def test_singletons_are_closed_when_the_worker_shuts_down() -> None:
    closed: list[str] = []
    container = InjectQ()

    def pool() -> Iterator[Pool]:
        yield Pool()
        closed.append("pool")

    container.bind_factory(Pool, pool, scope="singleton")
    broker = make_broker()
    setup_taskiq_integration(broker, container)

    @broker.task
    async def job(pool: Pool = InjectQDependency(Pool)) -> str:
        return pool.id

    await broker.startup()
    await result_of(job)
    assert closed == []
    await broker.shutdown()
    assert closed == ["pool"]


async def test_an_unbound_key_fails_the_task_with_the_task_and_path_in_the_error(
    broker: InMemoryBroker,
) -> None:
    @broker.task
    async def notify(sender: Sender = InjectQDependency(Sender)) -> None:
        return None

    with pytest.raises(MissingBindingError) as raised:
        await result_of(notify)
    assert "task " in str(raised.value)
    assert "Sender -> SmtpConfig -> str" in str(raised.value)


async def test_an_override_takes_effect_in_tasks(journal: Journal) -> None:
    container = make_container(journal)
    broker = make_broker()
    setup_taskiq_integration(broker, container)

    @broker.task
    async def job(mailer: IMailer = InjectQDependency(IMailer)) -> str:
        return mailer.send("ada")

    await broker.startup()
    fake = FakeMailer()
    with container.override(IMailer, fake):
        assert await result_of(job) == "sent to ada"
    assert fake.sent == ["ada"]
    assert await result_of(job) == "sent to ada"
    assert fake.sent == ["ada"]  # the real one again after the override
    await broker.shutdown()


def test_setting_up_twice_or_with_bad_arguments_is_a_clear_error(journal: Journal) -> None:
    broker = make_broker()
    container = make_container(journal)
    setup_taskiq_integration(broker, container)
    with pytest.raises(BindingError, match="already set up"):
        setup_taskiq_integration(broker, container)
    with pytest.raises(BindingError, match="broker or scheduler"):
        setup_taskiq_integration(object(), container)  # type: ignore[arg-type]
    with pytest.raises(BindingError, match="InjectQ container"):
        setup_taskiq_integration(make_broker(), object())  # type: ignore[arg-type]
    with pytest.raises(BindingError, match="TaskiqMiddleware"):
        setup_taskiq_integration(make_broker(), container, middlewares=[object()])  # type: ignore[list-item]


def test_task_entry_points_let_validate_reject_a_task_that_needs_a_request(
    journal: Journal,
) -> None:
    broker = make_broker()
    container = make_container(journal)
    container.declare_context(Request)
    setup_taskiq_integration(broker, container)

    @broker.task(task_name="fine")
    async def fine(info: TaskInfo = InjectQDependency(TaskInfo)) -> None:
        return None

    @broker.task(task_name="wrong")
    async def wrong(needs: NeedsRequest = InjectQDependency(NeedsRequest)) -> None:
        return None

    entries = task_entry_points(broker)
    assert [entry.name for entry in entries] == ["task fine", "task wrong"]
    with pytest.raises(ValidationError) as raised:
        container.validate(entry_points=entries)
    assert len(raised.value.errors) == 1
    assert "task wrong -> NeedsRequest -> Request" in str(raised.value)


def test_a_propagated_value_built_from_a_request_arrives_with_the_task_instead(
    journal: Journal,
) -> None:
    # in the API a scoped factory builds it from the Request; a task receives it in its labels
    broker = make_broker()
    container = make_container(journal)
    container.declare_context(Request)
    container.bind_factory(Caller, caller_from_request, scope="scoped")
    container.propagate(Caller)
    setup_taskiq_integration(broker, container)

    @broker.task(task_name="audit")
    async def audit(caller: Caller = InjectQDependency(Caller)) -> None:
        return None

    @broker.task(task_name="wrong")
    async def wrong(needs: NeedsRequest = InjectQDependency(NeedsRequest)) -> None:
        return None

    with pytest.raises(ValidationError) as raised:
        container.validate(entry_points=task_entry_points(broker))
    assert len(raised.value.errors) == 1
    assert "task wrong -> NeedsRequest -> Request" in str(raised.value)


async def test_calling_a_task_function_directly_says_that_nothing_was_injected(
    broker: InMemoryBroker,
) -> None:
    @broker.task
    async def job(context: TaskContext = InjectQDependency(TaskContext)) -> str:
        return context.id

    with pytest.raises(ScopeError, match="called directly") as raised:
        await job(context=InjectQDependency(TaskContext))  # what a plain call passes
    assert isinstance(raised.value, AttributeError)  # so hasattr() keeps working
    assert ".kiq()" in str(raised.value)


@scoped("request")
class RequestCache:
    pass


class Report:
    def __init__(self, cache: RequestCache) -> None:
        self.cache = cache


def test_validation_reports_a_task_that_needs_a_service_of_a_scope_tasks_never_open(
    journal: Journal,
) -> None:
    broker = make_broker()
    container = make_container(journal)
    container.bind(RequestCache, RequestCache)
    setup_taskiq_integration(broker, container)

    @broker.task(task_name="report")
    async def report(made: Report = InjectQDependency(Report)) -> None:
        return None

    with pytest.raises(ValidationError) as raised:
        container.validate(entry_points=task_entry_points(broker))
    assert "task report needs RequestCache, which lives in scope 'request'" in str(raised.value)
    assert "task report -> Report -> RequestCache" in str(raised.value)


class Connection:
    pass


class Transaction:
    pass


async def test_a_task_that_times_out_runs_every_finalizer_to_its_end_seeing_the_timeout(
    journal: Journal,
) -> None:
    # taskiq's timeout= is anyio's fail_after, which cancels again at every await: the close
    # is shielded from it for a grace period, so the rollback finishes
    container = InjectQ()

    def connection() -> Iterator[Connection]:
        try:
            yield Connection()
        except BaseException as error:
            journal.add("connection closed", type(error).__name__)
            raise

    async def transaction(connection: Connection) -> AsyncIterator[Transaction]:
        try:
            yield Transaction()
        except BaseException as error:
            journal.add("transaction rollback started", type(error).__name__)
            await asyncio.sleep(0.2)  # not cancelled again here
            journal.add("transaction rollback finished")
            raise

    container.bind_factory(Connection, connection, scope="scoped")
    container.bind_factory(Transaction, transaction, scope="scoped")
    broker = make_broker()
    setup_taskiq_integration(broker, container)

    @broker.task(timeout=0.1)
    async def slow(tx: Transaction = InjectQDependency(Transaction)) -> str:
        await asyncio.sleep(5)
        return "never"

    await broker.startup()
    sent = await slow.kiq()
    result = await sent.wait_result(timeout=10, check_interval=0.01)
    await broker.shutdown()

    assert result.is_err
    assert isinstance(result.error, TimeoutError)
    assert journal.events == [
        ["transaction rollback started", "TimeoutError"],
        ["transaction rollback finished"],
        ["connection closed", "TimeoutError"],
    ]
