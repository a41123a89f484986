"""The published state of one site: configuration, the current catalog, and reloading on change.

A running server keeps one `Site`. `refresh()` looks at file stamps (size, mtime, inode) and
reloads only files that changed; a file that turns invalid keeps its last good version on the
site (and its problem is listed for coordinators) so one bad save never breaks a feed.
Outputs that are costly to build (feeds, pages) subscribe with `on_change` and are rebuilt
once per change, never per request.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .catalog import Catalog
from .clock import Clock
from .config import SiteConfig
from .errors import EventFileError, Problem
from .loader import (
    FileStamp,
    cross_file_problems,
    display_path,
    event_files,
    git_last_modified,
    load_event_file,
    relative_key,
    stamp_of,
)
from .model import Event

log = logging.getLogger("calendar_app")


@dataclass(frozen=True)
class _Entry:
    stamp: FileStamp
    event: Event | None  # the last good version, if any
    problems: tuple[Problem, ...]  # problems of the version on disk now


class Site:
    """Holds the current catalog; thread-safe swaps on reload."""

    def __init__(self, config: SiteConfig, events_dir: Path, clock: Clock | None = None) -> None:
        self.config = config
        self.events_dir = events_dir
        self.clock = clock or Clock.from_env(config.zone)
        self.version = 0
        self.changed_at = datetime.now(timezone.utc)
        self._entries: dict[Path, _Entry] = {}
        self._lock = threading.Lock()
        self._listeners: list[Callable[["Site"], None]] = []
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self.catalog = Catalog(config, [])
        self.problems: list[Problem] = []
        self.refresh()

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
                    continue  # removed between listing and stat: treated as gone
            changed = [p for p, s in stamps.items() if p not in self._entries or self._entries[p].stamp != s]
            removed = [p for p in self._entries if p not in stamps]
            if not changed and not removed and self.version:
                return False
            committed = git_last_modified(self.events_dir) if changed else {}
            entries = {p: e for p, e in self._entries.items() if p in stamps}
            for path in changed:
                previous = entries.get(path)
                try:
                    event = load_event_file(path, self.events_dir, self.config, committed.get(relative_key(path, self.events_dir)))
                    entries[path] = _Entry(stamps[path], event, ())
                except EventFileError as exc:
                    kept = previous.event if previous else None
                    entries[path] = _Entry(stamps[path], kept, tuple(exc.problems))
                    if kept is not None:
                        log.warning("%s is invalid; still serving its last good version", display_path(path, self.events_dir))
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
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0))
        self.version += 1
        self.changed_at = datetime.now(timezone.utc)

    def on_change(self, listener: Callable[["Site"], None]) -> None:
        """Call `listener(site)` now and after every reload that changed something."""
        self._listeners.append(listener)
        listener(self)

    # --- watching --------------------------------------------------------------------------

    def watch(self, interval: float = 2.0) -> None:
        """Poll the events folder every `interval` seconds in a background thread."""
        if self._watcher is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.refresh()
                except Exception:  # a reload must never kill the watcher; the error is logged
                    log.exception("reloading events failed")

        self._watcher = threading.Thread(target=loop, name="calendar-watch", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
            self._watcher = None
