"""Dates, times and places as a person writes them: "January 19, 2027 | 2 p.m. ET", and in
Spanish "19 de enero de 2027 | 2 p. m. ET".

Every phrase is a list of `Part`s: plain text, or text with the machine-readable value that
pages put in `<time datetime>`. English month and weekday names are spelled here rather than
taken from the C library's locale, so the pages read the same on every server; another language
(`lang`) takes its dates and times from Babel's data for its locale (`language.BABEL_LOCALES`),
and its words from its catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time

from ..core.config import SiteConfig
from ..core.filters import Filters
from ..core.model import Event
from ..core.when import When
from .language import BABEL_LOCALES, DEFAULT_LANGUAGE, N_, words

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
    "ET": N_("Eastern Time"), "CT": N_("Central Time"), "MT": N_("Mountain Time"), "PT": N_("Pacific Time"),
    "AKT": N_("Alaska Time"), "HT": N_("Hawaii-Aleutian Time"), "AT": N_("Atlantic Time"),
    "ChT": N_("Chamorro Time"), "ST": N_("Samoa Time"),
}
_US_ZONE_PREFIXES = ("America/", "US/", "Pacific/Honolulu", "Pacific/Guam", "Pacific/Pago_Pago")

LANGUAGE_NAMES = {
    "en": N_("English"), "es": N_("Spanish (español)"), "fr": N_("French (français)"),
    "pt": N_("Portuguese (português)"), "zh": N_("Chinese (中文)"), "vi": N_("Vietnamese (Tiếng Việt)"),
    "ko": N_("Korean (한국어)"), "tl": N_("Tagalog"), "ar": N_("Arabic (العربية)"), "ru": N_("Russian (русский)"),
    "ht": N_("Haitian Creole (kreyòl ayisyen)"), "asl": N_("American Sign Language"), "nv": N_("Navajo (Diné bizaad)"),
}
ACCESSIBILITY_LABELS = {
    "captions": N_("Captions"),
    "asl": N_("ASL interpretation"),
    "interpretation": N_("Language interpretation"),
    "transcript": N_("Transcript"),
    "wheelchair": N_("Wheelchair accessible"),
}
# The default types (`core.config.DEFAULT_TYPES`) as a label and as a sentence counts them, for the
# catalogs; a type a site adds reads as written.
TYPE_WORDS = {
    "webinar": (N_("Webinar"), N_("webinars")),
    "seminar": (N_("Seminar"), N_("seminars")),
    "training": (N_("Training"), N_("trainings")),
    "conference": (N_("Conference"), N_("conferences")),
    "workshop": (N_("Workshop"), N_("workshops")),
    "meeting": (N_("Meeting"), N_("meetings")),
    "observance": (N_("Observance"), N_("observances")),
}


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a phrase; `value` is what goes in `<time datetime>` when the piece is a time."""

    text: str
    value: str | None = None


def text_of(parts: list[Part]) -> str:
    return "".join(p.text for p in parts)


def _translated(text: str, lang: str) -> str:
    """`text` in `lang` when its catalog has it, else as written ("" stays "": the catalog's header has that key)."""
    return words(lang).gettext(text) if text and lang != DEFAULT_LANGUAGE else text


def language_name(code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """An event's language as `lang` names it: 'Spanish (español)', in Spanish 'español'."""
    return _translated(LANGUAGE_NAMES.get(code, LANGUAGE_NAMES.get(code.split("-")[0], code)), lang)


def accessibility_label(feature: str, lang: str = DEFAULT_LANGUAGE) -> str:
    known = ACCESSIBILITY_LABELS.get(feature)
    return _translated(known, lang) if known else feature.replace("-", " ").capitalize()


def type_label(kind: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """An event type as a label: 'Webinar', in Spanish 'Seminario web'."""
    return _translated(kind.capitalize(), lang)


def type_plural(kind: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Events of a type as a sentence counts them: 'webinars', in Spanish 'seminarios web'."""
    return _translated(kind if kind.endswith("s") else kind + "s", lang)


def _in_sentence(label: str) -> str:
    """A label as it reads mid-sentence: "Captions" -> "captions", "ASL interpretation" kept."""
    first = label.split(" ", 1)[0]
    return label if first.isupper() else label[:1].lower() + label[1:]


def filters_text(f: Filters, config: SiteConfig, lang: str = DEFAULT_LANGUAGE) -> str:
    """Filters in words, with the labels the form shows: 'online webinars for law enforcement in SC',
    'events in person with ASL interpretation' (in Spanish 'seminarios web en línea para law
    enforcement en SC': the site's tags read as written). A filtered feed is named with them."""
    _ = words(lang).gettext
    both, either = " " + _("and") + " ", " " + _("or") + " "
    kinds = both.join(type_plural(t, lang) for t in f.types) or _("events")
    if f.online is True:
        kinds = _("online %(kinds)s") % {"kinds": kinds}
    if f.free:
        kinds = _("free %(kinds)s") % {"kinds": kinds}
    parts = [kinds]
    if f.online is False:
        parts.append(_("in person"))
    if f.topics:
        parts.append(_("on %(topics)s") % {"topics": ", ".join(f.topics)})
    if f.audience:
        parts.append(_("for %(audience)s") % {"audience": ", ".join(f.audience)})
    if f.sponsors:
        parts.append(_("by %(sponsors)s") % {"sponsors": ", ".join(f.sponsors)})
    if f.regions:
        parts.append(_("in %(regions)s") % {"regions": ", ".join(f.regions)})
    if f.languages:
        named = either.join(language_name(code, lang) for code in f.languages)
        parts.append(_("in %(languages)s") % {"languages": named})
    if f.accessibility:
        features = both.join(_in_sentence(accessibility_label(a, lang)) for a in f.accessibility)
        parts.append(_("with %(features)s") % {"features": features})
    if f.observance:
        observance = config.observance(f.observance)
        name = config.translated(observance.name, lang) if observance else f.observance
        parts.append(_("for %(observance)s") % {"observance": name})
    if f.q:
        parts.append(_('matching "%(search)s"') % {"search": f.q})
    if f.start or f.end:
        parts.append(_("from %(start)s to %(end)s") % {"start": f.start or "…", "end": f.end or "…"})
    return " ".join(parts)


# --- single values ----------------------------------------------------------------------------


def _locale(lang: str) -> str:
    return BABEL_LOCALES[lang]


def day_text(day: date, *, weekday: bool = False, year: bool = True, lang: str = DEFAULT_LANGUAGE) -> str:
    """'January 19, 2027' (or 'Tuesday, January 19, 2027'); in Spanish '19 de enero de 2027'
    ('martes, 19 de enero de 2027')."""
    if lang != DEFAULT_LANGUAGE:
        locale = _locale(lang)
        if year:
            return format_date(day, "full" if weekday else "long", locale=locale)
        text = format_skeleton("MMMMd", day, locale=locale)
        return f"{format_date(day, 'EEEE', locale=locale)}, {text}" if weekday else text
    text = f"{MONTHS[day.month - 1]} {day.day}"
    if year:
        text += f", {day.year}"
    return f"{WEEKDAYS[day.weekday()]}, {text}" if weekday else text


def month_text(day: date, lang: str = DEFAULT_LANGUAGE) -> str:
    """'January 2027'; in Spanish 'Enero de 2027' (a heading, so with a capital)."""
    if lang != DEFAULT_LANGUAGE:
        text = format_skeleton("yMMMM", day, locale=_locale(lang))
        return text[:1].upper() + text[1:]
    return f"{MONTHS[day.month - 1]} {day.year}"


def _noon_or_midnight(moment: time | datetime) -> bool:
    return moment.minute == 0 and moment.hour in (0, 12)


def clock_text(moment: time | datetime, *, suffix: bool = True, lang: str = DEFAULT_LANGUAGE) -> str:
    """'2 p.m.', '2:30 p.m.', 'noon', 'midnight' (AP style); in Spanish '2 p. m.', '2:30 p. m.',
    '12 del mediodía', 'medianoche'."""
    if lang != DEFAULT_LANGUAGE:
        if _noon_or_midnight(moment):
            _ = words(lang).gettext
            return _("noon") if moment.hour == 12 else _("midnight")
        # A no-break space keeps "2 p. m." on one line, as the locale's own "p.\u202fm." does.
        pattern = ("h:mm" if moment.minute else "h") + ("\u00a0a" if suffix else "")
        return format_time(time(moment.hour, moment.minute), pattern, locale=_locale(lang))
    if moment.minute == 0 and moment.hour == 12:
        return "noon"
    if moment.minute == 0 and moment.hour == 0:
        return "midnight"
    hour = moment.hour % 12 or 12
    text = f"{hour}:{moment.minute:02d}" if moment.minute else str(hour)
    if suffix:
        text += " a.m." if moment.hour < 12 else " p.m."
    return text


def _start_needs_suffix(start: datetime, end: datetime) -> bool:
    """Whether a range writes its start's a.m. or p.m.: not when both are in the same half of the
    day and neither is noon or midnight ('1 - 2 p.m.')."""
    same_half = (start.hour < 12) == (end.hour < 12)
    return not (same_half and not _noon_or_midnight(start) and not _noon_or_midnight(end))


def clock_range_text(start: datetime, end: datetime, lang: str = DEFAULT_LANGUAGE) -> str:
    """'1 - 2 p.m.' when both are in the same half of the day, else '11 a.m. - 12:30 p.m.'."""
    opening = clock_text(start, suffix=_start_needs_suffix(start, end), lang=lang)
    return f"{opening} - {clock_text(end, lang=lang)}"


def zone_abbreviation(moment: datetime, zone: ZoneInfo) -> str:
    """'ET' for New York in any season; the zone's own abbreviation, or 'UTC+4', elsewhere."""
    name = moment.astimezone(zone).tzname() or zone.key
    if zone.key.startswith(_US_ZONE_PREFIXES) and name in _US_GENERIC:
        return _US_GENERIC[name]
    if name[:1] in "+-":
        hours, _, minutes = name[1:].partition(":") if ":" in name else (name[1:3], "", name[3:])
        return f"UTC{name[0]}{int(hours)}" + (f":{minutes}" if minutes and minutes != "00" else "")
    return name


def moment_text(moment: datetime, zone: ZoneInfo) -> str:
    """'January 15, 2027, 2:05 p.m. ET': an instant (a sync, a suggestion received) in the site's zone."""
    local = moment.astimezone(zone)
    return f"{day_text(local.date())}, {clock_text(local)} {zone_abbreviation(local, zone)}"


def zone_name(moment: datetime, zone: ZoneInfo, lang: str = DEFAULT_LANGUAGE) -> str:
    """'Eastern Time (America/New_York)': the abbreviation spelled out, with the IANA name; in
    Spanish 'hora del Este (America/New_York)'."""
    generic = _GENERIC_NAMES.get(zone_abbreviation(moment, zone))
    return f"{_translated(generic, lang)} ({zone.key})" if generic else zone.key


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


def date_range_parts(first: date, last: date, *, weekday: bool = False, lang: str = DEFAULT_LANGUAGE) -> list[Part]:
    """'February 22 - 24, 2027', 'February 27 - March 1, 2027', 'December 30, 2026 - January 2, 2027';
    in Spanish '22 - 24 de febrero de 2027', '27 de febrero - 1 de marzo de 2027'."""
    if first == last:
        return [Part(day_text(first, weekday=weekday, lang=lang), first.isoformat())]
    same_year, same_month = first.year == last.year, (first.year, first.month) == (last.year, last.month)
    if lang != DEFAULT_LANGUAGE:  # the day and month go first, so the opening day stands alone
        if same_month and not weekday:
            opening = str(first.day)
        else:
            opening = day_text(first, weekday=weekday, year=not same_year, lang=lang)
        closing = day_text(last, weekday=weekday, lang=lang)
        return [Part(opening, first.isoformat()), Part(" - "), Part(closing, last.isoformat())]
    if first.year != last.year:
        opening = day_text(first, weekday=weekday)
    else:
        opening = day_text(first, weekday=weekday, year=False)
    if same_month and not weekday:
        closing = f"{last.day}, {last.year}"
    else:
        closing = day_text(last, weekday=weekday)
    return [Part(opening, first.isoformat()), Part(" - "), Part(closing, last.isoformat())]


def listing_when(event: Event, start: When, end: When, lang: str = DEFAULT_LANGUAGE) -> list[Part]:
    """The date (and, for a timed one-day event, the start time) of a listing entry.

    'January 19, 2027 | 2 p.m. ET' or 'February 27 - March 1, 2027'.
    """
    first = start.date() if isinstance(start, datetime) else start
    if is_multi_day(start, end):
        return date_range_parts(first, last_day(start, end), lang=lang)
    parts = [Part(day_text(first, lang=lang), first.isoformat())]
    if isinstance(start, datetime):
        parts += [
            Part(SEPARATOR),
            Part(f"{clock_text(start, lang=lang)} {zone_abbreviation(start, event.zone)}", iso_value(start)),
        ]
    return parts


def full_when(event: Event, start: When, end: When, lang: str = DEFAULT_LANGUAGE) -> list[Part]:
    """The event page's when: 'Tuesday, January 19, 2027, 2 - 3:30 p.m. ET' ('..., 2 p.m. ET' for a moment)."""
    first = start.date() if isinstance(start, datetime) else start
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return date_range_parts(first, last_day(start, end), weekday=True, lang=lang)
    zone = " " + zone_abbreviation(start, event.zone)
    if end == start:  # a moment (a deadline): its time, not a range
        return [
            Part(day_text(first, weekday=True, lang=lang), first.isoformat()),
            Part(", "),
            Part(clock_text(start, lang=lang) + zone, iso_value(start)),
        ]
    if is_multi_day(start, end):
        opening = f"{day_text(first, weekday=True, lang=lang)}, {clock_text(start, lang=lang)}"
        closing = f"{day_text(end.date(), weekday=True, lang=lang)}, {clock_text(end, lang=lang)}{zone}"
        return [Part(opening, iso_value(start)), Part(" - "), Part(closing, iso_value(end))]
    return [
        Part(day_text(first, weekday=True, lang=lang), first.isoformat()),
        Part(", "),
        Part(clock_text(start, suffix=_start_needs_suffix(start, end), lang=lang), iso_value(start)),
        Part(" - "),
        Part(clock_text(end, lang=lang) + zone, iso_value(end)),
    ]


# --- places -----------------------------------------------------------------------------------


def place_text(event: Event, lang: str = DEFAULT_LANGUAGE) -> str:
    """'Columbia, SC', 'Online', 'Online and Chicago, IL', or '' for an observance without a place."""
    place = event.location.place() if event.location else ""
    if event.online is not None:
        _ = words(lang).gettext
        return _("Online and %(place)s") % {"place": place} if place else _("Online")
    return place


def listing_line(event: Event, start: When, end: When, lang: str = DEFAULT_LANGUAGE) -> list[Part]:
    """The whole second line of a listing entry: when, then where."""
    parts = listing_when(event, start, end, lang)
    place = place_text(event, lang)
    return parts + [Part(SEPARATOR), Part(place)] if place else parts
