"""Page contexts of the public listing, free of any web framework.

`listing_context` turns a catalog, the site configuration, the reader's query and "today"
into plain data the templates (`templates/listing.html`) and the JSON API both read: events
grouped by month, facet counts, active filters with links to remove them, pagination and
subscribe links. A static build can call the same functions and write the result to files.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from ..core.catalog import Catalog
from ..core.config import Observance, SiteConfig
from ..core.errors import FilterError
from ..core.filters import Filters
from ..core.model import Event
from ..core.when import as_instant
from .entries import (
    entry,
    first_session,
    group_by_month,
    next_session,
)
from .frame import language_links
from .language import DEFAULT_LANGUAGE, N_, words
from .phrasing import (
    accessibility_label,
    date_range_parts,
    day_text,
    filters_text,
    language_name,
    text_of,
    type_label,
)
from .urls import SiteUrls, SubscribeLinks, feed_subscription

PAGE_PARAMS = ("page",)
FACET_TITLES = {
    "types": N_("Type"),
    "topics": N_("Topic"),
    "audience": N_("Audience"),
    "sponsors": N_("Sponsor"),
    "regions": N_("State or region"),
    "languages": N_("Language"),
    "accessibility": N_("Accessibility"),
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
    """The subscribe help page, in the language of `urls`: every feed the site has and the ways to follow it."""
    _ = words(urls.lang).gettext
    feeds = [(_("Every event"), urls.subscribe(urls.full.feed()))]
    feeds += [
        (config.translated(o.name, urls.lang), urls.subscribe(urls.full.observance_feed(o.id)))
        for o in config.observances
    ]
    return {
        "title": _("How to subscribe"),
        "feeds": feeds,
        "refresh_hours": config.refresh_hours,
        "current": "subscribe",
        "languages": language_links(urls, lambda u: u.subscribe_page()),
    }


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


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def choice_label(attr: str, value: str, config: SiteConfig, lang: str = DEFAULT_LANGUAGE) -> str:
    if attr == "types":
        return type_label(value, lang)
    if attr == "sponsors":
        name = config.sponsor_names.get(value)
        return f"{name} ({value})" if name else value
    if attr == "languages":
        return _capital(language_name(value, lang))  # Spanish writes 'español' mid-sentence, 'Español' as a label
    if attr == "accessibility":
        return accessibility_label(value, lang)
    return _capital(value)


def build_facets(
    counts: dict[str, list[tuple[str, int]]], f: Filters, config: SiteConfig, lang: str = DEFAULT_LANGUAGE
) -> list[Facet]:
    facets = []
    for attr, title in FACET_TITLES.items():
        chosen = set(getattr(f, attr))
        choices = [
            Choice(value, choice_label(attr, value, config, lang), count, value in chosen)
            for value, count in counts[attr]
        ]
        if attr == "types":
            order = {t: i for i, t in enumerate(config.types)}
            choices.sort(key=lambda c: order.get(c.value, len(order)))
        facets.append(Facet(attr, FACET_PARAMS[attr], words(lang).gettext(title), choices))
    return facets


def active_filters(
    f: Filters, config: SiteConfig, link: Callable[[Filters], str], lang: str = DEFAULT_LANGUAGE
) -> list[ActiveFilter]:
    """Every filter in force, with the link (`link` of the filters left) that removes just it."""
    found: list[ActiveFilter] = []
    _ = words(lang).gettext

    for attr, title in FACET_TITLES.items():
        values: tuple[str, ...] = getattr(f, attr)
        for value in values:
            rest = tuple(v for v in values if v != value)
            label = f"{_(title)}: {choice_label(attr, value, config, lang)}"
            found.append(ActiveFilter(label, link(f.changed(attr, rest))))
    if f.online is not None:
        found.append(ActiveFilter(_("Online only") if f.online else _("In person only"), link(replace(f, online=None))))
    if f.free:
        found.append(ActiveFilter(_("Free only"), link(replace(f, free=False))))
    if f.q:
        found.append(ActiveFilter(_("Search: “%(search)s”") % {"search": f.q}, link(replace(f, q=""))))
    if f.start:
        since = _("From %(day)s") % {"day": day_text(f.start, lang=lang)}
        found.append(ActiveFilter(since, link(replace(f, start=None))))
    if f.end:
        until = _("Until %(day)s") % {"day": day_text(f.end, lang=lang)}
        found.append(ActiveFilter(until, link(replace(f, end=None))))
    if f.observance:
        observance = config.observance(f.observance)
        name = config.translated(observance.name, lang) if observance else f.observance
        found.append(ActiveFilter(_("Observance: %(name)s") % {"name": name}, link(replace(f, observance=None))))
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
    """Soonest first by each event's next occurrence (a series sorts by its next session).

    `events` are the catalog's, not over by `today`. The order of all of those is worked out once
    per catalog and day and kept with it (see `_upcoming`), so the unfiltered listing sorts
    nothing, and a filtered one looks up each event's next session rather than walking its rule.
    """
    if not any(e.rule is not None for e in events):
        return events
    upcoming = _upcoming(catalog, today, make=len(events) * 4 > len(catalog))
    if upcoming is None:
        return sorted(events, key=lambda e: _upcoming_key(e, today))
    if len(events) == len(upcoming.events) and all(id(e) in upcoming.keys for e in events):
        return list(upcoming.events)
    keys = upcoming.keys
    return sorted(events, key=lambda e: keys.get(id(e)) or _upcoming_key(e, today))


@dataclass(frozen=True)
class _Upcoming:
    """The catalog's events not over by a day, soonest first, and each one's place, by its id."""

    events: list[Event]
    keys: dict[int, tuple[datetime, str]]


def _upcoming_key(event: Event, today: date) -> tuple[datetime, str]:
    return as_instant(next_session(event, today), event.zone), event.slug


def _upcoming(catalog: Catalog, today: date, *, make: bool) -> _Upcoming | None:
    """The order of the upcoming events of `catalog` on `today`, kept in `catalog.derived`. After
    a change it is the order of the catalog before (`change.derived_before`), with the events
    removed taken out and those added put in by bisection; else it is made when `make` says it is
    worth it, or None. (Its ids are of events the order it was made from holds alive.)"""
    name = ("upcoming", today)
    found: _Upcoming | None = catalog.derived.get(name)
    if found is not None:
        return found
    change = catalog.change
    before: _Upcoming | None = change.derived_before.get(name) if change is not None else None
    if change is not None and before is not None:
        keys, ordered = dict(before.keys), list(before.events)
        for event in change.removed:
            if keys.pop(id(event), None) is not None:
                i = bisect.bisect_left(ordered, before.keys[id(event)], key=lambda e: before.keys[id(e)])
                while ordered[i] is not event:  # past any other of the same key
                    i += 1
                del ordered[i]
        for event in change.added:
            if catalog.is_upcoming(event, today):
                keys[id(event)] = _upcoming_key(event, today)
                bisect.insort(ordered, event, key=lambda e: keys[id(e)])
    elif make:
        pool = catalog.select(Filters(), today=today)
        keys = {id(e): _upcoming_key(e, today) for e in pool}
        ordered = sorted(pool, key=lambda e: keys[id(e)])
    else:
        return None
    found = catalog.derived[name] = _Upcoming(ordered, keys)
    return found


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
    """Everything the listing page shows, its links written by `urls` (the server's by default) and
    its words in their language; raises FilterError for a query it cannot apply."""
    urls = urls or SiteUrls(config.base_url)
    lang = urls.lang
    _ = words(lang).gettext
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
    described = filters_text(f, config, lang)
    return {
        "results_text": results_text(pagination.total, described, past=past, filtered=not f.is_empty, lang=lang),
        "feed_title": described if not f.is_empty else _("every event"),
        "title": (_("Past events") if past else _("Upcoming events")) + ("" if f.is_empty else ": " + described),
        "heading": _("Past events") if past else _("Upcoming trainings and events"),
        "past": past,
        "filters": f,
        "filtered": not f.is_empty,
        "description": described,
        "groups": group_by_month(entries),
        "entries": entries,
        "facets": build_facets(counts, f, config, lang),
        "online_count": counts["online"][0][1],
        "free_count": counts["free"][0][1],
        "active": active_filters(f, config, lambda changed: urls.listing(changed.to_query(), past=past), lang),
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
        "alerts_url": urls.alerts(query) if config.alerts_offered else None,
        "embed_builder_url": None if past else urls.embed_builder(query),
        "canonical": urls.full.listing(query, past=past, page=page),
        "languages": language_links(urls, lambda u: u.listing(query, past=past, page=page)),
    }


def results_text(
    total: int, description: str, *, past: bool, filtered: bool, lang: str = DEFAULT_LANGUAGE
) -> str:
    """'12 upcoming events', '2 upcoming events in SC', '11 past events: webinars for prosecutors'."""
    said = words(lang)
    if total and past:
        counted = said.ngettext("%(num)d past event", "%(num)d past events", total) % {"num": total}
    elif total:
        counted = said.ngettext("%(num)d upcoming event", "%(num)d upcoming events", total) % {"num": total}
    else:
        counted = said.gettext("No past events") if past else said.gettext("No upcoming events")
    if not filtered:
        return counted
    everything = said.gettext("events")  # as `filters_text` starts when no type is chosen
    if description.startswith(everything + " "):
        return counted + description[len(everything):]
    return f"{counted}: {description}"


# --- observances ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyDateView:
    day: date
    name: str
    description: str
    lang: str = DEFAULT_LANGUAGE

    @property
    def text(self) -> str:
        return day_text(self.day, lang=self.lang)


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
    (links written by `urls`, the server's by default; words in their language)."""
    urls = urls or SiteUrls(config.base_url)
    lang = urls.lang
    first, last = observance.window(year)
    events = catalog.observance_events(observance, year)
    entries = [entry(catalog, e, today, upcoming=e.last_date >= today, urls=urls) for e in events]
    key_dates = []
    for item in observance.key_dates:
        key_year = year if (item.month, item.day) >= (observance.start_month, observance.start_day) else year + 1
        try:
            key_dates.append(
                KeyDateView(
                    date(key_year, item.month, item.day),
                    config.translated(item.name, lang),
                    config.translated(item.description, lang),
                    lang,
                )
            )
        except ValueError:
            continue  # February 29 in a common year: nothing to show
    default_year = observance_default_year(observance, today)
    years = sorted(set(catalog.observance_years(observance)) | {year, default_year})
    return {
        "observance": observance,
        "year": year,
        "years": years,
        "name": config.translated(observance.name, lang),
        "description": config.translated(observance.description, lang),
        "window": date_range_parts(first, last, lang=lang),
        "window_text": text_of(date_range_parts(first, last, lang=lang)),
        "current": first <= today <= last,
        "key_dates": key_dates,
        "entries": entries,
        "upcoming_entries": [e for e in entries if e.event.last_date >= today],
        "url": urls.observance(observance.id, None if year == default_year else year),
        "feed_url": urls.observance_feed(observance.id),
        "subscribe": urls.subscribe(urls.full.observance_feed(observance.id)),
        "page_url": urls.observance(observance.id),
        "links": [{"title": config.translated(link.title, lang), "url": link.url} for link in observance.links],
        "languages": language_links(
            urls, lambda u: u.observance(observance.id, None if year == default_year else year)
        ),
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

