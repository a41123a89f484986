"""Hypothesis strategies that write event files, valid and broken.

`event_texts()` draws whole files: a front matter from random field sets (known fields with
plausible or hostile values, misspelt and unknown keys), Unicode of every plane, extreme and
DST-edge dates, RRULEs of every frequency, very long fields; and a body. Some draws are
well-formed events, most are not: the properties under test must hold for both.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from hypothesis import strategies as st

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


def _scalar(value: str) -> str:
    """A YAML scalar for `value`: JSON strings are valid YAML double-quoted scalars."""
    return json.dumps(value, ensure_ascii=False)


@st.composite
def event_texts(draw: st.DrawFn) -> str:
    """A whole event file (front matter and body), as a person or an attacker might write it."""
    lines: list[str] = []
    fields = {
        "title": st.one_of(plain_words, hostile_text).map(_scalar),
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
    body = draw(st.one_of(st.just(""), hostile_text, plain_words))
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
