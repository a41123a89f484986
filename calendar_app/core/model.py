"""The checked event: `build_event` turns a file's checked fields into a frozen `Event`.

`build_event` checks what one field cannot check alone (vocabularies, time order, the repeat
rule and the series' own dates, `core/series.py`) and builds the `Event`: typed, time-zone
aware, cross-checked, and frozen, holding its front matter as `core/checked.py`'s plain objects.
Every output (feed, pages, API, static build) reads `Event`; nothing downstream parses files again.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule

from .checked import NO_DETAILS, CheckedFields, CheckedLocation, CheckedOnline, checked_fields, refuse_assignment
from .config import SiteConfig
from .fields import EventFields, Status
from .recurrence import parse_rule, parts_of, tail_from
from .series import OccurrenceChange, check_series
from .slots import quick_pickle
from .when import (
    When,
    as_instant,
    day_of,
    ends_after,
    last_day_touched,
    order_key,
    parse_end,
    parse_when,
    shown,
    shown_with_offset,
    wall_time,
)

_T = TypeVar("_T")
_BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """A problem found while building an event: the field path and the message."""

    path: tuple[str | int, ...]
    message: str
    hint: str | None = None
    form_hint: str | None = None  # the hint in the form's words, where the file's would name YAML keys


class EventInvalid(Exception):
    """Raised by `build_event` with every problem it found."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


@quick_pickle
@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of an event as it happens: where it starts and ends, and what changed it."""

    start: When
    end: When  # for all-day events the last day, inclusive
    change: OccurrenceChange | None = None
    extra: bool = False  # one of the file's `extra` dates

    @property
    def moved_from(self) -> When | None:
        """The start the rule gave it, when it has moved."""
        return self.change.occurrence if self.change is not None and self.change.moved else None


def _unset(default: Any = None) -> Any:
    """A slot an event fills the first time it is asked (see `Event._remember`)."""
    return field(default=default, init=False, repr=False, compare=False)


@refuse_assignment
@quick_pickle
@dataclass(frozen=True, slots=True)
class Event:
    """One validated event. Times are aware datetimes in the event's zone; all-day ends are inclusive.

    Slotted, and its front matter plain objects (`CheckedFields`): ten thousand events are held
    by every worker. What is worked out from the fields on demand (the first and last day, a
    series' changed occurrences) is kept in slots of its own once asked for; text derived from
    the description (search text, HTML, plain text) is not kept here at all.
    """

    slug: str
    path: str
    fields: CheckedFields
    body: str
    uid: str
    zone: ZoneInfo
    start: When
    end: When
    all_day: bool
    exdates: tuple[When, ...]
    last_modified: datetime
    content_hash: str
    language: str
    rule: rrule | None = field(default=None, compare=False, repr=False)
    extra: tuple[When, ...] = ()  # the file's `extra` dates, in order
    changes: tuple[OccurrenceChange, ...] = ()  # in the order of the occurrences they change
    _first_date: date | None = _unset()
    _last_date: date | None = _unset()
    _listed_occurrences: tuple[Occurrence, ...] | None = _unset()
    _listed_starts: dict[float, Occurrence] | None = _unset()

    def _remember(self, name: str, value: _T) -> _T:
        # Frozen to its readers; a slot of what is worked out filled once, as `cached_property`
        # would (which needs a __dict__). Two threads at once only compute the same value twice.
        object.__setattr__(self, name, value)
        return value

    @property
    def title(self) -> str:
        return self.fields.title

    @property
    def type(self) -> str:
        return self.fields.type

    @property
    def status(self) -> Status:
        return self.fields.status

    @property
    def sequence(self) -> int:
        return self.fields.sequence

    @property
    def online(self) -> CheckedOnline | None:
        return NO_DETAILS if self.fields.online is True else self.fields.online

    @property
    def location(self) -> CheckedLocation | None:
        return self.fields.location

    @property
    def duration(self) -> timedelta:
        if self.all_day:
            return (self.end - self.start) + timedelta(days=1)  # type: ignore[operator]
        # The time that passes, not the clock's difference, which the night the clocks change skews.
        return as_instant(self.end, self.zone).astimezone(UTC) - as_instant(self.start, self.zone).astimezone(UTC)

    @property
    def start_date(self) -> date:
        return self.start.date() if isinstance(self.start, datetime) else self.start

    @property
    def first_date(self) -> date:
        """The first day an occurrence starts on: `start`'s, or a moved occurrence's before it."""
        if self._first_date is not None:
            return self._first_date
        first: date = min([self.start_date, *(day_of(o.start) for o in self._listed)])
        return self._remember("_first_date", first)

    @property
    def last_date(self) -> date:
        """The last day the whole series touches (a far date for a rule without an end)."""
        if self._last_date is not None:
            return self._last_date
        last: date
        if self.rule is None:
            last = self._last_day(self.start, self.end)
        elif parts_of(self.rule).endless:
            last = date.max
        else:
            # A bounded series has at most MAX_OCCURRENCES from its rule (counted when it was read),
            # and as many extra dates: walked whole, since its last may be moved, skipped or extra.
            last = max(self._last_day(o.start, o.end) for o in self.occurrences())
        return self._remember("_last_date", last)

    def _last_day(self, start: When, end: When) -> date:
        return end if isinstance(end, date) and not isinstance(end, datetime) else last_day_touched(start, end)  # type: ignore[arg-type]

    @property
    def search_text(self) -> str:
        """Lower-cased text the free-text search looks in: made when asked, never kept (it would
        be a second copy of every description)."""
        f = self.fields
        place = f.location.one_line() if f.location else ""
        words = [f.title, self.body, place, *f.topics, *f.audience, *f.sponsors, f.type]
        return " ".join(words).casefold()

    def starts(self) -> Iterator[When]:
        """The start of every occurrence in order, skipped ones left out, moved ones at their new
        time, in the event's own form (a date, or an aware datetime in its zone)."""
        return (o.start for o in self.occurrences())

    def occurrences(self) -> Iterator[Occurrence]:
        """Every occurrence in order of its start: the rule's (skipped and changed ones left out)
        walked from the first, merged with the extra dates and changed occurrences (a short list)."""
        if self.rule is None:
            return iter((Occurrence(self.start, self.end),))
        ruled = (self._plain(start) for start in self._own_starts(self.rule))
        return heapq.merge(ruled, self._listed, key=lambda o: order_key(o.start))

    def occurrence_at(self, start: When) -> Occurrence:
        """The occurrence starting at `start` (one of `starts()`), with its own end and change."""
        if not self._listed:
            return self._plain(start)
        by_start = self._listed_starts
        if by_start is None:
            by_start = self._remember("_listed_starts", {order_key(o.start): o for o in self._listed})
        found = by_start.get(order_key(start))
        return found if found is not None else self._plain(start)

    def _plain(self, start: When) -> Occurrence:
        if self.all_day:
            return Occurrence(start, start + self.duration - timedelta(days=1))
        return Occurrence(start, start + self.duration)

    @property
    def _listed(self) -> tuple[Occurrence, ...]:
        """The extra dates not changed, and every changed occurrence at its new time, in order."""
        if self._listed_occurrences is not None:
            return self._listed_occurrences
        if not self.extra and not self.changes:
            return self._remember("_listed_occurrences", ())
        changed = {order_key(c.occurrence) for c in self.changes}
        listed = [
            Occurrence(d, self._plain(d).end, extra=True) for d in self.extra if order_key(d) not in changed
        ]
        extra = {order_key(d) for d in self.extra}
        listed += [Occurrence(c.start, c.end, c, extra=order_key(c.occurrence) in extra) for c in self.changes]
        return self._remember("_listed_occurrences", tuple(sorted(listed, key=lambda o: order_key(o.start))))

    def occurs_between(self, after: datetime | None, before: datetime | None) -> bool:
        """Whether an occurrence overlaps [after, before) (None: no bound on that side).

        Stops at the first one, and starts looking near `after` (see `recurrence`): what it
        costs does not grow with how far apart the two are, or how far from the series' start.
        The extra dates and changed occurrences are a short list, looked at one by one.
        """
        if self.rule is None:
            return self._overlaps(Occurrence(self.start, self.end), after, before)
        if any(self._overlaps(o, after, before) for o in self._listed):
            return True
        parts = parts_of(self.rule)
        window_start = self._naive(after - self.duration) if after is not None else parts.dtstart
        rule = tail_from(self.rule, window_start)
        end = self._naive(before) if before is not None else None
        if end is not None and parts.count is None and (parts.until is None or parts.until > end):
            rule = rule.replace(until=end)  # a rule that matches rarely stops looking at `before`
        for start in self._own_starts(rule.xafter(window_start, inc=True)):
            if end is not None and wall_time(start) >= end:
                return False
            if after is None or ends_after(as_instant(start, self.zone), self.duration, after):
                return True
        return False

    def _overlaps(self, occurrence: Occurrence, after: datetime | None, before: datetime | None) -> bool:
        begin = as_instant(occurrence.start, self.zone)
        if isinstance(occurrence.end, datetime):
            duration = occurrence.end.astimezone(UTC) - begin.astimezone(UTC)
        else:
            duration = as_instant(occurrence.end + timedelta(days=1), self.zone) - begin
        return (before is None or begin < before) and (after is None or ends_after(begin, duration, after))

    def _own_starts(self, naive_starts: Iterable[datetime]) -> Iterator[When]:
        """The rule's starts (naive, in the event's wall time) in the event's own form, skipped and
        changed ones left out."""
        excluded = {order_key(d) for d in self.exdates} | {order_key(c.occurrence) for c in self.changes}
        for naive in naive_starts:
            start: When = naive.date() if self.all_day else naive.replace(tzinfo=self.zone)
            if order_key(start) not in excluded:
                yield start

    def _naive(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone).replace(tzinfo=None)


# ---------------------------------------------------------------------------------------------
# Building: EventFields + site configuration -> Event, or every problem at once.

_NEEDS_RULE = {
    "except": "skipped occurrences need a `repeat` rule",
    "extra": "extra occurrences need a `repeat` rule",
    "changes": "changed occurrences need a `repeat` rule",
}


def build_event(
    fields: EventFields,
    *,
    slug: str,
    path: str,
    body: str,
    config: SiteConfig,
    last_modified: datetime,
    content_hash: str,
) -> Event:
    """Check what one field cannot check alone (vocabularies, time order, rules) and build the Event."""
    problems: list[FieldProblem] = []

    def fail(path_: tuple[str | int, ...], message: str, hint: str | None = None, form_hint: str | None = None) -> None:
        problems.append(FieldProblem(path_, message, hint, form_hint))

    if fields.location is None and fields.online is None and fields.type != "observance":
        # Reported on `location`, the key to add: a file without one points at the end of its front matter.
        fail(
            ("location",),
            "the event has neither a location nor online details",
            "add `location:` (a venue) or `online:` (a link)",
            "fill in Where (a venue or city) or Online (a link, or tick Online event)",
        )
    if fields.status_note and fields.status in (Status.SCHEDULED,):
        fail(("status_note",), "a status note needs status cancelled, postponed or tentative")
    if _BODY_CONTROLS.search(body):
        fail(("body",), "the description contains control characters")

    zone = ZoneInfo(fields.timezone) if fields.timezone else config.zone

    start: When | None = None
    try:
        start = parse_when(fields.start, zone, explicit_zone=fields.timezone is not None, site_zone=config.zone)
    except ValueError as exc:
        fail(("start",), str(exc))
    all_day = isinstance(start, date) and not isinstance(start, datetime)
    end: When | None = None
    if start is not None:
        try:
            end = parse_end(fields.end, start, zone, timedelta(minutes=config.default_duration_minutes))
        except ValueError as exc:
            fail(("end",), str(exc))
    if start is not None and end is not None:
        if all_day and end < start:
            fail(("end",), f"ends before start ({end} < {start})")
        # Compared as instants: two times in one zone compare by the clock, blind to which of a
        # night's two 01:30s each is (the second 01:30 is after the first 01:31).
        # An end equal to the start is a moment (a deadline, an announcement), as RFC 5545 allows.
        elif not all_day and as_instant(end, zone).astimezone(UTC) < as_instant(start, zone).astimezone(UTC):
            same_offset = as_instant(end, zone).utcoffset() == as_instant(start, zone).utcoffset()
            show = shown if same_offset else shown_with_offset
            fail(("end",), f"ends before it starts ({show(end)} < {show(start)})")
    if fields.registration and fields.registration.deadline and start is not None:
        first_day = start.date() if isinstance(start, datetime) else start
        try:
            deadline = date.fromisoformat(fields.registration.deadline)
        except ValueError:
            fail(("registration", "deadline"), f"{fields.registration.deadline!r} is not a real date")
        else:
            if deadline > first_day:
                fail(("registration", "deadline"), f"is after the event starts ({deadline} > {first_day})")

    rule: rrule | None = None
    if fields.repeat is not None and start is not None:
        try:
            rule = parse_rule(fields.repeat, start)
        except ValueError as exc:
            fail(("repeat",), str(exc), "write an RFC 5545 rule such as FREQ=WEEKLY;BYDAY=TU;COUNT=6")
    exdates: list[When] = []
    extra: list[When] = []
    changes: list[OccurrenceChange] = []
    for name, given in (("except", fields.except_), ("extra", fields.extra), ("changes", fields.changes)):
        if given and fields.repeat is None:
            fail((name,), _NEEDS_RULE[name])
    if start is not None and end is not None and rule is not None:
        series = check_series(fields, start, end, rule, zone, config, fail)
        exdates, extra, changes = series.exdates, series.extra, series.changes

    if problems:
        raise EventInvalid(problems)
    assert start is not None and end is not None
    return Event(
        slug=slug,
        path=path,
        fields=checked_fields(fields),
        body=body,
        uid=fields.uid or f"{slug}@{config.uid_domain}",
        zone=zone,
        start=start,
        end=end,
        all_day=all_day,
        exdates=tuple(exdates),
        last_modified=last_modified,
        content_hash=content_hash,
        language=fields.language or config.language,
        rule=rule,
        extra=tuple(sorted(extra, key=order_key)),
        changes=tuple(sorted(changes, key=lambda c: order_key(c.occurrence))),
    )


def file_hash(data: bytes) -> str:
    """The content identity of a file: ETags and caches key on it."""
    return hashlib.sha256(data).hexdigest()[:20]
