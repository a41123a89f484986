"""Hypothesis strategies that write event files, valid and broken.

`event_texts()` draws whole files: a front matter from random field sets (known fields with
plausible or hostile values, misspelt and unknown keys), Unicode of every plane, YAML escapes
(lone surrogates, NUL, the Unicode line separators), extreme and DST-edge dates, RRULEs of
every frequency, very long fields; and a body. Some draws are well-formed events, most are
not: the properties under test must hold for both.

`valid_events()` draws files that must validate: every field, with text as hostile as the
rules allow (markup, iCalendar syntax, right-to-left, astral planes, the longest lengths),
series of every frequency with COUNT, UNTIL, BYDAY, BYMONTHDAY and EXDATEs, and starts on
the days the clocks change.

`coordinator_forms()` draws what a coordinator types into the event form: every control, with
spaces around the text, YAML-significant words ("yes", "null", "1e3", "- x", "{a}"), Markdown
descriptions with CRLF line breaks, and now and then one value the editor must refuse.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from hypothesis import strategies as st

from calendar_app.desk.eventform import BODY

ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu", "UTC"]
TYPES = ["webinar", "seminar", "training", "conference", "workshop", "meeting", "observance"]

# Text from every plane, including right-to-left, combining marks, emoji and control characters.
hostile_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=60
) | st.sampled_from(
    [
        "שלום עולם",
        "e\u0301te\u0301",
        "🚨 alert 🚨",
        "line\nbreak",
        "nul\x00char",
        "tab\there",
        "\u2028sep",
        "a" * 500,
        "BEGIN:VEVENT",
        "x\r\nDTSTART:19700101",
        "<script>alert(1)</script>",
        "NO",
        "14:00",
        "~",
        "",
    ]
)

plain_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=40).map(str.strip).filter(bool)

extreme_dates = st.sampled_from(
    [date(1, 1, 1), date(9999, 12, 31), date(2028, 2, 29), date(2027, 3, 14), date(2027, 11, 7)]
) | st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))

local_times = st.sampled_from(["00:00", "01:30", "02:30", "09:00", "13:00", "23:59", "24:00", "7:5"])


@st.composite
def when_values(draw: st.DrawFn) -> str:
    day = draw(extreme_dates)
    kind = draw(st.sampled_from(["date", "datetime", "offset", "time", "junk"]))
    if kind == "date":
        return day.isoformat()
    if kind == "datetime":
        return f"{day.isoformat()} {draw(local_times)}"
    if kind == "offset":
        return f"{day.isoformat()}T{draw(local_times)}:00{draw(st.sampled_from(['Z', '+00:00', '-05:00', '+14:00']))}"
    if kind == "time":
        return draw(local_times)
    return draw(hostile_text)


@st.composite
def rrules(draw: st.DrawFn) -> str:
    parts = [f"FREQ={draw(st.sampled_from(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY', 'HOURLY', 'BOGUS']))}"]
    if draw(st.booleans()):
        parts.append(f"COUNT={draw(st.integers(min_value=0, max_value=2000))}")
    if draw(st.booleans()):
        until = draw(extreme_dates)
        parts.append(f"UNTIL={until:%Y%m%d}" + draw(st.sampled_from(["", "T235959Z"])))
    if draw(st.booleans()):
        parts.append("BYDAY=" + ",".join(draw(st.lists(st.sampled_from(["MO", "TU", "WE", "1TH", "-1FR", "XX"]), min_size=1, max_size=3))))
    if draw(st.booleans()):
        parts.append(f"BYMONTHDAY={draw(st.integers(min_value=-31, max_value=32))}")
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(min_value=0, max_value=5))}")
    return ";".join(parts)


# YAML escapes in double-quoted scalars reach characters a file cannot hold as they are: a lone
# surrogate (which libyaml refuses), NUL, the C1 next-line and the Unicode line and paragraph
# separators, escape, astral-plane emoji.
escaped_scalars = st.lists(
    st.sampled_from(
        [r"\ud800", r"\udc00\ud800", r"\x00", r"\0", r"\N", r"\L", r"\P", r"\e", r"\v", r"\f",
         r"\r\n", r"\x85", r"\u2028", r"\U0001F6A8", r"\_", "plain", "DTSTART:19700101", r"\\N"]
    ),
    min_size=1,
    max_size=4,
).map(lambda parts: '"' + "".join(parts) + '"')

# Around the documented limits (title 200, one-line fields 300, status_note 1000) and far past them.
long_scalars = st.sampled_from([199, 200, 201, 300, 301, 1000, 1001, 20_000]).map(lambda n: _scalar("\u00e9" * n))

# Descriptions with every way of breaking a line and trying to start a property.
hostile_bodies = st.lists(
    st.sampled_from(
        ["text", "\n", "\r\n", "\r", "\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x00", "\t",
         "END:VEVENT", "BEGIN:VEVENT", "ATTENDEE:mailto:x@example.org", "<script>alert(1)</script>",
         "[link](javascript:alert(1))", "\\N", ";,\\", "\U0001F6A8", "\u202eevil"]
    ),
    max_size=12,
).map("".join)


def _scalar(value: str) -> str:
    """A YAML scalar for `value`: JSON strings are valid YAML double-quoted scalars."""
    return json.dumps(value, ensure_ascii=False)


@st.composite
def event_texts(draw: st.DrawFn) -> str:
    """A whole event file (front matter and body), as a person or an attacker might write it."""
    lines: list[str] = []
    fields = {
        "title": st.one_of(plain_words.map(_scalar), hostile_text.map(_scalar), escaped_scalars, long_scalars),
        "type": st.sampled_from(TYPES + ["trainng", ""]).map(_scalar),
        "start": when_values().map(_scalar),
        "end": when_values().map(_scalar),
        "timezone": st.sampled_from(ZONES + ["Mars/Olympus", ""]).map(_scalar),
        "status": st.sampled_from(["scheduled", "tentative", "postponed", "cancelled", "maybe"]).map(_scalar),
        "url": st.sampled_from(["https://example.org/x", "javascript:alert(1)", "ftp://x", "http://"]).map(_scalar),
        "online": st.sampled_from(["true", "false", "{url: https://example.org/j, platform: Zoom}", "[1, 2]"]),
        "location": st.sampled_from(["{city: Columbia, region: SC}", "{country: NO}", "{town: x}", "7"]),
        "sponsors": st.lists(plain_words, max_size=3).map(json.dumps),
        "topics": st.lists(hostile_text, max_size=3).map(lambda v: json.dumps(v, ensure_ascii=False)),
        "status_note": st.one_of(escaped_scalars, long_scalars),
        "organizer": escaped_scalars.map(lambda v: "{name: " + v + ", email: x@example.org}"),
        "repeat": rrules().map(_scalar),
        "except": st.lists(when_values(), max_size=2).map(lambda v: json.dumps(v, ensure_ascii=False)),
        "sequence": st.sampled_from(["0", "3", "-1", "x", "99999999999"]),
        "featured": st.sampled_from(["true", "no", "maybe"]),
        "strat": st.just("2027-01-01"),
    }
    required = ["title", "type", "start"]
    chosen = [name for name in required if draw(st.integers(0, 9)) > 0]
    chosen += draw(st.lists(st.sampled_from(sorted(set(fields) - set(required))), unique=True, max_size=8))
    for name in chosen:
        lines.append(f"{name}: {draw(fields[name])}")
    if draw(st.integers(0, 19)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(hostile_text))  # a stray, unparseable line
    body = draw(st.one_of(st.just(""), hostile_text, plain_words, hostile_bodies))
    opening = draw(st.sampled_from(["---\n", "---\n", "---\n", "", "--\n", "\ufeff---\n"]))
    closing = draw(st.sampled_from(["---\n", "---\n", "...\n", ""]))
    return opening + "\n".join(lines) + "\n" + closing + body


@st.composite
def valid_event_fields(draw: st.DrawFn) -> dict[str, str]:
    """Front matter of an event that must validate: the values within the documented rules."""
    zone = draw(st.sampled_from(ZONES))
    day = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
    all_day = draw(st.booleans())
    fields: dict[str, str] = {"title": draw(plain_words), "type": draw(st.sampled_from(TYPES[:-1]))}
    if all_day:
        fields["start"] = day.isoformat()
        fields["end"] = (day + timedelta(days=draw(st.integers(0, 5)))).isoformat()
    else:
        hour = draw(st.sampled_from([0, 1, 3, 9, 13, 22]))  # 2 a.m. may not exist on DST days
        start = datetime(day.year, day.month, day.day, hour, draw(st.sampled_from([0, 15, 30])))
        fields["start"] = start.strftime("%Y-%m-%d %H:%M")
        fields["end"] = (start + timedelta(minutes=draw(st.integers(15, 600)))).strftime("%Y-%m-%d %H:%M")
        fields["timezone"] = zone
    fields["online"] = "true"
    if draw(st.booleans()):
        freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
        fields["repeat"] = f"FREQ={freq};COUNT={draw(st.integers(1, 12))}"
    return fields


# ---------------------------------------------------------------------------------------------
# Files that must validate: every field, each as hostile as its rule allows.

# Fragments a title or a place may hold: markup, template and iCalendar syntax, escapes,
# right-to-left and bidirectional overrides, combining marks, astral planes.
_LINE_FRAGMENTS = [
    "<script>alert(1)</script>", "</script><x-inj>", '"><x-inj onmouseover=alert(1)>', "' onfocus='alert(1)",
    "&amp;", "&lt;", "{{ 7*7 }}", "{% raw %}", "${x}", "BEGIN:VEVENT", "END:VCALENDAR", "DTSTART:19700101",
    ";", ",", ":", "\\", "\\N", "\\n", "\\,", "שלום", "مرحبا", "\u202eevil", "e\u0301", "🚨", "👩🏽‍⚖️", "𝔘𝔫𝔦",
    "\U0010fffd", "\u00a0", "\u200b", "\ufeff", "javascript:alert(1)", "*bold*", "[a](b)", "`code`",
]
_EDGES = re.compile(r"^[\s\ufeff\u200b\u2060]+|[\s\ufeff\u200b\u2060]+$")  # what the model trims
_LINE_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"))


def one_line_texts(max_size: int) -> st.SearchStrategy[str]:
    """One line of text within `max_size` characters, already stripped as the model strips it."""
    pieces = st.lists(
        st.one_of(st.sampled_from(_LINE_FRAGMENTS), st.text(_LINE_ALPHABET, min_size=1, max_size=12)),
        min_size=1,
        max_size=8,
    )
    longest = st.just("\u00e9" * max_size)  # the longest value the rule allows, two bytes a character
    return st.one_of(pieces.map(" ".join), pieces.map("".join), pieces.map(" ".join), longest).map(
        lambda t: _EDGES.sub("", t[:max_size])
    ).filter(bool)


_BODY_FRAGMENTS = [
    "A paragraph.", "\n", "\n\n", "\r\n", "\r", "\x85", "\u2028", "\u2029", "\t", "- item\n", "1. first\n",
    "> quoted\n", "    code block\n", "```\nfenced\n```\n", "# Heading\n", "**bold**", "[link](https://example.org/a?b=1&c=2)",
    "[bad](javascript:alert(1))", "![img](https://example.org/i.png)", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", '<a href="javascript:alert(1)">x</a>', "</script><x-inj>", "END:VEVENT",
    "BEGIN:VEVENT\nDTSTART:19700101T000000Z", "ATTENDEE:mailto:x@example.org", "\\N", "\\", ";,", "{{ 7*7 }}",
    "| a | b |\n|---|---|\n| 1 | 2 |\n", "שלום", "🚨", "e\u0301",
]
bodies = st.lists(st.sampled_from(_BODY_FRAGMENTS), max_size=10).map("".join)

# Zones with unusual rules: a 30-minute change (Lord Howe), negative DST (Dublin), 45-minute
# offsets (Kathmandu), half hours (St Johns, Kolkata), none at all (Honolulu, UTC).
VALID_ZONES = ZONES + ["Australia/Lord_Howe", "Europe/Dublin", "Asia/Kathmandu", "America/St_Johns", "Asia/Kolkata"]
# The days the clocks change in New York, and Leap Day: 02:30 on March 14 does not exist,
# 01:30 on November 7 happens twice.
DST_EDGES = [
    datetime(2027, 3, 14, 2, 30), datetime(2027, 3, 14, 1, 59), datetime(2027, 3, 14, 3, 0),
    datetime(2027, 11, 7, 1, 30), datetime(2027, 11, 7, 0, 30), datetime(2027, 11, 7, 2, 0),
    datetime(2028, 2, 29, 9, 0), datetime(2027, 3, 13, 2, 30),
]
_WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _nth_weekday(day: date) -> str:
    """`day` as a monthly rule's BYDAY: '2TU', or '-1FR' for the month's last Friday."""
    last = (day + timedelta(days=7)).month != day.month
    return ("-1" if last and day.day % 2 else str((day.day - 1) // 7 + 1)) + _WEEKDAYS[day.weekday()]


@st.composite
def series(draw: st.DrawFn, start: datetime, all_day: bool) -> tuple[str, list[str]]:
    """A rule whose first occurrence is `start` (naive local), and some of its occurrences to skip."""
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 3))}")
    weekday = _WEEKDAYS[start.weekday()]
    shape = draw(st.sampled_from(["plain", "byday", "bymonthday"]))
    if shape == "byday" and freq in ("DAILY", "WEEKLY"):
        others = draw(st.lists(st.sampled_from(_WEEKDAYS), max_size=3))
        parts.append("BYDAY=" + ",".join(dict.fromkeys([weekday, *others])))
    elif shape == "byday" and freq == "MONTHLY":
        parts.append("BYDAY=" + _nth_weekday(start.date()))
    elif shape == "byday" and freq == "YEARLY":
        parts.append(f"BYMONTH={start.month};BYDAY=" + _nth_weekday(start.date()))
    elif shape == "bymonthday" and freq in ("MONTHLY", "YEARLY"):
        last = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        day = "-1" if start.day == last.day and draw(st.booleans()) else str(start.day)
        extra = draw(st.lists(st.integers(1, 28).map(str), max_size=2))
        parts.append(("BYMONTH=" + str(start.month) + ";" if freq == "YEARLY" else "")
                     + "BYMONTHDAY=" + ",".join(dict.fromkeys([day, *extra])))
    ending = draw(st.sampled_from(["count", "until", "until-utc", "none"]))
    if ending == "count":
        parts.append(f"COUNT={draw(st.integers(1, 40))}")
    elif ending.startswith("until"):
        reach = {"DAILY": 60, "WEEKLY": 300, "MONTHLY": 1500, "YEARLY": 7000}[freq]
        until = start + timedelta(days=draw(st.integers(0, reach)), minutes=draw(st.sampled_from([0, 1, 59])))
        if all_day:
            parts.append(f"UNTIL={until:%Y%m%d}")
        elif ending == "until-utc":
            parts.append(f"UNTIL={until + timedelta(hours=12):%Y%m%dT%H%M%S}Z")  # a UTC time near the local one
        else:
            parts.append(f"UNTIL={until:%Y%m%dT%H%M%S}")
    rule = ";".join(parts)
    first = list(islice(rrulestr(rule, dtstart=start, ignoretz=True), 60))
    first = [s for s in first if s.year <= 2200]  # a date past the last year a file may name is refused
    skipped = draw(st.lists(st.sampled_from(first), max_size=3, unique=True)) if first else []
    shown = [s.strftime("%Y-%m-%d") if all_day else s.strftime("%Y-%m-%d %H:%M") for s in skipped]
    return rule, shown


def wall_times() -> st.SearchStrategy[datetime]:
    """A start as the clock shows it: any day of 2020-2035, or one at the edges the model allows
    (1900, 2200, a February 29, a year's last day), at an hour that tells (midnight, the hours
    clocks skip or repeat, the last minute)."""
    days = st.one_of(
        st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
        st.sampled_from([date(1900, 1, 1), date(2200, 12, 31), date(2028, 2, 29), date(2027, 12, 31)]),
    )
    clocks = st.sampled_from([time(0, 0), time(1, 30), time(2, 30), time(9, 0), time(13, 45), time(23, 59)])
    return st.builds(datetime.combine, days, clocks)


LATEST = datetime(2200, 12, 31, 23, 59)  # the last moment a file may name


@st.composite
def starts_and_ends(draw: st.DrawFn, start: datetime, all_day: bool) -> tuple[str, datetime, str | None]:
    """`start` as a file writes it, an end at or after it, and that end as a file writes it: a date for
    an all-day event (maybe the same day), for a timed one a date and time or a time on the start
    day, or None (no end written)."""
    if all_day:
        end = min(start + timedelta(days=draw(st.integers(0, 9))), LATEST)
        return start.strftime("%Y-%m-%d"), end, end.strftime("%Y-%m-%d") if draw(st.booleans()) else None
    end_kind = draw(st.sampled_from(["none", "datetime", "time"]))
    # No minutes: a moment (a deadline), which a file writes as an end equal to its start.
    end = min(start + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60))), LATEST)
    text = None
    if end_kind == "datetime":
        text = end.strftime("%Y-%m-%d %H:%M")
    elif end_kind == "time" and end.date() == start.date():
        text = end.strftime("%H:%M")
    return start.strftime("%Y-%m-%d %H:%M"), end, text


def later_with_offset(aware: datetime, elapsed: timedelta, zone: str) -> str:
    """`aware` plus `elapsed` written with its offset. Added in UTC: added to the second 01:30 of
    the night the clocks go back, a minute by the clock would be the first 01:31, an hour earlier."""
    return (aware.astimezone(UTC) + elapsed).astimezone(ZoneInfo(zone)).isoformat(timespec="minutes")


@st.composite
def valid_events(draw: st.DrawFn) -> tuple[dict[str, object], str]:
    """Front matter (values as the writer takes them) and a Markdown body for an event that must
    validate, unless its time falls in a daylight-saving gap, a series starts on the second pass
    of a repeated hour, or its skipped dates are all its occurrences: the refusals allowed."""
    fields: dict[str, object] = {
        "title": draw(one_line_texts(200)),
        "type": draw(st.sampled_from(TYPES)),
    }
    all_day = draw(st.booleans())
    if draw(st.integers(0, 4)) == 0:
        zone = "America/New_York"
        start = draw(st.sampled_from(DST_EDGES))
    else:
        zone = draw(st.sampled_from(VALID_ZONES))
        start = draw(wall_times())
    if all_day:
        start = datetime.combine(start.date(), datetime.min.time())
    fields["start"], end, end_text = draw(starts_and_ends(start, all_day))
    if end_text:
        fields["end"] = end_text
    if not all_day:
        fields["timezone"] = zone
        aware = start.replace(tzinfo=ZoneInfo(zone), fold=draw(st.integers(0, 1)))
        wall = aware.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)  # a gap moves it on
        if wall == start and draw(st.integers(0, 3)) == 0:
            # An explicit offset: in the repeated hour, fold picks the first pass or the second.
            fields["start"] = aware.isoformat(timespec="minutes")
            if "end" in fields:
                fields["end"] = later_with_offset(aware, end - start, zone)
    if start.year < 2200 and draw(st.booleans()):
        fields["repeat"], skipped = draw(series(start, all_day))
        if skipped:
            fields["except"] = skipped
    place = draw(st.sampled_from(["location", "online", "both", "none"]))
    if place == "none" and fields["type"] != "observance":
        place = "online"
    if place in ("location", "both"):
        parts = draw(st.lists(st.sampled_from(["venue", "address", "city", "region", "postal_code", "country"]),
                              min_size=1, unique=True))
        fields["location"] = {name: draw(one_line_texts(300)) for name in parts}
    if place in ("online", "both"):
        fields["online"] = draw(st.one_of(
            st.just("true"),
            st.fixed_dictionaries({"url": web_urls, "platform": one_line_texts(300)}),
        ))
    optional = {
        "url": web_urls,
        "registration": st.fixed_dictionaries(
            {"cost": one_line_texts(300)}, optional={"url": web_urls, "deadline": st.just(start.strftime("%Y-%m-%d"))}
        ),
        "organizer": st.fixed_dictionaries(
            {"name": one_line_texts(300)},
            optional={"email": st.sampled_from(["coordinator@example.org", "a.b+tag@task-force.example.org"]),
                      "phone": one_line_texts(300)},
        ),
        "sponsors": st.lists(one_line_texts(80), max_size=3),
        "topics": st.lists(one_line_texts(80), max_size=3),
        "audience": st.lists(one_line_texts(80), max_size=3),
        "language": st.sampled_from(["en", "es", "fr", "zh-Hant", "pt-BR"]),
        "accessibility": st.lists(st.sampled_from(["captions", "asl", "interpretation", "transcript", "wheelchair"]),
                                  unique=True, max_size=3),
        "credits": one_line_texts(300),
        "recording": st.sampled_from(["true", "false"]),
        "featured": st.sampled_from(["true", "false"]),
        "uid": one_line_texts(300),
        "sequence": st.integers(0, 1_000_000).map(str),
        "status": st.sampled_from(["scheduled", "tentative", "postponed", "cancelled"]),
    }
    for name in draw(st.lists(st.sampled_from(sorted(optional)), unique=True, max_size=len(optional))):
        fields[name] = draw(optional[name])
    if fields.get("status", "scheduled") != "scheduled" and draw(st.booleans()):
        fields["status_note"] = draw(one_line_texts(1000))
    return fields, draw(bodies)


# Addresses the validator accepts, with markup and quotes in the path and query.
web_urls = st.builds(
    lambda scheme, path: f"{scheme}://example.org/{path}",
    st.sampled_from(["http", "https"]),
    st.lists(st.sampled_from(["a", "b?c=1&d=2", "<x-inj>", '"', "'", ";", ",", "\\", "%0d%0a", "é", "#frag", "{}"]),
             max_size=5).map("".join),
)


# ---------------------------------------------------------------------------------------------
# What a coordinator types into the event form (/manage/new): every control, as a browser posts it.

# Words YAML would read as something other than text if they were written unquoted.
_YAML_WORDS = [
    "yes", "No", "ON", "off", "y", "null", "Null", "~", "1e3", "0x1F", "0o17", ".inf", "-.nan", "+1", "1_000",
    "12:30", "2027-01-01", "2027-01-01 14:00", "- x", "-", "? q", "{a}", "[b]", "{a: b}", "&anchor", "*alias",
    "!tag", "!!str x", "%YAML 1.2", "@at", "`tick`", "key: value", "a #b", "#c", "'", "''", '"', '"x"', "...",
    "---", "|", ">", "<<", "=", "\\x41", "\\u0041", "!", "%", "a:b", "a: ", ": a",
]
# What people leave around a value: spaces, a tab, a no-break or ideographic space, a zero-width space.
_PADDING = st.sampled_from(["", "", "", " ", "  ", "\t", " \u00a0", "\u3000", "\u200b"])


@cache  # built once: making strategies anew for every draw costs more than drawing
def typed_texts(max_size: int, *, tag: bool = False) -> st.SearchStrategy[str]:
    """A one-line value as typed: hostile text or a YAML-significant word, with spaces around it.

    Trimmed as the model trims, it is never empty and at most `max_size` characters long. A tag
    holds no comma, which separates tags in the form.
    """
    words = st.one_of(
        st.sampled_from(_YAML_WORDS),
        st.lists(st.sampled_from(_YAML_WORDS + _LINE_FRAGMENTS), min_size=2, max_size=4).map(" ".join),
    )
    core = st.one_of(one_line_texts(max_size), words)
    if tag:
        core = core.map(lambda t: t.replace(",", ";"))
    core = core.map(lambda t: _EDGES.sub("", t[:max_size])).filter(bool)  # "\u200b \ufeff" is nothing
    return st.tuples(_PADDING, core, _PADDING).map("".join)


_FORM_BODY_FRAGMENTS = [
    "A paragraph.", "\n", "\n\n", "\r\n", "\x85", "\u2028", "\u2029", "\t", "  ", "- item\n", "1. first\n",
    "> quoted\n", "    code block\n", "```\nfenced\n```\n", "# Heading\n", "**bold**", "_em_",
    "[link](https://example.org/a?b=1&c=2)", "![img](https://example.org/i.png)", "<https://example.org/auto>",
    "a < b > c", "END:VEVENT", "\\N", "\\", ";,",
    "{{ 7*7 }}", "| a | b |\n|---|---|\n| 1 | 2 |\n", "שלום", "🚨", "e\u0301", "---\n", "...\n", "title: x\n",
    "yes", "null", "\u202eevil", "\U0010fffd",
]
# Descriptions as a browser posts a textarea: Markdown, line breaks as CRLF or LF, no raw HTML.
form_bodies = st.lists(st.sampled_from(_FORM_BODY_FRAGMENTS), max_size=10).map("".join)

_ON_PURPOSE_INVALID = {
    # control: (a value the editor must refuse, beside that control)
    "title": st.sampled_from(["", "Line one\nInjected: header", "nul\x00char", "x" * 201]),
    "description": st.sampled_from(["Hello <script>alert(1)</script>", '<img src=x onerror="alert(1)">']),
    "timezone": st.sampled_from(["Mars/Olympus", "US"]),
    "type": st.just("trainng"),
    "online.url": st.sampled_from(["ftp://files.example.org/x", "javascript:alert(1)", "example.org/join"]),
    "organizer.email": st.sampled_from(["not an address", "a@b@example.org"]),
    "sequence": st.sampled_from(["-1", "x", "1000001"]),
    "language": st.sampled_from(["English", "e"]),
    "start": st.sampled_from(["2027-02-30", "next tuesday", "14:00"]),
}


_TAGS = st.lists(typed_texts(80, tag=True), min_size=1, max_size=4)
# The controls a form may leave empty, and what is typed into them; and the registration deadline,
# which `coordinator_forms` draws on or before the start.
_OPTIONAL: dict[str, st.SearchStrategy[str] | st.SearchStrategy[list[str]]] = {
    "url": web_urls,
    "registration.url": web_urls,
    "registration.cost": typed_texts(300),
    "organizer.name": typed_texts(300),
    "organizer.email": st.sampled_from(["coordinator@example.org", "a.b+tag@task-force.example.org"]),
    "organizer.phone": typed_texts(300),
    "sponsors": _TAGS.map(", ".join),
    "topics": _TAGS.map(",".join),
    "audience": _TAGS.map(" ,  ".join),
    "language": st.sampled_from(["en", "es", "fr", "zh-Hant", "pt-BR"]),
    "accessibility": st.lists(st.sampled_from(["captions", "asl", "interpretation", "transcript", "wheelchair"]),
                              min_size=1, unique=True, max_size=5),
    "observances": st.lists(st.sampled_from(["prevention-month", "world-day-against-trafficking"]), min_size=1,
                            unique=True),
    "credits": typed_texts(300),
    "recording": st.sampled_from(["yes", "no"]),
    "featured": st.just("on"),
    "uid": typed_texts(300),
    "sequence": st.integers(0, 1_000_000).map(str) | st.sampled_from(["007", " 3 "]),
    "status": st.sampled_from(["tentative", "postponed", "cancelled"]),
    BODY: form_bodies,
}
_OPTIONAL_CONTROLS = st.lists(st.sampled_from(sorted([*_OPTIONAL, "registration.deadline"])), unique=True)


@st.composite
def coordinator_forms(draw: st.DrawFn) -> tuple[dict[str, str | list[str]], str | None]:
    """The controls of the event form as a coordinator fills them in, and the control made invalid
    on purpose (about one draw in ten), or None. Checkbox groups are lists, as a browser posts them.

    Without the invalid control the event must be accepted, unless its time falls in a
    daylight-saving gap, a series starts in the second pass of a repeated hour, or its skipped
    dates are all its occurrences.
    """
    values: dict[str, str | list[str]] = {
        "title": draw(typed_texts(200)),
        "type": draw(st.sampled_from(TYPES)),
    }
    all_day = draw(st.booleans())
    zone = draw(st.sampled_from(["", *VALID_ZONES]))  # empty: the site's zone
    if draw(st.sampled_from([*[False] * 5, True])):
        start = draw(st.sampled_from(DST_EDGES))
        zone = draw(st.sampled_from(["", "America/New_York"]))
    else:
        start = draw(wall_times())
    if all_day:
        start = datetime.combine(start.date(), datetime.min.time())
    values["start"], end, end_text = draw(starts_and_ends(start, all_day))
    if end_text:
        values["end"] = end_text
    if not all_day and zone and draw(st.integers(0, 5)) == 0:
        # An explicit offset, as the format allows: in a repeated hour, fold picks the pass.
        aware = start.replace(tzinfo=ZoneInfo(zone), fold=draw(st.integers(0, 1)))
        values["start"] = aware.isoformat(timespec="minutes")
        if "end" in values and " " in values["end"]:
            values["end"] = later_with_offset(aware, end - start, zone)
    if zone:
        values["timezone"] = zone
    if start.year < 2200 and draw(st.integers(0, 3)) == 0:
        values["repeat"], skipped = draw(series(start, all_day))
        if skipped:
            values["except"] = draw(st.sampled_from(["\r\n", "\n", ", "])).join(skipped)
    place = draw(st.sampled_from(["location", "online", "both", "none"]))
    if place == "none" and values["type"] != "observance":
        place = "online"
    if place in ("location", "both"):
        for part in draw(st.lists(st.sampled_from(["venue", "address", "city", "region", "postal_code", "country"]),
                                  min_size=1, unique=True)):
            values[f"location.{part}"] = draw(typed_texts(300))
    if place in ("online", "both"):
        values["online"] = "on"
        if draw(st.booleans()):
            values["online.url"] = draw(web_urls)
        if draw(st.booleans()):
            values["online.platform"] = draw(typed_texts(300))
    before_start = st.integers(0, 60).map(lambda d: (start.date() - timedelta(days=d)).isoformat())
    for name in draw(_OPTIONAL_CONTROLS):
        values[name] = draw(before_start if name == "registration.deadline" else _OPTIONAL[name])
    if values.get("status", "scheduled") != "scheduled" and draw(st.booleans()):
        values["status_note"] = draw(typed_texts(1000))
    # About one draw in ten or less, so that most are saved. Not `integers(0, 9) == 0`: Hypothesis
    # favours the ends of a range, and that came out true in a third of the draws.
    invalid = draw(st.sampled_from([*[None] * 30, *sorted(_ON_PURPOSE_INVALID)]))
    if invalid is not None:
        values[invalid] = draw(_ON_PURPOSE_INVALID[invalid])
    return values, invalid

