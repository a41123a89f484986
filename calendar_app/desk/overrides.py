"""The sessions of an imported series besides its rule's: added dates and changed sessions.

RDATE becomes `extra`, in the series' own zone and kind, as `start` is written. An RDATE that
is a PERIOD adds its start; when it lasts otherwise than the series' sessions, an entry of
`changes` gives it its own `end`. Each VEVENT with the series' UID and a RECURRENCE-ID becomes an
entry of `changes`: its session moved (DTSTART, DTEND, DURATION), retitled (SUMMARY), cancelled
or tentative (STATUS) and, from a feed of this calendar's own, given its status note. A time in
another zone than the series' keeps its instant; a floating one is read in `--zone`, else the
calendar's X-WR-TIMEZONE (as Google Calendar reads it), else the series' own zone.

The series is read as RFC 5545 and recurring-ical-events read it: an added date the rule gives
already adds nothing, and neither does one EXDATE skips; a changed session EXDATE skips stays
skipped; a RECURRENCE-ID that names no session of the series adds one (an `extra` date, then
changed); of two versions of one changed session, the one with the higher SEQUENCE counts (one
without SEQUENCE lowest; the first on a tie).

Refused with the reason (`SeriesRefused`), rather than written with sessions at other times than
the source's: a change to a session "and all later ones" (RANGE=THISANDFUTURE), which an event
file cannot say; a date where the series has times, or the other way round; an added or changed
session before the series' first; a changed session that repeats on its own. What is not about
time is left out with a note: a changed session's own place or description.

A single event (no RRULE) with added dates gets the rule of one session, `FREQ=DAILY;COUNT=1`,
which `extra` and `changes` need; one whose only change is to its own session is written changed.

Which VEVENTs are one series, and what becomes of a changed session without its series, is
`importseries`'s to say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule
from icalendar import Event as VEvent

from ..core.recurrence import parse_rule, tail_from
from .icsread import as_written, unreadable_dates
from .importseries import SeriesRefused, property_of, sequence_of

When = date | datetime
ONE_SESSION = "FREQ=DAILY;COUNT=1"
# What a VEVENT says besides its times: its title (None without SUMMARY), status, status note and description.
Said = tuple[str | None, str | None, str | None, str]
Reader = Callable[[VEvent], Said]
ZoneOfName = Callable[[str, datetime], ZoneInfo]


@dataclass(frozen=True)
class SourceZones:
    """How the source's times without a zone it defines are read."""

    floating: ZoneInfo | None  # floating times: `--zone`, else X-WR-TIMEZONE; None: the series' own zone
    of_name: ZoneOfName  # the zone of a TZID the calendar does not define (`importzones.named_zone`)


def when_text(value: When, zone: ZoneInfo | None) -> str:
    """A start as event files write it: a date, or the date and time in `zone` (seconds only when
    there are some); a floating time as it is."""
    if isinstance(value, datetime):
        local = value.astimezone(zone) if value.tzinfo and zone else value
        return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")
    return value.isoformat()


def _key(value: When) -> float:
    """What identifies a session: its instant, or its day."""
    return value.timestamp() if isinstance(value, datetime) else float(value.toordinal())


def add_sessions(
    component: VEvent, overrides: list[VEvent], data: dict[str, Any], zone: ZoneInfo | None,
    read: Reader, zones: SourceZones, notes: list[str],
) -> None:
    """Write the added dates (`extra`) and changed sessions (`changes`) of the series `component`
    into `data`, the front matter made of it (its times in `zone`, None when all-day).

    SeriesRefused, worded, when they cannot all be written at the source's times. A rule that
    cannot be read is left for the file's check to report.
    """
    rdates = _rdates(component)
    if not rdates and not overrides:
        return
    series = _Series.of(component, data, zone, zones)
    if series is None:
        return
    for value, tzid, length in rdates:
        series.add_date(value, tzid, length)
    for override in overrides:
        series.change(override, notes)
    series.write(data, read, notes)


def _rdates(component: VEvent) -> list[tuple[When, str | None, When | timedelta | None]]:
    """Every RDATE value: its start, its TZID, and a PERIOD's end or length."""
    values = component.get("RDATE")
    found: list[tuple[When, str | None, When | timedelta | None]] = []
    for prop in values if isinstance(values, list) else [values] if values is not None else []:
        tzid = prop.params.get("TZID")
        for item in prop.dts:
            value = item.dt
            if isinstance(value, tuple):
                found.append((value[0], tzid, value[1]))
            else:
                found.append((value, tzid, None))
    return found


def _kind(value: When) -> str:
    return "a date and time" if isinstance(value, datetime) else "a whole day"


def _shown(value: When) -> str:
    """A date or time as the source gives it, for a person."""
    if not isinstance(value, datetime):
        return value.isoformat()
    zone = value.tzinfo
    name = "" if zone is None else getattr(zone, "key", None) or ("UTC" if value.utcoffset() == timedelta(0) else "")
    return value.strftime("%Y-%m-%d %H:%M") + (f" {name}" if name else "")


@dataclass
class _Change:
    occurrence: When
    start: When
    end: When  # a timed session's end, or the day after an all-day one's last
    override: VEvent
    sequence: int


@dataclass
class _Series:
    """One series as the source gives it, read into the file's terms."""

    component: VEvent
    zone: ZoneInfo | None  # None: all-day
    zones: SourceZones
    start: When
    rule: rrule | None  # None: a single event, which gets ONE_SESSION if it needs a rule
    names: dict[str, ZoneInfo]  # zones of TZIDs the calendar does not define, once read
    duration: timedelta = timedelta(0)  # timed: the time that passes; all-day: its days less one
    skipped: dict[float, str] = field(default_factory=dict)  # EXDATEs, by key, as `except` writes them
    extra: dict[float, When] = field(default_factory=dict)
    ends: dict[float, tuple[When, When]] = field(default_factory=dict)  # a PERIOD's session and end
    changed: dict[float, _Change] = field(default_factory=dict)
    spent: dict[float, When] = field(default_factory=dict)  # EXDATEs that skip an RDATE

    @classmethod
    def of(cls, component: VEvent, data: dict[str, Any], zone: ZoneInfo | None, zones: SourceZones) -> _Series | None:
        raw, prop = component.decoded("DTSTART"), property_of(component, "DTSTART")
        timed = isinstance(raw, datetime) and zone is not None
        names: dict[str, ZoneInfo] = {}
        if zone is not None and isinstance(raw, datetime) and raw.tzinfo is None and "TZID" in prop.params:
            names[str(prop.params["TZID"])] = zone
        start: When = raw
        if isinstance(raw, datetime) and zone is not None:
            start = raw.astimezone(zone) if raw.tzinfo else raw.replace(tzinfo=zone)
        rule = None
        if data.get("repeat"):
            try:
                rule = parse_rule(str(data["repeat"]), start)
            except ValueError:
                return None
        series = cls(component, zone if timed else None, zones, start, rule, names)
        end = series.end_of(component, prop)
        series.duration = series.span(start, end)
        values = component.get("EXDATE")
        for exdates in values if isinstance(values, list) else [values] if values is not None else []:
            for item in exdates.dts:
                if isinstance(item.dt, datetime) == timed:  # another kind: the file's check says so
                    moment = series.read(item.dt, exdates.params.get("TZID"), "")
                    series.skipped[_key(moment)] = when_text(moment, zone)
        return series

    @property
    def timed(self) -> bool:
        return self.zone is not None

    def aware(self, value: datetime, tzid: str | None) -> datetime:
        """A source's date-time with its zone (see `SourceZones`)."""
        if value.tzinfo is not None:
            return value
        if not tzid:
            return value.replace(tzinfo=self.zones.floating or self.zone)
        if tzid not in self.names:
            self.names[tzid] = self.zones.of_name(tzid, value)
        return value.replace(tzinfo=self.names[tzid])

    def read(self, value: When, tzid: str | None, what: str) -> When:
        """A source's date or date-time as this series' sessions are written; SeriesRefused when of the other kind."""
        if isinstance(value, datetime) != self.timed:
            sessions = "have times" if self.timed else "are whole days"
            raise SeriesRefused(f"{what} is {_kind(value)}, but the series' sessions {sessions}; an event file "
                                "cannot mix the two")
        return self.aware(value, tzid).astimezone(self.zone) if isinstance(value, datetime) else value

    def end_of(self, part: VEvent, start: Any) -> When:
        """The end of the VEVENT `part` starting at the property `start` (DTEND, DURATION, or RFC 5545's
        default), in this series' terms; for an all-day one the day after its last."""
        if "DTEND" in part:
            end = property_of(part, "DTEND")
            return self.read(end.dt, end.params.get("TZID"), "its end")
        if not self.timed:
            length = part.decoded("DURATION") if "DURATION" in part else timedelta(days=1)
            return self.read(start.dt, None, "its start") + timedelta(days=length.days)
        length = part.decoded("DURATION") if "DURATION" in part else timedelta(0)
        return (self.aware(start.dt, start.params.get("TZID")) + length).astimezone(self.zone)

    def last(self, end: When, start: When) -> When:
        """An all-day session's last day (its end is the day after; an end on its start is one day)."""
        return end - timedelta(days=1) if end > start else start

    def span(self, start: When, end: When) -> timedelta:
        """How long a session lasts, as `duration` counts."""
        if isinstance(start, datetime) and isinstance(end, datetime):
            return end.astimezone(UTC) - start.astimezone(UTC)
        return timedelta(days=int(_key(self.last(end, start)) - _key(start)))

    def default_end(self, start: When) -> When:
        """Where a session starting at `start` ends when nothing says otherwise, as event files read it
        (an all-day one: its last day)."""
        return start + self.duration

    def is_session(self, value: When) -> bool:
        """Whether DTSTART or the rule gives a session at `value`; looked for near it, not walked to."""
        if _key(value) == _key(self.start):
            return True
        if self.rule is None:
            return False
        wall = value.replace(tzinfo=None) if isinstance(value, datetime) else datetime.combine(value, time(0))
        near = tail_from(self.rule, wall)
        return wall in near.between(wall - timedelta(seconds=1), wall + timedelta(seconds=1), inc=True)

    def add(self, value: When, what: str) -> None:
        """`value` as an added session (`extra`), unless DTSTART or the rule give it already."""
        if self.is_session(value) or _key(value) in self.extra:
            return
        if _key(value) < _key(self.start):
            raise SeriesRefused(f"{what} is before its first session ({when_text(self.start, self.zone)}), which "
                                "an event file cannot hold")
        self.extra[_key(value)] = value

    def add_date(self, value: When, tzid: str | None, length: When | timedelta | None) -> None:
        """One RDATE value; a PERIOD's `length` (its end or its duration)."""
        what = f"an added session (RDATE {_shown(value)})"
        moment = self.read(value, tzid, what)
        if _key(moment) in self.skipped:  # EXDATE wins
            self.spent[_key(moment)] = moment
            return
        self.add(moment, what)
        if length is None or not isinstance(value, datetime):  # a PERIOD is of date-times
            return
        if isinstance(length, timedelta):
            end: When = (self.aware(value, tzid) + length).astimezone(self.zone)
        else:
            end = self.read(length, tzid, f"the end of {what}")
        if _key(end) != _key(self.default_end(moment)):
            self.ends[_key(moment)] = (moment, end)

    def change(self, override: VEvent, notes: list[str]) -> None:
        """One VEVENT with a RECURRENCE-ID: the session it names, and what becomes of it."""
        if reason := unreadable_dates(override):
            raise SeriesRefused(f"one of its changed sessions cannot be read: {reason}")
        prop = property_of(override, "RECURRENCE-ID")
        shown = f"RECURRENCE-ID {as_written(prop)!r}"
        if str(prop.params.get("RANGE", "")).upper() == "THISANDFUTURE":
            raise SeriesRefused(
                f"one of its changes ({shown}, RANGE=THISANDFUTURE) is to a session and all later ones, which an "
                "event file cannot say; split the series in two in the calendar it comes from")
        if "RRULE" in override or "RDATE" in override:
            raise SeriesRefused(f"one of its changed sessions ({shown}) repeats on its own (RRULE or RDATE), which "
                                "an event file cannot hold")
        occurrence = self.read(prop.dt, prop.params.get("TZID"), f"the session one of its changes names ({shown})")
        key = _key(occurrence)
        if key in self.skipped:
            notes.append(f"the change to its session of {when_text(occurrence, self.zone)} is left out: that "
                         "session is skipped (EXDATE)")
            return
        start_prop = property_of(override, "DTSTART")
        start = self.read(start_prop.dt, start_prop.params.get("TZID"),
                          f"the new start ({_shown(start_prop.dt)}) of a changed session ({shown})")
        found = _Change(occurrence, start, self.end_of(override, start_prop), override, sequence_of(override))
        if key in self.changed:
            if found.sequence <= self.changed[key].sequence:
                return  # the one with the higher SEQUENCE counts, the first on a tie
        elif not self.is_session(occurrence) and key not in self.extra:
            self.add(occurrence, f"the session one of its changes names ({shown})")
            notes.append(f"a changed session ({shown}) names no session of the series; added to it")
        self.changed[key] = found

    def end_text(self, end: When, start: When) -> str:
        """An end as event files write it: a time alone on the start's day; an all-day one's last day."""
        if not self.timed:
            return when_text(self.last(end, start), None)
        full, begin = when_text(end, self.zone), when_text(start, self.zone)
        return full[11:] if full[:10] == begin[:10] else full

    def entry(self, change: _Change, read: Reader, series: Said, notes: list[str]) -> dict[str, str]:
        """The entry of `changes` for one changed session (only its occurrence when it changes nothing)."""
        title, status, note, body = read(change.override)
        entry = {"occurrence": when_text(change.occurrence, self.zone)}
        if _key(change.start) != _key(change.occurrence):
            entry["start"] = when_text(change.start, self.zone)
        end = change.end if self.timed else self.last(change.end, change.start)
        if _key(end) != _key(self.default_end(change.start)):
            entry["end"] = self.end_text(change.end, change.start)
        if title is not None and title[:200] != (series[0] or "")[:200]:
            entry["title"] = title[:200]
        own = "tentative" if status == "postponed" else status or "scheduled"  # a session is not postponed
        if own != (series[1] or "scheduled"):
            entry["status"] = own
        other = []
        if note and "status" in entry and own in ("cancelled", "tentative"):
            entry["status_note"] = " ".join(note.split())[:1000]
        elif note and note != series[2]:
            other.append("status note")
        location = " ".join(str(change.override.get("LOCATION", "")).split())
        if location and location != " ".join(str(self.component.get("LOCATION", "")).split()):
            other.append("place (LOCATION)")
        if body and body != series[3]:
            other.append("description")
        if other:
            notes.append(f"its changed session of {entry['occurrence']} has its own {' and '.join(other)}; not "
                         "carried over (the series' is kept)")
        return entry

    def check_moves(self) -> None:
        """No session moves onto another one's start: an event file cannot hold two sessions at one time."""
        moved = {key: c for key, c in self.changed.items() if _key(c.start) != key}
        taken = {_key(c.start): c for key, c in self.changed.items() if key not in moved}
        for change in moved.values():
            target = _key(change.start)
            stays = target not in moved and target not in self.skipped
            if target in taken or (stays and (target in self.extra or self.is_session(change.start))):
                raise SeriesRefused(
                    f"its session of {when_text(change.occurrence, self.zone)} is moved to "
                    f"{when_text(change.start, self.zone)}, when another of its sessions starts; an event file "
                    "cannot hold two sessions at one time")
            taken[target] = change

    def write(self, data: dict[str, Any], read: Reader, notes: list[str]) -> None:
        """`extra`, `changes` and, where they change, `repeat` and `except`, into `data`."""
        self.check_moves()
        series = read(self.component)
        entries = {key: e for key, c in self.changed.items() if len(e := self.entry(c, read, series, notes)) > 1}
        for key, (moment, end) in self.ends.items():
            if key not in self.changed:
                entries[key] = {"occurrence": when_text(moment, self.zone), "end": self.end_text(end, moment)}
        spent = {self.skipped[key] for key, moment in self.spent.items() if not self.is_session(moment)}
        data["except"] = [text for text in data.get("except", []) if text not in spent]
        if self.rule is None:
            if not self.extra and list(entries) == [_key(self.start)]:
                self.as_changed(data, entries[_key(self.start)])
                notes.append("its one session is changed (RECURRENCE-ID or RDATE): written as changed")
                return
            if not self.extra and not entries:
                return
            data["repeat"] = ONE_SESSION
            data["except"] = [text for key, text in self.skipped.items() if key == _key(self.start)]
            notes.append(f"a single event with added or changed sessions: given the rule of one session "
                         f"({ONE_SESSION}), which `extra` and `changes` need")
        data["extra"] = [when_text(value, self.zone) for _, value in sorted(self.extra.items())]
        data["changes"] = [entry for _, entry in sorted(entries.items())]

    def as_changed(self, data: dict[str, Any], entry: dict[str, str]) -> None:
        """A single event written as its one change says, rather than as a rule of one session and a change."""
        key = _key(self.start)
        start, end = (self.changed[key].start, self.changed[key].end) if key in self.changed else self.ends[key]
        data["start"] = when_text(start, self.zone)
        data.pop("end", None)
        if self.timed or self.last(end, start) != start:
            data["end"] = self.end_text(end, start)
        data["title"] = entry.get("title", data["title"])
        if "status" in entry:
            data["status"] = None if entry["status"] == "scheduled" else entry["status"]
            data["status_note"] = entry.get("status_note")
