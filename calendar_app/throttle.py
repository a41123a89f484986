"""Counting attempts per key in a sliding window: failed logins, wrong API tokens, suggestions.

A server with several worker processes must count one address's attempts once, not once per
worker (four workers would otherwise give four times the tries). So the counts can live in a
small SQLite file beside the site's other private state, which every worker opens: SQLite does
the locking between processes. Keys are stored as digests, so the file holds no address or typed
name. Without a file, or when the file cannot be used (a read-only or full disk), the counts are
kept in memory for the process, which only ever lets a person back in sooner; a login never fails
because its count could not be written. The clock is injectable so tests can move time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from pathlib import Path
from typing import Callable, Protocol, TypeVar

log = logging.getLogger("calendar_app.throttle")
T = TypeVar("T")


class Throttle:
    """Allow at most `limit` hits per key within `window` seconds.

    With `store`, the hits are kept in that SQLite file under `scope`, shared by every process
    that opens it; the clock must then be the wall clock, which all of them read alike.
    """

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.time,
        store: Path | None = None, scope: str = "",
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._memory = _MemoryHits()
        self._file = _FileHits(store, scope) if store is not None else None
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        with self._lock:
            now = self.clock()
            hits = self._call(lambda hits: hits.recent(key, now - self.window))
            if len(hits) < self.limit:
                return 0.0
            return max(0.0, hits[-self.limit] + self.window - now)

    def hit(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            self._call(lambda hits: hits.add(key, now, now - self.window))

    def reset(self, key: str) -> None:
        with self._lock:
            self._call(lambda hits: hits.clear(key))

    def _call(self, step: Callable[[_Hits], T]) -> T:
        if self._file is not None:
            try:
                return step(self._file)
            except sqlite3.Error as exc:
                log.warning("cannot use the attempt counts in %s (%s); counting in memory from now on",
                            self._file.path, exc)
                self._file.close()
                self._file = None
        return step(self._memory)


class _Hits(Protocol):
    def recent(self, key: str, since: float) -> list[float]: ...
    def add(self, key: str, at: float, forget_before: float) -> None: ...
    def clear(self, key: str) -> None: ...


class _MemoryHits:
    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}

    def recent(self, key: str, since: float) -> list[float]:
        hits = self._hits.get(key)
        while hits and hits[0] <= since:
            hits.popleft()
        return list(hits or ())

    def add(self, key: str, at: float, forget_before: float) -> None:
        self.recent(key, forget_before)
        self._hits.setdefault(key, deque()).append(at)
        if len(self._hits) > 100_000:  # an address flood must not grow memory without bound
            for idle in [k for k, hits in self._hits.items() if not hits or hits[-1] <= forget_before]:
                del self._hits[idle]

    def clear(self, key: str) -> None:
        self._hits.pop(key, None)


class _FileHits:
    def __init__(self, path: Path, scope: str) -> None:
        self.path = path
        self.scope = scope
        self._connection: sqlite3.Connection | None = None
        self._pid = 0

    def recent(self, key: str, since: float) -> list[float]:
        rows = self._db().execute(
            "SELECT at FROM hits WHERE scope = ? AND key = ? AND at > ? ORDER BY at", (self.scope, _digest(key), since)
        )
        return [at for (at,) in rows]

    def add(self, key: str, at: float, forget_before: float) -> None:
        db = self._db()
        with db:  # one transaction: the insert and the clean-up of this scope's expired hits
            db.execute("INSERT INTO hits (scope, key, at) VALUES (?, ?, ?)", (self.scope, _digest(key), at))
            db.execute("DELETE FROM hits WHERE scope = ? AND at <= ?", (self.scope, forget_before))

    def clear(self, key: str) -> None:
        db = self._db()
        with db:
            db.execute("DELETE FROM hits WHERE scope = ? AND key = ?", (self.scope, _digest(key)))

    def close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None

    def _db(self) -> sqlite3.Connection:
        # Opened on first use, and again in a forked child: a connection must not cross a fork.
        if self._connection is None or self._pid != os.getpid():
            try:  # private from the start: SQLite gives its journal files the database's mode
                self.path.parent.mkdir(parents=True, exist_ok=True)
                os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
            except OSError as exc:
                raise sqlite3.OperationalError(str(exc)) from exc
            db = sqlite3.connect(self.path, timeout=5, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            db.execute("PRAGMA synchronous=NORMAL")  # a count lost to a power cut only lifts a pause
            with db:
                db.execute("CREATE TABLE IF NOT EXISTS hits (scope TEXT NOT NULL, key TEXT NOT NULL, at REAL NOT NULL)")
                db.execute("CREATE INDEX IF NOT EXISTS hits_by_key ON hits (scope, key, at)")
                db.execute("CREATE INDEX IF NOT EXISTS hits_by_time ON hits (scope, at)")
            self._connection, self._pid = db, os.getpid()
        return self._connection


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
