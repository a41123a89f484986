"""Page contexts of the listing, without the web layer (a static build reads the same data)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from calendar_app.core.catalog import Catalog
from calendar_app.core.config import SiteConfig
from calendar_app.core.errors import FilterError
from calendar_app.core.loader import load_events
from calendar_app.render.entries import series_note
from calendar_app.render.frame import hotline_parts
from calendar_app.render.listing import (
    listing_context,
    observance_context,
    parse_year,
    results_text,
    subscribe_links,
)
from calendar_app.render.phrasing import text_of

NOVEMBER = date(2026, 11, 23)


def test_subscribe_links() -> None:
    links = subscribe_links("https://trainings.example.gov", "/calendar.ics?type=webinar&region=SC")
    assert links.https == "https://trainings.example.gov/calendar.ics?type=webinar&region=SC"
    assert links.webcal == "webcal://trainings.example.gov/calendar.ics?type=webinar&region=SC"
    assert links.google == (
        "https://calendar.google.com/calendar/r?cid="
        "webcal%3A%2F%2Ftrainings.example.gov%2Fcalendar.ics%3Ftype%3Dwebinar%26region%3DSC"
    )


def test_listing_context_groups_pages_and_counts(sample_catalog: Catalog, sample_config: SiteConfig) -> None:
    context = listing_context(sample_catalog, sample_config, [("type", "webinar")], today=NOVEMBER)
    assert context["title"] == "Upcoming events: webinars"
    assert [g.title for g in context["groups"]][:2] == ["December 2026", "January 2027"]
    assert context["groups"][0].entries[0].line_text == "December 3, 2026 | 2 p.m. ET | Online"
    types = {c.value: c for c in next(f for f in context["facets"] if f.param == "type").choices}
    assert types["webinar"].chosen and types["webinar"].count == context["pagination"].total
    assert types["training"].count > 0 and not types["training"].chosen
    assert [a.label for a in context["active"]] == ["Type: Webinar"]
    assert context["subscribe"].webcal == "webcal://127.0.0.1:8000/calendar.ics?type=webinar"
    assert context["highlights"] == []


def test_sponsor_and_language_choices_have_readable_labels(sample_catalog: Catalog, sample_config: SiteConfig) -> None:
    facets = {f.param: f for f in listing_context(sample_catalog, sample_config, [], today=NOVEMBER)["facets"]}
    assert "Office for Victims of Crime (OVC)" in [c.label for c in facets["sponsor"].choices]
    assert "Spanish (español)" in [c.label for c in facets["language"].choices]
    assert "ASL interpretation" in [c.label for c in facets["accessibility"].choices]


def test_highlight_in_january_only_on_the_plain_first_page(sample_catalog: Catalog, sample_config: SiteConfig) -> None:
    (highlight,) = listing_context(sample_catalog, sample_config, [], today=date(2027, 1, 5))["highlights"]
    assert highlight["observance"].id == "prevention-month"
    assert [k.text for k in highlight["key_dates"]] == ["January 11, 2027"]
    assert highlight["current"] is True
    assert listing_context(sample_catalog, sample_config, [("q", "youth")], today=date(2027, 1, 5))["highlights"] == []


def test_bad_page_numbers(sample_catalog: Catalog, sample_config: SiteConfig) -> None:
    with pytest.raises(FilterError, match="is not a page number"):
        listing_context(sample_catalog, sample_config, [("page", "two")], today=NOVEMBER)
    with pytest.raises(FilterError, match="there is no page 9"):
        listing_context(sample_catalog, sample_config, [("page", "9")], today=NOVEMBER)


def test_observance_context_for_another_year(sample_catalog: Catalog, sample_config: SiteConfig) -> None:
    observance = sample_config.observance("world-day-against-trafficking")
    assert observance is not None
    context = observance_context(sample_catalog, sample_config, observance, 2027, NOVEMBER)
    assert context["window_text"] == "July 30, 2027"
    assert [e.event.slug for e in context["entries"]] == ["world-day-against-trafficking-2027"]
    assert context["subscribe"].https == "http://127.0.0.1:8000/observances/world-day-against-trafficking.ics"
    assert parse_year(None, observance, NOVEMBER) == 2027
    with pytest.raises(FilterError):
        parse_year("next", observance, NOVEMBER)


def test_series_note(sample_catalog: Catalog) -> None:
    assert series_note(sample_catalog.by_slug["prevention-month-wednesday-webinars"]) == "Series of 3 sessions, January 6 - 27, 2027"
    assert series_note(sample_catalog.by_slug["task-force-data-roundtable"]) is None


def test_endless_series(tmp_path: Path) -> None:
    (tmp_path / "weekly-call.md").write_text(
        '---\ntitle: Call\ntype: meeting\nstart: "2027-01-05 10:00"\nrepeat: "FREQ=WEEKLY"\nonline: true\n---\n', encoding="utf-8"
    )
    config = SiteConfig()
    catalog = Catalog(config, load_events(tmp_path, config).events)
    assert series_note(catalog.by_slug["weekly-call"]) == "Repeating series"
    context = listing_context(catalog, config, [], today=date(2027, 3, 3))
    assert context["entries"][0].line_text == "March 9, 2027 | 10 a.m. ET | Online"


def test_hotline_links() -> None:
    parts = hotline_parts("Hotline: call 1-888-373-7888 or text 233733 (BeFree)")
    assert [p for p in parts if p[1]] == [("1-888-373-7888", "tel:+18883737888"), ("233733", "sms:233733")]
    assert "".join(p[0] for p in parts) == "Hotline: call 1-888-373-7888 or text 233733 (BeFree)"
    assert hotline_parts("Call your local police") == [("Call your local police", None)]


def test_month_groups_read_in_order(sample_catalog: Catalog, sample_config: SiteConfig) -> None:
    context = listing_context(sample_catalog, sample_config, [], today=NOVEMBER, past=True)
    lines = [e.line_text for g in context["groups"] for e in g.entries]
    assert lines == ["November 4 - 5, 2026 | Denver, CO", "October 14, 2026 | 2 p.m. CT | Online"]
    assert text_of(context["groups"][0].entries[0].line) == lines[0]


def test_results_text() -> None:
    assert results_text(12, "events", past=False, filtered=False) == "12 upcoming events"
    assert results_text(2, "events in SC", past=False, filtered=True) == "2 upcoming events in SC"
    assert results_text(1, "webinars for prosecutors", past=True, filtered=True) == "1 past event: webinars for prosecutors"
    assert results_text(0, "webinars", past=False, filtered=True) == "No upcoming events: webinars"


def test_past_listing_shows_and_orders_a_series_by_its_first_session_as_moved(tmp_path: Path) -> None:
    (tmp_path / "calls.md").write_text(
        '---\ntitle: Calls\ntype: meeting\nstart: "2026-10-07 13:00"\nend: "14:00"\nonline: true\n'
        "repeat: FREQ=WEEKLY;COUNT=3\nchanges:\n"
        '  - occurrence: "2026-10-07 13:00"\n    start: "2026-10-09 15:00"\n---\n',
        encoding="utf-8",
    )
    (tmp_path / "between.md").write_text(
        '---\ntitle: Between\ntype: webinar\nstart: "2026-10-08 10:00"\nonline: true\n---\n', encoding="utf-8"
    )
    config = SiteConfig()
    catalog = Catalog(config, load_events(tmp_path, config).events)
    context = listing_context(catalog, config, [], today=NOVEMBER, past=True)
    assert [(e.event.slug, e.line_text) for e in context["entries"]] == [
        ("calls", "October 9, 2026 | 3 p.m. ET | Online"),
        ("between", "October 8, 2026 | 10 a.m. ET | Online"),
    ]
