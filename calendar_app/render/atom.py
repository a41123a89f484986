"""An Atom feed of upcoming events for news readers, written by feedgen.

Each entry is one event at its next session, as the listing shows it: its title (with that
session's status), the when-and-where line (and the session's own title), the sanitised
description, and a link to its page. `updated` is the file's last change, so a reader shows an
event again when it is edited (a new date, a cancellation).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import escape

from feedgen.feed import FeedGenerator

from ..core.catalog import Catalog
from ..core.filters import Filters
from .entries import entry
from .listing import sort_upcoming
from .markdown import description_html, summary
from .phrasing import filters_text
from .urls import SiteUrls

MAX_ENTRIES = 200


def render_atom(catalog: Catalog, f: Filters, *, today: date, urls: SiteUrls | None = None) -> bytes:
    """The Atom document of the upcoming events passing `f`, soonest first; the feed's own
    address and its listing's come from `urls` (the server's by default), each entry links to
    its event's permalink."""
    config = catalog.config
    urls = (urls or SiteUrls(config.base_url)).full
    events = sort_upcoming(catalog, catalog.select(f, today=today), today)[:MAX_ENTRIES]
    query = f.to_query()
    self_url = urls.atom(query)
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(config.name + ("" if f.is_empty else ": " + filters_text(f, config)))
    feed.subtitle(config.description)
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=urls.listing(query), rel="alternate", type="text/html")
    feed.author({"name": config.publisher_name, "email": config.publisher_email})
    feed.language(config.language)
    feed.generator("calendar-app")
    newest = max((e.last_modified for e in events), default=datetime(2000, 1, 1, tzinfo=UTC))
    feed.updated(newest)
    for event in events:
        item = entry(catalog, event, today)
        page = urls.permalink(event.slug)
        heading = f"{item.status_label}: {event.title}" if item.status_label else event.title
        atom = feed.add_entry(order="append")
        atom.id(f"urn:uid:{event.uid}")
        atom.title(heading)
        atom.link(href=page, rel="alternate", type="text/html")
        atom.updated(event.last_modified)
        when = item.line_text + (f". This session: {item.session_title}" if item.session_title else "")
        atom.summary(f"{when}. {summary(event.body, 280)}".strip())
        atom.content(f"<p>{escape(when)}</p>{description_html(event)}", type="html")
        for tag in (event.type, *event.fields.topics):
            atom.category(term=tag)
    return feed.atom_str(pretty=True)  # type: ignore[no-any-return]
