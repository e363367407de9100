"""Schedules: the checks every trigger goes through, and `InMemoryScheduleSource`.

A schedule is checked when it is made, never when it should fire: taskiq's scheduler loop
skips, or stops on, what it cannot read (a schedule label entry without a trigger is silently
never sent; an interval too large for a `timedelta` ends the loop with an `OverflowError`).
"""

from __future__ import annotations

import difflib
import math
import typing
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from taskiq import ScheduleSource

from injectq import InjectQError

from ._cron import CronError, parse_cron

if TYPE_CHECKING:
    from taskiq import ScheduledTask

__all__ = [
    "InMemoryScheduleSource",
    "SchedulerError",
    "SchedulerTypeError",
    "SchedulerValueError",
    "check_schedule_label",
    "checked_cron_offset",
    "checked_interval",
    "checked_time",
    "normalized_schedule_label",
    "shown_value",
]


class SchedulerError(InjectQError):
    """A `TaskiqScheduler` operation cannot be done as asked (the message says why)."""


class SchedulerValueError(SchedulerError, ValueError):
    """A schedule (or a scheduler argument) has a value it cannot work with: an interval of
    0 s or of infinity, an unknown time zone, a schedule label entry with no trigger."""


class SchedulerTypeError(SchedulerError, TypeError):
    """A schedule (or a scheduler argument) is of the wrong type: `interval="5m"`, a
    schedule label that is not a list of dicts."""


#: the longest interval taskiq's scheduler loop can handle (it makes a `timedelta` of it);
#: counted in ints: `timedelta.max.total_seconds()` is a float rounded up past it
MAX_INTERVAL_SECONDS: Final = timedelta.max.days * 86400 + timedelta.max.seconds

_TRIGGERS: Final = ("cron", "interval", "time")
#: every key taskiq's `LabelScheduleSource` reads from a schedule label entry
_LABEL_KEYS: Final = (*_TRIGGERS, "cron_offset", "args", "kwargs", "labels", "schedule_id")
_LABEL_EXAMPLE: Final = 'schedule=[{"cron": "0 9 * * *", "kwargs": {...}}]'


def checked_interval(interval: object, where: str) -> int | timedelta:
    """`interval` as taskiq stores it: whole seconds (an `int`) or the `timedelta` given.

    `where` names what it is for ("task send_report"). Not a number or timedelta is a
    `SchedulerTypeError`; fewer than 1 s, a fraction of a second, infinity, NaN or more than
    a `timedelta` holds is a `SchedulerValueError`.
    """
    if isinstance(interval, int) and not isinstance(interval, bool):
        if 1 <= interval <= MAX_INTERVAL_SECONDS:
            return interval  # the common case, in seconds
        # ints are compared as ints: a huge one does not fit a float
        raise _interval_error(interval, where, "too long" if interval > 1 else "too short")
    if isinstance(interval, timedelta):  # checked exactly: a float loses its microseconds
        if interval < timedelta(seconds=1):
            raise _interval_error(interval, where, "too short")
        if interval.microseconds:
            raise _interval_error(interval, where, "fraction")
        return interval  # no timedelta is longer than MAX_INTERVAL_SECONDS
    if isinstance(interval, float):
        seconds = interval
    else:
        raise SchedulerTypeError(
            f"interval={shown_value(interval)} for {where} is not a duration",
            fix="pass seconds (interval=30) or a timedelta (interval=timedelta(minutes=5))",
        )
    if not math.isfinite(seconds):
        raise _interval_error(interval, where, "not finite")
    if seconds < 1 or not seconds.is_integer():
        raise _interval_error(interval, where, "too short" if seconds < 1 else "fraction")
    if seconds > MAX_INTERVAL_SECONDS:
        raise _interval_error(interval, where, "too long")
    return int(seconds)


def _interval_error(interval: object, where: str, why: str) -> SchedulerValueError:
    asked = f"interval={shown_value(interval)} for {where}"
    whole = "pass a whole number of seconds >= 1, e.g. interval=30"
    once = "to run a task once, schedule it with time= instead"
    if why == "not finite":
        return SchedulerValueError(
            f"{asked} is not a finite number of seconds", fix=f"{whole}; {once}"
        )
    if why == "too long":
        return SchedulerValueError(
            f"{asked} is longer than the {MAX_INTERVAL_SECONDS} s a timedelta can hold",
            fix=f"pass a shorter interval; {once}",
        )
    seconds = interval.total_seconds() if isinstance(interval, timedelta) else interval
    amount = f"{seconds:g} s" if isinstance(seconds, float) else f"{shown_value(seconds)} s"
    return SchedulerValueError(
        f"{asked} is {amount}; taskiq runs interval schedules in whole seconds, at least 1",
        fix=whole,
    )


def checked_time(time: object, where: str) -> datetime:
    """`time` if it is a datetime (naive means UTC), else a `SchedulerTypeError`."""
    if not isinstance(time, datetime):
        raise SchedulerTypeError(
            f"time={shown_value(time)} for {where} is not a datetime",
            fix="pass a datetime, e.g. datetime.now(UTC) + timedelta(hours=1) (naive = UTC)",
        )
    return time


def checked_cron_offset(offset: object, where: str) -> str | timedelta:
    """A cron schedule's time zone: an IANA zone name, or a `timedelta` of less than a day.

    taskiq adds a timedelta offset to the current time, or converts the time to the named
    zone, before it reads the cron fields.
    """
    if isinstance(offset, timedelta):
        if abs(offset) >= timedelta(days=1):
            raise SchedulerValueError(
                f"the cron offset of {where} is {shown_value(offset)}; an offset is a "
                "time zone's distance from UTC, less than a day",
                fix="pass the zone's offset, e.g. timedelta(hours=2), or its name, e.g. "
                "'Europe/Berlin'",
            )
        return offset
    if not isinstance(offset, str):
        raise SchedulerTypeError(
            f"the cron offset of {where} is {shown_value(offset)}, which is neither a "
            "time zone name nor a timedelta",
            fix="use an IANA zone name such as 'Europe/Berlin', or a timedelta",
        )
    try:  # OSError: a name too long for a file, or a folder of zones ("Europe")
        ZoneInfo(offset)
    except (ZoneInfoNotFoundError, ValueError, OSError, ModuleNotFoundError):
        raise SchedulerValueError(
            f"the cron offset of {where} is {shown_value(offset)}, which is not a known time zone",
            fix="use an IANA zone name such as 'Europe/Berlin', or a timedelta",
        ) from None
    return offset


def check_schedule_label(task_name: str, schedule: object) -> None:
    """Check a task's `schedule` label as taskiq's `LabelScheduleSource` will read it.

    The label is a list of dicts, each with one trigger (`cron`, `interval` or `time`) and
    optionally `cron_offset` (with `cron`), `args`, `kwargs`, `labels` and `schedule_id`.
    A malformed cron string is a `CronError` (its path names the task and the entry:
    `task send_report -> schedule[1]`); any other wrong value is a `SchedulerValueError`, a
    wrong type a `SchedulerTypeError`, whose messages name the task and the entry. All of
    them are `ValueError`s or `TypeError`s, and InjectQ errors.
    """
    normalized_schedule_label(task_name, schedule)


def normalized_schedule_label(task_name: str, schedule: object) -> list[dict[str, Any]]:
    """`check_schedule_label`, returning the label as it should be stored: a new list of new
    dicts, cron strings normalized (so that taskiq reads them as cron does, see `_cron`) and
    intervals in whole seconds."""
    where = f"task {task_name}" if task_name else "@task(schedule=...)"
    if not isinstance(schedule, list | tuple):
        raise SchedulerTypeError(
            f"the schedule label of {where} is {shown_value(schedule)}; taskiq reads a list of "
            "schedules",
            fix=f'write {_LABEL_EXAMPLE} (or "interval" / "time")',
        )
    entries: list[dict[str, Any]] = []
    ids: set[str] = set()
    for index, entry in enumerate(typing.cast("list[object]", schedule)):
        entries.append(_normalized_entry(entry, where, index, ids))
    return entries


def _normalized_entry(entry: object, task: str, index: int, ids: set[str]) -> dict[str, Any]:
    where = f"schedule[{index}] of {task}"
    if not isinstance(entry, dict):
        raise SchedulerTypeError(
            f"{where} is {shown_value(entry)}; each schedule is a dict",
            fix=f"write {_LABEL_EXAMPLE}",
        )
    given = typing.cast("dict[object, object]", entry)
    for key in given:
        if key not in _LABEL_KEYS:
            raise SchedulerValueError(
                f"{where} has the key {shown_value(key)}, which taskiq does not read",
                fix=f"{_did_you_mean(key)}a schedule's keys are {', '.join(_LABEL_KEYS)}",
            )
    checked = typing.cast("dict[str, Any]", dict(given))
    triggers = [key for key in _TRIGGERS if checked.get(key) is not None]
    if not triggers:
        raise SchedulerValueError(
            f"{where} ({shown_value(given)}) has no trigger, so taskiq would never send it",
            fix='give it one of "cron", "interval" or "time", e.g. {"cron": "0 9 * * *"}',
        )
    if len(triggers) > 1:
        raise SchedulerValueError(
            f"{where} has {' and '.join(triggers)}; a schedule has one trigger",
            fix="split it into one schedule per trigger",
        )
    if triggers == ["cron"]:
        try:
            checked["cron"] = parse_cron(checked["cron"]).normalized
        except CronError as error:  # its message names the field; the path, where it is
            raise error.within(task, f"schedule[{index}]") from None
    elif triggers == ["interval"]:
        checked["interval"] = checked_interval(checked["interval"], where)
    else:
        checked_time(checked["time"], where)
    if checked.get("cron_offset") is not None:
        if triggers != ["cron"]:
            raise SchedulerValueError(
                f"{where} has a cron_offset but no cron; the offset only applies to cron",
                fix="drop cron_offset (interval and time schedules do not use it)",
            )
        checked_cron_offset(checked["cron_offset"], where)
    _check_plain_parts(checked, where, ids)
    return checked


def _check_plain_parts(entry: dict[str, Any], where: str, ids: set[str]) -> None:
    args = entry.get("args", [])
    if not isinstance(args, list | tuple):
        raise SchedulerTypeError(
            f"{where} has args={shown_value(args)}; args is a list of positional arguments",
            fix='write "args": [1, "two"] (or use "kwargs": {"name": value})',
        )
    for key in ("kwargs", "labels"):
        value: Any = entry.get(key, {})
        names = typing.cast("dict[object, object]", value) if isinstance(value, dict) else None
        if names is None or not all(isinstance(name, str) for name in names):
            raise SchedulerTypeError(
                f"{where} has {key}={shown_value(entry[key])}; {key} is a dict with string keys",
                fix=f'write "{key}": {{"name": value}}',
            )
    if "schedule_id" not in entry:  # taskiq makes a random one
        return
    schedule_id = entry["schedule_id"]
    if not isinstance(schedule_id, str) or not schedule_id:
        raise SchedulerTypeError(
            f"{where} has schedule_id={shown_value(schedule_id)}; a schedule id is a "
            "non-empty string",
            fix='write "schedule_id": "daily-report", or leave it out for a random one',
        )
    if schedule_id in ids:
        raise SchedulerValueError(
            f"{where} has schedule_id={schedule_id!r}, which an earlier schedule of the task "
            "has; taskiq would keep only the last of them",
            fix="give each schedule its own schedule_id, or leave it out for a random one",
        )
    ids.add(schedule_id)


def _did_you_mean(key: object) -> str:
    if not isinstance(key, str):
        return ""
    close = difflib.get_close_matches(key, _LABEL_KEYS, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def shown_value(value: object, limit: int = 80) -> str:
    """`repr(value)` for a message, cut short if long; a huge int is described, not printed
    (Python refuses to print an int of more than 4300 digits)."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"<a {value.bit_length()}-bit integer>"
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


class InMemoryScheduleSource(ScheduleSource):
    """Schedules added at run time (`add_schedule`), held in memory.

    This is the default dynamic source of InjectQ's `TaskiqScheduler`. Its schedules live in
    the process that added them: they fire only when the scheduler loop runs in that same
    process. For a separate `taskiq scheduler` process, use a shared source such as
    taskiq-redis's `ListRedisScheduleSource`. A one-shot (`time=`) schedule is removed once
    it has been sent; deleting an unknown schedule id does nothing (cancelling is idempotent).
    """

    def __init__(self) -> None:
        self.schedules: dict[str, ScheduledTask] = {}

    async def get_schedules(self) -> list[ScheduledTask]:
        return list(self.schedules.values())

    async def add_schedule(self, schedule: ScheduledTask) -> None:
        self.schedules[schedule.schedule_id] = schedule

    async def delete_schedule(self, schedule_id: str) -> None:
        self.schedules.pop(schedule_id, None)

    def post_send(self, task: ScheduledTask) -> None:
        if task.time is not None and task.cron is None and task.interval is None:
            self.schedules.pop(task.schedule_id, None)

    def __repr__(self) -> str:
        return f"<InMemoryScheduleSource with {len(self.schedules)} schedule(s)>"
