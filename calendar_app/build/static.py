"""The static site: `calendar-app build OUT/` writes pages, feeds and JSON any static host serves.

Every page is rendered from the same contexts (`listing`, `eventpage`, `apidata`) and the same
templates as the server's, with the static site's addresses (`render/urls.StaticUrls`): the
same object says where each file is written and how every page links to it. What the build writes:

- the listing, paginated (`index.html`, `page/2/`), and the past-events archive (`past/`);
- per type (`type/webinar/`) and per sponsor (`sponsor/ojjdp/`) the first page of its listing,
  its feed, Atom feed and every page of its JSON: with scripts off the pages stand in for the
  filters, which a static host cannot apply; with scripts on, `static/static-filter.js` filters
  `api/upcoming.json` and `api/past.json` in the browser, and pages through them;
- every event's page (`events/<slug>/`), `.ics` and JSON; the observances' pages and feeds;
  `calendar.ics`; the API's listing JSON; the subscribe help; `404.html`, `sitemap.xml`,
  `robots.txt` and the assets;
- every page and feed above that has words in Spanish too, under `es/` (`es/events/<slug>/`,
  `es/calendar.ics`): the feeds named in Spanish around the same VEVENT bytes, the pages linking
  to each other in both languages (`hreflang`, the switch); JSON, Atom, `.ics` downloads and
  assets have one file for both;
- for the listing and each type's and sponsor's, the embedded list other sites frame
  (`embed/index.html`, `type/webinar/embed/index.html`, and under `es/`; see `embeds`).

Pages are rendered by `pagewriter`, as tasks that `workers` shares among processes (`--jobs`)
when there are many; meanwhile this process chooses what each listing holds and joins the feeds.

Builds are deterministic: the same events, configuration, code and "today" give the same bytes,
whatever the number of jobs. The one build stamp is the `stamps` entry of the manifest
(`.calendar-build/manifest.json`: when it was built, and for which day). Builds are incremental:

- an event whose key (its file's content and commit time, what "today" changes on its page,
  the configuration, the code and templates) is unchanged keeps its page, `.ics` and JSON
  without rendering them; its VEVENT and its record for the browser come from `parts`;
- which events each listing, feed and observance holds (and a listing's counts) is taken from
  the last build when no event changed in what they choose by (`selections`);
- every other output has a key made of its events' keys (a listing page, a feed, an observance
  page, the browser's JSON, the sitemap) and is kept when its key is; and a file is written
  only when its bytes change (see `outputtree`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..core.clock import Clock
from ..core.config import Observance, SiteConfig
from ..core.errors import ConfigError, Problem
from ..core.filters import Filters
from ..core.model import Event
from ..files.site import Site
from ..render.assets import STATIC_DIR
from ..render.atom import MAX_ENTRIES as ATOM_ENTRIES
from ..render.embed import DEFAULT_LIMIT as EMBED_LIMIT
from ..render.errorpage import not_found_context
from ..render.ical.ics import assemble, feed_header, feed_names
from ..render.language import path_prefix
from ..render.listing import ListingResults, listing_results, observance_default_year, subscribe_context
from ..render.urls import StaticUrls
from .clientindex import client_document_bytes
from .keys import code_fingerprint, digest, event_entry
from .outputtree import MANIFEST_DIR, BuildError, Manifest, OutputTree
from .pagewriter import AtomTask, Browse, Done, EventsTask, ListingTask, ObservanceTask, PageWriter, Setup, Task
from .parts import EventParts, PartStore
from .selections import Selections
from .sitemaps import sitemap_files, sitemap_names
from .workers import Workers, chunks


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
    bytes_written: int = 0
    jobs: int = 1


def with_base_url(config: SiteConfig, url: str) -> SiteConfig:
    """`config` with another public address (`--base-url`), checked like the configuration's own."""
    try:
        return SiteConfig.model_validate({**config.model_dump(), "base_url": url})
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConfigError([Problem("--base-url", None, None, message)]) from None


def default_jobs() -> int:
    """The processes a build may use by default: one per CPU it may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on every platform
        return max(1, os.cpu_count() or 1)


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
    jobs: int = 1,
) -> BuildReport:
    """Build the static site of `events_dir` into `out` (see the module docstring).

    `absolute` writes links as full addresses under `config.base_url` instead of relative
    ones; `full` renders every event again instead of keeping unchanged ones; `strict` writes
    nothing when any event file has a problem. `cache_dir` keeps the validated events across
    builds, as the server does (see `loadcache`). `jobs` is how many processes render pages
    when there are many to render (see `workers`).
    """
    started = time.perf_counter()
    previous = Manifest.read(out)
    if previous is None:
        raise BuildError(
            f"{out}: the folder is not empty and holds no earlier build, so the build will not write into it. "
            "Hint: choose an empty or new folder."
        )
    site = Site(config, events_dir, Clock.from_env(config.zone, today), cache_dir=cache_dir)
    site.save_cache()
    if strict and site.problems:
        return BuildReport(out, 0, [], 0, [], 0, 0, site.problems, [], time.perf_counter() - started, stopped=True)
    if full:
        previous = Manifest(outputs=previous.outputs)
    tree = OutputTree(out, previous)
    tree.begin()
    builder = _Builder(site, tree, absolute=absolute, jobs=jobs)
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
        bytes_written=tree.bytes_written,
        jobs=jobs,
    )


def _pages(task: Task) -> int:
    return len(task.pages) if isinstance(task, ListingTask) else 1


# ---------------------------------------------------------------------------------------------
# The builder


class _Builder:
    def __init__(self, site: Site, tree: OutputTree, *, absolute: bool, jobs: int) -> None:
        self.config = site.config
        self.catalog = site.catalog
        self.today = site.clock.today()
        self.tree = tree
        self.jobs = jobs
        setup = Setup(self.config, self.catalog.events, self.today, absolute, tree.out, tree.mode)
        self.writer = PageWriter(setup, self.catalog)
        self.layout = self.writer.layout
        self.urls = self.writer.urls  # where every page, feed and file is, and how pages link to them
        self.files = self.urls.files
        self.localized = self.writer.localized  # the same in each language
        self.fingerprint = code_fingerprint(self.config, absolute)
        self.parts = PartStore(tree.out / MANIFEST_DIR / "parts")
        self.entries: dict[str, dict[str, str]] = {}  # per event: its key and what it was made from
        self.summaries: dict[str, str] = {}  # JSON of the events rendered this time, for the list pages
        self.rendered = 0
        self.kept = 0

    def run(self) -> None:
        work = self.scan()
        with Workers(self.writer, jobs=self.jobs) as workers:
            tasks: list[Task] = [EventsTask(chunk) for chunk in chunks(work, self.jobs)]
            self.record(workers.run(tasks, len(work), meanwhile=partial(self.prepare, [slug for slug, _ in work])))
            tasks = [*self.listings(), *self.atoms(), *self.observances()]
            self.record(workers.run(tasks, sum(_pages(task) for task in tasks), meanwhile=self.joins))
        self.parts.forget(set(self.tree.previous.events) - set(self.catalog.by_slug))
        self.parts.save(keep=set(self.catalog.by_slug))
        manifest = self.tree.manifest
        manifest.events = self.entries
        manifest.selections = self.selections.stored
        manifest.keys["fingerprint"] = self.fingerprint

    def joins(self) -> None:
        """What is joined from parts or made at once, here while the workers render pages."""
        self.feeds()
        for past in (False, True):
            self.client_index(past)
        self.pages()
        self.embeds()
        self.sitemap()
        self.assets()

    # --- helpers -------------------------------------------------------------------------------

    def keys_of(self, events: list[Event]) -> list[str]:
        return [self.entries[e.slug]["key"] for e in events]

    def previous(self, paths: list[str]) -> dict[str, str]:
        """The last build's digests of `paths`, for a task to write only what changed."""
        outputs = self.tree.previous.outputs
        return {p: outputs[p] for p in paths if p in outputs}

    def record(self, results: list[Done]) -> None:
        """The files tasks wrote (or left as they were), and the parts of the events they rendered."""
        for done in results:
            self.layout.unmapped.update(done.unmapped)
            for output in done.outputs:
                self.tree.record(*output)
            for event in done.events:
                for output in event.outputs:
                    self.tree.record(*output)
                self.parts.put(event.slug, EventParts(self.entries[event.slug]["key"], event.vevent, event.records))
                self.summaries[event.slug] = event.summary
                self.rendered += 1

    def part(self, event: Event) -> EventParts:
        """The event's VEVENT and record for the browser: from the store, or made now."""
        key = self.entries[event.slug]["key"]
        found = self.parts.get(event.slug, key)
        if found is None:
            found = EventParts(key, *self.writer.parts(event))
            self.parts.put(event.slug, found)
        return found

    def feed(
        self,
        path: Callable[[StaticUrls], str],
        events: list[Event],
        filters: Filters,
        name: str | None = None,
        year: int | None = None,
    ) -> None:
        """A feed of `events` in each language, at `path(urls)`, named like the server's in that
        language (by `name` and `year`, else by the filters) and pointing at its own address; kept
        when its events' keys are the last build's. Both hold the same VEVENT bytes, taken once."""
        keys = self.keys_of(events)
        components: list[bytes] | None = None
        for lang, urls in self.localized.items():
            at = path(urls.files)
            if self.tree.keep_all("feed:" + at, digest([self.fingerprint, self.today, at, name, year, keys]), [at]):
                continue
            title = self.config.translated(name, lang) if name else None
            if title and year:
                title = f"{title} {year}"
            feed_name, description = feed_names(self.config, filters, title, lang)
            header = feed_header(
                self.config, name=feed_name, description=description,
                source=urls.full.file(at), url=urls.full.listing(filters.to_query()),
            )
            if components is None:
                components = [self.part(e).vevent for e in events]
            self.tree.put(at, assemble(header, events, components, self.config, self.today))

    # --- events and what they are chosen by ----------------------------------------------------

    def scan(self) -> list[tuple[str, dict[str, str]]]:
        """Keep each event's page, .ics and JSON whose key is the last build's; the others, with
        the last build's digests of their files, are to be rendered (in the catalog's order)."""
        previous = self.tree.previous
        same_code = previous.keys.get("fingerprint") == self.fingerprint
        same_day = same_code and previous.stamps.get("today") == self.today.isoformat()
        work: list[tuple[str, dict[str, str]]] = []
        for event in self.catalog.events:
            old = previous.events.get(event.slug) if same_code else None
            paths = self.writer.event_paths(event.slug)
            # A new file, or a new version of one: rendered whatever its key (worked out meanwhile).
            if old is None or old.get("hash") != event.content_hash:
                work.append((event.slug, self.previous(paths)))
                continue
            entry = self.entries[event.slug] = event_entry(self.fingerprint, event, self.today, old, same_day)
            if old.get("key") == entry["key"] and all(self.tree.can_keep(p) for p in paths):
                for path in paths:
                    self.tree.keep(path)
                self.kept += 1
            else:
                work.append((event.slug, self.previous(paths)))
        return work

    def prepare(self, rendered: list[str]) -> None:
        """The keys of the events being rendered, then what every listing, feed and observance holds."""
        by_slug = self.catalog.by_slug
        for slug in rendered:
            if slug not in self.entries:
                self.entries[slug] = event_entry(self.fingerprint, by_slug[slug], self.today, None, False)
        signatures = [(e.slug, self.entries[e.slug]["sig"]) for e in self.catalog.events]
        selection_key = digest([self.fingerprint, self.today, signatures])
        reuse = self.tree.previous.keys.get("selections") == selection_key
        self.selections = Selections(self.catalog, self.tree.previous.selections, reuse=reuse)
        self.tree.manifest.keys["selections"] = selection_key
        self.choose()

    def choose(self) -> None:
        """Every listing's results, feed's events and observance's years and events."""
        catalog, today, chosen = self.catalog, self.today, self.selections
        self.results: dict[tuple[str, bool], ListingResults] = {}
        self.feed_events: dict[str, list[Event]] = {}
        for v in self.layout.variants:
            for past in (False, True) if v.kind == "all" else (False,):
                name = f"listing:{v.folder}:{'past' if past else 'upcoming'}"
                choose = partial(listing_results, catalog, v.filters, today=today, past=past)
                self.results[(v.folder, past)] = chosen.listing(name, v.filters, past, choose)
            feed = partial(catalog.feed_events, v.filters, today=today)
            self.feed_events[v.folder] = chosen.events(f"feed:{v.folder}", feed)
        for o in self.config.observances:
            feed = partial(catalog.feed_events, Filters(observance=o.id), today=today)
            self.feed_events[o.id] = chosen.events(f"feed:observance:{o.id}", feed)
            for year in self.observance_years(o):
                self.observance_events(o, year)

    def observance_years(self, o: Observance) -> list[int]:
        """The years an observance's pages offer (those with events, and the coming one)."""
        years = self.selections.years(f"observance:{o.id}", partial(self.catalog.observance_years, o))
        return sorted(set(years) | {observance_default_year(o, self.today)})

    def observance_events(self, o: Observance, year: int) -> list[Event]:
        return self.selections.events(f"observance:{o.id}:{year}", partial(self.catalog.observance_events, o, year))

    def observance_key(self, o: Observance, year: int) -> str:
        """What an observance's page of `year` shows: the years offered, the day, and the year's events."""
        return digest([o.id, year, self.observance_years(o), self.keys_of(self.observance_events(o, year))])

    # --- listings ------------------------------------------------------------------------------

    def browse(self) -> Browse:
        """The per-type and per-sponsor listings that have upcoming events (for readers without scripts)."""
        groups: Browse = []
        for kind in ("type", "sponsor"):
            links = []
            for v in self.layout.variants:
                count = len(self.results[(v.folder, False)].events) if v.kind == kind else 0
                if count:
                    links.append((v.value, v.folder, count))
            groups.append((kind, links))
        return groups

    def listings(self) -> list[Task]:
        """The pages of every listing and of its API JSON whose events (by their keys), counts
        and page numbers are not those of the last build, to render."""
        browse = self.browse()
        highlights = [self.today, *(self.observance_key(o, y) for o, y in self.catalog.active_highlights(self.today))]
        size = self.config.page_size
        tasks: list[Task] = []
        for (folder, past), results in self.results.items():
            variant = self.writer.variants[folder]
            shared = digest([self.fingerprint, folder, past, len(results.events), results.counts, browse])
            todo = []
            for page in range(1, max(1, -(-len(results.events) // size)) + 1):
                shown = results.events[(page - 1) * size : page * size]
                highlighted = page == 1 and variant.kind == "all" and not past  # observances in season
                key = digest([shared, page, self.keys_of(shown), highlights if highlighted else None])
                name = f"listing:{folder}:{'past' if past else 'upcoming'}:{page}"
                if not self.tree.keep_all(name, key, self.writer.listing_paths(variant, past, page)):
                    todo.append(page)
            slugs = [e.slug for e in results.events]
            for pages in chunks(todo, self.jobs, least=10):
                shown_slugs = {slugs[i] for n in pages for i in range((n - 1) * size, min(n * size, len(slugs)))}
                paths = [p for n in pages for p in self.writer.listing_paths(variant, past, n)]
                tasks.append(ListingTask(
                    folder, past, pages, slugs, results.counts, browse,
                    {s: self.summaries[s] for s in shown_slugs if s in self.summaries}, self.previous(paths),
                ))
        return tasks

    def client_index(self, past: bool) -> None:
        """Every event of the listing, in its order, for filtering in the browser (see `clientindex`),
        in each language: its entries written in it."""
        results = self.results[("", past)]
        key = digest([self.fingerprint, self.today, self.keys_of(results.events)])
        for n, urls in enumerate(self.localized.values()):
            path = urls.files.client_index(past)
            if self.tree.keep_all("index:" + path, key, [path]):
                continue
            records = [self.part(e).records[n] for e in results.events]
            self.tree.put(path, client_document_bytes(self.config, urls, records, past=past, today=self.today))

    # --- feeds and observances -----------------------------------------------------------------

    def feeds(self) -> None:
        """calendar.ics, a feed per type and per sponsor, and each observance's feeds."""
        for variant in self.layout.variants:
            f = variant.filters
            self.feed(partial(_feed_file, f), self.feed_events[variant.folder], f)
        for o in self.config.observances:
            f = Filters(observance=o.id)
            for year in self.observance_years(o):
                events = self.observance_events(o, year)  # the year's events, in start order
                self.feed(partial(_observance_feed_file, o.id, year), events, f, o.name, year)
            self.feed(partial(_observance_feed_file, o.id, None), self.feed_events[o.id], f, o.name)

    def atoms(self) -> list[Task]:
        """The Atom feed of each listing whose entries (by their keys) are not the last build's."""
        tasks: list[Task] = []
        for variant in self.layout.variants:
            path = self.files.atom(variant.filters.to_query())
            # The feed shows the listing's first events, in the listing's order (`render_atom`).
            shown = self.results[(variant.folder, False)].events[:ATOM_ENTRIES]
            if not self.tree.keep_all("atom:" + path, digest([self.fingerprint, path, self.keys_of(shown)]), [path]):
                tasks.append(AtomTask(variant.folder, self.previous([path])))
        return tasks

    def observances(self) -> list[Task]:
        """Each observance's pages for every year it has events (and the coming one), and the index."""
        tasks: list[Task] = []
        index_key = []
        for o in self.config.observances:
            default = observance_default_year(o, self.today)
            index_key.append(self.observance_key(o, default))
            for year in self.observance_years(o):
                paths = [urls.files.observance(o.id, year) for urls in self.localized.values()]
                if year == default:
                    paths += [urls.files.observance(o.id) for urls in self.localized.values()]
                key = digest([self.fingerprint, self.today, default, self.observance_key(o, year)])
                if not self.tree.keep_all(f"observance:{o.id}:{year}", key, paths):
                    tasks.append(ObservanceTask(o.id, year, paths, self.previous(paths)))
        paths = [urls.files.observances() for urls in self.localized.values()]
        if not self.tree.keep_all("observances", digest([self.fingerprint, self.today, index_key]), paths):
            tasks.append(ObservanceTask(None, 0, paths, self.previous(paths)))
        return tasks

    def embeds(self) -> None:
        """The embedded list of every listing with a folder of its own, in each language: what
        the server's `/embed` shows for its filters (the host sends its `frame-ancestors`)."""
        for variant in self.layout.variants:
            events = self.results[(variant.folder, False)].events
            key = digest([self.fingerprint, len(events), self.keys_of(events[:EMBED_LIMIT])])
            for lang, urls in self.localized.items():
                path = urls.files.embed(variant.filters.to_query())
                if not self.tree.keep_all("embed:" + path, key, [path]):
                    self.tree.put(path, self.writer.embed(variant, events, lang))

    # --- other pages ---------------------------------------------------------------------------

    def page(self, path: str, template: str, context: dict[str, Any], urls: StaticUrls) -> None:
        self.tree.put(path, self.writer.page(template, context, urls))

    def pages(self) -> None:
        """The subscribe help, 404.html (in each language) and robots.txt: made of the
        configuration and the code alone."""
        helps = [p for u in self.localized.values() for p in (u.files.subscribe_page(), u.files.subscribe_help())]
        # Some hosts (Cloudflare Pages) answer a missing address with the nearest 404.html up its
        # folders, so a reader lost under es/ is told in Spanish.
        missing = [self.files.file(_not_found_file(lang)) for lang in self.localized]
        robots = self.files.file("robots.txt")
        if self.tree.keep_all("pages", self.fingerprint, [*helps, *missing, robots]):
            return
        for path in helps:
            urls = self.writer.urls_of(path)
            self.page(path, "subscribe.html", subscribe_context(self.config, urls), urls)
        for path, urls in zip(missing, self.localized.values(), strict=True):
            everywhere = urls.at(None)  # served at any address: full addresses
            context = not_found_context(clear_url=everywhere.home(), lang=urls.lang)
            self.page(path, "error.html", context, everywhere)
        self.tree.put(robots, f"User-agent: *\nAllow: /\n\nSitemap: {self.urls.full.file('sitemap.xml')}\n")

    def sitemap(self) -> None:
        """sitemap.xml of the pages search engines should index (not filtered or later pages)."""
        urls: list[tuple[str, str | None]] = []
        for language in self.localized.values():  # each page in every language
            at = language.targets
            pages = [at.home(), at.listing(past=True), at.observances(), at.subscribe_page()]
            urls += [(page, None) for page in pages + [at.observance(o.id) for o in self.config.observances]]
        days = [(e.slug, e.last_modified.date().isoformat()) for e in self.catalog.events]
        count = len(urls) + len(days) * len(self.localized)
        if self.tree.keep_all("sitemap", digest([self.fingerprint, urls, days]), sitemap_names(count)):
            return
        urls += [(language.targets.event(slug), day) for language in self.localized.values() for slug, day in days]
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


def _feed_file(filters: Filters, files: StaticUrls) -> str:
    return files.feed(filters.to_query())


def _observance_feed_file(observance_id: str, year: int | None, files: StaticUrls) -> str:
    return files.observance_feed(observance_id, year)


def _not_found_file(lang: str) -> str:
    prefix = path_prefix(lang)
    return f"{prefix[1:]}/404.html" if prefix else "404.html"
