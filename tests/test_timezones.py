"""VTIMEZONEs as Outlook wants them: yearly rules, only the years asked, read back right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from calendar_app.render.ical.timezones import build_vtimezone, transitions, vtimezone_bytes


@pytest.mark.parametrize(
    "tzid", ["America/New_York", "Europe/London", "Australia/Sydney", "America/Phoenix", "America/Santiago"]
)
def test_vtimezone_uses_yearly_rules_for_the_years_asked(tzid: str) -> None:
    text = build_vtimezone(tzid, 2027, 2028).to_ical().decode()
    assert "RDATE" not in text
    assert "DTSTART:197" not in text and "DTSTART:2029" not in text
    if tzid != "America/Phoenix":
        assert text.count("RRULE:FREQ=YEARLY") == 2
        assert "UNTIL" not in text  # rules that still hold are left open, as Outlook expects


def test_us_zone_is_written_as_outlook_writes_it() -> None:
    text = vtimezone_bytes("America/New_York", 2027, 2027).decode()
    assert "BEGIN:STANDARD\r\nDTSTART:20261101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\n" \
           "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\nTZNAME:EST\r\nEND:STANDARD\r\n" in text
    assert "BEGIN:DAYLIGHT\r\nDTSTART:20270314T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n" \
           "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\nTZNAME:EDT\r\nEND:DAYLIGHT\r\n" in text


def test_library_default_is_what_outlook_cannot_read() -> None:
    """Why the zones are built here: icalendar's own VTIMEZONE lists changes as RDATEs from 1970."""
    text = icalendar.Timezone.from_tzid("America/New_York").to_ical().decode()
    assert "RDATE" in text and "DTSTART:1970" in text


def test_transitions_are_found_to_the_second() -> None:
    zone = ZoneInfo("America/Denver")
    found = transitions(zone, datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    assert [(t.at, t.onset, t.after.name) for t in found] == [
        (datetime(2027, 3, 14, 9, 0, tzinfo=UTC), datetime(2027, 3, 14, 2, 0), "MDT"),
        (datetime(2027, 11, 7, 8, 0, tzinfo=UTC), datetime(2027, 11, 7, 2, 0), "MST"),
    ]


def test_a_rule_that_ends_within_the_years_says_until_when() -> None:
    # Mexico City stopped daylight saving time after October 2022.
    text = vtimezone_bytes("America/Mexico_City", 2021, 2023).decode()
    assert "UNTIL=20221030T070000Z" in text and "UNTIL=20220403T080000Z" in text
    rebuilt = icalendar.Timezone.from_ical(text).to_tz(lookup_tzid=False)
    zone = ZoneInfo("America/Mexico_City")
    moment = datetime(2021, 1, 1, tzinfo=UTC)
    while moment < datetime(2024, 1, 1, tzinfo=UTC):
        assert moment.astimezone(rebuilt).utcoffset() == moment.astimezone(zone).utcoffset(), moment
        moment += timedelta(hours=6)
