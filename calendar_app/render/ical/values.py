"""What an event's VEVENTs say, as plain values derived from the event and the configuration alone.

Both ways of writing a VEVENT read these: `vevent.build_vevent` (icalendar objects, the
reference) and `vevent_writer` (content lines written straight, which feeds use). So the two
can differ only in how they write a value, never in what it is. What the values are, and why,
is described in `vevent`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from icalendar import vRecur

from ...core.config import SiteConfig
from ...core.fields import Status
from ...core.model import Event
from ...core.recurrence import parts_of
from ...core.when import When
from ..plaintext import markdown_to_text
from ..urls import SiteUrls

STATUS_WORDS = {
    Status.SCHEDULED: "CONFIRMED",
    Status.TENTATIVE: "TENTATIVE",
    Status.POSTPONED: "TENTATIVE",
    Status.CANCELLED: "CANCELLED",
}
# Apps that ignore STATUS (Outlook) or hide what it says still show the word in the title.
TITLE_PREFIX = {Status.POSTPONED: "Postponed: ", Status.CANCELLED: "Cancelled: "}
# TEXT (RFC 5545 3.3.11): every way of breaking a line becomes the escaped line break, and the
# other control characters, which TEXT may not hold, are dropped (see `vevent.Text`).
LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f]")
_COMMA = re.compile(r"\s*,\s*")


def published_sequence(event: Event) -> int:
    """The file's `sequence`, but at least 1 once an event is cancelled or postponed.

    A file written as cancelled without a `sequence` would otherwise publish SEQUENCE:0, the
    same as the scheduled event subscribers already hold, and apps may keep their copy.
    """
    if event.status in (Status.CANCELLED, Status.POSTPONED):
        return max(event.sequence, 1)
    return event.sequence


def as_dtstart(value: When) -> When:
    """A start in DTSTART's form: a date for all-day events, else the zone's time (see `unambiguous`)."""
    return unambiguous(value) if isinstance(value, datetime) else value


def unambiguous(moment: datetime) -> datetime:
    """`moment` as its zone's wall-clock time, or in UTC when that time would be read wrongly.

    A wall-clock time in the hour the clocks repeat means its first pass (RFC 5545 3.3.5), so
    an event at the second 01:30 of a November night is written as the instant it is.
    """
    if moment.fold and moment.replace(fold=0).utcoffset() != moment.utcoffset():
        return moment.astimezone(UTC)
    return moment


def recurrence(event: Event) -> vRecur:
    """The event's rule, with UNTIL in the form RFC 5545 asks for: UTC for timed events, a date otherwise."""
    assert event.fields.repeat is not None  # (called for a series only)
    return rule_with_until(event.fields.repeat, recurrence_until(event))


def recurrence_until(event: Event) -> date | datetime | None:
    """The series' UNTIL as RRULE writes it: a date for all-day events, else the instant in UTC."""
    assert event.rule is not None  # (called for a series only)
    until = parts_of(event.rule).until  # the until the site itself uses, as local wall time
    if until is None:
        return None
    return until.date() if event.all_day else until.replace(tzinfo=event.zone).astimezone(UTC)


def rule_text(repeat: str) -> str:
    """The file's `repeat` as RRULE's value: without spaces around it or an "RRULE:" before it."""
    return repeat.strip().removeprefix("RRULE:")


def rule_with_until(repeat: str, until: date | datetime | None) -> vRecur:
    """The file's `repeat` as icalendar's rule, its UNTIL replaced by `until` when there is one."""
    recur: vRecur = vRecur.from_ical(rule_text(repeat))
    if until is not None:
        recur["UNTIL"] = until
    return recur


def category_names(kind: str, topics: Iterable[str]) -> list[str]:
    """The event's type, then its topics, each once. Many readers split CATEGORIES at every comma,
    escaped or not: a comma inside one becomes " / "."""
    return [_COMMA.sub(" / ", c) if "," in c else c for c in dict.fromkeys([kind, *topics])]


def location_line(event: Event) -> str:
    """'Embassy Suites, 200 Stoneridge Dr, Columbia, SC 29210', 'Online (Zoom)', or both; '' for none."""
    place = event.location.one_line() if event.location else ""
    online = event.online
    if online is None:
        return place
    web = f"Online ({online.platform})" if online.platform else "Online"
    return f"{place}, and {web[0].lower()}{web[1:]}" if place else web


@dataclass(frozen=True, slots=True)
class DescriptionParts:
    """What every VEVENT of one event says alike: the body as plain text, and the details."""

    body: str
    details: str


def description_parts(event: Event, config: SiteConfig) -> DescriptionParts:
    """The body as plain text, then the practical details with their links, one per line."""
    f = event.fields
    details: list[str] = []
    online = event.online
    if online is not None and online.url:
        details.append(f"Join online{f' ({online.platform})' if online.platform else ''}: {online.url}")
    registration = f.registration
    if registration is not None:
        terms = []
        if registration.deadline:
            terms.append("by " + _long_date(date.fromisoformat(registration.deadline)))
        if registration.cost:
            terms.append(registration.cost)
        if registration.url:
            details.append(f"Register: {registration.url}" + (f" ({'; '.join(terms)})" if terms else ""))
        elif terms:
            details.append("Registration: " + "; ".join(terms))
    if f.url:
        details.append(f"Event website: {f.url}")
    if f.organizer is not None:
        who = [p for p in (f.organizer.name, f.organizer.email, f.organizer.phone) if p]
        if who:
            details.append("Organizer: " + ", ".join(who))
    names = config.sponsor_names
    for label, values in (
        ("Sponsors", [f"{names[s]} ({s})" if s in names else s for s in f.sponsors]),
        ("Audience", f.audience),
        ("Accessibility", f.accessibility),
    ):
        if values:
            details.append(f"{label}: {', '.join(values)}")
    if f.credits:
        details.append(f"Credits: {f.credits}")
    if f.recording:
        details.append("A recording will be posted.")
    details.append(f"Details: {SiteUrls(config.base_url).permalink(event.slug)}")
    return DescriptionParts(markdown_to_text(event.body), "\n".join(details))


def description_text(
    event: Event,
    config: SiteConfig,
    status: Status | None = None,
    note: str | None = None,
    parts: DescriptionParts | None = None,
) -> str:
    """The description as plain text: status, body, then the practical details with their links.

    `status` and `note` are an occurrence's own (the event's by default); `parts`, when given,
    are the event's `description_parts`, made once for all its VEVENTs."""
    if status is None:
        status, note = event.status, event.fields.status_note
    if parts is None:
        parts = description_parts(event, config)
    paragraphs: list[str] = []
    if status is not Status.SCHEDULED:
        label = status.value.capitalize()
        paragraphs.append(f"{label}: {note}" if note else f"This event is {status.value}.")
    if parts.body:
        paragraphs.append(parts.body)
    paragraphs.append(parts.details)
    return "\n\n".join(paragraphs)


def _long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"
