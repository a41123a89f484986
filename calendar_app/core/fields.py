"""What an event file's front matter may say: its fields, their types and checks (`EventFields`).

`EventFields` is the schema of the front matter as people write it (every scalar arrives as the
text they typed), checked by pydantic; its JSON Schema is what `calendar-app schema` prints. A
problem is a ValueError whose text becomes the message after "field: ". What one field cannot
check alone (time order, the rule's dates) is checked when the event is built (`core/model.py`);
the event then keeps the fields as `core/checked.py`'s plain objects, not these models.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from enum import Enum
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

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
from .recurrence import MAX_OCCURRENCES
from .when import readable_when
from .zones import check_zone_name

_SPACE = re.compile(r"\s")
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


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


class Online(_Part):
    url: Url | None = Field(default=None, description="Join or registration page of the online event.")
    platform: Line | None = Field(default=None, description="Such as Zoom or Microsoft Teams.")


class Registration(_Part):
    url: Url | None = None
    deadline: DateText | None = None
    cost: Line | None = Field(default=None, description="Free text such as 'Free' or '$150'.")


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
        return readable_when(value)

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
        return readable_when(value)


def _config(info: ValidationInfo) -> SiteConfig | None:
    return (info.context or {}).get("config")


FIELD_NAMES: tuple[str, ...] = tuple(
    (f.alias or name) for name, f in EventFields.model_fields.items()
)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the front matter, for editors."""
    schema = EventFields.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["description"] = "YAML front matter of one event file of the training calendar."
    return schema


def normalize_tag(value: str) -> str:
    """How tags are compared in filters: case- and accent-insensitive."""
    return unicodedata.normalize("NFKC", value).casefold().strip()
