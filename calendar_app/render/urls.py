"""Every address of the site, written in one place for the server and for the static build.

Pages, feeds and JSON take their links from a `SiteUrls` (templates find it as `urls` in their
context), never from strings of their own. The server's addresses carry the filters in the
query; a static host cannot answer a query, so `StaticUrls` gives every listing the build
publishes a folder of its own, and answers with the build's files:

| what                          | server (`SiteUrls`)             | static build (`StaticUrls`)            |
|-------------------------------|---------------------------------|----------------------------------------|
| listing, its pages            | `/`, `/?page=2`                 | `index.html`, `page/2/index.html`      |
| past events                   | `/past`, `/past?page=2`         | `past/index.html`, `past/page/2/...`   |
| one type, one sponsor         | `/?type=webinar`                | `type/webinar/`, `sponsor/ojjdp/`      |
| its later pages               | `/?type=webinar&page=2`         | the listing, its query kept (1)        |
| any other filters             | `/?topic=youth`                 | the listing, its query kept (1)        |
| feed, Atom feed               | `/calendar.ics?type=webinar`    | `type/webinar/calendar.ics`, `feed.atom` |
| an event, its .ics            | `/events/<slug>`, `.ics`        | `events/<slug>/`, `events/<slug>.ics`  |
| an observance in a year       | `/observances/<id>?year=2027`   | `observances/<id>/2027/`               |
| its feed                      | `/observances/<id>.ics?year=..` | `observances/<id>/2027.ics`            |
| the API's listing             | `/api/events?type=webinar`      | `api/events/type/webinar/1.json` (2)   |
| the API's event               | `/api/events/<slug>`            | `api/events/<slug>.json`               |
| subscribe help, assets        | `/subscribe`, `/static/x.css`   | `subscribe/`, `static/x.css`           |
| the embedded list, its page   | `/embed?type=..`, `/embed/new`  | `type/webinar/embed/` (3), and none    |
| e-mail alerts, their links    | `/alerts?type=..`, `/alerts/..` | none                                   |
| suggesting an event           | `/suggest`, `/suggest/status/..`| none                                   |
| a page or feed in Spanish     | `/es/`, `/es/events/<slug>`     | `es/index.html`, `es/events/<slug>/`   |

(1) the browser filters the built JSON (`static/static-filter.js`). (2) every upcoming event:
`api/events.json`, then `api/events/upcoming/2.json`; past events: `api/events/past/1.json`.
(3) of every listing with a folder of its own (`embed/` for every event), with the default `limit`
and `theme`; other filters, limits and themes need the server.

Each kind of address comes in three forms: a link as a page writes it (`urls.event(slug)`: the
server's `/events/<slug>`; in the static build relative to the page, `../../events/<slug>/`,
or a full address under `--base-url`), a full address for feeds, canonical links and JSON
(`urls.full.event(slug)`), and, in the static build, the file that holds it
(`urls.files.event(slug)`: `events/<slug>/index.html`), which is where the build writes it.

An event's permalink (`permalink`) is the server's address everywhere: feeds, JSON-LD and the
calendar apps that keep it do not change with the kind of site.

The public pages and their feeds come in every language of the site (`render.language`): a
`SiteUrls(..., lang="es")` writes the Spanish ones under `/es` (`in_language` gives the same
addresses in another language), and so do the embedded list, the e-mail alerts' pages and links, and
the suggestion form's pages. Assets, the JSON API, Atom, single-event downloads and the
coordinators' pages have one address for every language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlencode

from ..core.catalog import Catalog
from ..core.config import SiteConfig
from ..core.fields import normalize_tag
from ..core.filters import Filters
from .language import DEFAULT_LANGUAGE, LANGUAGES, path_in, path_prefix

Query = Iterable[tuple[str, str]]
Form = Literal["page", "full", "file", "target"]
GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r?cid="


def with_query(path: str, items: Query) -> str:
    """`path` with `items` as its query string (none when there are no items)."""
    query = urlencode(list(items))
    return f"{path}?{query}" if query else path


def _paged(items: Query, page: int) -> list[tuple[str, str]]:
    return [*items, *([("page", str(page))] if page > 1 else [])]


@dataclass(frozen=True)
class SubscribeLinks:
    """Every way to follow one feed: the https address, webcal:// for desktop apps, Google's add-by-URL."""

    https: str
    webcal: str
    google: str


def feed_subscription(feed_url: str) -> SubscribeLinks:
    """The subscribe links of the feed at the full address `feed_url`."""
    webcal = "webcal://" + feed_url.split("://", 1)[1]
    return SubscribeLinks(https=feed_url, webcal=webcal, google=GOOGLE_SUBSCRIBE + quote(webcal, safe=""))


class SiteUrls:
    """The server's addresses: links as `/events/<slug>`, or full addresses under the site's base_url."""

    def __init__(self, base_url: str, *, full: bool = False, lang: str = DEFAULT_LANGUAGE) -> None:
        self.base_url = base_url
        self._full = full
        self.lang = lang

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages these addresses have pages in: every one of the site's on the server."""
        return LANGUAGES

    @property
    def full(self) -> SiteUrls:
        """The same addresses in full, for feeds, canonical links, JSON and subscribe links."""
        return SiteUrls(self.base_url, full=True, lang=self.lang)

    def in_language(self, lang: str) -> SiteUrls:
        """The same addresses, in the same form, of the pages and feeds in the language `lang`."""
        return SiteUrls(self.base_url, full=self._full, lang=lang)

    def _link(self, path: str) -> str:
        return self.base_url + path if self._full else path

    def _page(self, path: str) -> str:
        """A page or feed of this language (`/es/...` in Spanish)."""
        return self._link(path_prefix(self.lang) + path)

    def same_page(self, path: str, query: str = "") -> str:
        """The server's page at `path` (in any language) in this language, its `query` kept."""
        return self._link(path_in(path, self.lang) + (f"?{query}" if query else ""))

    def permalink(self, slug: str) -> str:
        """An event's permanent full address, the same for every kind of site (feeds, JSON-LD, calendar apps)."""
        return f"{self.base_url}/events/{slug}"

    def subscribe(self, feed_url: str) -> SubscribeLinks:
        """Subscribe links of the feed at `feed_url` (a link from these addresses, made full)."""
        return feed_subscription(feed_url if "://" in feed_url else self.base_url + feed_url)

    # --- pages ---------------------------------------------------------------------------------

    def home(self) -> str:
        return self.listing()

    def listing(self, query: Query = (), *, past: bool = False, page: int = 1) -> str:
        """The listing (or past events) with the filters `query` on page `page`."""
        return self._page(with_query("/past" if past else "/", _paged(query, page)))

    def event(self, slug: str) -> str:
        return self._page(f"/events/{slug}")

    def observances(self) -> str:
        return self._page("/observances")

    def observance(self, observance_id: str, year: int | None = None) -> str:
        """An observance's page: the year whose window holds today or comes next, or `year`'s."""
        return self._page(with_query(f"/observances/{observance_id}", [("year", str(year))] if year else []))

    def subscribe_page(self) -> str:
        return self._page("/subscribe")

    def suggest(self) -> str | None:
        """The public form for suggesting an event (shown only when the site allows suggestions)."""
        return self._page("/suggest")

    def suggestion_status(self, token: str) -> str:
        """The private page that tells the person who suggested an event what became of it."""
        return self._page(f"/suggest/status/{token}")

    def alerts(self, query: Query = ()) -> str | None:
        """The form that signs up for e-mail about the events of the filters `query`."""
        return self._page(with_query("/alerts", query))

    def alert_confirm(self, token: str) -> str:
        return self._page(f"/alerts/confirm/{token}")

    def alert_manage(self, token: str) -> str:
        """The page where an address changes its alert, sees what is stored about it, or deletes it."""
        return self._page(f"/alerts/manage/{token}")

    def alert_unsubscribe(self, token: str) -> str:
        """The unsubscribe link of an alert's messages (one click, RFC 8058)."""
        return self._page(f"/alerts/unsubscribe/{token}")

    def asset(self, name: str) -> str:
        """A file of the site's assets (`style.css`)."""
        return self._link(f"/static/{name}")

    def embed(self, query: Query = ()) -> str:
        """The list another site shows in a frame: the filters `query`, and the embed's `limit` and `theme`."""
        return self._page(with_query("/embed", query))

    def embed_builder(self, query: Query = ()) -> str | None:
        """The page that writes the `<iframe>` of `embed(query)` for another site to paste."""
        return self._page(with_query("/embed/new", query))

    # --- feeds and JSON ------------------------------------------------------------------------

    def feed(self, query: Query = ()) -> str:
        """The iCalendar feed of what a listing with the filters `query` shows."""
        return self._page(with_query("/calendar.ics", query))

    def atom(self, query: Query = ()) -> str:
        return self._link(with_query("/feed.atom", query))

    def event_ics(self, slug: str) -> str:
        """One event as a file to open ("add to my calendar")."""
        return self._link(f"/events/{slug}.ics")

    def observance_feed(self, observance_id: str, year: int | None = None) -> str:
        return self._page(with_query(f"/observances/{observance_id}.ics", [("year", str(year))] if year else []))

    def api_listing(self, query: Query = (), *, past: bool = False, page: int = 1) -> str:
        """The API's page of the listing with the filters `query`."""
        return self._link(with_query("/api/events", _paged([*query, *([("past", "true")] if past else [])], page)))

    def api_event(self, slug: str) -> str:
        return self._link(f"/api/events/{slug}")


# --- the static build ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """A listing the static build publishes as pages, a feed and JSON of its own."""

    kind: str  # "all", "type" or "sponsor"
    value: str
    folder: str  # "" for every event, "type/webinar/", "sponsor/ojjdp/"
    label: str

    @property
    def filters(self) -> Filters:
        if self.kind == "type":
            return Filters(types=(self.value,))
        if self.kind == "sponsor":
            return Filters(sponsors=(self.value,))
        return Filters()

    @property
    def api_folder(self) -> str:
        return self.folder.rstrip("/") or "upcoming"


def path_segment(value: str) -> str:
    """A folder name for a type or sponsor: lowercase ASCII letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def static_variants(config: SiteConfig, catalog: Catalog) -> list[Variant]:
    """Every event, each configured type, and each sponsor (configured or named by an event)."""
    found = [Variant("all", "", "", "Every event")]
    taken: set[tuple[str, str]] = set()

    def folder(kind: str, value: str) -> str:
        base = path_segment(value) or kind
        name, n = base, 1
        while (kind, name) in taken:  # two values that spell the same folder name
            n += 1
            name = f"{base}-{n}"
        taken.add((kind, name))
        return f"{kind}/{name}/"

    for kind in config.types:
        found.append(Variant("type", kind, folder("type", kind), kind.capitalize()))
    sponsors: dict[str, tuple[str, str]] = {}
    for sponsor in config.sponsors:
        sponsors.setdefault(normalize_tag(sponsor.id), (sponsor.id, f"{sponsor.name} ({sponsor.id})"))
    for event in catalog.events:
        for name in event.fields.sponsors:
            sponsors.setdefault(normalize_tag(name), (name, name))
    for _key, (value, label) in sorted(sponsors.items()):
        found.append(Variant("sponsor", value, folder("sponsor", value), label))
    return found


class StaticLayout:
    """What a static build of one catalog holds: its listings of their own, events and observances.

    Shared by every page's `StaticUrls`; `unmapped` collects the server addresses a page asked
    for that the build has no file for (the link keeps the server's address). `languages`: those
    the build writes pages in (English alone, or every one of the site's with the Spanish pages in
    `es/`); pages link to their other languages only when the build has them.
    """

    def __init__(
        self,
        config: SiteConfig,
        catalog: Catalog,
        *,
        absolute: bool,
        languages: tuple[str, ...] = (DEFAULT_LANGUAGE,),
    ) -> None:
        self.base_url = config.base_url
        self.absolute = absolute
        self.languages = languages
        self.slugs = set(catalog.by_slug)
        self.observances = {o.id for o in config.observances}
        self.variants = static_variants(config, catalog)
        self._types = {v.value: v for v in self.variants if v.kind == "type"}
        self._sponsors = {normalize_tag(v.value): v for v in self.variants if v.kind == "sponsor"}
        self.unmapped: set[str] = set()

    def variant_of(self, items: list[tuple[str, str]]) -> Variant | None:
        """The published listing that holds exactly what the filters `items` select, if any."""
        if not items:
            return self.variants[0]
        if len(items) != 1 or "," in items[0][1]:
            return None
        name, value = items[0]
        if name == "type":
            return self._types.get(value.strip())
        if name == "sponsor":
            return self._sponsors.get(normalize_tag(value))
        return None


class StaticUrls(SiteUrls):
    """The static build's addresses, as links from the page in `page_dir`, in full, or as files.

    Relative links (`page_dir` "events/<slug>/" links home as "../../") let the site live under
    any folder; with an absolute layout (`--base-url`) every link is a full address.
    """

    def __init__(
        self, layout: StaticLayout, *, page_dir: str | None = "", form: Form = "page", lang: str = DEFAULT_LANGUAGE
    ) -> None:
        super().__init__(layout.base_url, full=form == "full", lang=lang)
        self.layout = layout
        self.page_dir = page_dir
        self.form: Form = "full" if page_dir is None and form == "page" else form

    @property
    def full(self) -> StaticUrls:
        return StaticUrls(self.layout, form="full", lang=self.lang)

    @property
    def files(self) -> StaticUrls:
        """The same addresses as the files of the build that hold them (`events/<slug>/index.html`)."""
        return StaticUrls(self.layout, form="file", lang=self.lang)

    @property
    def targets(self) -> StaticUrls:
        """The same addresses relative to the site's root (`events/<slug>/`, "" for the listing)."""
        return StaticUrls(self.layout, form="target", lang=self.lang)

    def at(self, page_dir: str | None) -> StaticUrls:
        """Links as the page in the folder `page_dir` ("" for the root) writes them; None: full
        addresses, for a page served at many addresses (404.html)."""
        return StaticUrls(self.layout, page_dir=page_dir, lang=self.lang)

    def in_language(self, lang: str) -> StaticUrls:
        """The same addresses of the build's pages in `lang` (the Spanish ones in `es/`), from the same page."""
        return StaticUrls(self.layout, page_dir=self.page_dir, form=self.form, lang=lang)

    @property
    def languages(self) -> tuple[str, ...]:
        return self.layout.languages

    def for_file(self, path: str) -> StaticUrls:
        """Links as the page written at `path` (a file of `files`) writes them."""
        return self.at(path.rsplit("/", 1)[0] + "/" if "/" in path else "")

    def file(self, target: str) -> str:
        """A file only the build writes (`api/upcoming.json`, `sitemap.xml`), in this form."""
        return self._static(target, "/" + target)

    def client_index(self, past: bool = False) -> str:
        """Every upcoming (or past) event for filtering in the browser (see `build/clientindex`),
        their entries in this language (`es/api/upcoming.json`)."""
        return self.file(self.language_folder() + ("api/past.json" if past else "api/upcoming.json"))

    def language_folder(self) -> str:
        """The folder of this language's pages, relative to the site's root: "" or "es/"."""
        prefix = path_prefix(self.lang)
        return prefix[1:] + "/" if prefix else ""

    def _static(self, target: str | None, server: str) -> str:
        if target is None:
            if self.form in ("file", "target"):
                raise ValueError(f"the static build has no file for {server}")
            self.layout.unmapped.add(server)
            return self.base_url + server if self.form == "full" else server
        if self.form == "target":
            return target
        if self.form == "file":
            return target + "index.html" if target == "" or target.endswith("/") else target
        if self.form == "full" or self.layout.absolute:
            return f"{self.base_url}/{target}"
        assert self.page_dir is not None
        if target.startswith("?") and not self.page_dir:
            target = "./" + target
        return ("../" * self.page_dir.count("/") + target) or "./"

    def _static_page(self, target: str | None, server: str) -> str:
        """A page or feed of this language: the Spanish ones in the folder `es/`, at `/es/...` on the server."""
        prefix = path_prefix(self.lang)
        return self._static(prefix[1:] + "/" + target if prefix and target is not None else target, prefix + server)

    # --- pages ---------------------------------------------------------------------------------

    def listing(self, query: Query = (), *, past: bool = False, page: int = 1) -> str:
        items = list(query)
        variant = self.layout.variant_of(items)
        # One type's or one sponsor's listing is published as its first page only: the
        # browser pages through the rest (see build/static.py).
        if variant is not None and (variant.kind == "all" or (not past and page == 1)):
            target = ("past/" if past else variant.folder) + (f"page/{page}/" if page > 1 else "")
        else:  # no folder of its own: the listing, its query applied by the browser
            rest = urlencode(_paged(items, page))
            target = ("past/" if past else "") + ("?" + rest if rest else "")
        return self._static_page(target, with_query("/past" if past else "/", _paged(items, page)))

    def event(self, slug: str) -> str:
        return self._static_page(f"events/{slug}/" if slug in self.layout.slugs else None, f"/events/{slug}")

    def observances(self) -> str:
        return self._static_page("observances/", "/observances")

    def observance(self, observance_id: str, year: int | None = None) -> str:
        known = observance_id in self.layout.observances
        target = f"observances/{observance_id}/" + (f"{year}/" if year else "") if known else None
        server = with_query(f"/observances/{observance_id}", [("year", str(year))] if year else [])
        return self._static_page(target, server)

    def subscribe_page(self) -> str:
        return self._static_page("subscribe/", "/subscribe")

    def suggest(self) -> str | None:
        """None: a static host cannot take a suggestion, and its pages may be all a site has."""
        return None

    def alerts(self, query: Query = ()) -> str | None:
        """None: a static host cannot take a sign-up, as it cannot take a suggestion."""
        return None

    def subscribe_help(self) -> str:
        """The subscribe help at the server's other address, `/help/subscribe`."""
        return self._static_page("help/subscribe/", "/help/subscribe")

    def asset(self, name: str) -> str:
        return self._static(f"static/{name}", f"/static/{name}")

    def embed(self, query: Query = ()) -> str:
        """The embedded list of a listing the build publishes (`embed/`, `type/webinar/embed/`,
        in Spanish under `es/`), with the default `limit` and `theme`; any other is the server's
        `/embed` (`/es/embed`)."""
        items = list(query)
        variant = self.layout.variant_of(items)
        return self._static_page(None if variant is None else variant.folder + "embed/", with_query("/embed", items))

    def embed_builder(self, query: Query = ()) -> str | None:
        """None: the snippet's page needs the server, as `suggest` does."""
        return None

    # --- feeds and JSON ------------------------------------------------------------------------

    def feed(self, query: Query = ()) -> str:
        items = list(query)
        variant = self.layout.variant_of(items)
        if variant is None and len(items) == 1 and items[0][0] == "observance":
            return self.observance_feed(items[0][1])
        target = None if variant is None else variant.folder + "calendar.ics"
        return self._static_page(target, with_query("/calendar.ics", items))

    def atom(self, query: Query = ()) -> str:
        items = list(query)
        variant = self.layout.variant_of(items)
        return self._static(None if variant is None else variant.folder + "feed.atom", with_query("/feed.atom", items))

    def event_ics(self, slug: str) -> str:
        return self._static(f"events/{slug}.ics" if slug in self.layout.slugs else None, f"/events/{slug}.ics")

    def observance_feed(self, observance_id: str, year: int | None = None) -> str:
        known = observance_id in self.layout.observances
        target = f"observances/{observance_id}" + (f"/{year}.ics" if year else ".ics") if known else None
        server = with_query(f"/observances/{observance_id}.ics", [("year", str(year))] if year else [])
        return self._static_page(target, server)

    def api_listing(self, query: Query = (), *, past: bool = False, page: int = 1) -> str:
        items = list(query)
        if not past and page == 1 and self.layout.variant_of(items) is self.layout.variants[0]:
            return self._static("api/events.json", "/api/events")
        return self.api_page(items, past=past, page=page)

    def api_page(self, query: Query = (), *, past: bool = False, page: int = 1) -> str:
        """The API's page `page` of a listing in its numbered form (page 1 of every upcoming
        event is also `api/events.json`)."""
        items = list(query)
        variant = self.layout.variant_of(items)
        target = None
        if variant is not None and (not past or variant.kind == "all"):
            target = f"api/events/{'past' if past else variant.api_folder}/{page}.json"
        server = with_query("/api/events", _paged([*items, *([("past", "true")] if past else [])], page))
        return self._static(target, server)

    def api_event(self, slug: str) -> str:
        return self._static(f"api/events/{slug}.json" if slug in self.layout.slugs else None, f"/api/events/{slug}")
