"""Imported times keep their instants, whatever the calendar calls its zone, or the event is refused.

Each calendar in tests/data/import/ is shaped like a real export (Outlook with a Windows zone,
Outlook without its VTIMEZONE, Lotus Notes' `UTC+0`, a groupware's custom zone, Google's UTC
series). Each is imported into a folder, published, and every occurrence of the next two years
compared, as instants, with what recurring-ical-events reads in the source (which, as Google
Calendar does, repeats a UTC series of a calendar with X-WR-TIMEZONE at that zone's wall time).
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from calendar_app.cli.main import main
from calendar_app.core.config import load_config
from calendar_app.core.loader import load_events
from calendar_app.desk.importer import ImportOptions, Outcome, import_calendar
from calendar_app.desk.importzones import calendar_zones, name_candidates, stated_offset
from calendar_app.render.ical.ics import render_feed

from .coordinator_site import ROOT

DATA = Path(__file__).parent / "data" / "import"
CONFIG = load_config(ROOT / "calendar.toml")
FIRST, LAST = date(2027, 1, 1), date(2029, 1, 1)  # the next two years
REMEDY = "give the event a zone with --zone or fix the source"
Instants = dict[str, set[tuple[datetime, datetime]]]


def source_instants(data: bytes, floating: ZoneInfo | None = None) -> Instants:
    """Every occurrence by UID as UTC instants; `floating` is the zone a TZID the source does not define names."""
    found: Instants = {}
    for occurrence in recurring_ical_events.of(icalendar.Calendar.from_ical(data)).between(FIRST, LAST):
        start, end = occurrence.decoded("DTSTART"), occurrence.decoded("DTEND")
        if start.tzinfo is None:
            assert floating is not None, "the source has floating times; say what its zone name means"
            start, end = start.replace(tzinfo=floating), end.replace(tzinfo=floating)
        found.setdefault(str(occurrence["UID"]), set()).add((start.astimezone(UTC), end.astimezone(UTC)))
    return found


def imported(tmp_path: Path, name: str, options: ImportOptions | None = None) -> tuple[list[Outcome], Instants]:
    """Import one file of tests/data/import; the outcomes, and the published feed's instants."""
    events = tmp_path / "events"
    outcomes = import_calendar((DATA / name).read_bytes(), events, CONFIG, options or ImportOptions())
    if not events.is_dir():  # nothing written
        return outcomes, {}
    loaded = load_events(events, CONFIG)
    assert loaded.problems == []
    return outcomes, source_instants(render_feed(loaded.events, CONFIG, today=FIRST))


def written(outcomes: list[Outcome], uid: str) -> str:
    path = next(o.path for o in outcomes if o.uid == uid)
    assert path is not None
    return path.read_text()


def refusal(outcomes: list[Outcome], uid: str) -> str | None:
    return next(o.skipped for o in outcomes if o.uid == uid)


# --- each calendar, instant for instant ------------------------------------------------------------


def test_an_outlook_series_in_pacific_standard_time_keeps_its_hour_across_the_change_of_clocks(
    tmp_path: Path,
) -> None:
    name = "outlook_pacific_standard_time_weekly_across_dst.ics"
    outcomes, published = imported(tmp_path, name)
    assert published == source_instants((DATA / name).read_bytes())
    uid = outcomes[0].uid
    assert len(published[uid]) == 9  # eleven Tuesdays less the two skipped
    text = written(outcomes, uid)
    assert "timezone: America/Los_Angeles\n" in text
    assert "except: ['2027-03-09 09:00', '2027-03-30 09:00']\n" in text  # both still occurrences
    assert "time zone 'Pacific Standard Time' read as America/Los_Angeles" in outcomes[0].notes


def test_a_windows_display_name_without_vtimezone_is_read_by_its_cities(tmp_path: Path) -> None:
    name = "outlook_gmt_plus_10_canberra_melbourne_sydney_without_vtimezone.ics"
    sydney = ZoneInfo("Australia/Sydney")
    outcomes, published = imported(tmp_path, name)
    assert published == source_instants((DATA / name).read_bytes(), floating=sydney)
    meeting = "sydney-regional-meeting-2027@partner.example.org.au"
    start = datetime(2027, 3, 17, 13, 30, tzinfo=sydney)  # 02:30 UTC, not 14 hours later in New York
    assert published[meeting] == {(start.astimezone(UTC), (start + timedelta(minutes=90)).astimezone(UTC))}
    assert "start: 2027-03-17 13:30\nend: '15:00'\ntimezone: Australia/Sydney\n" in written(outcomes, meeting)


def test_utc_plus_0_is_utc_and_its_series_is_refused_without_a_zone(tmp_path: Path) -> None:
    name = "tzid_utc_plus_0_without_vtimezone.ics"
    outcomes, published = imported(tmp_path, name)
    source = source_instants((DATA / name).read_bytes(), floating=ZoneInfo("UTC"))
    assert published == {"utc0-briefing@partner.example.net": source["utc0-briefing@partner.example.net"]}
    assert refusal(outcomes, "utc0-monthly@partner.example.net") == (
        "it repeats in UTC and the calendar names no zone of its own (X-WR-TIMEZONE), so apps disagree on "
        f"whether its sessions follow a change of clocks; {REMEDY}")


def test_a_custom_zone_with_berlins_rules_is_europe_berlin(tmp_path: Path) -> None:
    name = "custom_zone_1_with_europe_berlin_rules.ics"
    outcomes, published = imported(tmp_path, name)
    assert published == source_instants((DATA / name).read_bytes())
    assert len(published["berlin-weekly@partner.example.de"]) == 6  # 9:00 in Berlin before and after 28 March
    assert "timezone: Europe/Berlin\n" in written(outcomes, "berlin-weekly@partner.example.de")
    assert ("time zone 'Custom Zone 1' read as Europe/Berlin, whose clock changes match over 2027"
            in outcomes[0].notes)


def test_a_google_series_in_utc_repeats_at_the_calendars_wall_time(tmp_path: Path) -> None:
    name = "google_utc_series_with_x_wr_timezone_america_chicago.ics"
    outcomes, published = imported(tmp_path, name)
    assert published == source_instants((DATA / name).read_bytes())
    series = written(outcomes, "5m8c1ob2t7d9hv0k3q4r6s1u2v@google.com")
    assert "start: 2027-01-12 10:00\nend: '11:00'\ntimezone: America/Chicago\n" in series
    assert "repeat: FREQ=WEEKLY;UNTIL=20270427T100000;BYDAY=TU\n" in series
    assert "except: ['2027-03-16 10:00', '2027-01-26 10:00']\n" in series
    chicago = {start.astimezone(ZoneInfo("America/Chicago")).hour for start, _ in
               published["5m8c1ob2t7d9hv0k3q4r6s1u2v@google.com"]}
    assert chicago == {10}  # 16:00 UTC in winter, 15:00 UTC in summer
    assert outcomes[0].notes[-1].startswith("a series in UTC in a calendar whose zone is America/Chicago")
    assert "timezone: America/Chicago\n" in written(outcomes, "1a2b3c4d5e6f7g8h9i0j1k2l3m@google.com")


def test_a_zone_whose_rules_match_no_iana_zone_is_refused(tmp_path: Path) -> None:
    outcomes, published = imported(tmp_path, "custom_zone_matching_no_iana_zone.ics")
    assert published == {}
    reason = (f"its time zone 'Foo' is not one this calendar knows, and its definition matches no IANA zone "
              f"over 2027; {REMEDY}")
    assert [o.skipped for o in outcomes] == [reason, reason]


def test_with_zone_an_unknown_zones_times_are_converted_and_its_series_follows_that_zone(tmp_path: Path) -> None:
    name = "custom_zone_matching_no_iana_zone.ics"
    outcomes, published = imported(tmp_path, name, ImportOptions(zone="Europe/Berlin"))
    source = source_instants((DATA / name).read_bytes())
    assert published["foo-single@partner.example.com"] == source["foo-single@partner.example.com"]
    assert "start: 2027-04-14 10:30\nend: '12:00'\ntimezone: Europe/Berlin\n" in written(
        outcomes, "foo-single@partner.example.com")  # 08:30 UTC either way
    first = min(source["foo-weekly@partner.example.com"])
    assert min(published["foo-weekly@partner.example.com"]) == first
    assert "time zone 'Foo' not recognised; read as Europe/Berlin (--zone)" in outcomes[1].notes


def test_with_zone_a_series_in_utc_repeats_in_that_zone(tmp_path: Path) -> None:
    outcomes, published = imported(tmp_path, "tzid_utc_plus_0_without_vtimezone.ics",
                                   ImportOptions(zone="Europe/London"))
    london = {s.astimezone(ZoneInfo("Europe/London")).hour for s, _ in published["utc0-monthly@partner.example.net"]}
    assert london == {15} and len(published["utc0-monthly@partner.example.net"]) == 10
    assert "timezone: Europe/London\n" in written(outcomes, "utc0-monthly@partner.example.net")


def test_the_zone_option_of_the_import_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "calendar.toml"
    shutil.copy(ROOT / "calendar.toml", config)
    argv = ["import", str(DATA / "custom_zone_matching_no_iana_zone.ics"), "--events", str(tmp_path / "events"),
            "--config", str(config)]
    assert main(argv) == 1
    assert "refused 'Meeting in the Foo Zone': its time zone 'Foo' is not one" in capsys.readouterr().out
    assert main([*argv, "--zone", "Mars/Olympus_Mons"]) == 2
    assert "--zone 'Mars/Olympus_Mons' is not a time zone" in capsys.readouterr().err
    assert main([*argv, "--zone", "Europe/Berlin"]) == 0
    assert capsys.readouterr().err == "2 event(s) written\n"


# --- names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "zone"), [
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("(GMT+10:00) Canberra, Melbourne, Sydney", "Australia/Sydney"),
    ("(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"),
    ("(GMT-08:00) Pacific Time (US & Canada); Tijuana", "America/Los_Angeles"),
    ("(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata"),
    ("(UTC-06:00) Central America", "America/Guatemala"),
    ("/mozilla.org/20050126_1/America/New_York", "America/New_York"),
    ("custom_America/New_York", "America/New_York"),
])
def test_zone_names_calendars_write(name: str, zone: str) -> None:
    assert next(name_candidates(name)).key == zone


@pytest.mark.parametrize(("name", "offset"), [
    ("UTC+0", timedelta(0)), ("GMT+10", timedelta(hours=10)), ("(UTC-03:30) Newfoundland", timedelta(hours=-3.5)),
    ("(UTC) Dublin, Edinburgh, Lisbon, London", timedelta(0)), ("Custom Zone 1", None),
])
def test_offsets_names_state(name: str, offset: timedelta | None) -> None:
    assert stated_offset(name) == offset


def test_a_fixed_offset_name_is_that_offset_all_year(tmp_path: Path) -> None:
    data = (DATA / "tzid_utc_plus_0_without_vtimezone.ics").read_bytes().replace(b"UTC+0", b"GMT+10")
    outcomes = import_calendar(data, tmp_path / "events", CONFIG, ImportOptions())
    assert "timezone: Etc/GMT-10\n" in written(outcomes, "utc0-briefing@partner.example.net")  # POSIX's sign
    assert refusal(outcomes, "utc0-monthly@partner.example.net") is None  # a fixed offset, not UTC


def test_a_name_whose_offset_does_not_fit_its_cities_is_refused(tmp_path: Path) -> None:
    data = (DATA / "outlook_gmt_plus_10_canberra_melbourne_sydney_without_vtimezone.ics").read_bytes()
    outcomes = import_calendar(data.replace(b"GMT+10:00", b"GMT+09:00"), tmp_path / "events", CONFIG, ImportOptions())
    assert refusal(outcomes, "sydney-regional-meeting-2027@partner.example.org.au") == (
        "its time zone '(GMT+09:00) Canberra, Melbourne, Sydney' is not one this calendar knows, and the calendar "
        f"does not define it (no VTIMEZONE); {REMEDY}")


def test_each_calendars_x_wr_timezone_goes_to_its_own_events() -> None:
    two = (b"BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:America/Chicago\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n"
           b"END:VCALENDAR\r\nBEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    first, second = object(), object()
    assert calendar_zones(two, [first, second]) == {id(first): "America/Chicago"}
