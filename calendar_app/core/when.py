"""Dates and times as event files write them: read, checked, ordered and shown.

An event's start is a `date` (all day) or an aware `datetime` in the event's zone: a `When`.
`parse_when` and `parse_end` read the text a file gives; `order_key` is what orders and
identifies a start; the rest turns one form into another without asking the event.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

When = date | datetime

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")

# Far enough for any real training calendar, and far from the edges of Python's datetime
# (year 1 and 9999), where adding a duration or a time-zone offset overflows.
YEARS = range(1900, 2201)

_NOT_A_DATE = "{!r} is not a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM)"


def readable_when(value: str | None) -> str | None:
    """`value` unchanged when it reads as a date, a date and time, or a time; else a ValueError.

    The check of a field alone: what the time means (its zone, whether it exists) is decided
    when the event is built.
    """
    if value is not None and not (TIME.match(value.strip()) or DATE.match(value.strip())):
        try:
            datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(_NOT_A_DATE.format(value)) from None
    return value


def parse_when(text: str, zone: ZoneInfo, *, explicit_zone: bool, site_zone: ZoneInfo) -> When:
    """A date, or an aware datetime in `zone` (an explicit offset keeps its instant)."""
    text = text.strip()
    if DATE.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a real date") from None
        _check_year(day.year, text)
        return day
    if TIME.match(text):
        raise ValueError(f"{text!r} is a time without a date; write it as YYYY-MM-DD HH:MM")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(_NOT_A_DATE.format(text)) from None
    _check_year(moment.year, text)
    if moment.tzinfo is not None:
        return moment.astimezone(zone if explicit_zone else site_zone)
    local = moment.replace(tzinfo=zone)
    round_trip = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != moment:
        raise ValueError(f"{text} does not exist in {zone.key}: the clocks skip that hour for daylight saving time")
    return local


def _check_year(year: int, text: str) -> None:
    if year not in YEARS:
        raise ValueError(f"{text!r} is outside the years {YEARS.start}-{YEARS.stop - 1} a calendar event may use")


def parse_end(text: str | None, start: When, zone: ZoneInfo, default_duration: timedelta) -> When:
    """The end `text` gives for an event starting at `start`: a time alone is on the start's day,
    and a timed event without one lasts `default_duration`; an all-day event's end is its last day."""
    if isinstance(start, datetime):
        if text is None:
            return start + default_duration
        stripped = text.strip()
        start_zone = start.tzinfo
        assert isinstance(start_zone, ZoneInfo)  # parse_when gives starts in a ZoneInfo
        if TIME.match(stripped):
            clock = time.fromisoformat(stripped if len(stripped.split(":")[0]) == 2 else "0" + stripped)
            local = datetime.combine(start.date(), clock)
            return parse_when(local.isoformat(sep=" "), start_zone, explicit_zone=True, site_zone=zone)
        value = parse_when(stripped, start_zone, explicit_zone=True, site_zone=zone)
        if not isinstance(value, datetime):
            raise ValueError("must be a date and time (or just a time) because start has a time")
        return value
    if text is None:
        return start
    if TIME.match(text.strip()):
        raise ValueError("must be a date (the last day) because start is a date")
    value = parse_when(text, zone, explicit_zone=True, site_zone=zone)
    if isinstance(value, datetime):
        raise ValueError("must be a date (the last day) because start is a date")
    return value


def order_key(value: When) -> float:
    """What orders and identifies a start: its instant (two 01:30s of the night the clocks go
    back are two times), or its day."""
    return value.timestamp() if isinstance(value, datetime) else float(value.toordinal())


def as_instant(value: When, zone: ZoneInfo) -> datetime:
    """An aware datetime for a date (midnight in `zone`) or a datetime."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=zone)


def day_of(value: When) -> date:
    """The day a start falls on, in its own zone."""
    return value.date() if isinstance(value, datetime) else value


def last_day_touched(start: datetime, end: datetime) -> date:
    """The last day a timed occurrence touches: an end at midnight belongs to the day before,
    unless the occurrence is a moment at midnight."""
    return (end - timedelta(microseconds=1)).date() if end > start else end.date()


def ends_after(begin: datetime, duration: timedelta, after: datetime) -> bool:
    """Whether an occurrence is still on at `after`: a moment (no duration) counts at its start."""
    return begin + duration > after or (not duration and begin >= after)


def wall_time(start: When) -> datetime:
    """A start in an event's own form as the naive wall time its rule gives."""
    return start.replace(tzinfo=None) if isinstance(start, datetime) else datetime.combine(start, time(0))


def shown(value: When) -> str:
    """A date or time as a message shows it: '2027-02-24' or '2027-02-24 14:00'."""
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else value.isoformat()


def shown_with_offset(value: When) -> str:
    """With its UTC offset: the only difference between the two 01:30s of the night clocks go back."""
    return value.strftime("%Y-%m-%d %H:%M%z") if isinstance(value, datetime) else value.isoformat()
