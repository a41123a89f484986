"""The VEVENT writer against icalendar, byte for byte.

Feeds are written by `vevent_writer`; `vevent.build_vevent` (icalendar objects, then
`to_ical`) is the reference. Every sample event, every valid test file and generated events
(long lines of emoji, combining marks, CJK and right-to-left text, escapes at the fold, all-day
and timed events in many zones, series with skipped, extra and changed occurrences, cancelled
ones) must come out of both the same to the byte; and the folding alone matches icalendar's on
any text. `HYPOTHESIS_PROFILE=thorough` runs twenty times more examples.
"""

from __future__ import annotations

import difflib
from datetime import date, datetime, timedelta
from itertools import islice
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import event as outcome
from hypothesis import strategies as st
from icalendar.parser.string import _foldline

from calendar_app.core.catalog import Catalog
from calendar_app.core.config import SiteConfig
from calendar_app.core.errors import EventFileError
from calendar_app.core.loader import event_files, load_event_file
from calendar_app.core.model import Event
from calendar_app.files.writer import render_event_file
from calendar_app.render.ical.ics import FEED_PATH, assemble, feed_header, render_feed
from calendar_app.render.ical.values import rule_with_until
from calendar_app.render.ical.vevent import reference_vevent_bytes, vevent_bytes
from calendar_app.render.ical.vevent_writer import LINE_OCTETS, fold, rrule_value

from .conftest import DATA
from .strategies import _EDGES, rrules, valid_events

VALID = DATA / "valid"
VALID_FILES = event_files(VALID)
CONFIG = SiteConfig()
TODAY = date(2026, 11, 23)


def assert_same_bytes(event: Event, config: SiteConfig) -> None:
    expected, written = reference_vevent_bytes(event, config), vevent_bytes(event, config)
    if written != expected:
        diff = difflib.unified_diff(
            expected.decode().split("\r\n"), written.decode().split("\r\n"), "icalendar", "writer", lineterm=""
        )
        pytest.fail(f"{event.path}: the writer differs from icalendar\n" + "\n".join(diff))


# ---------------------------------------------------------------------------------------------
# The sample site and the test files


def test_every_sample_event_is_written_as_icalendar_writes_it(
    sample_catalog: Catalog, sample_config: SiteConfig
) -> None:
    events = list(sample_catalog.events)
    assert len(events) >= 20
    for event in events:
        assert_same_bytes(event, sample_config)


def test_the_sample_feed_is_the_one_icalendar_would_make(sample_catalog: Catalog, sample_config: SiteConfig) -> None:
    events = list(sample_catalog.events)
    header = feed_header(sample_config, name=sample_config.name, description=sample_config.description,
                         source=sample_config.base_url + FEED_PATH)
    by_icalendar = assemble(header, events, [reference_vevent_bytes(e, sample_config) for e in events],
                            sample_config, TODAY)
    assert render_feed(events, sample_config, today=TODAY) == by_icalendar


@pytest.mark.parametrize("path", VALID_FILES, ids=[p.relative_to(VALID).as_posix() for p in VALID_FILES])
@pytest.mark.parametrize("language", ["en", "fr"], ids=["site-in-english", "site-in-french"])
def test_every_valid_test_file_is_written_as_icalendar_writes_it(path: Path, language: str) -> None:
    # In a French site every event in English carries LANGUAGE=en on its texts.
    config = SiteConfig(language=language)
    assert_same_bytes(load_event_file(path, VALID, config), config)


def test_a_description_starting_with_a_byte_order_mark_loses_it_as_in_icalendar(tmp_path: Path) -> None:
    # icalendar reads back each value it writes as UTF-8-SIG, which takes a leading U+FEFF for a BOM.
    path = tmp_path / "body-with-a-bom.md"
    path.write_text("---\ntitle: A BOM\ntype: webinar\nstart: 2027-01-06 13:00\nonline: true\n---\n\ufeffHello\n",
                    encoding="utf-8")
    event = load_event_file(path, tmp_path, CONFIG)
    assert event.body.startswith("\ufeff")
    assert b"\r\nDESCRIPTION:Hello\\n\\nDetails: " in vevent_bytes(event, CONFIG)
    assert_same_bytes(event, CONFIG)


# ---------------------------------------------------------------------------------------------
# Folding

# Pieces that meet the 75-octet boundary in every way: one to four octets a character, a
# combining mark after its letter, an emoji sequence, escapes (TEXT's backslash, RFC 6868's caret).
_PIECES = ["a", "é", "e\u0301", "漢", "カ", "ש", "م", "🚨", "👩🏽\u200d⚖️", "\\", "\\n", "\\,", "^", "^^", "\r", "\t", " ",
           "\u202e", "\ufeff", "\U0010fffd"]
_LINES = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=120).map("".join),
    st.lists(st.sampled_from(["a", "\\", "\\n", "^", "^^", ",", " ", "\r"]), max_size=200).map("".join),  # ASCII
    st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=400),
)


@given(line=_LINES)
@example(line="x" * 74)
@example(line="x" * 75)
@example(line="x" * 73 + "\\n" + "y" * 80)
@example(line="x" * 72 + "\\n" + "y" * 80)
@example(line="x" * 73 + "é" + "y" * 80)
@example(line="x" * 72 + "🚨" + "y" * 80)
@example(line="\\" * 300)
@example(line="^" * 300)
@example(line="x" * 73 + "^'")
def test_lines_are_folded_as_icalendar_folds_them(line: str) -> None:
    folded = fold(line)
    assert folded == _foldline(line).encode("utf-8")
    assert all(len(part) <= LINE_OCTETS for part in folded.split(b"\r\n "))


def test_a_raw_line_break_is_refused_as_icalendar_refuses_it() -> None:
    with pytest.raises(ValueError, match="new line"):
        fold("SUMMARY:one\ntwo")


# ---------------------------------------------------------------------------------------------
# RRULE

# Parts `vRecur` writes back as they are, and parts it changes or refuses.
_RULE_PARTS = [
    "FREQ=WEEKLY", "FREQ=MONTHLY", "COUNT=5", "COUNT=0", "INTERVAL=2", "BYDAY=MO,WE", "BYDAY=+1MO",
    "BYDAY=-1FR", "BYDAY=2TU", "BYMONTHDAY=-1", "BYMONTHDAY=31,1", "BYMONTH=12", "BYMONTH=3,9", "WKST=SU",
    "BYSETPOS=-1", "BYHOUR=9", "BYYEARDAY=100", "BYWEEKNO=20",
    "FREQ=weekly", "freq=DAILY", "COUNT=05", "COUNT=+5", "COUNT=-0", "COUNT=99999999999", "BYDAY=mo", "BYDAY=1XX",
    "BYMONTH=05", "BYMONTH=5L", "BYMONTH=13", "WKST=1SU", "UNTIL=20271231", "UNTIL=20271231T235959Z", "X-NAME=1",
    "", "COUNT", "COUNT=1=2", "FREQ=BOGUS", "RSCALE=GREGORIAN", "SKIP=OMIT", "FREQ=DAILY ",
]
_RULES = st.one_of(
    st.lists(st.sampled_from(_RULE_PARTS), max_size=6).map(";".join),
    rrules(),
    rrules().map(lambda rule: f"  RRULE:{rule} "),
)


@given(text=_RULES)
@example(text="FREQ=WEEKLY;BYDAY=WE;COUNT=6")
@example(text="COUNT=3;FREQ=DAILY;INTERVAL=2;BYDAY=MO")
def test_rules_are_written_as_icalendar_writes_them(text: str) -> None:
    try:
        expected = rule_with_until(text, None).to_ical().decode()
    except ValueError:
        with pytest.raises(ValueError):
            rrule_value(text, None)
    else:
        assert rrule_value(text, None) == expected


# ---------------------------------------------------------------------------------------------
# Generated events

# Text as long as each field allows, mixing every width of character with what TEXT escapes.
_WIDE = ["🚨", "👩🏽\u200d⚖️", "e\u0301", "漢字", "カレンダー", "שלום", "مرحبا", "\u202eevil", "é", "𝔘𝔫𝔦",
         "\\", "\\N", "^", ",", ";", ":", '"', "'", " ", "word", "x" * 70]


# The same in ASCII alone, which the writer escapes and folds on bytes: escapes at every offset.
_ASCII = ["\\", "\\N", "^", ",", ";", ":", '"', "'", " ", "word", "x" * 70, "x" * 73]


def wide_texts(max_size: int) -> st.SearchStrategy[str]:
    """One line of up to `max_size` characters, stripped as the model strips it."""
    return (
        st.sampled_from([_WIDE, _ASCII])
        .flatmap(lambda pieces: st.lists(st.sampled_from(pieces), min_size=1, max_size=max_size // 2))
        .map(lambda parts: _EDGES.sub("", "".join(parts)[:max_size]))
        .filter(bool)
    )


_BREAKS = ["\r\n", "\n", "\r", "\n\n", "\u2028", "\x85", "\ufeff", "\t", "\x0b"]
wide_bodies = st.sampled_from([_WIDE, _ASCII, ["\n", "\t", "\n\n"]]).flatmap(
    lambda pieces: st.lists(st.one_of(st.sampled_from(pieces), st.sampled_from(_BREAKS)), max_size=300)
).map("".join)


def _wall(value: date | datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else value.isoformat()


def series_changes(data: st.DataObject, event: Event) -> dict[str, object]:
    """`extra` and `changes` for the series `event`: occurrences moved a few minutes, made longer,
    retitled, cancelled or tentative, and an extra date after the last of its first occurrences."""
    starts = list(islice(event.starts(), 6))
    chosen = data.draw(st.lists(st.sampled_from(starts), unique=True, max_size=3), label="changed")
    last = starts[-1]
    if isinstance(last, datetime):
        extra: date | datetime = last.replace(tzinfo=None) + timedelta(days=1, minutes=13)
    else:  # the first day after the last start the rule does not give
        taken = set(islice(event.starts(), 100))
        extra = next(d for d in (last + timedelta(days=k) for k in range(1, 400)) if d not in taken)
    added: dict[str, object] = {"extra": [_wall(extra)]} if data.draw(st.booleans(), label="extra") else {}
    changes: list[dict[str, object]] = []
    for start in chosen:
        entry: dict[str, object] = {"occurrence": _wall(start)}
        kind = data.draw(st.sampled_from(["moved", "longer", "retitled", "cancelled", "tentative"]), label="kind")
        if kind == "moved" and isinstance(start, datetime):
            entry["start"] = _wall(start.replace(tzinfo=None) + timedelta(minutes=7))
        elif kind == "longer":
            last = start + event.duration  # a day past an all-day occurrence's last, then one more
            entry["end"] = _wall(last.replace(tzinfo=None) + timedelta(minutes=30) if isinstance(last, datetime) else last)
        elif kind in ("cancelled", "tentative"):
            entry["status"] = kind
            if data.draw(st.booleans(), label="note"):
                entry["status_note"] = data.draw(wide_texts(1000), label="note text")
        else:
            entry["title"] = data.draw(wide_texts(200), label="title")
        changes.append(entry)
    if changes:
        added["changes"] = changes
    return added


def _load(tmp_path: Path, fields: dict[str, object], body: str) -> Event | None:
    """The event the file makes, or None for the refusals `valid_events` allows (or a change that
    lands on another occurrence or in a clock change)."""
    text = render_event_file(fields, body)
    path = tmp_path / "generated-event.md"
    path.write_text(text, encoding="utf-8")
    try:
        return load_event_file(path, tmp_path, CONFIG)
    except EventFileError as exc:
        note(f"refused: {exc}\n{text}")
        return None


@settings(
    max_examples=max(40, settings().max_examples // 4),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=valid_events(), data=st.data())
def test_every_generated_event_is_written_as_icalendar_writes_it(
    tmp_path: Path, drawn: tuple[dict[str, object], str], data: st.DataObject
) -> None:
    fields, body = drawn
    fields = dict(fields)
    status = data.draw(st.sampled_from([None, "cancelled", "postponed", "tentative"]), label="status")
    if status is not None:
        fields["status"] = status
    if data.draw(st.booleans(), label="wide text"):
        fields["title"] = data.draw(wide_texts(200), label="title")
        fields["uid"] = data.draw(wide_texts(300), label="uid")
        fields["location"] = {"venue": data.draw(wide_texts(300), label="venue"), "city": "Columbia"}
        fields["organizer"] = {"name": data.draw(wide_texts(300), label="organizer"), "email": "a@example.org"}
        fields["topics"] = data.draw(st.lists(wide_texts(80), max_size=3), label="topics")
        fields["sponsors"] = data.draw(st.lists(wide_texts(80), max_size=3), label="sponsors")
        if fields.get("status", "scheduled") != "scheduled":
            fields["status_note"] = data.draw(wide_texts(1000), label="status note")
        body = data.draw(wide_bodies, label="body")
    event = _load(tmp_path, fields, body)
    if event is None:
        outcome("refused as valid_events allows")
        return
    if event.rule is not None:
        changed = _load(tmp_path, {**fields, **series_changes(data, event)}, body)
        outcome("series with changes" if changed is not None else "changes refused: the series alone")
        event = changed or event
    outcome("cancelled" if event.status.value == "cancelled" else "all-day" if event.all_day else "timed")
    assert_same_bytes(event, CONFIG)
