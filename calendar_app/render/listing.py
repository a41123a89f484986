"""Page contexts of the public listing, free of any web framework.

`listing_context` turns a catalog, the site configuration, the reader's query and "today"
into plain data the templates (`templates/listing.html`) and the JSON API both read: events
grouped by month, facet counts, active filters with links to remove them, pagination and
subscribe links. A static build can call the same functions and write the result to files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Iterable
from urllib.parse import urlencode, urlsplit

from ..core.catalog import Catalog, Filters
from ..core.config import Observance, SiteConfig
from ..core.errors import FilterError
from ..core.model import Event, as_instant
from .entries import (  # noqa: F401 - entry helpers stay importable from here for older callers
    STATUS_LABELS,
    Entry,
    MonthGroup,
    entry,
    event_url,
    group_by_month,
    next_session,
    occurrence_end,
    series_note,
    sessions,
)
from .ical import ics
from .phrasing import (
    accessibility_label,
    date_range_parts,
    day_text,
    language_name,
    text_of,
)

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


@dataclass(frozen=True)
class SubscribeLinks:
    """Every way to follow one feed: the https address, webcal:// for desktop apps, Google's add-by-URL."""

    https: str
    webcal: str
    google: str


def subscribe_links(base_url: str, path_and_query: str) -> SubscribeLinks:
    """Links to subscribe to the feed at `path_and_query` on the site at `base_url` (built by the feed module)."""
    links = ics.subscribe_links(base_url, path_and_query)
    return SubscribeLinks(https=links["https"], webcal=links["webcal"], google=links["google"])


def with_query(path: str, items: Iterable[tuple[str, str]]) -> str:
    query = urlencode(list(items))
    return f"{path}?{query}" if query else path


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

    @property
    def chosen_count(self) -> int:
        return sum(1 for c in self.choices if c.chosen)


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
        choices = [Choice(value, choice_label(attr, value, config), count, value in chosen) for value, count in counts[attr]]
        if attr == "types":
            order = {t: i for i, t in enumerate(config.types)}
            choices.sort(key=lambda c: order.get(c.value, len(order)))
        facets.append(Facet(attr, FACET_PARAMS[attr], title, choices))
    return facets


def active_filters(f: Filters, path: str, config: SiteConfig) -> list[ActiveFilter]:
    """Every filter in force, with the link that removes just it."""
    found: list[ActiveFilter] = []

    def link(changed: Filters) -> str:
        return with_query(path, changed.to_query())

    for attr, title in FACET_TITLES.items():
        values: tuple[str, ...] = getattr(f, attr)
        for value in values:
            rest = tuple(v for v in values if v != value)
            found.append(ActiveFilter(f"{title}: {choice_label(attr, value, config)}", link(replace(f, **{attr: rest}))))
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


def paginate(total: int, page: int, size: int, path: str, query: list[tuple[str, str]]) -> Pagination:
    pages = max(1, -(-total // size))
    if page > pages:
        raise FilterError("page", f"there is no page {page}; the listing has {pages} page{'s' if pages > 1 else ''}")

    def url(n: int) -> str:
        return with_query(path, query + ([("page", str(n))] if n > 1 else []))

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
    if not past:
        events = sort_upcoming(catalog, events, today)
    return ListingResults(f, past, events, catalog.facets(f, today=today, past=past))


def listing_context(
    catalog: Catalog,
    config: SiteConfig,
    items: list[tuple[str, str]],
    *,
    today: date,
    past: bool = False,
    results: ListingResults | None = None,
) -> dict[str, Any]:
    """Everything the listing page shows; raises FilterError for a query it cannot apply."""
    f = Filters.from_query(items, config, known=catalog.known, allowed_extra=PAGE_PARAMS)
    page = parse_page(items)
    path = "/past" if past else "/"
    query = f.to_query()
    if results is None or results.filters != f or results.past != past:
        results = listing_results(catalog, f, today=today, past=past)
    events = results.events
    pagination = paginate(len(events), page, config.page_size, path, query)
    shown = events[pagination.first - 1 : pagination.last] if events else []
    entries = [entry(catalog, e, today, upcoming=not past) for e in shown]
    highlights = []
    if not past and f.is_empty and page == 1:
        highlights = [observance_context(catalog, config, o, year, today) for o, year in catalog.active_highlights(today)]
    counts = results.counts
    feed_path = ics.feed_path(f)
    return {
        "results_text": results_text(pagination.total, f.describe(config), past=past, filtered=not f.is_empty),
        "feed_title": f.describe(config) if not f.is_empty else "every event",
        "title": ("Past events" if past else "Upcoming events") + ("" if f.is_empty else ": " + f.describe(config)),
        "heading": "Past events" if past else "Upcoming trainings and events",
        "past": past,
        "filters": f,
        "filtered": not f.is_empty,
        "description": f.describe(config),
        "groups": group_by_month(entries),
        "entries": entries,
        "facets": build_facets(counts, f, config),
        "online_count": counts["online"][0][1],
        "free_count": counts["free"][0][1],
        "active": active_filters(f, path, config),
        "pagination": pagination,
        "highlights": highlights,
        "path": path,
        "clear_url": path,
        "upcoming_url": with_query("/", query),
        "past_url": with_query("/past", query),
        "feed_url": feed_path,
        "atom_url": with_query("/feed.atom", query),
        "api_url": with_query("/api/events", query + ([("past", "true")] if past else [])),
        "subscribe": subscribe_links(config.base_url, feed_path),
        "canonical": config.base_url + with_query(path, query + ([("page", str(page))] if page > 1 else [])),
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
    catalog: Catalog, config: SiteConfig, observance: Observance, year: int, today: date
) -> dict[str, Any]:
    """An observance in one year: what it is, its key dates, its events and how to follow them."""
    first, last = observance.window(year)
    events = catalog.observance_events(observance, year)
    entries = [entry(catalog, e, today, upcoming=e.last_date >= today) for e in events]
    key_dates = []
    for item in observance.key_dates:
        key_year = year if (item.month, item.day) >= (observance.start_month, observance.start_day) else year + 1
        try:
            key_dates.append(KeyDateView(date(key_year, item.month, item.day), item.name, item.description))
        except ValueError:
            continue  # February 29 in a common year: nothing to show
    years = sorted(set(catalog.observance_years(observance)) | {year, observance_default_year(observance, today)})
    feed_path = f"/observances/{observance.id}.ics"
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
        "url": f"/observances/{observance.id}" + (f"?year={year}" if year != observance_default_year(observance, today) else ""),
        "feed_url": feed_path,
        "subscribe": subscribe_links(config.base_url, feed_path),
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


_PHONE = re.compile(r"(?<![\d-])(1-\d{3}-\d{3}-\d{4})(?![\d-])")
_TEXT_NUMBER = re.compile(r"(?<=text )(\d{5,6})\b")


def hotline_parts(text: str) -> list[tuple[str, str | None]]:
    """The configured hotline sentence with its phone number as a tel: link and its text number as sms:."""
    parts: list[tuple[str, str | None]] = []
    position = 0
    found = sorted(
        [(m.start(), m.end(), "tel:+" + m.group(1).replace("-", "")) for m in _PHONE.finditer(text)]
        + [(m.start(), m.end(), "sms:" + m.group(1)) for m in _TEXT_NUMBER.finditer(text)]
    )
    for start, end, href in found:
        parts += [(text[position:start], None), (text[start:end], href)]
        position = end
    parts.append((text[position:], None))
    return [p for p in parts if p[0]]


def site_context(config: SiteConfig) -> dict[str, Any]:
    """What every page's frame (header, footer) needs; coordinator pages pass it too."""
    return {
        "site_name": config.name,
        "site_description": config.description,
        "hotline": config.hotline,
        "hotline_parts": hotline_parts(config.hotline),
        "site_observances": config.observances,
        "base_url": config.base_url,
        "host": urlsplit(config.base_url).netloc,
    }
