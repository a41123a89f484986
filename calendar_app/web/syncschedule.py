"""The running server's own sync of the partner calendars, every `sync_interval_minutes`.

With several worker processes over one site, exactly one of them syncs: the one holding the
schedule's file lock in the state folder, taken without waiting and kept while the worker runs.
The others look again now and then, so when the worker holding it stops (or dies, which frees
the lock), another takes over. The files a sync writes reach the other workers through their
watchers; the syncing worker reloads its own site at once.

A sync is due when the interval has passed since the last run of a configured source that was
synced longest ago (`syncstate.last_runs`, shared by every worker, `calendar-app sync` and the
**Sync now** button alike), so a restart does not sync again at once. A sync that finds another
under way is tried again at the next look; one that fails is logged and tried again an interval
later. Nothing of it ever stops the server.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from filelock import FileLock, Timeout

from ..desk.sync import SyncError, sync_sources
from ..desk.syncstate import last_runs
from ..files.site import Site

log = logging.getLogger("calendar_app")

LOCK_NAME = ".calendar-sync-schedule.lock"
_LOOK_EVERY_SECONDS = 30.0  # at most: how soon a sync that is due starts, and another worker takes over


class SyncSchedule:
    """Syncs `site`'s sources every `interval_minutes` in a background thread, in one worker only."""

    def __init__(self, site: Site, state_dir: Path, interval_minutes: float) -> None:
        self.site = site
        self.state_dir = state_dir.absolute()
        self.interval = timedelta(minutes=interval_minutes)
        self.look_every = min(self.interval.total_seconds(), _LOOK_EVERY_SECONDS)
        self._lock = FileLock(str(self.state_dir / LOCK_NAME), thread_local=False)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._not_before = 0.0  # monotonic: after a failure, the next try waits an interval

    @property
    def leading(self) -> bool:
        """Whether this worker is the one that syncs."""
        return self._lock.is_locked

    def start(self) -> None:
        if self._thread is not None or not self.site.config.sources:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="calendar-sync-schedule", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop looking; a sync under way finishes within its fetch deadline, or is left to end alone."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None
        if self._lock.is_locked:
            self._lock.release(force=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.look()
            except Exception:  # the schedule must never take the server down; the next look tries again
                log.exception("the scheduled sync of the partner calendars failed")
                self._not_before = time.monotonic() + self.interval.total_seconds()
            self._stop.wait(self.look_every)

    def look(self) -> bool:
        """Take the lead if no other worker has it, then sync if due; whether a sync ran."""
        if not self._lead() or time.monotonic() < self._not_before or not self.due():
            return False
        config = self.site.config
        try:
            report = sync_sources(config, self.site.events_dir, self.state_dir, today=self.site.clock.today())
        except SyncError as exc:  # cron, or a coordinator's Sync now: the next look tries again
            log.info("scheduled sync skipped: %s", exc)
            return False
        self.site.refresh()
        for source in report.sources:
            if source.failure:
                log.warning("scheduled sync: %s (%s) failed: %s", source.source_id, source.name, source.failure)
        log.info("scheduled sync: %s", report.message())
        if report.warning:
            log.warning("scheduled sync: %s", report.warning)
        return True

    def due(self, now: datetime | None = None) -> bool:
        """Whether a configured source has not been synced for an interval (or ever)."""
        now = now or datetime.now(UTC)
        synced = {run.source_id: run.time for run in last_runs(self.state_dir)}
        oldest = [synced.get(source.id) for source in self.site.config.sources]
        if any(when is None for when in oldest):
            return True
        return now - min(when for when in oldest if when is not None) >= self.interval

    def _lead(self) -> bool:
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        log.info("this worker syncs the partner calendars every %g minutes",
                 self.interval.total_seconds() / 60)
        return True
