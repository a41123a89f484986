"""The published state of one site: configuration, the current catalog, and reloading on change.

A running server keeps one `Site`. `refresh()` looks at file stamps (size, mtime, inode) and
reloads only files that changed; `refresh(paths)` looks only at the files the watcher named. A
file that turns invalid keeps its last good version on the site (and its problem is listed for
coordinators) so one bad save never breaks a feed. After a few changes the new catalog is made
from the one before (`Catalog.changed`), not from scratch. Outputs that are costly to build
(feeds, pages) subscribe with `on_change` and are rebuilt once per change, never per request.
With a `cache_dir`, the validated events are kept there (see `loadcache`), so a restart over
unchanged files reads none of them again; when thousands are to be read, they are read across
processes (see `coldstart`).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..core.catalog import Catalog
from ..core.clock import Clock
from ..core.config import SiteConfig
from ..core.errors import Problem
from ..core.git import git_last_modified, relative_key
from ..core.loader import (
    FileStamp,
    collector_paused,
    cross_file_problems,
    display_path,
    event_files,
    stamp_of,
)
from ..core.model import Event
from .coldstart import PROCESSES_FROM, Prebuild, ToRead, read_files
from .loadcache import CachedEvents, LoadCache

log = logging.getLogger("calendar_app")

_SAVE_EVERY_SECONDS = 60.0  # while watching, the cache is rewritten at most this often
_LOOK_SHARE = 10  # the whole folder is looked at no more often than ten times what a look takes
_GIT_FILES = 100  # changed files asked of git by name; more, and git is asked about the whole folder


@dataclass(frozen=True)
class _Entry:
    stamp: FileStamp
    event: Event | None  # the last good version, if any
    problems: tuple[Problem, ...]  # problems of the version on disk now


def _file_time(stamp: FileStamp) -> datetime:
    """A file's modification time as LAST-MODIFIED uses it, from the stamp already taken."""
    return datetime.fromtimestamp(stamp.mtime_ns / 1e9, tz=UTC).replace(microsecond=0)


def _events(entries: Iterable[_Entry]) -> list[Event]:
    """The events of `entries` that have one (a file never valid has none)."""
    return [e.event for e in entries if e.event is not None]


def _stamp_or_none(path: Path) -> FileStamp | None:
    """The file's stamp; a link to nothing has its own (a broken file, not a removed one); None
    when it is gone."""
    try:
        return stamp_of(path)
    except OSError:
        try:
            st = path.lstat()
        except OSError:
            return None
        return FileStamp(st.st_size, st.st_mtime_ns, st.st_ino)


class Site:
    """Holds the current catalog; thread-safe swaps on reload.

    `prebuild(event, config)`, when given, is what a consumer of the site makes of each event
    (the server: its VEVENT bytes): when files are read across processes, each process makes it
    for the events it read, and `take_prebuilt` hands them over once.
    """

    def __init__(
        self,
        config: SiteConfig,
        events_dir: Path,
        clock: Clock | None = None,
        *,
        cache_dir: Path | None = None,
        prebuild: Prebuild | None = None,
        processes_from: int = PROCESSES_FROM,
    ) -> None:
        self.config = config
        self.events_dir = events_dir
        self.clock = clock or Clock.from_env(config.zone)
        self.version = 0
        self.changed_at = datetime.now(UTC)
        self._entries: dict[Path, _Entry] = {}
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Site], None]] = []
        self._watchers: list[threading.Thread] = []
        self._stop = threading.Event()
        self.catalog = Catalog(config, [])
        self.problems: list[Problem] = []
        self.cache_dir = cache_dir  # where outputs may keep what they build across restarts too
        self._cache = LoadCache(cache_dir, events_dir, config) if cache_dir is not None else None
        self._unsaved = False
        self._read_valid = False
        self._saved_at = 0.0
        self._prebuild = prebuild
        self._processes_from = processes_from
        self._prebuilt: list[tuple[Event, bytes]] = []
        self._pickled_rows: tuple[int, list[bytes]] | None = None  # (version, rows) from reading across processes
        # What `_publish` keeps between reloads, so that a change costs what it touches.
        self._file_problems: dict[Path, tuple[Problem, ...]] = {}
        self._duplicates: list[Problem] = []
        self._slugs: Counter[str] = Counter()
        self._uids: Counter[str] = Counter()
        self._folders: set[Path] = set()  # folders holding event files, when last looked at whole
        self._refreshes = 0  # counted, so a look over the whole folder knows it may be out of date
        self._look_seconds = 0.0
        # One pause of the collector over reading the cache and the first load: between the two,
        # a full collection would walk every event just read (a tenth of a second at 10,000).
        with collector_paused():
            self._cached: CachedEvents = self._cache.load() if self._cache is not None else {}
            self.refresh()
        self._cached = {}  # what the first load did not use is stale
        self._saving = threading.Lock()  # one save at a time (see `watch`)
        self.save_cache()

    # --- loading ---------------------------------------------------------------------------

    def refresh(self, paths: Iterable[str | os.PathLike[str]] | None = None) -> bool:
        """Reload what changed on disk; return whether anything did.

        `paths` names what changed, as the watcher reports it: then only those files are looked
        at, unless one is a folder or outside the events folder, when the whole folder is.
        """
        named = self._named(paths) if paths is not None else None
        stamps: dict[Path, FileStamp] = {}
        if named is None:
            counted, started = self._refreshes, time.monotonic()
            try:
                stamps = self._look()  # every file's stamp, outside the lock: a look may take seconds
            except OSError as exc:
                log.error("cannot list %s: %s", self.events_dir, exc)
                return False
            self._look_seconds = time.monotonic() - started
        with self._lock:
            self._refreshes += 1
            entries = self._entries
            if named is None:
                named = {p: s for p, s in stamps.items() if p not in entries or entries[p].stamp != s}
                named.update((p, None) for p in entries if p not in stamps)
                if counted != self._refreshes - 1:  # another reload came in between: look again at these
                    named = {p: _stamp_or_none(p) for p in named}
            changed = {p: s for p, s in named.items() if s is not None and (p not in entries or entries[p].stamp != s)}
            removed = [p for p, s in named.items() if s is None and p in entries]
            if not changed and not removed and self.version:
                return False
            with collector_paused():
                loaded = self._load(changed, entries)
                # A start that took every event from the cache, and found none of it stale, has
                # nothing to write: rewriting it would add a second to every restart at 10,000.
                stale = not self.version and bool(self._cached)
                unsaved = self._unsaved or self._read_valid or stale or bool(removed)
                self._unsaved = self._cache is not None and unsaved
                self._publish(loaded, removed)
        # The outputs rebuilt now (the feeds: a view of each VEVENT, tens of thousands of objects)
        # are made with the collector paused, as the events are: collections triggered as they are
        # made would walk them, and everything not frozen, over and over.
        with collector_paused():
            for listener in list(self._listeners):
                listener(self)
        return True

    def _look(self) -> dict[Path, FileStamp]:
        """The stamp of every event file, and the folders that hold them."""
        paths = event_files(self.events_dir) if self.events_dir.is_dir() else []
        stamps: dict[Path, FileStamp] = {}
        folders: set[Path] = set()
        for path in paths:
            stamp = _stamp_or_none(path)
            if stamp is None:
                continue  # removed between listing and stat: treated as gone
            stamps[path] = stamp
            folder = path.parent
            while folder not in folders and folder != self.events_dir and folder != folder.parent:
                folders.add(folder)
                folder = folder.parent
        self._folders = folders
        return stamps

    def _named(self, paths: Iterable[str | os.PathLike[str]]) -> dict[Path, FileStamp | None] | None:
        """The stamp (None: gone) of each event file among `paths`, by the path `event_files`
        would give; None when the whole folder must be looked at (a folder made, moved or
        removed, or a path outside it). Other files (an editor's temporary ones) are left out."""
        root = os.path.abspath(self.events_dir)
        found: dict[Path, FileStamp | None] = {}
        for raw in paths:
            full = os.path.abspath(raw)
            relative = os.path.relpath(full, root)
            if relative == os.curdir or relative == os.pardir or relative.startswith(os.pardir + os.sep):
                return None
            parts = relative.split(os.sep)
            if any(part.startswith((".", "_")) for part in parts[:-1]) or parts[-1].startswith("."):
                continue  # in a hidden folder, or hidden: never an event file
            path = self.events_dir.joinpath(*parts)
            if os.path.isdir(full) or path in self._folders:
                return None
            if not parts[-1].endswith(".md"):
                continue
            if any(os.path.islink(os.path.join(root, *parts[:i])) for i in range(1, len(parts))):
                continue  # under a linked folder, which `event_files` does not walk into
            found[path] = _stamp_or_none(path)
        return found

    def _load(self, changed: dict[Path, FileStamp], entries: dict[Path, _Entry]) -> dict[Path, _Entry]:
        """The new entry of each changed file: from the cache when it is the file it was made
        from, else read (across processes when there are many)."""
        self._read_valid = False  # whether a valid event was read from its file, not the cache
        if not changed:
            return {}
        many = not self.version or len(changed) > _GIT_FILES
        committed = git_last_modified(self.events_dir, None if many else list(changed))
        loaded: dict[Path, _Entry] = {}
        to_read: list[ToRead] = []
        for path, stamp in changed.items():
            when = committed.get(relative_key(path, self.events_dir)) if committed else None
            cached = self._from_cache(path, stamp, when)
            if cached is not None:
                loaded[path] = _Entry(stamp, cached, ())
            else:
                to_read.append(ToRead(path, stamp, when or _file_time(stamp)))
        read = read_files(to_read, self.events_dir, self.config, self._prebuild, processes_from=self._processes_from)
        self._read_valid = any(isinstance(result, Event) for result in read.results)
        self._prebuilt.extend(read.prebuilt)
        if read.rows and len(to_read) == len(changed) and not entries:
            self._pickled_rows = (self.version + 1, read.rows)  # every event of the site: the cache as it is
        for item, result in zip(to_read, read.results, strict=True):
            if isinstance(result, Event):
                loaded[item.path] = _Entry(item.stamp, result, ())
                continue
            previous = entries.get(item.path)
            kept = previous.event if previous else None
            loaded[item.path] = _Entry(item.stamp, kept, result)
            if kept is not None:
                shown = display_path(item.path, self.events_dir)
                log.warning("%s is invalid; still serving its last good version", shown)
        return {path: loaded[path] for path in changed}  # in the order the files were listed

    def _publish(self, loaded: dict[Path, _Entry], removed: list[Path]) -> None:
        """Swap in the new entries and the catalog they make: changed from the one before when
        no duplicate slug or uid is involved, else made again from every event."""
        old = self._entries
        entries = dict(old)  # copied whole and then edited: a change is a few files of many
        for path in removed:
            del entries[path]
        entries.update(loaded)
        before = _events(old[p] for p in [*loaded, *removed] if p in old)
        after = _events(loaded.values())
        self._slugs.subtract(e.slug for e in before)
        self._slugs.update(e.slug for e in after)
        self._uids.subtract(e.uid for e in before)
        self._uids.update(e.uid for e in after)
        for path in [*loaded, *removed]:
            entry = entries.get(path)
            if entry is not None and entry.problems:
                self._file_problems[path] = entry.problems
            else:
                self._file_problems.pop(path, None)
        touched = {e.slug for e in [*before, *after]}, {e.uid for e in [*before, *after]}
        incremental = (
            self.version
            and not self._duplicates
            and all(self._slugs[s] <= 1 for s in touched[0])
            and all(self._uids[u] <= 1 for u in touched[1])
            and len(before) + len(after) <= max(64, len(old) // 8)
        )
        if incremental:
            changed = {id(e) for e in before} ^ {id(e) for e in after}  # a kept last good version is no change
            catalog = self.catalog.changed(
                [e for e in after if id(e) in changed], [e for e in before if id(e) in changed]
            )
        else:
            events = _events(entries.values())
            self._duplicates = cross_file_problems(events)
            dropped = {p.path for p in self._duplicates}
            catalog = Catalog(self.config, [e for e in events if e.path not in dropped])
            self._slugs = Counter(e.slug for e in events)
            self._uids = Counter(e.uid for e in events)
        problems = [p for found in self._file_problems.values() for p in found] + self._duplicates
        if not self.events_dir.is_dir():
            problems.append(Problem(str(self.events_dir), None, None, "the events folder does not exist"))
        self._entries = entries
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0))
        self.catalog = catalog
        # The published events live as long as the site: frozen out of the collector's generations
        # (see gc.freeze), once per reload, as full collections otherwise walk every loaded event
        # and stall requests. Here, where the catalog is swapped in, not in `Catalog` itself:
        # freezing is process-wide, and catalogs made for a check, a test or a preview are not kept.
        gc.freeze()
        self.version += 1
        self.changed_at = datetime.now(UTC)

    def _from_cache(self, path: Path, stamp: FileStamp, committed: datetime | None) -> Event | None:
        """The cached event of `path` if the file is the one it was made from, with the same times."""
        found = self._cached.pop(str(path), None)
        if found is None or found[0] != stamp:
            return None
        event = found[1]
        # LAST-MODIFIED is the file's last commit, else its modification time: a file committed
        # since (same bytes, same stamp) must not keep the time it had before.
        return event if event.last_modified == (committed or _file_time(stamp)) else None

    def take_prebuilt(self) -> list[tuple[Event, bytes]]:
        """What `prebuild` made of the events read across processes since the last call (see the
        class docstring); empty when they were read in this process."""
        with self._lock:
            found, self._prebuilt = self._prebuilt, []
        return found

    def save_cache(self) -> None:
        """Write the valid events to the cache, when there is one and it is out of date."""
        self._saved_at = time.monotonic()
        if self._cache is None or not self._unsaved:
            return
        entries = self._entries  # replaced, never changed in place, by refresh
        self._unsaved = False
        rows, self._pickled_rows = self._pickled_rows, None
        if rows is not None and rows[0] == self.version:
            self._cache.save_pickled(rows[1])  # as the processes that read the files pickled them
            return
        self._cache.save(
            {str(p): (e.stamp, e.event) for p, e in entries.items() if e.event is not None and not e.problems}
        )

    def on_change(self, listener: Callable[[Site], None]) -> None:
        """Call `listener(site)` now and after every reload that changed something."""
        self._listeners.append(listener)
        listener(self)

    # --- watching --------------------------------------------------------------------------

    def watch(self, interval: float = 2.0) -> None:
        """Reload in background threads when the events folder changes.

        The operating system reports a change at once (through watchfiles: inotify on Linux),
        and only the files it names are read again, so a saved file is served within a second
        however many there are. The whole folder is also looked at every `interval` seconds, or,
        when a look takes long (a folder of many thousands), at most a tenth of the time; that
        covers file systems that report nothing (network shares), and is all there is when the
        folder cannot be watched.
        """
        if self._watchers:
            return
        self._stop.clear()

        def reload(paths: list[str] | None) -> None:
            try:
                self.refresh(paths)
                if time.monotonic() - self._saved_at > _SAVE_EVERY_SECONDS and self._saving.acquire(blocking=False):
                    # In a thread of its own: pickling every event takes seconds at 100,000, and a
                    # change that comes meanwhile must not wait for it.
                    threading.Thread(target=save, name="calendar-cache-save", daemon=True).start()
            except Exception:  # a reload must never kill the watcher; the error is logged
                log.exception("reloading events failed")

        def save() -> None:
            try:
                self.save_cache()
            except Exception:  # the next save tries again; the error is logged
                log.exception("saving the events cache failed")
            finally:
                self._saving.release()

        def notified() -> None:
            try:
                import watchfiles

                for changes in watchfiles.watch(
                    self.events_dir, stop_event=self._stop, debounce=100, rust_timeout=int(interval * 1000),
                    yield_on_timeout=True, raise_interrupt=False,
                ):
                    if changes:
                        reload([path for _change, path in changes])
            except Exception as exc:  # no such folder yet, no inotify watches left: the looks go on
                log.warning("cannot watch %s (%s); looking for changes every %g s", self.events_dir, exc, interval)

        def looking() -> None:
            while not self._stop.wait(max(interval, self._look_seconds * _LOOK_SHARE)):
                reload(None)

        self._watchers = [
            threading.Thread(target=notified, name="calendar-watch", daemon=True),
            threading.Thread(target=looking, name="calendar-look", daemon=True),
        ]
        for thread in self._watchers:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._watchers:
            thread.join(timeout=5)
        self._watchers = []
        with self._saving:  # after a save under way, if any
            self.save_cache()
