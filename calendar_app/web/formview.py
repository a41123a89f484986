"""The event form and its preview as the templates show them (shared by manage, pending, suggest)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any

from markupsafe import Markup
from pydantic import ValidationError

from ..core.config import SiteConfig
from ..core.errors import Problem
from ..core.fields import EventFields, Status
from ..core.model import Event, EventInvalid, build_event
from ..core.when import as_instant
from ..desk.eventform import (
    CHANGE_KEYS,
    FORM_FIELDS,
    FormField,
    FormValues,
    change_row_of,
    change_rows,
    choices_for,
    data_from_values,
    errors_by_field,
    in_form_words,
    is_day,
    when_parts,
)
from ..files.site import Site
from ..render.entries import entry
from ..render.eventpage import event_context
from ..render.frame import site_context
from ..render.phrasing import clock_text, day_text
from ..render.rendering import environment

# What the public may fill in when suggesting an event; identity, status and highlighting
# are the coordinators' to decide.
SUGGEST_FIELDS = tuple(
    f for f in FORM_FIELDS
    if f.name not in (
        "status", "status_note", "featured", "observances", "uid", "sequence", "repeat", "except", "changes",
        "source",
    )
)

# The labels of a changed session's controls, and the names its problems are told under.
CHANGE_LABELS = {
    "occurrence": "Session",
    "start": "New start",
    "end": "New end",
    "title": "Own title",
    "status": "Status",
    "status_note": "Status note",
}
SESSIONS_LISTED = 60  # the sessions a row's list offers, from today on; any other is typed out
_SESSIONS_WALKED = 10_000  # an endless series begun long ago: beyond this, sessions are typed out


@dataclass(frozen=True)
class ChangeRow:
    """One row of Changed sessions: an entry of `changes`, or an empty row to add one."""

    index: int
    values: dict[str, str]
    errors: dict[str, list[str]]  # by key of the entry; "" for the entry as a whole
    sessions: list[tuple[str, str]]  # (start as a file writes it, in words) of the series' sessions
    statuses: list[tuple[str, str]]

    @property
    def name(self) -> str:
        return f"changes.{self.index}"

    @property
    def dom_id(self) -> str:
        return f"f-changes-{self.index}"

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def labels(self) -> dict[str, str]:
        return CHANGE_LABELS

    @property
    def blank(self) -> bool:
        return not self.values

    @property
    def chosen(self) -> str:
        """The session as the list shows it; empty when it is typed out instead."""
        value = self.values.get("occurrence", "")
        return value if any(value == v for v, _ in self.sessions) else ""

    @property
    def typed(self) -> str:
        """The session as typed out: what the list does not hold."""
        return "" if self.chosen else self.values.get("occurrence", "")

    def parts(self, key: str) -> tuple[str, str, str]:
        """A new start or end as its date, time and text controls show it."""
        return when_parts(self.values.get(key, ""))

    def focus_id(self, key: str) -> str:
        """The element a link to a problem with `key` leads to."""
        if key == "occurrence":
            return f"{self.dom_id}-occurrence" + ("-text" if self.typed or not self.sessions else "")
        if key in ("start", "end") and self.parts(key)[2]:
            return f"{self.dom_id}-{key}-text"
        if key in CHANGE_LABELS:
            return f"{self.dom_id}-{key.replace('_', '-')}"
        return self.dom_id

    @property
    def loose_errors(self) -> list[str]:
        """The problems with the row as a whole, or with a key the form has no control for."""
        return [
            *self.errors.get("", []),
            *(f"{key}: {m}" for key, ms in self.errors.items() if key and key not in CHANGE_LABELS for m in ms),
        ]

    @property
    def summary(self) -> list[tuple[str, str, str]]:
        """(element id, label, message) of each problem, for the list at the top of the form."""
        label = f"Session change {self.number}"
        out = [(self.dom_id, label, m) for m in self.loose_errors]
        for key in CHANGE_KEYS:
            named = CHANGE_LABELS.get(key, key).lower()
            out += [(self.focus_id(key), f"{label}, {named}", m) for m in self.errors.get(key, [])]
        return out


@dataclass(frozen=True)
class Control:
    field: FormField
    value: str
    errors: list[str]
    choices: list[tuple[str, str]]
    locked: bool = False  # shown, not changed: the uid of a published event
    rows: tuple[ChangeRow, ...] = ()  # Changed sessions: one row per entry, then empty ones
    adds_rows: bool = False  # an "Add another" button the page's route answers
    folded: bool = False  # Changed sessions of an event that does not repeat: out of the way
    note: str = ""  # what a control that is shown, never edited, says (Imported from)

    @property
    def selected(self) -> list[str]:
        return [v.strip() for v in self.value.split(",") if v.strip()]

    @property
    def parts(self) -> tuple[str, str, str]:
        """A start or end as its date, time and text controls show it (`eventform.when_parts`)."""
        return when_parts(self.value)

    @property
    def native_day(self) -> bool:
        """Whether the value fits a native date control; else a text control keeps it as typed."""
        return is_day(self.value)

    @property
    def focus_id(self) -> str:
        """The element a link to this control's problems leads to."""
        if self.field.kind == "when" and self.parts[2]:
            return self.field.dom_id + "-text"
        return self.field.dom_id

    @property
    def summary(self) -> list[tuple[str, str, str]]:
        """(element id, label, message) of each problem, for the list at the top of the form."""
        out = [(self.focus_id, self.field.label, e) for e in self.errors]
        for row in self.rows:
            out += row.summary
        return out


@dataclass
class FormView:
    groups: list[tuple[str, list[Control]]]
    general: list[str] = field(default_factory=list)
    extra_errors: dict[str, list[str]] = field(default_factory=dict)  # slug, reason... beside their own controls

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    @property
    def adds_rows(self) -> bool:
        """Whether the form has a button of its own besides the page's (Add another session change)."""
        return any(c.adds_rows for _, cs in self.groups for c in cs)

    @property
    def error_count(self) -> int:
        return len(self.general) + sum(len(v) for v in self.extra_errors.values()) + sum(
            len(c.summary) for _, cs in self.groups for c in cs
        )


EXTRA_CONTROLS = ("slug", "reason", "name", "email", "allow_rewrite")


def form_view(
    values: FormValues,
    config: SiteConfig,
    problems: list[Problem] | None = None,
    body_line: int | None = None,
    fields: tuple[FormField, ...] = FORM_FIELDS,
    general: list[str] | None = None,
    locked: frozenset[str] = frozenset(),
    *,
    today: date | None = None,
    blank_rows: int | None = None,
    adds_rows: bool = False,
) -> FormView:
    """Controls grouped as the form shows them, each with its value and the problems beside it.

    Changed sessions shows a row per entry of `changes`, then `blank_rows` empty ones (by default
    one, none for an event that does not repeat); its list of sessions starts at `today` (at the
    series' first without it). `adds_rows` shows the button that asks for one more empty row
    (`action=add-change`), for the pages whose route answers it.
    """
    extra: dict[str, list[str]] = {}
    rest: list[Problem] = []
    by_row: dict[int, dict[str, list[str]]] = {}
    for problem in problems or []:
        place = change_row_of(problem)
        if problem.field in EXTRA_CONTROLS:
            extra.setdefault(problem.field, []).append(problem.explained)
        elif place is not None:
            by_row.setdefault(place[0], {}).setdefault(place[1], []).append(in_form_words(problem.explained))
        else:
            rest.append(problem)
    by_field, loose = errors_by_field(rest, body_line)
    shown = {f.name for f in fields}
    for name in [n for n in by_field if n not in shown]:
        loose.extend(f"{name}: {message}" for message in by_field.pop(name))
    groups: dict[str, list[Control]] = {}
    for f in fields:
        errors = by_field.get(f.name, [])
        if f.kind == "kept":
            if not values.get(f.name, "").strip() and not errors:
                continue  # an event made on this site: nothing to say
            control = Control(f, values.get(f.name, ""), errors, [], locked=True,
                              note=imported_note(values.get(f.name, ""), config))
        elif f.kind != "changes":
            control = Control(f, values.get(f.name, ""), errors, choices_for(f, config), f.name in locked)
        else:
            errors = [in_form_words(e) for e in errors]
            control = _changes_control(f, values, config, errors, by_row, today, blank_rows, adds_rows)
        groups.setdefault(f.group, []).append(control)
    for index, messages in sorted(by_row.items()):  # a form without Changed sessions
        loose.extend(f"changes[{index}]: {m}" for ms in messages.values() for m in ms)
    return FormView(list(groups.items()), [*(general or []), *loose], extra)


# Who wins when the partner's calendar and this site both changed a field, in a coordinator's words.
AUTHORITY_WORDS = {
    "fields": "a field changed here keeps your value; the calendar's changes to the other fields still come in",
    "local": "once the event is edited here, nothing more of the calendar's is applied to it",
    "source": "the calendar's changes win over edits made here",
}


def imported_note(value: str, config: SiteConfig) -> str:
    """'Imported from OVC TTAC (uid …); edits to fields follow the source's authority, …': where a
    synced event came from (its `source:` as the form holds it) and what becomes of edits."""
    data = data_from_values({"source": value}).get("source")
    if not isinstance(data, dict):
        return f"Where this event came from cannot be read ({value}); the file's problems say why."
    source_id, uid = str(data.get("id", "")), str(data.get("uid", ""))
    source = config.source(source_id)
    if source is None:  # the server reads calendar.toml when it starts: it may be newer, or the source gone
        return (f"Imported from {source_id} (uid {uid}) by calendar sync. {source_id} is not among the partner "
                "calendars this server was started with; restart the server after changing calendar.toml. "
                "A source no longer in calendar.toml does not change its events, and edits here are kept.")
    return (f"Imported from {source.name} (uid {uid}) by calendar sync. Edits to fields follow the source's "
            f"authority, {source.authority}: {AUTHORITY_WORDS[source.authority]}.")


def _changes_control(
    f: FormField,
    values: FormValues,
    config: SiteConfig,
    errors: list[str],
    by_row: dict[int, dict[str, list[str]]],
    today: date | None,
    blank_rows: int | None,
    adds_rows: bool,
) -> Control:
    """Changed sessions: a row per entry, each with the problems of its own entry beside it."""
    entries = change_rows(values.get(f.name, ""))
    repeats = bool(values.get("repeat", "").strip())
    # An event that does not repeat has nothing to change yet: its rows are out of the way, and
    # where the form has the button, there are none until it is pressed.
    folded = not entries and not errors and not repeats and blank_rows is None
    if blank_rows is None:
        blank_rows = 0 if folded and adds_rows else 1
    listed = series_sessions(values, config, today) if entries or repeats else []
    statuses = [("", "Unchanged"), (Status.CANCELLED.value, "Cancelled"), (Status.TENTATIVE.value, "Tentative")]
    if values.get("status", "") not in ("", Status.SCHEDULED.value):  # confirmed, in a tentative series
        statuses.append((Status.SCHEDULED.value, "Scheduled"))
    rows = []
    for index, row in enumerate([*entries, *({} for _ in range(max(blank_rows, 0)))]):
        sessions = listed
        own = row.get("occurrence", "")
        if own and own not in (v for v, _ in listed) and _as_listed(own):
            sessions = [(own, session_label(own)), *listed]  # a past session, say: shown, not typed out
        rows.append(ChangeRow(index, row, by_row.pop(index, {}), sessions, statuses))
    for index, messages in sorted(by_row.items()):  # no such row: said at the top of the control
        errors += [f"session change {index + 1}: {m}" for ms in messages.values() for m in ms]
    by_row.clear()
    return Control(f, values.get(f.name, ""), errors, [], rows=tuple(rows), adds_rows=adds_rows, folded=folded)


_LISTED = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?")


def _as_listed(text: str) -> bool:
    """Whether `text` is written as the list of sessions writes one (else it is shown typed out)."""
    return bool(_LISTED.fullmatch(text))


def session_label(text: str) -> str:
    """A session's start in words ('Wednesday, January 27, 2027, 1 p.m.'), or as written."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    words = day_text(moment.date(), weekday=True)
    return words if len(text) == 10 else f"{words}, {clock_text(moment)}"


def series_sessions(values: FormValues, config: SiteConfig, today: date | None = None) -> list[tuple[str, str]]:
    """The sessions of the series the form describes (its rule, less Skipped occurrences, with Extra
    dates) that are not over by `today`, as (start as a file writes it, in words); none when the
    form has no valid series yet."""
    series = _series(values, config)
    if series is None:
        return []
    found: list[tuple[str, str]] = []
    threshold = as_instant(today, series.zone) if today is not None else None
    for occurrence in islice(series.occurrences(), _SESSIONS_WALKED):
        end = occurrence.end + timedelta(days=1) if series.all_day else occurrence.end
        if threshold is not None and as_instant(end, series.zone) <= threshold:
            continue
        start = occurrence.start
        if isinstance(start, datetime):
            text = start.strftime("%Y-%m-%d %H:%M:%S" if start.second else "%Y-%m-%d %H:%M")
        else:
            text = start.isoformat()
        found.append((text, session_label(text) + (" (extra date)" if occurrence.extra else "")))
        if len(found) == SESSIONS_LISTED:
            break
    return found


_SERIES_KEYS = ("start", "end", "timezone", "repeat", "except", "extra")


def _series(values: FormValues, config: SiteConfig) -> Event | None:
    """The series alone (no title, place or changes), or None while it is not a valid one."""
    data = data_from_values(values)
    if "repeat" not in data:
        return None
    series = {key: data[key] for key in _SERIES_KEYS if key in data}
    try:
        fields = EventFields.model_validate({"title": "Series", "type": "observance", **series})
        return build_event(fields, slug="series", path="series", body="", config=config,
                           last_modified=datetime(2000, 1, 1, tzinfo=UTC), content_hash="")
    except (ValidationError, EventInvalid):
        return None


def preview(site: Site, event: Event) -> dict[str, Any]:
    """The listing entry and the event page as they will look once saved."""
    today = site.clock.today()
    catalog = site.catalog
    html = environment().get_template("event.html").render(
        **site_context(site.config), **event_context(catalog, site.config, event, today)
    )
    # The page's own frame (header, footer) is this page's; only what is inside <main> is shown,
    # its headings one level down so the preview does not compete with the page's own h1.
    match = _MAIN.search(html)
    inside = match.group(1) if match else ""
    page = Markup(_H1.sub(lambda m: f"<{m.group(1)}h2", inside))
    return {"entry": entry(catalog, event, today), "page": page}


_MAIN = re.compile(r"<main\b[^>]*>(.*)</main>", re.S)
_H1 = re.compile(r"<(/?)h1\b")
