"""The loaded set of events: sorting, the events a `Filters` selects, facet counts and observances."""

from __future__ import annotations

import bisect
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from .config import Observance, SiteConfig
from .filters import EXACT_FACETS, Filters, matches
from .model import Event, as_instant, normalize_tag

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


@dataclass
class Catalog:
    """Every valid event, sorted and indexed. Immutable once built; a reload builds a new one."""

    config: SiteConfig
    events: list[Event]
    by_slug: dict[str, Event] = field(init=False)
    _by_last: list[Event] = field(init=False, repr=False)
    _last_keys: list[date] = field(init=False, repr=False)
    _by_first: list[Event] = field(init=False, repr=False)
    _first_keys: list[date] = field(init=False, repr=False)
    _last: dict[int, date] = field(init=False, repr=False)
    _first: dict[int, date] = field(init=False, repr=False)
    _rank: dict[int, int] = field(init=False, repr=False)
    # For each list filter, the values a reader may choose (see `Filters.from_query`).
    known: dict[str, frozenset[str]] = field(init=False, repr=False)
    # The date-filtered pools lately asked for: a listing asks twice (results and facet counts).
    _dated_memo: OrderedDict[tuple[date, date | None, date | None], list[Event]] = field(
        init=False, repr=False, default_factory=OrderedDict
    )
    _memo_lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        # Sorted on UTC timestamps: comparing aware datetimes of different zones asks each zone
        # for its offset at every comparison.
        self.events = sorted(self.events, key=lambda e: (as_instant(e.start, e.zone).timestamp(), e.slug))
        self.by_slug = {e.slug: e for e in self.events}
        # A sorted index on each event's last day: "upcoming" and date ranges are a bisect, not a scan.
        # (`last_date` walks a series' rule, so it is asked once per event.)
        last = self._last = {id(e): e.last_date for e in self.events}
        self._by_last = sorted(self.events, key=lambda e: last[id(e)])
        self._last_keys = [last[id(e)] for e in self._by_last]
        # And one on each first day (a moved occurrence may come before `start`), so a date range is the
        # smaller of two slices, not a scan.
        first = self._first = {id(e): e.first_date for e in self.events}
        self._by_first = sorted(self.events, key=lambda e: first[id(e)])
        self._first_keys = [first[id(e)] for e in self._by_first]
        self._rank = {id(e): i for i, e in enumerate(self.events)}
        self.known = _known_values(self.events, self.config)

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
                firsts = self._first
                chosen = [e for e in ending if firsts[id(e)] <= last]
            else:
                lasts = self._last
                chosen = [e for e in starting if lasts[id(e)] >= first]
        if len(chosen) == len(self.events):
            return self.events
        rank = self._rank
        return sorted(chosen, key=lambda e: rank[id(e)])

    def _dated(self, first: date, f: Filters) -> list[Event]:
        """Events from `_window(first, f.end)` with an occurrence in `f`'s date range, in start
        order; remembered for the catalog's life, as they depend on nothing else."""
        key = (first, f.start, f.end)
        with self._memo_lock:
            found = self._dated_memo.get(key)
        if found is None:
            found = [e for e in self._window(first, f.end) if self._in_range(e, f)]
            with self._memo_lock:
                self._dated_memo[key] = found
                while len(self._dated_memo) > 64:
                    self._dated_memo.popitem(last=False)
        return found

    def select(self, f: Filters, *, today: date, past: bool = False) -> list[Event]:
        """Events that pass `f`: upcoming ones (not yet over) in start order, or past ones newest first."""
        if past:
            i = bisect.bisect_left(self._last_keys, today)
            pool = sorted(self._by_last[:i], key=lambda e: as_instant(e.start, e.zone), reverse=True)
            return [e for e in pool if self._in_range(e, f) and self._in_observance(e, f) and matches(e, f)]
        pool = self._dated(max(today, f.start or today), f)
        return [e for e in pool if self._in_observance(e, f) and matches(e, f)]

    def feed_events(self, f: Filters, *, today: date) -> list[Event]:
        """Events for a feed: those not over before the configured past window, passing `f`."""
        pool = self._dated(f.start or (today - timedelta(days=self.config.past_days)), f)
        return [e for e in pool if self._in_observance(e, f) and matches(e, f)]

    def facets(self, f: Filters, *, today: date, past: bool = False) -> dict[str, list[tuple[str, int]]]:
        """For every facet, each value with how many events choosing it would give (other filters kept)."""
        if past:
            i = bisect.bisect_left(self._last_keys, today)
            pool = self._by_last[:i]
            pool = [e for e in pool if self._in_range(e, f) and self._in_observance(e, f)]
        else:
            pool = [e for e in self._dated(max(today, f.start or today), f) if self._in_observance(e, f)]
        result: dict[str, list[tuple[str, int]]] = {}
        for attr, _param in FACETS:
            counts: Counter[str] = Counter()
            for event in pool:
                if matches(event, f, skip=attr):
                    counts.update(set(_facet_values(event, attr, self.config)))
            for chosen in getattr(f, attr):
                counts.setdefault(chosen, 0)
            result[attr] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
        for attr in ("online", "free"):
            chosen = f.changed(attr, True)
            result[attr] = [("true", sum(1 for e in pool if matches(e, chosen, skip=None)))]
        return result

    def _in_range(self, event: Event, f: Filters) -> bool:
        if f.start is None and f.end is None:
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


def _known_values(events: Iterable[Event], config: SiteConfig) -> dict[str, frozenset[str]]:
    """Every value of each list filter that an event has, past ones included, or a setting names."""
    found: dict[str, set[str]] = {attr: set() for attr, _param in FACETS}
    found["types"].update(config.types)
    found["sponsors"].update(s.id for s in config.sponsors)
    found["accessibility"].update(config.accessibility)
    found["languages"].add(config.language)
    for event in events:
        for attr, values in found.items():
            values.update(_facet_values(event, attr, config))
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
