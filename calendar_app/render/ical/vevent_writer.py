"""One event's VEVENTs written straight as content lines: the bytes `vevent.build_vevent(...)
.to_ical()` makes, without building icalendar objects.

Profiled, icalendar spent more than half of a VEVENT's time folding lines (it encodes one
character at a time to count octets) and a fifth building property objects. Here each property
is one string made from the values `values` derives for both writers, encoded once, and
folded by slicing its bytes. Each value is written as icalendar 7 writes it (the version is
part of the feed cache's key), which `tests/test_vevent_writer.py` checks byte for byte on the
sample site, every valid test file and generated events:

- Lines in `build_vevent`'s order, each ended by CRLF, folded by `fold`.
- TEXT as `vevent.Text` escapes it (line breaks to ``\\n``, controls dropped, then ``\\``, ``;``
  and ``,`` escaped), with ``replace`` in place of ``str.translate``, the patterns run only on
  text that holds a character they change, and plain ASCII escaped and folded on its bytes:
  the same text, faster.
- A value whose first character is U+FEFF loses it: icalendar decodes each value it has
  just encoded as UTF-8-SIG, which reads a leading U+FEFF as a byte-order mark.
- DATE as ``;VALUE=DATE:20270104``; DATE-TIME with icalendar's TZID for its zone, or ``Z``
  and no TZID in UTC; RDATE and EXDATE joined by commas, with the TZID of the last value
  in a zone other than UTC, as icalendar's date lists take it.
- Parameters (TZID, VALUE, LANGUAGE, CN) by icalendar's own `Parameters.to_ical`, kept per
  value: a site has a few zones, languages and organizers. RRULE by icalendar's `vRecur`, kept
  per rule and UNTIL, unless every part is already as `vRecur` writes it (`rrule_value`).
- Lines of places, organizers, tags and categories kept by their values, which recur.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Protocol

from icalendar import Parameters, vInt, vRecur
from icalendar.timezone.tzid import tzid_from_dt, tzid_from_tzinfo

from ...core.config import SiteConfig
from ...core.fields import Status
from ...core.model import Event
from ...core.series import OccurrenceChange
from ...core.when import When
from ..urls import SiteUrls
from .values import (
    CONTROLS,
    STATUS_WORDS,
    TITLE_PREFIX,
    as_dtstart,
    category_names,
    description_parts,
    description_text,
    location_line,
    published_sequence,
    recurrence_until,
    rule_text,
    rule_with_until,
)

LINE_OCTETS = 74  # icalendar folds before a character that would make a line 75 octets long
_FOLD = b"\r\n "
_ESCAPE_STARTS = b"\\^"  # a TEXT or RFC 6868 escape is never split from the character it escapes
_BEGIN = b"BEGIN:VEVENT"
_END = b"END:VEVENT"
_STATUS_LINES = {status: f"STATUS:{word}".encode() for status, word in STATUS_WORDS.items()}
_TRANSPARENT = b"TRANSP:TRANSPARENT"
_SEQUENCE_RANGE = range(vInt.min, vInt.max + 1)
# An ASCII line's pieces: 74 octets when more follow, 73 when the 74th is an escape (it moves on
# with what it escapes), and the rest once no more than 74 are left.
_ASCII_PIECES = re.compile(rb"(?s).{73}[^\\^](?=.)|.{73}(?=[\\^].)|.+")
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n"  # ASCII that TEXT holds as it is (before escaping)
# Rule parts `vRecur` writes back as they are, by name; in the order it writes them.
_INTEGERS = re.compile(r"(?:0|-?[1-9][0-9]{0,8})(?:,(?:0|-?[1-9][0-9]{0,8}))*\Z")
_WEEKDAY = r"[+-]?[0-9]{0,2}(?:MO|TU|WE|TH|FR|SA|SU)"
_RULE_VALUES = {
    "FREQ": re.compile(r"(?:SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY)\Z"),
    "BYDAY": re.compile(rf"{_WEEKDAY}(?:,{_WEEKDAY})*\Z"),
    "WKST": re.compile(r"(?:MO|TU|WE|TH|FR|SA|SU)\Z"),
    "BYMONTH": re.compile(r"(?:[1-9]|1[0-2])(?:,(?:[1-9]|1[0-2]))*\Z"),
    **dict.fromkeys(
        ["COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS"],
        _INTEGERS,
    ),
}
_RULE_ORDER = {name: i for i, name in enumerate(vRecur.canonical_order)}
# `values.LINE_BREAKS` but CRLF, which is replaced first: the same text, without the alternation's cost.
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def write_vevents(event: Event, config: SiteConfig) -> bytes:
    """Every VEVENT of `event` as a feed holds them: the event, then one per changed occurrence."""
    shared = _Shared(event, config)
    lines = shared.vevent(None)
    for change in event.changes:
        lines += shared.vevent(change)
    return b"\r\n".join(lines) + b"\r\n"


def clear_caches() -> None:
    """Forget what the writer keeps from one event to the next (parameters, rules, zone ids, lines
    of places, organizers and tags): a start from nothing, for measuring one."""
    for kept in (_parameter, rrule_value, _text_line, _categories_line, _organizer_line):
        kept.cache_clear()
    _TZIDS.clear()


class _Shared:
    """What all the VEVENTs of one event share: the lines alike in each, and the description's parts."""

    __slots__ = ("config", "event", "head", "language", "middle", "parts", "stamps", "tail")

    def __init__(self, event: Event, config: SiteConfig) -> None:
        f = event.fields
        self.event = event
        self.config = config
        self.language = _parameter("LANGUAGE", event.language) if event.language != config.language else ""
        sequence = published_sequence(event)
        if sequence not in _SEQUENCE_RANGE:
            raise ValueError(f"Integer {sequence} is outside the RFC 5545 range [{vInt.min}, {vInt.max}]")
        self.head = [_BEGIN, _text_property("UID", "", event.uid)]
        # ASCII and at most 30 octets: never folded.
        stamp = f"{_datetime(event.last_modified.astimezone(UTC))}Z".encode()
        self.stamps = [b"DTSTAMP:" + stamp, b"LAST-MODIFIED:" + stamp, b"SEQUENCE:%d" % sequence]
        place = location_line(event)
        url = _one_line("URI", SiteUrls(config.base_url).permalink(event.slug))
        organizer = f.organizer
        if organizer is not None and organizer.email:
            name, address = organizer.name or organizer.email, organizer.email
        else:
            name, address = config.publisher_name, config.publisher_email
        self.middle = [
            *([_text_line("LOCATION", self.language, place)] if place else []),
            _line("URL", "", url),
            _categories_line(event.type, tuple(f.topics)),
            _organizer_line(name, address),
        ]
        lists = (("SPONSORS", f.sponsors), ("AUDIENCE", f.audience), ("ACCESSIBILITY", f.accessibility))
        self.tail = [_text_line(f"X-CALENDAR-{label}", "", value) for label, values in lists for value in values]
        self.tail.append(_END)
        self.parts = description_parts(event, config)

    def vevent(self, change: OccurrenceChange | None) -> list[bytes]:
        """The lines of the event's VEVENT, or of the occurrence `change` changes (`vevent.build_vevent`)."""
        event, f = self.event, self.event.fields
        status = (change.status if change is not None else None) or event.status
        lines = list(self.head)
        if change is not None:
            lines.append(_when_line("RECURRENCE-ID", as_dtstart(change.occurrence)))
        lines += self.stamps
        title = (change.title if change is not None else None) or event.title
        lines.append(_text_property("SUMMARY", self.language, TITLE_PREFIX.get(status, "") + title))
        start, end = (change.start, change.end) if change is not None else (event.start, event.end)
        lines.append(_when_line("DTSTART", as_dtstart(start)))
        lines.append(_when_line("DTEND", end + timedelta(days=1) if event.all_day else as_dtstart(end)))
        if change is None and event.rule is not None and f.repeat:
            lines.append(_line("RRULE", "", rrule_value(f.repeat, recurrence_until(event))))
            if event.extra:
                lines.append(_when_list_line("RDATE", [as_dtstart(d) for d in event.extra]))
        if change is None and event.exdates:
            lines.append(_when_list_line("EXDATE", [as_dtstart(d) for d in event.exdates]))
        lines.append(_STATUS_LINES[status])
        if status is Status.CANCELLED or event.type == "observance":
            lines.append(_TRANSPARENT)
        lines += self.middle
        note = (change.status_note if change is not None and change.status is not None else None) or (
            f.status_note if status is event.status else None
        )
        description = description_text(event, self.config, status, note, self.parts)
        lines.append(_text_property("DESCRIPTION", self.language, description))
        lines += self.tail
        return lines


# ---------------------------------------------------------------------------------------------
# Content lines


def fold(line: str) -> bytes:
    """`line` in UTF-8, folded as icalendar folds it: no line longer than 74 octets, each
    continuation after CRLF and a space, never inside a character (a character is a code point:
    a combining mark may start the next line), and never just after a backslash or a caret,
    which moves to the next line with the character it escapes."""
    if "\n" in line:
        raise ValueError(f"Content line can not contain unescaped new line characters: {line!r}")
    data = line.encode()
    size = len(data)
    if size <= LINE_OCTETS:
        return data
    if line.isascii():  # a character an octet: cut by one pattern, in C
        return _FOLD.join(_ASCII_PIECES.findall(data))
    # A piece is at least 71 octets (74, less a character of up to four), so a backslash or caret
    # at its end always leaves it more than that character, as icalendar requires to move it.
    pieces = []
    start = 0
    while size - start > LINE_OCTETS:
        cut = start + LINE_OCTETS
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: cut before its character instead
            cut -= 1
        if data[cut - 1] in _ESCAPE_STARTS:
            cut -= 1
        pieces.append(data[start:cut])
        start = cut
    pieces.append(data[start:])
    return _FOLD.join(pieces)


def _line(name: str, parameters: str, value: str) -> bytes:
    """One property's content line, folded; `parameters` as `_parameter` writes them."""
    if value[:1] == "\ufeff":
        value = value[1:]
    return fold(f"{name}{parameters}:{value}")


def _text_property(name: str, parameters: str, value: str) -> bytes:
    """A TEXT property's line: `_line` of the `_text` of `value` (`_ascii_text_line` when it can)."""
    line = _ascii_text_line(f"{name}{parameters}:", value)
    return _line(name, parameters, _text(value)) if line is None else line


def _ascii_text_line(head: str, value: str, *, commas: bool = True) -> bytes | None:
    """`head` then the TEXT `value`, escaped and folded on their bytes, when both are plain ASCII
    (the usual text: no control character but tab and LF), else None. With `commas=False` commas
    stay as they are (the separators of CATEGORIES, whose names hold none)."""
    if not (value.isascii() and head.isascii()):
        return None
    data = value.encode()
    if data.translate(None, _PLAIN_ASCII):
        return None
    data = data.replace(b"\\", b"\\\\").replace(b";", b"\\;")
    if commas:
        data = data.replace(b",", b"\\,")
    data = head.encode() + data.replace(b"\n", b"\\n")
    return data if len(data) <= LINE_OCTETS else _FOLD.join(_ASCII_PIECES.findall(data))


# Lines kept by their values: places, organizers, tags and topics recur from event to event.

_text_line = lru_cache(maxsize=4096)(_text_property)


@lru_cache(maxsize=4096)
def _categories_line(kind: str, topics: tuple[str, ...]) -> bytes:
    names = category_names(kind, topics)  # none holds a comma: the commas joining them stay as they are
    line = _ascii_text_line("CATEGORIES:", ",".join(names), commas=False)
    return _line("CATEGORIES", "", ",".join(_text(c) for c in names)) if line is None else line


@lru_cache(maxsize=1024)
def _organizer_line(name: str, address: str) -> bytes:
    return _line("ORGANIZER", _parameter("CN", name), _one_line("CAL-ADDRESS", f"mailto:{address}"))


def _one_line(kind: str, value: str) -> str:
    """A URI or CAL-ADDRESS, refused with a line break in it as icalendar refuses it."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"A {kind} value may not contain CR or LF characters: {value!r}")
    return value


@lru_cache(maxsize=1024)
def _parameter(name: str, value: str) -> str:
    """``;NAME=value`` quoted and escaped by icalendar itself, or '' when it writes nothing (TZID=UTC)."""
    written = Parameters({name: value}).to_ical(sorted=False).decode()
    return f";{written}" if written else ""


def _text(value: str) -> str:
    """A TEXT value escaped as `vevent.Text` escapes it.

    Most text has no character that `values.LINE_BREAKS` or `values.CONTROLS` would change but
    LF (which stays LF), and `isprintable` tells so faster than either pattern looks: every
    character they match is a control or a line or paragraph separator, none of them printable."""
    if not (_plain_ascii(value) if value.isascii() else value.replace("\n", "").isprintable()):
        # CRLF first, then the other breaks one character at a time: what LINE_BREAKS does.
        value = CONTROLS.sub("", _OTHER_BREAKS.sub("\n", value.replace("\r\n", "\n")))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _plain_ascii(value: str) -> bool:
    """Whether the ASCII `value` holds only printable characters, tabs and LFs (`isprintable`'s
    answer for ASCII, with tab and LF allowed, from one pass over its bytes)."""
    return not value.encode("ascii").translate(None, _PLAIN_ASCII)


class _Written(Protocol):
    def to_ical(self) -> bytes: ...


@lru_cache(maxsize=1024)
def rrule_value(repeat: str, until: date | datetime | None) -> str:
    """RRULE's value as icalendar's `vRecur` writes it: its parts in RFC 5545's order, each value
    as icalendar writes its type. A rule without UNTIL whose every part is already in that form
    (as the site's own rules are) is only put in order here; any other goes through `vRecur`,
    which takes a tenth of a millisecond or more."""
    if until is None:
        ordered = _ordered_rule(rule_text(repeat))
        if ordered is not None:
            return ordered
    rule: _Written = rule_with_until(repeat, until)
    return rule.to_ical().decode()


def _ordered_rule(text: str) -> str | None:
    """`text` with its parts in `vRecur`'s order, or None unless each part is one `vRecur` writes
    back unchanged: a known name in capitals, once, and a value in its written form (integers
    without a sign or a leading zero but for "-", weekdays and frequencies in capitals)."""
    parts: dict[str, str] = {}
    for part in text.split(";"):
        name, _, value = part.partition("=")
        form = _RULE_VALUES.get(name)
        if form is None or name in parts or not form.match(value):
            return None
        parts[name] = part
    return ";".join(parts[name] for name in sorted(parts, key=_RULE_ORDER.__getitem__))


# ---------------------------------------------------------------------------------------------
# Dates and times


def _when_line(name: str, value: When) -> bytes:
    """DTSTART, DTEND or RECURRENCE-ID: a DATE, or a DATE-TIME with its zone's TZID or in UTC."""
    if isinstance(value, datetime):
        tzid = _tzid(value)
        if tzid == "UTC":
            return _line(name, "", _datetime(value) + "Z")
        return _line(name, _parameter("TZID", tzid) if tzid else "", _datetime(value))
    return _line(name, _parameter("VALUE", "DATE"), _date(value))


def _when_list_line(name: str, values: list[When]) -> bytes:
    """RDATE or EXDATE: VALUE=DATE when every value is a date, else the TZID of the last one in a
    zone other than UTC (icalendar's lists hold one TZID), each value in UTC ending in Z."""
    if not any(isinstance(v, datetime) for v in values):
        return _line(name, _parameter("VALUE", "DATE"), ",".join(_date(v) for v in values))
    written = []
    last_tzid: str | None = None
    for value in values:
        if not isinstance(value, datetime):
            written.append(_date(value))
            continue
        tzid = _tzid(value)
        if tzid == "UTC":
            written.append(_datetime(value) + "Z")
        else:
            written.append(_datetime(value))
            last_tzid = tzid or last_tzid
    return _line(name, _parameter("TZID", last_tzid) if last_tzid else "", ",".join(written))


_TWO_DIGITS = [f"{n:02}" for n in range(100)]  # looked up: three times faster than formatting each


def _date(day: date) -> str:
    return f"{day.year:04}{_TWO_DIGITS[day.month]}{_TWO_DIGITS[day.day]}"


def _datetime(moment: datetime) -> str:
    two = _TWO_DIGITS
    return (
        f"{moment.year:04}{two[moment.month]}{two[moment.day]}"
        f"T{two[moment.hour]}{two[moment.minute]}{two[moment.second]}"
    )


_TZIDS: dict[tzinfo, str] = {}


def _tzid(moment: datetime) -> str | None:
    """icalendar's TZID for `moment`'s zone ('UTC' for UTC and the zones it counts as UTC), kept per zone."""
    zone = moment.tzinfo
    if zone is None:
        return None
    found = _TZIDS.get(zone)
    if found is None:
        found = tzid_from_tzinfo(zone)
        if found is None:
            return tzid_from_dt(moment)  # a zone icalendar has no id for: its name at that moment
        _TZIDS[zone] = found
    return found
