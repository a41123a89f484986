"""Real-world calendars import faithfully: each event is written with the instants its source has,
or refused with a reason a person can read. No input gives a traceback; nothing is lost silently."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_app.core.config import load_config
from calendar_app.core.loader import load_events
from calendar_app.desk.importer import ImportOptions, Outcome, import_calendar

from .coordinator_site import ROOT
from .importcheck import check_import

DATA = Path(__file__).parent / "data" / "import"
CONFIG = load_config(ROOT / "calendar.toml")
OPTIONS = ImportOptions(type="meeting", assume_online=True)


def import_faithfully(data: bytes, events_dir: Path) -> list[Outcome]:
    """Import `data`: every event imported has its source's sessions; every other is refused in words."""
    return check_import(data, events_dir, CONFIG, OPTIONS)


def _by_title(outcomes: list[Outcome]) -> dict[str, Outcome]:
    return {o.title: o for o in outcomes}


def test_a_wordpress_time_zone_with_two_tzid_lines(tmp_path: Path) -> None:
    data = (DATA / "robust-vtimezone-two-tzids.ics").read_bytes()
    outcomes = _by_title(import_faithfully(data, tmp_path / "events"))
    workshop = outcomes["Trauma-Informed Interviewing Workshop"]
    assert workshop.path is not None and outcomes["Monthly Task Force Call"].path is not None
    assert "the time zone 'America/New_York' (VTIMEZONE) repeats lines such as TZID; read once" in workshop.notes
    assert "timezone: America/New_York\n" in workshop.path.read_text()


def test_zero_length_events(tmp_path: Path) -> None:
    data = (DATA / "robust-zero-length.ics").read_bytes()
    outcomes = _by_title(import_faithfully(data, tmp_path / "events"))
    assert all(o.path is not None for o in outcomes.values())
    deadline = outcomes["Grant Application Deadline"].path
    assert deadline is not None and "start: 2027-03-15 17:00\nend: '17:00'\n" in deadline.read_text()
    announced = load_events(tmp_path / "events", CONFIG)
    assert {e.title: e.duration for e in announced.events}["Awards Announced"] == timedelta(0)
    day = outcomes["Reporting Period Opens"].path
    assert day is not None and "end:" not in day.read_text()  # one day, as RFC 5545 says


def test_duplicate_uids_are_kept_apart(tmp_path: Path) -> None:
    data = (DATA / "robust-duplicate-uids.ics").read_bytes()
    outcomes = _by_title(import_faithfully(data, tmp_path / "events"))
    assert all(o.path is not None for o in outcomes.values())
    uids = {o.title: o.uid for o in outcomes.values()}
    assert uids == {
        "Opening Plenary": "conference-2027@talks.example.org-20270608T0900",
        "Track A: Labor Trafficking Indicators": "conference-2027@talks.example.org-20270608T1030",
        "Track B: Survivor-Centered Services": "conference-2027@talks.example.org-20270608T1030-2",
        "Site Visits Day": "conference-2027@talks.example.org-20270609",
        "Conference Office Hours": "office-hours@talks.example.org",  # its RECURRENCE-ID is an override
    }
    assert any("is shared by other events" in n for n in outcomes["Opening Plenary"].notes)
    office_hours = outcomes["Conference Office Hours"].path  # its RECURRENCE-ID moves one session an hour later
    assert office_hours is not None
    assert "changes:\n- occurrence: 2027-06-08 15:00\n  start: 2027-06-08 16:00\n" in office_hours.read_text()
    again = import_calendar(data, tmp_path / "events", CONFIG, OPTIONS)
    assert {o.skipped for o in again} == {"already on the site (same uid)"}


def test_unreadable_values_are_refused_in_words_and_the_file_goes_on(tmp_path: Path) -> None:
    data = (DATA / "robust-unreadable-values.ics").read_bytes()
    outcomes = _by_title(import_faithfully(data, tmp_path / "events"))
    assert {title: o.skipped for title, o in outcomes.items()} == {
        "Workshop With a Broken Reminder": None,  # alarms are not imported: one that cannot be read costs nothing
        "Event Without a Start": "no start (DTSTART)",
        "Event With an Unreadable End": "its end (DTEND 'sometime in the afternoon') is not a date or a date and time",
        "Event With an Unreadable Length": "its length (DURATION '1 hour') is not a duration such as PT1H30M",
        "Series With an Unreadable Rule": "its repeat rule (RRULE 'FREQ=SOMETIMES') cannot be read",
        "Event Ending on a Date": (
            "its end (DTEND '20270308') is a date but its start (DTSTART '20270307T150000Z') is a date and time"),
        "Organizer With a Capital Scheme": None,
    }
    assert "not carried over: ATTENDEE, VALARM" in outcomes["Workshop With a Broken Reminder"].notes
    capital = outcomes["Organizer With a Capital Scheme"]
    assert capital.path is not None
    text = capital.path.read_text()
    assert "email: B@example.com\n" in text and "url: http://www.example.org/events/capital-scheme\n" in text
    assert "SEQUENCE 'two' cannot be read; left out" in capital.notes


def test_an_end_before_the_start_is_refused_in_words(tmp_path: Path) -> None:
    data = b"""BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:b@x\r\nSUMMARY:Backwards\r
DTSTART:20270304T150000Z\r\nDTEND:20270304T140000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"""
    [outcome] = import_faithfully(data, tmp_path / "events")
    assert outcome.skipped == "its end (DTEND '20270304T140000Z') is before its start (DTSTART '20270304T150000Z')"


WHOLE = b"""BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a@x\r\nSUMMARY:Workshop\r
DTSTART:20270304T150000Z\r\nDTEND:20270304T160000Z\r\nLOCATION:Columbia, SC\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"""


@pytest.mark.parametrize(("data", "reason"), [
    (b"<html>not a calendar</html>", "it is a web page (HTML), not an iCalendar file"),
    (b"\n<!DOCTYPE html>\n<html lang=en><head><title>Sign in</title>", "it is a web page (HTML), not an iCalendar file"),
    (b"", "not an iCalendar file: it is empty"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not an iCalendar file: it is not text (a PDF, an image or a compressed "
     "file, perhaps)"),
    (b'{"error": "calendar not found"}', "not an iCalendar file: it has no BEGIN:VCALENDAR line (its first line is "
     "'{\"error\": \"calendar not found\"}')"),
    (WHOLE[: WHOLE.index(b"END:VCALENDAR")], "cannot be read: it stops before the end of its calendar (no "
     "END:VCALENDAR), as a download cut short does"),
    (WHOLE[: WHOLE.index(b"DTEND")], "cannot be read: it stops before the end of its calendar (no END:VCALENDAR), "
     "as a download cut short does"),
], ids=["html", "html-page", "empty", "pdf", "json", "cut-after-its-events", "cut-inside-an-event"])
def test_a_file_that_is_not_a_whole_calendar_is_refused_whole_in_words(tmp_path: Path, data: bytes,
                                                                     reason: str) -> None:
    from calendar_app.desk.importer import ImportFailed

    with pytest.raises(ImportFailed) as refused:
        import_calendar(data, tmp_path / "events", CONFIG, OPTIONS)
    assert str(refused.value) == reason
    assert not (tmp_path / "events").exists()


def test_the_import_command_says_what_each_event_became(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from calendar_app.cli.main import main

    feed, events = tmp_path / "partner.ics", tmp_path / "events"
    nowhere = WHOLE.replace(b"UID:a@x", b"UID:b@x").replace(b"SUMMARY:Workshop", b"SUMMARY:Nowhere").replace(
        b"LOCATION:Columbia, SC\r\n", b"")
    feed.write_bytes(WHOLE.replace(b"END:VCALENDAR", nowhere.split(b"PRODID:x\r\n", 1)[1].removesuffix(
        b"END:VCALENDAR\r\n") + b"END:VCALENDAR"))
    argv = ["import", str(feed), "--events", str(events), "--config", str(ROOT / "calendar.toml")]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "refused 'Nowhere': does not validate: location: the event has neither a location nor online details\n" \
           in out
    assert "note: type" not in out.split("refused 'Nowhere'", 1)[1]  # nothing said of what was not written
    assert err == "1 event(s) written, 1 refused\n"
    assert main(argv) == 1  # the one written is there already; the other is refused again
    assert capsys.readouterr().err == "0 event(s) written, 1 refused, 1 already on the site\n"
    cut = tmp_path / "cut.ics"
    cut.write_bytes(WHOLE[: WHOLE.index(b"END:VCALENDAR")])
    assert main([*argv[:1], str(cut), *argv[2:]]) == 1
    assert capsys.readouterr().err == (f"calendar-app: {cut}: cannot be read: it stops before the end of its calendar "
                                       "(no END:VCALENDAR), as a download cut short does\n")


# --- any calendar icalendar can write -------------------------------------------------------------

ZONES = [None, UTC, ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Kolkata")]
RULES = [None, "FREQ=DAILY;COUNT=3", "FREQ=WEEKLY;COUNT=4", "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5", "FREQ=MONTHLY;COUNT=2"]


@st.composite
def vevents(draw: st.DrawFn, index: int) -> icalendar.Event:
    event = icalendar.Event()
    event.add("UID", draw(st.sampled_from(["shared@example.org", "other@example.org", f"own-{index}@example.org"])))
    event.add("DTSTAMP", datetime(2026, 12, 1, tzinfo=UTC))
    if index or draw(st.booleans()):  # one without: titles tell the events apart in the test
        event.add("SUMMARY", f"Event {index}")
    day = date(2027, 1, 4) + timedelta(days=draw(st.integers(0, 360)))
    kind = draw(st.sampled_from(["date", "datetime", "none"]))
    start: date | None = None
    if kind == "date":
        start = day
    elif kind == "datetime":
        start = datetime(day.year, day.month, day.day, draw(st.integers(8, 20)), draw(st.sampled_from([0, 15, 30])),
                         tzinfo=draw(st.sampled_from(ZONES)))
    if start is not None:
        event.add("DTSTART", start)
        ending = draw(st.sampled_from(["none", "dtend", "duration"]))
        length = timedelta(days=draw(st.integers(1, 3))) if kind == "date" else timedelta(
            minutes=draw(st.sampled_from([0, 15, 90, 24 * 60, 3 * 24 * 60])))
        if ending == "dtend":
            event.add("DTEND", start + length)
        elif ending == "duration":
            event.add("DURATION", length)
        rule = draw(st.sampled_from(RULES))
        if rule:
            event.add("RRULE", icalendar.vRecur.from_ical(rule))
            step = {"DAILY": timedelta(days=1), "WEEKLY": timedelta(days=7)}.get(rule[5:].split(";")[0])
            if step and "BYDAY" not in rule and draw(st.booleans()):
                event.add("EXDATE", start + step)
    if draw(st.booleans()):
        event.add("LOCATION", draw(st.sampled_from(["Columbia, SC", "Online", "https://example.org/join"])))
    if draw(st.booleans()):
        event.add("ORGANIZER", draw(st.sampled_from(["mailto:a@example.org", "MAILTO:b@example.org", "Mailto:c@x.org"])),
                  parameters={"CN": "Program Office"})
    if draw(st.booleans()):
        event.add("DESCRIPTION", draw(st.text(max_size=40)))
    if draw(st.booleans()):
        alarm = icalendar.Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("TRIGGER", timedelta(minutes=-15))
        event.add_component(alarm)
    return event


@st.composite
def calendars(draw: st.DrawFn) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", "-//Generated//EN")
    for index in range(draw(st.integers(1, 4))):
        calendar.add_component(draw(vevents(index)))
    return calendar.to_ical()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=calendars())
def test_any_calendar_icalendar_writes_imports_faithfully_or_is_refused_in_words(tmp_path: Path, data: bytes) -> None:
    events_dir = tmp_path / f"events-{abs(hash(data))}"
    titles = [o.title for o in import_faithfully(data, events_dir)]
    assert len(titles) == data.count(b"BEGIN:VEVENT")  # every event is accounted for
