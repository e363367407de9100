"""Cron strings given to the scheduler: a malformed one is refused when it is scheduled, naming
the field that is wrong; a valid one is stored so that taskiq's scheduler loop fires it when
cron would."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from taskiq.cli.scheduler.run import is_cron_task_now
from taskiq.scheduler.scheduled_task import CronSpec

from injectq import InjectQError
from injectq.integrations.taskiq import CronError, SchedulerError, TaskiqScheduler
from injectq_taskiq._cron import CronExpression, parse_cron


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


# bad input never escapes as anything but a CronError -----------------------------------------


def test_a_cron_error_is_a_value_error_and_an_injectq_error() -> None:
    with pytest.raises(ValueError, match="minute 61 is out of range") as raised:
        parse_cron("61 * * * *")
    assert isinstance(raised.value, CronError)
    assert isinstance(raised.value, InjectQError)


@pytest.mark.parametrize(
    ("cron", "field", "bad"),
    [
        ("²5 * * * *", "minute", "'²5'"),
        ("*/² * * * *", "minute", "'²'"),
        ("0 ٣ * * *", "hour", "'٣'"),  # an Arabic-Indic 3: int() reads it, cron does not
        ("0 9 \N{FULLWIDTH DIGIT ONE} * *", "day of month", "'\N{FULLWIDTH DIGIT ONE}'"),
        ("0 9 * 1-1\N{FULLWIDTH DIGIT TWO} *", "month", "'1\N{FULLWIDTH DIGIT TWO}'"),
        (
            "0 9 * * \N{MATHEMATICAL BOLD DIGIT FIVE}",
            "day of week",
            "'\N{MATHEMATICAL BOLD DIGIT FIVE}'",
        ),
    ],
)
def test_a_cron_field_with_a_unicode_digit_is_a_cron_error(cron: str, field: str, bad: str) -> None:
    with pytest.raises(CronError) as raised:
        parse_cron(cron)
    assert raised.value.field == field
    assert bad in str(raised.value)
    assert "ASCII digits 0-9" in str(raised.value)


@pytest.mark.parametrize(
    ("cron", "field"),
    [
        (f"{10**30} * * * *", "minute"),
        (f"0 {'9' * 5000} * * *", "hour"),  # more digits than Python's int() reads
        (f"0 9 1-{'3' * 5000} * *", "day of month"),
        (f"*/{'7' * 5000} * * * *", "minute"),
        (f"0 0/{10**30} * * *", "hour"),
    ],
)
def test_a_number_too_long_for_any_field_is_a_cron_error(cron: str, field: str) -> None:
    with pytest.raises(CronError) as raised:
        parse_cron(cron)
    assert raised.value.field == field
    assert len(str(raised.value)) < 1000  # the message quotes the input, cut short


@pytest.mark.parametrize(
    ("cron", "field"),
    [("*/61 * * * *", "minute"), ("0 */25 * * *", "hour"), ("0 9 * 1-12/13 *", "month")],
)
def test_a_step_larger_than_its_field_is_a_cron_error(cron: str, field: str) -> None:
    with pytest.raises(CronError, match="larger than the") as raised:
        parse_cron(cron)
    assert raised.value.field == field
    assert "interval=" in raised.value.fix  # what to use for a longer period


@pytest.mark.parametrize("expression", [None, 5, 1.5, b"* * * * *", ["*"] * 5, object()])
def test_a_cron_expression_that_is_not_a_string_is_a_cron_error(expression: object) -> None:
    with pytest.raises(CronError, match="a cron expression is a string"):
        parse_cron(expression)


FUZZ_SETTINGS = settings(max_examples=400, deadline=None)

_ODD_VALUES = [
    *[
        "0",
        "7",
        "12",
        "23",
        "31",
        "59",
        "60",
        "05",
        "9" * 5000,
        "",
        "²",
        "٣",
        "\N{FULLWIDTH DIGIT ONE}",
        "ⅷ",
    ],
    *["jan", "DEC", "mon", "Sunday", "funday", "?", "L", "5W", "1#2", "*"],
]


@st.composite
def cron_like(draw: st.DrawFn) -> str:
    """Mostly cron-shaped text (numbers, names, ranges, steps, lists), with odd values mixed in."""
    plain = st.sampled_from(["1", "2", "5", "6", "10"])
    odd = st.one_of(plain, st.sampled_from(_ODD_VALUES), st.text(max_size=3))
    value = odd if draw(st.booleans()) else plain  # half of the expressions have odd values
    shapes = st.sampled_from(["*", "*", "*", "n", "n-n", "*/n", "n-n/n", "n/n"])

    def field() -> str:
        items: list[str] = []
        for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
            shape = draw(shapes)
            values = [draw(value) for _ in range(shape.count("n"))]
            items.append(shape.replace("n", "{}").format(*values))
        return ",".join(items)

    count = draw(st.sampled_from([5] * 8 + [1, 4, 6]))
    separator = draw(st.sampled_from([" ", "  ", "\t", "\n", "\u2003", "\xa0"]))
    return separator.join(field() for _ in range(count))


def parses_or_is_a_cron_error(expression: str) -> CronExpression | None:
    """The parsed expression, or None if it is a CronError; anything else fails the test."""
    refused: CronError | None = None
    try:
        return parse_cron(expression)
    except CronError as error:
        refused = error
    assert refused.fix
    assert len(str(refused)) < 2000  # the message quotes the input, cut short
    return None


@FUZZ_SETTINGS
@given(expression=st.text())
def test_any_text_either_parses_or_is_a_cron_error(expression: str) -> None:
    parses_or_is_a_cron_error(expression)


@FUZZ_SETTINGS
@given(expression=cron_like())
def test_cron_like_text_either_parses_or_is_a_cron_error_and_keeps_its_meaning_stored(
    expression: str,
) -> None:
    cron = parses_or_is_a_cron_error(expression)
    if cron is None:
        return
    again = parse_cron(cron.normalized)  # the stored form reads as the same schedule
    assert again.normalized == cron.normalized
    assert (again.minutes, again.hours, again.days, again.months, again.weekdays) == (
        cron.minutes,
        cron.hours,
        cron.days,
        cron.months,
        cron.weekdays,
    )


async def test_a_cron_spec_offset_of_a_day_or_more_is_refused() -> None:
    # taskiq adds a timedelta offset to the time: days of offset are a mistake, and a huge
    # one would end taskiq's scheduler loop with an OverflowError
    with pytest.raises(SchedulerError, match="less than a day") as raised:
        await schedule(CronSpec(minutes=0, hours=9, offset=timedelta(days=400_000_000)))
    assert isinstance(raised.value, ValueError)

    _, cron = await schedule(CronSpec(minutes=0, hours=9, offset=timedelta(hours=-5)))
    assert cron == "0 9 * * *"
