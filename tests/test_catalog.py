"""The loaded set: filters from query strings, selection, facet counts, observances."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from calendar_app.core.catalog import Catalog
from calendar_app.core.config import SiteConfig
from calendar_app.core.errors import FilterError
from calendar_app.core.filters import Filters
from calendar_app.core.loader import load_events
from calendar_app.files.writer import render_event_file

CONFIG = SiteConfig()
TODAY = date(2026, 11, 23)

EVENTS: dict[str, dict[str, Any]] = {
    "past-webinar": {
        "title": "Past Webinar", "type": "webinar", "start": "2026-10-06 14:00", "online": {"platform": "Zoom"},
        "topics": ["labor trafficking"], "audience": ["law enforcement"],
    },
    "old-webinar": {
        "title": "Old Webinar", "type": "webinar", "start": "2025-01-07 14:00", "online": "true",
    },
    "cst-columbia": {
        "title": "Child Sex Trafficking: Law Enforcement Response", "type": "training",
        "start": "2027-02-22", "end": "2027-02-24",
        "location": {"city": "Columbia", "region": "SC"}, "sponsors": ["OJJDP"],
        "topics": ["child sex trafficking", "investigations"], "audience": ["law enforcement", "prosecutors"],
        "registration": {"cost": "Free"},
    },
    "ecm-webinar": {
        "title": "ECM Pre-Application Webinar", "type": "webinar", "start": "2027-01-19 14:00", "end": "15:30",
        "online": {"url": "https://www.example.gov/join/ecm"}, "sponsors": ["OVC", "BJA"],
        "topics": ["task forces"], "audience": ["Law Enforcement", "task forces"],
        "accessibility": ["captions", "transcript"], "registration": {"cost": "Free"},
    },
    "awareness-day": {
        "title": "National Human Trafficking Awareness Day", "type": "observance", "start": "2027-01-11",
    },
    "wednesdays": {
        "title": "Prevention Month Wednesdays", "type": "webinar", "start": "2027-01-06 13:00", "end": "14:00",
        "online": "true", "repeat": "FREQ=WEEKLY;BYDAY=WE;COUNT=4", "except": ["2027-01-20 13:00"],
        "topics": ["prevention"],
    },
    "mdt-chicago": {
        "title": "MDT Response to Child Sex Trafficking", "type": "training", "start": "2027-03-01 08:30",
        "end": "2027-03-04 12:00", "timezone": "America/Chicago",
        "location": {"city": "Chicago", "region": "IL"}, "online": {"url": "https://www.example.org/stream"},
        "sponsors": ["OJJDP"], "topics": ["child sex trafficking"], "language": "en",
    },
    "trata-laboral": {
        "title": "Trata laboral", "type": "webinar", "start": "2027-03-16 12:00", "online": "true",
        "language": "es", "topics": ["labor trafficking"], "accessibility": ["captions"],
    },
    "summer-kickoff": {
        "title": "Prevention Month Planning Call", "type": "meeting", "start": "2027-09-08 11:00",
        "online": "true", "observances": ["prevention-month"],
    },
    "cancelled-consultation": {
        "title": "Tribal Consultation", "type": "meeting", "start": "2027-05-18", "status": "cancelled",
        "location": {"city": "Rapid City", "region": "SD"},
    },
}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    folder: Path = tmp_path_factory.mktemp("events")
    for slug, data in EVENTS.items():
        (folder / f"{slug}.md").write_text(render_event_file(data, f"About {data['title']}."), encoding="utf-8")
    result = load_events(folder, CONFIG)
    assert result.problems == []
    return Catalog(CONFIG, result.events)


def query(*items: tuple[str, str], **extra: Any) -> Filters:
    return Filters.from_query(list(items), CONFIG, **extra)


def slugs(events: list[Any]) -> list[str]:
    return [e.slug for e in events]


# --- Filters ---------------------------------------------------------------------------------


def test_filters_from_a_query_string() -> None:
    f = query(("type", "webinar,training"), ("type", "webinar"), ("topic", " labor trafficking "),
              ("online", "yes"), ("free", "1"), ("from", "2027-01-01"), ("to", "2027-01-31"), ("q", "  ecm  "))
    assert f.types == ("webinar", "training")
    assert f.topics == ("labor trafficking",)
    assert (f.online, f.free, f.q) == (True, True, "ecm")
    assert (f.start, f.end) == (date(2027, 1, 1), date(2027, 1, 31))


def test_empty_values_mean_no_filter() -> None:
    assert query(("type", ""), ("online", ""), ("from", ""), ("observance", "")).is_empty


def test_query_round_trips() -> None:
    f = query(("type", "webinar"), ("audience", "prosecutors"), ("region", "SC"), ("online", "false"),
              ("observance", "prevention-month"), ("from", "2027-01-01"), ("q", "child"))
    assert Filters.from_query(f.to_query(), CONFIG) == f
    assert f.to_query() == [
        ("type", "webinar"), ("audience", "prosecutors"), ("region", "SC"), ("online", "false"),
        ("q", "child"), ("from", "2027-01-01"), ("observance", "prevention-month"),
    ]


@pytest.mark.parametrize(
    ("items", "parameter", "message", "choices"),
    [
        ([("tpye", "webinar")], "tpye", "unknown parameter (did you mean 'type'?)", None),
        ([("type", "webnar")], "type", "unknown type 'webnar'", CONFIG.types),
        ([("from", "January 5")], "from", "'January 5' is not a date; use YYYY-MM-DD", []),
        ([("from", "2027-02-01"), ("to", "2027-01-01")], "to", "the range ends before it starts (2027-01-01 < 2027-02-01)", []),
        ([("online", "maybe")], "online", "'maybe' is not true or false", ["true", "false"]),
        ([("observance", "pride-month")], "observance", "unknown observance 'pride-month'", ["prevention-month"]),
    ],
)
def test_unusable_filters_name_their_parameter(
    items: list[tuple[str, str]], parameter: str, message: str, choices: list[str] | None
) -> None:
    with pytest.raises(FilterError) as caught:
        query(*items)
    assert (caught.value.parameter, caught.value.message) == (parameter, message)
    if choices is not None:
        assert caught.value.choices == choices
    else:
        assert "type" in caught.value.choices


def test_allowed_extra_parameters_are_ignored() -> None:
    assert query(("page", "2"), ("type", "webinar"), allowed_extra=["page"]).types == ("webinar",)


def test_a_search_past_its_length_is_refused_by_name() -> None:
    assert len(query(("q", "x" * 200)).q) == 200
    with pytest.raises(FilterError) as caught:
        query(("q", "x" * 201))
    assert caught.value.parameter == "q" and "at most 200" in caught.value.message


def test_without_drops_one_filter() -> None:
    f = query(("type", "webinar"), ("online", "true"))
    assert f.without("types") == query(("online", "true"))


# --- selection -------------------------------------------------------------------------------


def test_upcoming_events_in_start_order(catalog: Catalog) -> None:
    assert slugs(catalog.select(Filters(), today=TODAY)) == [
        "wednesdays", "awareness-day", "ecm-webinar", "cst-columbia", "mdt-chicago", "trata-laboral",
        "cancelled-consultation", "summer-kickoff",
    ]


def test_past_events_newest_first(catalog: Catalog) -> None:
    assert slugs(catalog.select(Filters(), today=TODAY, past=True)) == ["past-webinar", "old-webinar"]


def test_an_event_stays_upcoming_until_its_last_day_is_over(catalog: Catalog) -> None:
    assert "cst-columbia" in slugs(catalog.select(Filters(), today=date(2027, 2, 24)))
    assert "cst-columbia" not in slugs(catalog.select(Filters(), today=date(2027, 2, 25)))
    assert "wednesdays" in slugs(catalog.select(Filters(), today=date(2027, 1, 27)))


def test_filters_combine_within_and_across(catalog: Catalog) -> None:
    assert slugs(catalog.select(query(("type", "training,observance")), today=TODAY)) == [
        "awareness-day", "cst-columbia", "mdt-chicago",
    ]
    both = query(("topic", "child sex trafficking"), ("online", "true"))
    assert slugs(catalog.select(both, today=TODAY)) == ["mdt-chicago"]


def test_tags_match_without_case(catalog: Catalog) -> None:
    assert slugs(catalog.select(query(("audience", "LAW ENFORCEMENT")), today=TODAY)) == [
        "ecm-webinar", "cst-columbia",
    ]


def test_other_filters(catalog: Catalog) -> None:
    assert slugs(catalog.select(query(("region", "sc")), today=TODAY)) == ["cst-columbia"]
    assert slugs(catalog.select(query(("language", "es")), today=TODAY)) == ["trata-laboral"]
    assert slugs(catalog.select(query(("accessibility", "captions,transcript")), today=TODAY)) == ["ecm-webinar"]
    assert slugs(catalog.select(query(("free", "true")), today=TODAY)) == ["ecm-webinar", "cst-columbia"]
    assert slugs(catalog.select(query(("sponsor", "ojjdp")), today=TODAY)) == ["cst-columbia", "mdt-chicago"]
    in_person = slugs(catalog.select(query(("online", "false")), today=TODAY))
    assert in_person == ["awareness-day", "cst-columbia", "cancelled-consultation"]


def test_free_text_search_needs_every_word(catalog: Catalog) -> None:
    assert slugs(catalog.select(query(("q", "child columbia")), today=TODAY)) == ["cst-columbia"]
    assert slugs(catalog.select(query(("q", "ABOUT trata")), today=TODAY)) == ["trata-laboral"]


def test_a_search_chooses_alike_in_lists_feeds_and_counts(catalog: Catalog) -> None:
    """Each event's text is made when a search asks (events keep none), once per search: the
    lists, the feed and every facet count agree with a word-by-word look at each event."""
    for words in ("webinar", "child columbia", "columbia", "nothing-has-this"):
        f = query(("q", words))
        expected = [e.slug for e in catalog.events if all(w in e.search_text for w in words.casefold().split())]
        upcoming = slugs(catalog.select(f, today=TODAY))
        past = slugs(catalog.select(f, today=date(2028, 1, 1), past=True))
        assert set(upcoming) <= set(expected) and set(past) <= set(expected)
        assert set(slugs(catalog.feed_events(f, today=TODAY))) == set(expected) & {
            e.slug for e in catalog.feed_events(Filters(), today=TODAY)
        }
        counts = dict(catalog.facets(f, today=TODAY)["types"])
        assert sum(counts.values()) == len(upcoming)
        assert slugs(catalog.select(f, today=TODAY)) == upcoming  # asked again: the same, from the memo


def test_date_range_uses_occurrences(catalog: Catalog) -> None:
    january_third_week = query(("from", "2027-01-18"), ("to", "2027-01-24"))
    assert slugs(catalog.select(january_third_week, today=TODAY)) == ["ecm-webinar"]  # no Wednesday on the 20th
    fourth_week = query(("from", "2027-01-25"), ("to", "2027-01-31"))
    assert slugs(catalog.select(fourth_week, today=TODAY)) == ["wednesdays"]
    last_day_of_training = query(("from", "2027-02-24"), ("to", "2027-02-24"))
    assert slugs(catalog.select(last_day_of_training, today=TODAY)) == ["cst-columbia"]


def test_observance_filter_includes_events_naming_it(catalog: Catalog) -> None:
    chosen = slugs(catalog.select(query(("observance", "prevention-month")), today=TODAY))
    assert chosen == ["wednesdays", "awareness-day", "ecm-webinar", "summer-kickoff"]


def test_feed_keeps_the_configured_past(catalog: Catalog) -> None:
    feed = slugs(catalog.feed_events(Filters(), today=TODAY))
    assert "past-webinar" in feed and "old-webinar" not in feed
    assert "cancelled-consultation" in feed  # subscribers must see the cancellation


def test_facet_counts_keep_the_other_filters(catalog: Catalog) -> None:
    facets = catalog.facets(query(("type", "webinar")), today=TODAY)
    assert dict(facets["types"]) == {"webinar": 3, "training": 2, "observance": 1, "meeting": 2}
    assert dict(facets["languages"]) == {"en": 2, "es": 1}
    assert dict(facets["topics"]) == {"task forces": 1, "prevention": 1, "labor trafficking": 1}
    assert facets["online"] == [("true", 3)]


def test_a_chosen_value_is_listed_even_with_no_events(catalog: Catalog) -> None:
    facets = catalog.facets(query(("topic", "forced marriage")), today=TODAY)
    assert ("forced marriage", 0) in facets["topics"]


# --- observances -------------------------------------------------------------


def test_prevention_month_events(catalog: Catalog) -> None:
    month = CONFIG.observance("prevention-month")
    assert month is not None
    assert slugs(catalog.observance_events(month, 2027)) == ["wednesdays", "awareness-day", "ecm-webinar"]
    # Named outside the window, an event belongs to the nearest January.
    assert catalog.observance_year(catalog.by_slug["summer-kickoff"], month) == 2028
    assert slugs(catalog.observance_events(month, 2028)) == ["summer-kickoff"]
    assert catalog.observance_years(month) == [2025, 2027, 2028]


def test_prevention_month_is_highlighted_from_december(catalog: Catalog) -> None:
    assert catalog.active_highlights(TODAY) == []
    (highlight,) = catalog.active_highlights(date(2026, 12, 1))
    assert (highlight[0].id, highlight[1]) == ("prevention-month", 2027)
    assert [o.id for o, _ in catalog.active_highlights(date(2027, 1, 31))] == ["prevention-month"]
    assert catalog.active_highlights(date(2027, 2, 1)) == []


def test_an_empty_catalog(tmp_path: Path) -> None:
    empty = Catalog(CONFIG, [])
    assert len(empty) == 0
    assert empty.select(Filters(), today=TODAY) == []
    assert all(counts in ([], [("true", 0)]) for counts in empty.facets(Filters(), today=TODAY).values())


# --- a catalog changed, not made again --------------------------------------------------------


def _made_again(catalog: Catalog, added: list[Any], removed: list[Any]) -> Catalog:
    gone = {id(e) for e in removed}
    return Catalog(catalog.config, [e for e in catalog.events if id(e) not in gone] + added)


def _alike(changed: Catalog, fresh: Catalog) -> None:
    """Every index and every answer of `changed` is that of `fresh`, made from scratch."""
    for index in ("events", "_by_last", "_by_first"):
        assert [id(e) for e in getattr(changed, index)] == [id(e) for e in getattr(fresh, index)], index
    assert changed._last_keys == fresh._last_keys and changed._first_keys == fresh._first_keys
    assert changed.by_slug == fresh.by_slug and changed.known == fresh.known
    for f in (Filters(), query(("type", "webinar")), query(("from", "2027-01-01"), ("to", "2027-03-31"))):
        for past in (False, True):
            assert changed.select(f, today=TODAY, past=past) == fresh.select(f, today=TODAY, past=past)
            assert changed.facets(f, today=TODAY, past=past) == fresh.facets(f, today=TODAY, past=past)
        assert changed.feed_events(f, today=TODAY) == fresh.feed_events(f, today=TODAY)


def test_a_changed_catalog_is_the_one_made_from_scratch(sample_catalog: Catalog) -> None:
    import random

    rng = random.Random(2027)
    events = list(sample_catalog.events)
    held, spare = Catalog(sample_catalog.config, events[: len(events) * 2 // 3]), events[len(events) * 2 // 3 :]
    for _ in range(40):
        removed = rng.sample(held.events, rng.randrange(0, 3))
        added = [spare.pop(rng.randrange(len(spare))) for _ in range(rng.randrange(0, 3)) if spare]
        spare += removed
        changed = held.changed(added, removed)
        _alike(changed, _made_again(held, added, removed))
        assert changed.change is not None and changed.change.previous() is held
        assert (list(changed.change.added), list(changed.change.removed)) == (added, removed)
        held = changed


def test_a_value_no_event_has_any_more_is_no_longer_known(catalog: Catalog) -> None:
    topic = "prevention"
    (only,) = [e for e in catalog.events if topic in e.fields.topics]
    changed = catalog.changed([], [only])
    assert topic in catalog.known["topics"] and topic not in changed.known["topics"]
    assert topic in changed.changed([only], []).known["topics"]


def _facets_one_filter_at_a_time(catalog: Catalog, f: Filters, past: bool) -> dict[str, list[tuple[str, int]]]:
    """The facet counts as they are defined: for each facet, every event of the pool matched
    against the filters less that facet's."""
    from collections import Counter

    from calendar_app.core.catalog import FACETS, _facet_values
    from calendar_app.core.filters import matches

    pool = catalog.select(f.changed("types", ()).changed("topics", ()).changed("audience", ()).changed(
        "sponsors", ()).changed("regions", ()).changed("languages", ()).changed("accessibility", ()).changed(
        "online", None).changed("free", False), today=TODAY, past=past)
    pool, f = catalog._searched(pool, f)
    result: dict[str, list[tuple[str, int]]] = {}
    for attr, _param in FACETS:
        counts: Counter[str] = Counter()
        for event in pool:
            if matches(event, f, skip=attr):
                counts.update(set(_facet_values(event, attr, catalog.config)))
        for chosen in getattr(f, attr):
            counts.setdefault(chosen, 0)
        result[attr] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
    for attr in ("online", "free"):
        result[attr] = [("true", sum(1 for e in pool if matches(e, f.changed(attr, True))))]
    return result


@pytest.mark.parametrize(
    "items",
    [
        (), (("type", "webinar"),), (("type", "webinar"), ("type", "training")), (("online", "true"),),
        (("online", "false"), ("free", "true")), (("topic", "labor trafficking"), ("audience", "law enforcement")),
        (("sponsor", "BJA"), ("accessibility", "captions")), (("region", "SC"), ("type", "training")),
        (("from", "2027-01-01"), ("to", "2027-02-28"), ("type", "webinar")), (("q", "trafficking"), ("online", "true")),
        (("language", "es"),),
    ],
)
def test_facet_counts_are_each_facet_left_out_in_turn(catalog: Catalog, items: tuple[tuple[str, str], ...]) -> None:
    f = query(*items)
    for past in (False, True):
        assert catalog.facets(f, today=TODAY, past=past) == _facets_one_filter_at_a_time(catalog, f, past)


def test_an_event_all_of_whose_days_are_in_a_range_is_in_it_without_walking_its_rule(
    sample_catalog: Catalog,
) -> None:
    from datetime import timedelta

    from calendar_app.core.when import as_instant

    events = list(sample_catalog.events)
    events += load_events(Path(__file__).parent / "data" / "valid", sample_catalog.config).events
    days = sorted({d for e in events for d in (e.first_date, e.last_date) if d != date.max})
    edges = sorted({d + timedelta(days=k) for d in days for k in (-1, 0, 1)})
    for first, last in zip(edges, edges[3:], strict=False):
        for start, end in ((first, last), (first, None), (None, last)):
            f = Filters(start=start, end=end)
            for event in events:
                after = as_instant(start, event.zone) if start else None
                before = as_instant(end + timedelta(days=1), event.zone) if end else None
                assert sample_catalog._in_range(event, f) == event.occurs_between(after, before), (event.slug, f)
