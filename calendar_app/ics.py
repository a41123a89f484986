"""The catalog as iCalendar (RFC 5545, RFC 7986): feeds people subscribe to and single-event files.

Each event becomes one VEVENT, built with the icalendar library when the event changes and
kept as bytes; a feed is a calendar header, the VTIMEZONEs its events use (see `timezones`),
and those bytes joined. So a request filters the catalog and joins, and serving a filtered
feed of thousands of events builds no icalendar objects at all.

The public API, for the web routes, the pages and the coordinators' tools:

- ``FeedCache.of(site)``: the one cache of a `Site`. It rebuilds in a ``site.on_change``
  listener, keeps the full feed (and its gzip) ready as bytes, and remembers filtered feeds
  until the next change. ``cache.feed(filters)`` and ``cache.observance_feed(id, year)`` give
  a `FeedBytes` (body, gzipped body, strong ETag, Last-Modified, event count);
  ``cache.event_feed(event)`` the single-event download.
- ``feed_for(site, filters)`` and ``event_ics(site, event)``: the same, in one call.
- ``feed_path(filters)``: ``/calendar.ics?type=webinar`` for what a listing shows.
- ``feed_names(config, filters, title)``: the NAME and DESCRIPTION a filtered feed carries.
- ``subscribe_links(base_url, path_and_query)``: the ``webcal``, ``https`` and Google Calendar
  addresses of a feed, for subscribe links.
- ``render_feed(events, config, ...)``: a feed from a list of events, without a site.
- ``feed_size_problems(events, config)``: warnings when the full feed grows past the sizes
  Google Calendar reads (used by ``calendar-app validate``).

Choices the RFCs leave open: DTSTAMP is the event's LAST-MODIFIED (its file's last commit,
or its modification time outside git), so a feed built twice, or from a fresh clone, is the
same to the byte. SEQUENCE is the file's `sequence` field, which the coordinators' tools
raise when the time, place or status changes. The description is plain text only: no
X-ALT-DESC, because HTML in a calendar app runs outside the site's sanitiser and policy.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from typing import Callable, Iterable, Sequence
from urllib.parse import quote, urlencode, urlsplit

from icalendar import Calendar, vDuration

from .catalog import Catalog, Filters
from .clock import Clock
from .config import SiteConfig
from .errors import Problem, Severity
from .loadcache import ComponentCache
from .model import Event
from .site import Site
from .timezones import vtimezone_bytes
from .vevent import Text, build_vevent, component_key

Component = bytes | memoryview  # a VEVENT's bytes, or a view of them inside the full feed
CONTENT_TYPE = "text/calendar; charset=utf-8"
FEED_PATH = "/calendar.ics"
_END = b"END:VCALENDAR\r\n"
_OPEN_SERIES_YEARS = 10  # zone rules written for a series without an end
_REMEMBERED_FEEDS = 256
_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)  # Last-Modified of a feed of an empty site


# ---------------------------------------------------------------------------------------------
# Feeds


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


@dataclass(frozen=True)
class FeedBytes:
    """A feed ready to serve: its bytes, a strong ETag, Last-Modified, and gzip made once when needed."""

    body: bytes
    etag: str
    last_modified: datetime
    count: int

    @classmethod
    def of(cls, body: bytes, last_modified: datetime, count: int, digest: str | None = None) -> "FeedBytes":
        digest = digest or body_digest(body)
        return cls(body, f'"{digest}"', last_modified.astimezone(timezone.utc).replace(microsecond=0), count)

    @cached_property
    def gzipped(self) -> bytes:
        return gzip.compress(self.body, compresslevel=6, mtime=0)  # mtime=0: the same bytes every time

    @property
    def etag_gzip(self) -> str:
        """Another representation, so another strong ETag (RFC 9110 8.8.3)."""
        return self.etag[:-1] + '-gz"'


def feed_header(
    config: SiteConfig,
    *,
    name: str | None,
    description: str | None,
    source: str | None,
    url: str | None = None,
) -> bytes:
    """The VCALENDAR's own properties, without its END line (components are joined after it)."""
    cal = Calendar()
    cal.add("VERSION", "2.0")
    cal.add("PRODID", f"-//{config.publisher_name}//calendar-app//EN")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    # Wrapped in Text: icalendar 7.3 writes these names' plain strings without escaping ',' and ';', and a
    # feed's name holds the filters of its address, which anyone may write.
    if name:
        cal.add("NAME", Text(name))
        cal.add("X-WR-CALNAME", Text(name))
    if description:
        cal.add("DESCRIPTION", Text(description))
        cal.add("X-WR-CALDESC", Text(description))
    if source:
        refresh = timedelta(hours=config.refresh_hours)
        cal.add("SOURCE", source)
        if url:
            cal.add("URL", url)
        cal.add("REFRESH-INTERVAL", vDuration(refresh), parameters={"VALUE": "DURATION"})
        cal.add("X-PUBLISHED-TTL", vDuration(refresh))
        cal.add("X-WR-TIMEZONE", config.timezone)
    data: bytes = cal.to_ical(sorted=False)
    assert data.endswith(_END)
    return data[: -len(_END)]


def zone_spans(events: Iterable[Event]) -> dict[str, tuple[int, int]]:
    """For every time zone the timed events use, the first and last year they reach in it."""
    spans: dict[str, tuple[int, int]] = {}
    for event in events:
        if event.all_day:
            continue
        first = event.start_date.year
        last_day = event.last_date
        last = first + _OPEN_SERIES_YEARS if last_day == date.max else last_day.year
        key = event.zone.key
        low, high = spans.get(key, (first, last))
        spans[key] = (min(low, first), max(high, last))
    return spans


def assemble(
    header: bytes, events: list[Event], components: Sequence[Component], config: SiteConfig, today: date
) -> bytes:
    """Header, VTIMEZONEs, VEVENTs, END. A feed with no event still holds the site's zone, since
    RFC 5545 wants at least one component in a calendar."""
    spans = zone_spans(events) or ({config.timezone: (today.year, today.year)} if not components else {})
    zones = [vtimezone_bytes(tzid, first, last) for tzid, (first, last) in sorted(spans.items())]
    return b"".join([header, *zones, *components, _END])


def render_feed(
    events: Iterable[Event],
    config: SiteConfig,
    *,
    today: date,
    name: str | None = None,
    description: str | None = None,
    source: str | None = None,
) -> bytes:
    """A feed of `events` as they are given (no filtering, no cache): for builds and checks."""
    chosen = list(events)
    header = feed_header(
        config,
        name=config.name if name is None else name,
        description=config.description if description is None else description,
        source=config.base_url + FEED_PATH if source is None else source,
    )
    components = [build_vevent(e, config).to_ical(sorted=False) for e in chosen]
    return assemble(header, chosen, components, config, today)


def feed_names(config: SiteConfig, filters: Filters, title: str | None = None) -> tuple[str, str]:
    """A feed's NAME and DESCRIPTION: the site's, narrowed to `title` (by default the filters in words)."""
    if title is None and not filters.is_empty:
        title = filters.describe(config)
    name = f"{config.name}: {title}" if title else config.name
    description = f"{config.description} This calendar holds only {title}." if title else config.description
    return name, description


def feed_path(filters: Filters) -> str:
    """The path and query of the feed holding what a listing with `filters` shows."""
    query = urlencode(filters.to_query())
    return f"{FEED_PATH}?{query}" if query else FEED_PATH


def subscribe_links(base_url: str, path_and_query: str) -> dict[str, str]:
    """Addresses for subscribing to a feed: ``webcal`` (Apple, Outlook, Thunderbird), ``https``
    (to copy into any app) and ``google`` (Google Calendar's "add by URL")."""
    https = base_url.rstrip("/") + path_and_query
    webcal = "webcal://" + https.split("://", 1)[1]
    google = "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe="")
    return {"webcal": webcal, "https": https, "google": google}


@dataclass
class _State:
    catalog: Catalog
    day: date
    components: dict[tuple[object, ...], Component]
    full: FeedBytes
    remembered: OrderedDict[str, FeedBytes] = field(default_factory=OrderedDict)
    spans: dict[tuple[object, ...], tuple[int, int]] = field(default_factory=dict)  # components inside `full`


class FeedCache:
    """The feeds of one site, rebuilt once per change of its events (see the module docstring)."""

    # Weak both ways: the site keeps its cache alive (it holds the listener), nothing else does.
    _registry: "weakref.WeakKeyDictionary[Site, weakref.ref[FeedCache]]" = weakref.WeakKeyDictionary()
    _registry_lock = threading.Lock()

    def __init__(self, site: Site) -> None:
        self.site = site
        self.config = site.config
        self.components_built = 0
        self._lock = threading.RLock()
        self._stamps: OrderedDict[str, tuple[str, datetime]] = OrderedDict()
        self._singles: dict[tuple[object, ...], FeedBytes] = {}
        self._state: _State | None = None
        cache_dir = getattr(site, "cache_dir", None)
        self._disk = ComponentCache(cache_dir, site.events_dir, site.config) if cache_dir is not None else None
        self._gzip_stored: tuple[str, bytes] | None = None
        site.on_change(self._changed)

    @classmethod
    def of(cls, site: Site) -> "FeedCache":
        """The cache of `site`, made on first use."""
        with cls._registry_lock:
            known = cls._registry.get(site)
            cache = known() if known is not None else None
            if cache is None:
                cache = cls(site)
                cls._registry[site] = weakref.ref(cache)
            return cache

    # --- building ----------------------------------------------------------------------------

    def _changed(self, site: Site) -> None:
        today = site.clock.today()
        with self._lock:
            state = self._state
            if state is None or state.catalog is not site.catalog or state.day != today:
                self._state = self._build(site.catalog, today)  # (a request may have built it already)
                if state is None:
                    self._state.full.gzipped  # noqa: B018 - made at start-up, so no subscriber waits for it
                    self._store(self._state)
                else:
                    _compress_soon(self._state.full)

    def _stored(self) -> dict[tuple[object, ...], Component]:
        """The VEVENT bytes an earlier run kept (see `loadcache.ComponentCache`), and its gzip.

        They are kept as that run's full feed, where each is a view, and the few outside it.
        """
        stored = self._disk.load() if self._disk is not None else None
        if not isinstance(stored, dict) or set(stored) != {"body", "spans", "others", "full"}:
            return {}
        view = memoryview(stored["body"])
        components: dict[tuple[object, ...], Component] = {k: view[a:b] for k, (a, b) in stored["spans"].items()}
        components.update(stored["others"])
        self._gzip_stored = stored["full"]
        return components

    def _store(self, state: _State) -> None:
        """Keep the VEVENT bytes and the full feed's gzip for the next start, if this one made any."""
        stored = self._gzip_stored
        if self._disk is None or (not self.components_built and stored is not None and stored[0] == state.full.etag):
            return
        others = {key: bytes(value) for key, value in state.components.items() if key not in state.spans}
        self._disk.save(
            {"body": state.full.body, "spans": state.spans, "others": others, "full": (state.full.etag, state.full.gzipped)}
        )

    def _build(self, catalog: Catalog, day: date) -> _State:
        old = self._state.components if self._state is not None else self._stored()
        components: dict[tuple[object, ...], Component] = {}
        for event in catalog.events:
            key = component_key(event)
            cached = old.get(key)
            if cached is None:
                cached = build_vevent(event, self.config).to_ical(sorted=False)
                self.components_built += 1
            components[key] = cached
        self._singles = {k: v for k, v in self._singles.items() if k in components}
        everything = catalog.feed_events(Filters(), today=day)
        full = self._join(catalog, day, components, everything, FEED_PATH, Filters(), None)
        if self._state is None and self._gzip_stored is not None and self._gzip_stored[0] == full.etag:
            vars(full)["gzipped"] = self._gzip_stored[1]  # where `cached_property` keeps it: same body, same gzip
        spans = _share(full.body, everything, components)
        return _State(catalog, day, components, full, spans=spans)

    def _current(self) -> _State:
        """The state for today: the feeds' past window moves with the date, even without a change."""
        today = self.site.clock.today()
        state = self._state
        if state is None or state.day != today or state.catalog is not self.site.catalog:
            with self._lock:
                state = self._state
                if state is None or state.day != today or state.catalog is not self.site.catalog:
                    state = self._state = self._build(self.site.catalog, today)
        return state

    def _join(
        self,
        catalog: Catalog,
        day: date,
        components: dict[tuple[object, ...], Component],
        events: list[Event],
        source_path: str,
        filters: Filters,
        title: str | None,
    ) -> FeedBytes:
        config = self.config
        name, description = feed_names(config, filters, title)
        listing = "/?" + urlencode(filters.to_query()) if not filters.is_empty else "/"
        header = feed_header(
            config, name=name, description=description, source=config.base_url + source_path,
            url=config.base_url + listing,
        )
        body = assemble(header, events, [components[component_key(e)] for e in events], config, day)
        newest = max((e.last_modified for e in events or catalog.events), default=_EPOCH)
        digest = body_digest(body)
        return FeedBytes.of(body, self._stamp(source_path, digest, newest), len(events), digest)

    def _stamp(self, key: str, digest: str, newest: datetime) -> datetime:
        """Last-Modified: the newest event, moved on when the feed changed without a newer event
        (an event removed, or gone past the window), so If-Modified-Since never hides a change."""
        with self._lock:
            previous = self._stamps.pop(key, None)
            stamp = newest.astimezone(timezone.utc).replace(microsecond=0)
            if previous is not None:
                if previous[0] == digest:
                    stamp = previous[1]
                elif stamp <= previous[1]:
                    stamp = max(previous[1] + timedelta(seconds=1), datetime.now(timezone.utc).replace(microsecond=0))
            self._stamps[key] = (digest, stamp)
            while len(self._stamps) > _REMEMBERED_FEEDS * 4:
                self._stamps.popitem(last=False)
        return stamp

    # --- serving -----------------------------------------------------------------------------

    def feed(self, filters: Filters = Filters()) -> FeedBytes:
        """The feed `/calendar.ics` serves for `filters` (all published events when empty)."""
        state = self._current()
        if filters.is_empty:
            return state.full
        path = feed_path(filters)
        return self._remembered(state, path, lambda: state.catalog.feed_events(filters, today=state.day), filters, None)

    def ready(self, filters: Filters = Filters()) -> FeedBytes | None:
        """The feed for `filters` if it is ready as bytes, else None (then `feed` builds it).

        Lets an asynchronous route answer at once, and hand only the building to a thread.
        """
        state = self._state
        if state is None or state.day != self.site.clock.today() or state.catalog is not self.site.catalog:
            return None
        if filters.is_empty:
            return state.full
        with self._lock:
            return state.remembered.get(feed_path(filters))

    def observance_feed(self, observance_id: str, year: int | None = None) -> FeedBytes:
        """The events of an observance: every year's from the past window on, or one year's window."""
        observance = self.config.observance(observance_id)
        if observance is None:
            raise KeyError(observance_id)
        state = self._current()
        path = f"/observances/{observance_id}.ics" + (f"?year={year}" if year is not None else "")
        filters = Filters(observance=observance_id)
        if year is None:
            return self._remembered(
                state, path, lambda: state.catalog.feed_events(filters, today=state.day), filters, observance.name
            )
        return self._remembered(
            state, path, lambda: state.catalog.observance_events(observance, year), filters, f"{observance.name} {year}"
        )

    def _remembered(
        self, state: _State, path: str, select: Callable[[], list[Event]], filters: Filters, title: str | None
    ) -> FeedBytes:
        with self._lock:
            found = state.remembered.get(path)
            if found is not None:
                state.remembered.move_to_end(path)
                return found
        built = self._join(state.catalog, state.day, state.components, select(), path, filters, title)
        with self._lock:
            state.remembered[path] = built
            while len(state.remembered) > _REMEMBERED_FEEDS:
                state.remembered.popitem(last=False)
        return built

    def event_feed(self, event: Event) -> FeedBytes:
        """The single-event download. It has no calendar name: Outlook would file it in a new calendar."""
        key = component_key(event)
        found = self._singles.get(key)
        if found is not None:
            return found
        state = self._current()
        component = state.components.get(key) or build_vevent(event, self.config).to_ical(sorted=False)
        header = feed_header(self.config, name=None, description=None, source=None)
        body = assemble(header, [event], [component], self.config, state.day)
        found = self._singles[key] = FeedBytes.of(body, event.last_modified, 1)
        return found


def _share(
    body: bytes, events: list[Event], components: dict[tuple[object, ...], Component]
) -> dict[tuple[object, ...], tuple[int, int]]:
    """Point the components of `events` at their bytes inside the full feed `body`, which holds
    them one after another just before its END line, so each is kept once, not twice; return
    where each one is. The others become bytes of their own, so that no view keeps an older
    feed (a whole feed's worth of memory) alive."""
    keys = [component_key(e) for e in events]
    position = len(body) - len(_END) - sum(len(components[k]) for k in keys)
    view = memoryview(body)
    spans: dict[tuple[object, ...], tuple[int, int]] = {}
    for key in keys:
        size = len(components[key])
        components[key] = view[position : position + size]
        spans[key] = (position, position + size)
        position += size
    for key, value in components.items():
        if key not in spans and isinstance(value, memoryview):
            components[key] = bytes(value)
    return spans


def _compress_soon(feed: FeedBytes) -> None:
    """Make the gzip of `feed` in the background.

    Compressing the full feed takes about a second at 10,000 events: after a change the new
    feed is served at once, and its gzip follows (a client that asks for gzip in between gets
    the same bytes, compressed for it).
    """
    threading.Thread(target=lambda: feed.gzipped, name="calendar-feed-gzip", daemon=True).start()


def feed_for(site: Site, filters: Filters = Filters()) -> FeedBytes:
    """The feed of `site` for `filters`, from its cache."""
    return FeedCache.of(site).feed(filters)


def event_ics(site: Site, event: Event) -> bytes:
    """The single-event .ics of `event` ("add to my calendar")."""
    return FeedCache.of(site).event_feed(event).body


# ---------------------------------------------------------------------------------------------
# Size guard


def feed_size_problems(events: list[Event], config: SiteConfig, today: date | None = None) -> list[Problem]:
    """Warnings when the full feed would hold more events or bytes than configured.

    Google Calendar stops reading a subscribed feed at about 1 MB or about 1,000 events.
    """
    day = today or Clock.from_env(config.zone).today()
    chosen = Catalog(config, events).feed_events(Filters(), today=day)
    size = len(render_feed(chosen, config, today=day))
    where = urlsplit(config.base_url + FEED_PATH).path
    hint = "lower past_days, move old events out of the events folder, or raise the limit in calendar.toml"
    problems: list[Problem] = []
    if len(chosen) > config.feed_max_events:
        problems.append(
            Problem(where, None, None,
                    f"the full feed holds {len(chosen):,} events, more than feed_max_events ({config.feed_max_events:,}); "
                    "Google Calendar stops reading feeds of about 1,000 events",
                    hint, severity=Severity.WARNING)
        )
    if size > config.feed_max_bytes:
        problems.append(
            Problem(where, None, None,
                    f"the full feed is {size:,} bytes, more than feed_max_bytes ({config.feed_max_bytes:,}); "
                    "Google Calendar stops reading feeds of about 1 MB",
                    hint, severity=Severity.WARNING)
        )
    return problems
