"""The static site: `calendar-app build OUT/` writes pages, feeds and JSON any static host serves.

Every page is rendered from the same contexts (`listing`, `eventpage`, `apidata`) and the same
templates as the server's, with the static site's addresses (`render/urls.StaticUrls`): the
same object says where each file is written and how every page links to it. What the build writes:

- the listing, paginated (`index.html`, `page/2/`), and the past-events archive (`past/`);
- one listing with its own feed, Atom feed and JSON per type (`type/webinar/`) and per sponsor
  (`sponsor/ojjdp/`): with scripts off they stand in for the filters, which a static host
  cannot apply; with scripts on, `static/static-filter.js` filters `api/upcoming.json` and
  `api/past.json` in the browser;
- every event's page (`events/<slug>/`), `.ics` and JSON; the observances' pages and feeds;
  `calendar.ics`; the API's listing JSON; the subscribe help; `404.html`, `sitemap.xml`,
  `robots.txt` and the assets.

Builds are deterministic: the same events, configuration, code and "today" give the same bytes.
The one build stamp is the `stamps` entry of the manifest (`.calendar-build/manifest.json`:
when it was built, and for which day). Builds are incremental:

- an event whose key (its file's content and commit time, what "today" changes on its page,
  the configuration, the code and templates) is unchanged keeps its page, `.ics` and JSON
  without rendering them; its VEVENT and its record for the browser come from the manifest;
- a listing page (and its API JSON) whose events, by their keys, counts and page numbers are
  unchanged is kept, and so is an Atom feed whose listing's events are;
- the feeds, the observance pages and the browser's JSON are joined again every time, from
  those kept parts; and a file is written only when its bytes change (see `outputtree`).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..core.clock import Clock
from ..core.config import SiteConfig
from ..core.errors import ConfigError, Problem
from ..core.filters import Filters
from ..core.model import Event, as_instant
from ..files.loadcache import library_versions
from ..files.site import Site
from ..render.apidata import EventSummary, event_detail, event_list
from ..render.assets import STATIC_DIR, TEMPLATES_DIR
from ..render.atom import render_atom
from ..render.entries import next_session, occurrence_end, sessions
from ..render.errorpage import not_found_context
from ..render.eventpage import event_context
from ..render.frame import site_context
from ..render.ical.ics import assemble, feed_header, feed_names
from ..render.ical.vevent import vevent_bytes
from ..render.listing import (
    ListingResults,
    listing_context,
    listing_results,
    observance_context,
    observance_default_year,
    subscribe_context,
)
from ..render.rendering import environment
from ..render.urls import StaticLayout, StaticUrls, Variant
from .clientindex import ENTRY_TEMPLATE, client_document, client_record
from .outputtree import FORMAT, BuildError, Manifest, OutputTree
from .sitemaps import sitemap_files

PACKAGE_DIR = Path(__file__).resolve().parent.parent
_LIBRARIES = ("icalendar", "jinja2", "markdown-it-py", "nh3", "pydantic", "feedgen", "tzdata", "python-dateutil")


@dataclass
class BuildReport:
    """What a build did, for the command line and the tests."""

    out: Path
    files: int
    written: list[str]
    unchanged: int
    removed: list[str]
    events_rendered: int
    events_kept: int
    problems: list[Problem]
    unmapped: list[str]
    seconds: float
    stopped: bool = False  # --strict found problems: nothing was written


def with_base_url(config: SiteConfig, url: str) -> SiteConfig:
    """`config` with another public address (`--base-url`), checked like the configuration's own."""
    try:
        return SiteConfig.model_validate({**config.model_dump(), "base_url": url})
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConfigError([Problem("--base-url", None, None, message)]) from None


def build_site(
    config: SiteConfig,
    events_dir: Path,
    out: Path,
    *,
    today: date | None = None,
    absolute: bool = False,
    full: bool = False,
    strict: bool = False,
    cache_dir: Path | None = None,
) -> BuildReport:
    """Build the static site of `events_dir` into `out` (see the module docstring).

    `absolute` writes links as full addresses under `config.base_url` instead of relative
    ones; `full` renders every event again instead of keeping unchanged ones; `strict` writes
    nothing when any event file has a problem. `cache_dir` keeps the validated events across
    builds, as the server does (see `loadcache`).
    """
    started = time.perf_counter()
    previous = Manifest.read(out)
    if previous is None:
        raise BuildError(
            f"{out}: the folder is not empty and holds no earlier build, so the build will not write into it. "
            "Hint: choose an empty or new folder"
        )
    site = Site(config, events_dir, Clock.from_env(config.zone, today), cache_dir=cache_dir)
    site.save_cache()
    if strict and site.problems:
        return BuildReport(out, 0, [], 0, [], 0, 0, site.problems, [], time.perf_counter() - started, stopped=True)
    if full:
        previous = Manifest(outputs=previous.outputs)
    tree = OutputTree(out, previous)
    tree.begin()
    builder = _Builder(site, tree, absolute=absolute)
    builder.run()
    tree.manifest.stamps = {"built_at": datetime.now().astimezone().isoformat(timespec="seconds"),
                            "today": builder.today.isoformat()}
    tree.finish()
    return BuildReport(
        out=out,
        files=len(tree.manifest.outputs),
        written=tree.written,
        unchanged=tree.unchanged,
        removed=tree.removed,
        events_rendered=builder.rendered,
        events_kept=builder.kept,
        problems=site.problems,
        unmapped=sorted(builder.layout.unmapped),
        seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------------------------------------
# Keys: when an event's outputs can be kept


def code_fingerprint(config: SiteConfig, absolute: bool) -> str:
    """Everything besides the event that its outputs are made from: code, templates, assets,
    the libraries that write feeds and HTML, the configuration and the kind of links."""
    digest = hashlib.sha256(f"{FORMAT}|{absolute}|{config.model_dump_json()}".encode())
    for root, pattern in ((PACKAGE_DIR, "*.py"), (TEMPLATES_DIR, "*.html"), (STATIC_DIR, "*")):
        for path in sorted(p for p in root.rglob(pattern) if p.is_file()):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    digest.update(library_versions(_LIBRARIES).encode())
    return digest.hexdigest()[:32]


def today_state(event: Event, today: date) -> str:
    """What "today" changes on an event's page and JSON: its next session, whether it (or its
    registration) is over, and how many of its sessions are. A new day that changes none of
    these keeps its outputs."""
    start = next_session(event, today)
    registration = event.fields.registration
    deadline = date.fromisoformat(registration.deadline) if registration and registration.deadline else None
    midnight = as_instant(today, event.zone)
    over = (
        sum(1 for s in sessions(event) if as_instant(occurrence_end(event, s), event.zone) < midnight)
        if event.rule
        else 0
    )
    return f"{start.isoformat()}|{event.last_date < today}|{deadline is not None and deadline < today}|{over}"


def event_key(fingerprint: str, event: Event, today: date) -> str:
    text = "|".join(
        [fingerprint, event.slug, event.content_hash, event.last_modified.isoformat(), today_state(event, today)]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _digest(parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:32]


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


# ---------------------------------------------------------------------------------------------
# The builder


class _Builder:
    def __init__(self, site: Site, tree: OutputTree, *, absolute: bool) -> None:
        self.config = site.config
        self.catalog = site.catalog
        self.today = site.clock.today()
        self.tree = tree
        self.layout = StaticLayout(self.config, self.catalog, absolute=absolute)
        self.urls = StaticUrls(self.layout)  # where every page, feed and file is, and how pages link to them
        self.files = self.urls.files
        self.env = environment()
        self.frame = site_context(self.config)
        self.fingerprint = code_fingerprint(self.config, absolute)
        self.cache: dict[str, dict[str, Any]] = {}
        self.rendered = 0
        self.kept = 0
        self._entry = self.env.from_string(ENTRY_TEMPLATE)

    def run(self) -> None:
        self.events()
        results = self.listings()
        self.feeds(results)
        self.observances()
        self.pages()
        self.sitemap()
        self.assets()
        self.tree.manifest.events = self.cache

    # --- helpers -------------------------------------------------------------------------------

    def page(self, path: str, template: str, context: dict[str, Any], urls: StaticUrls) -> None:
        """Render `template` with the site's frame around `context` and write it at `path`;
        `urls` writes its links (`self.urls.for_file(path)`, or full addresses)."""
        self.tree.put(path, self.env.get_template(template).render({**self.frame, **context, "urls": urls}))

    def feed(self, path: str, events: list[Event], filters: Filters, title: str | None = None) -> None:
        """A feed of `events` at `path`, named like the server's and pointing at its own address."""
        name, description = feed_names(self.config, filters, title)
        header = feed_header(
            self.config, name=name, description=description,
            source=self.urls.full.file(path), url=self.urls.full.listing(filters.to_query()),
        )
        components = [self.cache[e.slug]["vevent"].encode("utf-8") for e in events]
        body = assemble(header, events, components, self.config, self.today)
        self.tree.put(path, body.decode("utf-8"))

    # --- events --------------------------------------------------------------------------------

    def events(self) -> None:
        """Each event's page, .ics and JSON, kept from the last build when its key is unchanged."""
        self.summaries: dict[str, str] = {}  # JSON, for the list pages made this time
        for event in self.catalog.events:
            key = event_key(self.fingerprint, event, self.today)
            files = [self.files.event(event.slug), self.files.event_ics(event.slug), self.files.api_event(event.slug)]
            cached = self.tree.previous.events.get(event.slug)
            if cached is not None and cached.get("key") == key and all(self.tree.can_keep(f) for f in files):
                for f in files:
                    self.tree.keep(f)
                self.kept += 1
            else:
                cached = self.render_event(event, key, files)
                self.rendered += 1
            self.cache[event.slug] = cached
        self.tree.previous.events.clear()  # everything still needed is in self.cache now

    def render_event(self, event: Event, key: str, files: list[str]) -> dict[str, Any]:
        config, catalog, today = self.config, self.catalog, self.today
        urls = self.urls.for_file(files[0])
        self.page(files[0], "event.html", {**event_context(catalog, config, event, today, urls), "current": ""}, urls)
        vevent = vevent_bytes(event, config)
        header = feed_header(config, name=None, description=None, source=None)  # as the server's download
        self.tree.put(files[1], assemble(header, [event], [vevent], config, today).decode("utf-8"))
        detail = event_detail(catalog, config, event, today, self.urls).model_dump(mode="json")
        self.tree.put(files[2], dumps(detail))
        self.summaries[event.slug] = json.dumps({k: detail[k] for k in EventSummary.model_fields})
        record = client_record(catalog, config, event, today, template=self._entry, urls=self.urls)
        return {"key": key, "vevent": vevent.decode("utf-8"), "record": record}

    def summary(self, slug: str) -> EventSummary:
        """An event as the API lists it: made with its JSON this time, or read back from that file.
        Read as JSON, so that a date stays a date (and does not become midnight)."""
        text = self.summaries.get(slug)
        if text is None:
            detail = json.loads((self.tree.out / "api" / "events" / f"{slug}.json").read_text(encoding="utf-8"))
            text = json.dumps({k: detail[k] for k in EventSummary.model_fields})
        return EventSummary.model_validate_json(text)

    # --- listings ------------------------------------------------------------------------------

    def listings(self) -> dict[tuple[str, bool], ListingResults]:
        """Every listing's pages and API JSON; returns each listing's results by (folder, past)."""
        all_results: dict[tuple[str, bool], ListingResults] = {}
        for variant in self.layout.variants:
            for past in (False, True) if variant.kind == "all" else (False,):
                all_results[(variant.folder, past)] = listing_results(
                    self.catalog, variant.filters, today=self.today, past=past
                )
        browse = self.browse(all_results)
        for (folder, past), results in all_results.items():
            variant = next(v for v in self.layout.variants if v.folder == folder)
            self.listing(variant, past, results, browse)
            if variant.kind == "all":
                self.client_index(past, results)
        return all_results

    def browse(
        self, all_results: dict[tuple[str, bool], ListingResults]
    ) -> list[tuple[str, list[tuple[str, Variant, int]]]]:
        """The per-type and per-sponsor listings that have upcoming events (for readers without scripts)."""
        groups: list[tuple[str, list[tuple[str, Variant, int]]]] = []
        for kind, title in (("type", "By type"), ("sponsor", "By sponsor")):
            links = []
            for v in self.layout.variants:
                count = len(all_results[(v.folder, False)].events) if v.kind == kind else 0
                if count:
                    links.append((v.label, v, count))
            groups.append((title, links))
        return groups

    def listing(
        self,
        variant: Variant,
        past: bool,
        results: ListingResults,
        browse: list[tuple[str, list[tuple[str, Variant, int]]]],
    ) -> None:
        """Every page of one listing and of its API JSON. A page whose events (by their keys),
        counts and page numbers are those of the last build is kept as it is."""
        config = self.config
        size = config.page_size
        pages = max(1, -(-len(results.events) // size))
        query = variant.filters.to_query()
        folder = self.urls.targets.listing(query, past=past)
        shared = _digest([self.fingerprint, folder, len(results.events), results.counts, browse])
        for page in range(1, pages + 1):
            files = [self.files.listing(query, past=past, page=page), self.files.api_page(query, past=past, page=page)]
            if page == 1 and variant.kind == "all" and not past:
                files.append(self.files.api_listing(query))
            shown = results.events[(page - 1) * size : page * size]
            key = _digest([shared, page, [self.cache[e.slug]["key"] for e in shown]])
            highlighted = page == 1 and variant.kind == "all" and not past  # observances in season: always made
            if not highlighted and self.tree.keep_all("listing:" + files[0], key, files):
                continue
            urls = self.urls.for_file(files[0])
            items = query + ([("page", str(page))] if page > 1 else [])
            context = listing_context(
                self.catalog, config, items, today=self.today, past=past, results=results, urls=urls
            )
            context.update(
                current="past" if past else "upcoming",
                browse=[(title, [(label, urls.listing(v.filters.to_query()), n) for label, v, n in links])
                        for title, links in browse],
                calendar_index=urls.client_index(past) if variant.kind == "all" and page == 1 else None,
            )
            self.page(files[0], "static_listing.html", context, urls)
            doc = event_list(
                self.catalog, config, variant.filters, today=self.today, past=past, page=page,
                events=results.events, summaries={e.slug: self.summary(e.slug) for e in shown}, urls=self.urls,
            ).model_dump(mode="json")
            for path in files[1:]:
                self.tree.put(path, dumps(doc))

    def client_index(self, past: bool, results: ListingResults) -> None:
        """Every event of the listing, in its order, for filtering in the browser (see `clientindex`)."""
        records = [self.cache[e.slug]["record"] for e in results.events]
        doc = client_document(self.config, self.urls, records, past=past, today=self.today)
        self.tree.put(self.files.client_index(past), dumps(doc))

    # --- feeds and observances -----------------------------------------------------------------

    def feeds(self, results: dict[tuple[str, bool], ListingResults]) -> None:
        """calendar.ics and an iCalendar and Atom feed per type and per sponsor."""
        for variant in self.layout.variants:
            f = variant.filters
            self.feed(self.files.feed(f.to_query()), self.catalog.feed_events(f, today=self.today), f)
            self.atom(variant, results)

    def atom(self, variant: Variant, results: dict[tuple[str, bool], ListingResults]) -> None:
        """The Atom feed of one listing; kept when its entries (by their keys) are the last build's."""
        path = self.files.atom(variant.filters.to_query())
        # Keyed on every upcoming event of the listing, not just the entries the feed shows:
        # which ones it shows is the Atom module's business.
        chosen = results[(variant.folder, False)].events
        key = _digest([self.fingerprint, path, sorted(self.cache[e.slug]["key"] for e in chosen)])
        if self.tree.keep_all("atom:" + path, key, [path]):
            return
        text = render_atom(self.catalog, variant.filters, today=self.today, urls=self.urls).decode("utf-8")
        self.tree.put(path, text)

    def observances(self) -> None:
        """Each observance's page for every year it has events (and the coming one), and its feeds."""
        catalog, config, today, files = self.catalog, self.config, self.today, self.files
        index = self.urls.for_file(files.observances())
        items = []
        for observance in config.observances:
            default = observance_default_year(observance, today)
            items.append(observance_context(catalog, config, observance, default, today, urls=index))
            f = Filters(observance=observance.id)
            for year in items[-1]["years"]:
                pages = [files.observance(observance.id, year)]
                if year == default:
                    pages.append(files.observance(observance.id))
                for path in pages:  # the default year's page also answers at the observance's own address
                    urls = self.urls.for_file(path)
                    context = observance_context(catalog, config, observance, year, today, urls=urls)
                    context.update(title=f"{observance.name} {year}", current="observances")
                    self.page(path, "static_observance.html", context, urls)
                events = [entry.event for entry in context["entries"]]  # the year's events, in start order
                self.feed(files.observance_feed(observance.id, year), events, f, f"{observance.name} {year}")
            self.feed(files.observance_feed(observance.id), catalog.feed_events(f, today=today), f, observance.name)
        context = {"title": "Observances", "items": items, "current": "observances"}
        self.page(files.observances(), "observances.html", context, index)

    # --- other pages ---------------------------------------------------------------------------

    def pages(self) -> None:
        for path in (self.files.subscribe_page(), self.files.subscribe_help()):
            urls = self.urls.for_file(path)
            self.page(path, "subscribe.html", subscribe_context(self.config, urls), urls)
        everywhere = self.urls.at(None)  # 404.html is served at any address: full addresses
        self.page(self.files.file("404.html"), "error.html", not_found_context(clear_url=everywhere.home()), everywhere)
        sitemap = self.urls.full.file("sitemap.xml")
        self.tree.put(self.files.file("robots.txt"), f"User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n")

    def sitemap(self) -> None:
        """sitemap.xml of the pages search engines should index (not filtered or later pages)."""
        at = self.urls.targets
        urls: list[tuple[str, str | None]] = [
            (at.home(), None), (at.listing(past=True), None), (at.observances(), None), (at.subscribe_page(), None)
        ]
        urls += [(at.observance(o.id), None) for o in self.config.observances]
        urls += [(at.event(e.slug), e.last_modified.date().isoformat()) for e in self.catalog.events]
        for name, text in sitemap_files(urls, self.urls.full.file).items():
            self.tree.put(name, text)

    def assets(self) -> None:
        for path in sorted(p for p in STATIC_DIR.rglob("*") if p.is_file()):
            relative = path.relative_to(STATIC_DIR).as_posix()
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise BuildError(f"static/{relative}: only text assets (CSS, scripts) can be published") from None
            self.tree.put(self.files.asset(relative), text)
