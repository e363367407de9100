"""Cron strings given to the scheduler: a malformed one is refused when it is scheduled, naming
the field that is wrong; a valid one is stored so that taskiq's scheduler loop fires it when
cron would."""

from datetime import UTC, datetime, timedelta

import pytest
from taskiq.cli.scheduler.run import is_cron_task_now
from taskiq.scheduler.scheduled_task import CronSpec

from injectq import InjectQError
from injectq.integrations.taskiq import CronError, SchedulerError, TaskiqScheduler


async def schedule(cron: str | CronSpec) -> tuple[TaskiqScheduler, str]:
    """Schedule a task with `cron`; the scheduler and the cron string its source stored."""
    scheduler = TaskiqScheduler()

    @scheduler.task
    async def job() -> None:
        pass

    created = await scheduler.schedule_cron(job, cron=cron)
    (stored,) = await scheduler.dynamic_source.get_schedules()
    assert stored.schedule_id == created.schedule_id
    assert stored.cron is not None
    return scheduler, stored.cron


def fires(cron: str, at: datetime) -> bool:
    """Whether taskiq's scheduler loop would send a schedule with `cron` at `at`."""
    return is_cron_task_now(cron, at)


MONDAY_9 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
SUNDAY_9 = datetime(2025, 6, 8, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cron", "field", "problem"),
    [
        ("60 * * * *", "minute", "minute 60 is out of range 0-59"),
        ("x 9 * * *", "minute", "minute 'x' is not a number"),
        ("*/0 * * * *", "minute", "step in '*/0' must be at least 1"),
        ("0 25 * * *", "hour", "hour 25 is out of range 0-23"),
        ("0 17-9 * * *", "hour", "hour range '17-9' goes backwards"),
        ("0 9 0 * *", "day of month", "day of month 0 is out of range 1-31"),
        ("0 9 1,,15 * *", "day of month", "has an empty list item"),
        ("0 9 ? * *", "day of month", "Quartz syntax"),
        ("0 9 31 feb *", "day of month", "31 never occurs in feb"),
        ("0 9 * 13 *", "month", "month 13 is out of range 1-12"),
        ("0 9 * foo *", "month", "month 'foo' is neither a number nor a month"),
        ("0 9 * * 8", "day of week", "day of week 8 is out of range 0-7"),
        ("0 9 * * mon-funday", "day of week", "'funday' in 'mon-funday' is neither"),
    ],
)
async def test_malformed_cron_names_the_wrong_field_and_schedules_nothing(
    cron: str, field: str, problem: str
) -> None:
    scheduler = TaskiqScheduler()

    @scheduler.task
    async def job() -> None:
        pass

    with pytest.raises(CronError) as raised:
        await scheduler.schedule_cron(job, cron=cron)

    error = raised.value
    assert isinstance(error, InjectQError)
    assert error.field == field
    assert problem in str(error)
    assert repr(cron) in str(error)  # says what was asked
    assert error.fix  # and what to do
    assert await scheduler.dynamic_source.get_schedules() == []


@pytest.mark.parametrize(
    ("cron", "problem"),
    [
        ("0 9 * *", "it has 4 fields, and cron needs 5"),
        ("0 0 9 * * *", "a 6th field (seconds or year) is not supported"),
        ("", "it is empty"),
        ("@reboot", "'@reboot' is not a known macro"),
    ],
)
async def test_cron_with_the_wrong_shape_says_cron_takes_five_fields(
    cron: str, problem: str
) -> None:
    with pytest.raises(CronError, match="is invalid") as raised:
        await schedule(cron)
    assert problem in str(raised.value)
    assert raised.value.field == ""


async def test_six_field_cron_points_to_interval_for_sub_minute_schedules() -> None:
    with pytest.raises(CronError) as raised:
        await schedule("*/10 * * * * *")
    assert "interval=" in raised.value.fix


async def test_cron_given_to_schedule_task_is_checked_too() -> None:
    scheduler = TaskiqScheduler()

    @scheduler.task
    async def job() -> None:
        pass

    with pytest.raises(CronError, match="hour 24 is out of range"):
        await scheduler.schedule_task(job, cron="0 24 * * *")


@pytest.mark.parametrize(
    ("cron", "stored"),
    [
        ("0 9 * * *", "0 9 * * *"),
        ("0 */6 * * *", "0 */6 * * *"),
        ("  0   9  *  *  *  ", "0 9 * * *"),
        ("0 9 * * mon-fri", "0 9 * * 1,2,3,4,5"),
        ("0 9 1 jan,JUL *", "0 9 1 1,7 *"),
        ("5/20 * * * *", "5,25,45 * * * *"),
        ("0 0 * * 7", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
    ],
)
async def test_valid_cron_is_stored_in_a_form_taskiq_evaluates_as_cron_does(
    cron: str, stored: str
) -> None:
    _, actual = await schedule(cron)
    assert actual == stored


async def test_weekday_names_fire_on_weekdays_only() -> None:
    _, cron = await schedule("0 9 * * Mon-Fri")

    assert fires(cron, MONDAY_9)
    assert not fires(cron, SUNDAY_9)
    assert not fires(cron, MONDAY_9 + timedelta(minutes=1))


async def test_seven_means_sunday() -> None:
    _, cron = await schedule("0 9 * * 7")

    assert fires(cron, SUNDAY_9)
    assert not fires(cron, MONDAY_9)


async def test_month_names_fire_in_that_month_only() -> None:
    _, cron = await schedule("0 9 2 jun *")

    assert fires(cron, MONDAY_9)  # 2 June
    assert not fires(cron, MONDAY_9.replace(month=7))


async def test_a_step_from_a_start_value_fires_from_there() -> None:
    _, cron = await schedule("5/20 9 * * *")

    assert [minute for minute in range(60) if fires(cron, MONDAY_9.replace(minute=minute))] == [
        5,
        25,
        45,
    ]


async def test_day_of_month_or_day_of_week_when_both_are_given() -> None:
    _, cron = await schedule("0 9 1 * mon")  # the 1st, and every Monday (as cron means)

    assert fires(cron, MONDAY_9)  # Monday 2 June
    assert fires(cron, datetime(2025, 6, 1, 9, 0, tzinfo=UTC))  # Sunday 1 June
    assert not fires(cron, SUNDAY_9)


async def test_cron_spec_with_a_time_zone_is_accepted_and_checked() -> None:
    spec = CronSpec(minutes=0, hours=9, weekdays="mon-fri", offset="Europe/Berlin")
    scheduler, cron = await schedule(spec)
    (stored,) = await scheduler.dynamic_source.get_schedules()

    assert cron == "0 9 * * 1,2,3,4,5"
    assert stored.cron_offset == "Europe/Berlin"

    with pytest.raises(CronError, match="hour 30 is out of range"):
        await schedule(CronSpec(minutes=0, hours=30))
    with pytest.raises(SchedulerError, match="'Mars/Olympus', which is not a known time zone"):
        await schedule(CronSpec(minutes=0, hours=9, offset="Mars/Olympus"))
