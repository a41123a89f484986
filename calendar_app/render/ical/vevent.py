"""One event as an iCalendar VEVENT: the properties every calendar app reads, built with icalendar.

`build_vevent` reads only the event and the site configuration, so its bytes can be kept
until the event's file changes (`component_key` says when). The feed module joins them.

- Times: DTSTART/DTEND with the event's TZID; an all-day event as VALUE=DATE with the day
  after its last day as DTEND (RFC 5545 ends are exclusive; the file's `end` is inclusive).
- `repeat` as RRULE (UNTIL in UTC for timed events, as a date for all-day ones), `except`
  as EXDATE and `extra` as RDATE, both in the same form as DTSTART.
- Each of `changes` as a VEVENT of its own after the series' (`build_vevents`): the same UID
  and SEQUENCE, RECURRENCE-ID the occurrence's original start in DTSTART's form, and its own
  DTSTART, DTEND, SUMMARY and STATUS; every other property as the series has it, since apps
  take an occurrence's VEVENT whole.
- Status: scheduled is CONFIRMED, tentative TENTATIVE, postponed TENTATIVE with "Postponed: "
  before the title, cancelled CANCELLED with "Cancelled: " (apps that ignore STATUS still say
  it) and TRANSP:TRANSPARENT. A cancelled event stays in the feed until it would have left it.
- ORGANIZER: the event's organizer when it has an e-mail, else the site's publisher
  (RFC 5546 asks every published event for one).
- DESCRIPTION: the Markdown body as plain text, then the join link, registration (link,
  deadline, cost), the event's own site, organizer, sponsors, audience, accessibility,
  credits, recording, and the event page here. GEO is not written: event files carry no coordinates.
- For `calendar-app import` (apps ignore X- properties): one X-CALENDAR-SPONSORS, -AUDIENCE
  or -ACCESSIBILITY line per value. With the DESCRIPTION's first paragraph (the status) and
  last (the details, ending with the event's URL), a feed read back gives the same file, its
  description as the plain text the feed carries. The Markdown as written is not carried: it
  would make every feed about 40% larger for every subscriber, for the sake of a re-import.
- SEQUENCE: the file's `sequence`, and at least 1 for a cancelled or postponed event: apps
  that hold the event at SEQUENCE 0 may ignore a change that does not raise it (RFC 5546).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from icalendar import Event as VEvent
from icalendar import vCalAddress, vCategory, vRecur, vText
from icalendar.parser_tools import DEFAULT_ENCODING

from ...core.config import SiteConfig
from ...core.model import Event, OccurrenceChange, Status, When
from ...core.recurrence import parts_of
from ..plaintext import markdown_to_text
from ..urls import SiteUrls

_STATUS = {
    Status.SCHEDULED: "CONFIRMED",
    Status.TENTATIVE: "TENTATIVE",
    Status.POSTPONED: "TENTATIVE",
    Status.CANCELLED: "CANCELLED",
}
# Apps that ignore STATUS (Outlook) or hide what it says still show the word in the title.
_TITLE_PREFIX = {Status.POSTPONED: "Postponed: ", Status.CANCELLED: "Cancelled: "}
_COMMA = re.compile(r"\s*,\s*")
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f]")
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})


class Text(vText):
    """A TEXT value (RFC 5545 3.3.11) escaped as the RFC says, so no value can start a line.

    Every way of breaking a line (CR, LF, VT, FF, NEL, the Unicode line and paragraph
    separators, which some readers split at) becomes the escaped line break; other control
    characters, which TEXT may not hold, are dropped. icalendar's own escaping would also
    read a typed backslash-N as a line break, turning the title 'C:\\New' into 'C:' and 'ew'.
    """

    def to_ical(self) -> bytes:
        text = _CONTROLS.sub("", _LINE_BREAKS.sub("\n", str(self)))
        return text.translate(_TEXT_ESCAPES).encode(DEFAULT_ENCODING)


class _Categories(vCategory):
    """CATEGORIES whose names are escaped like every other `Text`."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(names)
        self.cats = [Text(name) for name in names]



def build_vevents(event: Event, config: SiteConfig) -> list[VEvent]:
    """Every VEVENT of `event`: the event (a series with its rule), then one per changed occurrence."""
    return [build_vevent(event, config), *(build_vevent(event, config, change) for change in event.changes)]


def vevent_bytes(event: Event, config: SiteConfig) -> bytes:
    """The VEVENTs of `event` as a feed holds them, one after another."""
    return b"".join(v.to_ical(sorted=False) for v in build_vevents(event, config))


def build_vevent(event: Event, config: SiteConfig, change: OccurrenceChange | None = None) -> VEvent:
    """The VEVENT of `event`, or of its occurrence that `change` changes (same UID, RECURRENCE-ID
    the occurrence's original start): every property derived from the event and the configuration alone."""
    f = event.fields
    stamp = event.last_modified.astimezone(UTC)
    status = (change.status if change is not None else None) or event.status
    vevent = VEvent()
    vevent.add("UID", Text(event.uid))
    if change is not None:
        vevent.add("RECURRENCE-ID", _as_dtstart(event, change.occurrence))
    vevent.add("DTSTAMP", stamp)
    vevent.add("LAST-MODIFIED", stamp)
    vevent.add("SEQUENCE", published_sequence(event))
    language = {"LANGUAGE": event.language} if event.language != config.language else {}
    title = (change.title if change is not None else None) or event.title
    vevent.add("SUMMARY", Text(_TITLE_PREFIX.get(status, "") + title), parameters=language)
    start, end = (change.start, change.end) if change is not None else (event.start, event.end)
    vevent.add("DTSTART", _as_dtstart(event, start))
    # RFC 5545: an all-day DTEND is exclusive, the day after the last.
    vevent.add("DTEND", end + timedelta(days=1) if event.all_day else _as_dtstart(event, end))
    if change is None and event.rule is not None and f.repeat:
        vevent.add("RRULE", _recurrence(event))
        if event.extra:
            vevent.add("RDATE", [_as_dtstart(event, d) for d in event.extra])
    if change is None and event.exdates:
        vevent.add("EXDATE", [_as_dtstart(event, d) for d in event.exdates])
    vevent.add("STATUS", _STATUS[status])
    if status is Status.CANCELLED or event.type == "observance":
        vevent.add("TRANSP", "TRANSPARENT")  # nothing to attend: never shown as busy
    place = location_line(event)
    if place:
        vevent.add("LOCATION", Text(place), parameters=language)
    vevent.add("URL", SiteUrls(config.base_url).permalink(event.slug))
    # Many readers split CATEGORIES at every comma, escaped or not: a comma inside one becomes " / ".
    categories = [_COMMA.sub(" / ", c) for c in dict.fromkeys([event.type, *f.topics])]
    vevent.add("CATEGORIES", _Categories(categories))
    organizer = f.organizer
    if organizer is not None and organizer.email:
        address = vCalAddress(f"mailto:{organizer.email}")
        address.params["CN"] = organizer.name or organizer.email
    else:
        address = vCalAddress(f"mailto:{config.publisher_email}")
        address.params["CN"] = config.publisher_name
    vevent.add("ORGANIZER", address)
    note = (change.status_note if change is not None and change.status is not None else None) or (
        f.status_note if status is event.status else None
    )
    vevent.add("DESCRIPTION", Text(description_text(event, config, status, note)), parameters=language)
    _add_import_fields(vevent, event, language)
    return vevent


def _as_dtstart(event: Event, value: When) -> When:
    """A start in DTSTART's form: a date for all-day events, else the zone's time (see `_unambiguous`)."""
    return _unambiguous(value) if isinstance(value, datetime) else value


def published_sequence(event: Event) -> int:
    """The file's `sequence`, but at least 1 once an event is cancelled or postponed.

    A file written as cancelled without a `sequence` would otherwise publish SEQUENCE:0, the
    same as the scheduled event subscribers already hold, and apps may keep their copy.
    """
    if event.status in (Status.CANCELLED, Status.POSTPONED):
        return max(event.sequence, 1)
    return event.sequence


def _add_import_fields(vevent: VEvent, event: Event, language: dict[str, str]) -> None:
    """What only a re-import reads: the lists no standard property holds, one line per value (a
    value may hold a comma)."""
    f = event.fields
    for name, values in (("SPONSORS", f.sponsors), ("AUDIENCE", f.audience), ("ACCESSIBILITY", f.accessibility)):
        for value in values:
            vevent.add(f"X-CALENDAR-{name}", Text(value))


def _unambiguous(moment: datetime) -> datetime:
    """`moment` as its zone's wall-clock time, or in UTC when that time would be read wrongly.

    A wall-clock time in the hour the clocks repeat means its first pass (RFC 5545 3.3.5), so
    an event at the second 01:30 of a November night is written as the instant it is.
    """
    if moment.fold and moment.replace(fold=0).utcoffset() != moment.utcoffset():
        return moment.astimezone(UTC)
    return moment


def _recurrence(event: Event) -> vRecur:
    """The event's rule, with UNTIL in the form RFC 5545 asks for: UTC for timed events, a date otherwise."""
    assert event.rule is not None and event.fields.repeat is not None  # (called for a series only)
    recur: vRecur = vRecur.from_ical(event.fields.repeat.strip().removeprefix("RRULE:"))
    until = parts_of(event.rule).until  # the until the site itself uses, as local wall time
    if until is not None:
        recur["UNTIL"] = until.date() if event.all_day else until.replace(tzinfo=event.zone).astimezone(UTC)
    return recur


def location_line(event: Event) -> str:
    """'Embassy Suites, 200 Stoneridge Dr, Columbia, SC 29210', 'Online (Zoom)', or both; '' for none."""
    place = event.location.one_line() if event.location else ""
    online = event.online
    if online is None:
        return place
    web = f"Online ({online.platform})" if online.platform else "Online"
    return f"{place}, and {web[0].lower()}{web[1:]}" if place else web


def description_text(
    event: Event, config: SiteConfig, status: Status | None = None, note: str | None = None
) -> str:
    """The description as plain text: status, body, then the practical details with their links.

    `status` and `note` are an occurrence's own (the event's by default)."""
    f = event.fields
    if status is None:
        status, note = event.status, f.status_note
    parts: list[str] = []
    if status is not Status.SCHEDULED:
        label = status.value.capitalize()
        parts.append(f"{label}: {note}" if note else f"This event is {status.value}.")
    body = markdown_to_text(event.body)
    if body:
        parts.append(body)
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
    parts.append("\n".join(details))
    return "\n\n".join(parts)


def _long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def component_key(event: Event) -> tuple[object, ...]:
    """Everything a VEVENT is made from besides the configuration: a new file version is a new key."""
    return (event.uid, event.content_hash, event.sequence, event.last_modified, event.slug)
