"""Dates, times and places as a person writes them: "January 19, 2027 | 2 p.m. ET".

Every phrase is a list of `Part`s: plain text, or text with the machine-readable value that
pages put in `<time datetime>`. Month and weekday names are spelled here rather than taken
from the C library's locale, so the pages read the same on every server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..core.config import SiteConfig
from ..core.filters import Filters
from ..core.model import Event, When

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SEPARATOR = " | "

# US zones by their generic name: "ET" reads right in winter and summer alike.
_US_GENERIC = {
    "EST": "ET", "EDT": "ET", "CST": "CT", "CDT": "CT", "MST": "MT", "MDT": "MT",
    "PST": "PT", "PDT": "PT", "AKST": "AKT", "AKDT": "AKT", "HST": "HT", "HDT": "HT",
    "AST": "AT", "ADT": "AT", "ChST": "ChT", "SST": "ST",
}
_GENERIC_NAMES = {
    "ET": "Eastern Time", "CT": "Central Time", "MT": "Mountain Time", "PT": "Pacific Time",
    "AKT": "Alaska Time", "HT": "Hawaii-Aleutian Time", "AT": "Atlantic Time",
    "ChT": "Chamorro Time", "ST": "Samoa Time",
}
_US_ZONE_PREFIXES = ("America/", "US/", "Pacific/Honolulu", "Pacific/Guam", "Pacific/Pago_Pago")

LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish (español)", "fr": "French (français)", "pt": "Portuguese (português)",
    "zh": "Chinese (中文)", "vi": "Vietnamese (Tiếng Việt)", "ko": "Korean (한국어)", "tl": "Tagalog",
    "ar": "Arabic (العربية)", "ru": "Russian (русский)", "ht": "Haitian Creole (kreyòl ayisyen)",
    "asl": "American Sign Language", "nv": "Navajo (Diné bizaad)",
}
ACCESSIBILITY_LABELS = {
    "captions": "Captions",
    "asl": "ASL interpretation",
    "interpretation": "Language interpretation",
    "transcript": "Transcript",
    "wheelchair": "Wheelchair accessible",
}


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a phrase; `value` is what goes in `<time datetime>` when the piece is a time."""

    text: str
    value: str | None = None


def text_of(parts: list[Part]) -> str:
    return "".join(p.text for p in parts)


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, LANGUAGE_NAMES.get(code.split("-")[0], code))


def accessibility_label(feature: str) -> str:
    return ACCESSIBILITY_LABELS.get(feature, feature.replace("-", " ").capitalize())


def _in_sentence(label: str) -> str:
    """A label as it reads mid-sentence: "Captions" -> "captions", "ASL interpretation" kept."""
    first = label.split(" ", 1)[0]
    return label if first.isupper() else label[:1].lower() + label[1:]


def filters_text(f: Filters, config: SiteConfig) -> str:
    """Filters in words, with the labels the form shows: 'online webinars for law enforcement in SC',
    'events in person with ASL interpretation'. A filtered feed is named with them."""
    kinds = " and ".join(t if t.endswith("s") else t + "s" for t in f.types) or "events"
    if f.online is True:
        kinds = "online " + kinds
    if f.free:
        kinds = "free " + kinds
    parts = [kinds]
    if f.online is False:
        parts.append("in person")
    if f.topics:
        parts.append("on " + ", ".join(f.topics))
    if f.audience:
        parts.append("for " + ", ".join(f.audience))
    if f.sponsors:
        parts.append("by " + ", ".join(f.sponsors))
    if f.regions:
        parts.append("in " + ", ".join(f.regions))
    if f.languages:
        parts.append("in " + " or ".join(language_name(code) for code in f.languages))
    if f.accessibility:
        parts.append("with " + " and ".join(_in_sentence(accessibility_label(a)) for a in f.accessibility))
    if f.observance:
        observance = config.observance(f.observance)
        parts.append("for " + (observance.name if observance else f.observance))
    if f.q:
        parts.append(f'matching "{f.q}"')
    if f.start or f.end:
        parts.append(f"from {f.start or '…'} to {f.end or '…'}")
    return " ".join(parts)


# --- single values ----------------------------------------------------------------------------


def day_text(day: date, *, weekday: bool = False, year: bool = True) -> str:
    """'January 19, 2027' (or 'Tuesday, January 19, 2027')."""
    text = f"{MONTHS[day.month - 1]} {day.day}"
    if year:
        text += f", {day.year}"
    return f"{WEEKDAYS[day.weekday()]}, {text}" if weekday else text


def month_text(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def clock_text(moment: time | datetime, *, suffix: bool = True) -> str:
    """'2 p.m.', '2:30 p.m.', 'noon', 'midnight' (AP style)."""
    if moment.minute == 0 and moment.hour == 12:
        return "noon"
    if moment.minute == 0 and moment.hour == 0:
        return "midnight"
    hour = moment.hour % 12 or 12
    text = f"{hour}:{moment.minute:02d}" if moment.minute else str(hour)
    if suffix:
        text += " a.m." if moment.hour < 12 else " p.m."
    return text


def clock_range_text(start: datetime, end: datetime) -> str:
    """'1 - 2 p.m.' when both are in the same half of the day, else '11 a.m. - 12:30 p.m.'."""
    same_half = (start.hour < 12) == (end.hour < 12)
    plain = clock_text(start) not in ("noon", "midnight") and clock_text(end) not in ("noon", "midnight")
    if same_half and plain:
        return f"{clock_text(start, suffix=False)} - {clock_text(end)}"
    return f"{clock_text(start)} - {clock_text(end)}"


def zone_abbreviation(moment: datetime, zone: ZoneInfo) -> str:
    """'ET' for New York in any season; the zone's own abbreviation, or 'UTC+4', elsewhere."""
    name = moment.astimezone(zone).tzname() or zone.key
    if zone.key.startswith(_US_ZONE_PREFIXES) and name in _US_GENERIC:
        return _US_GENERIC[name]
    if name[:1] in "+-":
        hours, _, minutes = name[1:].partition(":") if ":" in name else (name[1:3], "", name[3:])
        return f"UTC{name[0]}{int(hours)}" + (f":{minutes}" if minutes and minutes != "00" else "")
    return name


def zone_name(moment: datetime, zone: ZoneInfo) -> str:
    """'Eastern Time (America/New_York)': the abbreviation spelled out, with the IANA name."""
    generic = _GENERIC_NAMES.get(zone_abbreviation(moment, zone))
    return f"{generic} ({zone.key})" if generic else zone.key


def iso_value(value: When) -> str:
    """What `<time datetime>` and JSON-LD take: a date, or a date-time with its UTC offset."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return value.isoformat()


# --- ranges -----------------------------------------------------------------------------------


def last_day(start: When, end: When) -> date:
    """The last calendar day an occurrence touches (an end at midnight belongs to the day before)."""
    if isinstance(end, datetime):
        return (end - timedelta(microseconds=1)).date() if end > start else end.date()
    return end


def is_multi_day(start: When, end: When) -> bool:
    """More than one calendar day; a timed event that only runs past midnight counts as one."""
    first = start.date() if isinstance(start, datetime) else start
    if isinstance(start, datetime) and isinstance(end, datetime) and end - start < timedelta(hours=24):
        return False
    return last_day(start, end) > first


def date_range_parts(first: date, last: date, *, weekday: bool = False) -> list[Part]:
    """'February 22 - 24, 2027', 'February 27 - March 1, 2027', 'December 30, 2026 - January 2, 2027'."""
    if first == last:
        return [Part(day_text(first, weekday=weekday), first.isoformat())]
    if first.year != last.year:
        opening = day_text(first, weekday=weekday)
    else:
        opening = day_text(first, weekday=weekday, year=False)
    if first.year == last.year and first.month == last.month and not weekday:
        closing = f"{last.day}, {last.year}"
    else:
        closing = day_text(last, weekday=weekday)
    return [Part(opening, first.isoformat()), Part(" - "), Part(closing, last.isoformat())]


def listing_when(event: Event, start: When, end: When) -> list[Part]:
    """The date (and, for a timed one-day event, the start time) of a listing entry.

    'January 19, 2027 | 2 p.m. ET' or 'February 27 - March 1, 2027'.
    """
    first = start.date() if isinstance(start, datetime) else start
    if is_multi_day(start, end):
        return date_range_parts(first, last_day(start, end))
    parts = [Part(day_text(first), first.isoformat())]
    if isinstance(start, datetime):
        parts += [
            Part(SEPARATOR),
            Part(f"{clock_text(start)} {zone_abbreviation(start, event.zone)}", iso_value(start)),
        ]
    return parts


def full_when(event: Event, start: When, end: When) -> list[Part]:
    """The event page's when: 'Tuesday, January 19, 2027, 2 - 3:30 p.m. ET' ('..., 2 p.m. ET' for a moment)."""
    first = start.date() if isinstance(start, datetime) else start
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return date_range_parts(first, last_day(start, end), weekday=True)
    zone = " " + zone_abbreviation(start, event.zone)
    if end == start:  # a moment (a deadline): its time, not a range
        return [
            Part(day_text(first, weekday=True), first.isoformat()),
            Part(", "),
            Part(clock_text(start) + zone, iso_value(start)),
        ]
    if is_multi_day(start, end):
        return [
            Part(f"{day_text(first, weekday=True)}, {clock_text(start)}", iso_value(start)),
            Part(" - "),
            Part(f"{day_text(end.date(), weekday=True)}, {clock_text(end)}{zone}", iso_value(end)),
        ]
    return [
        Part(day_text(first, weekday=True), first.isoformat()),
        Part(", "),
        Part(clock_text(start, suffix=_start_needs_suffix(start, end)), iso_value(start)),
        Part(" - "),
        Part(clock_text(end) + zone, iso_value(end)),
    ]


def _start_needs_suffix(start: datetime, end: datetime) -> bool:
    return clock_range_text(start, end).split(" - ")[0] == clock_text(start)


# --- places -----------------------------------------------------------------------------------


def place_text(event: Event) -> str:
    """'Columbia, SC', 'Online', 'Online and Chicago, IL', or '' for an observance without a place."""
    place = event.location.place() if event.location else ""
    if event.online is not None:
        return f"Online and {place}" if place else "Online"
    return place


def listing_line(event: Event, start: When, end: When) -> list[Part]:
    """The whole second line of a listing entry: when, then where."""
    parts = listing_when(event, start, end)
    place = place_text(event)
    return parts + [Part(SEPARATOR), Part(place)] if place else parts
