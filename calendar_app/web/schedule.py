"""What the running server does on its own, now and then, in one worker only.

With several worker processes over one site, exactly one of them does a scheduled job: the one
holding the job's file lock in the state folder, taken without waiting and kept while the
worker runs. The others look again now and then, so when the worker holding it stops (or dies,
which frees the lock), another takes over. A job that fails is logged and tried again an
interval later; nothing of it ever stops the server.

`WorkerSchedule` is that machinery, over one site and its state folder, made by `for_site` when
the job's interval is set; each job (`syncschedule.SyncSchedule`, `alertschedule.AlertSchedule`)
names its lock, says whether it is wanted and, in `look`, when it is due and what it does.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Self

from filelock import FileLock, Timeout

from ..files.site import Site

log = logging.getLogger("calendar_app")

_LOOK_EVERY_SECONDS = 30.0  # at most: how soon a job that is due starts, and another worker takes over


class WorkerSchedule:
    """A job on `site` done every `interval_minutes` in a background thread named `name`, by one worker only."""

    name = "calendar-schedule"
    what = "the scheduled job"  # for the log: "... failed"
    lock_name = ".calendar-schedule.lock"  # in the state folder; one per job, so jobs lead apart

    def __init__(self, site: Site, state_dir: Path, interval_minutes: float) -> None:
        self.site = site
        self.state_dir = state_dir.absolute()
        self.interval_seconds = interval_minutes * 60
        self.look_every = min(self.interval_seconds, _LOOK_EVERY_SECONDS)
        self._lock = FileLock(str(self.state_dir / self.lock_name), thread_local=False)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._not_before = 0.0  # monotonic: after a failure, the next try waits an interval

    @classmethod
    def for_site(cls, site: Site, state_dir: Path, interval_minutes: float | None) -> Self | None:
        """The job every `interval_minutes`, or None when the setting is unset or 0 (the job is off)."""
        return cls(site, state_dir, interval_minutes) if interval_minutes else None

    @property
    def leading(self) -> bool:
        """Whether this worker is the one that does the job."""
        return self._lock.is_locked

    @property
    def wanted(self) -> bool:
        """Whether there is anything to do at all (a sync needs sources)."""
        return True

    def start(self) -> None:
        if self._thread is not None or not self.wanted:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop looking; a job under way finishes within its own deadlines, or is left to end alone."""
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
                log.exception("%s failed", self.what)
                self._not_before = time.monotonic() + self.interval_seconds
            self._stop.wait(self.look_every)

    def look(self) -> bool:
        """Take the lead if no other worker has it, then do the job if due; whether it ran."""
        raise NotImplementedError

    def may_work(self) -> bool:
        """Whether this worker leads and is past the pause after a failure (for `look`)."""
        return self._lead() and time.monotonic() >= self._not_before

    def _lead(self) -> bool:
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        log.info("this worker does %s every %g minutes", self.what.removeprefix("the "), self.interval_seconds / 60)
        return True
