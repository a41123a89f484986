"""Which events each listing holds, kept from the last build when no event changed in what
they are chosen by, and chosen again otherwise."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any

from calendar_app.build.selections import Selections, listing_signature
from calendar_app.core.catalog import Catalog
from calendar_app.core.filters import Filters
from calendar_app.core.model import Event
from calendar_app.render.listing import listing_results

TODAY = date(2026, 11, 23)


def _with(event: Event, **changes: Any) -> Event:
    """The same event with other front matter, as a new version of its file would give."""
    return replace(event, fields=replace(event.fields, **changes))


def test_the_signature_ignores_what_is_only_shown(sample_catalog: Catalog) -> None:
    event = next(e for e in sample_catalog.events if e.fields.sponsors)
    assert listing_signature(_with(event, title="Another title", status_note="Room changed")) == listing_signature(event)
    assert listing_signature(_with(event, type="seminar" if event.type != "seminar" else "webinar")) != listing_signature(event)
    assert listing_signature(_with(event, sponsors=("Someone Else",))) != listing_signature(event)


def test_kept_selections_are_the_last_builds_and_chosen_ones_are_counted(sample_catalog: Catalog) -> None:
    webinars = Filters(types=("webinar",))
    choose = partial(listing_results, sample_catalog, webinars, today=TODAY)
    first = Selections(sample_catalog, {}, reuse=True)
    results = first.listing("listing:type/webinar/", webinars, False, choose)
    feed = first.events("feed:", partial(sample_catalog.feed_events, Filters(), today=TODAY))
    assert first.chosen == 2 and results.events
    kept = Selections(sample_catalog, first.stored, reuse=True)
    again = kept.listing("listing:type/webinar/", webinars, False, lambda: (_ for _ in ()).throw(AssertionError))
    assert kept.chosen == 0
    assert again == results  # the same events in the same order, the same counts
    assert kept.events("feed:", lambda: []) == feed
    fresh = Selections(sample_catalog, first.stored, reuse=False)
    assert fresh.events("feed:", lambda: feed[:1]) == feed[:1] and fresh.chosen == 1


def test_a_selection_naming_an_event_that_is_gone_is_chosen_again(sample_catalog: Catalog) -> None:
    stored = {"feed:": {"slugs": ["no-such-event"]}}
    chosen = Selections(sample_catalog, stored, reuse=True)
    assert chosen.events("feed:", lambda: sample_catalog.events[:2]) == sample_catalog.events[:2]
    assert chosen.chosen == 1
