"""Listing entries: a series' sessions, the next one a reader is shown, and where a session ends."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from calendar_app.core.catalog import Catalog
from calendar_app.core.config import SiteConfig
from calendar_app.core.loader import load_event_file
from calendar_app.core.model import Event
from calendar_app.render.entries import entry, first_session, next_session, occurrence_end, sessions

from .conftest import DATA

VALID = DATA / "valid"
NEW_YORK = ZoneInfo("America/New_York")


def load(name: str) -> Event:
    return load_event_file(VALID / name, VALID, SiteConfig())


def test_the_sessions_of_a_series_leave_out_the_skipped_one() -> None:
    series = load("recurring-weekly-with-except.md")  # four Wednesdays at 13:00, not the 20th
    assert sessions(series) == [datetime(2027, 1, day, 13, 0, tzinfo=NEW_YORK) for day in (6, 13, 27)]
    assert sessions(series, limit=2) == [datetime(2027, 1, day, 13, 0, tzinfo=NEW_YORK) for day in (6, 13)]


def test_the_next_session_is_the_first_not_over() -> None:
    series = load("recurring-weekly-with-except.md")
    assert next_session(series, date(2026, 11, 23)) == datetime(2027, 1, 6, 13, 0, tzinfo=NEW_YORK)
    assert next_session(series, date(2027, 1, 14)) == datetime(2027, 1, 27, 13, 0, tzinfo=NEW_YORK)
    assert next_session(series, date(2027, 3, 1)) == datetime(2027, 1, 27, 13, 0, tzinfo=NEW_YORK)  # all over: the last


def test_a_single_event_is_its_own_only_session() -> None:
    training = load("all-day-multi-day.md")
    assert sessions(training) == [date(2027, 2, 22)]
    assert next_session(training, date(2027, 3, 1)) == date(2027, 2, 22)


def test_an_all_day_session_ends_on_its_last_day() -> None:
    training = load("all-day-multi-day.md")
    assert occurrence_end(training, training.start) == date(2027, 2, 24)


def test_a_past_series_is_shown_from_its_first_session_as_it_happened(tmp_path: Path) -> None:
    (tmp_path / "moved-first.md").write_text(
        '---\ntitle: Calls\ntype: meeting\nstart: "2026-10-07 13:00"\nend: "14:00"\nonline: true\n'
        "repeat: FREQ=WEEKLY;COUNT=3\nchanges:\n"
        '  - occurrence: "2026-10-07 13:00"\n    start: "2026-10-09 15:00"\n---\n',
        encoding="utf-8",
    )
    series = load_event_file(tmp_path / "moved-first.md", tmp_path, SiteConfig())
    assert first_session(series) == datetime(2026, 10, 9, 15, 0, tzinfo=NEW_YORK)
    assert entry(Catalog(SiteConfig(), [series]), series, date(2026, 11, 23), upcoming=False).line_text == (
        "October 9, 2026 | 3 p.m. ET | Online"
    )


def test_a_cancelled_first_session_is_passed_over_like_a_cancelled_next_one(tmp_path: Path) -> None:
    (tmp_path / "cancelled-first.md").write_text(
        '---\ntitle: Calls\ntype: meeting\nstart: "2026-10-07 13:00"\nonline: true\nrepeat: FREQ=WEEKLY;COUNT=3\n'
        'changes:\n  - occurrence: "2026-10-07 13:00"\n    status: cancelled\n---\n',
        encoding="utf-8",
    )
    series = load_event_file(tmp_path / "cancelled-first.md", tmp_path, SiteConfig())
    assert first_session(series) == datetime(2026, 10, 14, 13, 0, tzinfo=NEW_YORK)
    assert first_session(load("all-day-multi-day.md")) == date(2027, 2, 22)


def test_an_entry_shows_the_title_status_and_note_of_the_session_it_shows(tmp_path: Path) -> None:
    (tmp_path / "wednesdays.md").write_text(
        '---\ntitle: Wednesday Webinars\ntype: webinar\nstart: "2027-01-06 13:00"\nonline: true\n'
        "repeat: FREQ=WEEKLY;COUNT=3\nchanges:\n"
        '  - occurrence: "2027-01-13 13:00"\n    title: "Special session: Labor Trafficking"\n'
        "    status: tentative\n    status_note: The speaker is to be confirmed.\n---\n",
        encoding="utf-8",
    )
    series = load_event_file(tmp_path / "wednesdays.md", tmp_path, SiteConfig())
    catalog = Catalog(SiteConfig(), [series])
    moved = entry(catalog, series, date(2027, 1, 7))
    assert (moved.session_title, moved.status_label, moved.status_note) == (
        "Special session: Labor Trafficking", "Tentative", "The speaker is to be confirmed."
    )
    plain = entry(catalog, series, date(2027, 1, 14))
    assert (plain.session_title, plain.status_label, plain.status_note) == (None, None, None)


def test_a_series_all_over_is_shown_at_its_last_session_held() -> None:
    series = load("recurring-with-extra-and-changes.md")  # ends with an extra session on February 25
    assert next_session(series, date(2027, 3, 1)) == datetime(2027, 2, 25, 13, 0, tzinfo=NEW_YORK)


def test_a_cancelled_last_session_is_not_what_a_series_all_over_is_shown_at(tmp_path: Path) -> None:
    (tmp_path / "cancelled-last.md").write_text(
        '---\ntitle: Calls\ntype: meeting\nstart: "2026-10-07 13:00"\nonline: true\nrepeat: FREQ=WEEKLY;COUNT=3\n'
        'changes:\n  - occurrence: "2026-10-21 13:00"\n    status: cancelled\n---\n',
        encoding="utf-8",
    )
    series = load_event_file(tmp_path / "cancelled-last.md", tmp_path, SiteConfig())
    assert next_session(series, date(2026, 11, 23)) == datetime(2026, 10, 14, 13, 0, tzinfo=NEW_YORK)
    assert next_session(series, date(2026, 10, 16)) == datetime(2026, 10, 21, 13, 0, tzinfo=NEW_YORK)
