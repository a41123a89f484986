"""The VEVENTs of an iCalendar file, so that one bad component costs only itself.

icalendar reads a file whole, and one component it cannot read (a VTIMEZONE with two TZID lines,
as a WordPress events plugin writes them; an alarm's TRIGGER that is not a duration) stops the
whole file. When that happens the file is read again one component at a time: each VTIMEZONE
on its own (repeated lines written once), each VEVENT with the zones that could be read, and an
event icalendar still cannot read is kept as the reason why, for the importer to report.

Within an event that was read, `unreadable_dates` words what stops its dates being read, and
`drop_unreadable` leaves out (with a note) any other value icalendar kept as it was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Calendar, vBroken
from icalendar import Event as VEvent

# Not imported, so never a reason to refuse an event: left out when they stop it being read.
_UNIMPORTED_COMPONENTS = ("VALARM",)
_UNIMPORTED_PROPERTIES = ("ATTENDEE",)
_FOLD = re.compile(r"\r?\n[ \t]")


@dataclass
class Piece:
    """One VEVENT of the source: read (`component`), or the reason it could not be."""

    component: VEvent | None
    notes: list[str] = field(default_factory=list)
    title: str = ""  # of an unreadable one: its SUMMARY as written
    uid: str = ""
    reason: str = ""
    changes_session: bool = False  # of an unreadable one: it has a RECURRENCE-ID (one session of a series)


class NotACalendar(ValueError):
    """The data is not an iCalendar file; the message says what it is instead, in words."""


class WebPage(NotACalendar):
    """The data is a web page (HTML): what a server answers with for a login, an error or a moved calendar."""


class CutOff(ValueError):
    """The data starts a calendar it never ends (no END:VCALENDAR): a download or a file cut short."""


_HTML = re.compile(rb"<(!doctype\s+html|html|head|body)\b", re.IGNORECASE)
# What files of other kinds start with: PDF, ZIP (and so .docx, .xlsx), gzip, PNG, JPEG, GIF.
_BINARY = (b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")


def _lines(name: bytes, data: bytes) -> int:
    """How many lines of `data` are `name` (BEGIN:VCALENDAR), in any case, spaces after it allowed."""
    return len(re.findall(rb"^" + re.escape(name) + rb"[ \t]*\r?$", data, re.IGNORECASE | re.MULTILINE))


def check_whole(data: bytes) -> None:
    """Raise NotACalendar (or WebPage) when `data` is not a calendar at all, CutOff when it ends
    before the calendar it starts does; each worded for a person, without the data repeated.
    A file of one VEVENT without its VCALENDAR, as some programs save one event, is a calendar."""
    text = data.removeprefix(b"\xef\xbb\xbf").strip()
    if not text:
        raise NotACalendar("it is empty")
    if text.startswith(b"<") and _HTML.search(text[:1024]):
        raise WebPage("it is a web page (HTML)")
    if text.startswith(_BINARY):
        raise NotACalendar("it is not text (a PDF, an image or a compressed file, perhaps)")
    whole = b"VCALENDAR" if _lines(b"BEGIN:VCALENDAR", text) else b"VEVENT"
    begun = _lines(b"BEGIN:" + whole, text)
    if not begun:
        first = text.split(b"\n", 1)[0][:40].decode("utf-8", errors="replace").strip()
        raise NotACalendar(f"it has no BEGIN:VCALENDAR line (its first line is {first!r})")
    if _lines(b"END:" + whole, text) < begun:
        raise CutOff(f"it stops before the end of its calendar (no END:{whole.decode()}), as a download cut "
                     "short does")


def read_calendar(data: bytes) -> tuple[list[Piece], list[str]]:
    """Every VEVENT of `data` in order, and notes on the file as a whole.

    Raises ValueError, worded for a person, when `data` holds no calendar at all (NotACalendar,
    WebPage), or one cut short (CutOff): icalendar reads a calendar without its END:VCALENDAR as
    no calendar, which would pass for a calendar without events.
    """
    check_whole(data)
    try:
        calendars = Calendar.from_ical(data, multiple=True)
    except Exception as exc:  # noqa: BLE001 - any failure of the whole is retried part by part
        return _in_parts(data, exc)
    return [Piece(c) for cal in calendars for c in cal.walk("VEVENT") if isinstance(c, VEvent)], []


def _name(line: str) -> str:
    return re.split(r"[;:]", line, maxsplit=1)[0].strip().upper()


def _value(line: str) -> str:
    return line.partition(":")[2].strip()


def _in_parts(data: bytes, whole: Exception) -> tuple[list[Piece], list[str]]:
    text = _FOLD.sub("", data.decode("utf-8", errors="replace").lstrip("\ufeff"))
    calendars = _calendars(text.splitlines())
    if not calendars:  # not expected once `check_whole` has passed; worded all the same
        raise NotACalendar("it has no BEGIN:VCALENDAR line") from whole
    pieces: list[Piece] = []
    notes: list[str] = []
    for header, blocks in calendars:
        zones = [z for block in blocks if block[0].upper() == "VTIMEZONE" if (z := _zone(header, block[1], notes))]
        for name, lines in blocks:
            if name.upper() == "VEVENT":
                pieces.append(_event(header, zones, lines))
    return pieces, notes


def _calendars(lines: list[str]) -> list[tuple[list[str], list[tuple[str, list[str]]]]]:
    """Each VCALENDAR's own properties, and its components (name, lines) as written."""
    found: list[tuple[list[str], list[tuple[str, list[str]]]]] = []
    depth = 0
    current: list[str] | None = None
    for line in lines:
        if not line.strip():
            continue
        name = _name(line)
        if name == "BEGIN":
            depth += 1
            if depth == 1 and _value(line).upper() == "VCALENDAR":
                found.append(([], []))
            elif depth == 2 and found:
                current = [line]
                found[-1][1].append((_value(line), current))
            elif current is not None:
                current.append(line)
        elif name == "END":
            if current is not None and depth >= 2:
                current.append(line)
            if depth == 2:
                current = None
            depth = max(depth - 1, 0)
        elif depth == 1 and found:
            found[-1][0].append(line)
        elif current is not None:
            current.append(line)
    return found


def _parsed(header: list[str], parts: list[list[str]]) -> Calendar:
    text = "\r\n".join(["BEGIN:VCALENDAR", *header, *(line for part in parts for line in part), "END:VCALENDAR", ""])
    calendar = Calendar.from_ical(text.encode())
    assert isinstance(calendar, Calendar)
    return calendar


def _zone(header: list[str], lines: list[str], notes: list[str]) -> list[str] | None:
    """A VTIMEZONE's lines as icalendar reads them, or None (with a note) when it cannot."""
    tzid = next((_value(line) for line in lines if _name(line) == "TZID"), "")
    once = _top_level_once(lines)
    for candidate in (lines, once):
        try:
            _parsed(header, [candidate])
        except Exception:  # noqa: BLE001, S112 - tried once more below, then reported
            continue
        if candidate is once:
            notes.append(f"the time zone {tzid!r} (VTIMEZONE) repeats lines such as TZID; read once")
        return candidate
    notes.append(f"the time zone {tzid!r} (VTIMEZONE) cannot be read; its events' times are read by the zone's name")
    return None


def _top_level_once(lines: list[str]) -> list[str]:
    """The component's own lines written once each (its STANDARD and DAYLIGHT parts as they are)."""
    kept: list[str] = []
    seen: set[str] = set()
    depth = 0
    for line in lines:
        name = _name(line)
        depth += name == "BEGIN"
        if depth == 1 and name not in ("BEGIN", "END"):
            if line in seen:
                continue
            seen.add(line)
        kept.append(line)
        depth -= name == "END"
    return kept


def _without_unimported(lines: list[str]) -> tuple[list[str], list[str]]:
    """The event without what is not imported (alarms, attendees), and the names of what was left out."""
    kept: list[str] = []
    left_out: list[str] = []
    skipping = 0
    for line in lines:
        name = _name(line)
        if skipping:
            skipping += (name == "BEGIN") - (name == "END")
        elif name == "BEGIN" and _value(line).upper() in _UNIMPORTED_COMPONENTS:
            skipping = 1
            left_out.append(_value(line).upper())
        elif name in _UNIMPORTED_PROPERTIES:
            left_out.append(name)
        else:
            kept.append(line)
    return kept, sorted(set(left_out))


def _event(header: list[str], zones: list[list[str]], lines: list[str]) -> Piece:
    summary = next((_value(line) for line in lines if _name(line) == "SUMMARY"), "")
    title = " ".join(re.sub(r"\\([\\;,])", r"\1", summary).replace("\\n", " ").split()) or "(no title)"
    uid = next((_value(line) for line in lines if _name(line) == "UID"), "")
    kept, left_out = _without_unimported(lines)
    for candidate, notes in ((lines, []), (kept, [f"not carried over: {', '.join(left_out)}"])):
        if candidate is kept and not left_out:
            break
        try:
            found = _parsed(header, [*zones, candidate]).walk("VEVENT")
        except Exception:  # noqa: BLE001, S112 - the reason is reported below
            continue
        if found and isinstance(found[0], VEvent):
            return Piece(found[0], notes)
    bad = _first_unreadable_line(header, zones, kept)
    reason = f"the line {bad!r} cannot be read as iCalendar" if bad else "cannot be read as iCalendar"
    changes_session = any(_name(line) == "RECURRENCE-ID" for line in lines)
    return Piece(None, title=title, uid=uid, reason=reason, changes_session=changes_session)


def _first_unreadable_line(header: list[str], zones: list[list[str]], lines: list[str]) -> str:
    """The first of the event's lines icalendar stops at (for the reason given to a person)."""
    for end in range(1, len(lines) - 1):
        try:
            _parsed(header, [*zones, [*lines[: end + 1], lines[-1]]])
        except Exception:  # noqa: BLE001 - this line is the one
            return lines[end][:120]
    return ""


# --- one event's values ---------------------------------------------------------------------------

_DATE_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RRULE", "EXDATE", "RDATE", "RECURRENCE-ID")


def as_written(value: Any) -> str:
    """A property's value as the calendar wrote it."""
    first = value[0] if isinstance(value, list) and value else value
    try:
        text = first.to_ical()
    except Exception:  # noqa: BLE001 - shown as Python has it instead
        return str(first)[:80]
    return (text.decode(errors="replace") if isinstance(text, bytes) else str(text))[:80]


def _when(value: Any) -> date | None:
    dt = None if isinstance(value, vBroken) else getattr(value, "dt", None)
    return dt if isinstance(dt, date) else None


def _kind(value: date) -> str:
    return "a date and time" if isinstance(value, datetime) else "a date"


def unreadable_dates(component: VEvent) -> str | None:
    """Why the event's dates cannot be read, worded for a person; None when they can."""
    if "DTSTART" not in component:
        return "no start (DTSTART)"
    written = {name: as_written(component[name]) for name in _DATE_PROPERTIES if name in component}
    if isinstance(component["DTSTART"], list):
        return "more than one start (DTSTART)"
    start = _when(component["DTSTART"])
    if start is None:
        return f"its start (DTSTART {written['DTSTART']!r}) is not a date or a date and time"
    if "DTEND" in component:
        end = _when(component["DTEND"]) if not isinstance(component["DTEND"], list) else None
        if end is None:
            return f"its end (DTEND {written['DTEND']!r}) is not a date or a date and time"
        if isinstance(end, datetime) != isinstance(start, datetime):
            return (f"its end (DTEND {written['DTEND']!r}) is {_kind(end)} but its start "
                    f"(DTSTART {written['DTSTART']!r}) is {_kind(start)}")
        if _before(end, start):
            return f"its end (DTEND {written['DTEND']!r}) is before its start (DTSTART {written['DTSTART']!r})"
    elif "DURATION" in component:
        length = None if isinstance(component["DURATION"], vBroken) else getattr(component["DURATION"], "dt", None)
        if not isinstance(length, timedelta):
            return f"its length (DURATION {written['DURATION']!r}) is not a duration such as PT1H30M"
        if length < timedelta(0):
            return f"its length (DURATION {written['DURATION']!r}) is negative: it would end before it starts"
    return _unreadable_series(component)


def _unreadable_series(component: VEvent) -> str | None:
    """Why the event's rule, skipped or added dates, or the session it changes cannot be read."""
    rules = component.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        if isinstance(rule, vBroken) or not isinstance(rule, dict):
            return f"its repeat rule (RRULE {as_written(rule)!r}) cannot be read"
    for name, what in (("EXDATE", "skipped dates"), ("RDATE", "added dates")):
        values = component.get(name)
        for prop in values if isinstance(values, list) else [values] if values is not None else []:
            if isinstance(prop, vBroken) or not hasattr(prop, "dts"):
                return f"its {what} ({name} {as_written(prop)!r}) are not dates or dates and times"
    if "RECURRENCE-ID" in component:
        changed = component["RECURRENCE-ID"]
        if isinstance(changed, list):
            return "it names more than one session it changes (RECURRENCE-ID)"
        if _when(changed) is None:
            return (f"the session it changes (RECURRENCE-ID {as_written(changed)!r}) is not a date "
                    "or a date and time")
    return None


def _before(end: date, start: date) -> bool:
    if isinstance(end, datetime) and isinstance(start, datetime):
        if (end.tzinfo is None) != (start.tzinfo is None):  # a floating end is in the start's zone
            end = end.replace(tzinfo=start.tzinfo)
        return end < start
    return end < start


def drop_unreadable(component: VEvent) -> list[str]:
    """Leave out the values (other than dates) icalendar could not read; a note for each."""
    notes: list[str] = []
    for name, message in list(getattr(component, "errors", [])):
        if name is None:
            notes.append(f"a line that is not iCalendar was left out ({message})")
        elif name.upper() not in _DATE_PROPERTIES and name in component:
            notes.append(f"{name.upper()} {as_written(component[name])!r} cannot be read; left out")
            del component[name]
    return notes


def worded(exc: Exception) -> str:
    """What to tell a person when reading an event failed in a way not foreseen."""
    if isinstance(exc, (ValueError, OverflowError)) and str(exc):
        return f"a value is not as iCalendar writes it: {exc}"
    return "a value is not as iCalendar writes it"
