"""The event form and its preview as the templates show them (shared by manage, pending, suggest)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ..core.config import SiteConfig
from ..core.errors import Problem
from ..core.model import Event
from ..desk.eventform import (
    FORM_FIELDS,
    FormField,
    FormValues,
    choices_for,
    errors_by_field,
    is_day,
    when_parts,
)
from ..files.site import Site
from ..render.entries import entry
from ..render.eventpage import event_context
from ..render.frame import site_context
from ..render.rendering import environment

# What the public may fill in when suggesting an event; identity, status and highlighting
# are the coordinators' to decide.
SUGGEST_FIELDS = tuple(
    f for f in FORM_FIELDS
    if f.name not in ("status", "status_note", "featured", "observances", "uid", "sequence", "repeat", "except")
)


@dataclass(frozen=True)
class Control:
    field: FormField
    value: str
    errors: list[str]
    choices: list[tuple[str, str]]
    locked: bool = False  # shown, not changed: the uid of a published event

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


@dataclass
class FormView:
    groups: list[tuple[str, list[Control]]]
    general: list[str] = field(default_factory=list)
    extra_errors: dict[str, list[str]] = field(default_factory=dict)  # slug, reason... beside their own controls

    @property
    def has_errors(self) -> bool:
        return bool(self.general or self.extra_errors or any(c.errors for _, cs in self.groups for c in cs))

    @property
    def error_count(self) -> int:
        return len(self.general) + sum(len(v) for v in self.extra_errors.values()) + sum(
            len(c.errors) for _, cs in self.groups for c in cs
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
) -> FormView:
    """Controls grouped as the form shows them, each with its value and the problems beside it."""
    extra: dict[str, list[str]] = {}
    rest: list[Problem] = []
    for problem in problems or []:
        if problem.field in EXTRA_CONTROLS:
            extra.setdefault(problem.field, []).append(problem.explained)
        else:
            rest.append(problem)
    by_field, loose = errors_by_field(rest, body_line)
    shown = {f.name for f in fields}
    for name in [n for n in by_field if n not in shown]:
        loose.extend(f"{name}: {message}" for message in by_field.pop(name))
    groups: dict[str, list[Control]] = {}
    for f in fields:
        control = Control(f, values.get(f.name, ""), by_field.get(f.name, []), choices_for(f, config), f.name in locked)
        groups.setdefault(f.group, []).append(control)
    return FormView(list(groups.items()), [*(general or []), *loose], extra)


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
