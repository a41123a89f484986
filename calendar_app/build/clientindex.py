"""What the browser filters on a static copy of the calendar: `api/upcoming.json` and `api/past.json`.

A static host cannot apply the listing's filters, so the build writes every upcoming (and every
past) event in listing order, each with its entry already rendered by the listing's own
template and the values each filter looks at; `static/static-filter.js` matches them as the
catalog does (`catalog.matches`) and shows the entries. One record per event, made when the
event is rendered and kept with its parts (`parts`), so a rebuild joins them without making them again.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from jinja2 import Template

from ..core.catalog import Catalog
from ..core.config import SiteConfig
from ..core.model import Event
from ..core.recurrence import MAX_OCCURRENCES
from ..render.entries import entry, group_by_month, occurrence_end, sessions
from ..render.phrasing import last_day
from ..render.urls import StaticUrls

ENTRY_TEMPLATE = '{% from "_macros.html" import entry %}{{ entry(item, mark_over=mark_over) }}'


def client_record(
    catalog: Catalog, config: SiteConfig, event: Event, today: date, *, template: Template, urls: StaticUrls
) -> dict[str, Any]:
    """An event as the script filters and shows it: its entry as the listing renders it (links
    relative to the site's root), the values every filter looks at, and the days of its sessions."""
    upcoming = event.last_date >= today
    item = entry(catalog, event, today, upcoming=upcoming, urls=urls.at(""))
    group = group_by_month([item])[0]
    html = template.render(item=item, mark_over=upcoming).strip()
    f = event.fields
    return {
        "slug": event.slug,
        "html": html,
        "month": group.key,
        "month_title": group.title,
        "type": f.type,
        "topics": list(f.topics),
        "audience": list(f.audience),
        "sponsors": list(f.sponsors),
        "region": (f.location.region or "") if f.location else "",
        "language": event.language,
        "accessibility": list(f.accessibility),
        "online": event.online is not None,
        "free": bool(f.registration and f.registration.is_free),
        "observances": [o.id for o in config.observances if catalog.observance_year(event, o) is not None],
        "days": session_days(event),
        # Each distinct word once: a search word lies inside one word of the text, so the
        # matches are the server's, at a fraction of the size.
        "text": " ".join(dict.fromkeys(event.search_text.split())),
    }


def session_days(event: Event) -> list[list[str]]:
    """The first and last day of each session, in the event's own zone (for the date filters)."""
    days = []
    for start in sessions(event, limit=MAX_OCCURRENCES + len(event.extra)) if event.rule is not None else [event.start]:
        end = occurrence_end(event, start)
        if isinstance(start, datetime) and isinstance(end, datetime):
            first, last = start.date(), last_day(start, end)
        else:
            first, last = start, end
        days.append([first.isoformat(), last.isoformat()])
    return days


def client_document(
    config: SiteConfig, urls: StaticUrls, records: list[dict[str, Any]], *, past: bool, today: date
) -> dict[str, Any]:
    """The file the script loads: the records in listing order, and the feeds the build publishes
    (so a filtered view can offer the feed that holds exactly it, when there is one)."""
    variants = urls.layout.variants
    feeds = {}
    for v in variants:
        key = "all" if v.kind == "all" else f"{v.kind}:{v.value}"
        feeds[key] = _subscribe(urls, urls.full.feed(v.filters.to_query()))
    for o in config.observances:
        feeds[f"observance:{o.id}"] = _subscribe(urls, urls.full.observance_feed(o.id))
    return {
        "past": past,
        "today": today.isoformat(),
        "page_size": config.page_size,
        "observances": {o.id: o.name for o in config.observances},
        "sponsors": {v.value: v.folder for v in variants if v.kind == "sponsor"},
        "types": {v.value: v.folder for v in variants if v.kind == "type"},
        "feeds": feeds,
        "events": records,
    }


def client_document_bytes(
    config: SiteConfig, urls: StaticUrls, records: list[bytes], *, past: bool, today: date
) -> bytes:
    """The file the script loads, from records already written as JSON (kept from the build
    that rendered each event): byte for byte the compact JSON of `client_document`."""
    head = json.dumps(
        client_document(config, urls, [], past=past, today=today), ensure_ascii=False, separators=(",", ":")
    )
    assert head.endswith(',"events":[]}')  # the records are the document's last value
    return head[: -len("[]}")].encode("utf-8") + b"[" + b",".join(records) + b"]}\n"


def _subscribe(urls: StaticUrls, feed: str) -> dict[str, str]:
    links = urls.subscribe(feed)
    return {"https": links.https, "webcal": links.webcal, "google": links.google}
