"""Which events each listing, feed and observance page holds, kept from one build to the next.

Choosing them (the catalog's selections, and a listing's facet counts) is most of what a
rebuild costs at 10,000 events, and what they read of an event is its dates, type, tags and
place, never its title or description. `listing_signature` digests what they may read; when no
event's signature changed, and neither did the day, the code or the configuration (the build's
`selection_key`), the last build's choices are taken as they are. Otherwise each is chosen again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from ..core.catalog import Catalog
from ..core.filters import Filters
from ..core.model import Event
from ..render.listing import ListingResults

# Fields only shown, never read to choose, sort or count events. Anything else (dates, the
# rule and its changes, status, type, tags, place, registration, observances) is in the signature.
SHOWN_ONLY = frozenset(
    {"title", "status_note", "url", "organizer", "credits", "recording", "featured", "uid", "sequence", "source"}
)
T = TypeVar("T")


def listing_signature(event: Event) -> str:
    """A digest of everything about `event` that a listing, a feed or an observance may choose it by."""
    fields = event.fields.dump(exclude=SHOWN_ONLY)
    text = json.dumps([event.slug, fields], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Selections:
    """The events of each named selection: the last build's when `reuse`, else chosen now."""

    def __init__(self, catalog: Catalog, previous: dict[str, Any], *, reuse: bool) -> None:
        self.catalog = catalog
        self.previous = previous if reuse else {}
        self.stored: dict[str, Any] = {}  # what this build chose, for the next one
        self.chosen = 0  # how many were chosen now rather than kept

    def events(self, name: str, choose: Callable[[], list[Event]]) -> list[Event]:
        kept = self._events(self.previous.get(name, {}).get("slugs"))
        events = kept if kept is not None else self._count(choose())
        self.stored[name] = {"slugs": [e.slug for e in events]}
        return events

    def listing(self, name: str, filters: Filters, past: bool, choose: Callable[[], ListingResults]) -> ListingResults:
        """A listing's events in order and its facet counts."""
        stored = self.previous.get(name, {})
        kept = self._events(stored.get("slugs"))
        counts = stored.get("counts")
        if kept is not None and isinstance(counts, dict):
            results = ListingResults(
                filters, past, kept, {attr: [(str(v), int(n)) for v, n in pairs] for attr, pairs in counts.items()}
            )
        else:
            results = self._count(choose())
        self.stored[name] = {"slugs": [e.slug for e in results.events], "counts": results.counts}
        return results

    def years(self, name: str, choose: Callable[[], list[int]]) -> list[int]:
        kept = self.previous.get(name, {}).get("years")
        years = [int(y) for y in kept] if isinstance(kept, list) else self._count(choose())
        self.stored[name] = {"years": years}
        return years

    def _events(self, slugs: object) -> list[Event] | None:
        if not isinstance(slugs, list):
            return None
        by_slug = self.catalog.by_slug
        if not all(isinstance(s, str) and s in by_slug for s in slugs):
            return None
        return [by_slug[s] for s in slugs]

    def _count(self, chosen: T) -> T:
        self.chosen += 1
        return chosen
