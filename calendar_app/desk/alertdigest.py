"""What an e-mail alert tells: the events of a filter that are new or changed since the address
was last told, and the registration deadlines coming within its next period.

What an address was told is kept per subscription as a snapshot: for each event's UID, a
fingerprint of its times, its place and its status, its `sequence`, the last day it is on
(so the entry is dropped once it is over) and the registration deadline already reminded. A
snapshot rather than a site-wide change journal because the events are files that anyone may
edit by hand, in git or through the desk: comparing what is there with what was told finds
every change however it was made, and needs nothing recorded at the moment of the change.

The words are the templates' (`templates/email/alerts_digest.*`): this module gives them
what changed and the new values (dates phrased by `render.phrasing` in the language of the
digest's addresses, `urls.lang`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..core.catalog import Catalog
from ..core.fields import Status
from ..core.filters import Filters
from ..core.model import Event
from ..core.when import When
from ..render.entries import next_session, occurrence_end
from ..render.phrasing import (
    clock_text,
    date_range_parts,
    day_text,
    last_day,
    listing_line,
    text_of,
    zone_abbreviation,
)
from ..render.urls import SiteUrls


@dataclass(frozen=True)
class Told:
    """What an address was told of one event."""

    when: str  # fingerprints of the times (the series' rule, skipped, extra and changed sessions too)
    place: str  # and of the place (the venue's address, online or not)
    status: str
    sequence: int
    until: str  # the event's last day (ISO), "" for a series without end: the entry is dropped after it
    deadline: str = ""  # the registration deadline already reminded


Snapshot = dict[str, Told]


def read_snapshot(text: str) -> Snapshot:
    return {uid: Told(*values) for uid, values in json.loads(text or "{}").items()}


def write_snapshot(snapshot: Snapshot) -> str:
    return json.dumps({uid: [t.when, t.place, t.status, t.sequence, t.until, t.deadline]
                       for uid, t in sorted(snapshot.items())}, separators=(",", ":"), ensure_ascii=False)


def _hash(*values: object) -> str:
    return hashlib.sha256(json.dumps(values, default=str, ensure_ascii=False).encode()).hexdigest()[:16]


def told_of(event: Event, deadline: str = "") -> Told:
    f = event.fields
    when = _hash(event.start, event.end, f.repeat, f.except_, f.extra,
                 [(c.occurrence, c.start, c.end, c.status) for c in event.changes])
    online = event.online
    place = _hash(event.location.one_line() if event.location else "", online is not None,
                  online.url if online else None)
    until = "" if event.last_date == date.max else event.last_date.isoformat()
    return Told(when, place, event.status.value, event.sequence, until, deadline)


def baseline(catalog: Catalog, filters: Filters, *, today: date) -> Snapshot:
    """What a new subscription starts from: every upcoming event of its filter, as it is now."""
    return {event.uid: told_of(event) for event in catalog.select(filters, today=today)}


# --- the digest -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One thing that changed, with its new value: the templates say it in words."""

    kind: str  # "moved", "place", "status" or "updated"
    when: str = ""  # moved: the next session's start in words
    venue: str = ""  # place: the address, if it has one
    online: bool = False  # place: whether it is (also) online
    status: str = ""  # status: scheduled, tentative or cancelled


@dataclass(frozen=True)
class Item:
    """One event in a digest."""

    title: str
    line: str  # when and where, as the listing writes it
    url: str
    changes: tuple[Change, ...] = ()
    deadline: str | None = None  # the day registration closes, in words, when it is within the period
    cancelled: bool = False


@dataclass(frozen=True)
class Digest:
    new: list[Item] = field(default_factory=list)
    changed: list[Item] = field(default_factory=list)
    deadlines: list[Item] = field(default_factory=list)  # events neither new nor changed
    snapshot: Snapshot = field(default_factory=dict)  # what the address will have been told

    @property
    def empty(self) -> bool:
        return not (self.new or self.changed or self.deadlines)

    def summary(self) -> str:
        """'2 new, 1 changed, 1 deadline' (for the command's report)."""
        counts = ((len(self.new), "new", "new"), (len(self.changed), "changed", "changed"),
                  (len(self.deadlines), "deadline", "deadlines"))
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts if n) or "nothing"


def digest(catalog: Catalog, filters: Filters, told: Snapshot, *, today: date, days: int, urls: SiteUrls) -> Digest:
    """What to tell an address that was told `told`, with `days` until its next digest."""
    result = Digest()
    known = {event.uid for event in catalog.events}
    # An event missing from the catalog may be a file broken for a while: kept until it would be
    # over, so that it is not announced as new when it is mended.
    result.snapshot.update({uid: t for uid, t in told.items()
                            if uid not in known and (not t.until or t.until >= today.isoformat())})
    horizon = today + timedelta(days=days)
    for event in catalog.select(filters, today=today):
        before = told.get(event.uid)
        now = told_of(event, before.deadline if before else "")
        cancelled = event.status is Status.CANCELLED
        closing = _deadline(event)
        remind = (closing is not None and not cancelled and today <= closing <= horizon
                  and (before is None or before.deadline != closing.isoformat()))
        if before is None and cancelled:
            continue  # never told of, and not on: nothing to say, and nothing recorded
        changes = () if before is None else _changes(before, now, event, today, urls.lang)
        if before is None or changes or remind:
            item = _item(event, today, urls, changes, closing if remind else None)
            (result.new if before is None else result.changed if changes else result.deadlines).append(item)
        if remind and closing is not None:
            now = Told(now.when, now.place, now.status, now.sequence, now.until, closing.isoformat())
        result.snapshot[event.uid] = now
    return result


def _changes(before: Told, now: Told, event: Event, today: date, lang: str) -> tuple[Change, ...]:
    if now.status != before.status:
        if event.status is Status.CANCELLED:
            return (Change("status", status=now.status),)  # where and when no longer matter
        found = [Change("status", status=now.status)]
    else:
        found = []
    if now.when != before.when:
        found.append(Change("moved", when=_start_text(event, today, lang)))
    if now.place != before.place:
        found.append(Change("place", venue=event.location.one_line() if event.location else "",
                            online=event.online is not None))
    if not found and now.sequence > before.sequence:
        found.append(Change("updated"))
    return tuple(found)


def _item(event: Event, today: date, urls: SiteUrls, changes: tuple[Change, ...], closing: date | None) -> Item:
    start = next_session(event, today)
    lang = urls.lang
    line = text_of(listing_line(event, start, occurrence_end(event, start), lang))
    return Item(event.title, line, urls.full.event(event.slug), changes,
                day_text(closing, weekday=True, lang=lang) if closing else None, event.status is Status.CANCELLED)


def _start_text(event: Event, today: date, lang: str) -> str:
    """'Tuesday, February 2, 2027, 1 p.m. ET' ('martes, 2 de febrero de 2027, 1 p. m. ET'), or the days
    of an all-day event with their weekdays."""
    start: When = next_session(event, today)
    if isinstance(start, datetime):
        day = day_text(start.date(), weekday=True, lang=lang)
        return f"{day}, {clock_text(start, lang=lang)} {zone_abbreviation(start, event.zone)}"
    return text_of(date_range_parts(start, last_day(start, occurrence_end(event, start)), weekday=True, lang=lang))


def _deadline(event: Event) -> date | None:
    registration = event.fields.registration
    if registration is None or registration.deadline is None:
        return None
    try:
        return date.fromisoformat(registration.deadline)
    except ValueError:  # the model checks the form, not the calendar (2027-02-30)
        return None
