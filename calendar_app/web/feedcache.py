"""The server's feeds, kept as bytes and rebuilt once per change of the events.

`FeedCache.of(site)` is the one cache of a `Site`. It rebuilds in a ``site.on_change``
listener, keeps each event's VEVENT bytes (made by `render.ical.vevent` only when the event
changed, and kept across restarts by `files.loadcache.ComponentCache`), keeps the full feed and
its gzip ready, and remembers filtered feeds until the next change. ``cache.feed(filters)`` and
``cache.observance_feed(id, year)`` give a `FeedBytes`; ``cache.event_feed(event)`` the
single-event download. So a request filters the catalog and joins bytes, and serving a filtered
feed of thousands of events builds no icalendar objects at all. A feed in another language
(`lang="es"`, `/es/calendar.ics`) holds the same VEVENTs under a name and description in it.

After a change of a few files the site's new catalog says what changed (`Catalog.change`), and
the full feed is made from the previous one's parts: the VEVENTs of the events added, the years
each time zone's VTIMEZONE spans kept as counts, and an ETag that is a digest of the header
and of each VEVENT's digest, in order, so that a change hashes a few hundred kilobytes rather
than the whole feed. What is left is joining the bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from ..core.catalog import Catalog
from ..core.filters import Filters
from ..core.model import Event
from ..files.loadcache import ComponentCache
from ..files.site import Site
from ..render.ical.ics import (
    FEED_PATH,
    Component,
    FeedBytes,
    assemble,
    body_digest,
    feed_header,
    feed_names,
    feed_path,
    zone_years,
)
from ..render.ical.vevent import component_key, vevent_bytes
from ..render.language import DEFAULT_LANGUAGE, path_prefix
from ..render.urls import SiteUrls

_REMEMBERED_FEEDS = 256
_GZIP_NICENESS = 10  # how much lower the background gzip's priority is than serving's
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # Last-Modified of a feed of an empty site
_END = b"END:VCALENDAR\r\n"


@dataclass
class _State:
    catalog: Catalog
    day: date
    components: dict[tuple[object, ...], Component]
    full: FeedBytes
    remembered: OrderedDict[str, FeedBytes] = field(default_factory=OrderedDict)
    spans: dict[tuple[object, ...], tuple[int, int]] = field(default_factory=dict)  # components inside `full`
    # The component key of each event of `catalog`, by its id: the next catalog, made from this one
    # after a change, holds the same event objects, whose keys are then not worked out again.
    keys: dict[int, tuple[object, ...]] = field(default_factory=dict)
    # For the full feed: each of its VEVENTs' digest, and for each time zone how many of its events
    # reach each first and last year (whose least and greatest its VTIMEZONE spans).
    digests: dict[tuple[object, ...], bytes] = field(default_factory=dict)
    zones: dict[str, tuple[Counter[int], Counter[int]]] = field(default_factory=dict)


class FeedCache:
    """The feeds of one site, rebuilt once per change of its events (see the module docstring)."""

    # Weak both ways: the site keeps its cache alive (it holds the listener), nothing else does.
    _registry: weakref.WeakKeyDictionary[Site, weakref.ref[FeedCache]] = weakref.WeakKeyDictionary()
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
    def of(cls, site: Site) -> FeedCache:
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
            {
                "body": state.full.body,
                "spans": state.spans,
                "others": others,
                "full": (state.full.etag, state.full.gzipped),
            }
        )

    def _build(self, catalog: Catalog, day: date) -> _State:
        previous = self._state
        old = previous.components if previous is not None else self._stored()
        # VEVENTs written where the files were read (see `files.coldstart`), by their event's id.
        made = {id(event): component for event, component in self.site.take_prebuilt()}
        change = catalog.change
        if previous is not None and change is not None and change.previous() is previous.catalog:
            # A catalog made from the previous one: its changes are applied to copies. The ids are
            # of events alive in both catalogs (see `_State.keys`).
            keys, components = dict(previous.keys), dict(old)
            digests = dict(previous.digests)
            zones = {zone: (Counter(firsts), Counter(lasts)) for zone, (firsts, lasts) in previous.zones.items()}
            for event in change.removed:
                key = keys.pop(id(event))
                components.pop(key, None)
                if digests.pop(key, None) is not None:  # it was in the full feed
                    _count_zone(zones, event, -1)
            added: list[Event] = list(change.added)
        else:
            keys, components, added, digests, zones = {}, {}, catalog.events, {}, {}
        for event in added:
            key = component_key(event)
            keys[id(event)] = key
            cached = old.get(key)
            if cached is None:
                cached = made.get(id(event)) or vevent_bytes(event, self.config)
                self.components_built += 1
            components[key] = cached
        self._singles = {k: v for k, v in self._singles.items() if k in components}
        everything = catalog.feed_events(Filters(), today=day)
        changed = added is not catalog.events  # else every event is added, and `everything` is the feed's
        for event in added if changed else everything:
            if not changed or catalog.in_full_feed(event, day):
                key = keys[id(event)]
                digests[key] = hashlib.sha256(components[key]).digest()
                _count_zone(zones, event, 1)
        full = self._join(
            catalog, day, components, everything, FEED_PATH, Filters(), None, keys=keys, zones=zones, digests=digests
        )
        if self._state is None and self._gzip_stored is not None and self._gzip_stored[0] == full.etag:
            vars(full)["gzipped"] = self._gzip_stored[1]  # where `cached_property` keeps it: same body, same gzip
        spans = _share(full.body, [keys[id(e)] for e in everything], components)
        return _State(catalog, day, components, full, spans=spans, keys=keys, digests=digests, zones=zones)

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
        lang: str = DEFAULT_LANGUAGE,
        *,
        keys: dict[int, tuple[object, ...]] | None = None,
        zones: dict[str, tuple[Counter[int], Counter[int]]] | None = None,
        digests: dict[tuple[object, ...], bytes] | None = None,
    ) -> FeedBytes:
        """`events` as a feed. With `keys`, their components are found by their ids (`_State.keys`);
        with `zones` and `digests`, the full feed's spans of years and digests are those given."""
        config = self.config
        name, description = feed_names(config, filters, title, lang)
        header = feed_header(
            config, name=name, description=description, source=config.base_url + source_path,
            url=SiteUrls(config.base_url, lang=lang).full.listing(filters.to_query()),
        )
        ordered = [component_key(e) for e in events] if keys is None else [keys[id(e)] for e in events]
        parts = [components[key] for key in ordered]
        spans = None if zones is None else {zone: (min(firsts), max(lasts)) for zone, (firsts, lasts) in zones.items()}
        body = assemble(header, events, parts, config, day, spans)
        newest = max((e.last_modified for e in events or catalog.events), default=_EPOCH)
        if digests is None:
            digest = body_digest(body)
        else:  # the header and VTIMEZONEs, then each VEVENT's digest, then the END line
            whole = hashlib.sha256(body[: len(body) - len(_END) - sum(len(part) for part in parts)])
            whole.update(b"".join([digests[key] for key in ordered]))
            whole.update(_END)
            digest = whole.hexdigest()[:32]
        return FeedBytes.of(body, self._stamp(source_path, digest, newest), len(events), digest)

    def _stamp(self, key: str, digest: str, newest: datetime) -> datetime:
        """Last-Modified: the newest event, moved on when the feed changed without a newer event
        (an event removed, or gone past the window), so If-Modified-Since never hides a change."""
        with self._lock:
            previous = self._stamps.pop(key, None)
            stamp = newest.astimezone(UTC).replace(microsecond=0)
            if previous is not None:
                if previous[0] == digest:
                    stamp = previous[1]
                elif stamp <= previous[1]:
                    stamp = max(previous[1] + timedelta(seconds=1), datetime.now(UTC).replace(microsecond=0))
            self._stamps[key] = (digest, stamp)
            while len(self._stamps) > _REMEMBERED_FEEDS * 4:
                self._stamps.popitem(last=False)
        return stamp

    # --- serving -----------------------------------------------------------------------------

    def feed(self, filters: Filters = Filters(), lang: str = DEFAULT_LANGUAGE) -> FeedBytes:
        """The feed `/calendar.ics` serves for `filters` (all published events when empty), named in
        the language `lang` (`/es/calendar.ics` in Spanish)."""
        state = self._current()
        if filters.is_empty and lang == DEFAULT_LANGUAGE:
            return state.full
        path = path_prefix(lang) + feed_path(filters)
        return self._remembered(
            state, path, lambda: state.catalog.feed_events(filters, today=state.day), filters, None, lang
        )

    def ready(self, filters: Filters = Filters(), lang: str = DEFAULT_LANGUAGE) -> FeedBytes | None:
        """The feed for `filters` if it is ready as bytes, else None (then `feed` builds it).

        Lets an asynchronous route answer at once, and hand only the building to a thread.
        """
        state = self._state
        if state is None or state.day != self.site.clock.today() or state.catalog is not self.site.catalog:
            return None
        if filters.is_empty and lang == DEFAULT_LANGUAGE:
            return state.full
        with self._lock:
            return state.remembered.get(path_prefix(lang) + feed_path(filters))

    def observance_feed(
        self, observance_id: str, year: int | None = None, lang: str = DEFAULT_LANGUAGE
    ) -> FeedBytes:
        """The events of an observance: every year's from the past window on, or one year's window;
        named in the language `lang`."""
        observance = self.config.observance(observance_id)
        if observance is None:
            raise KeyError(observance_id)
        state = self._current()
        path = SiteUrls(self.config.base_url, lang=lang).observance_feed(observance_id, year)
        filters = Filters(observance=observance_id)
        name = self.config.translated(observance.name, lang)
        if year is None:
            return self._remembered(
                state, path, lambda: state.catalog.feed_events(filters, today=state.day), filters, name, lang
            )
        return self._remembered(
            state, path, lambda: state.catalog.observance_events(observance, year), filters, f"{name} {year}", lang
        )

    def _remembered(
        self,
        state: _State,
        path: str,
        select: Callable[[], list[Event]],
        filters: Filters,
        title: str | None,
        lang: str = DEFAULT_LANGUAGE,
    ) -> FeedBytes:
        with self._lock:
            found = state.remembered.get(path)
            if found is not None:
                state.remembered.move_to_end(path)
                return found
        built = self._join(
            state.catalog, state.day, state.components, select(), path, filters, title, lang, keys=state.keys
        )
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
        component = state.components.get(key) or vevent_bytes(event, self.config)
        header = feed_header(self.config, name=None, description=None, source=None)
        body = assemble(header, [event], [component], self.config, state.day)
        found = self._singles[key] = FeedBytes.of(body, event.last_modified, 1)
        return found


def _count_zone(zones: dict[str, tuple[Counter[int], Counter[int]]], event: Event, step: int) -> None:
    """Count `event`'s first and last year in its time zone (`step` 1), or count them off (-1)."""
    found = zone_years(event)
    if found is None:
        return
    zone, first, last = found
    firsts, lasts = zones.setdefault(zone, (Counter(), Counter()))
    for years, year in ((firsts, first), (lasts, last)):
        years[year] += step
        if years[year] <= 0:
            del years[year]
    if not firsts:
        del zones[zone]


def _share(
    body: bytes, keys: list[tuple[object, ...]], components: dict[tuple[object, ...], Component]
) -> dict[tuple[object, ...], tuple[int, int]]:
    """Point the components of `keys` at their bytes inside the full feed `body`, which holds
    them one after another just before its END line, so each is kept once, not twice; return
    where each one is. The others become bytes of their own, so that no view keeps an older
    feed (a whole feed's worth of memory) alive."""
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
    the same bytes, compressed for it). On Linux the thread (and the ones it compresses with)
    runs at a lower priority, so the pages and feeds asked for meanwhile come first.
    """

    def compress() -> None:
        if sys.platform == "linux":  # a thread's own priority: elsewhere this would lower the process's
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _GZIP_NICENESS)
        feed.gzipped  # noqa: B018 - made now, kept by `cached_property`

    threading.Thread(target=compress, name="calendar-feed-gzip", daemon=True).start()
