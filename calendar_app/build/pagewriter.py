"""The pages a static build renders and writes, in the build's own process or in a worker.

Each event's page, `.ics` download and JSON (with what the other outputs take from it: its
VEVENT bytes for the feeds, its records for the browser, its summary for the API's lists); a
listing's pages and JSON; an Atom feed; an observance's pages. A task writes its pages in every
language of the site (`render.language.LANGUAGES`: the Spanish ones in `es/`), so the contexts
each language shares are worked out once, in the same process. The build decides what to render
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
from ..render.embed import EmbedOptions, embed_context
from ..render.eventpage import event_context
from ..render.frame import language_links, site_context
from ..render.ical.ics import assemble, feed_header
from ..render.ical.vevent import vevent_bytes
from ..render.language import LANGUAGES, language_of_path, words
from ..render.listing import ListingResults, listing_context, observance_context, observance_default_year
from ..render.phrasing import type_label
from ..render.rendering import environment
from ..render.urls import StaticLayout, StaticUrls, Variant
from .clientindex import ENTRY_TEMPLATE, client_record, script_words
from .outputtree import write_output

TEMPLATES = ("event.html", "static_listing.html", "static_observance.html", "observances.html", "embed.html")
Output = tuple[str, str, int | None]  # path, digest, bytes written (None: left as it was)
Browse = list[tuple[str, list[tuple[str, str, int]]]]  # per kind ("type", "sponsor"): (value, folder, events)


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
    records: tuple[bytes, ...]  # JSON of its `client_record`, in each language of `LANGUAGES`
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
        self.layout = StaticLayout(self.config, self.catalog, absolute=setup.absolute, languages=LANGUAGES)
        self.urls = StaticUrls(self.layout)
        self.files = self.urls.files
        self.localized = {lang: self.urls.in_language(lang) for lang in LANGUAGES}  # each language's addresses
        self.variants = {v.folder: v for v in self.layout.variants}
        self.envs = {lang: environment(lang=lang) for lang in LANGUAGES}
        self.frames = {lang: site_context(self.config, lang=lang) for lang in LANGUAGES}
        self.entry_templates = {lang: env.from_string(ENTRY_TEMPLATE) for lang, env in self.envs.items()}
        self.script_words = {lang: script_words(self.config, lang) for lang in LANGUAGES}
        # One header for every download, as the server's (no name, description or source).
        self.download_header = feed_header(self.config, name=None, description=None, source=None)
        # Held while writing, when other processes write into the same folders (see `workers`).
        self.writing: AbstractContextManager[object] = nullcontext()

    def compile(self) -> None:
        """Compile the templates now: before workers are forked, so that they inherit them."""
        for env in self.envs.values():
            for name in TEMPLATES:
                env.get_template(name)

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
        """`template` with the site's frame around `context`, in the language of `urls`, which writes its links."""
        frame = self.frames[urls.lang]
        return self.envs[urls.lang].get_template(template).render({**frame, **context, "urls": urls})

    def urls_of(self, path: str) -> StaticUrls:
        """Links as the page written at `path` writes them, in its language (`es/...` is Spanish)."""
        return self.localized[language_of_path("/" + path)].for_file(path)

    # --- events --------------------------------------------------------------------------------

    def event_paths(self, slug: str) -> list[str]:
        """An event's files: its page in each language, its `.ics` and its JSON (one for every language)."""
        pages = [urls.files.event(slug) for urls in self.localized.values()]
        return [pages[0], self.files.event_ics(slug), self.files.api_event(slug), *pages[1:]]

    def event(self, event: Event, previous: dict[str, str]) -> RenderedEvent:
        config, catalog, today = self.config, self.catalog, self.today
        page_path, ics_path, json_path, *translated = self.event_paths(event.slug)
        vevent = vevent_bytes(event, config)
        detail = event_detail(catalog, config, event, today, self.urls).model_dump(mode="json")
        outputs = [
            self.write(ics_path, assemble(self.download_header, [event], [vevent], config, today), previous),
            self.write(json_path, dumps(detail), previous),
        ]
        for path in [page_path, *translated]:
            urls = self.urls_of(path)
            context = {**event_context(catalog, config, event, today, urls), "current": ""}
            outputs.append(self.write(path, self.page("event.html", context, urls), previous))
        summary = json.dumps({k: detail[k] for k in EventSummary.model_fields})
        return RenderedEvent(event.slug, outputs, vevent, self.records(event), summary)

    def parts(self, event: Event) -> tuple[bytes, tuple[bytes, ...]]:
        """The event's VEVENT bytes and its records for the browser, as the feeds and `clientindex` join them."""
        return vevent_bytes(event, self.config), self.records(event)

    def records(self, event: Event) -> tuple[bytes, ...]:
        """The event as the script shows it, in each language (`clientindex`)."""
        return tuple(
            dumps(client_record(
                self.catalog, self.config, event, self.today, template=self.entry_templates[lang], urls=urls
            )).rstrip("\n").encode("utf-8")
            for lang, urls in self.localized.items()
        )

    # --- listings ------------------------------------------------------------------------------

    def listing_paths(self, variant: Variant, past: bool, page: int) -> list[str]:
        """A listing page's files: its HTML in each language (of one type or sponsor, the first
        page alone: the browser pages through the rest), its JSON, and for the first upcoming
        page `api/events.json`."""
        query = variant.filters.to_query()
        files = []
        if page == 1 or variant.kind == "all":
            files = [urls.files.listing(query, past=past, page=page) for urls in self.localized.values()]
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
            while files[0].endswith(".html"):
                urls = self.urls_of(files[0])
                items = query + ([("page", str(page))] if page > 1 else [])
                context = listing_context(
                    self.catalog, config, items, today=self.today, past=task.past, results=results, urls=urls
                )
                context.update(
                    current="past" if task.past else "upcoming",
                    browse=self.browse(task.browse, urls),
                    calendar_index=urls.client_index(task.past) if variant.kind == "all" and page == 1 else None,
                    filter_words=self.script_words[urls.lang],
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

    def browse(self, browse: Browse, urls: StaticUrls) -> Browse:
        """The per-type and per-sponsor listings as the page links them: a type by its label in
        the page's language, a sponsor as configured."""
        found: Browse = []
        for kind, links in browse:
            shown = []
            for value, folder, count in links:
                variant = self.variants[folder]
                label = type_label(value, urls.lang) if kind == "type" else variant.label
                shown.append((label, urls.listing(variant.filters.to_query()), count))
            found.append((kind, shown))
        return found

    def summary(self, slug: str, made: dict[str, str]) -> EventSummary:
        """An event as the API lists it: made with its JSON in this build, or read back from that file.
        Read as JSON, so that a date stays a date (and does not become midnight)."""
        text = made.get(slug)
        if text is None:
            path = self.setup.out / self.files.api_event(slug)
            detail = json.loads(path.read_text(encoding="utf-8"))
            text = json.dumps({k: detail[k] for k in EventSummary.model_fields})
        return EventSummary.model_validate_json(text)

    def embed(self, variant: Variant, events: list[Event], lang: str) -> str:
        """The embedded list of `variant`'s listing (`events`: the upcoming listing's), in `lang`,
        as the server's `/embed` writes it: every link a full address, here into the build."""
        urls = self.localized[lang].full
        options = EmbedOptions(variant.filters)
        context = embed_context(self.catalog, self.config, options, today=self.today, urls=urls, events=events)
        return self.envs[lang].get_template("embed.html").render(context)

    # --- observances ---------------------------------------------------------------------------

    def observance_pages(self, task: ObservanceTask) -> list[Output]:
        config, today = self.config, self.today
        outputs = []
        if task.observance is None:  # the index of every observance, in its default year
            for path in task.paths:  # in each language
                index = self.urls_of(path)
                items = [
                    observance_context(self.catalog, config, o, observance_default_year(o, today), today, urls=index)
                    for o in config.observances
                ]
                context = {
                    "title": words(index.lang).gettext("Observances"), "items": items, "current": "observances",
                    "languages": language_links(index, lambda u: u.observances()),
                }
                outputs.append(self.write(path, self.page("observances.html", context, index), task.previous))
            return outputs
        observance = next(o for o in config.observances if o.id == task.observance)
        # In each language, and the default year's page also at the observance's own address.
        for path in task.paths:
            urls = self.urls_of(path)
            context = observance_context(self.catalog, config, observance, task.year, today, urls=urls)
            context.update(title=f"{context['name']} {task.year}", current="observances")
            outputs.append(self.write(path, self.page("static_observance.html", context, urls), task.previous))
        return outputs
