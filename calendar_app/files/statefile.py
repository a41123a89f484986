"""SQLite files of a site's private state that every worker process shares.

The counts of failed attempts (`throttle.AttemptsFile`) and the coordinators' sessions
(`web.sessions.SessionStore`) each live in one such file beside the configuration. SQLite does
the locking between processes; this module opens the file the same way for both: private (mode
0600, made so before SQLite opens it), in WAL mode, one connection per process and again in a
forked child.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

_INHERITED: list[sqlite3.Connection] = []


class PrivateDatabase:
    """One SQLite file and this process's connection to it, made with `schema` on first use.

    `upgrade`, when given, runs after `schema` on every new connection: it brings a file made by an
    older version up to date (a column added since), and must do nothing to one already current.
    """

    def __init__(
        self, path: Path, schema: Sequence[str], upgrade: Callable[[sqlite3.Connection], None] | None = None
    ) -> None:
        self.path = path
        self.schema = tuple(schema)
        self.upgrade = upgrade
        self.lock = threading.Lock()  # one statement or transaction at a time on the shared connection
        self._connection: sqlite3.Connection | None = None
        self._pid = 0

    def transaction(self) -> Transaction:
        """`with database.transaction() as db:` an IMMEDIATE transaction: a check and its write are one step."""
        return Transaction(self.connection())

    def connection(self) -> sqlite3.Connection:
        """This process's connection (the caller holds `lock`); raises sqlite3.Error when the file cannot be used."""
        # Opened on first use, and again in a forked child: a connection must not cross a fork.
        if self._connection is None or self._pid != os.getpid():
            if self._connection is not None:
                # The parent's, inherited by a fork: never closed here, as closing it would drop
                # this process's locks on the file (those of the connection opened below).
                _INHERITED.append(self._connection)
                self._connection = None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Made private before SQLite opens it (its journal files take the database's mode).
                # Only when new: closing any other descriptor of a file SQLite has open would drop
                # the process's locks on it.
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))
            except FileExistsError:
                pass
            except OSError as exc:
                raise sqlite3.OperationalError(f"{self.path}: {exc.strerror}") from exc
            # Autocommit: transactions are begun by hand, IMMEDIATE, so a check and its write are one step.
            db = sqlite3.connect(self.path, timeout=1.0, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            db.execute("PRAGMA synchronous=NORMAL")  # a write lost to a power cut only lifts a pause or ends a session
            for statement in self.schema:
                db.execute(statement)
            if self.upgrade is not None:
                self.upgrade(db)
            self._connection, self._pid = db, os.getpid()
        return self._connection


class Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind: object, *_: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
