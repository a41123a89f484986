"""Listing entries: one event as a list shows it, its sessions, and month groups.

Shared by the listing, observance pages, the Atom feed, the API and the coordinators' preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice

from ..core.catalog import Catalog
from ..core.fields import Status
from ..core.model import Event, Occurrence
from ..core.when import When, as_instant
from .language import DEFAULT_LANGUAGE, N_, words
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

# In English, as pages' classes and the templates' tests read them; the templates translate them (`_()`).
STATUS_LABELS = {
    Status.CANCELLED: N_("Cancelled"), Status.POSTPONED: N_("Postponed"), Status.TENTATIVE: N_("Tentative")
}


@dataclass(frozen=True)
class Entry:
    """One event as a listing shows it."""

    event: Event
    start: When
    end: When
    url: str
    line: list[Part]
    status_label: str | None  # of the session shown: its own status, else the event's
    series_note: str | None
    over: bool = False
    session_title: str | None = None  # the session shown has a title of its own
    status_note: str | None = None  # why the session shown (or the event) is cancelled, postponed or tentative
    lang: str = DEFAULT_LANGUAGE  # the language of the page that shows it

    @property
    def line_text(self) -> str:
        return text_of(self.line)

    @property
    def place(self) -> str:
        return place_text(self.event, self.lang)

    @property
    def language(self) -> str:
        return language_name(self.event.language, self.lang)


SESSIONS_SHOWN = 60  # the sessions a page lists; a longer series is "Repeating series"


def occurrence_end(event: Event, start: When) -> When:
    """Where the occurrence starting at `start` ends (inclusive last day for all-day events): its
    own end when it was changed, else the series' duration after it."""
    return event.occurrence_at(start).end


def occurrence_title(event: Event, occurrence: Occurrence) -> str:
    """The title `occurrence` goes by: its own, else the event's (as its feed entry says)."""
    change = occurrence.change
    return (change.title if change is not None else None) or event.title


def occurrence_status(event: Event, occurrence: Occurrence) -> Status:
    """The status of `occurrence`: its own, else the event's (as its feed entry says)."""
    change = occurrence.change
    return (change.status if change is not None else None) or event.status


def occurrence_status_note(event: Event, occurrence: Occurrence) -> str | None:
    """The note that goes with `occurrence_status`: the change's when it gives a status of its own."""
    change = occurrence.change
    if change is not None and change.status is not None:
        return change.status_note
    return event.fields.status_note


def sessions(event: Event, limit: int = SESSIONS_SHOWN) -> list[When]:
    """Every occurrence start of a series (the first `limit`), skipped ones left out, moved ones
    at their new time, cancelled ones kept."""
    return list(islice(event.starts(), limit))


def next_session(event: Event, today: date) -> When:
    """The start of the first occurrence not over by the start of `today` and not cancelled (else
    the first not over, cancelled; when all are over, the last not cancelled, else the last).

    Walks the series from its start rather than asking for every occurrence up to a far date, so
    an endless weekly series costs as many steps as it has had sessions so far.
    """
    threshold = as_instant(today, event.zone)
    last: When = event.start
    last_held: When | None = None
    cancelled: When | None = None
    for occurrence in event.occurrences():
        last = occurrence.start
        change = occurrence.change
        held = change is None or change.status is not Status.CANCELLED
        end = occurrence.end + timedelta(days=1) if event.all_day else occurrence.end
        if as_instant(end, event.zone) > threshold:
            if held:
                return occurrence.start
            if cancelled is None:
                cancelled = occurrence.start
        elif held:
            last_held = occurrence.start
    if cancelled is not None:
        return cancelled
    return last_held if last_held is not None else last


def first_session(event: Event) -> When:
    """The start of the first occurrence as it happened (moved where it was moved), passing over
    cancelled ones as `next_session` does; the first one if every one is cancelled.

    Only the changes cancel a session on its own, so the first `len(changes) + 1` occurrences
    hold one that is not cancelled, if any is: an endless series is not walked to its end.
    """
    first: When | None = None
    for occurrence in islice(event.occurrences(), len(event.changes) + 1):
        if first is None:
            first = occurrence.start
        change = occurrence.change
        if change is None or change.status is not Status.CANCELLED:
            return occurrence.start
    return first if first is not None else event.start


def series_note(event: Event, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """'Series of 6 sessions, January 6 - February 10, 2027', or 'Repeating series' for a long one."""
    if event.rule is None:
        return None
    limit = SESSIONS_SHOWN
    found = sessions(event, limit)
    said = words(lang)
    if len(found) >= limit:
        return said.gettext("Repeating series")
    first = found[0].date() if isinstance(found[0], datetime) else found[0]
    last = found[-1].date() if isinstance(found[-1], datetime) else found[-1]
    dates = text_of(date_range_parts(first, last, lang=lang))
    count = said.ngettext("Series of %(num)d session, %(dates)s", "Series of %(num)d sessions, %(dates)s", len(found))
    return count % {"num": len(found), "dates": dates}


def entry(
    catalog: Catalog, event: Event, today: date, *, upcoming: bool = True, urls: SiteUrls | None = None
) -> Entry:
    """`event` as a list shows it, linking to its page as `urls` writes it (the server's by default),
    in the language of those addresses: at its next session, or its first when `upcoming` is false,
    with that session's own title, status and note."""
    urls = urls or SiteUrls(catalog.config.base_url)
    occurrence = event.occurrence_at(next_session(event, today) if upcoming else first_session(event))
    own_title = occurrence_title(event, occurrence)
    return Entry(
        event=event,
        start=occurrence.start,
        end=occurrence.end,
        url=urls.event(event.slug),
        line=listing_line(event, occurrence.start, occurrence.end, urls.lang),
        status_label=STATUS_LABELS.get(occurrence_status(event, occurrence)),
        series_note=series_note(event, urls.lang),
        over=event.last_date < today,
        session_title=own_title if own_title != event.title else None,
        status_note=occurrence_status_note(event, occurrence),
        lang=urls.lang,
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
            groups.append(MonthGroup(month_text(first, item.lang), key, []))
        groups[-1].entries.append(item)
    return groups
