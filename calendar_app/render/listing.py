"""Page contexts of the public listing, free of any web framework.

`listing_context` turns a catalog, the site configuration, the reader's query and "today"
into plain data the templates (`templates/listing.html`) and the JSON API both read: events
grouped by month, facet counts, active filters with links to remove them, pagination and
subscribe links. A static build can call the same functions and write the result to files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from ..core.catalog import Catalog
from ..core.config import Observance, SiteConfig
from ..core.errors import FilterError
from ..core.filters import Filters
from ..core.model import Event, as_instant
from .entries import (
    entry,
    first_session,
    group_by_month,
    next_session,
)
from .phrasing import (
    accessibility_label,
    date_range_parts,
    day_text,
    filters_text,
    language_name,
    text_of,
)
from .urls import SiteUrls, SubscribeLinks, feed_subscription

PAGE_PARAMS = ("page",)
FACET_TITLES = {
    "types": "Type",
    "topics": "Topic",
    "audience": "Audience",
    "sponsors": "Sponsor",
    "regions": "State",
    "languages": "Language",
    "accessibility": "Accessibility",
}
FACET_PARAMS = {
    "types": "type",
    "topics": "topic",
    "audience": "audience",
    "sponsors": "sponsor",
    "regions": "region",
    "languages": "language",
    "accessibility": "accessibility",
}


# --- links ------------------------------------------------------------------------------------


def subscribe_links(base_url: str, path_and_query: str) -> SubscribeLinks:
    """Links to subscribe to the feed at `path_and_query` on the site at `base_url`."""
    return feed_subscription(base_url.rstrip("/") + path_and_query)


def subscribe_context(config: SiteConfig, urls: SiteUrls) -> dict[str, Any]:
    """The subscribe help page: every feed the site has and the ways to follow it."""
    feeds = [("Every event", urls.subscribe(urls.full.feed()))]
    feeds += [(o.name, urls.subscribe(urls.full.observance_feed(o.id))) for o in config.observances]
    return {"title": "How to subscribe", "feeds": feeds, "refresh_hours": config.refresh_hours, "current": "subscribe"}


# --- facets and active filters ----------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    count: int
    chosen: bool


@dataclass(frozen=True)
class Facet:
    attr: str
    param: str
    title: str
    choices: list[Choice]


@dataclass(frozen=True)
class ActiveFilter:
    label: str
    remove_url: str


def choice_label(attr: str, value: str, config: SiteConfig) -> str:
    if attr == "types":
        return value.capitalize()
    if attr == "sponsors":
        name = config.sponsor_names.get(value)
        return f"{name} ({value})" if name else value
    if attr == "languages":
        return language_name(value)
    if attr == "accessibility":
        return accessibility_label(value)
    return value[:1].upper() + value[1:]


def build_facets(counts: dict[str, list[tuple[str, int]]], f: Filters, config: SiteConfig) -> list[Facet]:
    facets = []
    for attr, title in FACET_TITLES.items():
        chosen = set(getattr(f, attr))
        choices = [
            Choice(value, choice_label(attr, value, config), count, value in chosen) for value, count in counts[attr]
        ]
        if attr == "types":
            order = {t: i for i, t in enumerate(config.types)}
            choices.sort(key=lambda c: order.get(c.value, len(order)))
        facets.append(Facet(attr, FACET_PARAMS[attr], title, choices))
    return facets


def active_filters(f: Filters, config: SiteConfig, link: Callable[[Filters], str]) -> list[ActiveFilter]:
    """Every filter in force, with the link (`link` of the filters left) that removes just it."""
    found: list[ActiveFilter] = []

    for attr, title in FACET_TITLES.items():
        values: tuple[str, ...] = getattr(f, attr)
        for value in values:
            rest = tuple(v for v in values if v != value)
            found.append(ActiveFilter(f"{title}: {choice_label(attr, value, config)}", link(f.changed(attr, rest))))
    if f.online is not None:
        found.append(ActiveFilter("Online only" if f.online else "In person only", link(replace(f, online=None))))
    if f.free:
        found.append(ActiveFilter("Free only", link(replace(f, free=False))))
    if f.q:
        found.append(ActiveFilter(f"Search: “{f.q}”", link(replace(f, q=""))))
    if f.start:
        found.append(ActiveFilter(f"From {day_text(f.start)}", link(replace(f, start=None))))
    if f.end:
        found.append(ActiveFilter(f"Until {day_text(f.end)}", link(replace(f, end=None))))
    if f.observance:
        observance = config.observance(f.observance)
        name = observance.name if observance else f.observance
        found.append(ActiveFilter(f"Observance: {name}", link(replace(f, observance=None))))
    return found


# --- pagination -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pagination:
    page: int
    pages: int
    total: int
    first: int  # 1-based index of the first entry shown
    last: int
    prev_url: str | None
    next_url: str | None
    page_urls: list[tuple[int, str]]


def parse_page(items: list[tuple[str, str]]) -> int:
    values = [v for k, v in items if k == "page"]
    if not values or not values[-1].strip():
        return 1
    text = values[-1].strip()
    if not text.isdigit() or int(text) < 1:
        raise FilterError("page", f"{text!r} is not a page number; pages are counted from 1")
    return int(text)


def paginate(total: int, page: int, size: int, url: Callable[[int], str]) -> Pagination:
    """Page `page` of `total` entries, `size` a page, with `url` of each page number."""
    pages = max(1, -(-total // size))
    if page > pages:
        raise FilterError("page", f"there is no page {page}; the listing has {pages} page{'s' if pages > 1 else ''}")

    return Pagination(
        page=page,
        pages=pages,
        total=total,
        first=(page - 1) * size + 1 if total else 0,
        last=min(page * size, total),
        prev_url=url(page - 1) if page > 1 else None,
        next_url=url(page + 1) if page < pages else None,
        page_urls=[(n, url(n)) for n in range(1, pages + 1)] if pages <= 20 else [],
    )


# --- the listing ------------------------------------------------------------------------------


def sort_upcoming(catalog: Catalog, events: list[Event], today: date) -> list[Event]:
    """Soonest first by each event's next occurrence (a series sorts by its next session)."""
    if not any(e.rule is not None for e in events):
        return events
    return sorted(events, key=lambda e: (as_instant(next_session(e, today), e.zone), e.slug))


def sort_past(events: list[Event]) -> list[Event]:
    """Newest first by each event's first session as the past listing shows it: a series whose
    first session moved (or was cancelled) sorts by the one it shows, not by its `start`."""
    if not any(e.changes for e in events):
        return events  # the catalog's order: newest `start` first
    return sorted(events, key=lambda e: as_instant(first_session(e), e.zone).timestamp(), reverse=True)


@dataclass(frozen=True)
class ListingResults:
    """A listing before it is paged: its events in order and the facet counts."""

    filters: Filters
    past: bool
    events: list[Event]
    counts: dict[str, list[tuple[str, int]]]


def listing_results(catalog: Catalog, f: Filters, *, today: date, past: bool = False) -> ListingResults:
    """The events passing `f` (soonest first, or newest first when `past`) and their facet counts.

    Every page of one listing shares these, so a caller rendering many pages (the static
    build) computes them once and passes them to `listing_context`.
    """
    events = catalog.select(f, today=today, past=past)
    events = sort_past(events) if past else sort_upcoming(catalog, events, today)
    return ListingResults(f, past, events, catalog.facets(f, today=today, past=past))


def listing_context(
    catalog: Catalog,
    config: SiteConfig,
    items: list[tuple[str, str]],
    *,
    today: date,
    past: bool = False,
    results: ListingResults | None = None,
    urls: SiteUrls | None = None,
) -> dict[str, Any]:
    """Everything the listing page shows, its links written by `urls` (the server's by default);
    raises FilterError for a query it cannot apply."""
    urls = urls or SiteUrls(config.base_url)
    f = Filters.from_query(items, config, known=catalog.known, allowed_extra=PAGE_PARAMS)
    page = parse_page(items)
    path = urls.listing(past=past)
    query = f.to_query()
    if results is None or results.filters != f or results.past != past:
        results = listing_results(catalog, f, today=today, past=past)
    events = results.events
    pagination = paginate(len(events), page, config.page_size, lambda n: urls.listing(query, past=past, page=n))
    shown = events[pagination.first - 1 : pagination.last] if events else []
    entries = [entry(catalog, e, today, upcoming=not past, urls=urls) for e in shown]
    highlights = []
    if not past and f.is_empty and page == 1:
        highlights = [
            observance_context(catalog, config, o, year, today, urls=urls)
            for o, year in catalog.active_highlights(today)
        ]
    counts = results.counts
    described = filters_text(f, config)
    return {
        "results_text": results_text(pagination.total, described, past=past, filtered=not f.is_empty),
        "feed_title": described if not f.is_empty else "every event",
        "title": ("Past events" if past else "Upcoming events") + ("" if f.is_empty else ": " + described),
        "heading": "Past events" if past else "Upcoming trainings and events",
        "past": past,
        "filters": f,
        "filtered": not f.is_empty,
        "description": described,
        "groups": group_by_month(entries),
        "entries": entries,
        "facets": build_facets(counts, f, config),
        "online_count": counts["online"][0][1],
        "free_count": counts["free"][0][1],
        "active": active_filters(f, config, lambda changed: urls.listing(changed.to_query(), past=past)),
        "pagination": pagination,
        "highlights": highlights,
        "path": path,
        "clear_url": path,
        "upcoming_url": urls.listing(query),
        "past_url": urls.listing(query, past=True),
        "feed_url": urls.feed(query),
        "atom_url": urls.atom(query),
        "api_url": urls.api_listing(query, past=past),
        "subscribe": urls.subscribe(urls.full.feed(query)),
        "canonical": urls.full.listing(query, past=past, page=page),
    }


def results_text(total: int, description: str, *, past: bool, filtered: bool) -> str:
    """'12 upcoming events', '2 upcoming events in SC', '11 past events: webinars for prosecutors'."""
    when = "past" if past else "upcoming"
    counted = f"{total} {when} event{'' if total == 1 else 's'}" if total else f"No {when} events"
    if not filtered:
        return counted
    if description.startswith("events "):
        return counted + description[len("events"):]
    return f"{counted}: {description}"


# --- observances ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyDateView:
    day: date
    name: str
    description: str

    @property
    def text(self) -> str:
        return day_text(self.day)


def observance_context(
    catalog: Catalog,
    config: SiteConfig,
    observance: Observance,
    year: int,
    today: date,
    *,
    urls: SiteUrls | None = None,
) -> dict[str, Any]:
    """An observance in one year: what it is, its key dates, its events and how to follow them
    (links written by `urls`, the server's by default)."""
    urls = urls or SiteUrls(config.base_url)
    first, last = observance.window(year)
    events = catalog.observance_events(observance, year)
    entries = [entry(catalog, e, today, upcoming=e.last_date >= today, urls=urls) for e in events]
    key_dates = []
    for item in observance.key_dates:
        key_year = year if (item.month, item.day) >= (observance.start_month, observance.start_day) else year + 1
        try:
            key_dates.append(KeyDateView(date(key_year, item.month, item.day), item.name, item.description))
        except ValueError:
            continue  # February 29 in a common year: nothing to show
    default_year = observance_default_year(observance, today)
    years = sorted(set(catalog.observance_years(observance)) | {year, default_year})
    return {
        "observance": observance,
        "year": year,
        "years": years,
        "window": date_range_parts(first, last),
        "window_text": text_of(date_range_parts(first, last)),
        "current": first <= today <= last,
        "key_dates": key_dates,
        "entries": entries,
        "upcoming_entries": [e for e in entries if e.event.last_date >= today],
        "url": urls.observance(observance.id, None if year == default_year else year),
        "feed_url": urls.observance_feed(observance.id),
        "subscribe": urls.subscribe(urls.full.observance_feed(observance.id)),
        "page_url": urls.observance(observance.id),
        "links": observance.links,
    }


def observance_default_year(observance: Observance, today: date) -> int:
    """The year whose window holds today or comes next."""
    return observance.current_or_next(today)[0].year


def parse_year(text: str | None, observance: Observance, today: date) -> int:
    if text is None or not text.strip():
        return observance_default_year(observance, today)
    value = text.strip()
    if not value.isdigit() or not 1900 <= int(value) <= 2200:
        raise FilterError("year", f"{text!r} is not a year such as {today.year}")
    return int(value)

