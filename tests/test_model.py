"""What a valid file means: the Event every output reads (times, zones, recurrence, identity)."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from calendar_app.core.config import SiteConfig
from calendar_app.core.fields import FIELD_NAMES, EventFields, Status, json_schema, normalize_tag
from calendar_app.core.loader import load_event_file
from calendar_app.core.model import Event
from calendar_app.render.phrasing import full_when, listing_when

from .conftest import DATA

VALID = DATA / "valid"
NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
UTC = UTC


def load(name: str, config: SiteConfig | None = None) -> Event:
    path = VALID / name
    return load_event_file(path, VALID, config or SiteConfig())


def test_the_issue_example_is_an_all_day_event_with_an_inclusive_end() -> None:
    event = load("all-day-multi-day.md")
    assert (event.start, event.end, event.all_day) == (date(2027, 2, 22), date(2027, 2, 24), True)
    assert event.duration == timedelta(days=3)
    assert event.last_date == date(2027, 2, 24)
    assert event.location is not None and event.location.place() == "Columbia, SC"
    assert event.fields.registration is not None and event.fields.registration.is_free
    assert event.fields.sponsors == ("OJJDP",)


def test_all_day_without_end_lasts_one_day() -> None:
    event = load("all-day-single-day.md")
    assert event.start == event.end == date(2027, 1, 11)
    assert event.duration == timedelta(days=1)


def test_an_end_equal_to_the_start_is_a_moment() -> None:
    """A deadline: zero length, on its one day, found by a range that starts at it; no `end` keeps the default."""
    event = load("zero-length-deadline.md")
    moment = datetime(2027, 3, 15, 17, 0, tzinfo=NEW_YORK)
    assert (event.start, event.end, event.duration) == (moment, moment, timedelta(0))
    assert event.last_date == date(2027, 3, 15)
    assert event.occurs_between(moment, moment + timedelta(hours=1))
    assert not event.occurs_between(moment + timedelta(minutes=1), None)
    assert load("timed-without-end.md").duration == timedelta(minutes=SiteConfig().default_duration_minutes)
    assert "".join(p.text for p in full_when(event, event.start, event.end)) == "Monday, March 15, 2027, 5 p.m. ET"
    assert "".join(p.text for p in listing_when(event, event.start, event.end)) == "March 15, 2027 | 5 p.m. ET"


def test_end_given_as_a_time_is_on_the_start_day() -> None:
    event = load("timed-with-end-time-only.md")
    assert event.start == datetime(2027, 1, 19, 14, 0, tzinfo=NEW_YORK)
    assert event.end == datetime(2027, 1, 19, 15, 30, tzinfo=NEW_YORK)
    assert event.zone == NEW_YORK and not event.all_day


def test_timed_event_over_several_days_in_its_own_zone() -> None:
    event = load("timed-with-end-date-time.md")
    assert event.zone == CHICAGO
    assert event.start == datetime(2027, 3, 1, 8, 30, tzinfo=CHICAGO)
    assert event.last_date == date(2027, 3, 4)


def test_timed_event_without_end_lasts_the_default_duration() -> None:
    assert load("timed-without-end.md").duration == timedelta(minutes=60)
    longer = SiteConfig(default_duration_minutes=90)
    assert load("timed-without-end.md", longer).duration == timedelta(minutes=90)


def test_iso_t_separator_is_accepted() -> None:
    event = load("iso-date-time-with-t.md")
    assert event.start == datetime(2027, 5, 4, 13, 0, tzinfo=NEW_YORK)
    assert event.duration == timedelta(minutes=90)


def test_utc_offset_without_timezone_keeps_the_instant_in_the_site_zone() -> None:
    event = load("utc-offset-no-timezone.md")
    assert event.start == datetime(2027, 6, 8, 20, 0, tzinfo=UTC)
    assert event.start.tzinfo == NEW_YORK
    assert (event.start.hour, event.start.minute) == (16, 0)
    assert event.zone == NEW_YORK


def test_utc_offset_with_timezone_is_shown_in_that_zone() -> None:
    event = load("utc-offset-with-timezone.md")
    assert event.start == datetime(2027, 6, 9, 21, 0, tzinfo=UTC)
    assert event.start.tzinfo == LOS_ANGELES and event.start.hour == 14


def test_the_repeated_hour_at_the_end_of_daylight_time_means_the_first() -> None:
    event = load("dst-repeated-hour.md")
    assert event.start.utcoffset() == timedelta(hours=-4)
    assert event.end > event.start


def test_hybrid_event_is_in_person_and_online() -> None:
    event = load("hybrid.md")
    assert event.location is not None and event.location.one_line() == (
        "Georgia State University College of Law, 85 Park Place NE, Atlanta, GA 30303"
    )
    assert event.online is not None and event.online.platform == "Zoom"


def test_online_true_gives_empty_online_details() -> None:
    event = load("timed-without-end.md")
    assert event.online is not None and event.online.url is None


def test_observance_needs_no_place() -> None:
    event = load("observance-without-place.md")
    assert event.location is None and event.online is None


def test_weekly_series_skips_the_excepted_week() -> None:
    event = load("recurring-weekly-with-except.md")
    assert event.rule is not None
    assert event.exdates == (datetime(2027, 1, 20, 13, 0, tzinfo=NEW_YORK),)
    assert [s.day for s in event.starts()] == [6, 13, 27]
    assert event.last_date == date(2027, 1, 27)


def test_all_day_series_with_until() -> None:
    event = load("recurring-all-day-until.md")
    assert list(event.starts()) == [date(2027, 1, 15), date(2027, 4, 15), date(2027, 10, 15)]
    assert event.last_date == date(2027, 10, 15)


def test_a_single_event_starts_once() -> None:
    event = load("timed-without-end.md")
    assert list(event.starts()) == [event.start]


def test_an_event_occurs_between_two_moments_when_an_occurrence_overlaps_them() -> None:
    event = load("recurring-weekly-with-except.md")  # Wednesdays 13:00 New York, not the 20th
    first = datetime(2027, 1, 6, 13, 0, tzinfo=NEW_YORK)
    assert event.occurs_between(first + timedelta(minutes=30), first + timedelta(minutes=31))
    assert not event.occurs_between(datetime(2027, 1, 19, tzinfo=NEW_YORK), datetime(2027, 1, 21, tzinfo=NEW_YORK))
    assert event.occurs_between(datetime(2027, 1, 19, tzinfo=NEW_YORK), None)
    assert not event.occurs_between(datetime(2027, 1, 28, tzinfo=NEW_YORK), None)
    assert event.occurs_between(None, first + timedelta(seconds=1)) and not event.occurs_between(None, first)


def test_cancelled_with_its_reason() -> None:
    event = load("cancelled-with-note.md")
    assert event.status is Status.CANCELLED
    assert event.fields.status_note == "Postponed to the fall at the request of the participating tribes."


def test_language_and_accessibility() -> None:
    event = load("spanish-language-with-accessibility.md")
    assert event.language == "es"
    assert event.fields.accessibility == ("captions", "interpretation", "transcript")
    assert load("hybrid.md").language == "en"


def test_country_no_stays_norway() -> None:
    event = load("country-no-stays-norway.md")
    assert event.location is not None and event.location.country == "NO"
    assert event.location.one_line() == "Oslo, NO"


def test_start_fourteen_hundred_is_an_error_not_840() -> None:
    fields = EventFields.model_validate({"title": "A", "type": "webinar", "start": "14:00", "online": True})
    assert fields.start == "14:00"
    with pytest.raises(ValidationError):
        EventFields.model_validate({"title": "A", "type": "webinar", "start": 840, "online": True})


def test_unquoted_yaml_words_stay_text() -> None:
    event = load("yaml-traps-stay-text.md")
    assert event.title == "yes"
    assert event.location is not None
    assert (event.location.venue, event.location.postal_code) == ("Off", "01234")
    assert event.fields.credits == "3.0"
    assert event.fields.topics == ("on", "null value", "0x10")
    assert event.fields.registration is not None and event.fields.registration.cost == "1_000"


def test_uid_is_derived_from_the_slug_and_domain() -> None:
    assert load("hybrid.md").uid == "hybrid@calendar.example.org"
    assert load("hybrid.md", SiteConfig(uid_domain="trainings.example.gov")).uid == "hybrid@trainings.example.gov"


def test_written_uid_and_sequence_are_kept() -> None:
    event = load("uid-and-sequence.md")
    assert (event.uid, event.sequence) == ("htic-seminar-2027@calendar.example.org", 3)
    assert load("hybrid.md").sequence == 0


def test_subfolders_do_not_change_the_slug() -> None:
    event = load_event_file(VALID / "2027" / "in-a-year-folder.md", VALID, SiteConfig())
    assert event.slug == "in-a-year-folder"


def test_windows_line_endings_and_byte_order_mark() -> None:
    assert load("windows-line-endings.md").body == "Written on Windows."
    assert load("byte-order-mark.md").title == "Byte Order Mark"


def test_every_field_is_read() -> None:
    event = load("every-field.md")
    written = {name for name in FIELD_NAMES if getattr(event.fields, name.replace("except", "except_"))}
    # No skipped, extra or changed dates (a yearly series of one: recurring-with-extra-and-changes.md
    # has them); recording is false.
    assert written == set(FIELD_NAMES) - {"except", "extra", "changes", "recording"}
    assert event.fields.organizer is not None and event.fields.organizer.email == "nhtc@example.org"
    assert event.status is Status.TENTATIVE
    assert event.fields.featured and event.fields.recording is False
    assert event.body.startswith("# Three days, four tracks")


def test_the_body_is_kept_as_markdown() -> None:
    body = load("markdown-with-script-in-body.md").body
    assert "<script>" in body  # sanitising happens where HTML is made, never by changing the file


def test_search_text_covers_title_place_and_tags() -> None:
    text = load("all-day-multi-day.md").search_text
    for word in ("child sex trafficking", "embassy suites", "ojjdp", "prosecutors", "training"):
        assert word in text


def test_events_are_frozen() -> None:
    event = load("hybrid.md")
    with pytest.raises(FrozenInstanceError):
        event.title = "Changed"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        event.fields.title = "Changed"  # type: ignore[misc]


def test_tags_compare_without_case_or_width() -> None:
    assert normalize_tag("  Labor Trafficking ") == normalize_tag("labor trafficking")
    assert normalize_tag("ＯＪＪＤＰ") == normalize_tag("ojjdp")


def test_field_names_follow_the_documented_order() -> None:
    assert FIELD_NAMES[:3] == ("title", "type", "start")
    assert "except" in FIELD_NAMES and "except_" not in FIELD_NAMES


def test_json_schema_requires_the_three_fields_and_forbids_others() -> None:
    schema = json_schema()
    assert schema["required"] == ["title", "type", "start"]
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(FIELD_NAMES)


def test_event_built_from_files_in_another_place(tmp_path: Path) -> None:
    path = tmp_path / "copied.md"
    path.write_bytes((VALID / "hybrid.md").read_bytes())
    event = load_event_file(path, tmp_path, SiteConfig())
    assert event.slug == "copied" and event.path == str(path)


# --- extra dates and changed occurrences -----------------------------------------------------------

def test_occurrences_hold_extra_dates_and_changes_at_their_new_times() -> None:
    event = load("recurring-with-extra-and-changes.md")
    zone = ZoneInfo("America/New_York")
    found = [
        (o.start.strftime("%m-%d %H:%M"), o.end.strftime("%H:%M"),  # type: ignore[union-attr]
         o.moved_from, o.change.status if o.change else None, o.extra)
        for o in event.occurrences()
    ]
    assert found == [
        ("01-06 13:00", "14:00", None, None, False),
        ("01-13 13:00", "14:00", None, None, False),
        ("01-28 14:00", "15:00", datetime(2027, 1, 27, 13, tzinfo=zone), None, False),  # moved
        ("02-03 13:00", "14:00", None, Status.CANCELLED, False),  # still an occurrence, cancelled
        ("02-10 13:00", "14:00", None, None, False),
        ("02-25 13:00", "15:00", None, None, True),  # extra, and made longer
    ]
    assert event.last_date == date(2027, 2, 25) and event.first_date == date(2027, 1, 6)

    def on(day: date) -> bool:
        after = datetime.combine(day, datetime.min.time(), tzinfo=zone)
        return event.occurs_between(after, after + timedelta(days=1))

    assert [on(date(2027, 1, d)) for d in (20, 27, 28)] == [False, False, True]  # skipped, moved away, moved to
    assert on(date(2027, 2, 25)) and on(date(2027, 2, 3)) and not on(date(2027, 3, 3))


def test_a_moved_occurrence_may_leave_the_series_span(tmp_path: Path) -> None:
    """Moved before the first or after the last occurrence: the first and last days follow it."""
    path = tmp_path / "moved.md"
    path.write_text(
        "---\ntitle: T\ntype: meeting\nstart: 2027-01-04\nonline: true\nrepeat: FREQ=WEEKLY;COUNT=3\n"
        "changes:\n  - occurrence: 2027-01-04\n    start: 2026-12-30\n"
        "  - occurrence: 2027-01-18\n    start: 2027-03-01\n    end: 2027-03-02\n---\n",
        encoding="utf-8",
    )
    event = load_event_file(path, tmp_path, SiteConfig())
    assert list(event.starts()) == [date(2026, 12, 30), date(2027, 1, 11), date(2027, 3, 1)]
    assert (event.first_date, event.last_date) == (date(2026, 12, 30), date(2027, 3, 2))


def test_a_change_far_into_an_endless_series_is_found_without_walking_to_it(tmp_path: Path) -> None:
    path = tmp_path / "endless.md"
    path.write_text(
        "---\ntitle: T\ntype: meeting\nstart: 2027-01-04 09:00\nonline: true\nrepeat: FREQ=DAILY\n"
        "changes:\n  - occurrence: 2199-06-01 09:00\n    start: 2199-06-02 07:00\n---\n",
        encoding="utf-8",
    )
    event = load_event_file(path, tmp_path, SiteConfig())
    zone = SiteConfig().zone
    at = datetime(2199, 6, 1, tzinfo=zone)
    assert event.occurs_between(at, at + timedelta(days=2))
    assert event.last_date == date.max
    (change,) = event.changes
    assert change.moved and change.start == datetime(2199, 6, 2, 7, tzinfo=zone)


def test_a_synced_event_names_its_source_and_uid_there() -> None:
    source = load("every-field.md").fields.source
    assert source is not None and (source.id, source.uid) == ("national-consortium", "nhtc-2027@partner.example.org")
    assert load("hybrid.md").fields.source is None
    schema = json_schema()["$defs"]["SourceRef"]
    assert schema["required"] == ["id", "uid"] and schema["additionalProperties"] is False
