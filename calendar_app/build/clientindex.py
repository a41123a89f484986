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
from ..render.language import words
from ..render.phrasing import last_day, type_plural
from ..render.urls import StaticUrls


def N_(message: str) -> str:
    """A message for the catalog that the script, not this module, writes (Babel's marker)."""
    return message


ENTRY_TEMPLATE = '{% from "_macros.html" import entry %}{{ entry(item, mark_over=mark_over) }}'

# The words static-filter.js writes, by the English of the server's own messages (so the
# catalog's translations serve both), and the plurals it counts with.
SCRIPT_WORDS = (
    "Type", "Topic", "Audience", "Sponsor", "Language", "Accessibility", "and", "or", "events", "every event",
    "online %(kinds)s", "free %(kinds)s", "on %(topics)s", "for %(audience)s", "by %(sponsors)s",
    "in %(regions)s", "in %(languages)s", "with %(features)s", "for %(observance)s", 'matching "%(search)s"',
    "from %(start)s to %(end)s", "No past events", "No upcoming events", "Online only", "In person only",
    "Free only", "Search: “%(search)s”", "From %(day)s", "Until %(day)s", "Observance: %(name)s",
    "Showing %(first)s-%(last)s.", "Filters in use", "Remove filter", "No past events match these filters.",
    "No upcoming events match these filters.", "There are no past events yet.", "There are no upcoming events yet.",
    'Remove a filter above, or <a href="%(clear)s">clear all filters</a>.',
    'Remove a filter above, or <a href="%(clear)s">clear all filters</a>, or <a href="%(past)s">look among past '
    'events</a>.',
    "Pages", "Previous", "Next", "Page %(page)s of %(pages)s", "See upcoming events", "See past events",
    "See upcoming events with these filters", "See past events with these filters", "(%(count)s in use)",
    "Past events", "Upcoming events", "Follow these events", "Follow the calendar",
    "Subscribe to %(feed)s in your calendar app; it updates by itself.",
    # Said by the script alone, so marked here for the catalog (`babel.cfg` reads this module).
    N_("No feed holds exactly these filters; subscribe to every event, or to one type's or one sponsor's feed "
       "from its page."),
    N_("The filters could not be applied: the calendar's data did not load. Showing every event."),
)
SCRIPT_PLURALS = (("%(num)d upcoming event", "%(num)d upcoming events"), ("%(num)d past event", "%(num)d past events"))


def client_record(
    catalog: Catalog, config: SiteConfig, event: Event, today: date, *, template: Template, urls: StaticUrls
) -> dict[str, Any]:
    """An event as the script filters and shows it: its entry as the listing renders it in the
    language of `urls` (links relative to that language's folder, where the script reads them
    from), the values every filter looks at, and the days of its sessions."""
    upcoming = event.last_date >= today
    item = entry(catalog, event, today, upcoming=upcoming, urls=urls.at(urls.language_folder()))
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


def script_words(config: SiteConfig, lang: str) -> dict[str, Any] | None:
    """The words static-filter.js writes, in `lang` (None in English, which the script writes
    itself): each message's translation by its English, a plural's two forms, the site's types
    as a sentence counts them, and "State or region" as the filter's chip names it."""
    said = words(lang)
    if said.english:
        return None
    found: dict[str, Any] = {message: said.gettext(message) for message in SCRIPT_WORDS}
    for one, other in SCRIPT_PLURALS:
        found[one] = [said.ngettext(one, other, 1), said.ngettext(one, other, 2)]
    for kind in config.types:
        found[type_plural(kind)] = type_plural(kind, lang)
    found["State or region"] = said.gettext("State or region")
    return found


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
