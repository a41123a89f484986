"""What the running server does on its own, now and then, in one worker only.

With several worker processes over one site, exactly one of them does a scheduled job: the one
holding the job's file lock in the state folder, taken without waiting and kept while the
worker runs. The others look again now and then, so when the worker holding it stops (or dies,
which frees the lock), another takes over. A job that fails is logged and tried again an
interval later; nothing of it ever stops the server.

`WorkerSchedule` is that machinery; each job (`syncschedule.SyncSchedule`,
`alertschedule.AlertSchedule`) says when it is due and what it does in `look`.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from filelock import FileLock, Timeout

log = logging.getLogger("calendar_app")

_LOOK_EVERY_SECONDS = 30.0  # at most: how soon a job that is due starts, and another worker takes over


class WorkerSchedule:
    """A job done every `interval_seconds` in a background thread named `name`, by one worker only."""

    name = "calendar-schedule"
    what = "the scheduled job"  # for the log: "... failed"

    def __init__(self, state_dir: Path, lock_name: str, interval_seconds: float) -> None:
        self.state_dir = state_dir.absolute()
        self.interval_seconds = interval_seconds
        self.look_every = min(interval_seconds, _LOOK_EVERY_SECONDS)
        self._lock = FileLock(str(self.state_dir / lock_name), thread_local=False)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._not_before = 0.0  # monotonic: after a failure, the next try waits an interval

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
