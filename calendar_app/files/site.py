"""The published state of one site: configuration, the current catalog, and reloading on change.

A running server keeps one `Site`. `refresh()` looks at file stamps (size, mtime, inode) and
reloads only files that changed; a file that turns invalid keeps its last good version on the
site (and its problem is listed for coordinators) so one bad save never breaks a feed.
Outputs that are costly to build (feeds, pages) subscribe with `on_change` and are rebuilt
once per change, never per request. With a `cache_dir`, the validated events are kept there
(see `loadcache`), so a restart over unchanged files reads none of them again.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..core.catalog import Catalog
from ..core.clock import Clock
from ..core.config import SiteConfig
from ..core.errors import EventFileError, Problem
from ..core.git import git_last_modified, relative_key
from ..core.loader import (
    FileStamp,
    collector_paused,
    cross_file_problems,
    display_path,
    event_files,
    load_event_file,
    stamp_of,
)
from ..core.model import Event
from .loadcache import CachedEvents, LoadCache

log = logging.getLogger("calendar_app")

_SAVE_EVERY_SECONDS = 60.0  # while watching, the cache is rewritten at most this often


@dataclass(frozen=True)
class _Entry:
    stamp: FileStamp
    event: Event | None  # the last good version, if any
    problems: tuple[Problem, ...]  # problems of the version on disk now


def _file_time(stamp: FileStamp) -> datetime:
    """A file's modification time as LAST-MODIFIED uses it, from the stamp already taken."""
    return datetime.fromtimestamp(stamp.mtime_ns / 1e9, tz=UTC).replace(microsecond=0)


class Site:
    """Holds the current catalog; thread-safe swaps on reload."""

    def __init__(
        self, config: SiteConfig, events_dir: Path, clock: Clock | None = None, *, cache_dir: Path | None = None
    ) -> None:
        self.config = config
        self.events_dir = events_dir
        self.clock = clock or Clock.from_env(config.zone)
        self.version = 0
        self.changed_at = datetime.now(UTC)
        self._entries: dict[Path, _Entry] = {}
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Site], None]] = []
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self.catalog = Catalog(config, [])
        self.problems: list[Problem] = []
        self.cache_dir = cache_dir  # where outputs may keep what they build across restarts too
        self._cache = LoadCache(cache_dir, events_dir, config) if cache_dir is not None else None
        self._unsaved = False
        self._saved_at = 0.0
        # One pause of the collector over reading the cache and the first load: between the two,
        # a full collection would walk every event just read (a tenth of a second at 10,000).
        with collector_paused():
            self._cached: CachedEvents = self._cache.load() if self._cache is not None else {}
            self.refresh()
        self._cached = {}  # what the first load did not use is stale
        self.save_cache()

    # --- loading ---------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Reload what changed on disk; return whether anything did."""
        with self._lock:
            try:
                paths = event_files(self.events_dir) if self.events_dir.is_dir() else []
            except OSError as exc:
                log.error("cannot list %s: %s", self.events_dir, exc)
                return False
            stamps: dict[Path, FileStamp] = {}
            for path in paths:
                try:
                    stamps[path] = stamp_of(path)
                except OSError:
                    try:
                        # Still there but unreadable (a link to nothing): a broken file, whose last
                        # good version stays published, not a removed one.
                        st = path.lstat()
                    except OSError:
                        continue  # removed between listing and stat: treated as gone
                    stamps[path] = FileStamp(st.st_size, st.st_mtime_ns, st.st_ino)
            changed = [p for p, s in stamps.items() if p not in self._entries or self._entries[p].stamp != s]
            removed = [p for p in self._entries if p not in stamps]
            if not changed and not removed and self.version:
                return False
            committed = git_last_modified(self.events_dir) if changed else {}
            entries = {p: e for p, e in self._entries.items() if p in stamps}
            with collector_paused():
                for path in changed:
                    previous = entries.get(path)
                    when = committed.get(relative_key(path, self.events_dir)) if committed else None
                    cached = self._from_cache(path, stamps[path], when)
                    if cached is not None:
                        entries[path] = _Entry(stamps[path], cached, ())
                        continue
                    self._unsaved = self._cache is not None
                    try:
                        event = load_event_file(path, self.events_dir, self.config, when or _file_time(stamps[path]))
                        entries[path] = _Entry(stamps[path], event, ())
                    except EventFileError as exc:
                        kept = previous.event if previous else None
                        entries[path] = _Entry(stamps[path], kept, tuple(exc.problems))
                        if kept is not None:
                            log.warning(
                                "%s is invalid; still serving its last good version",
                                display_path(path, self.events_dir),
                            )
                self._unsaved = self._unsaved or (self._cache is not None and bool(removed))
                self._entries = entries
                self._publish()
        for listener in list(self._listeners):
            listener(self)
        return True

    def _publish(self) -> None:
        events = [e.event for e in self._entries.values() if e.event is not None]
        duplicates = cross_file_problems(events)
        dropped = {p.path for p in duplicates}
        problems = [p for e in self._entries.values() for p in e.problems] + duplicates
        if not self.events_dir.is_dir():
            problems.append(Problem(str(self.events_dir), None, None, "the events folder does not exist"))
        self.catalog = Catalog(self.config, [e for e in events if e.path not in dropped])
        # The published events live as long as the site: frozen out of the collector's generations
        # (see gc.freeze), once per reload, as full collections otherwise walk every loaded event
        # and stall requests. Here, where the catalog is swapped in, not in `Catalog` itself:
        # freezing is process-wide, and catalogs made for a check, a test or a preview are not kept.
        gc.freeze()
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0))
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

    def save_cache(self) -> None:
        """Write the valid events to the cache, when there is one and it is out of date."""
        if self._cache is None or not self._unsaved:
            return
        entries = self._entries  # replaced, never changed in place, by refresh
        self._unsaved = False
        self._saved_at = time.monotonic()
        self._cache.save(
            {str(p): (e.stamp, e.event) for p, e in entries.items() if e.event is not None and not e.problems}
        )

    def on_change(self, listener: Callable[[Site], None]) -> None:
        """Call `listener(site)` now and after every reload that changed something."""
        self._listeners.append(listener)
        listener(self)

    # --- watching --------------------------------------------------------------------------

    def watch(self, interval: float = 2.0) -> None:
        """Reload in a background thread when the events folder changes.

        The operating system reports a change at once (through watchfiles: inotify on Linux),
        so a saved file is served within a second; the folder is also looked at every
        `interval` seconds, which covers file systems that report nothing (network shares),
        and is all there is when the folder cannot be watched.
        """
        if self._watcher is not None:
            return
        self._stop.clear()

        def reload() -> None:
            try:
                self.refresh()
                if time.monotonic() - self._saved_at > _SAVE_EVERY_SECONDS:
                    self.save_cache()
            except Exception:  # a reload must never kill the watcher; the error is logged
                log.exception("reloading events failed")

        def loop() -> None:
            try:
                import watchfiles

                for _changes in watchfiles.watch(
                    self.events_dir, stop_event=self._stop, debounce=100, rust_timeout=int(interval * 1000),
                    yield_on_timeout=True, raise_interrupt=False,
                ):
                    reload()
            except Exception as exc:  # no such folder yet, no inotify watches left: look every interval
                log.warning("cannot watch %s (%s); looking for changes every %g s", self.events_dir, exc, interval)
            while not self._stop.wait(interval):
                reload()

        self._watcher = threading.Thread(target=loop, name="calendar-watch", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
            self._watcher = None
        self.save_cache()
