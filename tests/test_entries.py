"""Listing entries: a series' sessions, the next one a reader is shown, and where a session ends."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from calendar_app.core.config import SiteConfig
from calendar_app.core.loader import load_event_file
from calendar_app.core.model import Event
from calendar_app.render.entries import next_session, occurrence_end, sessions

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
