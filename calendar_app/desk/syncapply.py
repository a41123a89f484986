"""One partner calendar applied to the site: each of its events new, updated, cancelled or left alone.

An event of the calendar is found on the site by its `source:` (the source's id and the UID
there), else by what the memory says it became. Found, it is merged (`syncmerge`) and its file
written again only when a field changes. New, it is written to the events folder (`publish`)
or queued for review (`review`), unless the site has it already: by UID, or by the same start
and a matching title. An event the calendar no longer has is cancelled if it is still to come,
and left as it is once past; nothing is ever deleted. An event whose new version would not
validate is refused, and the others go on. A calendar that comes back with no events at all
while upcoming events from it are on the site is not applied: nothing is cancelled on that alone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from ..core.config import SiteConfig
from ..core.errors import EventFileError
from ..core.fields import Status
from ..core.loader import display_path, load_event_file
from ..core.model import Event, file_hash
from ..core.readfile import read_regular_file
from ..core.sources import SyncSource
from ..files.atomic import atomic_write
from ..files.writer import render_event_file
from .editing import slugify
from .pending import PUBLISHED as ITEM_PUBLISHED
from .pending import REJECTED as ITEM_REJECTED
from .pending import PendingError, PendingQueue
from .syncmerge import Flat, flat_fields, merge, nested, same_title, schedule_changed, start_key, with_defaults
from .syncstate import DELETED, DISMISSED, PENDING, PUBLISHED, SAME, SourceMemory, Tracked


@dataclass
class Line:
    """One event in a report: its title, and the file, fields or reason."""

    title: str
    detail: str = ""


def grouped(entries: list[Line], most: int = 3) -> list[Line]:
    """`entries`, but more than `most` skipped or refused for one reason (the words of `match`)
    as one line: 'N events', with the reason."""
    many = {reason for reason, n in Counter(line.detail for line in entries).items() if n > most}
    lines = [line for line in entries if line.detail not in many]
    return lines + [Line(f"{sum(line.detail == reason for line in entries)} events", reason) for reason in sorted(many)]


@dataclass
class SourceReport:
    """What a sync did with one source's events."""

    source_id: str
    name: str
    new: list[Line] = field(default_factory=list)  # written to the events folder
    queued: list[Line] = field(default_factory=list)  # waiting in the pending queue
    updated: list[Line] = field(default_factory=list)
    cancelled: list[Line] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Line] = field(default_factory=list)  # nothing to do, with the reason
    refused: list[Line] = field(default_factory=list)  # could not be brought in, with the reason
    not_updated: list[Line] = field(default_factory=list)  # on the site, changed in the calendar, left as it was
    kept: list[Line] = field(default_factory=list)  # by the site's title: the fields kept as edited here
    memory: str | None = None  # what the memory records anew, when no event changed (see `desk.sync`)
    failure: str | None = None  # the calendar could not be read: nothing was changed
    not_modified: bool = False  # the server said the calendar had not changed (304)
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)  # event files, then the memory

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "queued": len(self.queued), "updated": len(self.updated),
                "unchanged": self.unchanged, "cancelled": len(self.cancelled), "skipped": len(self.skipped),
                "refused": len(self.refused) + len(self.not_updated)}

    def summary(self) -> str:
        """'2 new, 1 updated, 1 cancelled': what changed on the site (and in the queue)."""
        parts = [f"{n} {label}" for label, n in (
            ("new", len(self.new)), ("queued for review", len(self.queued)), ("updated", len(self.updated)),
            ("cancelled", len(self.cancelled))) if n]
        return ", ".join(parts) or "no changes"


@dataclass(frozen=True)
class FeedEvent:
    """One event of the partner's calendar, as the import made it."""

    uid: str  # in the calendar
    event: Event
    flat: Flat


class SiteIndex:
    """The events on the site, by slug, by where they came from, by UID and by start."""

    def __init__(self, events: list[Event], files: list[Path]) -> None:
        self.paths = {path.stem: path for path in files}  # every event file, valid or not
        self.by_slug: dict[str, Event] = {}
        self.by_source: dict[tuple[str, str], Event] = {}
        self.by_uid: dict[str, Event] = {}
        self.by_start: dict[tuple[str, float], list[Event]] = {}
        for event in events:
            self.add(event)

    def add(self, event: Event, path: Path | None = None) -> None:
        if path is not None:
            self.paths[event.slug] = path
        self.by_slug[event.slug] = event
        if event.fields.source is not None:
            self.by_source[(event.fields.source.id, event.fields.source.uid)] = event
        self.by_uid.setdefault(event.uid, event)
        self.by_start.setdefault(start_key(event), []).append(event)

    def replace(self, old: Event, new: Event) -> None:
        if old.fields.source is not None:
            self.by_source.pop((old.fields.source.id, old.fields.source.uid), None)
        if self.by_uid.get(old.uid) is old:
            del self.by_uid[old.uid]
        self.by_start[start_key(old)] = [e for e in self.by_start.get(start_key(old), []) if e is not old]
        self.add(new)


@dataclass
class SourceSync:
    """The events of one source applied to the site, its memory and the queue; `report` says what was done."""

    source: SyncSource
    config: SiteConfig
    events_dir: Path
    site: SiteIndex
    memory: SourceMemory
    queue: PendingQueue
    today: date
    dry_run: bool
    report: SourceReport
    queued_this_run: list[tuple[FeedEvent, str]]  # shared by the sources of one run: (event, source name)
    present: set[str] = field(default_factory=set)  # every UID the calendar has, refused ones too
    unremembered: bool = False  # an event was found by its `source:` with nothing in the memory

    def apply(self, feed: list[FeedEvent], present: set[str], *, empty: bool = False) -> bool:
        """Apply the calendar's events (`empty`: it has no VEVENT at all); False when it was not applied:
        an empty calendar would have cancelled every upcoming event of it (`report.failure` says so)."""
        self.present = present
        made_here = {uid for source_id, uid in self.site.by_source if source_id == self.source.id}
        gone = sorted((set(self.memory.events) | made_here) - present)
        if empty and (upcoming := sum(self._to_cancel(uid) is not None for uid in gone)):
            self.report.failure = (
                f"the calendar came back empty; nothing cancelled ({upcoming} upcoming event"
                f"{'s' if upcoming > 1 else ''} from it stay as they are). Hint: if {self.source.name} has "
                "really removed every event, cancel them here (or remove its [[sources]] table); the next sync "
                "then takes the empty calendar as it is.")
            return False
        for item in feed:
            self._one(item)
        for uid in gone:
            self._gone(uid)
        return True

    # --- each event of the calendar ------------------------------------------------------------

    def _one(self, item: FeedEvent) -> None:
        entry = self.memory.events.get(item.uid)
        if entry is not None and entry.state == PENDING:
            self._decided(entry)
        local = self.site.by_source.get((self.source.id, item.uid))
        if local is None and entry is not None and entry.state == PUBLISHED:
            local = self._by_memory(item, entry)
            if local is None:
                return
        if local is not None:
            self._update(item.uid, item.event.title, entry, local, item.flat)
        elif entry is not None:
            self.report.unchanged += 1  # waiting for review, the same as another event, or dismissed
        else:
            self._new(item)

    def _decided(self, entry: Tracked) -> None:
        """What became of a queued event: published (as which slug), rejected, or deleted."""
        try:
            queued = self.queue.get(entry.item or "")
        except PendingError:
            entry.state, entry.item = DISMISSED, None
            return
        if queued.state == ITEM_REJECTED:
            entry.state, entry.item = DISMISSED, None
        elif queued.state == ITEM_PUBLISHED and queued.slug:
            entry.state, entry.slug, entry.item, entry.written = PUBLISHED, queued.slug, None, None

    def _by_memory(self, item: FeedEvent, entry: Tracked) -> Event | None:
        """The event the memory names, when its file no longer says where it came from."""
        event = self.site.by_slug.get(entry.slug or "")
        if event is not None and event.fields.source is None:
            return event
        path = self.site.paths.get(entry.slug or "")
        if event is None and path is not None:
            self.report.not_updated.append(Line(item.event.title, f"{self._shown(path)} does not validate, so it "
                                                "cannot be updated; fix it and sync again"))
            return None
        # Its file is gone, or now holds an event from elsewhere: deleted on the site, on purpose.
        entry.state = DELETED
        self.report.skipped.append(Line(item.event.title, f"{entry.slug} was deleted on this site; not brought back"))
        return None

    def _new(self, item: FeedEvent) -> None:
        title = item.event.title
        if self.source.match and not _names_any(item.event, self.source.match):
            self.report.skipped.append(Line(title, "names none of the words of `match`"))
            return
        if item.event.status is Status.CANCELLED:  # nothing to announce; should it come back, it is new then
            self.report.skipped.append(Line(title, "cancelled in the calendar before it came in"))
            return
        same = self._same_event(item)
        ours = same.fields.source if same is not None else None
        if same is not None and ours is not None and ours.id == self.source.id:
            # The calendar gave the event a new UID (its old one is gone from the calendar): the same event.
            entry = self.memory.events.pop(ours.uid, None)
            self.memory.events[item.uid] = entry or Tracked(PUBLISHED, same.slug)
            self._update(item.uid, title, self.memory.events[item.uid], same, item.flat)
        elif self.source.mode == "publish":
            self._publish(item, same)
        else:
            self._queue(item, same)

    def _same_event(self, item: FeedEvent) -> Event | None:
        """The event on the site this one is, by UID, or by its start and title. Another event of
        this calendar that it still has is never the same: the calendar says they are two."""
        def other(event: Event) -> bool:
            ref = event.fields.source
            return ref is None or ref.id != self.source.id or ref.uid not in self.present

        by_uid = self.site.by_uid.get(item.event.uid)
        if by_uid is not None and other(by_uid):
            return by_uid
        for event in self.site.by_start.get(start_key(item.event), []):
            if other(event) and same_title(event.title, item.event.title):
                return event
        return None

    def _publish(self, item: FeedEvent, same: Event | None) -> None:
        title = item.event.title
        if same is not None:
            self.memory.events[item.uid] = Tracked(SAME, same.slug, base=item.flat)
            self.report.skipped.append(Line(title, f"the same event as {same.slug}, on the site already"))
            return
        slug = self._free_slug(item.event)
        path = self.events_dir / f"{item.event.start_date.year:04d}" / f"{slug}.md"
        if path.parent.exists() and not path.parent.resolve().is_relative_to(self.events_dir.resolve()):
            self.report.refused.append(Line(title, f"{path.parent} leads outside the events folder"))
            return
        checked = self._checked(title, with_defaults(item.flat, self.source.defaults), item, path, 0)
        if checked is None:
            return
        text, event = checked
        if not self.dry_run:
            atomic_write(path, text, overwrite=False)
            self.report.written.append(path)
        self.memory.events[item.uid] = Tracked(PUBLISHED, slug, base=item.flat, written=file_hash(text.encode()))
        self.site.add(event, path)
        self.report.new.append(Line(title, self._shown(path)))

    def _queue(self, item: FeedEvent, same: Event | None) -> None:
        title = item.event.title
        probe = self.events_dir / f"{item.event.start_date.year:04d}" / f"{self._free_slug(item.event)}.md"
        checked = self._checked(title, with_defaults(item.flat, self.source.defaults), item, probe, 0)
        if checked is None:
            return
        text, _event = checked
        twin = next((name for queued, name in self.queued_this_run if start_key(queued.event) == start_key(
            item.event) and same_title(queued.event.title, title)), None)
        note = (f"likely the same event as {same.slug}, on the site already" if same is not None
                else f"likely the same event as one queued from {twin}" if twin is not None else "")
        if note:  # said in the file itself, where the coordinator deciding on it reads it
            text = f"---\n# From {self.source.name}'s calendar: {note}.\n" + text.removeprefix("---\n")
        item_id = None
        if not self.dry_run:
            who = f"{self.source.name} (calendar sync" + (f"; {note})" if note else ")")
            item_id = self.queue.submit(text, kind="sync", name=who[:200], email="")[0].id
        self.memory.events[item.uid] = Tracked(PENDING, item=item_id, base=item.flat)
        self.queued_this_run.append((item, self.source.name))
        self.report.queued.append(Line(title, note))

    def _gone(self, uid: str) -> None:
        """An event the calendar no longer has: cancelled if it is still to come, else left alone."""
        local = self._to_cancel(uid)
        if local is None:
            return
        entry = self.memory.events.get(uid)  # none when the memory was lost: the file's `source:` says it
        gone = {"status": "cancelled", "status_note": f"No longer in {self.source.name}'s calendar."}
        self._update(uid, local.title, entry, local, {**(entry.base if entry else {}), **gone}, gone=True)

    def _to_cancel(self, uid: str) -> Event | None:
        """The event on the site that the calendar's no longer having `uid` cancels: one still to come."""
        entry = self.memory.events.get(uid)
        if entry is not None and entry.state != PUBLISHED:
            return None
        local = self.site.by_source.get((self.source.id, uid))
        if local is None and entry is not None:
            candidate = self.site.by_slug.get(entry.slug or "")
            local = candidate if candidate is not None and candidate.fields.source is None else None
        if local is None or local.status is Status.CANCELLED or local.last_date < self.today:
            return None
        return local

    # --- writing ---------------------------------------------------------------------------------

    def _update(self, uid: str, title: str, entry: Tracked | None, local: Event, new: Flat, *,
                gone: bool = False) -> None:
        """Merge the calendar's `new` fields into the event on the site; write its file if it changes.
        `gone`: the calendar no longer has the event, and `new` cancels it."""
        here = flat_fields(local.fields, local.body)
        remembered = entry is not None and entry.state == PUBLISHED and bool(entry.base)
        if entry is None or not remembered:
            entry = Tracked(PUBLISHED, local.slug)
            self.memory.events[uid] = entry
        entry.slug = local.slug
        base: Flat | None = entry.base
        if not remembered:
            # Found by its `source:` with nothing remembered (the memory was lost): what the calendar said
            # before is not known, so every difference counts as an edit here too (`merge`). That it is
            # gone from the calendar is known all the same: it is cancelled.
            base = {k: here.get(k) for k in new} if gone else None
            self._unremembered()
        edited = remembered and (local.content_hash != entry.written if entry.written else any(
            here.get(k) != v for k, v in entry.base.items()))
        if self.source.authority == "local" and edited:
            if new != entry.base:
                self.report.skipped.append(Line(title, f"changed in {self.source.name}'s calendar, but edited on "
                                                "this site, which `authority = \"local\"` leaves alone"))
            else:
                self.report.unchanged += 1
            return
        merged = merge(base, new, here, self.source.authority)
        if merged.kept:
            one = len(merged.kept) == 1
            why = (f"the partner changed {'it' if one else 'them'} too" if base is not None
                   else f"{'it differs' if one else 'they differ'} from the calendar's")
            self.report.kept.append(Line(local.title, f"{', '.join(merged.kept)} ({why})"))
        sequence = local.sequence + 1 if schedule_changed(here, merged.fields) else local.sequence
        ref = local.fields.source
        if merged.fields == here and ref is not None and (ref.id, ref.uid) == (self.source.id, uid):
            entry.base = new
            self.report.unchanged += 1
            return
        path = self.site.paths[local.slug]
        checked = self._checked(title, merged.fields, None, path, sequence, uid=local.fields.uid, source_uid=uid,
                                refusals=self.report.not_updated)
        if checked is None:
            return
        text, event = checked
        if not self.dry_run:
            if file_hash(read_regular_file(path)) != local.content_hash:
                self.report.skipped.append(Line(title, f"{self._shown(path)} changed while the sync ran; "
                                                "the next sync updates it"))
                return
            atomic_write(path, text, overwrite=True)
            self.report.written.append(path)
        entry.base, entry.written = new, file_hash(text.encode())
        self.site.replace(local, event)
        changed = ", ".join(merged.changed) or "source"
        line = Line(title, f"{self._shown(path)}: {changed}" + (f" (sequence {sequence})" if sequence > local.sequence
                                                                 else ""))
        cancelled = event.status is Status.CANCELLED and local.status is not Status.CANCELLED
        (self.report.cancelled if cancelled else self.report.updated).append(line)

    def _unremembered(self) -> None:
        """Say once per sync that the memory of the source was lost, and what that means for its events."""
        if self.unremembered:
            return
        self.unremembered = True
        kept = ("differences taken from the calendar (authority = \"source\")" if self.source.authority == "source"
                else "differences kept as edited here")
        self.report.notes.append(f"no memory of {self.source.id}: {kept}")

    def _checked(
        self, title: str, flat: Flat, item: FeedEvent | None, path: Path, sequence: int, *,
        uid: str | None = None, source_uid: str | None = None, refusals: list[Line] | None = None,
    ) -> tuple[str, Event] | None:
        """The file's text and event, or None once the reason it does not validate is reported
        (in `refusals`: the report's `refused` unless told)."""
        refused = self.report.refused if refusals is None else refusals
        data, body = nested(flat)
        data["uid"] = item.event.fields.uid if item is not None else uid
        data["sequence"] = sequence or None
        data["source"] = {"id": self.source.id, "uid": item.uid if item is not None else source_uid}
        text = render_event_file(data, body)
        try:
            event = load_event_file(path, self.events_dir, self.config, last_modified=datetime.now(UTC),
                                    data=text.encode())
        except EventFileError as exc:
            reasons = "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in exc.problems)
            refused.append(Line(title, f"does not validate: {reasons}"))
            return None
        holder = self.site.by_uid.get(event.uid)
        if holder is not None and holder.slug != event.slug:
            refused.append(Line(title, f"its UID {event.uid!r} is {holder.slug}'s on this site"))
            return None
        return text, event

    def _free_slug(self, event: Event) -> str:
        base, day = slugify(event.title), event.start_date.isoformat()
        for candidate in (base, f"{base}-{day}", *(f"{base}-{day}-{n}" for n in range(2, 1000))):
            if candidate not in self.site.paths:
                return candidate
        raise AssertionError("a thousand events of one title on one day")

    def _shown(self, path: Path) -> str:
        return display_path(path, self.events_dir)


def _names_any(event: Event, words: list[str]) -> bool:
    text = f"{event.title}\n{event.body}".casefold()
    return any(re.search(re.escape(word.casefold()), text) for word in words)
