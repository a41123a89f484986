"""The loaded set of events: sorting, filters, facet counts and observances.

`Filters` is shared by the web listing, the JSON API and the feeds, so that
`/calendar.ics?type=webinar` holds exactly what `/?type=webinar` shows.
"""

from __future__ import annotations

import bisect
import difflib
import threading
from collections import Counter, OrderedDict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any

from .config import Observance, SiteConfig
from .errors import FilterError
from .model import YEARS, Event, as_instant, normalize_tag

# -------------------------------------------------------------------------------------------
# Filters

_LIST_PARAMS = {
    "type": "types",
    "topic": "topics",
    "audience": "audience",
    "sponsor": "sponsors",
    "region": "regions",
    "language": "languages",
    "accessibility": "accessibility",
}
FILTER_PARAMS = tuple(_LIST_PARAMS) + ("online", "free", "q", "from", "to", "observance")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

# What one request may ask for. Every value chosen is shown on the page with a link that removes
# it (and keeps the others), so the page grows with the square of the values: they are bounded,
# and so is everything else a reader types, so that no query costs more than a real one.
MAX_QUERY_CHARS = 2048  # of all parameters and values together (what a form or a link sends)
MAX_CHOSEN = 20  # values chosen across the list filters (type, topic, audience...)
MAX_SEARCH_CHARS = 200  # of the free-text search
# Dates a range may name: the years an event may use (the model's). Beyond them Python's dates
# overflow, and no event can be there.
FIRST_DAY = date(YEARS.start, 1, 1)
LAST_DAY = date(YEARS.stop - 1, 12, 31)


@dataclass(frozen=True)
class Filters:
    """What a reader asked to see. Within one filter the choices are alternatives; across, all hold."""

    types: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    sponsors: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    accessibility: tuple[str, ...] = ()
    online: bool | None = None
    free: bool = False
    q: str = ""
    start: date | None = None
    end: date | None = None
    observance: str | None = None

    @classmethod
    def from_query(
        cls,
        items: Iterable[tuple[str, str]],
        config: SiteConfig,
        *,
        known: Mapping[str, Collection[str]] | None = None,
        allowed_extra: Iterable[str] = (),
    ) -> Filters:
        """Parse query parameters; raise FilterError naming the parameter on anything unusable.

        `known` holds, for each list filter, the values the site has (`Catalog.known`, compared
        as `normalize_tag` compares them): any other value is refused, as an unknown type is.
        """
        extra = set(allowed_extra)
        items = list(items)
        length = sum(len(name) + len(raw) + 2 for name, raw in items)
        if length > MAX_QUERY_CHARS:
            raise FilterError(
                "query", f"the filters are {length:,} characters long; at most {MAX_QUERY_CHARS:,} are read"
            )
        lists: dict[str, list[str]] = {name: [] for name in _LIST_PARAMS.values()}
        values: dict[str, object] = {}
        for name, raw in items:
            value = raw.strip()
            if name in extra:
                continue
            if name in _LIST_PARAMS:
                for choice in (v.strip() for v in value.split(",")):
                    if choice:
                        _check_known(name, choice, config, known)
                        lists[_LIST_PARAMS[name]].append(choice)
            elif name in ("from", "to"):
                if value:
                    values["start" if name == "from" else "end"] = _parse_day(name, raw)
            elif name in ("online", "free"):
                if value.lower() in _TRUE:
                    values[name] = True
                elif value.lower() in _FALSE:
                    values[name] = False
                elif value:
                    raise FilterError(name, f"{_shown(raw)} is not true or false", ["true", "false"])
            elif name == "q":
                if len(value) > MAX_SEARCH_CHARS:
                    raise FilterError(name, f"the search is {len(value):,} characters; use at most {MAX_SEARCH_CHARS}")
                values["q"] = value
            elif name == "observance":
                if value and config.observance(value) is None:
                    raise FilterError(name, f"unknown observance {_shown(raw)}", [o.id for o in config.observances])
                values["observance"] = value or None
            else:
                known_names = sorted(FILTER_PARAMS + tuple(extra))
                close = difflib.get_close_matches(name, known_names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise FilterError(_shown(name, quoted=False), f"unknown parameter{hint}", known_names)
        chosen = {attr: tuple(dict.fromkeys(v)) for attr, v in lists.items()}
        if sum(len(v) for v in chosen.values()) > MAX_CHOSEN:
            many = max(chosen, key=lambda attr: len(chosen[attr]))
            raise FilterError(
                _PARAM_OF[many], f"{sum(len(v) for v in chosen.values())} values chosen; choose at most {MAX_CHOSEN}"
            )
        start, end = values.get("start"), values.get("end")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            raise FilterError("to", f"the range ends before it starts ({end} < {start})")
        return cls(**chosen, **values)  # type: ignore[arg-type]

    def to_query(self) -> list[tuple[str, str]]:
        """The query parameters that give these filters back (for links, feeds and pagination)."""
        out: list[tuple[str, str]] = []
        for param, attr in _LIST_PARAMS.items():
            out.extend((param, v) for v in getattr(self, attr))
        if self.online is not None:
            out.append(("online", "true" if self.online else "false"))
        if self.free:
            out.append(("free", "true"))
        if self.q:
            out.append(("q", self.q))
        if self.start:
            out.append(("from", self.start.isoformat()))
        if self.end:
            out.append(("to", self.end.isoformat()))
        if self.observance:
            out.append(("observance", self.observance))
        return out

    @property
    def is_empty(self) -> bool:
        return self == Filters()

    def without(self, attr: str) -> Filters:
        return self.changed(attr, _default_of(attr))

    def changed(self, attr: str, value: object) -> Filters:
        """These filters with the one named `attr` (a field's name) set to `value`."""
        changes: dict[str, Any] = {attr: value}
        return replace(self, **changes)

    def describe(self, config: SiteConfig) -> str:
        """Words for a filtered feed's name: 'webinars for law enforcement in SC'."""
        kinds = " and ".join(_plural(t) for t in self.types) or "events"
        if self.online is True:
            kinds = "online " + kinds
        if self.free:
            kinds = "free " + kinds
        parts = [kinds]
        if self.topics:
            parts.append("on " + ", ".join(self.topics))
        if self.audience:
            parts.append("for " + ", ".join(self.audience))
        if self.sponsors:
            parts.append("by " + ", ".join(self.sponsors))
        if self.regions:
            parts.append("in " + ", ".join(self.regions))
        if self.languages:
            parts.append("in language " + ", ".join(self.languages))
        if self.accessibility:
            parts.append("with " + ", ".join(self.accessibility))
        if self.observance:
            observance = config.observance(self.observance)
            parts.append("for " + (observance.name if observance else self.observance))
        if self.q:
            parts.append(f'matching "{self.q}"')
        if self.start or self.end:
            parts.append(f"from {self.start or '…'} to {self.end or '…'}")
        return " ".join(parts)


_PARAM_OF = {attr: param for param, attr in _LIST_PARAMS.items()}
_EXACT = {"languages", "accessibility"}  # compared as written; the other tags as `normalize_tag` does


def _shown(text: str, *, quoted: bool = True) -> str:
    """`text` as a message may echo it: cut short, so that no answer grows with what was sent."""
    cut = text if len(text) <= 60 else text[:60] + "…"
    return repr(cut) if quoted else cut


def _parse_day(name: str, raw: str) -> date:
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise FilterError(name, f"{_shown(raw)} is not a date; use YYYY-MM-DD") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FilterError(name, f"{day} is outside the dates this calendar holds, {FIRST_DAY} to {LAST_DAY}")
    return day


def _check_known(param: str, value: str, config: SiteConfig, known: Mapping[str, Collection[str]] | None) -> None:
    """Refuse a list filter's value that no event and no setting has (listing the ones there are)."""
    attr = _LIST_PARAMS[param]
    if attr == "types":
        if value not in config.types:
            raise FilterError(param, f"unknown type {_shown(value)}", list(config.types))
        return
    if known is None or attr not in known:
        return
    have = known[attr]
    if (value if attr in _EXACT else normalize_tag(value)) not in have:
        choices = sorted(have, key=str.casefold)
        close = difflib.get_close_matches(value if attr in _EXACT else normalize_tag(value), choices, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise FilterError(param, f"no event has the {param} {_shown(value)}{hint}", choices)


def _default_of(attr: str) -> object:
    for f in fields(Filters):
        if f.name == attr:
            return f.default
    raise KeyError(attr)


def _plural(kind: str) -> str:
    return kind if kind.endswith("s") else kind + "s"


# -------------------------------------------------------------------------------------------
# Matching


def _tags_match(wanted: tuple[str, ...], have: Iterable[str]) -> bool:
    if not wanted:
        return True
    have_norm = {normalize_tag(h) for h in have}
    return any(normalize_tag(w) in have_norm for w in wanted)


def matches(event: Event, f: Filters, *, skip: str | None = None) -> bool:
    """Whether `event` passes every filter except `skip` (used for facet counts). Dates are not checked here."""
    e = event.fields
    if skip != "types" and f.types and e.type not in f.types:
        return False
    if skip != "topics" and not _tags_match(f.topics, e.topics):
        return False
    if skip != "audience" and not _tags_match(f.audience, e.audience):
        return False
    if skip != "sponsors" and not _tags_match(f.sponsors, e.sponsors):
        return False
    if skip != "regions" and f.regions:
        region = (e.location.region or "") if e.location else ""
        if not _tags_match(f.regions, [region]):
            return False
    if skip != "languages" and f.languages and event.language not in f.languages:
        return False
    if skip != "accessibility" and f.accessibility and not set(f.accessibility) <= set(e.accessibility):
        return False
    if skip != "online" and f.online is not None and (event.online is not None) != f.online:
        return False
    if skip != "free" and f.free and not (e.registration and e.registration.is_free):
        return False
    if f.q:
        text = event.search_text
        if not all(word in text for word in f.q.casefold().split()):
            return False
    return True


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
        # And one on each first day, so a date range is the smaller of two slices, not a scan.
        first = self._first = {id(e): e.start_date for e in self.events}
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
        attr: frozenset(values if attr in _EXACT or attr == "types" else map(normalize_tag, values))
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
