"""The front matter as an event keeps it: plain objects, frozen and slotted, with the same names and
values as pydantic's models, and `dump()` giving what `model_dump` gives, for every sample event,
every valid test file and generated events."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import BaseModel

from calendar_app.core.checked import (
    CHECKED,
    NO_DETAILS,
    CheckedFields,
    CheckedLocation,
    CheckedRegistration,
    checked_fields,
)
from calendar_app.core.config import SiteConfig
from calendar_app.core.errors import EventFileError
from calendar_app.core.fields import EventFields
from calendar_app.core.frontmatter import split_front_matter
from calendar_app.core.loader import event_files, load_event_file
from calendar_app.core.model import Event
from calendar_app.files.writer import render_event_file

from .conftest import DATA, SAMPLE_EVENTS
from .strategies import valid_events

FILES = [(SAMPLE_EVENTS, p) for p in event_files(SAMPLE_EVENTS)] + [
    (DATA / "valid", p) for p in event_files(DATA / "valid")
]
IDS = [str(path.relative_to(root)) for root, path in FILES]


def _pydantic_fields(path: Path, config: SiteConfig) -> EventFields:
    front = split_front_matter(path.read_text(encoding="utf-8"), str(path))
    return EventFields.model_validate(front.data, context={"config": config})


def _same_values(kept: Any, model: Any) -> None:
    """`kept` has each field of `model` under the same name, with the same value (lists as tuples)."""
    if isinstance(model, BaseModel):
        assert type(kept) is CHECKED[type(model)]
        assert [f.name for f in dataclasses.fields(kept)] == list(type(model).model_fields)
        for name in type(model).model_fields:
            _same_values(getattr(kept, name), getattr(model, name))
    elif isinstance(model, list):
        assert isinstance(kept, tuple) and len(kept) == len(model)
        for k, m in zip(kept, model, strict=True):
            _same_values(k, m)
    else:
        assert kept == model and type(kept) is type(model)


@pytest.mark.parametrize(("root", "path"), FILES, ids=IDS)
def test_every_file_keeps_what_pydantic_checked(root: Path, path: Path, sample_config: SiteConfig) -> None:
    event = load_event_file(path, root, sample_config)
    model = _pydantic_fields(path, sample_config)
    _same_values(event.fields, model)
    assert event.fields.dump() == model.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    for name in ("location", "registration", "organizer", "source"):
        part, kept = getattr(model, name), getattr(event.fields, name)
        if part is not None:
            assert kept.dump() == part.model_dump(mode="json", exclude_defaults=True)
            assert dataclasses.asdict(kept) == part.model_dump()


@settings(max_examples=max(40, settings().max_examples // 4), suppress_health_check=[HealthCheck.too_slow])
@given(drawn=valid_events())
def test_generated_files_dump_as_pydantic_dumps(drawn: tuple[dict[str, object], str]) -> None:
    fields, body = drawn
    front = split_front_matter(render_event_file(fields, body), "generated.md")
    model = EventFields.model_validate(front.data, context={"config": SiteConfig()})
    kept = checked_fields(model)
    _same_values(kept, model)
    assert kept.dump() == model.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def test_dump_leaves_out_what_is_excluded(sample_config: SiteConfig) -> None:
    event = load_event_file(DATA / "valid" / "recurring-weekly-with-except.md", DATA / "valid", sample_config)
    dumped = event.fields.dump(exclude={"except_", "title"})
    assert "except" in event.fields.dump() and "except" not in dumped and "title" not in dumped
    assert dumped["start"] == event.fields.start


def _objects(event: Event) -> list[object]:
    f = event.fields
    parts = [f.location, f.online, f.registration, f.organizer, f.source, *f.changes]
    return [event, f, *(p for p in parts if p is not None and p is not True)]


@pytest.mark.parametrize(("root", "path"), FILES, ids=IDS)
def test_the_event_and_its_fields_are_frozen_and_slotted(root: Path, path: Path, sample_config: SiteConfig) -> None:
    event = load_event_file(path, root, sample_config)
    for item in _objects(event):
        assert not hasattr(item, "__dict__"), type(item).__name__
        some_field = dataclasses.fields(item)[0].name  # type: ignore[arg-type]
        for name in (some_field, "title", "not_a_field"):
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(item, name, "changed")
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(item, some_field)


@pytest.mark.parametrize(("root", "path"), FILES, ids=IDS)
def test_every_event_comes_back_from_the_cache_whole(root: Path, path: Path, sample_config: SiteConfig) -> None:
    event = load_event_file(path, root, sample_config)
    _ = (event.first_date, event.last_date)  # worked out before pickling, as the cold start does
    again = pickle.loads(pickle.dumps([event], protocol=pickle.HIGHEST_PROTOCOL))[0]
    assert again == event and again.fields == event.fields and again.body == event.body
    for original, restored in zip(_objects(event), _objects(again), strict=True):
        assert type(restored) is type(original)
        for f in dataclasses.fields(original):  # type: ignore[arg-type]
            if f.compare:  # not a series' rule object, which compares by identity: its dates below
                assert getattr(restored, f.name) == getattr(original, f.name), f.name
    assert list(again.starts()) == list(event.starts())
    # What was worked out came back with it, not worked out again.
    assert again._first_date == event.first_date and again._last_date == event.last_date


def test_what_an_event_works_out_is_kept_once_asked(sample_config: SiteConfig) -> None:
    event = load_event_file(DATA / "valid" / "recurring-with-extra-and-changes.md", DATA / "valid", sample_config)
    assert event.last_date is event.last_date and event.first_date <= event.start_date
    again = pickle.loads(pickle.dumps(event))  # as the restart cache keeps it
    assert again == event and again.last_date == event.last_date and list(again.starts()) == list(event.starts())
    with pytest.raises(dataclasses.FrozenInstanceError):
        again.title = "changed"  # type: ignore[misc]
    assert dataclasses.replace(event, slug="other").last_date == event.last_date


def test_values_events_share_are_held_once(tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / f"{name}.md").write_text(
            render_event_file(
                {"title": f"Event {name}", "type": "webinar", "start": "2027-03-01", "timezone": "America/Chicago",
                 "location": {"venue": "Training Center", "city": "Columbia", "region": "SC"},
                 "registration": {"url": f"https://example.org/{name}", "cost": "Free"},
                 "sponsors": ["BJA", "OVC"], "topics": ["labor trafficking"]},
                "",
            ),
            encoding="utf-8",
        )
    one, two = (load_event_file(tmp_path / f"{n}.md", tmp_path, SiteConfig()) for n in ("one", "two"))
    assert one.fields.type is two.fields.type and one.fields.timezone is two.fields.timezone
    assert one.fields.sponsors is two.fields.sponsors and one.fields.topics is two.fields.topics
    assert one.fields.location is two.fields.location  # every part of a place is shared: the place too
    assert isinstance(one.fields.registration, CheckedRegistration)
    assert one.fields.registration is not two.fields.registration  # its address is the event's own
    assert one.fields.registration.cost is two.fields.registration.cost  # type: ignore[union-attr]


def test_online_true_is_kept_as_written_and_read_as_no_details() -> None:
    kept = checked_fields(EventFields.model_validate({"title": "A", "type": "webinar", "start": "2027-01-01", "online": "true"}))
    assert kept.online is True and kept.dump()["online"] is True
    assert NO_DETAILS.url is None and NO_DETAILS.platform is None


def test_places_read_as_the_listing_and_feeds_show_them() -> None:
    place = CheckedLocation(venue="Embassy Suites", address="200 Stoneridge Dr", city="Columbia", region="SC",
                            postal_code="29210", country="US")
    assert place.one_line() == "Embassy Suites, 200 Stoneridge Dr, Columbia, SC 29210"
    assert place.place() == "Columbia, SC"
    assert CheckedLocation(venue="Rathaus", city="Oslo", country="NO").one_line() == "Rathaus, Oslo, NO"
    assert CheckedLocation(venue="Online studio").place() == "Online studio"
    assert CheckedRegistration(cost=" Free ").is_free and not CheckedRegistration(cost="$50").is_free


def test_every_model_has_its_plain_class_with_the_same_fields() -> None:
    for model, kept in CHECKED.items():
        assert [f.name for f in dataclasses.fields(kept)] == list(model.model_fields), kept.__name__
        defaults = {f.name: f.default for f in dataclasses.fields(kept) if f.default is not dataclasses.MISSING}
        for name, info in model.model_fields.items():
            if not info.is_required():
                given = info.default
                assert defaults[name] == (tuple(given) if isinstance(given, list) else given), (kept.__name__, name)
    assert CHECKED[EventFields] is CheckedFields


def test_an_invalid_file_is_still_refused_by_pydantic(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_text("---\ntitle: A\ntype: webinar\nstart: 2027-01-01\nonline: maybe\n---\n")
    with pytest.raises(EventFileError, match="online: must be true or a mapping"):
        load_event_file(tmp_path / "bad.md", tmp_path, SiteConfig())
