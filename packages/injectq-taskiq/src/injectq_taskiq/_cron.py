"""A strict validator for cron expressions, so a bad schedule fails when it is made.

taskiq evaluates cron schedules with `pycron`, which silently never fires on what it cannot
parse (month names, `7` for Sunday, `5/15` steps, double spaces). So a schedule is checked
here when it is made, and stored in a normalized form that pycron evaluates as cron means it.

Accepted: the 5-field form `minute hour day-of-month month day-of-week`, each field being
`*`, a number, a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (from `a` to the field's
end), or a comma list of those; month names `jan`-`dec` and day names `sun`-`sat` (or the
full names, any case); `0` or `7` for Sunday; and the macros `@yearly`, `@annually`,
`@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`. Not accepted: a 6th (seconds or
year) field, since taskiq checks cron schedules once a minute (use `interval=` for anything
finer), `@reboot`, the Quartz extensions `?`, `L`, `W` and `#`, numbers written with other
than the ASCII digits 0-9 (`²`, `٣`), and steps larger than the field they step through
(`*/90` in the minute field could only ever match minute 0: use `interval=` for that).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import Final

from injectq import InjectQError

__all__ = ["CronError", "CronExpression", "parse_cron"]

_FIELD_ORDER: Final = "minute hour day-of-month month day-of-week"
_EXAMPLE: Final = "'0 9 * * mon-fri' (09:00 on weekdays) or '*/15 * * * *' (every 15 minutes)"

_MACROS: Final = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_MONTHS: Final = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_abbr[number], calendar.month_name[number])
}
_DAYS: Final = {
    name.lower(): (index + 1) % 7  # calendar counts from Monday (0); cron from Sunday (0)
    for index in range(7)
    for name in (calendar.day_abbr[index], calendar.day_name[index])
}


class CronError(InjectQError, ValueError):
    """A cron expression is malformed. `field` names the part that is wrong.

    It is also a `ValueError`, so code that catches `ValueError` for bad input catches it.
    """

    def __init__(self, expression: str, field: str, problem: str, *, fix: str) -> None:
        where = f"{field} " if field else ""
        super().__init__(f"cron {_shown(expression)} is invalid: {where}{problem}", fix=fix)
        self.expression = expression
        self.field = field


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None

    @property
    def top(self) -> int:
        """The highest distinct value (day of week: 7 is Sunday again, i.e. 0)."""
        return 6 if self.name == "day of week" else self.high

    @property
    def allowed(self) -> str:
        text = f"{self.low}-{self.high}"
        if self.name == "day of week":
            text += " (0 or 7 = Sunday) or sun-sat"
        elif self.names is not None:
            text += " or jan-dec"
        return text


_FIELDS: Final = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, _MONTHS),
    _Field("day of week", 0, 7, _DAYS),
)


@dataclass(frozen=True, slots=True)
class CronExpression:
    """A valid cron expression: the values each field allows, and its normalized text.

    `normalized` is what a schedule stores: names become numbers, `7` becomes `0`, steps that
    do not start at `*` become lists, so that taskiq's evaluator reads it as cron does.
    """

    source: str
    normalized: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]


def parse_cron(expression: object) -> CronExpression:
    """Check a cron expression and return it parsed; `CronError` names the field that is wrong."""
    if not isinstance(expression, str):
        raise CronError(
            str(expression),
            "",
            f"a cron expression is a string, got {type(expression).__name__}",
            fix=f"pass a string such as {_EXAMPLE}",
        )
    text = expression.strip()
    if not text:
        raise CronError(expression, "", "it is empty", fix=f"write 5 fields, e.g. {_EXAMPLE}")
    if text.startswith("@"):
        macro = _MACROS.get(text.lower())
        if macro is None:
            raise CronError(
                expression,
                "",
                f"{_shown(text)} is not a known macro",
                fix=f"use one of {', '.join(_MACROS)}, or write the 5 fields ({_FIELD_ORDER})",
            )
        text = macro
    parts = text.split()
    if len(parts) != len(_FIELDS):
        raise CronError(expression, "", _count_problem(len(parts)), fix=_count_fix(len(parts)))
    values: list[frozenset[int]] = []
    normalized: list[str] = []
    # pycron (like cron) runs on "day of month OR day of week" when both are restricted, and
    # tells a restricted field by the absence of '*': only then must a full list stay a list
    both_days_restricted = "*" not in parts[2] and "*" not in parts[4]
    for field, part in zip(_FIELDS, parts, strict=True):
        allowed, text_form = _parse_field(expression, field, part, both_days_restricted)
        values.append(allowed)
        normalized.append(text_form)
    if "*" not in parts[2] and "*" in parts[4]:  # day of month restricted, day of week not
        _check_day_exists(expression, days=values[2], months=values[3])
    return CronExpression(expression, " ".join(normalized), *values)


def _count_problem(count: int) -> str:
    problem = f"it has {count} field{'s' if count != 1 else ''}, and cron needs 5 ({_FIELD_ORDER})"
    if count == 6:
        problem += "; a 6th field (seconds or year) is not supported"
    return problem


def _count_fix(count: int) -> str:
    if count == 6:
        return (
            "taskiq checks cron schedules once a minute: drop the seconds (or year) field, "
            "and use interval= for schedules finer than a minute"
        )
    return f"separate the 5 fields with spaces, e.g. {_EXAMPLE}"


def _parse_field(
    expression: str, field: _Field, part: str, both_days_restricted: bool
) -> tuple[frozenset[int], str]:
    allowed: set[int] = set()
    star_steps: list[str] = []
    for item in part.split(","):
        if not item:
            raise CronError(
                expression,
                field.name,
                f"{_shown(part)} has an empty list item",
                fix=f"separate values with single commas, e.g. '1,15' ({field.allowed})",
            )
        values = _parse_item(expression, field, item)
        allowed.update(values)
        if item.startswith("*/"):
            star_steps.append(item)
    if field.name == "day of week" and 7 in allowed:
        allowed.discard(7)
        allowed.add(0)
    full = set(range(field.low, field.top + 1))
    keep_list = both_days_restricted and field.name in {"day of month", "day of week"}
    return frozenset(allowed), _normalized(field, part, allowed, star_steps, full, keep_list)


def _normalized(
    field: _Field,
    part: str,
    allowed: set[int],
    star_steps: list[str],
    full: set[int],
    keep_list: bool,
) -> str:
    # a starred field keeps its star (and its '*/n' steps, which pycron evaluates as cron
    # does); everything else becomes a plain list of numbers
    starred = "*" in part
    if allowed == full and not keep_list:
        return "*"
    if starred:
        listed = allowed - {v for step in star_steps for v in _star_step(field, step)}
        return ",".join([*star_steps, *map(str, sorted(listed))])
    return ",".join(map(str, sorted(allowed)))


def _star_step(field: _Field, item: str) -> range:
    return range(field.low, field.top + 1, int(item[2:]))


def _parse_item(expression: str, field: _Field, item: str) -> range:
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        step = _parse_step(expression, field, item, step_text)
    if base == "*":
        return range(field.low, field.top + 1, step)
    start_text, dash, end_text = base.partition("-")
    start = _parse_value(expression, field, start_text, item)
    if dash:
        end = _parse_value(expression, field, end_text, item)
        if start > end:
            raise CronError(
                expression,
                field.name,
                f"range {_shown(item)} goes backwards ({start} > {end})",
                fix=f"write the smaller value first, or split it into a list "
                f"(e.g. '{start}-{field.high},{field.low}-{end}')",
            )
        return range(start, end + 1, step)
    if slash:  # 'a/n' means from a to the end of the field, every n
        return range(start, field.high + 1, step)
    return range(start, start + 1)


def _parse_step(expression: str, field: _Field, item: str, text: str) -> int:
    step = _number(text)
    if step is None:
        raise CronError(
            expression,
            field.name,
            f"step in {_shown(item)} must be a whole number{_digits_hint(text)}, "
            f"got {_shown(text)}",
            fix="write steps as '*/n' or 'a-b/n' with the digits 0-9, e.g. '*/15'",
        )
    if step < 1:
        raise CronError(
            expression,
            field.name,
            f"step in {_shown(item)} must be at least 1, got {step}",
            fix="write steps as '*/n' with n >= 1, e.g. '*/15'",
        )
    span = field.top - field.low + 1
    if step > span:
        raise CronError(
            expression,
            field.name,
            f"step in {_shown(item)} is larger than the {span} values {field.name} has, so "
            "it could only ever match the first one",
            fix=f"use a step of at most {span}; for a longer period, schedule with interval= "
            "(in seconds) instead of cron",
        )
    return step


def _parse_value(expression: str, field: _Field, text: str, item: str) -> int:
    value = _number(text)
    if value is None:
        if field.names is not None and text.lower() in field.names:
            return field.names[text.lower()]
        raise CronError(
            expression,
            field.name,
            _not_a_value(field, text, item),
            fix=f"{field.name} takes {field.allowed}, '*', lists (1,5), ranges (1-5) "
            f"and steps (*/2)",
        )
    if not field.low <= value <= field.high:
        shown = str(value) if value < _HUGE else _shown(text)
        raise CronError(
            expression,
            field.name,
            f"{shown} is out of range {field.low}-{field.high}",
            fix=f"{field.name} takes {field.allowed}",
        )
    return value


#: what `_number` gives for a number too long for any field (it is reported as out of range)
_HUGE: Final = 10**9


def _number(text: str) -> int | None:
    """`text` as a whole number if it is ASCII digits (a longer one than any field's is `_HUGE`).

    `str.isdigit` is true for '²' and '٣' too, which cron does not read, and `int()` of
    thousands of digits is refused by Python: neither may get past the parser as such.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0")
    return int(digits or "0") if len(digits) < 10 else _HUGE


def _digits_hint(text: str) -> str:
    if text.isascii() or not any(char.isdigit() or char.isnumeric() for char in text):
        return ""
    return " written with the ASCII digits 0-9"


def _not_a_value(field: _Field, text: str, item: str) -> str:
    where = f" in {_shown(item)}" if item != text else ""
    if text in {"?", "L", "W"} or "#" in text or text.endswith(("L", "W")):
        return f"{_shown(text)}{where} is Quartz syntax, which cron does not support"
    if not text:
        return f"{_shown(item)} is missing a value"
    hint = _digits_hint(text)
    if hint:
        return f"{_shown(text)}{where} is not a number{hint}"
    if field.names is None:
        return f"{_shown(text)}{where} is not a number"
    kind = "a month" if field.name == "month" else "a day of the week"
    return f"{_shown(text)}{where} is neither a number nor {kind}"


def _shown(text: str, limit: int = 60) -> str:
    """`text` quoted for a message, cut short if it is long (a message should not flood a log)."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[: limit - 3]!r}... ({len(text)} characters)"


_MAX_DAYS: Final = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February may have 29


def _check_day_exists(expression: str, days: frozenset[int], months: frozenset[int]) -> None:
    if any(day <= _MAX_DAYS[month - 1] for day in days for month in months):
        return
    names = ", ".join(calendar.month_abbr[month].lower() for month in sorted(months))
    raise CronError(
        expression,
        "day of month",
        f"{', '.join(map(str, sorted(days)))} never occurs in {names}, so it would never run",
        fix="pick a day that exists in one of those months (February has 28, or 29 in leap "
        "years; April, June, September and November have 30)",
    )
