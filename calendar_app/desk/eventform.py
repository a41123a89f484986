"""The event form: every field of an event file as a form control, and the way back.

`FORM_FIELDS` is the one list of controls; a test checks it names every field of the model,
so a field added to `EventFields` cannot be forgotten here. Form values are plain text keyed
by dotted names (`location.city`), as a browser posts them; `values_from_data` and
`data_from_values` convert between them and front matter as written in files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.config import SiteConfig
from ..core.errors import Problem
from ..core.model import FIELD_NAMES, Status, trim_edges

BODY = "description"


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    # text, textarea, select, tags, lines, choices, check, tristate, number; `when` (a date, a time,
    # or both, and a text for anything else a file takes) and `date` (a day, or the text typed)
    kind: str = "text"
    help: str = ""
    required: bool = False
    group: str = "Event"

    @property
    def key(self) -> str:
        """The top-level front-matter key this control writes."""
        return self.name.split(".", 1)[0]

    @property
    def dom_id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")


FORM_FIELDS: tuple[FormField, ...] = (
    FormField("title", "Title", required=True, help="As it should appear in the listing; one line.", group="What"),
    FormField("type", "Type", "select", required=True, group="What"),
    FormField("url", "Event web page", help="https://...", group="What"),
    FormField(
        "start",
        "Start",
        "when",
        required=True,
        help="A date alone for an all-day event, a date and a time for a timed one.",
        group="When",
    ),
    FormField(
        "end", "End", "when", help="The last day, a date and time, or just a time on the start day.", group="When"
    ),
    FormField(
        "timezone", "Time zone", help="An IANA name such as America/Chicago; empty for the site's.", group="When"
    ),
    FormField("repeat", "Repeat", help="An RFC 5545 rule, such as FREQ=WEEKLY;BYDAY=WE;COUNT=4.", group="When"),
    FormField("except", "Skipped occurrences", "lines", help="One start per line, written like Start.", group="When"),
    FormField("extra", "Extra dates", "lines", help="Sessions the rule does not give, one a line.", group="When"),
    FormField("location.venue", "Venue", group="Where"),
    FormField("location.address", "Street address", group="Where"),
    FormField("location.city", "City", group="Where"),
    FormField("location.region", "State or region", help="Such as SC.", group="Where"),
    FormField("location.postal_code", "Postal code", group="Where"),
    FormField("location.country", "Country", help="A country code such as US.", group="Where"),
    FormField("online", "Online event", "check", group="Online"),
    FormField("online.url", "Join or registration page", help="https://...", group="Online"),
    FormField("online.platform", "Platform", help="Such as Zoom or Microsoft Teams.", group="Online"),
    FormField("registration.url", "Registration page", help="https://...", group="Registration"),
    FormField("registration.deadline", "Registration deadline", "date", help="The last day.", group="Registration"),
    FormField("registration.cost", "Cost", help="Free text such as Free or $150.", group="Registration"),
    FormField("organizer.name", "Organizer", group="Organizer"),
    FormField("organizer.email", "Organizer e-mail", group="Organizer"),
    FormField("organizer.phone", "Organizer phone", group="Organizer"),
    FormField("sponsors", "Sponsors", "tags", help="Comma separated, such as OVC, OJJDP.", group="Organizer"),
    FormField(BODY, "Description", "textarea", help="Markdown.", group="Description"),
    FormField("topics", "Topics", "tags", help="Comma separated.", group="Audience"),
    FormField(
        "audience", "Audience", "tags", help="Comma separated, such as law enforcement, prosecutors.", group="Audience"
    ),
    FormField("language", "Language", help="A language tag such as en or es; empty for the site's.", group="Audience"),
    FormField("credits", "Continuing-education credit", help="Such as CLE 3.0.", group="Audience"),
    FormField("recording", "Recording will be posted", "tristate", group="Audience"),
    FormField("accessibility", "Accessibility", "choices", group="Audience"),
    FormField("status", "Status", "select", group="Status"),
    FormField(
        "status_note",
        "Status note",
        help="Why the event was cancelled or postponed; shown on its page.",
        group="Status",
    ),
    FormField("featured", "Featured", "check", group="Status"),
    FormField("observances", "Observances", "choices", group="Status"),
    FormField("uid", "UID", help="Stable identity in feeds; leave empty to have one made.", group="Identity"),
    FormField(
        "sequence", "Sequence", "number", help="Raised by itself when time, place or status change.", group="Identity"
    ),
)
FIELDS_BY_NAME = {f.name: f for f in FORM_FIELDS}
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}

FormValues = dict[str, str]


def choices_for(field: FormField, config: SiteConfig) -> list[tuple[str, str]]:
    """(value, label) pairs of a select or choice group."""
    if field.name == "type":
        return [(t, t) for t in config.types]
    if field.name == "status":
        return [(s.value, s.value) for s in Status]
    if field.name == "accessibility":
        return [(a, a) for a in config.accessibility]
    if field.name == "observances":
        return [(o.id, o.name) for o in config.observances]
    if field.kind == "tristate":
        return [("", "Not said"), ("yes", "Yes"), ("no", "No")]
    return []


def empty_values() -> FormValues:
    return {**{f.name: "" for f in FORM_FIELDS}, "status": Status.SCHEDULED.value}


def values_from_data(data: Mapping[str, Any], body: str) -> FormValues:
    """Form values for front matter `data` (values as written) and the Markdown body."""
    values = empty_values()
    for field in FORM_FIELDS:
        if field.name == BODY:
            values[BODY] = body
            continue
        raw = _lookup(data, field.name)
        if field.name == "online":
            raw = (
                "on"
                if data.get("online") not in (None, "", False) and str(data.get("online")).lower() not in _FALSE
                else ""
            )
        values[field.name] = _as_text(field, raw)
    values["status"] = values["status"] or Status.SCHEDULED.value  # what a browser posts for "not said"
    return values


def _lookup(data: Mapping[str, Any], name: str) -> Any:
    value: Any = data
    for part in name.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _as_text(field: FormField, raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, list):
        return ("\n" if field.kind == "lines" else ", ").join(str(v) for v in raw)
    text = str(raw)
    if field.kind == "tristate":
        return "yes" if text.lower() in _TRUE else "no" if text.lower() in _FALSE else text
    if field.kind == "check":
        return "on" if text.lower() in _TRUE else ""
    return text


def values_from_form(items: Mapping[str, Any]) -> FormValues:
    """Form values from a posted form (a Starlette FormData or a plain dict of strings)."""
    values = empty_values()
    for field in FORM_FIELDS:
        if field.kind == "choices" and hasattr(items, "getlist"):
            values[field.name] = ", ".join(str(v) for v in items.getlist(field.name))
        elif field.kind == "when":
            values[field.name] = joined_when(items, field.name)
        else:
            raw = items.get(field.name, "")
            values[field.name] = raw if isinstance(raw, str) else ""
    values[BODY] = values[BODY].replace("\r\n", "\n")
    return values


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"\d{2}:\d{2}")


def joined_when(items: Mapping[str, Any], name: str) -> str:
    """A start or end as posted: the text typed out, else the date and the time joined.

    The native date and time controls (`start.date`, `start.time`) cover what most events need;
    the text beside them (`start`) takes anything else an event file accepts, such as an offset.
    """
    def posted(key: str) -> str:
        raw = items.get(key, "")
        return raw.strip() if isinstance(raw, str) else ""

    if text := posted(name):
        return text
    return " ".join(part for part in (posted(f"{name}.date"), posted(f"{name}.time")) if part)


def when_parts(value: str) -> tuple[str, str, str]:
    """(date, time, text) as the form shows a start or end: the text only for what the native
    controls cannot hold (an offset, seconds, a value that is not a date at all)."""
    day, _, clock = value.strip().partition(" ")
    if _DAY.fullmatch(day) and (not clock or _CLOCK.fullmatch(clock)):
        return day, clock, ""
    if _CLOCK.fullmatch(day) and not clock:  # an end on the start day
        return "", day, ""
    return "", "", value


def is_day(value: str) -> bool:
    """Whether a native date control can show `value` (empty, or YYYY-MM-DD)."""
    return not value.strip() or bool(_DAY.fullmatch(value.strip()))


def data_from_values(values: Mapping[str, str]) -> dict[str, Any]:
    """Front matter in the documented field order (empty fields left out) from form values."""
    data: dict[str, Any] = {}
    for field in FORM_FIELDS:
        if field.name in (BODY, "online") or field.name.startswith("online."):
            continue
        value = _from_text(field, values.get(field.name, ""))
        if value is None or (field.name == "status" and value == Status.SCHEDULED.value):
            continue  # the default status is not written out
        if "." in field.name:
            parent, child = field.name.split(".", 1)
            data.setdefault(parent, {})[child] = value
        else:
            data[field.name] = value
    online = {k: trim_edges(values.get(f"online.{k}", "")) for k in ("url", "platform")}
    online = {k: v for k, v in online.items() if v}
    if online:
        data["online"] = online
    elif values.get("online", "").strip().lower() in _TRUE:
        data["online"] = True
    order = {name: i for i, name in enumerate(FIELD_NAMES)}
    return dict(sorted(data.items(), key=lambda kv: order.get(kv[0], len(order))))


def _from_text(field: FormField, text: str) -> Any:
    # Trimmed as the model trims (spaces, a byte-order mark, zero-width spaces) before writing, so
    # the file holds the value the site shows, and a title of 200 characters pasted with a
    # zero-width space after it is not refused as too long.
    text = trim_edges(text)
    if not text:
        return None
    if field.kind in ("tags", "choices"):
        return [t for t in map(trim_edges, re.split(r"[,\n]", text)) if t] or None
    if field.kind == "lines":
        return [t for t in map(trim_edges, re.split(r"[\n,]", text)) if t] or None
    if field.kind == "check":
        return True if text.lower() in _TRUE else None
    if field.kind == "tristate":
        return True if text.lower() in _TRUE else False if text.lower() in _FALSE else text
    if field.kind == "number":
        return int(text) if text.isdigit() else text
    return text


def changed_fields(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """Names of the controls whose value differs, in form order."""
    return [f.name for f in FORM_FIELDS if _compared(f, before.get(f.name, "")) != _compared(f, after.get(f.name, ""))]


def _compared(field: FormField, text: str) -> Any:
    if field.kind == "choices":
        # The boxes ticked, in any order: the form shows them in the site's order, so a file that
        # lists them in another (`accessibility: [asl, captions]`) would otherwise be rewritten
        # when it is opened and saved unchanged.
        return sorted(_from_text(field, text) or [])
    return text.strip()


def field_for_problem(problem: Problem, body_line: int | None = None) -> str | None:
    """The form control a validation problem belongs beside, or None for the page's top."""
    if problem.field:
        name = re.sub(r"\[\d+\]", "", problem.field)
        while name:
            if name in FIELDS_BY_NAME:
                return name
            if f"{name}.url" in FIELDS_BY_NAME:  # a whole group such as `registration` is wrong
                return f"{name}.url"
            first = next((f.name for f in FORM_FIELDS if f.name.startswith(f"{name}.")), None)
            if first:  # a group without a url, such as a `location` that is missing: its first control
                return first
            name = name.rpartition(".")[0]
        return None
    if body_line is not None and problem.line is not None and problem.line >= body_line:
        return BODY
    return None


def errors_by_field(problems: list[Problem], body_line: int | None = None) -> tuple[dict[str, list[str]], list[str]]:
    """Problems grouped by form control, and those that belong to no control."""
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for problem in problems:
        text = problem.explained
        name = field_for_problem(problem, body_line)
        if name is None:
            general.append(text)
        else:
            by_field.setdefault(name, []).append(text)
    return by_field, general
