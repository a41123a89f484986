"""The iCalendar feed as calendar apps read it: every feed here is parsed back by two parsers."""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from dateutil.rrule import rrulestr
from icalendar import vText

from calendar_app.cli import main as cli
from calendar_app.core.catalog import Catalog
from calendar_app.core.clock import Clock
from calendar_app.core.config import SiteConfig
from calendar_app.core.filters import Filters
from calendar_app.core.loader import event_files, load_event_file
from calendar_app.core.model import Event
from calendar_app.core.series import OccurrenceChange
from calendar_app.files.site import Site
from calendar_app.render.ical.ics import feed_path, render_feed, subscribe_links
from calendar_app.render.ical.limits import feed_size_problems
from calendar_app.render.ical.vevent import published_sequence
from calendar_app.web.feedcache import FeedCache

from .conftest import DATA
from .feedcheck import as_utc, check_timezones, parse_both
from .refresh_golden import GOLDEN, golden_outputs

VALID = DATA / "valid"
TODAY = date(2026, 11, 23)


def load(name: str, config: SiteConfig) -> Event:
    return load_event_file(VALID / f"{name}.md", VALID, config)


def feed_of(events: list[Event], config: SiteConfig) -> bytes:
    return render_feed(events, config, today=TODAY)


def only_event(data: bytes):  # type: ignore[no-untyped-def]
    """`data` as both parsers read it, checking it holds exactly one VEVENT."""
    loose, strict = parse_both(data)
    assert len(loose.events) == 1
    return loose, strict


def write_event(folder: Path, slug: str, header: str, body: str = "") -> Path:
    path = folder / f"{slug}.md"
    path.write_text(f"---\n{header.strip()}\n---\n{body}", encoding="utf-8")
    return path


def write_online(folder: Path, slug: str, start: str, more: str = "", *, title: str = "Case Review") -> Path:
    """An online meeting, with `more` front matter lines."""
    return write_event(folder, slug, f"title: {title}\ntype: meeting\nstart: {start}\nonline: true\n{more}")


# --- golden feeds ------------------------------------------------------------------------------

_DTSTAMP = re.compile(rb"^DTSTAMP:[^\r]*", re.MULTILINE)


@lru_cache(maxsize=1)
def built_golden() -> dict[str, bytes]:
    return golden_outputs()


@pytest.mark.parametrize("name", sorted(built_golden()))
def test_golden_feed_is_unchanged(name: str) -> None:
    built = _DTSTAMP.sub(b"DTSTAMP", built_golden()[name]).decode().splitlines()
    expected = _DTSTAMP.sub(b"DTSTAMP", (GOLDEN / name).read_bytes()).decode().splitlines()
    diff = "\n".join(list(difflib.unified_diff(expected, built, "golden", "built", lineterm=""))[:60])
    assert built == expected, f"tests/golden/{name} differs (if meant, run `make golden`):\n{diff}"
    assert (GOLDEN / name).read_bytes().count(b"\r\n") == len(expected)  # CRLF kept in the repository


def test_every_golden_file_is_still_built() -> None:
    assert sorted(p.name for p in GOLDEN.glob("*.ics")) == sorted(built_golden())


def test_sample_feed_parses_strictly_and_its_zones_are_right() -> None:
    data = (GOLDEN / "calendar.ics").read_bytes()
    loose, strict = parse_both(data)
    check_timezones(loose, strict)
    assert len(strict.events) >= 25
    assert all(event.organizer is not None for event in strict.events)


# --- every valid test file round-trips -----------------------------------------------------------

VALID_FILES = event_files(VALID)


@pytest.mark.parametrize("path", VALID_FILES, ids=[str(p.relative_to(VALID)) for p in VALID_FILES])
def test_valid_file_round_trips_through_the_feed(path: Path, sample_config: SiteConfig) -> None:
    event = load_event_file(path, VALID, sample_config)
    loose, strict = parse_both(feed_of([event], sample_config))
    # The series first, then one VEVENT per changed occurrence.
    assert [e.get("RECURRENCE-ID") is None for e in loose.events] == [True] + [False] * len(event.changes)
    vevent, parsed = loose.events[0], strict.events[0]
    assert str(vevent["UID"]) == parsed.uid == event.uid
    assert parsed.summary.endswith(event.title)
    assert parsed.sequence == published_sequence(event) >= event.sequence
    assert parsed.url == f"{sample_config.base_url}/events/{event.slug}"
    assert parsed.organizer is not None
    assert as_utc(parsed.dtstart) == as_utc(event.start)  # (a datetime with fold=1 equals no other zone's)
    if event.all_day:
        assert parsed.dtend == event.end + timedelta(days=1)  # type: ignore[operator]
    else:
        assert as_utc(parsed.dtend) == as_utc(event.end)
        # The second pass of a repeated hour is written in UTC: its wall-clock time would mean the first.
        assert vevent["DTSTART"].params.get("TZID", "UTC") == (event.zone.key if not event.start.fold else "UTC")
    assert_same_occurrences(event, loose, strict)


def assert_same_occurrences(event: Event, loose, strict) -> None:  # type: ignore[no-untyped-def]
    """recurring-ical-events and ical's timeline expand the feed as python-dateutil expands the file
    with its extra and changed occurrences, and as the model lists them: each at its own start and
    end, a moved one at its new time, a cancelled one there and cancelled."""
    expected = [(as_utc(s), as_utc(e), status) for s, e, status in dateutil_occurrences(event)]
    assert [(as_utc(o.start), as_utc(_exclusive(o.end, event)), _status_of(event, o.change))
            for o in event.occurrences()] == expected
    last = event.start_date + timedelta(days=3 * 366)
    # The calendar without X-WR-TIMEZONE: given one, recurring-ical-events first rewrites UTC times
    # into its wall time (how Google's own exports mean them), which RFC 5545 does not.
    calendar = icalendar.Calendar()
    for component in loose.events:
        calendar.add_component(component)
    expanded = recurring_ical_events.of(calendar).between(date(1990, 1, 1), last)
    found = sorted((as_utc(o["DTSTART"].dt), as_utc(o["DTEND"].dt), str(o["STATUS"])) for o in expanded)  # in no order
    assert found == expected
    timeline = [(as_utc(i.dtstart), as_utc(i.dtend), i.status.value) for i in islice(strict.timeline, len(expected) + 5)]
    assert timeline == expected


def _exclusive(end: date | datetime, event: Event) -> date | datetime:
    return end + timedelta(days=1) if event.all_day else end


def _status_of(event: Event, change: OccurrenceChange | None) -> str:
    status = (change.status if change is not None else None) or event.status
    return {"scheduled": "CONFIRMED", "postponed": "TENTATIVE"}.get(status.value, status.value.upper())


def dateutil_occurrences(event: Event) -> list[tuple[date | datetime, date | datetime, str]]:
    """Every occurrence's start, (exclusive) end and STATUS, straight from python-dateutil and the
    file's own fields."""
    length = _exclusive(event.end, event) - event.start  # type: ignore[operator]
    if event.fields.repeat is None:
        return [(event.start, event.start + length, _status_of(event, None))]
    naive = event.start if event.all_day else event.start.replace(tzinfo=None)  # type: ignore[union-attr]
    if event.all_day:
        naive = datetime.combine(naive, datetime.min.time())  # type: ignore[arg-type]
    rule = rrulestr(event.fields.repeat, dtstart=naive, ignoretz=True)
    starts = [s.date() if event.all_day else s.replace(tzinfo=event.zone) for s in rule]
    starts = [s for s in starts if s not in event.exdates] + list(event.extra)
    changes = {as_utc(c.occurrence): c for c in event.changes}
    found = []
    for start in starts:
        change = changes.get(as_utc(start))
        if change is None:
            found.append((start, start + length, _status_of(event, None)))
        else:
            found.append((change.start, _exclusive(change.end, event), _status_of(event, change)))
    return sorted(found, key=lambda o: as_utc(o[0]))


# --- edge cases, as a subscriber's calendar shows them ---------------------------------------------


def test_all_day_end_becomes_the_exclusive_next_day(sample_config: SiteConfig) -> None:
    data = feed_of([load("all-day-across-month-end", sample_config)], sample_config)
    assert b"DTSTART;VALUE=DATE:20270227\r\n" in data
    assert b"DTEND;VALUE=DATE:20270302\r\n" in data
    _, strict = only_event(data)
    assert (strict.events[0].dtstart, strict.events[0].dtend) == (date(2027, 2, 27), date(2027, 3, 2))


def test_single_all_day_event_lasts_one_day(sample_config: SiteConfig) -> None:
    event = load("all-day-single-day", sample_config)
    _, strict = only_event(feed_of([event], sample_config))
    assert strict.events[0].dtend - strict.events[0].dtstart == timedelta(days=1)


def test_event_across_midnight_ends_the_next_morning(sample_config: SiteConfig) -> None:
    data = feed_of([load("across-midnight", sample_config)], sample_config)
    assert b"DTSTART;TZID=America/New_York:20270305T220000\r\n" in data
    assert b"DTEND;TZID=America/New_York:20270306T013000\r\n" in data


def test_event_in_another_zone_keeps_its_zone_and_its_vtimezone(sample_config: SiteConfig) -> None:
    event = load("other-time-zone", sample_config)
    loose, strict = only_event(feed_of([event], sample_config))
    assert strict.events[0].dtstart == datetime(2027, 8, 10, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert [str(tz["TZID"]) for tz in loose.timezones] == ["America/Los_Angeles"]
    check_timezones(loose, strict)


def test_weekly_series_across_the_march_change_stays_at_six_local(sample_config: SiteConfig) -> None:
    event = load("weekly-across-dst-change", sample_config)
    data = feed_of([event], sample_config)
    assert b"RRULE:FREQ=WEEKLY;UNTIL=20270330T230000Z;BYDAY=TU\r\n" in data  # 18:00 CDT in UTC
    assert b"EXDATE;TZID=America/Chicago:20270316T180000\r\n" in data
    loose, strict = only_event(data)
    check_timezones(loose, strict)
    chicago = ZoneInfo("America/Chicago")
    starts = [o["DTSTART"].dt for o in recurring_ical_events.of(loose).between(date(2027, 2, 1), date(2027, 5, 1))]
    assert [s.astimezone(chicago).strftime("%m-%d %H:%M") for s in starts] == [
        "02-23 18:00", "03-02 18:00", "03-09 18:00", "03-23 18:00", "03-30 18:00",
    ]
    assert [s.astimezone(UTC).hour for s in starts] == [0, 0, 0, 23, 23]  # the offset moved, not the hour


def test_text_with_commas_semicolons_backslashes_emoji_and_accents(sample_config: SiteConfig) -> None:
    event = load("text-with-special-characters", sample_config)
    data = feed_of([event], sample_config)
    assert "SUMMARY:Café\\, Señoras\\; \"Back\\\\slash\" Training 🚨".encode() in data
    loose, strict = only_event(data)
    parsed = strict.events[0]
    assert parsed.summary == event.title
    assert str(loose.events[0]["SUMMARY"]) == event.title
    assert parsed.location == (
        "Salle Émile-Nelligan; Bâtiment B, 3e étage, 1234 Rue Sainte-Catherine O, Montréal, QC, CA"
    )
    assert parsed.categories == ["training", "labor trafficking / agriculture", "façonnage; niñez"]
    assert "a backslash \\ in it" in parsed.description
    assert "Emoji 🚨🧭 and accents: àéîõü ñ ç ß Ø" in parsed.description
    assert "\n\n" in parsed.description  # paragraphs stay paragraphs
    assert parsed.organizer.common_name == "Réseau d'entraide, Québec; Sud"


def test_long_description_is_folded_and_read_back_whole(sample_config: SiteConfig) -> None:
    event = load("description-over-2000-characters", sample_config)
    assert len(event.body) >= 2000
    _, strict = only_event(feed_of([event], sample_config))
    assert strict.events[0].description.startswith(event.body)


def test_timed_event_without_end_lasts_the_default_duration(sample_config: SiteConfig) -> None:
    event = load("timed-without-end", sample_config)
    _, strict = only_event(feed_of([event], sample_config))
    parsed = strict.events[0]
    assert parsed.dtend - parsed.dtstart == timedelta(minutes=sample_config.default_duration_minutes)


def test_observance_without_place_has_no_location_and_the_publisher_as_organizer(sample_config: SiteConfig) -> None:
    event = load("observance-without-place", sample_config)
    data = feed_of([event], sample_config)
    assert b"LOCATION" not in data
    assert b"TRANSP:TRANSPARENT\r\n" in data
    _, strict = only_event(data)
    organizer = strict.events[0].organizer
    assert organizer.uri == f"mailto:{sample_config.publisher_email}"
    assert organizer.common_name == sample_config.publisher_name


def test_cancelled_event_says_so_in_status_and_title(sample_config: SiteConfig) -> None:
    event = load("cancelled-with-note", sample_config)
    data = feed_of([event], sample_config)
    assert b"STATUS:CANCELLED\r\n" in data
    assert b"TRANSP:TRANSPARENT\r\n" in data
    _, strict = only_event(data)
    assert strict.events[0].summary == f"Cancelled: {event.title}"
    assert strict.events[0].description.startswith(f"Cancelled: {event.fields.status_note}")


@pytest.mark.parametrize(
    ("status", "expected", "prefix"),
    [("scheduled", "CONFIRMED", ""), ("tentative", "TENTATIVE", ""), ("postponed", "TENTATIVE", "Postponed: ")],
)
def test_status_maps_to_rfc_5545(
    tmp_path: Path, sample_config: SiteConfig, status: str, expected: str, prefix: str
) -> None:
    note = "" if status == "scheduled" else "\nstatus_note: Venue not confirmed."
    path = write_online(tmp_path, "status", "2027-05-04 10:00", f"status: {status}{note}")
    event = load_event_file(path, tmp_path, sample_config)
    data = feed_of([event], sample_config)
    assert f"STATUS:{expected}\r\n".encode() in data
    _, strict = only_event(data)
    assert strict.events[0].summary == prefix + "Case Review"


@pytest.mark.parametrize(
    ("more", "expected"),
    [("", 0), ("status: cancelled", 1), ("status: postponed", 1), ("status: cancelled\nsequence: 3", 3),
     ("status: tentative", 0), ("sequence: 2", 2)],
)
def test_a_cancelled_or_postponed_event_is_published_as_a_revision(
    tmp_path: Path, sample_config: SiteConfig, more: str, expected: int
) -> None:
    """A file cancelled by hand without a `sequence` still tells apps holding SEQUENCE:0 that it changed."""
    path = write_online(tmp_path, "revised", "2027-05-04 10:00", more)
    data = feed_of([load_event_file(path, tmp_path, sample_config)], sample_config)
    loose, strict = only_event(data)
    assert loose.events[0]["SEQUENCE"] == expected and strict.events[0].sequence == expected


def test_a_feed_carries_what_a_re_import_needs_and_apps_still_read_it(tmp_path: Path, sample_config: SiteConfig) -> None:
    path = write_event(tmp_path, "lists", (
        "title: Lists\ntype: webinar\nstart: 2027-05-04 10:00\nonline: true\nlanguage: es\n"
        "sponsors: [OVC]\naudience: ['law enforcement', 'courts, judges']\naccessibility: [captions, asl]"),
        "Plain words, no markup.\n")
    marked = write_event(tmp_path, "marked", "title: Marked\ntype: webinar\nstart: 2027-05-05 10:00\nonline: true",
                         "Some **bold** words; a [link](https://www.example.org/a).\n")
    events = [load_event_file(p, tmp_path, sample_config) for p in (path, marked)]
    data = feed_of(events, sample_config)
    assert b"X-CALENDAR-AUDIENCE:courts\\, judges\r\n" in data and b"X-CALENDAR-ACCESSIBILITY:asl\r\n" in data
    loose, strict = parse_both(data)
    plain, rich = sorted(loose.events, key=lambda e: str(e["SUMMARY"]))
    assert "bold words" in str(rich["DESCRIPTION"]) and "**" not in str(rich["DESCRIPTION"])
    assert "X-CALENDAR-DESCRIPTION" not in plain and "X-CALENDAR-DESCRIPTION" not in rich  # not every description twice
    assert {e.summary for e in strict.events} == {"Lists", "Marked"}


def test_recurring_event_keeps_rrule_and_exdate_in_the_form_of_dtstart(sample_config: SiteConfig) -> None:
    timed = feed_of([load("recurring-weekly-with-except", sample_config)], sample_config)
    assert b"RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=WE\r\n" in timed
    assert b"EXDATE;TZID=America/New_York:20270120T130000\r\n" in timed
    all_day = feed_of([load("recurring-all-day-until", sample_config)], sample_config)
    assert b"RRULE:FREQ=MONTHLY;UNTIL=20271231;INTERVAL=3\r\n" in all_day
    assert b"EXDATE;VALUE=DATE:20270715\r\n" in all_day


def test_description_is_plain_text_with_the_registration_link(sample_config: SiteConfig) -> None:
    event = load("every-field", sample_config)
    _, strict = only_event(feed_of([event], sample_config))
    text = strict.events[0].description
    assert "Register: https://www.example.org/register/nhtc-2027 (by August 31, 2027; $350)" in text
    assert "Agenda (https://www.example.org/nhtc-2027/agenda)" in text
    assert "**" not in text and "](" not in text and "# Three" not in text
    assert "- Investigations\n- Prosecution" in text
    assert strict.events[0].categories == ["conference", "task forces", "victim services", "labor trafficking"]


def test_raw_html_in_a_description_is_text_not_markup(sample_config: SiteConfig) -> None:
    event = load("markdown-with-script-in-body", sample_config)
    data = feed_of([event], sample_config)
    assert b"X-ALT-DESC" not in data and b"ALTREP" not in data


def test_language_other_than_the_site_is_marked(sample_config: SiteConfig) -> None:
    event = load("spanish-language-with-accessibility", sample_config)
    assert event.language != sample_config.language
    data = feed_of([event], sample_config)
    assert f"SUMMARY;LANGUAGE={event.language}:".encode() in data


def test_empty_feed_is_a_valid_calendar_with_a_component(sample_config: SiteConfig) -> None:
    data = feed_of([], sample_config)
    loose, strict = parse_both(data)
    assert strict.events == []
    assert [tz.tz_id for tz in strict.timezones] == [sample_config.timezone]  # RFC 5545 wants one component


# --- the calendar's own properties -----------------------------------------------------------------


def test_calendar_properties_for_subscribers(sample_config: SiteConfig) -> None:
    data = (GOLDEN / "calendar.ics").read_bytes()
    for line in (
        b"VERSION:2.0", b"METHOD:PUBLISH", b"CALSCALE:GREGORIAN",
        b"NAME:Human Trafficking Trainings", b"X-WR-CALNAME:Human Trafficking Trainings",
        b"SOURCE:http://127.0.0.1:8000/calendar.ics",
        b"REFRESH-INTERVAL;VALUE=DURATION:PT6H", b"X-PUBLISHED-TTL:PT6H", b"X-WR-TIMEZONE:America/New_York",
    ):
        assert line + b"\r\n" in data
    loose, strict = parse_both(data)
    assert strict.prodid and strict.version == "2.0"
    assert strict.name == [sample_config.name] and strict.description == [sample_config.description]
    # icalendar 7.3 keeps X-WR-* as written: they must be escaped as the TEXT they are
    assert str(loose["X-WR-CALDESC"]) == vText(sample_config.description).to_ical().decode()


def test_filtered_feed_names_itself(tmp_path: Path) -> None:
    config = SiteConfig(name="Trainings, East; Region 4", base_url="https://cal.example.org")
    (tmp_path / "events").mkdir()
    write_event(
        tmp_path / "events", "webinar",
        "title: LE Webinar\ntype: webinar\nstart: 2027-01-19 14:00\nonline: true\naudience: [law enforcement]",
    )
    site = Site(config, tmp_path / "events", Clock(config.zone, TODAY))
    feed = FeedCache(site).feed(Filters.from_query([("type", "webinar"), ("audience", "law enforcement")], config))
    assert b"NAME:Trainings\\, East\\; Region 4: webinars for law enforcement\r\n" in feed.body
    loose, strict = parse_both(feed.body)
    name = "Trainings, East; Region 4: webinars for law enforcement"
    assert strict.name == [name]
    escaped = "Trainings\\, East\\; Region 4: webinars for law enforcement"
    assert str(loose["X-WR-CALNAME"]) == vText(name).to_ical().decode() == escaped
    assert str(loose["SOURCE"]) == "https://cal.example.org/calendar.ics?type=webinar&audience=law+enforcement"
    assert feed.count == 1


def test_refresh_interval_follows_the_configuration(tmp_path: Path) -> None:
    config = SiteConfig(refresh_hours=12)
    data = render_feed([], config, today=TODAY)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT12H\r\n" in data and b"X-PUBLISHED-TTL:PT12H\r\n" in data


# --- time zones in a feed ------------------------------------------------------------------------


def test_zones_of_other_countries_read_back_right(tmp_path: Path) -> None:
    config = SiteConfig()
    events = []
    zones = ["Europe/London", "Australia/Sydney", "America/Santiago", "Asia/Kolkata", "Asia/Jerusalem", "Pacific/Auckland"]
    for i, tzid in enumerate(zones):
        path = write_online(tmp_path, f"e{i}", f"2027-06-0{i + 1} 10:00", f"timezone: {tzid}")
        events.append(load_event_file(path, tmp_path, config))
    loose, strict = parse_both(feed_of(events, config))
    check_timezones(loose, strict)


# --- stable identity ------------------------------------------------------------------------------


def test_uid_survives_a_new_title_and_a_restart(tmp_path: Path, sample_config: SiteConfig) -> None:
    path = write_online(tmp_path, "roundtable", "2027-03-02 10:00", title="Data Roundtable")
    first = feed_of([load_event_file(path, tmp_path, sample_config)], sample_config)
    again = feed_of([load_event_file(path, tmp_path, sample_config)], sample_config)
    assert first == again  # a rebuild, as after a restart, gives the same bytes
    path.write_text(path.read_text().replace("Data Roundtable", "Data and Reporting Roundtable"))
    renamed = feed_of([load_event_file(path, tmp_path, sample_config)], sample_config)
    uid = re.compile(rb"^UID:[^\r]*", re.MULTILINE)
    assert uid.findall(renamed) == uid.findall(first) == [b"UID:roundtable@calendar.example.org"]


def _git(folder: Path, *args: str, when: str = "2026-10-01T12:00:00+00:00") -> None:
    who = {"NAME": "Coordinator", "EMAIL": "c@example.org", "DATE": when}
    env = {**os.environ, **{f"GIT_{role}_{k}": v for role in ("AUTHOR", "COMMITTER") for k, v in who.items()}}
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, env=env)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_last_modified_comes_from_git_so_a_fresh_clone_serves_the_same_feed(
    tmp_path: Path, sample_config: SiteConfig
) -> None:
    origin = tmp_path / "origin"
    (origin / "events").mkdir(parents=True)
    write_online(origin / "events", "roundtable", "2027-03-02 10:00", title="Data Roundtable")
    _git(origin, "init", "-q")
    _git(origin, "add", ".")
    _git(origin, "commit", "-q", "-m", "Add the roundtable")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True, capture_output=True)
    os.utime(clone / "events" / "roundtable.md", (1_900_000_000, 1_900_000_000))  # a checkout's own file time

    clock = Clock(sample_config.zone, TODAY)
    feeds = [FeedCache(Site(sample_config, root / "events", clock)).feed() for root in (origin, clone)]
    assert b"LAST-MODIFIED:20261001T120000Z\r\n" in feeds[0].body
    assert feeds[0].body == feeds[1].body and feeds[0].etag == feeds[1].etag
    assert feeds[0].last_modified == datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


# --- the cache: work done once per change ------------------------------------------------------------


def test_filtered_feeds_join_cached_components(tmp_path: Path, sample_config: SiteConfig) -> None:
    events_dir = tmp_path / "events"
    shutil.copytree(Path(__file__).resolve().parent.parent / "events", events_dir)
    site = Site(sample_config, events_dir, Clock(sample_config.zone, TODAY))
    cache = FeedCache(site)
    built = cache.components_built
    assert built == len(site.catalog)
    for query in ([("type", "webinar")], [("audience", "law enforcement")], [("q", "labor")], [("region", "SC")]):
        feed = cache.feed(Filters.from_query(query, sample_config))
        parse_both(feed.body)
    assert cache.components_built == built  # filtering built no VEVENT again

    path = next(events_dir.rglob("prevention-month-wednesday-webinars.md"))
    path.write_text(path.read_text().replace("Weekly Webinar Series", "Weekly Webinars"), encoding="utf-8")
    assert site.refresh()
    assert cache.components_built == built + 1  # only the changed event
    assert b"SUMMARY:Prevention Month Wednesdays: Weekly Webinars\r\n" in cache.feed().body


def test_feed_window_moves_with_the_injected_clock(tmp_path: Path, sample_config: SiteConfig) -> None:
    write_online(tmp_path, "old", "2026-05-01 10:00")
    site = Site(sample_config, tmp_path, Clock(sample_config.zone, date(2026, 10, 1)))
    cache = FeedCache(site)
    assert cache.feed().count == 1
    site.clock = Clock(sample_config.zone, date(2026, 11, 1))  # 184 days on: past the 180-day window
    assert cache.feed().count == 0


def test_cancelled_event_stays_as_long_as_a_scheduled_one_would(tmp_path: Path, sample_config: SiteConfig) -> None:
    write_online(tmp_path, "gone", "2026-06-01 10:00", "status: cancelled")
    write_online(tmp_path, "kept", "2026-06-01 10:00")
    for today, count in ((date(2026, 11, 27), 2), (date(2026, 11, 29), 0)):
        feed = FeedCache(Site(sample_config, tmp_path, Clock(sample_config.zone, today))).feed()
        assert feed.count == count


def test_events_before_now_minus_the_window_are_left_out(sample_config: SiteConfig) -> None:
    events = [load("all-day-single-day", sample_config)]
    catalog = Catalog(sample_config, events)
    last = events[0].last_date
    assert catalog.feed_events(Filters(), today=last + timedelta(days=sample_config.past_days)) == events
    assert catalog.feed_events(Filters(), today=last + timedelta(days=sample_config.past_days + 1)) == []


# --- helpers for other parts ---------------------------------------------------------------------------


def test_subscribe_links() -> None:
    links = subscribe_links("http://127.0.0.1:8000", "/calendar.ics?type=webinar")
    assert links == {
        "webcal": "webcal://127.0.0.1:8000/calendar.ics?type=webinar",
        "https": "http://127.0.0.1:8000/calendar.ics?type=webinar",
        "google": "https://calendar.google.com/calendar/r?cid="
        "webcal%3A%2F%2F127.0.0.1%3A8000%2Fcalendar.ics%3Ftype%3Dwebinar",
    }


def test_feed_path_gives_the_listing_filters_back(sample_config: SiteConfig) -> None:
    query = [("type", "webinar"), ("audience", "law enforcement"), ("from", "2027-01-01")]
    filters = Filters.from_query(query, sample_config)
    assert feed_path(filters) == "/calendar.ics?type=webinar&audience=law+enforcement&from=2027-01-01"
    assert feed_path(Filters()) == "/calendar.ics"


# --- the size guard --------------------------------------------------------------------------------------


def test_feed_size_problems_warn_past_the_limits(sample_config: SiteConfig) -> None:
    events = [load(name, sample_config) for name in ("across-midnight", "other-time-zone", "hybrid")]
    assert feed_size_problems(events, sample_config, today=TODAY) == []
    tight = sample_config.model_copy(update={"feed_max_events": 2, "feed_max_bytes": 3000})
    messages = [str(p) for p in feed_size_problems(events, tight, today=TODAY)]
    assert len(messages) == 2
    assert messages[0].startswith("/calendar.ics: warning: the full feed holds 3 events, more than feed_max_events (2)")
    assert "the full feed is" in messages[1] and "more than feed_max_bytes (3,000)" in messages[1]


def test_validate_prints_the_size_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events_dir = tmp_path / "events"
    events_dir.mkdir()
    for i in range(3):
        write_online(events_dir, f"call-{i}", f"2027-0{i + 1}-05 10:00", title=f"Call {i}")
    config_file = tmp_path / "calendar.toml"
    config_file.write_text("[site]\nfeed_max_events = 2\n", encoding="utf-8")
    status = cli.main(["validate", "--events", str(events_dir), "--config", str(config_file)])
    out = capsys.readouterr()
    assert status == 0  # a warning, not an error
    assert "warning: the full feed holds 3 events, more than feed_max_events (2)" in out.out
    assert cli.main(["validate", "--strict", "--events", str(events_dir), "--config", str(config_file)]) == 1


def test_extra_dates_and_changed_occurrences_keep_dtstarts_form(tmp_path: Path, sample_config: SiteConfig) -> None:
    """RDATE and RECURRENCE-ID as DTSTART is written (a date, or the zone's time); each changed
    occurrence's VEVENT has the series' UID and SEQUENCE."""
    write_online(tmp_path, "all-day", "2027-01-04", "repeat: FREQ=WEEKLY;COUNT=3\nsequence: 2\nstatus: tentative\n"
                 "extra: [2027-02-01]\nchanges:\n  - occurrence: 2027-01-11\n    status: cancelled\n")
    data = feed_of([load_event_file(tmp_path / "all-day.md", tmp_path, sample_config)], sample_config)
    loose, strict = parse_both(data)
    assert b"RDATE;VALUE=DATE:20270201\r\n" in data and b"RECURRENCE-ID;VALUE=DATE:20270111\r\n" in data
    assert [(e.uid, e.sequence, e.status.value) for e in strict.events] == [
        ("all-day@calendar.example.org", 2, "TENTATIVE"), ("all-day@calendar.example.org", 2, "CANCELLED")
    ]
    assert str(loose.events[1]["SUMMARY"]) == "Cancelled: Case Review"
    write_online(tmp_path, "timed", "2027-01-04 09:00", "repeat: FREQ=WEEKLY;COUNT=3\ntimezone: America/Chicago\n"
                 "extra: [2027-02-01 09:00]\nchanges:\n  - occurrence: 2027-01-11 09:00\n    start: 2027-01-12 10:00\n")
    data = feed_of([load_event_file(tmp_path / "timed.md", tmp_path, sample_config)], sample_config)
    assert b"RDATE;TZID=America/Chicago:20270201T090000\r\n" in data
    assert b"RECURRENCE-ID;TZID=America/Chicago:20270111T090000\r\nDTSTAMP" in data
    assert b"DTSTART;TZID=America/Chicago:20270112T100000\r\nDTEND;TZID=America/Chicago:20270112T110000\r\n" in data


@pytest.mark.parametrize("size", [0, 1, 5000, 2 * 1024 * 1024 - 1, 2 * 1024 * 1024, 5 * 1024 * 1024 + 17])
def test_a_feed_gzipped_in_pieces_reads_back_whole_and_the_same_every_time(size: int) -> None:
    import gzip
    import random

    from calendar_app.render.ical.ics import gzip_bytes

    rng = random.Random(size)
    words = [b"BEGIN:VEVENT\r\n", b"SUMMARY:Training ", b"DESCRIPTION:words and more words\r\n", b"\xc3\xa9", b"\r\n "]
    body = b"".join(rng.choice(words) for _ in range(size // 8 + 1))[:size]
    zipped = gzip_bytes(body)
    assert gzip.decompress(zipped) == body
    assert zipped == gzip_bytes(body)
    assert len(zipped) <= len(gzip.compress(body, compresslevel=6)) * 1.01 + 64
