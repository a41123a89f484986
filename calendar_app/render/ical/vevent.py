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

Two writers make the same bytes. `build_vevent` builds icalendar objects: the reference, and
what tests compare against. `vevent_bytes`, which feeds use, writes the content lines straight
from the event with `vevent_writer`, byte for byte the same and many times faster; both read the
values themselves from `values`.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from icalendar import Event as VEvent
from icalendar import vCalAddress, vCategory, vText
from icalendar.parser_tools import DEFAULT_ENCODING

from ...core.config import SiteConfig
from ...core.fields import Status
from ...core.model import Event
from ...core.series import OccurrenceChange
from ..urls import SiteUrls
from .values import (
    CONTROLS,
    LINE_BREAKS,
    STATUS_WORDS,
    TITLE_PREFIX,
    as_dtstart,
    category_names,
    description_text,
    location_line,
    published_sequence,
    recurrence,
)
from .vevent_writer import write_vevents

__all__ = [
    "Text",
    "build_vevent",
    "build_vevents",
    "component_key",
    "description_text",
    "location_line",
    "published_sequence",
    "reference_vevent_bytes",
    "vevent_bytes",
]

_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})


class Text(vText):
    """A TEXT value (RFC 5545 3.3.11) escaped as the RFC says, so no value can start a line.

    Every way of breaking a line (CR, LF, VT, FF, NEL, the Unicode line and paragraph
    separators, which some readers split at) becomes the escaped line break; other control
    characters, which TEXT may not hold, are dropped. icalendar's own escaping would also
    read a typed backslash-N as a line break, turning the title 'C:\\New' into 'C:' and 'ew'.
    """

    def to_ical(self) -> bytes:
        text = CONTROLS.sub("", LINE_BREAKS.sub("\n", str(self)))
        return text.translate(_TEXT_ESCAPES).encode(DEFAULT_ENCODING)


class _Categories(vCategory):
    """CATEGORIES whose names are escaped like every other `Text`."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(names)
        self.cats = [Text(name) for name in names]


def vevent_bytes(event: Event, config: SiteConfig) -> bytes:
    """The VEVENTs of `event` as a feed holds them, one after another (written by `vevent_writer`)."""
    return write_vevents(event, config)


def reference_vevent_bytes(event: Event, config: SiteConfig) -> bytes:
    """The same bytes as `vevent_bytes`, made with icalendar: what the writer is checked against."""
    return b"".join(v.to_ical(sorted=False) for v in build_vevents(event, config))


def build_vevents(event: Event, config: SiteConfig) -> list[VEvent]:
    """Every VEVENT of `event`: the event (a series with its rule), then one per changed occurrence."""
    return [build_vevent(event, config), *(build_vevent(event, config, change) for change in event.changes)]


def build_vevent(event: Event, config: SiteConfig, change: OccurrenceChange | None = None) -> VEvent:
    """The VEVENT of `event`, or of its occurrence that `change` changes (same UID, RECURRENCE-ID
    the occurrence's original start): every property derived from the event and the configuration alone."""
    f = event.fields
    stamp = event.last_modified.astimezone(UTC)
    status = (change.status if change is not None else None) or event.status
    vevent = VEvent()
    vevent.add("UID", Text(event.uid))
    if change is not None:
        vevent.add("RECURRENCE-ID", as_dtstart(change.occurrence))
    vevent.add("DTSTAMP", stamp)
    vevent.add("LAST-MODIFIED", stamp)
    vevent.add("SEQUENCE", published_sequence(event))
    language = {"LANGUAGE": event.language} if event.language != config.language else {}
    title = (change.title if change is not None else None) or event.title
    vevent.add("SUMMARY", Text(TITLE_PREFIX.get(status, "") + title), parameters=language)
    start, end = (change.start, change.end) if change is not None else (event.start, event.end)
    vevent.add("DTSTART", as_dtstart(start))
    # RFC 5545: an all-day DTEND is exclusive, the day after the last.
    vevent.add("DTEND", end + timedelta(days=1) if event.all_day else as_dtstart(end))
    if change is None and event.rule is not None and f.repeat:
        vevent.add("RRULE", recurrence(event))
        if event.extra:
            vevent.add("RDATE", [as_dtstart(d) for d in event.extra])
    if change is None and event.exdates:
        vevent.add("EXDATE", [as_dtstart(d) for d in event.exdates])
    vevent.add("STATUS", STATUS_WORDS[status])
    if status is Status.CANCELLED or event.type == "observance":
        vevent.add("TRANSP", "TRANSPARENT")  # nothing to attend: never shown as busy
    place = location_line(event)
    if place:
        vevent.add("LOCATION", Text(place), parameters=language)
    vevent.add("URL", SiteUrls(config.base_url).permalink(event.slug))
    vevent.add("CATEGORIES", _Categories(category_names(event.type, f.topics)))
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
    _add_import_fields(vevent, event)
    return vevent


def _add_import_fields(vevent: VEvent, event: Event) -> None:
    """What only a re-import reads: the lists no standard property holds, one line per value (a
    value may hold a comma)."""
    f = event.fields
    for name, values in (("SPONSORS", f.sponsors), ("AUDIENCE", f.audience), ("ACCESSIBILITY", f.accessibility)):
        for value in values:
            vevent.add(f"X-CALENDAR-{name}", Text(value))


def component_key(event: Event) -> tuple[object, ...]:
    """Everything a VEVENT is made from besides the configuration: a new file version is a new key."""
    return (event.uid, event.content_hash, event.sequence, event.last_modified, event.slug)
