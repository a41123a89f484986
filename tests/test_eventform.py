"""The event form: every field of the model has a control, and values convert both ways."""

from __future__ import annotations

import json

from calendar_app.core.config import SiteConfig
from calendar_app.core.errors import Problem
from calendar_app.core.fields import FIELD_NAMES, EventFields, OccurrenceChangeFields
from calendar_app.desk.eventform import (
    BODY,
    CHANGE_KEYS,
    FIELDS_BY_NAME,
    FORM_FIELDS,
    blank_change_rows,
    change_row_of,
    change_rows,
    changed_fields,
    choices_for,
    data_from_values,
    empty_values,
    errors_by_field,
    in_form_words,
    joined_when,
    values_from_data,
    values_from_form,
    when_parts,
)


def test_every_field_of_the_model_has_a_control() -> None:
    names = {f.name for f in FORM_FIELDS}
    assert set(FIELD_NAMES) <= names | {"location", "registration", "organizer"}
    for group in ("location", "registration", "organizer", "online"):
        model = EventFields.model_fields[group].annotation
        parts = {f"{group}.{sub}" for sub in _sub_fields(model)}
        assert parts <= names, parts - names
    assert BODY in names


def _sub_fields(annotation: object) -> list[str]:
    from typing import get_args

    for candidate in (annotation, *get_args(annotation), *(a for arg in get_args(annotation) for a in get_args(arg))):
        fields = getattr(candidate, "model_fields", None)
        if fields:
            return list(fields)
    return []


def test_values_round_trip_through_front_matter() -> None:
    data = {
        "title": "Labor Trafficking 101", "type": "webinar", "start": "2027-03-02 14:00", "end": "15:00",
        "status": "postponed", "status_note": "New date to follow",
        "location": {"city": "Chicago", "region": "IL"}, "online": {"url": "https://example.org/j"},
        "sponsors": ["NIJ", "OVC"], "except": ["2027-03-09 14:00", "2027-03-16 14:00"],
        "repeat": "FREQ=WEEKLY;COUNT=4", "recording": "false", "featured": "true", "sequence": "3",
    }
    values = values_from_data(data, "Body text")
    assert values["sponsors"] == "NIJ, OVC" and values["except"] == "2027-03-09 14:00\n2027-03-16 14:00"
    assert values["online"] == "on" and values["recording"] == "no" and values["featured"] == "on"
    back = data_from_values(values)
    assert list(back) == ["title", "type", "start", "end", "status", "status_note", "location", "online",
                          "sponsors", "recording", "featured", "repeat", "except", "sequence"]
    assert back["recording"] is False and back["featured"] is True and back["sequence"] == 3
    assert back["except"] == ["2027-03-09 14:00", "2027-03-16 14:00"] and back["online"] == {"url": "https://example.org/j"}


def test_the_default_status_is_not_written_and_online_alone_is_true() -> None:
    values = {**empty_values(), "title": "T", "online": "on"}
    data = data_from_values(values)
    assert "status" not in data and data["online"] is True


def test_problems_land_beside_their_controls() -> None:
    problems = [
        Problem("f.md", 5, "registration.deadline", "is after the event starts"),
        Problem("f.md", 9, "except[1]", "is not an occurrence"),
        Problem("f.md", 14, None, "the description contains control characters"),
        Problem("f.md", 1, None, "the file is too large"),
        Problem("f.md", 3, "registration", "must be a mapping"),
    ]
    by_field, general = errors_by_field(problems, body_line=12)
    assert by_field == {"registration.deadline": ["is after the event starts"], "except": ["is not an occurrence"],
                        BODY: ["the description contains control characters"],
                        "registration.url": ["must be a mapping"]}
    assert general == ["the file is too large"]


def test_an_event_without_a_place_is_told_beside_where_in_the_forms_words() -> None:
    problem = Problem("f.md", 6, "location", "the event has neither a location nor online details",
                      "add `location:` (a venue) or `online:` (a link)",
                      form_hint="fill in Where (a venue or city) or Online (a link, or tick Online event)")
    by_field, general = errors_by_field([problem])
    assert by_field == {"location.venue": [
        "the event has neither a location nor online details. "
        "Hint: fill in Where (a venue or city) or Online (a link, or tick Online event)."]}
    assert not general and "`" not in by_field["location.venue"][0]


def test_a_start_is_posted_as_a_date_and_a_time_or_as_text() -> None:
    assert joined_when({"start.date": "2027-04-06", "start.time": "13:00"}, "start") == "2027-04-06 13:00"
    assert joined_when({"start.date": "2027-04-06", "start.time": ""}, "start") == "2027-04-06"
    assert joined_when({"end.date": "", "end.time": "14:30"}, "end") == "14:30"  # on the start day
    # The text, when filled in, is what the person meant: anything an event file takes.
    posted = {"start": " 2027-04-06 13:00-05:00 ", "start.date": "2027-04-06", "start.time": "13:00"}
    assert joined_when(posted, "start") == "2027-04-06 13:00-05:00"
    assert values_from_form(posted)["start"] == "2027-04-06 13:00-05:00"
    for value, parts in [("2027-04-06 13:00", ("2027-04-06", "13:00", "")), ("2027-04-06", ("2027-04-06", "", "")),
                         ("14:30", ("", "14:30", "")), ("2027-04-06T13:00", ("", "", "2027-04-06T13:00")),
                         ("2027-04-06 13:00:30", ("", "", "2027-04-06 13:00:30")), ("next Tuesday", ("", "", "next Tuesday"))]:
        assert when_parts(value) == parts, value
        day, clock, text = parts
        assert joined_when({"x": text, "x.date": day, "x.time": clock}, "x") == value  # shown, posted back unchanged


def test_choices_come_from_the_site_configuration() -> None:
    config = SiteConfig(types=["webinar", "training"])
    by_name = {f.name: f for f in FORM_FIELDS}
    assert choices_for(by_name["type"], config) == [("webinar", "webinar"), ("training", "training")]
    assert ("cancelled", "cancelled") in choices_for(by_name["status"], config)


# --- changed sessions ----------------------------------------------------------------------------

CHANGES = [
    {"occurrence": "2027-01-27 13:00", "start": "2027-01-28 14:00", "title": "Special session: Labor Trafficking"},
    {"occurrence": "2027-02-03 13:00", "status": "cancelled", "status_note": "The presenter is ill."},
]


def test_a_changed_session_has_a_control_for_every_key_of_the_model() -> None:
    assert CHANGE_KEYS == tuple(OccurrenceChangeFields.model_fields)
    assert {"occurrence", "start", "end", "title", "status", "status_note"} <= set(CHANGE_KEYS)


def test_changes_round_trip_through_front_matter_as_rows() -> None:
    values = values_from_data({"title": "T", "repeat": "FREQ=WEEKLY;COUNT=6", "changes": CHANGES}, "")
    assert change_rows(values["changes"]) == CHANGES
    back = data_from_values(values)
    assert back["changes"] == CHANGES and list(back) == ["title", "repeat", "changes"]
    assert values_from_data({"title": "T"}, "")["changes"] == "" and "changes" not in data_from_values(
        values_from_data({"title": "T"}, ""))


def test_rows_are_posted_as_a_browser_sends_them() -> None:
    posted = {
        # Chosen from the list of sessions; the new start in the native date and time controls.
        "changes.0.occurrence.choice": "2027-01-27 13:00", "changes.0.occurrence": "",
        "changes.0.start.date": "2027-01-28", "changes.0.start.time": "14:00", "changes.0.start": "",
        "changes.0.end.date": "", "changes.0.end.time": "", "changes.0.end": "",
        "changes.0.title": " Special session: Labor Trafficking ", "changes.0.status": "", "changes.0.status_note": "",
        # Typed out: the text wins over the list.
        "changes.1.occurrence.choice": "2027-01-13 13:00", "changes.1.occurrence": "2027-02-03 13:00",
        "changes.1.status": "cancelled", "changes.1.status_note": "The presenter is ill.",
        # Empty, and removed: neither is written.
        "changes.2.occurrence.choice": "", "changes.2.occurrence": "", "changes.2.start.date": "", "changes.2.title": "",
        "changes.3.occurrence.choice": "2027-02-10 13:00", "changes.3.status": "cancelled", "changes.3.remove": "on",
        "changes.10.title": "",
    }
    values = values_from_form(posted)
    assert json.loads(values["changes"]) == CHANGES
    assert blank_change_rows(posted) == 2  # rows 2 and 10; the removed one is not counted
    assert values_from_form({"changes.0.occurrence": ""})["changes"] == ""  # nothing but empty rows


def test_changes_in_another_key_order_or_spacing_are_not_a_change() -> None:
    before = values_from_data({"changes": [{"status": "cancelled", "occurrence": "2027-02-03 13:00"}]}, "")
    after = values_from_form({"changes.0.occurrence": "2027-02-03 13:00", "changes.0.status": "cancelled"})
    assert before["changes"] != after["changes"]
    assert changed_fields(before, {**before, "changes": after["changes"]}) == []
    moved = values_from_form({"changes.0.occurrence": "2027-02-03 13:00", "changes.0.status": "tentative"})
    assert changed_fields(before, {**before, "changes": moved["changes"]}) == ["changes"]


def test_entries_the_form_cannot_show_as_typed_are_kept_for_the_validator() -> None:
    data = {"changes": [{"occurrence": "2027-01-27 13:00", "ocurrence": "typo"}, None, "2027-02-03 13:00"]}
    values = values_from_data(data, "")
    assert change_rows(values["changes"]) == [
        {"occurrence": "2027-01-27 13:00", "ocurrence": "typo"}, {}, {"occurrence": "2027-02-03 13:00"}]
    # Every entry keeps its place: the validator's `changes[2]` is the form's third row.
    assert data_from_values(values)["changes"] == data["changes"]
    assert data_from_values({**empty_values(), "changes": "not a list"})["changes"] == "not a list"


def test_problems_with_a_changed_session_name_its_row_and_key_in_the_forms_words() -> None:
    problem = Problem("f.md", 12, "changes[1].occurrence", "2027-01-14 13:00 is not an occurrence of the repeat "
                      "rule or `extra`")
    assert change_row_of(problem) == (1, "occurrence")
    assert change_row_of(Problem("f.md", 11, "changes[0]", "changes nothing")) == (0, "")
    assert change_row_of(Problem("f.md", 11, "changes", "changed occurrences need a `repeat` rule")) is None
    assert change_row_of(Problem("f.md", 11, "except[0]", "x")) is None
    by_field, general = errors_by_field([problem])
    assert list(by_field) == ["changes"] and not general  # beside Changed sessions, at worst
    assert in_form_words(problem.message) == "2027-01-14 13:00 is not an occurrence of the repeat rule or Extra dates"
    assert in_form_words("2027-01-27 13:00 is changed already in changes[0]") == (
        "2027-01-27 13:00 is changed already in session change 1")
    assert in_form_words("2027-01-20 13:00 is skipped in `except`") == (
        "2027-01-20 13:00 is listed in Skipped occurrences")
    assert in_form_words("a status note needs `status: cancelled` or `tentative` in the same change") == (
        "a status note needs status Cancelled or Tentative in the same change")


def test_source_is_shown_never_posted_and_written_back_as_the_file_had_it() -> None:
    data = {"title": "Labor Trafficking Webinar", "type": "webinar", "start": "2027-03-01 14:00",
            "source": {"id": "ovc-ttac", "uid": "webinar@ovc.example.org"}}
    values = values_from_data(data, "")
    assert values["source"] == '{"id": "ovc-ttac", "uid": "webinar@ovc.example.org"}'
    assert data_from_values(values)["source"] == data["source"]
    posted = values_from_form({**values, "source": '{"id": "elsewhere", "uid": "forged"}'})
    assert posted["source"] == ""  # the routes carry it over from the file or the queued item instead
    assert FIELDS_BY_NAME["source"].kind == "kept"
