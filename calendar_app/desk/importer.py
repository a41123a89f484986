"""`calendar-app import FILE-OR-URL`: event files from an iCalendar file or feed.

Each VEVENT becomes an event file written the way people write them: times in the event's own
zone (an IANA name), all-day spans with the inclusive last day (DTEND is exclusive in
iCalendar), RRULE and EXDATE, location, URL, status, organizer, the description as the body;
RDATE and the changed sessions of a series (VEVENTs with its UID and a RECURRENCE-ID) as its
`extra` and `changes`, or the series refused with the reason (see `overrides`, `importseries`).
A feed of this project's own says more, and all of it is restored: the description (the
DESCRIPTION without the status and details around it, as the plain text the feed carries), the
status note, sponsors, audience and accessibility (`X-CALENDAR-*`), the language
(`LANGUAGE`), and the title without the "Cancelled: " or "Postponed: " that apps are shown.
Nothing is written that does not validate (each file goes through `loader.load_event_file`
first); events whose UID is already on the site are skipped; what could not be carried over
is reported per event. Files are written with `atomic.atomic_write` and never replace one.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Event as VEvent

from ..core.config import SiteConfig
from ..core.errors import CalendarError, EventFileError
from ..core.loader import event_files, load_event_file, load_events
from ..files.atomic import atomic_write
from ..files.writer import render_event_file
from .editing import slugify
from .fetch import MAX_BYTES, FetchPolicy, fetch
from .icsread import CutOff, Piece, WebPage, drop_unreadable, read_calendar, unreadable_dates, worded
from .importplace import place_fields, web_address
from .importseries import SeriesRefused, as_own_event, assign, own_uids
from .importzones import ZoneUnknown, calendar_zones, event_zone, floating_zone, named_zone
from .overrides import Said, SourceZones, add_sessions, when_text

_NOT_CARRIED = ("ATTENDEE", "VALARM", "ATTACH", "EXRULE", "GEO", "RESOURCES", "CONTACT", "COMMENT")
# "Cancelled: " (or "Canceled - ") before a cancelled event's title, "Postponed: " before a postponed one's.
_STATUS_PREFIX = re.compile(r"^(cancell?ed|postponed)\s*[:\-–—]\s*", re.IGNORECASE)
_TEXT_ESCAPE = re.compile(r"\\([\\;,nN])")


class ImportFailed(CalendarError):
    """The source cannot be read or is not iCalendar."""


@dataclass
class Outcome:
    """What became of one VEVENT."""

    title: str
    uid: str
    path: Path | None = None  # written (or, in a dry run, would be)
    skipped: str | None = None  # why nothing was written
    present: bool = False  # skipped because the site has it already: nothing to do, not a failure
    notes: list[str] = field(default_factory=list)  # what was not carried over


@dataclass
class ImportOptions:
    type: str | None = None  # the type when the categories and title say none
    assume_online: bool = False  # events with no location are online events
    dry_run: bool = False
    zone: str | None = None  # --zone: for times whose zone cannot be found, and series in UTC
    calendar_zones: dict[int, str] = field(default_factory=dict)  # X-WR-TIMEZONE, by id(VEVENT); import_calendar's
    changed_sessions: dict[int, list[VEvent]] = field(default_factory=dict)  # by id(series' VEVENT); import_calendar's
    from_address: bool = False  # the data is what an http(s) address answered (for the words of a failure)


def read_source(source: str, policy: FetchPolicy = FetchPolicy(), notes: list[str] | None = None) -> bytes:
    """The bytes of a local file or an http(s)/webcal address (at most 20 MB).

    Addresses are fetched by `fetch.fetch`, within `policy`: http(s) only at every hop, no
    private or loopback address unless allowed, a few redirects, one deadline, a size cap;
    webcal:// over https, or over http when the site does not answer over https (said in `notes`).
    """
    if is_address(source):
        return fetch(source, policy, notes)
    try:
        # Read as given, a pipe too (`<(curl ...)`): the person named it; at most one byte past the limit.
        with open(source, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ImportFailed(f"{source}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise ImportFailed(f"{source}: larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


def is_address(source: str) -> bool:
    """Whether `source` is an http(s) or webcal address (else it names a file)."""
    return re.match(r"^(https?|webcals?)://", source, re.IGNORECASE) is not None


def import_calendar(data: bytes, events_dir: Path, config: SiteConfig, options: ImportOptions) -> list[Outcome]:
    """Write an event file for every new, valid VEVENT in `data`; report on each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            pieces, general = read_calendar(data)
        except WebPage:
            answered = "the address answered with" if options.from_address else "it is"
            raise ImportFailed(f"{answered} a web page (HTML), not an iCalendar file") from None
        except CutOff as exc:
            raise ImportFailed(f"cannot be read: {exc}") from None
        except ValueError as exc:
            raise ImportFailed(f"not an iCalendar file: {exc}") from None
    general += [str(w.message) for w in caught]
    known = {e.uid for e in load_events(events_dir, config).events} if events_dir.is_dir() else set()
    taken = {p.stem for p in event_files(events_dir)} if events_dir.is_dir() else set()
    vevents = [p.component for p in pieces if p.component is not None]
    series, alone = assign(vevents)
    options = replace(options, calendar_zones=calendar_zones(data, [p.component for p in pieces]),
                      changed_sessions=series)
    uids = own_uids(vevents)
    unread = {p.uid.strip() for p in pieces if p.component is None and p.changes_session}
    outcomes: list[Outcome] = []
    for piece in pieces:
        event = piece.component
        if event is None:
            outcome = Outcome(piece.title, piece.uid, skipped=piece.reason)
        elif "RECURRENCE-ID" in event and id(event) not in alone:
            continue  # one changed session: written with its series
        else:
            outcome = _import_piece(piece, event, alone, unread, uids, (events_dir, config, options, known, taken))
        if general and outcomes == []:
            outcome.notes.extend(general)
        outcomes.append(outcome)
    return outcomes


def _import_piece(
    piece: Piece, event: VEvent, alone: dict[int, str | None], unread: set[str], uids: dict[int, str],
    where: tuple[Path, SiteConfig, ImportOptions, set[str], set[str]],
) -> Outcome:
    """A series or single event, or a changed session without its series (`importseries.as_own_event`)."""
    events_dir, config, options, known, taken = where
    uid = str(event.get("UID", "")).strip()
    title = _title_and_status(event)[0]
    if "RECURRENCE-ID" in event:
        if alone[id(event)] is not None:
            return Outcome(title, uid, skipped=alone[id(event)], notes=piece.notes)
        try:
            own_uid, note = as_own_event(event)
        except SeriesRefused as exc:
            return Outcome(title, uid, skipped=str(exc), notes=piece.notes)
        outcome = _import_one(event, events_dir, config, options, known, taken, own_uid, note)
    elif uid and uid in unread and uid not in known:
        return Outcome(title, uid, notes=piece.notes, skipped=(
            "one of its changed sessions (RECURRENCE-ID) cannot be read (reported on its own), so its sessions "
            "cannot all be written as the calendar gives them"))
    else:
        outcome = _import_one(event, events_dir, config, options, known, taken, uids.get(id(event)))
    outcome.notes[:0] = piece.notes
    return outcome


def _import_one(
    component: VEvent, events_dir: Path, config: SiteConfig, options: ImportOptions, known: set[str], taken: set[str],
    own_uid: str | None = None, why_own_uid: str | None = None,
) -> Outcome:
    title = _title_and_status(component)[0]
    uid = own_uid or str(component.get("UID", "")).strip()
    outcome = Outcome(title, uid)
    if uid and uid in known:
        outcome.skipped, outcome.present = "already on the site (same uid)", True
        return outcome
    if own_uid:
        outcome.notes.append(why_own_uid or f"its UID {str(component.get('UID')).strip()!r} is shared by other "
                             f"events in this calendar; given the UID {own_uid!r}")
    if reason := unreadable_dates(component):
        outcome.skipped = reason
        return outcome
    outcome.notes.extend(drop_unreadable(component))
    said = len(outcome.notes)  # the notes after this one are on what was to be written: none once refused
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            data, body = vevent_fields(component, config, options, outcome.notes)
        outcome.notes.extend(str(w.message) for w in caught)
    except (ZoneUnknown, SeriesRefused) as exc:  # worded for a person already
        outcome.skipped, outcome.notes[said:] = str(exc), []
        return outcome
    except Exception as exc:  # noqa: BLE001 - one event icalendar cannot read is refused, the file goes on
        outcome.skipped, outcome.notes[said:] = f"cannot be read ({worded(exc)})", []
        return outcome
    if own_uid:
        data["uid"] = own_uid
    slug = _free_slug(title, str(data["start"])[:10], taken)
    path = events_dir / str(data["start"])[:4] / f"{slug}.md"
    text, problems = _validated(data, body, path, events_dir, config, outcome.notes)
    if problems:
        outcome.skipped, outcome.notes[said:] = "does not validate: " + "; ".join(problems), []
        return outcome
    if not options.dry_run:
        try:
            atomic_write(path, text, overwrite=False)
        except FileExistsError:
            outcome.skipped = f"{path} already exists"
            return outcome
    taken.add(slug)
    known.add(uid)
    outcome.path = path
    return outcome


def _validated(
    data: dict[str, Any], body: str, path: Path, events_dir: Path, config: SiteConfig, notes: list[str]
) -> tuple[str, list[str]]:
    """The file's text and its problems; EXDATEs that are not occurrences are left out, with a note."""
    for _attempt in range(2):
        text = render_event_file(data, body)
        try:
            load_event_file(path, events_dir, config, last_modified=datetime.now(UTC), data=text.encode())
            return text, []
        except EventFileError as exc:
            bad = {
                int(m.group(1)) for p in exc.problems if p.field and (m := re.fullmatch(r"except\[(\d+)\]", p.field))
            }
            if not bad or len(bad) != len(exc.problems):
                return text, [f"{p.field}: {p.message}" if p.field else p.message for p in exc.problems]
            dropped = [data["except"][i] for i in sorted(bad)]
            data["except"] = [v for i, v in enumerate(data["except"]) if i not in bad]
            notes.append(f"EXDATE {', '.join(dropped)} is not an occurrence of the rule; left out")
    return text, ["the skipped occurrences do not fit the rule"]


# --- one VEVENT -> front matter -------------------------------------------------------------------


def vevent_fields(
    component: VEvent, config: SiteConfig, options: ImportOptions, notes: list[str]
) -> tuple[dict[str, Any], str]:
    """Front matter (values as text) and the Markdown body for one VEVENT."""
    start = component.decoded("DTSTART")
    if isinstance(start, list):
        raise ValueError("more than one DTSTART")
    title, status = _title_and_status(component)
    data: dict[str, Any] = {"title": title[:200]}
    categories = _categories(component)
    data["type"] = _type_of(categories, data["title"], config, options, notes)
    topics = [c for c in categories if c.casefold() != data["type"]]
    zone = event_zone(component, start, config.zone, notes, given=options.zone,
                      calendar_zone=options.calendar_zones.get(id(component))) if isinstance(start, datetime) else None
    data.update(_when(component, start, zone))
    if "RRULE" in component:
        rules = component.get("RRULE")
        rule = rules[0] if isinstance(rules, list) else rules
        if isinstance(rules, list) and len(rules) > 1:
            notes.append("only the first of several RRULEs carried over")
        data["repeat"] = _rule_text(rule, zone)
        data["except"] = _exdates(component, zone)
    data["status"] = status
    data.update(place_fields(component, assume_online=options.assume_online))
    url = str(component.get("URL", "")).strip()
    if url and web_address(url):
        data["url"] = web_address(url)
    elif url:
        notes.append(f"URL {url!r} is not a web address; left out")
    data.update(_organizer(component))
    data["topics"] = topics
    data.update(_lists_and_language(component, config, notes))
    data["uid"] = str(component.get("UID", "")).strip() or None
    if int(component.get("SEQUENCE", 0) or 0) > 0:
        data["sequence"] = int(component.get("SEQUENCE"))
    if not data["uid"]:
        notes.append("no UID: the file's name gives it one, so importing this calendar again adds it again")
    lost = sorted({p for p in _NOT_CARRIED if p in component} | {str(c.name) for c in component.subcomponents})
    if lost:
        notes.append("not carried over: " + ", ".join(lost))
    body, details = _description(component, status)
    if details.get("status_note"):
        data["status_note"] = details["status_note"][:1000]
    if details.get("url"):
        data["url"] = details["url"]
    if details.get("join"):
        online = data.get("online")
        data["online"] = {**(online if isinstance(online, dict) else {}), "url": details["join"]}
    zones = SourceZones(floating_zone(options.zone, options.calendar_zones.get(id(component))),
                        lambda name, when: named_zone(name, when, notes, given=options.zone))
    add_sessions(component, options.changed_sessions.get(id(component), []), data, zone, _said, zones, notes)
    return data, body


def _said(component: VEvent) -> Said:
    """What a VEVENT says besides its times: title (None without SUMMARY), status, status note, description."""
    title, status = _title_and_status(component)
    body, details = _description(component, status)
    return (title if str(component.get("SUMMARY", "")).strip() else None), status, details.get("status_note"), body


def _lists_and_language(component: VEvent, config: SiteConfig, notes: list[str]) -> dict[str, Any]:
    """Sponsors, audience and accessibility (this project's X- properties) and the language."""
    features = _all(component, "X-CALENDAR-ACCESSIBILITY")
    known = [f for f in features if f in config.accessibility]
    if len(known) < len(features):
        unknown = ", ".join(f for f in features if f not in config.accessibility)
        notes.append(f"accessibility {unknown} not among this site's features; left out")
    return {
        "sponsors": _all(component, "X-CALENDAR-SPONSORS"),
        "audience": _all(component, "X-CALENDAR-AUDIENCE"),
        "language": _language(component, config, notes),
        "accessibility": known,
    }


def _description(component: VEvent, status: str | None) -> tuple[str, dict[str, str]]:
    """The body; and, from a feed of this project's own, the status note, join link and website.

    Such a feed's DESCRIPTION is the status ('Cancelled: <note>'), the description as plain
    text, and the details, one a line, the last 'Details: <the event's URL>'. Any other feed's
    DESCRIPTION is the body as it is.
    """
    text = str(component.get("DESCRIPTION", "")).replace("\r\n", "\n").strip()
    paragraphs = text.split("\n\n")
    url = str(component.get("URL", "")).strip()
    if not url or paragraphs[-1].rpartition("\n")[2] != f"Details: {url}":
        return text, {}
    found: dict[str, str] = {}
    for line in paragraphs.pop().split("\n"):  # the details: most are fields of their own
        if m := re.fullmatch(r"Join online(?: \([^()]*\))?: (https?://\S+)", line):
            found["join"] = m.group(1)
        elif m := re.fullmatch(r"Event website: (https?://\S+)", line):
            found["url"] = m.group(1)
    if status and paragraphs:
        label = f"{status.capitalize()}: "
        if paragraphs[0].startswith(label):
            found["status_note"] = paragraphs.pop(0).removeprefix(label)
        elif paragraphs[0] == f"This event is {status}.":
            paragraphs.pop(0)
    return "\n\n".join(paragraphs).strip(), found


def _title_and_status(component: VEvent) -> tuple[str, str | None]:
    """The title without the status word apps are shown before it, and the status of the file."""
    title = " ".join(str(component.get("SUMMARY", "")).split())
    status = {"TENTATIVE": "tentative", "CANCELLED": "cancelled"}.get(str(component.get("STATUS", "")).upper())
    prefix = _STATUS_PREFIX.match(title)
    if prefix and status == "cancelled" and prefix.group(1).casefold().startswith("cancel"):
        title = title[prefix.end():]
    elif prefix and status == "tentative" and prefix.group(1).casefold() == "postponed":
        title, status = title[prefix.end():], "postponed"
    return title or "(no title)", status


def _one(component: VEvent, name: str) -> str:
    """The text of a property that should be there once (the first, if a feed repeats it)."""
    value = component.get(name)
    return _x_text(value[0] if isinstance(value, list) else value) if value is not None else ""


def _all(component: VEvent, name: str) -> list[str]:
    """The texts of a property written once per value (`X-CALENDAR-AUDIENCE`), in order, once each."""
    value = component.get(name)
    values = value if isinstance(value, list) else [value] if value is not None else []
    return list(dict.fromkeys(text for v in values if (text := " ".join(_x_text(v).split())[:80])))


def _x_text(value: Any) -> str:
    """An X- property's TEXT value unescaped: icalendar keeps an unknown property as it was written."""
    written = value.to_ical() if hasattr(value, "to_ical") else str(value).encode()
    text = written.decode() if isinstance(written, bytes) else str(written)
    return _TEXT_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _language(component: VEvent, config: SiteConfig, notes: list[str]) -> str | None:
    """The title's LANGUAGE, when it is not the site's own."""
    summary = component.get("SUMMARY")
    tag = str(getattr(summary, "params", {}).get("LANGUAGE", "")).strip().replace("_", "-")
    if not tag:
        return None
    first, _, rest = tag.partition("-")
    tag = first.lower() + (f"-{rest}" if rest else "")
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", tag):
        notes.append(f"language {tag!r} is not a language tag such as es or pt-BR; left out")
        return None
    return None if tag == config.language else tag


def _categories(component: VEvent) -> list[str]:
    found: list[str] = []
    values = component.get("CATEGORIES")
    for value in values if isinstance(values, list) else [values] if values is not None else []:
        found.extend(str(c).strip() for c in getattr(value, "cats", [value]) if str(c).strip())
    return list(dict.fromkeys(found))


def _type_of(categories: list[str], title: str, config: SiteConfig, options: ImportOptions, notes: list[str]) -> str:
    for category in categories:
        if category.casefold() in config.types:
            return category.casefold()
    words: list[str] = re.findall(r"[a-z]+", title.casefold())
    for word in words:
        if word in config.types or word.rstrip("s") in config.types:
            return word if word in config.types else word.rstrip("s")
    chosen = options.type or config.types[0]
    notes.append(f"type not given by the calendar; set to {chosen!r}")
    return chosen


def _when(component: VEvent, start: date | datetime, zone: ZoneInfo | None) -> dict[str, Any]:
    if "DTEND" in component:
        end = component.decoded("DTEND")
    elif "DURATION" in component:
        end = start + component.decoded("DURATION")
    else:  # RFC 5545: a timed event with neither ends at its start; an all-day one lasts its day
        end = start if isinstance(start, datetime) else None
    if not isinstance(start, datetime):  # all-day: iCalendar's DTEND is the day after the last
        last = end - timedelta(days=1) if isinstance(end, date) and not isinstance(end, datetime) else None
        if last is None or last == start or end == start:  # DTEND equal to DTSTART: one day, as clients read it
            return {"start": start.isoformat()}
        return {"start": start.isoformat(), "end": last.isoformat()}  # before the start: refused by the validator
    assert zone is not None
    data = {"start": when_text(start, zone), "timezone": zone.key}
    if isinstance(end, datetime):
        end_text = when_text(end if end.tzinfo else end.replace(tzinfo=start.tzinfo), zone)
        data["end"] = end_text[11:] if end_text[:10] == data["start"][:10] else end_text
    return data


def _rule_text(rule: Any, zone: ZoneInfo | None) -> str:
    """The RRULE as text, with UNTIL in the event's local time (the file's rules are local)."""
    parts = dict(rule)
    until = parts.get("UNTIL")
    if until:
        value = until[0]
        if isinstance(value, datetime) and value.tzinfo and zone:
            parts["UNTIL"] = [value.astimezone(zone).replace(tzinfo=None)]
    rebuilt = type(rule)(parts)
    text: str = rebuilt.to_ical().decode()
    return text


def _exdates(component: VEvent, zone: ZoneInfo | None) -> list[str]:
    values = component.get("EXDATE")
    found: list[str] = []
    for prop in values if isinstance(values, list) else [values] if values is not None else []:
        found.extend(when_text(d.dt, zone) for d in prop.dts)
    return list(dict.fromkeys(found))


def _organizer(component: VEvent) -> dict[str, Any]:
    organizer = component.get("ORGANIZER")
    if organizer is None:
        return {}
    email = re.sub(r"^mailto:", "", str(organizer).strip(), flags=re.IGNORECASE).strip()  # schemes ignore case
    name = organizer.params.get("CN") if hasattr(organizer, "params") else None
    return {"organizer": {"name": str(name).strip('"') if name else None, "email": email if "@" in email else None}}


def _free_slug(title: str, day: str, taken: set[str]) -> str:
    base = slugify(title)
    for candidate in (base, f"{base}-{day}", *(f"{base}-{day}-{n}" for n in range(2, 1000))):
        if candidate not in taken:
            return candidate
    raise ValueError("no free file name")
