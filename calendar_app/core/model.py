"""The event: what a file's front matter may say (`EventFields`) and the checked result (`Event`).

`EventFields` is the schema of the front matter as people write it (every scalar arrives as
the text they typed); its JSON Schema is what `calendar-app schema` prints. `build_event`
turns it into an `Event`: typed, time-zone aware, cross-checked, and frozen. Every output
(feed, pages, API, static build) reads `Event`; nothing downstream parses files again.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
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
from .recurrence import last_occurrence, parse_rule, parts_of, skips_every_occurrence, tail_from
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
    uid: Line | None = Field(default=None, description="Stable identity in feeds; derived from the slug if absent.")
    sequence: Annotated[int, Field(ge=0, le=1_000_000)] = Field(
        default=0, description="Revision number calendar apps compare; raised when time, place or status change."
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

    @property
    def last_date(self) -> date:
        """The last day the whole series touches (a far date for a rule without an end)."""
        if self.rule is None:
            return self.end if self.all_day else _last_day(self.start, self.end)  # type: ignore[arg-type]
        last = last_occurrence(self.rule)
        if last is None:
            return date.max
        return _last_day(last, last + self.duration) if not self.all_day else (
            last.date() + self.duration - timedelta(days=1)
        )

    @cached_property
    def search_text(self) -> str:
        """Lower-cased text the listing's free-text search looks in."""
        f = self.fields
        place = f.location.one_line() if f.location else ""
        words = [f.title, self.body, place, *f.topics, *f.audience, *f.sponsors, f.type]
        return " ".join(words).casefold()

    def starts(self) -> Iterator[When]:
        """The start of every occurrence in order, skipped ones left out, in the event's own form
        (a date, or an aware datetime in its zone): the series walked from its first session."""
        return self._own_starts(self.rule) if self.rule is not None else iter((self.start,))

    def occurs_between(self, after: datetime | None, before: datetime | None) -> bool:
        """Whether an occurrence overlaps [after, before) (None: no bound on that side).

        Stops at the first one, and starts looking near `after` (see `recurrence`): what it
        costs does not grow with how far apart the two are, or how far from the series' start.
        """
        if self.rule is None:
            begin = as_instant(self.start, self.zone)
            return (before is None or begin < before) and (after is None or _ends_after(begin, self.duration, after))
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

    def _own_starts(self, naive_starts: Iterable[datetime]) -> Iterator[When]:
        """The rule's starts (naive, in the event's wall time) in the event's own form, skipped ones left out."""
        excluded = set(self.exdates)
        for naive in naive_starts:
            start: When = naive.date() if self.all_day else naive.replace(tzinfo=self.zone)
            if start not in excluded:
                yield start


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
    exdates: list[When] = []
    if fields.repeat is not None and start is not None:
        try:
            rule = parse_rule(fields.repeat, start)
        except ValueError as exc:
            fail(("repeat",), str(exc), "write an RFC 5545 rule such as FREQ=WEEKLY;BYDAY=TU;COUNT=6")
    if fields.except_ and fields.repeat is None:
        fail(("except",), "skipped occurrences need a `repeat` rule")
    for i, text in enumerate(fields.except_):
        if start is None or rule is None:
            break
        try:
            skipped = _parse_when(text, zone, explicit_zone=True, site_zone=config.zone)
        except ValueError as exc:
            fail(("except", i), str(exc))
            continue
        if isinstance(skipped, datetime) != (not all_day):
            fail(("except", i), "must be the same kind as start (a date, or a date and time)")
            continue
        probe = (
            skipped.astimezone(zone).replace(tzinfo=None) if isinstance(skipped, datetime)
            else datetime.combine(skipped, time(0))
        )
        if probe not in rule.between(probe - timedelta(seconds=1), probe + timedelta(seconds=1), inc=True):
            fail(("except", i), f"{text} is not an occurrence of the repeat rule")
            continue
        exdates.append(skipped)
    if rule is not None and exdates and skips_every_occurrence(rule, exdates, zone):
        fail(("except",), "skips every occurrence of the repeat rule",
             "remove a date from `except`, or cancel the event with `status: cancelled`")

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
    )


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
