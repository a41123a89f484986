"""`calendar-app import`: calendars this project did not write become event files, and every instant survives."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from ical.calendar import Calendar as IcalCalendar
from ical.calendar_stream import IcsCalendarStream
from ical.event import Event as IcalEvent
from ical.types.recur import Recur

from calendar_app.cli.main import main
from calendar_app.core.config import load_config
from calendar_app.core.loader import load_events
from calendar_app.core.model import Event
from calendar_app.desk.importer import ImportOptions, import_calendar
from calendar_app.render.ical.ics import render_feed
from calendar_app.render.plaintext import markdown_to_text
from calendar_app.render.urls import SiteUrls

from .coordinator_site import ROOT

ICALENDAR_DATA = Path(icalendar.__file__).parent / "tests"
CONFIG = load_config(ROOT / "calendar.toml")
NEW_YORK, CHICAGO, LONDON = (ZoneInfo(z) for z in ("America/New_York", "America/Chicago", "Europe/London"))


def partner_feed() -> bytes:
    """A partner agency's feed, written by another library (ical), with the cases that matter."""
    cal = IcalCalendar()
    cal.events.extend([
        IcalEvent(uid="weekly-dst@partner.example.org", summary="Weekly Task Force Webinar",
                  start=datetime(2027, 2, 23, 14, 0, tzinfo=NEW_YORK), end=datetime(2027, 2, 23, 15, 0, tzinfo=NEW_YORK),
                  rrule=Recur.from_rrule("FREQ=WEEKLY;BYDAY=TU;UNTIL=20270330T180000Z"),
                  exdate=[datetime(2027, 3, 16, 14, 0, tzinfo=NEW_YORK)],
                  location="https://www.example.org/join/weekly",
                  categories=["webinar", "task forces"], description="Every Tuesday across the spring change of clocks."),
        IcalEvent(uid="columbia@partner.example.org", summary="Child Sex Trafficking Training",
                  start=date(2027, 2, 27), end=date(2027, 3, 2), location="Embassy Suites, Columbia, SC",
                  url="https://www.example.org/cst", categories=["Training"]),
        IcalEvent(uid="chicago@partner.example.org", summary="Labor Trafficking Seminar",
                  start=datetime(2027, 4, 6, 9, 30, tzinfo=CHICAGO), end=datetime(2027, 4, 6, 16, 0, tzinfo=CHICAGO),
                  location="Chicago, IL", status="CANCELLED", sequence=2),
        IcalEvent(uid="london@partner.example.org", summary="International Conference on Trafficking",
                  start=datetime(2027, 3, 29, 8, 0, tzinfo=LONDON), end=datetime(2027, 3, 31, 17, 0, tzinfo=LONDON),
                  location="London, United Kingdom", categories=["conference"]),
        IcalEvent(uid="utc@partner.example.org", summary="Online Workshop in UTC",
                  start=datetime(2027, 5, 4, 17, 0, tzinfo=UTC), duration=timedelta(hours=2),
                  location="Online"),
    ])
    return IcsCalendarStream.calendar_to_ics(cal).encode()


def instants(feed: bytes) -> dict[str, set[tuple[datetime | date, datetime | date]]]:
    """Every occurrence of every event in 2027, as (start, end) instants, by UID."""
    result: dict[str, set[tuple[datetime | date, datetime | date]]] = {}
    calendar = icalendar.Calendar.from_ical(feed)
    for occurrence in recurring_ical_events.of(calendar).between(date(2027, 1, 1), date(2028, 1, 1)):
        start, end = occurrence.decoded("DTSTART"), occurrence.decoded("DTEND")
        if isinstance(start, datetime):
            start, end = start.astimezone(UTC), end.astimezone(UTC)
        result.setdefault(str(occurrence["UID"]), set()).add((start, end))
    return result


def test_a_partner_feed_round_trips_instant_for_instant(tmp_path: Path) -> None:
    source = partner_feed()
    outcomes = import_calendar(source, tmp_path / "events", CONFIG, ImportOptions())
    assert [o.skipped for o in outcomes] == [None] * 5
    loaded = load_events(tmp_path / "events", CONFIG)
    assert loaded.problems == []
    published = render_feed(loaded.events, CONFIG, today=date(2027, 1, 1))
    before, after = instants(source), instants(published)
    assert before == after
    assert len(before["weekly-dst@partner.example.org"]) == 5  # six Tuesdays less the skipped one
    weekly = next(e for e in loaded.events if e.uid == "weekly-dst@partner.example.org")
    assert weekly.fields.repeat == "FREQ=WEEKLY;UNTIL=20270330T140000;BYDAY=TU"
    assert weekly.fields.except_ == ("2027-03-16 14:00",) and weekly.type == "webinar"
    assert weekly.fields.online is not None and weekly.fields.topics == ("task forces",)


def test_the_written_files_read_like_hand_written_ones(tmp_path: Path) -> None:
    import_calendar(partner_feed(), tmp_path / "events", CONFIG, ImportOptions())
    training = (tmp_path / "events" / "2027" / "child-sex-trafficking-training.md").read_text()
    assert training.startswith("---\ntitle: Child Sex Trafficking Training\ntype: training\nstart: 2027-02-27\n"
                               "end: 2027-03-01\nlocation:\n  venue: Embassy Suites, Columbia, SC\n")
    seminar = (tmp_path / "events" / "2027" / "labor-trafficking-seminar.md").read_text()
    assert "start: 2027-04-06 09:30\nend: '16:00'\ntimezone: America/Chicago\nstatus: cancelled\n" in seminar
    assert "sequence: 2\n" in seminar
    workshop = (tmp_path / "events" / "2027" / "online-workshop-in-utc.md").read_text()
    assert "start: 2027-05-04 17:00\nend: '19:00'\ntimezone: UTC\n" in workshop


def test_events_already_present_are_skipped(tmp_path: Path) -> None:
    import_calendar(partner_feed(), tmp_path / "events", CONFIG, ImportOptions())
    again = import_calendar(partner_feed(), tmp_path / "events", CONFIG, ImportOptions())
    assert {o.skipped for o in again} == {"already on the site (same uid)"}
    assert len(list((tmp_path / "events").rglob("*.md"))) == 5


def test_icalendars_own_test_calendars(tmp_path: Path) -> None:
    """Calendars from the icalendar package's test data: custom zone names, UTC UNTIL, EXDATE lines."""
    events = tmp_path / "events"
    options = ImportOptions(type="meeting", assume_online=True)
    files = {
        "events/event_with_recurrence_exdates_on_different_lines.ics": "a-recurring-event-with-multiple-exdates-one-per-line",
        "calendars/america_new_york.ics": "an-event-with-a-custom-tz-name",
        "calendars/timezoned.ics": "artsprint-2012",
        "calendars/example.ics": "new-year-s-day",
    }
    for name, slug in files.items():
        data = (ICALENDAR_DATA / name).read_bytes()
        outcomes = import_calendar(data, events, CONFIG, options)
        assert all(o.path is not None for o in outcomes), [(o.title, o.skipped) for o in outcomes]
        assert any(o.path is not None and o.path.stem == slug for o in outcomes)
        published = render_feed(load_events(events, CONFIG).events, CONFIG, today=date(2012, 1, 1))
        for title, occurrences in _instants_between(data, 2010, 2030).items():
            assert _instants_between(published, 2010, 2030)[title] == occurrences, (name, title)
    custom = next(events.rglob("an-event-with-a-custom-tz-name.md")).read_text()
    assert "timezone: America/New_York\n" in custom
    recurring = next(events.rglob("a-recurring-event-with-multiple-exdates-one-per-line.md")).read_text()
    assert "repeat: FREQ=WEEKLY;UNTIL=20120703T100000;BYDAY=TU\n" in recurring  # 08:00Z is 10:00 in Vienna


def _instants_between(feed: bytes, first: int, last: int) -> dict[str, set[tuple[object, object]]]:
    calendar = icalendar.Calendar.from_ical(feed)
    found: dict[str, set[tuple[object, object]]] = {}
    for occurrence in recurring_ical_events.of(calendar).between(date(first, 1, 1), date(last, 1, 1)):
        start, end = occurrence.decoded("DTSTART"), occurrence.decoded("DTEND")
        if isinstance(start, datetime):
            start, end = start.astimezone(UTC), end.astimezone(UTC)
        elif end == start:  # a zero-length all-day event is the one day every client shows
            end = start + timedelta(days=1)
        found.setdefault(str(occurrence["SUMMARY"]), set()).add((start, end))  # some have no UID
    return found


def test_what_cannot_be_carried_over_is_reported(tmp_path: Path) -> None:
    data = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Partner//EN\r
BEGIN:VEVENT\r
UID:alarm@partner.example.org\r
DTSTAMP:20261101T000000Z\r
DTSTART;TZID=America/Denver:20270303T100000\r
DTEND;TZID=America/Denver:20270303T113000\r
SUMMARY:Trauma-Informed Interviewing Workshop\r
LOCATION:Denver, CO\r
ATTENDEE:mailto:someone@example.org\r
GEO:39.74;-104.99\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
TRIGGER:-PT15M\r
END:VALARM\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:nowhere@partner.example.org\r
DTSTAMP:20261101T000000Z\r
DTSTART:20270304T100000Z\r
SUMMARY:No place given\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:backwards@partner.example.org\r
DTSTAMP:20261101T000000Z\r
DTSTART;VALUE=DATE:20270310\r
DTEND;VALUE=DATE:20270301\r
LOCATION:Boise, ID\r
SUMMARY:Broken dates\r
END:VEVENT\r
END:VCALENDAR\r
"""
    outcomes = {o.title: o for o in import_calendar(data, tmp_path / "events", CONFIG, ImportOptions())}
    workshop = outcomes["Trauma-Informed Interviewing Workshop"]
    assert workshop.path is not None and workshop.path.parent.name == "2027"
    assert "not carried over: ATTENDEE, GEO, VALARM" in workshop.notes
    assert workshop.path.read_text().count("type: workshop") == 1
    assert outcomes["No place given"].skipped == (
        "does not validate: location: the event has neither a location nor online details")
    assert outcomes["Broken dates"].path is None  # an end before the start is never written
    assert len(list((tmp_path / "events").rglob("*.md"))) == 1


def test_the_import_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = tmp_path / "partner.ics"
    feed.write_bytes(partner_feed())
    config = tmp_path / "calendar.toml"
    shutil.copy(ROOT / "calendar.toml", config)
    events = tmp_path / "events"
    argv = ["import", str(feed), "--events", str(events), "--config", str(config)]
    assert main([*argv, "--dry-run"]) == 0
    assert not events.exists()
    assert "would write" in capsys.readouterr().out
    assert main(argv) == 0
    out = capsys.readouterr()
    assert "wrote " in out.out and out.err == "5 event(s) written\n"
    assert main(argv) == 0  # nothing new is no failure
    out = capsys.readouterr()
    assert "skipped 'Weekly Task Force Webinar': already on the site (same uid)" in out.out
    assert out.err == "0 event(s) written, 5 already on the site\n"
    assert main([*argv, "--dry-run"]) == 0
    assert "0 event(s) to write, 5 already on the site" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.ics"), "--events", str(events)]) == 1
    assert "cannot read it" in capsys.readouterr().err


# --- the site's own feed, read back ----------------------------------------------------------------


def _sample_events() -> list[Event]:
    return load_events(ROOT / "events", CONFIG).events


def test_the_sites_own_feed_round_trips_field_for_field(tmp_path: Path) -> None:
    originals = {e.uid: e for e in _sample_events()}
    feed = render_feed(originals.values(), CONFIG, today=date(2026, 11, 23))
    outcomes = import_calendar(feed, tmp_path / "events", CONFIG, ImportOptions())
    assert [(o.title, o.skipped) for o in outcomes if o.skipped] == []
    loaded = load_events(tmp_path / "events", CONFIG)
    assert loaded.problems == []
    imported = {e.uid: e for e in loaded.events}
    assert imported.keys() == originals.keys()
    for uid, original in originals.items():
        copy, f, g = imported[uid], original.fields, imported[uid].fields
        assert (copy.title, copy.type, copy.status, g.status_note) == (
            original.title, original.type, original.status, f.status_note), uid
        assert (copy.start, copy.end, copy.all_day, g.repeat is None) == (
            original.start, original.end, original.all_day, f.repeat is None), uid
        assert (g.sponsors, g.topics, g.audience, g.accessibility) == (
            f.sponsors, f.topics, f.audience, f.accessibility), uid
        assert copy.language == original.language, uid
        # The description comes back as the plain text the feed carries (Markdown is not sent twice).
        assert copy.body.strip() == markdown_to_text(original.body).strip(), uid
        assert (g.online is None, g.location is None) == (f.online is None, f.location is None), uid
        assert g.url == (f.url or SiteUrls(CONFIG.base_url).permalink(original.slug)), uid  # else the page there


def test_the_sites_own_feed_gives_titles_without_status_and_readable_file_names(tmp_path: Path) -> None:
    feed = render_feed(_sample_events(), CONFIG, today=date(2026, 11, 23))
    outcomes = {o.uid: o for o in import_calendar(feed, tmp_path / "events", CONFIG, ImportOptions())}
    spanish = next(o for o in outcomes.values() if o.title.startswith("La trata laboral"))
    assert spanish.path is not None
    assert spanish.path.name == "la-trata-laboral-en-el-trabajo-agricola-identificacion-y.md"
    text = spanish.path.read_text(encoding="utf-8")
    assert "language: es\n" in text and "accessibility: [captions, interpretation]\n" in text
    assert "online:\n  url: https://www.example.org/unirse/trata-agricola\n  platform: Zoom\n" in text
    assert "Details:" not in text and "Sponsors:" not in text and "totalmente en español" in text
    cancelled = outcomes["task-force-data-roundtable@calendar.example.org"]
    assert cancelled.path is not None and cancelled.title == "Task Force Data Collection and Reporting Roundtable"
    text = cancelled.path.read_text(encoding="utf-8")
    assert "\nstatus: cancelled\nstatus_note: Cancelled because of a scheduling conflict" in text
    assert "Cancelled:" not in text and "This event is" not in text


def test_the_sites_own_feed_imported_again_is_nothing_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "calendar.ics"
    feed.write_bytes(render_feed(_sample_events(), CONFIG, today=date(2026, 11, 23)))
    argv = ["import", str(feed), "--events", str(ROOT / "events"), "--config", str(ROOT / "calendar.toml")]
    assert main([*argv, "--dry-run"]) == 0
    count = len(_sample_events())
    assert f"0 event(s) to write, {count} already on the site\n" == capsys.readouterr().err
