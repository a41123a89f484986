"""The embedded list: a few upcoming events for another site's page, in a frame (`/embed`).

Free of any web framework, like the listing. `EmbedOptions.from_query` reads a query: the
listing's filters, with the same bounds and errors, and the embed's own `limit` and `theme`.
`render_embed` writes one self-contained HTML document: its style inline (the text of
`static/embed.css`, which a Content-Security-Policy allows by `style_source`), no script, every
link a full address that opens in a new tab. The server answers `/embed` with it; a static
build writes the same page with its own addresses:

    render_embed(catalog, config, EmbedOptions(filters), today=today, urls=StaticUrls(layout).full)

`builder_context` is the page that writes the `<iframe>` for another site to paste (`/embed/new`).

Both speak the language of their addresses (`urls.lang`): `/es/embed` writes its words, dates
("19 de enero de 2027 | 2 p. m. ET") and links in Spanish, as the Spanish listing does.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from ..core.catalog import Catalog
from ..core.config import SiteConfig
from ..core.errors import FilterError
from ..core.filters import Filters
from ..core.model import Event
from .assets import STATIC_DIR
from .entries import Entry, entry
from .frame import language_links, site_context
from .listing import active_filters, results_text, sort_upcoming
from .phrasing import Part, filters_text, listing_when
from .rendering import environment
from .urls import SiteUrls

EMBED_PARAMS = ("limit", "theme")  # the embed's own parameters, besides the listing's filters
DEFAULT_LIMIT = 10
MAX_LIMIT = 50  # a list in a frame, not a second listing: the link below it leads to the rest
THEMES = ("auto", "light", "dark")  # auto: as the reader's system prefers


@dataclass(frozen=True)
class EmbedOptions:
    """What an embedded list shows: the events `filters` selects, at most `limit`, in `theme`."""

    filters: Filters = field(default_factory=Filters)
    limit: int = DEFAULT_LIMIT
    theme: str = "auto"

    @classmethod
    def from_query(
        cls,
        items: Iterable[tuple[str, str]],
        config: SiteConfig,
        *,
        known: Mapping[str, Collection[str]] | None = None,
    ) -> EmbedOptions:
        """Parse a query as the listing does (`Filters.from_query`), plus `limit` and `theme`;
        raise FilterError naming the parameter on anything unusable."""
        items = list(items)
        filters = Filters.from_query(items, config, known=known, allowed_extra=EMBED_PARAMS)
        return cls(filters, _limit(_last(items, "limit")), _theme(_last(items, "theme")))

    def to_query(self) -> list[tuple[str, str]]:
        """The query that gives these options back; `limit` always, so a pasted frame keeps its length."""
        theme = [("theme", self.theme)] if self.theme != "auto" else []
        return [*self.filters.to_query(), ("limit", str(self.limit)), *theme]


def _last(items: list[tuple[str, str]], name: str) -> str:
    values = [v.strip() for k, v in items if k == name]
    return values[-1] if values else ""


def _limit(text: str) -> int:
    if not text:
        return DEFAULT_LIMIT
    shown = repr(text if len(text) <= 20 else text[:20] + "…")
    if not text.isdigit() or int(text) < 1:
        raise FilterError("limit", f"{shown} is not a number of events; use 1 to {MAX_LIMIT}")
    if len(text) > 3 or int(text) > MAX_LIMIT:
        raise FilterError("limit", f"an embedded list shows at most {MAX_LIMIT} events", [str(MAX_LIMIT)])
    return int(text)


def _theme(text: str) -> str:
    if not text:
        return "auto"
    if text not in THEMES:
        raise FilterError("theme", f"unknown theme {text[:20]!r}", list(THEMES))
    return text


# --- the style ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def embed_style() -> str:
    """The embedded list's stylesheet (`static/embed.css`), which its page carries inline."""
    return (STATIC_DIR / "embed.css").read_text(encoding="utf-8")


def style_source() -> str:
    """`'sha256-…'`: the Content-Security-Policy source that allows the page's inline style, and only it."""
    digest = hashlib.sha256(embed_style().encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


# --- the list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbedItem:
    """One event as the embedded list shows it: the listing's entry, and its when on a line of its own."""

    entry: Entry
    when: list[Part]


def upcoming_events(catalog: Catalog, filters: Filters, today: date) -> list[Event]:
    """The events the upcoming listing with `filters` shows, in its order."""
    return sort_upcoming(catalog, catalog.select(filters, today=today), today)


def embed_context(
    catalog: Catalog,
    config: SiteConfig,
    options: EmbedOptions,
    *,
    today: date,
    urls: SiteUrls | None = None,
    events: list[Event] | None = None,
) -> dict[str, Any]:
    """Everything the embedded list shows, in the language of `urls`, its links full addresses
    written by `urls` (the server's in English by default). `events`: the upcoming listing's
    events for these filters, when the caller has them."""
    urls = urls or SiteUrls(config.base_url).full
    lang = urls.lang
    f = options.filters
    if events is None:
        events = upcoming_events(catalog, f, today)
    items = []
    for event in events[: options.limit]:
        shown = entry(catalog, event, today, urls=urls)
        items.append(EmbedItem(shown, listing_when(event, shown.start, shown.end, lang)))
    return {
        **site_context(config, urls, lang),
        "items": items,
        "total": len(events),
        "filtered": not f.is_empty,
        "description": filters_text(f, config, lang),
        "theme": options.theme,
        "style": Markup(embed_style()),  # the project's own stylesheet, as it is: its hash must match
        "listing_url": urls.listing(f.to_query()),
    }


def render_embed(
    catalog: Catalog,
    config: SiteConfig,
    options: EmbedOptions,
    *,
    today: date,
    urls: SiteUrls | None = None,
    events: list[Event] | None = None,
) -> str:
    """The embedded list as one HTML document (`templates/embed.html`); see `embed_context`."""
    context = embed_context(catalog, config, options, today=today, urls=urls, events=events)
    return environment(lang=context["lang"]).get_template("embed.html").render(context)


# --- the page that writes the frame ---------------------------------------------------------


def frame_height(shown: int) -> int:
    """Pixels a frame a column wide (about 400) needs for `shown` events of two-line titles; past
    1,200 the list scrolls inside it."""
    return min(60 + 120 * max(shown, 1), 1200)


def builder_context(
    catalog: Catalog, config: SiteConfig, options: EmbedOptions, *, today: date, urls: SiteUrls | None = None
) -> dict[str, Any]:
    """The page that writes the `<iframe>` of these options: the filters and how many events they
    give, a preview, the snippet's address, and the links that change them."""
    urls = urls or SiteUrls(config.base_url)
    lang = urls.lang
    f = options.filters
    total = len(catalog.select(f, today=today))
    shown = min(total, options.limit)
    query = options.to_query()

    def builder(changed: Filters) -> str:
        link = urls.embed_builder(replace(options, filters=changed).to_query())
        assert link is not None, "the snippet's page is the server's"
        return link

    described = filters_text(f, config, lang)
    return {
        "options": options,
        "filtered": not f.is_empty,
        "description": described,
        "active": active_filters(f, config, builder, lang),
        "results_text": results_text(total, described, past=False, filtered=not f.is_empty, lang=lang),
        "total": total,
        "shown": shown,
        "max_limit": MAX_LIMIT,
        "themes": THEMES,
        "filter_query": f.to_query(),
        "embed_url": urls.full.embed(query),
        "preview_url": urls.embed(query),
        "height": frame_height(shown),
        "listing_url": urls.listing(f.to_query()),
        "clear_url": urls.embed_builder(replace(options, filters=Filters()).to_query()),
        "languages": language_links(urls, lambda u: u.embed_builder(query) or ""),
    }
