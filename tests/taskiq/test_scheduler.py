"""InjectQ's TaskiqScheduler: defaults, task helpers, in-process runs, schedules, results,
retries. Everything runs on a real InMemoryBroker through taskiq's own receiver."""

import asyncio
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import taskiq
from taskiq import InMemoryBroker, TaskiqMessage, TaskiqMiddleware, TaskiqResult
from taskiq.cli.scheduler.args import SchedulerArgs
from taskiq.cli.scheduler.run import is_interval_task_now, run_scheduler
from taskiq.result_backends.dummy import DummyResultBackend
from taskiq.schedule_sources import LabelScheduleSource
from taskiq_redis import ListQueueBroker, ListRedisScheduleSource

from injectq import InjectQ, InjectQError, scoped
from injectq.integrations.taskiq import (
    CronError,
    InjectedArgumentError,
    InjectQDependency,
    InMemoryScheduleSource,
    SchedulerError,
    TaskInfo,
    TaskiqScheduler,
    TaskResult,
    TaskResultTimeoutError,
    setup_taskiq_integration,
)
from injectq.integrations.taskiq import TaskiqMiddleware as InjectQHooks
from injectq_taskiq._schedules import check_schedule_label, normalized_schedule_label
from tests._journal import Journal


@scoped
class UnitOfWork:
    def __init__(self) -> None:
        self.id = uuid.uuid4().hex


def make_container(journal: Journal) -> InjectQ:
    """Services for the tasks; each UnitOfWork's finalizer records `["closed", unit id]`."""
    container = InjectQ()
    container.bind(Journal, journal)

    def unit_of_work() -> Iterator[UnitOfWork]:
        unit = UnitOfWork()
        try:
            yield unit
        finally:
            journal.add("closed", unit.id)

    container.bind_factory(UnitOfWork, unit_of_work, scope="scoped")
    return container


@pytest.fixture
def scheduler(journal: Journal) -> TaskiqScheduler:
    scheduler = TaskiqScheduler()
    setup_taskiq_integration(scheduler, make_container(journal))
    return scheduler


async def schedules_of(scheduler: TaskiqScheduler) -> dict[str, taskiq.ScheduledTask]:
    return {s.schedule_id: s for s in await scheduler.dynamic_source.get_schedules()}


# construction --------------------------------------------------------------------------------


def test_scheduler_built_with_no_arguments_has_an_in_memory_broker_and_two_sources() -> None:
    scheduler = TaskiqScheduler()

    assert isinstance(scheduler, taskiq.TaskiqScheduler)  # what `taskiq scheduler` accepts
    assert isinstance(scheduler.broker, InMemoryBroker)
    label_source, dynamic_source = scheduler.sources
    assert isinstance(label_source, LabelScheduleSource)
    assert isinstance(dynamic_source, InMemoryScheduleSource)
    assert scheduler.dynamic_source is dynamic_source


def test_scheduler_uses_the_broker_and_sources_it_is_given() -> None:
    broker = InMemoryBroker()
    label_source = LabelScheduleSource(broker)
    redis_source = ListRedisScheduleSource("redis://127.0.0.1:1")  # never connected here
    scheduler = TaskiqScheduler(broker=broker, sources=[label_source, redis_source])

    assert scheduler.broker is broker
    assert scheduler.sources == [label_source, redis_source]
    assert scheduler.dynamic_source is redis_source  # the first that can add schedules


async def test_scheduling_without_a_dynamic_source_says_which_source_to_add() -> None:
    broker = InMemoryBroker()
    scheduler = TaskiqScheduler(broker=broker, sources=[LabelScheduleSource(broker)])

    @scheduler.task
    async def job() -> None:
        pass

    with pytest.raises(SchedulerError, match="can add schedules") as raised:
        await scheduler.schedule_cron(job, cron="0 9 * * *")
    assert "InMemoryScheduleSource" in raised.value.fix


def test_task_decorator_registers_on_the_broker_bare_and_with_taskiq_arguments() -> None:
    scheduler = TaskiqScheduler()

    @scheduler.task
    async def bare() -> int:
        return 1

    @scheduler.task(task_name="reports.daily", retry_on_error=True)
    async def named() -> int:
        return 2

    assert scheduler.broker.find_task(bare.task_name) is bare
    assert scheduler.broker.find_task("reports.daily") is named
    assert named.labels["retry_on_error"] is True


def test_container_is_the_one_set_up_on_the_scheduler() -> None:
    container = InjectQ()
    scheduler = TaskiqScheduler()
    setup_taskiq_integration(scheduler, container)

    assert scheduler.container is container


def test_container_before_setup_is_an_error_that_says_how_to_set_it_up() -> None:
    scheduler = TaskiqScheduler()

    with pytest.raises(SchedulerError, match="not set up") as raised:
        _ = scheduler.container
    assert isinstance(raised.value, InjectQError)
    assert "setup_taskiq_integration(scheduler, container)" in raised.value.fix


# execute_task ---------------------------------------------------------------------------------


async def test_execute_task_returns_the_value_of_the_task_with_its_services_injected(
    scheduler: TaskiqScheduler, journal: Journal
) -> None:
    @scheduler.task
    async def total(a: int, b: int, log: Journal = InjectQDependency(Journal)) -> int:
        log.add("total", a, b)
        return a + b

    assert await scheduler.execute_task(total, 2, b=3) == 5
    assert ["total", 2, 3] in journal.events


async def test_execute_task_runs_sync_tasks_too(scheduler: TaskiqScheduler) -> None:
    @scheduler.task
    def double(n: int, unit: UnitOfWork = InjectQDependency(UnitOfWork)) -> tuple[int, str]:
        return n * 2, unit.id

    value, unit_id = await scheduler.execute_task(double, n=21)
    assert value == 42
    assert unit_id


async def test_execute_task_raises_the_original_exception_after_the_error_hooks_ran(
    journal: Journal,
) -> None:
    class Recorder(InjectQHooks):
        def on_task_error(self, task_info: TaskInfo, error: BaseException) -> None:
            journal.add("on_task_error", type(error).__name__)

    scheduler = TaskiqScheduler()
    setup_taskiq_integration(scheduler, make_container(journal), middlewares=[Recorder()])
    failure = ValueError("inactive user 456")

    @scheduler.task
    async def risky(user_id: int, unit: UnitOfWork = InjectQDependency(UnitOfWork)) -> None:
        raise failure

    with pytest.raises(ValueError, match="inactive user 456") as raised:
        await scheduler.execute_task(risky, user_id=456)
    assert raised.value is failure
    assert ["on_task_error", "ValueError"] in journal.events
    assert journal.of("closed") != []  # scope closed


async def test_execute_task_goes_through_taskiq_worker_middlewares(
    scheduler: TaskiqScheduler,
) -> None:
    seen: list[str] = []

    class Tracing(TaskiqMiddleware):
        def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
            seen.append(f"pre_execute {message.kwargs}")
            return message

        def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
            seen.append(f"post_execute {result.return_value}")

    scheduler.broker.add_middlewares(Tracing())

    @scheduler.task
    async def echo(word: str) -> str:
        return word

    assert await scheduler.execute_task(echo, word="hi") == "hi"
    assert seen == ["pre_execute {'word': 'hi'}", "post_execute hi"]


async def test_scoped_service_is_one_per_execute_task_run(
    scheduler: TaskiqScheduler, journal: Journal
) -> None:
    @scheduler.task
    async def two_views(
        first: UnitOfWork = InjectQDependency(UnitOfWork),
        second: UnitOfWork = InjectQDependency(UnitOfWork),
    ) -> tuple[str, str]:
        return first.id, second.id

    run_one = await scheduler.execute_task(two_views)
    run_two = await scheduler.execute_task(two_views)

    assert run_one[0] == run_one[1]
    assert run_two[0] == run_two[1]
    assert run_one[0] != run_two[0]
    assert journal.events == [["closed", run_one[0]], ["closed", run_two[0]]]


async def test_execute_task_rejects_a_value_for_an_injected_parameter_before_running(
    scheduler: TaskiqScheduler, journal: Journal
) -> None:
    @scheduler.task
    async def job(unit: UnitOfWork = InjectQDependency(UnitOfWork)) -> None:
        journal.add("ran")

    with pytest.raises(InjectedArgumentError, match="'unit'"):
        await scheduler.execute_task(job, unit="forged")
    assert journal.events == []


async def test_execute_task_of_a_function_that_is_not_a_task_says_how_to_declare_it(
    scheduler: TaskiqScheduler,
) -> None:
    async def plain() -> None:
        pass

    with pytest.raises(SchedulerError, match="is not a task") as raised:
        await scheduler.execute_task(plain)
    assert "@scheduler.task" in raised.value.fix

    with pytest.raises(SchedulerError, match="'nowhere:job' is not registered"):
        await scheduler.execute_task("nowhere:job")


async def test_execute_task_on_a_redis_broker_runs_in_process_without_a_server(
    journal: Journal,
) -> None:
    broker = ListQueueBroker("redis://127.0.0.1:1")  # nothing listens there: nothing is sent
    scheduler = TaskiqScheduler(broker=broker)
    setup_taskiq_integration(scheduler, make_container(journal))

    @scheduler.task
    async def job(n: int, unit: UnitOfWork = InjectQDependency(UnitOfWork)) -> str:
        if n < 0:
            raise ArithmeticError(n)
        return unit.id

    unit_id = await scheduler.execute_task(job, n=1)
    with pytest.raises(ArithmeticError):
        await scheduler.execute_task(job, n=-1)
    assert journal.events[0] == ["closed", unit_id]
    assert len(journal.events) == 2


# sending now and results ----------------------------------------------------------------------


async def test_schedule_task_enqueues_now_and_wait_result_reports_name_and_duration(
    scheduler: TaskiqScheduler,
) -> None:
    @scheduler.task
    async def slow_sum(a: int, b: int) -> int:
        await asyncio.sleep(0.05)
        return a + b

    sent = await scheduler.schedule_task(slow_sum, a=1, b=2)
    result = await scheduler.wait_result(sent.task_id, timeout=5)

    assert isinstance(result, TaskResult)
    assert result.task_id == sent.task_id
    assert result.task_name == slow_sum.task_name
    assert result.success
    assert result.result == 3
    assert result.error is None
    assert result.retry_count == 0
    assert result.duration >= 0.04


async def test_wait_result_of_a_failed_task_carries_its_error(
    scheduler: TaskiqScheduler,
) -> None:
    @scheduler.task
    async def broken() -> None:
        raise KeyError("missing")

    sent = await scheduler.schedule_task(broken)
    result = await scheduler.wait_result(sent, timeout=5)

    assert not result.success
    assert isinstance(result.error, KeyError)
    with pytest.raises(KeyError):
        result.unwrap()


async def test_wait_result_times_out_with_an_error_naming_the_task(
    scheduler: TaskiqScheduler,
) -> None:
    release = asyncio.Event()

    @scheduler.task
    async def stuck() -> None:
        await release.wait()

    sent = await scheduler.schedule_task(stuck)
    try:
        with pytest.raises(TimeoutError, match=sent.task_id) as raised:
            await scheduler.wait_result(sent.task_id, timeout=0.05)
        assert isinstance(raised.value, TaskResultTimeoutError)
        assert stuck.task_name in str(raised.value)
    finally:
        release.set()
        assert isinstance(scheduler.broker, InMemoryBroker)
        await scheduler.broker.wait_all()


async def test_wait_result_without_a_result_backend_says_to_add_one() -> None:
    scheduler = TaskiqScheduler(InMemoryBroker().with_result_backend(DummyResultBackend()))

    with pytest.raises(SchedulerError, match="no result backend") as raised:
        await scheduler.wait_result("some-id", timeout=1)
    assert "with_result_backend" in raised.value.fix


# schedules -----------------------------------------------------------------------------------


async def test_cron_schedule_appears_in_the_dynamic_source_and_can_be_deleted(
    scheduler: TaskiqScheduler,
) -> None:
    @scheduler.task
    async def reminders(reminder_type: str) -> None:
        pass

    daily = await scheduler.schedule_task(reminders, reminder_type="payment_due", cron="0 9 * * *")
    six_hourly = await scheduler.schedule_cron(reminders, reminder_type="x", cron="0 */6 * * *")

    stored = await schedules_of(scheduler)
    assert stored[daily.schedule_id].cron == "0 9 * * *"
    assert stored[daily.schedule_id].kwargs == {"reminder_type": "payment_due"}
    assert stored[daily.schedule_id].task_name == reminders.task_name
    assert stored[six_hourly.schedule_id].cron == "0 */6 * * *"

    await daily.unschedule()
    assert set(await schedules_of(scheduler)) == {six_hourly.schedule_id}


async def test_interval_and_time_schedules_are_stored_with_their_trigger(
    scheduler: TaskiqScheduler,
) -> None:
    @scheduler.task
    async def tick(n: int) -> None:
        pass

    at = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    every_30 = await scheduler.schedule_task(tick, n=1, interval=30)
    every_5_min = await scheduler.schedule_task(tick, n=2, interval=timedelta(minutes=5))
    once = await scheduler.schedule_task(tick, n=3, time=at)

    stored = await schedules_of(scheduler)
    assert stored[every_30.schedule_id].interval == 30
    assert stored[every_5_min.schedule_id].interval == timedelta(minutes=5)
    assert stored[once.schedule_id].time == at
    assert [stored[s.schedule_id].kwargs["n"] for s in (every_30, every_5_min, once)] == [1, 2, 3]


@pytest.mark.parametrize(
    ("trigger", "message"),
    [
        ({"interval": 0}, "at least 1"),
        ({"interval": 1.5}, "whole seconds"),
        ({"interval": "5m"}, "not a duration"),
        ({"time": "tomorrow"}, "not a datetime"),
        ({"cron": "0 9 * * *", "interval": 60}, "cron and interval"),
    ],
)
async def test_a_bad_trigger_is_rejected_and_nothing_is_scheduled(
    scheduler: TaskiqScheduler, trigger: dict[str, Any], message: str
) -> None:
    @scheduler.task
    async def job() -> None:
        pass

    with pytest.raises(SchedulerError, match=message):
        await scheduler.schedule_task(job, **trigger)
    assert await schedules_of(scheduler) == {}


async def test_a_schedule_giving_an_injected_parameter_a_value_is_rejected_when_made(
    scheduler: TaskiqScheduler,
) -> None:
    @scheduler.task
    async def job(unit: UnitOfWork = InjectQDependency(UnitOfWork)) -> None:
        pass

    with pytest.raises(InjectedArgumentError, match="'unit'"):
        await scheduler.schedule_cron(job, cron="0 9 * * *", unit="forged")
    with pytest.raises(InjectedArgumentError):
        await scheduler.schedule_task(job, interval=60, unit="forged")
    assert await schedules_of(scheduler) == {}


async def test_a_malformed_cron_in_a_schedule_label_is_rejected_at_declaration() -> None:
    scheduler = TaskiqScheduler()

    with pytest.raises(CronError, match="hour 25 is out of range 0-23"):

        @scheduler.task(schedule=[{"cron": "0 25 * * *"}])
        async def job() -> None:
            pass


async def test_the_scheduler_loop_fires_dynamic_and_label_schedules(journal: Journal) -> None:
    scheduler = TaskiqScheduler()
    setup_taskiq_integration(scheduler, make_container(journal))
    fired: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    @scheduler.task(schedule=[{"cron": "* * * * *", "kwargs": {"kind": "label cron"}}])
    async def job(kind: str, unit: UnitOfWork = InjectQDependency(UnitOfWork)) -> None:
        await fired.put((kind, unit.id))

    await scheduler.schedule_cron(job, kind="cron", cron="* * * * *")
    await scheduler.schedule_task(job, kind="interval", interval=1)
    once = await scheduler.schedule_task(job, kind="time", time=datetime.now(UTC))

    taskiq_logger = logging.getLogger("taskiq")
    level = taskiq_logger.level
    # taskiq's own `taskiq scheduler` entry point, minus the command line
    loop = asyncio.create_task(
        run_scheduler(SchedulerArgs(scheduler=scheduler, modules=[], configure_logging=False))
    )
    try:
        runs = [await asyncio.wait_for(fired.get(), timeout=5) for _ in range(4)]
    finally:
        loop.cancel()
        await loop
        taskiq_logger.setLevel(level)

    assert sorted(kind for kind, _ in runs) == ["cron", "interval", "label cron", "time"]
    assert len({unit for _, unit in runs}) == 4  # each run in a scope of its own
    assert once.schedule_id not in await schedules_of(scheduler)  # a one-shot is done


# retries -------------------------------------------------------------------------------------


async def test_retry_task_resends_a_failed_task_with_retry_count_plus_one_and_a_fresh_scope(
    scheduler: TaskiqScheduler, journal: Journal
) -> None:
    attempts: list[tuple[int, str]] = []

    @scheduler.task
    async def flaky(
        order_id: int,
        info: TaskInfo = InjectQDependency(TaskInfo),
        unit: UnitOfWork = InjectQDependency(UnitOfWork),
    ) -> str:
        attempts.append((info.retry_count, unit.id))
        if len(attempts) == 1:
            raise ConnectionError("payment gateway down")
        return f"order {order_id} paid"

    sent = await scheduler.schedule_task(flaky, order_id=7)
    failed = await scheduler.wait_result(sent.task_id, timeout=5)
    assert not failed.success

    retried = await scheduler.retry_task(failed.task_id)
    result = await scheduler.wait_result(retried.task_id, timeout=5)

    assert retried.task_id == sent.task_id
    assert result.success
    assert result.result == "order 7 paid"
    assert result.retry_count == 1
    assert [count for count, _ in attempts] == [0, 1]
    assert attempts[0][1] != attempts[1][1]
    assert journal.events == [["closed", attempts[0][1]], ["closed", attempts[1][1]]]


async def test_retry_task_of_a_task_already_being_retried_is_refused(
    scheduler: TaskiqScheduler,
) -> None:
    @scheduler.task
    async def broken() -> None:
        raise RuntimeError("still broken")

    sent = await scheduler.schedule_task(broken)
    await scheduler.wait_result(sent, timeout=5)
    await scheduler.retry_task(sent.task_id)

    with pytest.raises(SchedulerError, match=r"attempt 2 .* already sent"):
        await scheduler.retry_task(sent.task_id)
    again = await scheduler.wait_result(sent, timeout=5)
    assert again.retry_count == 1
    assert not again.success


async def test_retry_task_of_an_unknown_or_successful_task_is_a_clear_error(
    scheduler: TaskiqScheduler,
) -> None:
    @scheduler.task
    async def fine() -> int:
        return 1

    with pytest.raises(SchedulerError, match="no record of a message") as raised:
        await scheduler.retry_task("not-a-task-id")
    assert "remembers the last 1000" in raised.value.fix

    sent = await scheduler.schedule_task(fine)
    await scheduler.wait_result(sent, timeout=5)
    with pytest.raises(SchedulerError, match="succeeded; only a failed task can be retried"):
        await scheduler.retry_task(sent.task_id)


async def test_the_scheduler_remembers_a_bounded_number_of_messages() -> None:
    scheduler = TaskiqScheduler(max_remembered_messages=2)

    @scheduler.task
    async def broken(n: int) -> None:
        raise ValueError(n)

    sent = [await scheduler.schedule_task(broken, n=n) for n in range(3)]
    for task in sent:
        await scheduler.wait_result(task, timeout=5)

    with pytest.raises(SchedulerError, match="no record"):
        await scheduler.retry_task(sent[0].task_id)
    await scheduler.retry_task(sent[2].task_id)  # the newest are still known


# bad durations are errors that say which parameter ------------------------------------------


@pytest.mark.parametrize(
    ("interval", "problem"),
    [
        (float("inf"), "not a finite number of seconds"),
        (float("-inf"), "not a finite number of seconds"),
        (float("nan"), "not a finite number of seconds"),
        (-5, "at least 1"),
        (0, "at least 1"),
        (0.0, "at least 1"),
        (-(10**30), "at least 1"),
        (10**30, "longer than"),
        pytest.param(10**5000, "longer than", id="more digits than Python prints"),
        (1e300, "longer than"),
        (timedelta(milliseconds=1500), "whole seconds"),
        (timedelta.max, "whole seconds"),
        (timedelta(seconds=-60), "at least 1"),
    ],
)
async def test_an_interval_taskiq_cannot_run_is_a_value_error_naming_the_parameter(
    scheduler: TaskiqScheduler, interval: object, problem: str
) -> None:
    @scheduler.task
    async def job() -> None:
        pass

    with pytest.raises(SchedulerError, match=problem) as raised:
        await scheduler.schedule_task(job, interval=interval)  # type: ignore[call-overload]

    assert isinstance(raised.value, ValueError)
    assert len(str(raised.value)) < 1000  # a huge int is described, not printed
    assert "interval=" in str(raised.value)
    assert job.task_name in str(raised.value)
    assert raised.value.fix
    assert await schedules_of(scheduler) == {}


@pytest.mark.parametrize("interval", [True, "60", b"60", [60], object()])
async def test_an_interval_of_the_wrong_type_is_a_type_error_naming_the_parameter(
    scheduler: TaskiqScheduler, interval: object
) -> None:
    @scheduler.task
    async def job() -> None:
        pass

    with pytest.raises(TypeError, match="is not a duration") as raised:
        await scheduler.schedule_task(job, interval=interval)  # type: ignore[call-overload]

    assert isinstance(raised.value, SchedulerError)
    assert "interval=" in str(raised.value)
    assert await schedules_of(scheduler) == {}


async def test_the_longest_interval_a_timedelta_holds_is_accepted_and_taskiq_can_evaluate_it(
    scheduler: TaskiqScheduler,
) -> None:
    @scheduler.task
    async def job() -> None:
        pass

    longest = timedelta.max.days * 86400 + timedelta.max.seconds  # whole seconds
    created = await scheduler.schedule_task(job, interval=longest)
    stored = (await schedules_of(scheduler))[created.schedule_id]

    assert stored.interval == longest
    now = datetime.now(UTC)
    assert not is_interval_task_now(longest, now, last_run=now)  # no OverflowError
    with pytest.raises(SchedulerError, match="longer than"):
        await scheduler.schedule_task(job, interval=longest + 1)


@pytest.mark.parametrize(
    ("durations", "error"),
    [
        ({"check_interval": float("inf")}, ValueError),
        ({"check_interval": float("nan")}, ValueError),
        ({"check_interval": 0}, ValueError),
        ({"timeout": float("nan")}, ValueError),
        ({"timeout": -1}, ValueError),
        ({"timeout": "5"}, TypeError),
        ({"check_interval": None}, TypeError),
        ({"timeout": True}, TypeError),
        pytest.param({"timeout": 10**400}, ValueError, id="a timeout no float holds"),
    ],
)
async def test_wait_result_refuses_durations_it_cannot_wait_with(
    scheduler: TaskiqScheduler, durations: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error, match="wait_result") as raised:
        await scheduler.wait_result("some-task", **durations)
    assert isinstance(raised.value, SchedulerError)
    assert next(iter(durations)) in str(raised.value)


@pytest.mark.parametrize(
    ("limit", "error"),
    [(0, ValueError), (-3, ValueError), (1.5, TypeError), ("10", TypeError)],
)
def test_max_remembered_messages_must_be_a_positive_whole_number(
    limit: object, error: type[Exception]
) -> None:
    with pytest.raises(error, match="max_remembered_messages") as raised:
        TaskiqScheduler(max_remembered_messages=limit)  # type: ignore[arg-type]
    assert isinstance(raised.value, SchedulerError)


# the schedule label ----------------------------------------------------------------------------


def _label_broker(schedule: list[dict[str, Any]]) -> InMemoryBroker:
    broker = InMemoryBroker()

    @broker.task(task_name="reports:daily", schedule=schedule)
    async def daily() -> None:
        pass

    return broker


async def read_by_taskiq(broker: InMemoryBroker) -> list[taskiq.ScheduledTask]:
    """The schedules taskiq's own LabelScheduleSource makes of the broker's task labels."""
    source = LabelScheduleSource(broker)
    await source.startup()
    return await source.get_schedules()


async def test_a_schedule_label_the_check_accepts_is_read_by_taskiqs_label_source() -> None:
    at = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    label: list[dict[str, Any]] = [
        {"cron": "0 9 * * mon-fri", "cron_offset": "Europe/Berlin", "kwargs": {"kind": "a"}},
        {"cron": "*/15 * * * *", "cron_offset": timedelta(hours=-5), "schedule_id": "q"},
        {"interval": 30.0, "args": [1], "labels": {"priority": 2}},
        {"interval": timedelta(minutes=5)},
        {"time": at},
    ]
    check_schedule_label("reports:daily", label)
    normalized = normalized_schedule_label("reports:daily", label)

    assert normalized[0]["cron"] == "0 9 * * 1,2,3,4,5"  # as taskiq's evaluator reads cron
    assert normalized[2]["interval"] == 30
    assert normalized is not label
    assert label[0]["cron"] == "0 9 * * mon-fri"  # the label given is left as it was
    schedules = await read_by_taskiq(_label_broker(normalized))
    assert sorted(str(s.cron or s.interval or s.time) for s in schedules) == sorted(
        ["0 9 * * 1,2,3,4,5", "*/15 * * * *", "30", "0:05:00", str(at)]
    )


async def test_an_out_of_range_cron_in_a_label_is_a_cron_error_naming_task_and_entry() -> None:
    label = [{"cron": "0 9 * * *"}, {"cron": "61 * * * *"}]
    assert len(await read_by_taskiq(_label_broker(label))) == 2  # taskiq takes it as it is

    with pytest.raises(CronError) as raised:
        check_schedule_label("reports:daily", label)

    error = raised.value
    assert isinstance(error, ValueError)
    assert error.field == "minute"
    assert "minute 61 is out of range 0-59" in str(error)
    assert error.path == ("task reports:daily", "schedule[1]")
    assert "task reports:daily -> schedule[1]" in str(error)


@pytest.mark.parametrize(
    ("entry", "error", "problem"),
    [
        ("0 9 * * *", TypeError, "each schedule is a dict"),
        ({"crn": "0 9 * * *"}, ValueError, "has the key 'crn', which taskiq does not read"),
        ({"cron": "0 9 * * *", "offset": "UTC"}, ValueError, "has the key 'offset'"),
        ({}, ValueError, "has no trigger"),
        ({"cron": None, "kwargs": {}}, ValueError, "has no trigger"),
        ({"cron": "0 9 * * *", "interval": 60}, ValueError, "has cron and interval"),
        ({"interval": float("inf")}, ValueError, "not a finite number of seconds"),
        ({"interval": 0}, ValueError, "at least 1"),
        ({"interval": 10**30}, ValueError, "longer than"),
        ({"interval": "60"}, TypeError, "is not a duration"),
        ({"time": "2030-01-01"}, TypeError, "is not a datetime"),
        ({"cron": "0 9 * * *", "cron_offset": "Mars/Olympus"}, ValueError, "not a known time"),
        ({"cron": "0 9 * * *", "cron_offset": "Europe"}, ValueError, "not a known time"),
        ({"cron": "0 9 * * *", "cron_offset": "x" * 5000}, ValueError, "not a known time"),
        ({"cron": "0 9 * * *", "cron_offset": 2}, TypeError, "neither a time zone"),
        ({"cron": "0 9 * * *", "cron_offset": timedelta(days=3)}, ValueError, "less than a day"),
        ({"interval": 60, "cron_offset": "UTC"}, ValueError, "cron_offset but no cron"),
        ({"cron": "0 9 * * *", "args": "abc"}, TypeError, "args is a list"),
        ({"cron": "0 9 * * *", "kwargs": {1: "x"}}, TypeError, "kwargs is a dict"),
        ({"cron": "0 9 * * *", "labels": ["x"]}, TypeError, "labels is a dict"),
        ({"cron": "0 9 * * *", "schedule_id": 5}, TypeError, "schedule id is a non-empty"),
        ({"cron": "0 9 * * *", "schedule_id": None}, TypeError, "schedule id is a non-empty"),
        ({"cron": "0 9 * * *", "kwargs": None}, TypeError, "kwargs is a dict"),
        ({"cron": "0 9 * * *", "schedule_id": "first"}, ValueError, "an earlier schedule"),
    ],
)
def test_a_malformed_schedule_label_entry_is_refused_naming_the_task_and_the_entry(
    entry: object, error: type[Exception], problem: str
) -> None:
    label = [{"interval": 60, "schedule_id": "first"}, entry]

    with pytest.raises(error) as raised:
        check_schedule_label("reports:daily", label)

    message = str(raised.value)
    assert isinstance(raised.value, SchedulerError)
    assert problem in message
    assert "schedule[1] of task reports:daily" in message
    assert raised.value.fix


@pytest.mark.parametrize("schedule", [{"cron": "0 9 * * *"}, "0 9 * * *", None])
def test_a_schedule_label_that_is_not_a_list_is_a_type_error(schedule: object) -> None:
    with pytest.raises(TypeError, match="taskiq reads a list of schedules") as raised:
        check_schedule_label("reports:daily", schedule)
    assert isinstance(raised.value, SchedulerError)
    assert "task reports:daily" in str(raised.value)


async def test_an_entry_taskiq_would_silently_skip_is_refused_by_the_check() -> None:
    label = [{"crontab": "0 9 * * *"}]  # a typo: no trigger taskiq knows
    assert await read_by_taskiq(_label_broker(label)) == []  # never runs, and nothing says so

    with pytest.raises(SchedulerError, match="did you mean 'cron'"):
        check_schedule_label("reports:daily", label)


async def test_scheduler_task_checks_the_schedule_label_naming_the_function_task() -> None:
    scheduler = TaskiqScheduler()

    with pytest.raises(ValueError, match="not a finite number of seconds") as raised:

        @scheduler.task(schedule=[{"interval": float("inf")}])
        async def nightly() -> None:
            pass

    assert f"task {__name__}:nightly" in str(raised.value)
    assert scheduler.broker.find_task(f"{__name__}:nightly") is None  # nothing was declared
