"""The coordinators' sessions, kept on the server so that logging out ends every copy of one.

The browser's cookie (Starlette's SessionMiddleware, signed with itsdangerous) holds only an
opaque random session id; who is logged in, since when, and a message for the next page live
here, in `.sessions.sqlite` beside the configuration, which every worker process opens. The
file keys each session by an HMAC of its id, so the file alone gives no cookie back.

A session ends when its coordinator logs out (the row is deleted, in every worker at once),
after `session_hours` counted from the login, and when the password changes or the account is
removed (the caller compares the account's stamp, see `desk.current_coordinator`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..core.errors import CalendarError
from ..files.statefile import PrivateDatabase

T = TypeVar("T")


class SessionsUnavailable(CalendarError):
    """The sessions file cannot be read or written (a read-only or full disk, a lock held too long)."""


@dataclass(frozen=True)
class OpenSession:
    account: str  # the coordinator's name
    stamp: str  # their `session_stamp` at login: a new password ends the session
    flash: str | None  # a message for the next page


class SessionStore:
    """Sessions by id, shared by every process that opens the same file."""

    def __init__(self, path: Path, secret: str, lifetime: float, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.lifetime = lifetime
        self.clock = clock
        self._key = hashlib.sha256(b"calendar-app sessions\0" + secret.encode()).digest()
        self._database = PrivateDatabase(path, (
            "CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY, account TEXT NOT NULL, "
            "stamp TEXT NOT NULL, opened REAL NOT NULL, flash TEXT)",
            "CREATE INDEX IF NOT EXISTS sessions_by_age ON sessions (opened)",
        ))

    def open(self, account: str, stamp: str) -> str:
        """A new session for `account`: its id, for the cookie (256 random bits)."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()

        def write(db: sqlite3.Connection) -> None:
            # Sessions past their lifetime are forgotten as new ones open, so the file stays small.
            db.execute("DELETE FROM sessions WHERE opened <= ?", (now - self.lifetime,))
            db.execute("INSERT INTO sessions (key, account, stamp, opened) VALUES (?, ?, ?, ?)",
                       (self._digest(session_id), account, stamp, now))

        self._write(write)
        return session_id

    def find(self, session_id: str) -> OpenSession | None:
        """The open session with this id; None when there is none, or it has run its time."""
        since = self.clock() - self.lifetime

        def read(db: sqlite3.Connection) -> OpenSession | None:
            row = db.execute("SELECT account, stamp, flash FROM sessions WHERE key = ? AND opened > ?",
                             (self._digest(session_id), since)).fetchone()
            return OpenSession(*row) if row else None

        return self._use(lambda: read(self._database.connection()))

    def end(self, session_id: str) -> None:
        self._write(lambda db: db.execute("DELETE FROM sessions WHERE key = ?", (self._digest(session_id),)))

    def set_flash(self, session_id: str, message: str) -> None:
        self._write(lambda db: db.execute("UPDATE sessions SET flash = ? WHERE key = ?",
                                          (message, self._digest(session_id))))

    def clear_flash(self, session_id: str) -> None:
        self._write(lambda db: db.execute("UPDATE sessions SET flash = NULL WHERE key = ?",
                                          (self._digest(session_id),)))

    def _write(self, step: Callable[[sqlite3.Connection], object]) -> None:
        def run() -> None:
            with self._database.transaction() as db:
                step(db)

        self._use(run)

    def _use(self, step: Callable[[], T]) -> T:
        with self._database.lock:
            try:
                return step()
            except sqlite3.Error as exc:
                raise SessionsUnavailable(f"cannot use the sessions file {self.path}: {exc}") from exc

    def _digest(self, session_id: str) -> str:
        return hmac.new(self._key, session_id.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
