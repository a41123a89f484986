"""The running server's own sync of the partner calendars, every `sync_interval_minutes`.

With several worker processes over one site, exactly one of them syncs: the one holding the
schedule's file lock in the state folder (`schedule.WorkerSchedule`). The files a sync writes
reach the other workers through their watchers; the syncing worker reloads its own site at once.

A sync is due when the interval has passed since the last run of a configured source that was
synced longest ago (`syncstate.last_runs`, shared by every worker, `calendar-app sync` and the
**Sync now** button alike), so a restart does not sync again at once. A sync that finds another
under way is tried again at the next look; one that fails is logged and tried again an interval
later. Nothing of it ever stops the server.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..desk.sync import SyncError, sync_sources
from ..desk.syncstate import last_runs
from .schedule import WorkerSchedule, log

LOCK_NAME = ".calendar-sync-schedule.lock"


class SyncSchedule(WorkerSchedule):
    """Syncs `site`'s sources every `interval_minutes` in a background thread, in one worker only."""

    name = "calendar-sync-schedule"
    what = "the scheduled sync of the partner calendars"
    lock_name = LOCK_NAME

    @property
    def wanted(self) -> bool:
        return bool(self.site.config.sources)

    def look(self) -> bool:
        """Take the lead if no other worker has it, then sync if due; whether a sync ran."""
        if not self.may_work() or not self.due():
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
        return now - min(when for when in oldest if when is not None) >= timedelta(seconds=self.interval_seconds)
