"""What a reader asked to see: `Filters`, read from a query's parameters, and whether an event passes.

One `Filters` serves the web listing, the JSON API, the feeds and the static build, so that
`/calendar.ics?type=webinar` holds exactly what `/?type=webinar` shows. Reading a query is where
a request's cost is bounded: values the site has, a few of them, dates an event may have.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from .config import SiteConfig
from .errors import FilterError
from .fields import normalize_tag
from .model import Event
from .when import YEARS

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


_PARAM_OF = {attr: param for param, attr in _LIST_PARAMS.items()}
EXACT_FACETS = {"languages", "accessibility"}  # compared as written; the other tags as `normalize_tag` does


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
    if (value if attr in EXACT_FACETS else normalize_tag(value)) not in have:
        choices = sorted(have, key=str.casefold)
        close = difflib.get_close_matches(value if attr in EXACT_FACETS else normalize_tag(value), choices, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise FilterError(param, f"no event has the {param} {_shown(value)}{hint}", choices)


def _default_of(attr: str) -> object:
    for f in fields(Filters):
        if f.name == attr:
            return f.default
    raise KeyError(attr)


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
