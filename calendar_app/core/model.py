"""The event: what a file's front matter may say (`EventFields`) and the checked result (`Event`).

`EventFields` is the schema of the front matter as people write it (every scalar arrives as
the text they typed); its JSON Schema is what `calendar-app schema` prints. `build_event`
turns it into an `Event`: typed, time-zone aware, cross-checked, and frozen. Every output
(feed, pages, API, static build) reads `Event`; nothing downstream parses files again.
"""

from __future__ import annotations

import difflib
import hashlib
import heapq
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from functools import cached_property
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from .config import SiteConfig
from .recurrence import MAX_OCCURRENCES, parse_rule, parts_of, skips_every_occurrence, tail_from
from .zones import check_zone_name

# ---------------------------------------------------------------------------------------------
# Field types. A problem is a ValueError whose text becomes the message after "field: ".

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
_SPACE = re.compile(r"\s")
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Spaces and the invisible characters people paste with text (a byte-order mark, zero-width
# spaces): at either end of a value they are noise, and a value of nothing else is empty.
_EDGES = re.compile(r"^[\s\ufeff\u200b\u2060]+|[\s\ufeff\u200b\u2060]+$")


def trim_edges(value: str) -> str:
    """`value` without the spaces and invisible characters at its ends."""
    return _EDGES.sub("", value)


def _one_line(value: str) -> str:
    if _LINE_BREAKS.search(value):
        raise ValueError("must be one line of text, without line breaks or control characters")
    value = trim_edges(value)
    if not value:
        raise ValueError("must not be empty")
    return value


def _web_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or _SPACE.search(value):
        raise ValueError(f"must be an http:// or https:// address, not {value!r}")
    return value


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"is not a well-formed e-mail address ({exc})") from None


Line = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(_one_line)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_one_line)]
Url = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_one_line), AfterValidator(_web_url)]
Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_one_line), AfterValidator(_email)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=80), AfterValidator(_one_line)]
DateText = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"),
    Field(description="A date, YYYY-MM-DD."),
]
WhenText = Annotated[
    str,
    StringConstraints(max_length=40),
    Field(
        description=(
            "A date (YYYY-MM-DD) for an all-day event, or a local date-time (YYYY-MM-DD HH:MM) for a timed one; "
            "an explicit UTC offset is accepted. For `end` of a timed event, a time (HH:MM) on the start day."
        ),
        examples=["2027-01-11", "2027-01-19 14:00", "15:30"],
    ),
]


def _online_flag(value: object) -> object:
    """`online: true` arrives as the text 'true'; 'false' means not online."""
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "off"):
        return None
    return value


class Status(str, Enum):
    SCHEDULED = "scheduled"
    TENTATIVE = "tentative"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Location(_Part):
    venue: Line | None = None
    address: Line | None = None
    city: Line | None = None
    region: Line | None = Field(default=None, description="State or region, such as SC.")
    postal_code: Line | None = None
    country: Line | None = Field(default=None, description="Country code, such as US.")

    def one_line(self) -> str:
        """'Embassy Suites, 200 Stoneridge Dr, Columbia, SC 29210' — for LOCATION and listings."""
        region = " ".join(p for p in (self.region, self.postal_code) if p)
        parts = [self.venue, self.address, self.city, region or None]
        if self.country and self.country.upper() not in ("US", "USA"):
            parts.append(self.country)
        return ", ".join(p for p in parts if p)

    def place(self) -> str:
        """'Columbia, SC' — the short form the listing shows."""
        return ", ".join(p for p in (self.city, self.region) if p) or (self.venue or "")


class Online(_Part):
    url: Url | None = Field(default=None, description="Join or registration page of the online event.")
    platform: Line | None = Field(default=None, description="Such as Zoom or Microsoft Teams.")


class Registration(_Part):
    url: Url | None = None
    deadline: DateText | None = None
    cost: Line | None = Field(default=None, description="Free text such as 'Free' or '$150'.")

    @property
    def is_free(self) -> bool:
        return self.cost is not None and self.cost.strip().lower() in ("free", "no cost", "$0", "0", "none")


class Organizer(_Part):
    name: Line | None = None
    email: Email | None = None
    phone: Line | None = None


class SourceRef(_Part):
    """Where an event brought in by `calendar-app sync` came from: the partner calendar and its UID there."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)] = Field(
        description="The id of the source in calendar.toml (`[[sources]]`)."
    )
    uid: Line = Field(description="The event's UID in that calendar.")


class OccurrenceChangeFields(_Part):
    """One entry of `changes`: an occurrence of the series, named by its start, and what becomes of it."""

    occurrence: WhenText = Field(description="The start of the occurrence changed, as the repeat rule gives it.")
    start: WhenText | None = Field(default=None, description="Its new start, the same kind as the event's.")
    end: WhenText | None = Field(default=None, description="Its new end; the series' duration when absent.")
    title: Title | None = Field(default=None, description="Its own title.")
    status: Status | None = Field(default=None, description="scheduled, tentative or cancelled.")
    status_note: Annotated[str, StringConstraints(max_length=1000), AfterValidator(_one_line)] | None = Field(
        default=None, description="Why this occurrence is cancelled or tentative."
    )

    @field_validator("occurrence", "start", "end")
    @classmethod
    def _readable_time(cls, value: str | None) -> str | None:
        return _readable_when(value)

    @field_validator("status", mode="before")
    @classmethod
    def _occurrence_status(cls, value: object) -> object:
        """A misspelt status, answered with what one occurrence may be (`postponed` itself passes,
        to be refused with its own hint when the event is built)."""
        allowed = ("scheduled", "tentative", "cancelled")
        if not isinstance(value, str) or value.strip() in (*allowed, Status.POSTPONED.value):
            return value
        message = f"{value.strip()!r} is not one of 'scheduled', 'tentative' or 'cancelled'"
        close = difflib.get_close_matches(value.strip(), [*allowed, Status.POSTPONED.value], n=1)
        if close == [Status.POSTPONED.value]:
            message += "; to postpone an occurrence, give its new `start`"
        elif close:
            message += f"; did you mean {close[0]!r}?"
        raise ValueError(message)


class EventFields(BaseModel):
    """The front matter of an event file. Field order here is the order files are written in."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, title="Event file front matter")

    title: Title
    type: Line = Field(description="One of the site's event types, such as webinar or training.")
    start: WhenText
    end: WhenText | None = None
    timezone: Line | None = Field(default=None, description="IANA time zone such as America/Chicago.")
    status: Status = Status.SCHEDULED
    status_note: Annotated[str, StringConstraints(max_length=1000), AfterValidator(_one_line)] | None = Field(
        default=None, description="Why the event was cancelled or postponed."
    )
    location: Location | None = None
    online: Annotated[Literal[True] | Online | None, BeforeValidator(_online_flag)] = Field(
        default=None, description="`true`, or the online details; an event may be online and in person."
    )
    url: Url | None = None
    registration: Registration | None = None
    organizer: Organizer | None = None
    sponsors: list[Tag] = []
    topics: list[Tag] = []
    audience: list[Tag] = []
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] | None = None
    accessibility: list[Tag] = []
    credits: Line | None = Field(default=None, description="Continuing-education credit, such as 'CLE 3.0'.")
    recording: bool | None = Field(default=None, description="Whether a recording will be posted.")
    featured: bool = False
    observances: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]] = []
    repeat: Line | None = Field(default=None, description="An RFC 5545 RRULE, such as FREQ=WEEKLY;BYDAY=TU;COUNT=6.")
    except_: list[WhenText] = Field(default=[], alias="except", description="Skipped occurrences, as `start`.")
    extra: list[WhenText] = Field(
        default=[], max_length=MAX_OCCURRENCES, description="Occurrences besides the rule's, as `start`."
    )
    changes: list[OccurrenceChangeFields] = Field(
        default=[], max_length=MAX_OCCURRENCES, description="Occurrences moved, retitled or cancelled."
    )
    uid: Line | None = Field(default=None, description="Stable identity in feeds; derived from the slug if absent.")
    sequence: Annotated[int, Field(ge=0, le=1_000_000)] = Field(
        default=0, description="Revision number calendar apps compare; raised when time, place or status change."
    )
    source: SourceRef | None = Field(
        default=None, description="The partner calendar a synced event comes from; written by `calendar-app sync`."
    )


    # Checks against the site's vocabularies; the configuration comes in the validation context.
    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str, info: ValidationInfo) -> str:
        config = _config(info)
        if config and value not in config.types:
            close = difflib.get_close_matches(value, config.types, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(f"unknown type {value!r}; {hint}use one of {', '.join(config.types)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return check_zone_name(value, example="America/Chicago") if value is not None else None

    @field_validator("accessibility")
    @classmethod
    def _known_features(cls, value: list[str], info: ValidationInfo) -> list[str]:
        config = _config(info)
        for item in value:
            if config and item not in config.accessibility:
                raise ValueError(f"unknown feature {item!r}; use {', '.join(config.accessibility)}")
        return value

    @field_validator("observances")
    @classmethod
    def _known_observances(cls, value: list[str], info: ValidationInfo) -> list[str]:
        config = _config(info)
        for oid in value:
            if config and config.observance(oid) is None:
                known = ", ".join(o.id for o in config.observances) or "none are configured"
                raise ValueError(f"unknown observance {oid!r}; known: {known}")
        return value

    @field_validator("start", "end")
    @classmethod
    def _readable_time(cls, value: str | None) -> str | None:
        return _readable_when(value)


def _readable_when(value: str | None) -> str | None:
    if value is not None and not (_TIME.match(value.strip()) or _DATE.match(value.strip())):
        try:
            datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"{value!r} is not a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM)"
            ) from None
    return value


def _config(info: ValidationInfo) -> SiteConfig | None:
    return (info.context or {}).get("config")


FIELD_NAMES: tuple[str, ...] = tuple(
    (f.alias or name) for name, f in EventFields.model_fields.items()
)


# ---------------------------------------------------------------------------------------------
# The checked event.


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


When = date | datetime


@dataclass(frozen=True, slots=True)
class OccurrenceChange:
    """One entry of `changes`, checked: the occurrence it changes and what that occurrence becomes."""

    occurrence: When  # its start as the rule (or `extra`) gives it: the feed's RECURRENCE-ID
    start: When
    end: When  # for all-day events the last day, inclusive, as the event's own `end`
    title: str | None = None  # None: the event's
    status: Status | None = None  # None: the event's
    status_note: str | None = None

    @property
    def moved(self) -> bool:
        return _key(self.start) != _key(self.occurrence)


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


@dataclass(frozen=True)
class Event:
    """One validated event. Times are aware datetimes in the event's zone; all-day ends are inclusive."""

    slug: str
    path: str
    fields: EventFields
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
    def online(self) -> Online | None:
        return Online() if self.fields.online is True else self.fields.online

    @property
    def location(self) -> Location | None:
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

    @cached_property
    def first_date(self) -> date:
        """The first day an occurrence starts on: `start`'s, or a moved occurrence's before it."""
        return min([self.start_date, *(_day(o.start) for o in self._listed)])

    @cached_property
    def last_date(self) -> date:
        """The last day the whole series touches (a far date for a rule without an end)."""
        if self.rule is None:
            return self._last_day(self.start, self.end)
        if parts_of(self.rule).endless:
            return date.max
        # A bounded series has at most MAX_OCCURRENCES from its rule (counted when it was read),
        # and as many extra dates: walked whole, since its last may be moved, skipped or extra.
        return max(self._last_day(o.start, o.end) for o in self.occurrences())

    def _last_day(self, start: When, end: When) -> date:
        return end if isinstance(end, date) and not isinstance(end, datetime) else _last_day(start, end)  # type: ignore[arg-type]

    @cached_property
    def search_text(self) -> str:
        """Lower-cased text the listing's free-text search looks in."""
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
        return heapq.merge(ruled, self._listed, key=lambda o: _key(o.start))

    def occurrence_at(self, start: When) -> Occurrence:
        """The occurrence starting at `start` (one of `starts()`), with its own end and change."""
        found = self._listed_by_start.get(_key(start))
        return found if found is not None else self._plain(start)

    def _plain(self, start: When) -> Occurrence:
        if self.all_day:
            return Occurrence(start, start + self.duration - timedelta(days=1))
        return Occurrence(start, start + self.duration)

    @cached_property
    def _listed(self) -> list[Occurrence]:
        """The extra dates not changed, and every changed occurrence at its new time, in order."""
        changed = {_key(c.occurrence) for c in self.changes}
        listed = [
            Occurrence(d, self._plain(d).end, extra=True) for d in self.extra if _key(d) not in changed
        ]
        extra = {_key(d) for d in self.extra}
        listed += [Occurrence(c.start, c.end, c, extra=_key(c.occurrence) in extra) for c in self.changes]
        return sorted(listed, key=lambda o: _key(o.start))

    @cached_property
    def _listed_by_start(self) -> dict[float, Occurrence]:
        return {_key(o.start): o for o in self._listed}

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
        window_start = _naive(after - self.duration, self) if after is not None else parts.dtstart
        rule = tail_from(self.rule, window_start)
        end = _naive(before, self) if before is not None else None
        if end is not None and parts.count is None and (parts.until is None or parts.until > end):
            rule = rule.replace(until=end)  # a rule that matches rarely stops looking at `before`
        for start in self._own_starts(rule.xafter(window_start, inc=True)):
            if end is not None and _wall_time(start) >= end:
                return False
            if after is None or _ends_after(as_instant(start, self.zone), self.duration, after):
                return True
        return False

    def _overlaps(self, occurrence: Occurrence, after: datetime | None, before: datetime | None) -> bool:
        begin = as_instant(occurrence.start, self.zone)
        if isinstance(occurrence.end, datetime):
            duration = occurrence.end.astimezone(UTC) - begin.astimezone(UTC)
        else:
            duration = as_instant(occurrence.end + timedelta(days=1), self.zone) - begin
        return (before is None or begin < before) and (after is None or _ends_after(begin, duration, after))

    def _own_starts(self, naive_starts: Iterable[datetime]) -> Iterator[When]:
        """The rule's starts (naive, in the event's wall time) in the event's own form, skipped and
        changed ones left out."""
        excluded = {_key(d) for d in self.exdates} | {_key(c.occurrence) for c in self.changes}
        for naive in naive_starts:
            start: When = naive.date() if self.all_day else naive.replace(tzinfo=self.zone)
            if _key(start) not in excluded:
                yield start


def _key(value: When) -> float:
    """What orders and identifies a start: its instant (two 01:30s of the night the clocks go
    back are two times), or its day."""
    return value.timestamp() if isinstance(value, datetime) else float(value.toordinal())


def _day(value: When) -> date:
    return value.date() if isinstance(value, datetime) else value


def _last_day(start: datetime, end: datetime) -> date:
    """The last day a timed occurrence touches: an end at midnight belongs to the day before,
    unless the occurrence is a moment at midnight."""
    return (end - timedelta(microseconds=1)).date() if end > start else end.date()


def _ends_after(begin: datetime, duration: timedelta, after: datetime) -> bool:
    """Whether an occurrence is still on at `after`: a moment (no duration) counts at its start."""
    return begin + duration > after or (not duration and begin >= after)


def as_instant(value: When, zone: ZoneInfo) -> datetime:
    """An aware datetime for a date (midnight in `zone`) or a datetime."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=zone)


def _naive(moment: datetime, event: Event) -> datetime:
    return moment.astimezone(event.zone).replace(tzinfo=None)


def _wall_time(start: When) -> datetime:
    """A start in the event's own form as the naive wall time its rule gives."""
    return start.replace(tzinfo=None) if isinstance(start, datetime) else datetime.combine(start, time(0))


# ---------------------------------------------------------------------------------------------
# Building: EventFields + site configuration -> Event, or every problem at once.

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
        start = _parse_when(fields.start, zone, explicit_zone=fields.timezone is not None, site_zone=config.zone)
    except ValueError as exc:
        fail(("start",), str(exc))
    all_day = isinstance(start, date) and not isinstance(start, datetime)
    end: When | None = None
    if start is not None:
        try:
            end = _parse_end(fields.end, start, zone, config)
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
            shown = _show if same_offset else _show_with_offset
            fail(("end",), f"ends before it starts ({shown(end)} < {shown(start)})")
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
        series = _Series(fields, start, end, rule, zone, config, fail)
        exdates = series.dates("except")
        extra = series.dates("extra", skipped={_key(d) for d in exdates})
        if exdates and not extra and skips_every_occurrence(rule, exdates, zone):
            fail(("except",), "skips every occurrence of the repeat rule",
                 "remove a date from `except`, or cancel the event with `status: cancelled`")
        changes = series.changes(exdates, extra)

    if problems:
        raise EventInvalid(problems)
    assert start is not None and end is not None
    return Event(
        slug=slug,
        path=path,
        fields=fields,
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
        extra=tuple(sorted(extra, key=_key)),
        changes=tuple(sorted(changes, key=lambda c: _key(c.occurrence))),
    )


_NEEDS_RULE = {
    "except": "skipped occurrences need a `repeat` rule",
    "extra": "extra occurrences need a `repeat` rule",
    "changes": "changed occurrences need a `repeat` rule",
}
_SAME_KIND = "must be the same kind as start (a date, or a date and time)"
Fail = Callable[..., None]


@dataclass
class _Series:
    """The checks of a series' `except`, `extra` and `changes`, against its rule."""

    fields: EventFields
    start: When
    end: When
    rule: rrule
    zone: ZoneInfo
    config: SiteConfig
    fail: Fail

    def when(self, path: tuple[str | int, ...], text: str) -> When | None:
        """`text` read as a start of this series, or None once its problem is reported."""
        try:
            value = _parse_when(text, self.zone, explicit_zone=True, site_zone=self.config.zone)
        except ValueError as exc:
            self.fail(path, str(exc))
            return None
        if isinstance(value, datetime) != isinstance(self.start, datetime):
            self.fail(path, _SAME_KIND.replace("start", "the event's start") if path[-1] == "start" else _SAME_KIND)
            return None
        return value

    def of_rule(self, value: When) -> bool:
        """Whether `value` is an occurrence of the rule; looked for near it, not walked to."""
        probe = _wall_time(value.astimezone(self.zone) if isinstance(value, datetime) else value)
        near = tail_from(self.rule, probe)
        return probe in near.between(probe - timedelta(seconds=1), probe + timedelta(seconds=1), inc=True)

    def dates(self, name: Literal["except", "extra"], skipped: AbstractSet[float] = frozenset()) -> list[When]:
        """The dates of `except` (occurrences of the rule) or of `extra` (dates the rule does not
        give, none of them `skipped`)."""
        found: dict[float, tuple[int, When]] = {}
        texts = self.fields.except_ if name == "except" else self.fields.extra
        for i, text in enumerate(texts):
            value = self.when((name, i), text)
            if value is None:
                continue
            if name == "except" and not self.of_rule(value):
                self.fail((name, i), f"{text} is not an occurrence of the repeat rule")
            elif name == "extra" and _key(value) in skipped:
                self.fail((name, i), f"{text} is skipped in `except`", "remove it from `except` instead")
            elif name == "extra" and self.of_rule(value):
                self.fail((name, i), f"{text} is already an occurrence of the repeat rule")
            elif name == "extra" and _key(value) < _key(self.start):
                self.fail(
                    (name, i), f"{text} is before the series' first occurrence ({self.fields.start.strip()})",
                    "publish it as an event of its own, or move the first occurrence there with `changes`",
                )
            elif _key(value) in found:
                self.fail((name, i), f"{text} is given twice (first as {name}[{found[_key(value)][0]}])")
            else:
                found[_key(value)] = (i, value)
        return [value for _, value in found.values()]

    def changes(self, exdates: list[When], extra: list[When]) -> list[OccurrenceChange]:
        """Each entry of `changes` checked alone, then their new starts against the other occurrences."""
        skipped, extras = {_key(d) for d in exdates}, {_key(d) for d in extra}
        changed: dict[float, int] = {}
        checked: dict[int, OccurrenceChange] = {}
        for i, item in enumerate(self.fields.changes):
            original = self.when(("changes", i, "occurrence"), item.occurrence)
            if original is None:
                continue
            key, shown = _key(original), item.occurrence.strip()
            if key in skipped:
                self.fail(("changes", i, "occurrence"), f"{shown} is skipped in `except`",
                          "remove it from `except` to change it instead")
            elif key not in extras and not self.of_rule(original):
                self.fail(("changes", i, "occurrence"), f"{shown} is not an occurrence of the repeat rule or `extra`")
            elif key in changed:
                self.fail(("changes", i, "occurrence"), f"{shown} is changed already in changes[{changed[key]}]",
                          "give one entry per occurrence, with all of its changes")
            else:
                changed[key] = i
                change = self.change(i, item, original)
                if change is not None:
                    checked[i] = change
        self.check_moves(checked, set(changed), skipped, extras)
        return list(checked.values())

    def change(self, i: int, item: OccurrenceChangeFields, original: When) -> OccurrenceChange | None:
        """One entry of `changes` for the occurrence at `original`, or None once its problems are reported."""
        problems = 0

        def fail(path: tuple[str | int, ...], message: str, hint: str | None = None) -> None:
            nonlocal problems
            problems += 1
            self.fail(("changes", i, *path), message, hint)

        start = original if item.start is None else self.when(("changes", i, "start"), item.start)
        if item.start is not None and start is None:
            problems += 1
        if item.status is Status.POSTPONED:
            fail(("status",), "an occurrence may be scheduled, tentative or cancelled, not postponed",
                 "give its new `start` to move it, or `status: cancelled`")
        if item.status_note and item.status not in (Status.CANCELLED, Status.TENTATIVE):
            fail(("status_note",), "a status note needs `status: cancelled` or `tentative` in the same change")
        if start is None:
            return None
        duration = (
            self.end - self.start if not isinstance(self.start, datetime)  # type: ignore[operator]
            else as_instant(self.end, self.zone).astimezone(UTC) - self.start.astimezone(UTC)
        )
        if item.end is None:
            end = start + duration
        else:
            try:
                end = _parse_end(item.end, start, self.zone, self.config)
            except ValueError as exc:
                fail(("end",), str(exc))
                return None
            if _key(end) < _key(start):
                fail(("end",), f"ends before it starts ({_show(end)} < {_show(start)})")
        if problems:
            return None
        change = OccurrenceChange(original, start, end, item.title, item.status, item.status_note)
        same_end = _key(end) == _key(original + duration)
        if (not change.moved and same_end and item.title in (None, self.fields.title)
                and item.status in (None, self.fields.status)):
            self.fail(("changes", i), "changes nothing",
                      "give the occurrence's new `start`, `end`, `title` or `status`, or remove the entry")
            return None
        return change

    def check_moves(
        self, checked: dict[int, OccurrenceChange], changed: set[float], skipped: set[float], extras: set[float]
    ) -> None:
        """No occurrence moves onto another one's start: a calendar would show two sessions as one."""
        moved_from = {_key(c.occurrence) for c in checked.values() if c.moved}
        new_starts: dict[float, int] = {}
        for i, change in checked.items():
            if not change.moved:
                new_starts[_key(change.start)] = i
        for i, change in checked.items():
            if not change.moved:
                continue
            key = _key(change.start)
            stays = key not in moved_from and key not in skipped
            if key in new_starts:
                other = f"changes[{new_starts[key]}]"
            elif stays and key in extras:
                other = "an `extra` date"
            elif stays and self.of_rule(change.start):
                other = "the repeat rule"
            else:
                new_starts[key] = i
                continue
            self.fail(("changes", i, "start"), f"another occurrence starts at {_show(change.start)} ({other})",
                      "move this one elsewhere, or cancel the other")


def _show(value: When) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else value.isoformat()


def _show_with_offset(value: When) -> str:
    """With its UTC offset: the only difference between the two 01:30s of the night clocks go back."""
    return value.strftime("%Y-%m-%d %H:%M%z") if isinstance(value, datetime) else value.isoformat()


def _parse_when(text: str, zone: ZoneInfo, *, explicit_zone: bool, site_zone: ZoneInfo) -> When:
    """A date, or an aware datetime in `zone` (an explicit offset keeps its instant)."""
    text = text.strip()
    if _DATE.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a real date") from None
        _check_year(day.year, text)
        return day
    if _TIME.match(text):
        raise ValueError(f"{text!r} is a time without a date; write it as YYYY-MM-DD HH:MM")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM)"
        ) from None
    _check_year(moment.year, text)
    if moment.tzinfo is not None:
        return moment.astimezone(zone if explicit_zone else site_zone)
    local = moment.replace(tzinfo=zone)
    round_trip = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != moment:
        raise ValueError(f"{text} does not exist in {zone.key}: the clocks skip that hour for daylight saving time")
    return local


# Far enough for any real training calendar, and far from the edges of Python's datetime
# (year 1 and 9999), where adding a duration or a time-zone offset overflows.
YEARS = range(1900, 2201)


def _check_year(year: int, text: str) -> None:
    if year not in YEARS:
        raise ValueError(f"{text!r} is outside the years {YEARS.start}-{YEARS.stop - 1} a calendar event may use")


def _parse_end(text: str | None, start: When, zone: ZoneInfo, config: SiteConfig) -> When:
    if isinstance(start, datetime):
        if text is None:
            return start + timedelta(minutes=config.default_duration_minutes)
        stripped = text.strip()
        if _TIME.match(stripped):
            clock = time.fromisoformat(stripped if len(stripped.split(":")[0]) == 2 else "0" + stripped)
            local = datetime.combine(start.date(), clock)
            return _parse_when(local.isoformat(sep=" "), start.tzinfo, explicit_zone=True, site_zone=zone)  # type: ignore[arg-type]
        value = _parse_when(stripped, start.tzinfo, explicit_zone=True, site_zone=zone)  # type: ignore[arg-type]
        if not isinstance(value, datetime):
            raise ValueError("must be a date and time (or just a time) because start has a time")
        return value
    if text is None:
        return start
    if _TIME.match(text.strip()):
        raise ValueError("must be a date (the last day) because start is a date")
    value = _parse_when(text, zone, explicit_zone=True, site_zone=zone)
    if isinstance(value, datetime):
        raise ValueError("must be a date (the last day) because start is a date")
    return value


def file_hash(data: bytes) -> str:
    """The content identity of a file: ETags and caches key on it."""
    return hashlib.sha256(data).hexdigest()[:20]


def normalize_tag(value: str) -> str:
    """How tags are compared in filters: case- and accent-insensitive."""
    return unicodedata.normalize("NFKC", value).casefold().strip()


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the front matter, for editors."""
    schema = EventFields.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["description"] = "YAML front matter of one event file of the training calendar."
    return schema
