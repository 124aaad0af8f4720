"""Harvest schedules of sources: a 5-field cron expression or an interval (``30s``, ``15m``, ``6h``, ``1d``).

Pure parsing and validation: no scheduler, no database. :func:`parse_schedule` returns a
:class:`Schedule` the harvester turns into an APScheduler trigger, or ``None`` for "manual only".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalog.errors import FieldError

INTERVAL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
INTERVAL_NAMES = {"s": "second", "m": "minute", "h": "hour", "d": "day"}
MAX_INTERVAL = 366 * 86400
_INTERVAL = re.compile(r"^([0-9]+)\s*([smhd])$")

ALIASES = {
    "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # the most days each month has (29 February: leap years)


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names[i] stands for low + i


FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, tuple(MONTHS)),
    _Field("day of week", 0, 7, tuple(WEEKDAYS)),
)


@dataclass(frozen=True)
class Schedule:
    """A valid schedule. ``text`` is its normalised form, as stored on the source."""

    text: str
    interval_seconds: int | None = None
    # CronTrigger keyword arguments (minute, hour, day, month, day_of_week); APScheduler 3 counts
    # weekdays from Monday = 0, unlike cron's Sunday = 0, so day_of_week is already translated.
    cron: dict[str, str] | None = None

    @property
    def kind(self) -> str:
        return "interval" if self.interval_seconds is not None else "cron"

    def describe(self) -> str:
        """A short English description (``every 15 minutes``, ``cron 0 3 * * *``)."""
        if self.interval_seconds is None:
            return f"cron {self.text}"
        number, unit = int(self.text[:-1]), self.text[-1]
        return f"every {number} {INTERVAL_NAMES[unit]}{'' if number == 1 else 's'}"


def parse_schedule(text: str | None) -> Schedule | None:
    """Parse a schedule; ``None`` or blank means manual harvests only.

    Raises FieldError("schedule", ...) saying what is wrong.
    """
    if text is None or not text.strip():
        return None
    raw = " ".join(text.split()).lower()
    match = _INTERVAL.match(raw)
    if match:
        if len(match.group(1)) > 9:  # over 366 days in any unit, and int() refuses 4,300 digits and more
            raise FieldError("schedule", "an interval is at most 366 days")
        return _interval(int(match.group(1)), match.group(2))
    if _digits(raw[0]) and " " not in raw:
        raise FieldError("schedule", f"{text.strip()!r} is not an interval; write a number and a unit "
                           "s, m, h or d (30s, 15m, 6h, 1d) or a 5-field cron expression")
    return _cron(ALIASES.get(raw, raw), original=text.strip())


def normalise_schedule(text: str | None) -> str | None:
    """The schedule as it is stored (validated, lower-case, single spaces), or ``None`` for manual only."""
    schedule = parse_schedule(text)
    return schedule.text if schedule else None


def _interval(number: int, unit: str) -> Schedule:
    seconds = number * INTERVAL_UNITS[unit]
    if seconds < 1:
        raise FieldError("schedule", "an interval is at least 1 second")
    if seconds > MAX_INTERVAL:
        raise FieldError("schedule", "an interval is at most 366 days")
    return Schedule(text=f"{number}{unit}", interval_seconds=seconds)


def _cron(expr: str, *, original: str) -> Schedule:
    parts = expr.split(" ")
    if len(parts) != 5:
        raise FieldError(
            "schedule", f"{original!r} has {len(parts)} field{'s' if len(parts) != 1 else ''}; a cron expression "
            "has 5 (minute hour day-of-month month day-of-week, e.g. '0 3 * * *'), an interval is like 30m or 6h"
        )
    values = [_values(part, field) for part, field in zip(parts, FIELDS, strict=True)]
    if values[2] is not None and values[4] is not None:
        # cron ORs the two day fields, APScheduler ANDs them: refuse rather than guess
        raise FieldError("schedule", "give a day of month or a day of week, not both")
    if values[2] is not None and not any(day <= MONTH_DAYS[month - 1] for day in values[2]
                                         for month in (values[3] or range(1, 13))):
        # the other fields always match some minute: only a day no chosen month has never comes
        raise FieldError("schedule", f"{original!r} never runs: no chosen month has that day of the month")
    names = ["minute", "hour", "day", "month", "day_of_week"]
    cron: dict[str, str] = {}
    for name, part, vals in zip(names, parts, values, strict=True):
        if vals is None:
            cron[name] = part  # '*' or '*/n': APScheduler reads these as cron does
        elif name == "day_of_week":
            cron[name] = ",".join(str(d) for d in sorted({(d - 1) % 7 for d in vals}))
        else:
            cron[name] = ",".join(str(v) for v in sorted(vals))
    return Schedule(text=expr, cron=cron)


def _values(part: str, field: _Field) -> set[int] | None:
    """The values a field allows, or ``None`` for every value (``*`` or ``*/n`` over the whole range)."""
    if part == "*":
        return None
    if part.startswith("*/"):
        _step(part[2:], field)
        if field.name != "day of week":
            return None
    out: set[int] = set()
    for item in part.split(","):
        if not item:
            raise FieldError("schedule", f"empty item in the {field.name} field {part!r}")
        body, _, step_text = item.partition("/")
        step = _step(step_text, field) if step_text else 1
        if body == "*":
            low, high = field.low, field.high
        elif "-" in body:
            start, _, end = body.partition("-")
            low, high = _number(start, field), _number(end, field)
            if low > high:
                raise FieldError("schedule", f"the {field.name} range {body!r} runs backwards")
        else:
            if step_text:
                raise FieldError("schedule", f"a step needs a range or '*' in the {field.name} field: {item!r}")
            low = high = _number(body, field)
        out.update(range(low, high + 1, step))
    return out


def _digits(text: str) -> bool:
    """ASCII digits only, and few of them: str.isdigit() also takes "²", which int() refuses."""
    return 0 < len(text) <= 9 and text.isascii() and text.isdigit()


def _step(text: str, field: _Field) -> int:
    if not _digits(text) or int(text) < 1:
        raise FieldError("schedule", f"the step in the {field.name} field must be a whole number from 1, not {text!r}")
    return int(text)


def _number(text: str, field: _Field) -> int:
    if text in field.names:
        return field.low + field.names.index(text) if field.name != "day of week" else field.names.index(text)
    if not _digits(text):
        names = f" or a name ({', '.join(field.names)})" if field.names else ""
        raise FieldError("schedule", f"{text!r} is not a valid {field.name}; use {field.low}-{field.high}{names}")
    value = int(text)
    if not field.low <= value <= field.high:
        raise FieldError("schedule", f"{field.name} {value} is out of range {field.low}-{field.high}")
    return value
