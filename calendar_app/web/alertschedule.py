"""The running server's own sending of the e-mail alerts that are due, every `alerts_interval_minutes`.

One worker sends (the one holding the schedule's lock, `schedule.WorkerSchedule`), from the
catalog it serves; `desk.alerts.send_alerts` decides which digests are due, and its own lock
keeps a `calendar-app alerts send` from cron and the schedule from running at once.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..desk.alerts import send_alerts
from ..desk.alertstore import AlertStore
from ..files.site import Site
from ..files.workspace import Workspace
from .schedule import WorkerSchedule, log

LOCK_NAME = ".calendar-alerts-schedule.lock"


class AlertSchedule(WorkerSchedule):
    name = "calendar-alerts-schedule"
    what = "the scheduled sending of the e-mail alerts"
    lock_name = LOCK_NAME

    def __init__(self, site: Site, state_dir: Path, interval_minutes: float) -> None:
        super().__init__(site, state_dir, interval_minutes)
        self.workspace = Workspace(self.state_dir, site.config)
        self.store = AlertStore(self.workspace.alerts_file)
        self._next_run = 0.0  # monotonic; each subscription's own period says whether its digest is due

    @property
    def wanted(self) -> bool:
        return bool(self.site.config.smtp_host)

    def look(self) -> bool:
        """Take the lead if no other worker has it, then send what is due; whether a run took place."""
        if time.monotonic() < self._next_run or not self.may_work():
            return False
        run = send_alerts(self.site.config, self.site.catalog, self.store, self.workspace.alerts_lock_file,
                          today=self.site.clock.today())
        if run.busy:  # a `calendar-app alerts send` under way: the next look tries again
            return False
        self._next_run = time.monotonic() + self.interval_seconds
        if run.sent or run.failed or run.settled:
            log.info("e-mail alerts: %d sent, %d refused by the SMTP server (tried again next time)",
                     len(run.sent), len(run.failed))
        for problem in run.problems:
            log.warning("e-mail alerts: %s", problem)
        if run.held_back:
            log.info("e-mail alerts: %d wait for the next run (alerts_max_per_run)", run.held_back)
        if run.stopped:
            log.warning("e-mail alerts: %s; the rest wait for the next run", run.stopped)
        return True
