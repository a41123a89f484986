"""Listing entries: one event as a list shows it, its sessions, and month groups.

Shared by the listing, observance pages, the Atom feed, the API and the coordinators' preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice

from ..core.catalog import Catalog
from ..core.model import Event, Status, When, as_instant
from .phrasing import (
    Part,
    date_range_parts,
    language_name,
    listing_line,
    month_text,
    place_text,
    text_of,
)
from .urls import SiteUrls

STATUS_LABELS = {Status.CANCELLED: "Cancelled", Status.POSTPONED: "Postponed", Status.TENTATIVE: "Tentative"}


@dataclass(frozen=True)
class Entry:
    """One event as a listing shows it."""

    event: Event
    start: When
    end: When
    url: str
    line: list[Part]
    status_label: str | None
    series_note: str | None
    over: bool = False

    @property
    def line_text(self) -> str:
        return text_of(self.line)

    @property
    def place(self) -> str:
        return place_text(self.event)

    @property
    def language(self) -> str:
        return language_name(self.event.language)


SESSIONS_SHOWN = 60  # the sessions a page lists; a longer series is "Repeating series"


def occurrence_end(event: Event, start: When) -> When:
    """Where the occurrence starting at `start` ends (inclusive last day for all-day events): its
    own end when it was changed, else the series' duration after it."""
    return event.occurrence_at(start).end


def sessions(event: Event, limit: int = SESSIONS_SHOWN) -> list[When]:
    """Every occurrence start of a series (the first `limit`), skipped ones left out, moved ones
    at their new time, cancelled ones kept."""
    return list(islice(event.starts(), limit))


def next_session(event: Event, today: date) -> When:
    """The start of the first occurrence not over by the start of `today` and not cancelled (else
    the first not over, cancelled; the last one if all are over).

    Walks the series from its start rather than asking for every occurrence up to a far date, so
    an endless weekly series costs as many steps as it has had sessions so far.
    """
    threshold = as_instant(today, event.zone)
    last: When = event.start
    cancelled: When | None = None
    for occurrence in event.occurrences():
        last = occurrence.start
        end = occurrence.end + timedelta(days=1) if event.all_day else occurrence.end
        if as_instant(end, event.zone) > threshold:
            change = occurrence.change
            if change is None or change.status is not Status.CANCELLED:
                return occurrence.start
            if cancelled is None:
                cancelled = occurrence.start
    return cancelled if cancelled is not None else last


def series_note(event: Event) -> str | None:
    if event.rule is None:
        return None
    limit = SESSIONS_SHOWN
    found = sessions(event, limit)
    if len(found) >= limit:
        return "Repeating series"
    first = found[0].date() if isinstance(found[0], datetime) else found[0]
    last = found[-1].date() if isinstance(found[-1], datetime) else found[-1]
    return f"Series of {len(found)} sessions, {text_of(date_range_parts(first, last))}"


def entry(
    catalog: Catalog, event: Event, today: date, *, upcoming: bool = True, urls: SiteUrls | None = None
) -> Entry:
    """`event` as a list shows it, linking to its page as `urls` writes it (the server's by default)."""
    start = next_session(event, today) if upcoming else event.start
    end = occurrence_end(event, start)
    return Entry(
        event=event,
        start=start,
        end=end,
        url=(urls or SiteUrls(catalog.config.base_url)).event(event.slug),
        line=listing_line(event, start, end),
        status_label=STATUS_LABELS.get(event.status),
        series_note=series_note(event),
        over=event.last_date < today,
    )


@dataclass(frozen=True)
class MonthGroup:
    title: str
    key: str
    entries: list[Entry]


def group_by_month(entries: list[Entry]) -> list[MonthGroup]:
    groups: list[MonthGroup] = []
    for item in entries:
        first = item.start.date() if isinstance(item.start, datetime) else item.start
        key = f"{first.year:04d}-{first.month:02d}"
        if not groups or groups[-1].key != key:
            groups.append(MonthGroup(month_text(first), key, []))
        groups[-1].entries.append(item)
    return groups
