"""The event form: every field of an event file as a form control, and the way back.

`FORM_FIELDS` is the one list of controls; a test checks it names every field of the model,
so a field added to `EventFields` cannot be forgotten here. Form values are plain text keyed
by dotted names (`location.city`), as a browser posts them; `values_from_data` and
`data_from_values` convert between them and front matter as written in files.

`changes` (sessions of a series moved, retitled or cancelled) is a list of small mappings: the
form shows it as rows of controls (`changes.0.occurrence`, `changes.0.start.date`...), and its
value is the list as JSON, so that it passes through every place a form value goes as one text.

`source` (where `calendar-app sync` brought the event from) is shown, never edited: its value is
the mapping as JSON too, but `values_from_form` never reads it from a posted form. The routes that
save a file or a queued item carry it over from what is on disk, so a save keeps it as it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.config import SiteConfig
from ..core.errors import Problem
from ..core.fields import FIELD_NAMES, OccurrenceChangeFields, Status, trim_edges

BODY = "description"


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    # text, textarea, select, tags, lines, choices, check, tristate, number; `when` (a date, a time,
    # or both, and a text for anything else a file takes), `date` (a day, or the text typed),
    # `changes` (rows of `CHANGE_KEYS`, one per session changed) and `kept` (shown, never posted)
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
    # First, so the form opens with where the event came from and who wins when both change it.
    FormField("source", "Imported from", "kept", group="Imported"),
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
    FormField(
        "changes",
        "Changed sessions",
        "changes",
        help="One session of the series moved, given its own title, or cancelled: one row each. "
        "A row left empty adds nothing.",
        group="When",
    ),
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
    if field.kind in ("changes", "kept"):
        return changes_text(raw)
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
        elif field.kind == "changes":
            rows = _posted_change_rows(items)
            values[field.name] = changes_text([row for row, removed in rows if row and not removed])
        elif field.kind == "kept":
            continue  # not the form's to set: the route carries it over from the file or the queued item
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
    if field.kind == "changes":
        return _changes_data(text)
    if field.kind == "kept":
        return _kept_data(text)
    return text


def _kept_data(text: str) -> Any:
    """A kept value (`source`) as front matter: the mapping its JSON holds, as the file had it."""
    try:
        return json.loads(text)
    except ValueError:
        return text  # not made by the form: written as it is, for the validator to name


def changed_fields(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """Names of the controls whose value differs, in form order."""
    return [f.name for f in FORM_FIELDS if _compared(f, before.get(f.name, "")) != _compared(f, after.get(f.name, ""))]


def _compared(field: FormField, text: str) -> Any:
    if field.kind == "choices":
        # The boxes ticked, in any order: the form shows them in the site's order, so a file that
        # lists them in another (`accessibility: [asl, captions]`) would otherwise be rewritten
        # when it is opened and saved unchanged.
        return sorted(_from_text(field, text) or [])
    if field.kind in ("changes", "kept"):
        # What the rows say, not how the JSON is spaced: a file's keys in another order than the
        # form posts them are the same change, and saving it unchanged must not rewrite it.
        return _from_text(field, text)
    return text.strip()


# --- changed sessions --------------------------------------------------------------------------

CHANGE_KEYS: tuple[str, ...] = tuple(OccurrenceChangeFields.model_fields)  # occurrence, start, end, title...
CHANGE_WHEN_KEYS = ("start", "end")  # shown as a date, a time, and a text, as Start and End are
_CHANGE_ROW = re.compile(r"^changes\.(\d{1,4})\.")


def changes_text(raw: Any) -> str:
    """The value of the `changes` control: the list as JSON, or empty."""
    if raw in (None, "", [], {}):
        return ""
    return json.dumps(raw, ensure_ascii=False)


def _changes_data(text: str) -> Any:
    """The `changes` list as front matter: each entry without its empty keys, its values trimmed."""
    try:
        raw = json.loads(text)
    except ValueError:
        return text  # not made by the form: written as it is, for the validator to name
    if not isinstance(raw, list):
        return raw if raw not in (None, "", {}) else None
    entries = []
    for entry in raw:
        if isinstance(entry, dict):
            entry = {
                key: trim_edges(value) if isinstance(value, str) else value
                for key, value in entry.items()
                if value is not None and not (isinstance(value, str) and not trim_edges(value))
            }
        entries.append(entry)  # kept even when empty: problems name entries by their place in the list
    return entries or None


def change_rows(value: str) -> list[dict[str, str]]:
    """The `changes` control's value as rows of text, one per entry, keyed by `CHANGE_KEYS`
    (and any other key an entry of a file has)."""
    data = _changes_data(trim_edges(value)) if trim_edges(value) else None
    if not isinstance(data, list):
        return []

    def text(value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    rows = []
    for entry in data:
        if isinstance(entry, dict):
            rows.append({str(k): text(v) for k, v in entry.items()})
        elif entry is None:
            rows.append({})
        else:  # a bare value where a mapping belongs: most likely the session meant
            rows.append({"occurrence": text(entry)})
    return rows


def _posted_change_rows(items: Mapping[str, Any]) -> list[tuple[dict[str, str], bool]]:
    """Each row of the posted form in order, as (its filled-in keys, whether Remove is ticked).

    A row's session is its text when typed out, else the one chosen from the list; its new start
    and end are posted as Start and End are (`joined_when`).
    """
    def posted(key: str) -> str:
        raw = items.get(key, "")
        return trim_edges(raw) if isinstance(raw, str) else ""

    indices = sorted({int(m.group(1)) for key in items.keys() if (m := _CHANGE_ROW.match(str(key)))})
    rows = []
    for index in indices:
        name = f"changes.{index}"
        row: dict[str, str] = {}
        for key in CHANGE_KEYS:
            if key in CHANGE_WHEN_KEYS:
                text = trim_edges(joined_when(items, f"{name}.{key}"))
            elif key == "occurrence":
                text = posted(f"{name}.occurrence") or posted(f"{name}.occurrence.choice")
            else:
                text = posted(f"{name}.{key}")
            if text:
                row[key] = text
        rows.append((row, posted(f"{name}.remove").lower() in _TRUE))
    return rows


def blank_change_rows(items: Mapping[str, Any]) -> int:
    """How many rows of the posted form were left empty (and so are not in its value)."""
    return sum(1 for row, removed in _posted_change_rows(items) if not row and not removed)


_CHANGE_FIELD = re.compile(r"^changes\[(\d+)\](?:\.(\w+))?")


def change_row_of(problem: Problem) -> tuple[int, str] | None:
    """(row, key) of a problem with one entry of `changes` (`changes[1].occurrence`: (1, "occurrence");
    `changes[1]`: (1, "")), or None for any other problem."""
    match = _CHANGE_FIELD.match(problem.field or "")
    return (int(match.group(1)), match.group(2) or "") if match else None


# The keys of an event file that messages about changes name, in the form's words.
_FORM_WORDS = {
    "except": "Skipped occurrences",
    "extra": "Extra dates",
    "repeat": "Repeat",
    "status: cancelled": "status Cancelled",
    "tentative": "Tentative",
}
_FORM_PHRASES = {
    "skipped in `except`": "listed in Skipped occurrences",
    "the entry": "the row",
    "one entry per occurrence": "one row per session",
}


def in_form_words(text: str) -> str:
    """A message about `changes` as the form says it: rows rather than places in a list, the
    form's names rather than the file's keys in backquotes."""
    text = re.sub(r"changes\[(\d+)\]", lambda m: f"session change {int(m.group(1)) + 1}", text)
    for phrase, words in _FORM_PHRASES.items():
        text = text.replace(phrase, words)
    return re.sub(r"`([^`]+)`", lambda m: _FORM_WORDS.get(m.group(1), m.group(1)), text)


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
