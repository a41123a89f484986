"""The loaded set of events: sorting, the events a `Filters` selects, facet counts and observances."""

from __future__ import annotations

import bisect
import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import InitVar, dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from .config import Observance, SiteConfig
from .fields import normalize_tag
from .filters import EXACT_FACETS, Filters, matches
from .model import Event
from .when import as_instant

# -------------------------------------------------------------------------------------------
# The catalog


FACETS: tuple[tuple[str, str], ...] = (
    ("types", "type"),
    ("topics", "topic"),
    ("audience", "audience"),
    ("sponsors", "sponsor"),
    ("regions", "region"),
    ("languages", "language"),
    ("accessibility", "accessibility"),
)


@dataclass(frozen=True)
class CatalogChange:
    """How a catalog made by `Catalog.changed` differs from the one it was made from."""

    previous: weakref.ref[Catalog]  # weak: a chain of catalogs is never kept alive
    added: tuple[Event, ...]
    removed: tuple[Event, ...]
    # What outputs made from the previous catalog (its `derived`), held here so that they can be
    # carried on to this one even once that one is gone; one catalog back, no further.
    derived_before: dict[object, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class Catalog:
    """Every valid event, sorted and indexed. Immutable once built; a reload builds a new one
    (`changed`, after a few files changed, from the one before, in time that grows little with
    the number of events)."""

    config: SiteConfig
    events: list[Event]
    # Given by `changed`: the catalog this one is a change of, the events added and those removed.
    # Its indexes are copied and edited (the removed taken out and the added put in by bisection),
    # which gives the very indexes a catalog made from scratch would have.
    changing: InitVar[tuple[Catalog, list[Event], list[Event]] | None] = None
    by_slug: dict[str, Event] = field(init=False)
    _by_last: list[Event] = field(init=False, repr=False)
    _last_keys: list[date] = field(init=False, repr=False)
    _by_first: list[Event] = field(init=False, repr=False)
    _first_keys: list[date] = field(init=False, repr=False)
    _keys: dict[int, tuple[float, str]] = field(init=False, repr=False)  # each event's place in `events`
    # For each list filter, the values a reader may choose (see `Filters.from_query`).
    known: dict[str, frozenset[str]] = field(init=False, repr=False)
    _counts: dict[str, Counter[str]] = field(init=False, repr=False)  # how many events have each value
    # What changed from the catalog this one was made from, when made by `changed`.
    change: CatalogChange | None = field(init=False, repr=False, compare=False, default=None)
    # The date-filtered pools lately asked for: a listing asks twice (results and facet counts).
    _dated_memo: OrderedDict[tuple[date, date | None, date | None], list[Event]] = field(
        init=False, repr=False, default_factory=OrderedDict
    )
    # The free-text searches lately asked for: one byte per event (in `events`' order), 1 where its
    # text holds every word. An event keeps no search text (a second copy of its description):
    # it is made when a search asks, once per search for the catalog's life, not once per facet.
    _search_memo: OrderedDict[str, bytes] = field(init=False, repr=False, default_factory=OrderedDict)
    # What is made from this catalog and kept for its life, each under a key of its maker's
    # choosing: the unfiltered listing's facet counts (`_upcoming_counts`), its order of upcoming
    # events (`render.listing.sort_upcoming`). A catalog made by `changed` starts with none, and
    # may carry on the previous one's (`change.derived_before`).
    derived: dict[object, Any] = field(init=False, repr=False, compare=False, default_factory=dict)
    _memo_lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self, changing: tuple[Catalog, list[Event], list[Event]] | None) -> None:
        if changing is not None:
            self._edit(*changing)
            return
        # Sorted on UTC timestamps: comparing aware datetimes of different zones asks each zone
        # for its offset at every comparison.
        keys = self._keys = {id(e): (as_instant(e.start, e.zone).timestamp(), e.slug) for e in self.events}
        self.events = sorted(self.events, key=lambda e: keys[id(e)])
        self.by_slug = {e.slug: e for e in self.events}
        # A sorted index on each event's last day: "upcoming" and date ranges are a bisect, not a scan.
        # (`last_date` walks a series' rule: the event keeps it once asked.)
        self._by_last = sorted(self.events, key=lambda e: e.last_date)
        self._last_keys = [e.last_date for e in self._by_last]
        # And one on each first day (a moved occurrence may come before `start`), so a date range is the
        # smaller of two slices, not a scan.
        self._by_first = sorted(self.events, key=lambda e: e.first_date)
        self._first_keys = [e.first_date for e in self._by_first]
        self._counts = _value_counts(self.events, self.config)
        self.known = _known_values(self._counts, self.config)

    def _edit(self, previous: Catalog, added: list[Event], removed: list[Event]) -> None:
        """The indexes of `previous`, copied, with `removed` taken out and `added` put in. An id
        names the same event in both catalogs: the events of both are alive while this one is made."""
        old = previous._keys
        keys = self._keys = dict(old)
        for event in removed:
            del keys[id(event)]
        for event in added:
            keys[id(event)] = (as_instant(event.start, event.zone).timestamp(), event.slug)

        def place(key: dict[int, tuple[float, str]]) -> Callable[[Event], tuple[float, str]]:
            return lambda e: key[id(e)]

        self.events = _edited(previous.events, None, removed, added, place(old), place(keys), None)
        # Days that tie are in `events`' order, as a stable sort of `events` by day leaves them.
        self._by_last, self._last_keys = _edited(
            previous._by_last, previous._last_keys, removed, added,
            lambda e: (e.last_date, old[id(e)]), lambda e: (e.last_date, keys[id(e)]), lambda e: e.last_date,
        )
        self._by_first, self._first_keys = _edited(
            previous._by_first, previous._first_keys, removed, added,
            lambda e: (e.first_date, old[id(e)]), lambda e: (e.first_date, keys[id(e)]), lambda e: e.first_date,
        )
        by_slug = dict(previous.by_slug)
        for event in removed:
            if by_slug.get(event.slug) is event:
                del by_slug[event.slug]
        by_slug.update((e.slug, e) for e in added)
        # Two events of one slug: the later in `events` is the one named, as when made from scratch.
        self.by_slug = by_slug if len(by_slug) == len(self.events) else {e.slug: e for e in self.events}
        self._counts = _value_counts(added, self.config, previous._counts, removed)
        self.known = _known_values(self._counts, self.config)
        self.change = CatalogChange(weakref.ref(previous), tuple(added), tuple(removed), previous.derived)

    def changed(self, added: Iterable[Event], removed: Iterable[Event]) -> Catalog:
        """This catalog with the events `removed` (which it holds) taken out and `added` put in, as
        a new catalog (this one stays as it is), made in time that grows with the change more than
        with the number of events; its `change` says what changed."""
        added, removed = list(added), list(removed)
        going = {id(e) for e in removed}
        if len(self.by_slug) != len(self.events) or any(
            e.slug in self.by_slug and id(self.by_slug[e.slug]) not in going for e in added
        ):  # two events of one slug: their order is the one a sort from scratch gives
            return Catalog(self.config, [e for e in self.events if id(e) not in going] + added)
        return Catalog(self.config, self.events, changing=(self, added, removed))

    @cached_property
    def _rank(self) -> dict[int, int]:
        """Each event's index in `events`, by its id."""
        return {id(e): i for i, e in enumerate(self.events)}

    def __len__(self) -> int:
        return len(self.events)

    def ending_on_or_after(self, day: date) -> list[Event]:
        """Events whose last day is `day` or later, in start order."""
        i = bisect.bisect_left(self._last_keys, day)
        chosen = self._by_last[i:]
        if len(chosen) == len(self.events):
            return self.events
        keep = {id(e) for e in chosen}
        return [e for e in self.events if id(e) in keep]

    def _window(self, first: date, last: date | None) -> list[Event]:
        """Events whose days may meet [first, last] (ending on or after `first`, starting on or
        before `last`), in start order: a superset that `_in_range` then checks exactly."""
        ending = self._by_last[bisect.bisect_left(self._last_keys, first) :]
        if last is None:
            chosen = ending
        else:
            starting = self._by_first[: bisect.bisect_right(self._first_keys, last)]
            if len(ending) <= len(starting):
                chosen = [e for e in ending if e.first_date <= last]
            else:
                chosen = [e for e in starting if e.last_date >= first]
        if len(chosen) == len(self.events):
            return self.events
        if len(chosen) * 4 > len(self.events):  # most of them: picked out in order, not sorted
            keep = {id(e) for e in chosen}
            return [e for e in self.events if id(e) in keep]
        keys = self._keys
        return sorted(chosen, key=lambda e: keys[id(e)])

    def _dated(self, first: date, f: Filters) -> list[Event]:
        """Events from `_window(first, f.end)` with an occurrence in `f`'s date range, in start
        order; remembered for the catalog's life, as they depend on nothing else."""
        key = (first, f.start, f.end)
        with self._memo_lock:
            found = self._dated_memo.get(key)
        if found is None:
            found = self._window(first, f.end)
            if f.start is not None or f.end is not None:
                found = [e for e in found if self._in_range(e, f)]
            with self._memo_lock:
                self._dated_memo[key] = found
                while len(self._dated_memo) > 64:
                    self._dated_memo.popitem(last=False)
        return found

    def _searched(self, pool: list[Event], f: Filters) -> tuple[list[Event], Filters]:
        """`pool` less the events whose text lacks a word of `f.q`, and `f` without its search."""
        if not f.q:
            return pool, f
        words = f.q.casefold().split()
        key = " ".join(words)
        with self._memo_lock:
            found = self._search_memo.get(key)
        if found is None:
            found = bytes(all(word in text for word in words) for text in (e.search_text for e in self.events))
            with self._memo_lock:
                self._search_memo[key] = found
                while len(self._search_memo) > 64:
                    self._search_memo.popitem(last=False)
        rank = self._rank
        return [e for e in pool if found[rank[id(e)]]], f.without("q")

    def select(self, f: Filters, *, today: date, past: bool = False) -> list[Event]:
        """Events that pass `f`: upcoming ones (not yet over) in start order, or past ones newest first."""
        if past:
            i = bisect.bisect_left(self._last_keys, today)
            pool = sorted(self._by_last[:i], key=lambda e: as_instant(e.start, e.zone), reverse=True)
            pool, f = self._searched(pool, f)
            return [e for e in pool if self._in_range(e, f) and self._in_observance(e, f) and matches(e, f)]
        pool, f = self._searched(self._dated(max(today, f.start or today), f), f)
        if f.observance is None and not _narrows(f):
            return list(pool)
        return [e for e in pool if self._in_observance(e, f) and matches(e, f)]

    def feed_events(self, f: Filters, *, today: date) -> list[Event]:
        """Events for a feed: those not over before the configured past window, passing `f`."""
        pool, f = self._searched(self._dated(f.start or self._feed_start(today), f), f)
        if f.observance is None and not _narrows(f):
            return list(pool)
        return [e for e in pool if self._in_observance(e, f) and matches(e, f)]

    def in_full_feed(self, event: Event, today: date) -> bool:
        """Whether `feed_events(Filters(), today=today)` holds `event`, one of this catalog's."""
        return event.last_date >= self._feed_start(today)

    def _feed_start(self, today: date) -> date:
        return today - timedelta(days=self.config.past_days)

    def facets(self, f: Filters, *, today: date, past: bool = False) -> dict[str, list[tuple[str, int]]]:
        """For every facet, each value with how many events choosing it would give (other filters kept)."""
        if not past and f.is_empty:
            counts, online, free = self._upcoming_counts(today)
        else:
            counts, online, free = self._counted(self._facet_pool(f, today=today, past=past), f)
        result: dict[str, list[tuple[str, int]]] = {}
        for attr, found in counts.items():
            listed = dict(found)
            for value in getattr(f, attr):
                listed.setdefault(value, 0)
            result[attr] = sorted(listed.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
        result["online"] = [("true", online)]
        result["free"] = [("true", free)]
        return result

    def is_upcoming(self, event: Event, today: date) -> bool:
        """Whether `event` is among the upcoming ones `select` chooses from on `today` (not over)."""
        return event.last_date >= today

    def _facet_pool(self, f: Filters, *, today: date, past: bool) -> list[Event]:
        if past:
            i = bisect.bisect_left(self._last_keys, today)
            return [e for e in self._by_last[:i] if self._in_range(e, f) and self._in_observance(e, f)]
        pool = self._dated(max(today, f.start or today), f)
        if f.observance is not None:
            pool = [e for e in pool if self._in_observance(e, f)]
        return pool

    def _counted(self, pool: list[Event], f: Filters) -> tuple[dict[str, Counter[str]], int, int]:
        """For each facet, the events of `pool` that choosing each value would give, and the
        number online and free, other filters kept.

        An event counts for a facet when it passes every filter but that facet's: one that passes
        them all counts for every facet; one that fails can count only for the one facet whose
        filter it fails, and only a facet with values chosen can be that one. So each event is
        matched once, and again once per chosen facet only when it fails.
        """
        pool, f = self._searched(pool, f)
        chosen = [attr for attr, _param in FACETS if getattr(f, attr)]
        narrows = _narrows(f)
        counts: dict[str, Counter[str]] = {attr: Counter() for attr, _param in FACETS}
        online = free = 0
        for event in pool:
            if not narrows or matches(event, f):
                online, free = _count(counts, online, free, event, 1, self.config)
                continue
            for attr in chosen:
                if matches(event, f, skip=attr):
                    counts[attr].update(set(_facet_values(event, attr, self.config)))
                    break
            # Counted as online with every other filter kept: so an event that fails only `online`.
            online += f.online is not None and event.online is not None and matches(event, f, skip="online")
        return counts, online, free

    def _upcoming_counts(self, today: date) -> tuple[dict[str, Counter[str]], int, int]:
        """`_counted` of the events not over by `today`, with no filter: the unfiltered listing's
        counts, kept for the catalog's life, and counted on from the catalog this one was made
        from (the events added and removed) when that one had them."""
        name = ("upcoming counts", today)
        found: tuple[dict[str, Counter[str]], int, int] | None = self.derived.get(name)
        if found is not None:
            return found
        before = self.change.derived_before.get(name) if self.change is not None else None
        if before is None or self.change is None:
            found = self._counted(self._dated(today, Filters()), Filters())
        else:
            counts = {attr: Counter(values) for attr, values in before[0].items()}
            online, free = before[1], before[2]
            for events, step in ((self.change.removed, -1), (self.change.added, 1)):
                for event in events:
                    if self.is_upcoming(event, today):
                        online, free = _count(counts, online, free, event, step, self.config)
            found = (counts, online, free)
        self.derived[name] = found
        return found

    def _in_range(self, event: Event, f: Filters) -> bool:
        if (f.start is None or f.start <= event.first_date) and (f.end is None or event.last_date <= f.end):
            # Every day it has is in the range, and it has one at least (a rule that skips every
            # occurrence is refused), so one of its occurrences is: no need to walk its rule.
            return True
        after = as_instant(f.start, event.zone) if f.start else None
        before = as_instant(f.end + timedelta(days=1), event.zone) if f.end else None
        return event.occurs_between(after, before)

    def _in_observance(self, event: Event, f: Filters) -> bool:
        if f.observance is None:
            return True
        observance = self.config.observance(f.observance)
        return observance is not None and self.observance_year(event, observance) is not None

    # --- observances -----------------------------------------------------------------------

    def observance_year(self, event: Event, observance: Observance) -> int | None:
        """The year of the `observance` window `event` belongs to, or None.

        An event belongs when it falls in the window, or when it names the observance (then to
        the window nearest its start).
        """
        first = event.start_date
        for year in (first.year - 1, first.year, first.year + 1):
            start, end = observance.window(year)
            if start <= first <= end:
                return year
        if observance.id in event.fields.observances:
            def distance(year: int) -> int:
                start, end = observance.window(year)
                return min(abs((first - start).days), abs((first - end).days))

            return min((first.year - 1, first.year, first.year + 1), key=distance)
        return None

    def observance_events(self, observance: Observance, year: int) -> list[Event]:
        """Events of `observance` in the window that starts in `year`, in start order."""
        start, _end = observance.window(year)
        pool = self.ending_on_or_after(start - timedelta(days=400))
        return [e for e in pool if self.observance_year(e, observance) == year]

    def active_highlights(self, today: date) -> list[tuple[Observance, int]]:
        """Observances whose highlight period (some days before, then the window) includes today."""
        found = []
        for observance in self.config.observances:
            for year in (today.year - 1, today.year, today.year + 1):
                first, last = observance.highlight_window(year)
                if first <= today <= last:
                    found.append((observance, year))
                    break
        return found

    def observance_years(self, observance: Observance) -> list[int]:
        years = {y for e in self.events if (y := self.observance_year(e, observance)) is not None}
        return sorted(years)


def _narrows(f: Filters) -> bool:
    """Whether `f` asks for more than dates and an observance (which pick the pool), and so
    whether `matches` may turn an event of the pool away."""
    return not f.changed("start", None).changed("end", None).changed("observance", None).is_empty


def _count(
    counts: dict[str, Counter[str]], online: int, free: int, event: Event, step: int, config: SiteConfig
) -> tuple[int, int]:
    """Count `event` (`step` 1) or count it off (-1) for every facet, online and free."""
    for attr, found in counts.items():
        for value in set(_facet_values(event, attr, config)):
            found[value] += step
            if found[value] <= 0:
                del found[value]
    return online + step * (event.online is not None), free + step * _is_free(event)


def _is_free(event: Event) -> bool:
    """What `matches` checks for `free`."""
    registration = event.fields.registration
    return registration is not None and registration.is_free


def _edited(
    index: list[Event],
    days: list[date] | None,
    removed: list[Event],
    added: list[Event],
    old_key: Callable[[Event], Any],
    new_key: Callable[[Event], Any],
    day: Callable[[Event], date] | None,
) -> Any:
    """A copy of `index` (in `old_key` order) less `removed`, with `added` put in (in `new_key`
    order), by bisection; with `days`, the copy of that list beside it, kept in step."""
    index = list(index)
    kept_days = list(days) if days is not None else []
    for event in removed:
        i = bisect.bisect_left(index, old_key(event), key=old_key)
        while index[i] is not event:  # past any other event of the same key
            i += 1
        del index[i]
        if days is not None:
            del kept_days[i]
    for event in added:
        i = bisect.bisect_right(index, new_key(event), key=new_key)
        index.insert(i, event)
        if day is not None:
            kept_days.insert(i, day(event))
    return (index, kept_days) if days is not None else index


def _value_counts(
    events: Iterable[Event],
    config: SiteConfig,
    before: dict[str, Counter[str]] | None = None,
    removed: Iterable[Event] = (),
) -> dict[str, Counter[str]]:
    """For each list filter, how many of `events` have each value (added to `before`, less what
    the `removed` events had)."""
    counts = {attr: Counter(before[attr]) if before else Counter() for attr, _param in FACETS}
    for event in events:
        for attr, found in counts.items():
            found.update(_facet_values(event, attr, config))
    for event in removed:
        for attr, found in counts.items():
            found.subtract(_facet_values(event, attr, config))
    for found in counts.values():
        for value in [v for v, n in found.items() if n <= 0]:
            del found[value]
    return counts


def _known_values(counts: dict[str, Counter[str]], config: SiteConfig) -> dict[str, frozenset[str]]:
    """Every value of each list filter that an event has, past ones included, or a setting names."""
    found: dict[str, set[str]] = {attr: set(counts[attr]) for attr, _param in FACETS}
    found["types"].update(config.types)
    found["sponsors"].update(s.id for s in config.sponsors)
    found["accessibility"].update(config.accessibility)
    found["languages"].add(config.language)
    return {
        attr: frozenset(values if attr in EXACT_FACETS or attr == "types" else map(normalize_tag, values))
        for attr, values in found.items()
    }


def _facet_values(event: Event, attr: str, config: SiteConfig) -> list[str]:
    e = event.fields
    if attr == "types":
        return [e.type]
    if attr == "regions":
        return [e.location.region] if e.location and e.location.region else []
    if attr == "languages":
        return [event.language]
    return list(getattr(e, attr))
