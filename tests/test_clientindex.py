"""What the browser filters on a static site: one record per event with the values each filter reads."""

from __future__ import annotations

from datetime import date

import pytest

from calendar_app.build.clientindex import ENTRY_TEMPLATE, client_record, session_days
from calendar_app.core.catalog import Catalog
from calendar_app.core.config import SiteConfig
from calendar_app.core.loader import load_events
from calendar_app.render.rendering import environment
from calendar_app.render.urls import StaticLayout, StaticUrls

from .conftest import DATA

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def catalog(sample_config: SiteConfig) -> Catalog:
    result = load_events(DATA / "valid", sample_config)
    return Catalog(sample_config, result.events)


def test_session_days_in_the_events_own_zone(catalog: Catalog) -> None:
    assert session_days(catalog.by_slug["across-midnight"]) == [["2027-03-05", "2027-03-06"]]
    assert session_days(catalog.by_slug["all-day-multi-day"])[0][0] <= session_days(catalog.by_slug["all-day-multi-day"])[0][1]
    weekly = session_days(catalog.by_slug["recurring-weekly-with-except"])
    assert weekly == [["2027-01-06", "2027-01-06"], ["2027-01-13", "2027-01-13"], ["2027-01-27", "2027-01-27"]]


def test_a_record_holds_the_entry_and_what_the_filters_read(catalog: Catalog, sample_config: SiteConfig) -> None:
    env = environment()
    urls = StaticUrls(StaticLayout(sample_config, catalog, absolute=False))
    event = catalog.by_slug["spanish-language-with-accessibility"]
    record = client_record(catalog, sample_config, event, TODAY, template=env.from_string(ENTRY_TEMPLATE), urls=urls)
    assert record["slug"] == event.slug and record["type"] == event.type
    assert record["language"] == "es" and record["accessibility"] == list(event.fields.accessibility)
    assert record["html"].startswith('<li class="entry') and f'href="events/{event.slug}/"' in record["html"]
    assert record["month"] == f"{event.start_date:%Y-%m}"
    words = record["text"].split()
    assert len(words) == len(set(words))  # each word once
    assert all(w in event.search_text for w in words)
