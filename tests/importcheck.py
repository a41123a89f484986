"""What an import must keep, checked as a calendar app would see it.

`check_import` imports a calendar into a folder as `calendar-app import` does, publishes the
files written with the project's own feed writer, and compares every session of every event in
a window, as recurring-ical-events expands them, with the source's: its start and end instants,
its title and whether it is cancelled. An event not written must be refused in words.

The source's sessions of one event are those of its VEVENT together with its changed sessions
(VEVENTs with its UID and a RECURRENCE-ID), in a calendar of their own with the source's
X-WR-TIMEZONE: where several events share a UID, recurring-ical-events would keep one of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from calendar_app.core.config import SiteConfig
from calendar_app.core.loader import load_events
from calendar_app.desk.icsread import drop_unreadable, read_calendar
from calendar_app.desk.importer import ImportOptions, Outcome, import_calendar
from calendar_app.desk.importseries import assign
from calendar_app.desk.importzones import calendar_zones
from calendar_app.render.ical.ics import render_feed

WINDOW = (date(2026, 1, 1), date(2031, 1, 1))
# What Python says when a program fails, never what a person should read.
PYTHON_WORDS = re.compile(
    r"object has no attribute|unsupported operand|NoneType|Traceback|KeyError|TypeError|AttributeError|"
    r"IndexError|not subscriptable|object at 0x|^'[A-Z-]+'$|positional argument")
_STATUS_WORD = re.compile(r"^(cancell?ed|postponed)\s*[:\-–—]\s*", re.IGNORECASE)

Moment = date | datetime
Sessions = dict[tuple[Moment, Moment], tuple[str | None, bool]]  # (start, end) -> (title, cancelled)


def worded(reason: str | None) -> bool:
    """Whether a refusal is words for a person (not empty, not what Python says when it fails)."""
    return bool(reason) and not PYTHON_WORDS.search(reason or "")


def _instant(value: Moment, floating: ZoneInfo) -> Moment:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=floating)).astimezone(UTC)
    return value


def _title(occurrence: Any) -> str | None:
    summary = " ".join(str(occurrence.get("SUMMARY", "")).split())
    return _STATUS_WORD.sub("", summary, count=1)[:200] if summary else None


def sessions(calendar: icalendar.Calendar, floating: ZoneInfo) -> dict[str, Sessions]:
    """Every session in the window by UID: (start, end) instants, the title without a status word,
    and whether it is cancelled. A floating time is read in `floating`."""
    found: dict[str, Sessions] = {}
    for occurrence in recurring_ical_events.of(calendar).between(*WINDOW):
        start, end = occurrence.decoded("DTSTART"), occurrence.decoded("DTEND")
        if not isinstance(start, datetime) and end == start:  # an all-day event without an end: its day
            end = start + timedelta(days=1)
        cancelled = str(occurrence.get("STATUS", "")).upper() == "CANCELLED"
        key = (_instant(start, floating), _instant(end, floating))
        found.setdefault(str(occurrence.get("UID", "")), {})[key] = (_title(occurrence), cancelled)
    return found


@dataclass
class Source:
    """The VEVENTs of the source one outcome stands for, and its calendar's X-WR-TIMEZONE."""

    components: list[icalendar.Event]
    zone_name: str | None

    def sessions(self, floating: ZoneInfo) -> Sessions:
        calendar = icalendar.Calendar()
        calendar.add("VERSION", "2.0")
        calendar.add("PRODID", "-//Import check//EN")
        if self.zone_name:
            calendar.add("X-WR-TIMEZONE", self.zone_name)
        for component in self.components:
            component["UID"] = "checked"  # one series, however the source shares its UID
            calendar.add_component(component)
        found = sessions(calendar, ZoneInfo(self.zone_name) if self.zone_name else floating)
        return found.get("checked", {})


def sources(data: bytes) -> list[Source | None]:
    """What each outcome of importing `data` stands for, in order (None: a VEVENT that cannot be read)."""
    pieces, _notes = read_calendar(data)
    vevents = [p.component for p in pieces if p.component is not None]
    for component in vevents:
        drop_unreadable(component)  # as the importer does: recurring-ical-events stumbles on a broken SEQUENCE
    zones = calendar_zones(data, [p.component for p in pieces])
    series, alone = assign(vevents)
    found: list[Source | None] = []
    for piece in pieces:
        component = piece.component
        if component is None:
            found.append(None)
        elif "RECURRENCE-ID" not in component or id(component) in alone:
            found.append(Source([component, *series.get(id(component), [])], zones.get(id(component))))
    return found


def published(events_dir: Path, config: SiteConfig) -> dict[str, Sessions]:
    """Every session of the feed the imported files publish, by UID."""
    loaded = load_events(events_dir, config)
    assert loaded.problems == [], loaded.problems
    feed = icalendar.Calendar.from_ical(render_feed(loaded.events, config, today=WINDOW[0]))
    return sessions(feed, config.zone)


def same_sessions(expected: Sessions, actual: Sessions) -> bool:
    """Equal, titles compared where the source gives one."""
    titled = {key: (title if expected.get(key, (None, False))[0] is not None else None, cancelled)
              for key, (title, cancelled) in actual.items()}
    return expected == titled


def check_import(
    data: bytes, events_dir: Path, config: SiteConfig, options: ImportOptions | None = None
) -> list[Outcome]:
    """Import `data` into `events_dir`; every event written has its source's sessions, every other
    is refused in words. The outcomes, for more checks."""
    options = options or ImportOptions()
    outcomes = import_calendar(data, events_dir, config, options)
    expected = sources(data)
    assert len(expected) == len(outcomes), [o.title for o in outcomes]
    feed = published(events_dir, config) if events_dir.is_dir() else {}
    floating = ZoneInfo(options.zone) if options.zone else config.zone
    for outcome, source in zip(outcomes, expected, strict=True):
        if outcome.path is None:
            assert worded(outcome.skipped), (outcome.title, outcome.skipped)
            continue
        assert source is not None, outcome.title
        wanted = source.sessions(floating)
        assert same_sessions(wanted, feed[outcome.uid]), (outcome.title, sorted(wanted.items()),
                                                          sorted(feed[outcome.uid].items()))
    return outcomes
