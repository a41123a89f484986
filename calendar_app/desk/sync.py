"""`calendar-app sync`: the partner calendars of `[[sources]]` brought in, with where each event came from.

A sync reads each calendar (asking the server whether it changed since the last read, by ETag
and Last-Modified: a `304` is nothing to do), converts it with the import (`importer`) into a
temporary folder, then applies its events to the site one by one (`syncapply`): new ones
published or queued for review, changed ones merged field by field (`syncmerge`), ones gone
from the calendar cancelled while still to come. What it learnt is kept in the source's memory
(`syncstate`). A calendar that cannot be read changes nothing and the others go on, and so does
one that comes back empty while upcoming events from it are on the site; an event that would
not validate is refused and the others go on.

Inside a git work tree one sync is one commit ("Sync: ovc-ttac 2 new, 1 updated"), its memory
files included. A sync that changes nothing commits nothing: the memory is written only when
what it keeps of the events changes (a fresh ETag alone is not worth a commit; such a calendar
is read whole next time), and then the report says why ("memory updated: what the calendar
says of 1 event"). `dry_run` writes nothing at all, not even the memory, and reports what would
happen.

For the web: `sync_sources` runs a sync (hold no request on it: it fetches), then the site's
`refresh`; `syncstate.last_runs` says when each source was last synced and what it did.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from ..core.clock import Clock
from ..core.config import SiteConfig
from ..core.errors import CalendarError, EventFileError, with_hint
from ..core.loader import event_files, load_event_file, load_events
from ..core.sources import SyncSource
from ..files.workspace import Workspace
from .fetch import FetchFailed, FetchPolicy, Validators, fetch_if_changed
from .history import Change, History
from .importer import ImportFailed, ImportOptions, import_calendar, read_source
from .pending import PendingQueue
from .syncapply import FeedEvent, Line, SiteIndex, SourceReport, SourceSync
from .syncmerge import flat_fields
from .syncstate import MemoryUnreadable, SourceMemory, SourceRun, memory_changes, record_runs, settings_key

AUTHOR = "calendar-app sync"


class SyncError(CalendarError):
    """The sync cannot start: an unknown source, another sync under way, the site held by an editor."""


@dataclass
class SyncReport:
    """What one sync did, source by source."""

    sources: list[SourceReport]
    dry_run: bool
    commit: str | None = None  # the commit's message, when one was made
    warning: str | None = None  # the changes are written but could not be committed

    @property
    def failed(self) -> bool:
        """Whether a source could not be read (or its changes could not all be written)."""
        return any(report.failure for report in self.sources)

    @property
    def behind(self) -> list[SourceReport]:
        """The sources with events on the site the calendar changed but that could not be updated."""
        return [report for report in self.sources if report.not_updated]

    def message(self) -> str:
        """'Sync: ovc-ttac 2 new, 1 updated; task-force 1 cancelled': the sources that changed something."""
        changed = [f"{r.source_id} {r.summary() if r.summary() != 'no changes' else f'memory updated: {r.memory}'}"
                   for r in self.sources if r.written]
        return "Sync: " + "; ".join(changed) if changed else "Sync: no changes"


@dataclass
class _Read:
    """One source read: its events, or why not; what to remember of the copy read."""

    source: SyncSource
    report: SourceReport
    memory: SourceMemory = field(default_factory=SourceMemory)
    feed: list[FeedEvent] = field(default_factory=list)
    present: set[str] = field(default_factory=set)
    empty: bool = False  # the calendar has no VEVENT at all
    remembered: dict[str, dict[str, Any]] = field(default_factory=dict)  # the memory's events as read
    validators: Validators = Validators()

    @property
    def ready(self) -> bool:
        return self.report.failure is None and not self.report.not_modified


def sync_sources(
    config: SiteConfig, events_dir: Path, state_dir: Path, *, source_id: str | None = None,
    dry_run: bool = False, today: date | None = None,
) -> SyncReport:
    """Sync every source of `config` (or the one named `source_id`) into `events_dir`.

    `state_dir` is the configuration's folder: the memory (`sync_dir`), the pending queue and
    the record of runs are there. Raises SyncError when it cannot start.
    """
    sources = [s for s in config.sources if source_id in (None, s.id)]
    if source_id is not None and not sources:
        known = ", ".join(s.id for s in config.sources) or "none are configured"
        raise SyncError(f"no source {source_id!r} in the configuration; known: {known}")
    workspace = Workspace(state_dir.absolute(), config)
    today = today or Clock.from_env(config.zone).today()
    with _held(workspace.sync_lock_file, "another sync of this site is under way", 0, skip=dry_run):
        read = [_read(source, config, workspace) for source in sources]
        with _held(workspace.lock_file, "the site is being edited; try again in a moment", 60, skip=dry_run):
            _apply(read, config, events_dir, workspace, today, dry_run)
        report = SyncReport([r.report for r in read], dry_run)
        if not dry_run:
            _commit(report, config, events_dir, workspace)
            now = datetime.now(UTC).replace(microsecond=0)
            record_runs(workspace.base, [_run(r.report, now) for r in read])
    return report


@contextmanager
def _held(path: Path, busy: str, timeout: float, *, skip: bool) -> Iterator[None]:
    """A file lock for the time of the block (none for a dry run, which writes nothing)."""
    if skip:
        yield
        return
    lock = FileLock(str(path), thread_local=False)
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise SyncError(busy) from None
    try:
        yield
    finally:
        lock.release()


# --- reading -------------------------------------------------------------------------------------


def _read(source: SyncSource, config: SiteConfig, workspace: Workspace) -> _Read:
    read = _Read(source, SourceReport(source.id, source.name))
    try:
        read.memory = SourceMemory.load(workspace.sync_dir / f"{source.id}.json")
        read.remembered = read.memory.events_json()
        data = _fetch(read, workspace)
        if data is not None:
            _convert(read, data, config)
    except (FetchFailed, ImportFailed, MemoryUnreadable) as exc:
        failure = _reworded(exc)
        # Which calendar, when the import's message does not say ("not an iCalendar file").
        where = source.url or str(_file_of(source, workspace))
        named = not isinstance(exc, ImportFailed) or failure.startswith(where)
        read.report.failure = failure if named else f"{where}: {failure}"
    return read


def _fetch(read: _Read, workspace: Workspace) -> bytes | None:
    """The calendar's bytes, or None when the server says the copy read last is current."""
    source, memory = read.source, read.memory
    if source.url is None:
        return read_source(str(_file_of(source, workspace)))
    known = memory.validators if memory.settings == settings_key(source) else Validators()
    fetched = fetch_if_changed(source.url, known, FetchPolicy(allow_private=source.allow_private), read.report.notes)
    if fetched.data is None:
        read.report.not_modified = True
        read.report.unchanged = sum(1 for _ in memory.events)
        return None
    read.validators = fetched.validators
    return fetched.data


def _file_of(source: SyncSource, workspace: Workspace) -> Path:
    """A source's file: its `path`, relative to the configuration's folder."""
    path = Path(source.path or "").expanduser()
    return path if path.is_absolute() else workspace.base / path


def _convert(read: _Read, data: bytes, config: SiteConfig) -> None:
    """The calendar's events as the import writes them, read back; the ones it refused, with why."""
    options = ImportOptions(type=read.source.defaults.type, from_address=read.source.url is not None)
    with tempfile.TemporaryDirectory(prefix="calendar-sync-") as tmp:
        folder = Path(tmp) / "events"
        outcomes = import_calendar(data, folder, config, options)
        read.empty = not outcomes
        for outcome in outcomes:
            if outcome.uid:
                read.present.add(outcome.uid)
            if outcome.path is None:
                if not outcome.present:  # a second copy of an event the calendar has already
                    read.report.refused.append(Line(outcome.title, outcome.skipped or "not read"))
            elif not outcome.uid:
                read.report.refused.append(Line(outcome.title, "the calendar gives it no UID, so it cannot be "
                                                "followed from one sync to the next"))
            else:
                try:
                    event = load_event_file(outcome.path, folder, config)
                except EventFileError as exc:  # written by the import, so not expected: refused all the same
                    read.report.refused.append(Line(outcome.title, f"does not read back: {exc}"))
                    continue
                read.feed.append(FeedEvent(outcome.uid, event, flat_fields(event.fields, event.body)))


def _reworded(exc: CalendarError) -> str:
    """The import's hints name its command's options; a source is changed in calendar.toml instead."""
    if isinstance(exc, FetchFailed) and exc.hint and "--allow-host" in exc.hint:
        return with_hint(_where_and_why(exc), "if this calendar is on your own network, set allow_private = true "
                                               "in its [[sources]] table")
    if isinstance(exc, FetchFailed) and exc.hint and "--deadline" in exc.hint:
        return _where_and_why(exc)
    return str(exc)


def _where_and_why(exc: FetchFailed) -> str:
    where = f"{exc.url} (redirected from {exc.redirected_from})" if exc.redirected_from else exc.url
    return f"{where}: {exc.reason}"


# --- applying ------------------------------------------------------------------------------------


def _apply(read: list[_Read], config: SiteConfig, events_dir: Path, workspace: Workspace, today: date,
           dry_run: bool) -> None:
    """Every source read applied in turn to the site as it is now (loaded once the site is ours)."""
    if not any(r.ready for r in read):
        return
    loaded = load_events(events_dir, config) if events_dir.is_dir() else None
    site = SiteIndex(loaded.events if loaded else [], event_files(events_dir) if events_dir.is_dir() else [])
    queue = PendingQueue(workspace.pending_dir, workspace.trash_dir, workspace.pending_lock_file)
    queued: list[tuple[FeedEvent, str]] = []
    for r in read:
        if not r.ready:
            continue
        sync = SourceSync(r.source, config, events_dir, site, r.memory, queue, today, dry_run, r.report, queued)
        try:
            if not sync.apply(r.feed, r.present, empty=r.empty):
                continue  # an empty calendar that would have cancelled everything: nothing of it is kept
        except OSError as exc:  # the disk refused a write: what was written is remembered, the rest waits
            r.report.failure = f"stopped: a file could not be written ({exc.strerror or exc})"
        _remember(r, workspace, dry_run)


def _remember(r: _Read, workspace: Workspace, dry_run: bool) -> None:
    """Write the source's memory when what it keeps of the events changed, or a failure must be read whole."""
    r.memory.validators, r.memory.settings = r.validators, settings_key(r.source)
    changed = memory_changes(r.remembered, r.memory.events)
    if r.report.failure is not None:
        r.memory.validators = Validators()  # read it whole next time
    elif not changed:
        # Only the calendar's ETag or Last-Modified is new: not worth a commit (a server that gives
        # every answer its own ETag would make one each sync). The calendar is read whole next time.
        return
    if r.report.summary() == "no changes":
        r.report.memory = "; ".join(changed) or "the calendar is read whole next time"
    path = workspace.sync_dir / f"{r.source.id}.json"
    if not dry_run and r.memory.save(path):
        r.report.written.append(path)


def _commit(report: SyncReport, config: SiteConfig, events_dir: Path, workspace: Workspace) -> None:
    """One commit (or one line of the change log) for the whole sync, if it changed a file."""
    written = [path for r in report.sources for path in r.written]
    if not written:
        return
    memory = tuple(p for p in written if p.parent == workspace.sync_dir)
    events = tuple(p for p in written if p not in memory)
    history = History(events_dir, workspace.change_log, (config.publisher_name, config.publisher_email))
    message = report.message()
    change = Change("sync", "", AUTHOR, config.publisher_email, message.removeprefix("Sync: "), events,
                    kept=memory, subject=message)
    report.warning = history.record(change)
    if report.warning is None and history.uses_git:
        report.commit = message


def _run(report: SourceReport, when: datetime) -> SourceRun:
    errors = ([report.failure] if report.failure else []) + [
        f"{line.title}: {line.detail}" for line in (*report.not_updated, *report.refused)]
    return SourceRun(report.source_id, report.name, when, report.counts(), tuple(errors),
                     failed=report.failure is not None, not_modified=report.not_modified)
