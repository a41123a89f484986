"""Checks every feed the tests make goes through: the format, and two independent parsers.

`parse_both` reads a feed with the icalendar library and with the strict `ical` package (which
logs a warning for anything it had to guess), after checking the bytes themselves: CRLF line
endings, lines folded at 75 octets without splitting a character, UTF-8 throughout.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from ical.calendar import Calendar as StrictCalendar
from ical.calendar_stream import IcsCalendarStream
from ical.timezone import IcsTimezoneInfo


def check_format(data: bytes) -> None:
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    for number, line in enumerate(lines, 1):
        assert b"\n" not in line and b"\r" not in line, f"line {number}: a bare line break"
        assert len(line) <= 75, f"line {number} is {len(line)} octets: {line!r}"
        line.decode("utf-8")  # a fold never splits a character


@contextmanager
def no_warnings_from(name: str) -> Iterator[None]:
    """Fail if the logger `name` (or one below it) logs a warning or worse inside the block."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(level=logging.WARNING)
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert not records, [r.getMessage() for r in records]


def parse_both(data: bytes) -> tuple[icalendar.Calendar, StrictCalendar]:
    """The feed as the icalendar library and as the strict `ical` parser read it."""
    check_format(data)
    loose = icalendar.Calendar.from_ical(data)
    with no_warnings_from("ical"):
        strict = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    assert len(loose.events) == len(strict.events)
    return loose, strict


def check_timezones(loose: icalendar.Calendar, strict: StrictCalendar) -> None:
    """Every TZID used has a VTIMEZONE without RDATE lists; each, read by both parsers from its
    own rules (not from its name), gives the UTC offsets of the IANA zone in the years used."""
    used: dict[str, list[int]] = {}
    for event in loose.events:
        for name in ("DTSTART", "DTEND"):
            value = event[name].dt
            if isinstance(value, datetime):
                used.setdefault(str(event[name].params["TZID"]), []).append(value.year)
    defined = {str(tz["TZID"]): tz for tz in loose.timezones}
    assert set(used) <= set(defined), f"TZIDs without a VTIMEZONE: {set(used) - set(defined)}"
    for vtimezone in loose.timezones:
        assert "RDATE" not in vtimezone.to_ical().decode()  # Outlook ignores RDATE lists
    strict_zones = {tz.tz_id: tz for tz in strict.timezones}
    for tzid, years in used.items():
        zone = ZoneInfo(tzid)
        first, last = min(years), max(years)
        rebuilt = defined[tzid].to_tz(lookup_tzid=False)
        # ical finds no onset in a part without RRULE or RDATE (a zone without daylight saving
        # time, or an irregular change): it falls back to the IANA name there, so skip it.
        ruled = all("RRULE" in part for part in defined[tzid].standard + defined[tzid].daylight)
        ics_zone = IcsTimezoneInfo.from_timezone(strict_zones[tzid]) if ruled else None
        moment = datetime(first, 1, 1, tzinfo=UTC)
        while moment < datetime(last + 1, 1, 1, tzinfo=UTC):
            expected = moment.astimezone(zone)
            assert moment.astimezone(rebuilt).utcoffset() == expected.utcoffset(), (tzid, moment)
            local = expected.replace(tzinfo=None, fold=0)
            once = local.replace(tzinfo=zone).utcoffset() == local.replace(tzinfo=zone, fold=1).utcoffset()
            if ics_zone is not None and once:  # ical reads wall times, which cannot tell a repeated hour
                assert ics_zone.utcoffset(local) == expected.utcoffset(), (tzid, local)
            moment += timedelta(hours=1)


def as_utc(value: date | datetime) -> date | datetime:
    return value.astimezone(UTC) if isinstance(value, datetime) else value
