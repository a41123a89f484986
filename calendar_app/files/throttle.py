"""Counting attempts per key in a sliding window: failed logins, wrong API tokens, suggestions.

A server with several worker processes must count one address's attempts once, not once per
worker (four workers would otherwise give four times the tries). So the counts live in a small
SQLite file beside the site's other private state (`AttemptsFile`), which every worker opens:
SQLite does the locking between processes, and `take` checks and counts in one transaction, so
requests sent at once cannot all slip under the limit. Keys are stored as keyed digests (HMAC
with the site's secret), so the file tells no address or typed name to whoever reads it.

When the file cannot be used (a read-only or full disk, a lock held too long) the counts are kept
in memory for a minute before the file is tried again, which only ever lets a person back in
sooner: a login never fails because its count could not be written. Without a file (tests, the
command line) the counts are in memory. The clock is injectable so tests can move time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from .statefile import PrivateDatabase

log = logging.getLogger("calendar_app.throttle")
T = TypeVar("T")
RETRY_FILE_AFTER = 60.0  # seconds in memory after the file failed, before it is tried again


class Throttle:
    """Allow at most `limit` attempts per key within `window` seconds.

    With `store`, the attempts are kept in that file under `scope`, shared by every process
    that opens it; the clock must then be the wall clock, which all of them read alike.
    """

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.time,
        store: AttemptsFile | None = None, scope: str = "",
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.scope = scope
        self._store = store
        self._memory = _MemoryHits()
        self._file_failed_at: float | None = None
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Count an attempt if `key` is under the limit and return 0; else the seconds to wait."""
        now = self.clock()
        return self._call(lambda hits: hits.take(self.scope, key, now, self.window, self.limit))

    def count(self, key: str) -> None:
        """Count an attempt whatever the limit: one that is only watched, never refused here."""
        now = self.clock()
        self._call(lambda hits: hits.add(self.scope, key, now, now - self.window))

    def retry_after(self, key: str, limit: int | None = None) -> float:
        """Seconds until `key` may try again; 0 when it may now. Counts nothing.

        With `limit`, against that many attempts instead of the throttle's own: `limit=1` gives the
        seconds until the key's latest attempt leaves the window.
        """
        now = self.clock()
        allowed = self.limit if limit is None else limit
        return self._call(
            lambda hits: _wait(hits.recent(self.scope, key, now - self.window), allowed, self.window, now)
        )

    def give_back(self, key: str) -> None:
        """Uncount `key`'s latest attempt: it succeeded, or never took place after all."""
        self._call(lambda hits: hits.drop_latest(self.scope, key))

    def reset(self, key: str) -> None:
        self._call(lambda hits: hits.clear(self.scope, key))

    def _call(self, step: Callable[[_Hits], T]) -> T:
        with self._lock:
            store = self._store
            if store is not None and (self._file_failed_at is None
                                      or time.monotonic() - self._file_failed_at > RETRY_FILE_AFTER):
                try:
                    result = step(store)
                    self._file_failed_at = None
                    return result
                except sqlite3.Error as exc:
                    if self._file_failed_at is None:
                        log.warning("cannot use the attempt counts in %s (%s); counting in memory for now",
                                    store.path, exc)
                    self._file_failed_at = time.monotonic()
            return step(self._memory)


def _wait(times: list[float], limit: int, window: float, now: float) -> float:
    """With `times` the attempts inside the window, oldest first: the seconds until one more may come."""
    if len(times) < limit:
        return 0.0
    if limit <= 0:
        return window  # none allowed (`suggestions_per_hour = 0`)
    return max(0.0, times[-limit] + window - now)


class _Hits(Protocol):
    def recent(self, scope: str, key: str, since: float) -> list[float]: ...
    def take(self, scope: str, key: str, at: float, window: float, limit: int) -> float: ...
    def add(self, scope: str, key: str, at: float, forget_before: float) -> None: ...
    def drop_latest(self, scope: str, key: str) -> None: ...
    def clear(self, scope: str, key: str) -> None: ...


class _MemoryHits:
    """The attempts of this process; the caller holds the throttle's lock."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def recent(self, scope: str, key: str, since: float) -> list[float]:
        hits = self._hits.get((scope, key))
        while hits and hits[0] <= since:
            hits.popleft()
        return list(hits or ())

    def take(self, scope: str, key: str, at: float, window: float, limit: int) -> float:
        wait = _wait(self.recent(scope, key, at - window), limit, window, at)
        if wait == 0:
            self.add(scope, key, at, at - window)
        return wait

    def add(self, scope: str, key: str, at: float, forget_before: float) -> None:
        self.recent(scope, key, forget_before)
        self._hits.setdefault((scope, key), deque()).append(at)
        if len(self._hits) > 100_000:  # an address flood must not grow memory without bound
            for idle in [k for k, hits in self._hits.items() if not hits or hits[-1] <= forget_before]:
                del self._hits[idle]

    def drop_latest(self, scope: str, key: str) -> None:
        hits = self._hits.get((scope, key))
        if hits:
            hits.pop()

    def clear(self, scope: str, key: str) -> None:
        self._hits.pop((scope, key), None)


class AttemptsFile:
    """The SQLite file of attempts: one connection per process, shared by its throttles."""

    def __init__(self, path: Path, secret: str) -> None:
        self.path = path
        self._key = hashlib.sha256(b"calendar-app attempts\0" + secret.encode()).digest()
        self._database = PrivateDatabase(path, (
            "CREATE TABLE IF NOT EXISTS hits (scope TEXT NOT NULL, key TEXT NOT NULL, at REAL NOT NULL)",
            "CREATE INDEX IF NOT EXISTS hits_by_key ON hits (scope, key, at)",
            "CREATE INDEX IF NOT EXISTS hits_by_time ON hits (scope, at)",
        ))

    def recent(self, scope: str, key: str, since: float) -> list[float]:
        with self._database.lock:
            return self._times(self._database.connection(), scope, key, since)

    def take(self, scope: str, key: str, at: float, window: float, limit: int) -> float:
        with self._database.lock, self._database.transaction() as db:
            wait = _wait(self._times(db, scope, key, at - window), limit, window, at)
            if wait == 0:
                self._insert(db, scope, key, at, at - window)
            return wait

    def add(self, scope: str, key: str, at: float, forget_before: float) -> None:
        with self._database.lock, self._database.transaction() as db:
            self._insert(db, scope, key, at, forget_before)

    def drop_latest(self, scope: str, key: str) -> None:
        with self._database.lock, self._database.transaction() as db:
            db.execute("DELETE FROM hits WHERE rowid = (SELECT rowid FROM hits WHERE scope = ? AND key = ? "
                       "ORDER BY at DESC LIMIT 1)", (scope, self._digest(key)))

    def clear(self, scope: str, key: str) -> None:
        with self._database.lock, self._database.transaction() as db:
            db.execute("DELETE FROM hits WHERE scope = ? AND key = ?", (scope, self._digest(key)))

    def _times(self, db: sqlite3.Connection, scope: str, key: str, since: float) -> list[float]:
        rows = db.execute("SELECT at FROM hits WHERE scope = ? AND key = ? AND at > ? ORDER BY at",
                          (scope, self._digest(key), since))
        return [at for (at,) in rows]

    def _insert(self, db: sqlite3.Connection, scope: str, key: str, at: float, forget_before: float) -> None:
        db.execute("INSERT INTO hits (scope, key, at) VALUES (?, ?, ?)", (scope, self._digest(key), at))
        # Attempts past the window are forgotten as new ones come, so the file stays small.
        db.execute("DELETE FROM hits WHERE scope = ? AND at <= ?", (scope, forget_before))

    def _digest(self, key: str) -> str:
        return hmac.new(self._key, key.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
