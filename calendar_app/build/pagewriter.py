"""The pages a static build renders and writes, in the build's own process or in a worker.

Each event's page, `.ics` download and JSON (with what the other outputs take from it: its
VEVENT bytes for the feeds, its record for the browser, its summary for the API's lists); a
listing's pages and JSON; an Atom feed; an observance's pages. The build decides what to render
(`static`: the keys) and hands it over as tasks; `PageWriter.run` renders a task and writes its
files, unless the previous build left exactly those bytes (`outputtree.write_output`), and
answers with each file's digest. No two tasks write one path, so tasks may run in any process
(`workers`) and the build records their files in its own order.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..core.catalog import Catalog
from ..core.config import SiteConfig
from ..core.model import Event
from ..render.apidata import EventSummary, event_detail, event_list
from ..render.atom import render_atom
from ..render.eventpage import event_context
from ..render.frame import site_context
from ..render.ical.ics import assemble, feed_header
from ..render.ical.vevent import vevent_bytes
from ..render.listing import ListingResults, listing_context, observance_context, observance_default_year
from ..render.rendering import environment
from ..render.urls import StaticLayout, StaticUrls, Variant
from .clientindex import ENTRY_TEMPLATE, client_record
from .outputtree import write_output

TEMPLATES = ("event.html", "static_listing.html", "static_observance.html", "observances.html")
Output = tuple[str, str, int | None]  # path, digest, bytes written (None: left as it was)
Browse = list[tuple[str, list[tuple[str, str, int]]]]  # per kind: its title, and (label, folder, events)


@dataclass(frozen=True)
class Setup:
    """What every writer starts from: a worker gets it once (inherited when forked)."""

    config: SiteConfig
    events: list[Event]
    today: date
    absolute: bool
    out: Path
    mode: int  # of the files written


@dataclass(frozen=True)
class EventsTask:
    """Events to render: each slug with the previous build's digests of its files."""

    chunk: list[tuple[str, dict[str, str]]]


@dataclass(frozen=True)
class ListingTask:
    """Pages of one listing (HTML and JSON), with the listing's events and counts as chosen."""

    folder: str
    past: bool
    pages: list[int]
    slugs: list[str]
    counts: dict[str, list[tuple[str, int]]]
    browse: Browse
    summaries: dict[str, str]  # JSON of the shown events' summaries made in this build
    previous: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AtomTask:
    folder: str
    previous: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ObservanceTask:
    """An observance's pages of one year (its `paths`), or with no observance, the observances' index."""

    observance: str | None
    year: int
    paths: list[str]
    previous: dict[str, str] = field(default_factory=dict)


Task = EventsTask | ListingTask | AtomTask | ObservanceTask


@dataclass(frozen=True)
class RenderedEvent:
    """One event's files, and its parts for the feeds, the browser and the API's lists."""

    slug: str
    outputs: list[Output]
    vevent: bytes
    record: bytes  # JSON of its `client_record`
    summary: str  # JSON of its `EventSummary`


@dataclass
class Done:
    """What a task wrote, the events it rendered, and addresses asked for that the build has no file for."""

    outputs: list[Output] = field(default_factory=list)
    events: list[RenderedEvent] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)


def dumps(data: Any) -> str:
    """JSON as every file of the build writes it: compact, UTF-8, one line."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


class PageWriter:
    """Renders and writes pages of one catalog with the static site's addresses."""

    def __init__(self, setup: Setup, catalog: Catalog | None = None) -> None:
        self.setup = setup
        self.config = setup.config
        self.today = setup.today
        self.catalog = catalog if catalog is not None else Catalog(setup.config, setup.events)
        self.layout = StaticLayout(self.config, self.catalog, absolute=setup.absolute)
        self.urls = StaticUrls(self.layout)
        self.files = self.urls.files
        self.variants = {v.folder: v for v in self.layout.variants}
        self.env = environment()
        self.frame = site_context(self.config)
        self.entry_template = self.env.from_string(ENTRY_TEMPLATE)
        # One header for every download, as the server's (no name, description or source).
        self.download_header = feed_header(self.config, name=None, description=None, source=None)
        # Held while writing, when other processes write into the same folders (see `workers`).
        self.writing: AbstractContextManager[object] = nullcontext()

    def compile(self) -> None:
        """Compile the templates now: before workers are forked, so that they inherit them."""
        for name in TEMPLATES:
            self.env.get_template(name)

    def run(self, task: Task) -> Done:
        done = Done()
        if isinstance(task, EventsTask):
            done.events = [self.event(self.catalog.by_slug[slug], previous) for slug, previous in task.chunk]
        elif isinstance(task, ListingTask):
            done.outputs = self.listing_pages(task)
        elif isinstance(task, AtomTask):
            variant = self.variants[task.folder]
            path = self.files.atom(variant.filters.to_query())
            text = render_atom(self.catalog, variant.filters, today=self.today, urls=self.urls)
            done.outputs = [self.write(path, text, task.previous)]
        else:
            done.outputs = self.observance_pages(task)
        done.unmapped = sorted(self.layout.unmapped)
        return done

    def write(self, path: str, content: str | bytes, previous: dict[str, str]) -> Output:
        data = content.encode("utf-8") if isinstance(content, str) else content
        with self.writing:
            digest, written = write_output(self.setup.out, path, data, previous.get(path), self.setup.mode)
        return path, digest, len(data) if written else None

    def page(self, template: str, context: dict[str, Any], urls: StaticUrls) -> str:
        """`template` with the site's frame around `context`, its links written by `urls`."""
        return self.env.get_template(template).render({**self.frame, **context, "urls": urls})

    # --- events --------------------------------------------------------------------------------

    def event_paths(self, slug: str) -> list[str]:
        return [self.files.event(slug), self.files.event_ics(slug), self.files.api_event(slug)]

    def event(self, event: Event, previous: dict[str, str]) -> RenderedEvent:
        config, catalog, today = self.config, self.catalog, self.today
        page_path, ics_path, json_path = self.event_paths(event.slug)
        urls = self.urls.for_file(page_path)
        context = {**event_context(catalog, config, event, today, urls), "current": ""}
        vevent = vevent_bytes(event, config)
        detail = event_detail(catalog, config, event, today, self.urls).model_dump(mode="json")
        outputs = [
            self.write(page_path, self.page("event.html", context, urls), previous),
            self.write(ics_path, assemble(self.download_header, [event], [vevent], config, today), previous),
            self.write(json_path, dumps(detail), previous),
        ]
        summary = json.dumps({k: detail[k] for k in EventSummary.model_fields})
        return RenderedEvent(event.slug, outputs, vevent, self.record(event), summary)

    def parts(self, event: Event) -> tuple[bytes, bytes]:
        """The event's VEVENT bytes and its record for the browser, as the feeds and `clientindex` join them."""
        return vevent_bytes(event, self.config), self.record(event)

    def record(self, event: Event) -> bytes:
        record = client_record(
            self.catalog, self.config, event, self.today, template=self.entry_template, urls=self.urls
        )
        return dumps(record).rstrip("\n").encode("utf-8")

    # --- listings ------------------------------------------------------------------------------

    def listing_paths(self, variant: Variant, past: bool, page: int) -> list[str]:
        """A listing page's files: its HTML (of one type or sponsor, the first page alone: the
        browser pages through the rest), its JSON, and for the first upcoming page `api/events.json`."""
        query = variant.filters.to_query()
        files = [self.files.listing(query, past=past, page=page)] if page == 1 or variant.kind == "all" else []
        files.append(self.files.api_page(query, past=past, page=page))
        if page == 1 and variant.kind == "all" and not past:
            files.append(self.files.api_listing(query))
        return files

    def listing_pages(self, task: ListingTask) -> list[Output]:
        config, by_slug = self.config, self.catalog.by_slug
        variant = self.variants[task.folder]
        events = [by_slug[slug] for slug in task.slugs]
        counts = {attr: [(value, n) for value, n in pairs] for attr, pairs in task.counts.items()}
        results = ListingResults(variant.filters, task.past, events, counts)
        query = variant.filters.to_query()
        size = config.page_size
        outputs = []
        for page in task.pages:
            files = self.listing_paths(variant, task.past, page)
            shown = events[(page - 1) * size : page * size]
            if files[0].endswith(".html"):
                urls = self.urls.for_file(files[0])
                items = query + ([("page", str(page))] if page > 1 else [])
                context = listing_context(
                    self.catalog, config, items, today=self.today, past=task.past, results=results, urls=urls
                )
                context.update(
                    current="past" if task.past else "upcoming",
                    browse=[(title, [(label, self.listing_link(urls, f), n) for label, f, n in links])
                            for title, links in task.browse],
                    calendar_index=urls.client_index(task.past) if variant.kind == "all" and page == 1 else None,
                    capped=variant.kind != "all" and len(events) > size,
                )
                outputs.append(self.write(files[0], self.page("static_listing.html", context, urls), task.previous))
                files = files[1:]
            summaries = {e.slug: self.summary(e.slug, task.summaries) for e in shown}
            doc = dumps(event_list(
                self.catalog, config, variant.filters, today=self.today, past=task.past, page=page,
                events=events, summaries=summaries, urls=self.urls,
            ).model_dump(mode="json"))
            outputs += [self.write(path, doc, task.previous) for path in files]
        return outputs

    def listing_link(self, urls: StaticUrls, folder: str) -> str:
        return urls.listing(self.variants[folder].filters.to_query())

    def summary(self, slug: str, made: dict[str, str]) -> EventSummary:
        """An event as the API lists it: made with its JSON in this build, or read back from that file.
        Read as JSON, so that a date stays a date (and does not become midnight)."""
        text = made.get(slug)
        if text is None:
            path = self.setup.out / self.files.api_event(slug)
            detail = json.loads(path.read_text(encoding="utf-8"))
            text = json.dumps({k: detail[k] for k in EventSummary.model_fields})
        return EventSummary.model_validate_json(text)

    # --- observances ---------------------------------------------------------------------------

    def observance_pages(self, task: ObservanceTask) -> list[Output]:
        config, today = self.config, self.today
        if task.observance is None:  # the index of every observance, in its default year
            (path,) = task.paths
            index = self.urls.for_file(path)
            items = [
                observance_context(self.catalog, config, o, observance_default_year(o, today), today, urls=index)
                for o in config.observances
            ]
            context = {"title": "Observances", "items": items, "current": "observances"}
            return [self.write(path, self.page("observances.html", context, index), task.previous)]
        observance = next(o for o in config.observances if o.id == task.observance)
        outputs = []
        for path in task.paths:  # the default year's page also answers at the observance's own address
            urls = self.urls.for_file(path)
            context = observance_context(self.catalog, config, observance, task.year, today, urls=urls)
            context.update(title=f"{observance.name} {task.year}", current="observances")
            outputs.append(self.write(path, self.page("static_observance.html", context, urls), task.previous))
        return outputs
