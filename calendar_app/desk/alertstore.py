"""The e-mail alerts' private store: who asked for what, and what each was last told.

One SQLite file beside the configuration (`.alerts.sqlite`, private to the server's user),
shared by every worker and by `calendar-app alerts send`. It holds no more than the alerts need:
the address, the filter (as the listing's query string), the frequency, the language its
messages are written in (that of the pages it signed up on), a few times, the snapshot of what
the address was last told (see `alertdigest`), and the digests of its links' tokens. The tokens
themselves go out in the mail and are never stored: each is `secrets.token_urlsafe`, kept as its
SHA-256 digest, looked up by it and compared in constant time, as the tracking links of
suggestions are (`pending`).

Double opt-in: a sign-up stores the address unconfirmed and hands back the tokens of one
confirmation mail; nothing else is ever sent before its link is followed. An address gets at
most one confirmation mail an hour (a sign-up within the hour stores nothing new and sends
nothing), and an unconfirmed address is forgotten 48 hours after its last one.

Sending a digest is three steps, each its own transaction (see `alerts` for why):
`begin_sending` records the Message-ID, the snapshot the digest will have told and the token
of its links before the message goes to the SMTP server; `sent` then makes that snapshot the
one told; `not_sent` drops the intent when the server refused the message.
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
from urllib.parse import parse_qsl

from ..core.errors import CalendarError
from ..files.statefile import PrivateDatabase
from ..render.language import DEFAULT_LANGUAGE, LANGUAGES

FREQUENCIES = {"weekly": 7 * 86400.0, "daily": 86400.0}  # seconds between digests
DEFAULT_FREQUENCY = "weekly"
CONFIRM_WITHIN = 48 * 3600.0  # an unconfirmed address, and a confirmation link, expire after this
MAIL_GAP = 3600.0  # at most one confirmation mail an hour to an address
LINKS_KEPT = 400 * 86400.0  # the links of a message work this long (its unsubscribe link above all)
# A run a little early rather than a whole period late: cron's minute and a run's length wobble.
DUE_EARLY = 3600.0
T = TypeVar("T")

_SCHEMA = (
    "PRAGMA foreign_keys = ON",
    """CREATE TABLE IF NOT EXISTS subscriptions (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        query TEXT NOT NULL,
        frequency TEXT NOT NULL,
        created_at REAL NOT NULL,
        asked_at REAL,
        confirmed_at REAL,
        checked_at REAL,
        sent_at REAL,
        snapshot TEXT NOT NULL DEFAULT '{}',
        sending_id TEXT,
        sending_snapshot TEXT,
        sending_token TEXT,
        sending_at REAL,
        lang TEXT NOT NULL DEFAULT 'en'
    )""",
    """CREATE TABLE IF NOT EXISTS tokens (
        digest TEXT PRIMARY KEY,
        subscription INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
        purpose TEXT NOT NULL,
        query TEXT,
        frequency TEXT,
        created_at REAL NOT NULL,
        used_at REAL,
        lang TEXT NOT NULL DEFAULT 'en'
    )""",
    "CREATE INDEX IF NOT EXISTS tokens_by_subscription ON tokens (subscription)",
)
_COLUMNS = ("id, email, query, frequency, created_at, asked_at, confirmed_at, checked_at, sent_at, snapshot, "
            "sending_id, sending_snapshot, sending_at, lang")


def _add_languages(db: sqlite3.Connection) -> None:
    """A store made before the alerts spoke other languages gains their `lang` columns; its
    subscriptions, all made on the English pages, read as English."""
    db.execute("BEGIN IMMEDIATE")  # two workers opening an old store at once add each column once
    try:
        for table in ("subscriptions", "tokens"):
            if "lang" not in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}:
                db.execute(f"ALTER TABLE {table} ADD COLUMN lang TEXT NOT NULL DEFAULT '{DEFAULT_LANGUAGE}'")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class AlertsUnavailable(CalendarError):
    """The store cannot be read or written (a full or read-only disk, a lock held too long)."""


@dataclass(frozen=True)
class Subscription:
    id: int
    email: str
    query: str  # the filter, as the listing's query string
    frequency: str
    created_at: float
    asked_at: float | None  # the last confirmation mail
    confirmed_at: float | None
    checked_at: float | None  # when a digest was last due and looked at
    sent_at: float | None  # the last digest
    snapshot: str  # what it was last told (JSON, read by `alertdigest`)
    sending_id: str | None  # a digest handed to the SMTP server, not yet known to be accepted
    sending_snapshot: str | None
    sending_at: float | None
    lang: str = DEFAULT_LANGUAGE  # the language of its messages and their links

    @property
    def items(self) -> list[tuple[str, str]]:
        """The filter as query parameters."""
        return parse_qsl(self.query, keep_blank_values=False)

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def period(self) -> float:
        return FREQUENCIES.get(self.frequency, FREQUENCIES[DEFAULT_FREQUENCY])


@dataclass(frozen=True)
class Confirmation:
    """What one confirmation mail carries: its two links' tokens, returned once."""

    subscription: Subscription
    query: str
    frequency: str
    confirm_token: str
    manage_token: str
    lang: str = DEFAULT_LANGUAGE  # the language of the page it was asked on, and of the mail


@dataclass(frozen=True)
class Confirmed:
    subscription: Subscription
    manage_token: str
    again: bool  # the link had been followed before: nothing changed


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class AlertStore:
    """The subscriptions, in `path`; `clock` (seconds, the wall clock) is injectable for tests."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self._database = PrivateDatabase(path, _SCHEMA, upgrade=_add_languages)

    def _step(self, step: Callable[[sqlite3.Connection], T]) -> T:
        try:
            with self._database.lock, self._database.transaction() as db:
                return step(db)
        except sqlite3.Error as exc:
            raise AlertsUnavailable(f"{self.path}: {exc}") from exc

    # --- signing up ---------------------------------------------------------------------------

    def ask(self, email: str, query: str, frequency: str, lang: str = DEFAULT_LANGUAGE) -> Confirmation | None:
        """Record a sign-up made on the pages in `lang`; the confirmation mail to send, or None when the
        address had one within the hour."""
        now = self.clock()
        lang = _known(lang)

        def step(db: sqlite3.Connection) -> Confirmation | None:
            _purge(db, now)
            found = _one(db, "SELECT " + _COLUMNS + " FROM subscriptions WHERE email = ?", (email,))
            if found is not None and found.asked_at is not None and now - found.asked_at < MAIL_GAP:
                return None
            if found is None:
                db.execute("INSERT INTO subscriptions (email, query, frequency, created_at, asked_at, lang) "
                           "VALUES (?, ?, ?, ?, ?, ?)", (email, query, frequency, now, now, lang))
            elif found.confirmed:  # the filter in force changes only when the new one is confirmed
                db.execute("UPDATE subscriptions SET asked_at = ? WHERE id = ?", (now, found.id))
            else:
                db.execute("UPDATE subscriptions SET query = ?, frequency = ?, asked_at = ?, lang = ? WHERE id = ?",
                           (query, frequency, now, lang, found.id))
            subscription = _one(db, "SELECT " + _COLUMNS + " FROM subscriptions WHERE email = ?", (email,))
            assert subscription is not None
            db.execute("DELETE FROM tokens WHERE subscription = ? AND purpose = 'confirm'", (subscription.id,))
            confirm, manage = new_token(), new_token()
            db.execute("INSERT INTO tokens (digest, subscription, purpose, query, frequency, created_at, lang) "
                       "VALUES (?, ?, 'confirm', ?, ?, ?, ?)",
                       (_digest(confirm), subscription.id, query, frequency, now, lang))
            _add_link(db, subscription.id, manage, now)
            return Confirmation(subscription, query, frequency, confirm, manage, lang)

        return self._step(step)

    def ask_failed(self, confirmation: Confirmation) -> None:
        """The confirmation mail could not be sent: its links are forgotten, and the next sign-up may send one."""

        def step(db: sqlite3.Connection) -> None:
            for token in (confirmation.confirm_token, confirmation.manage_token):
                db.execute("DELETE FROM tokens WHERE digest = ?", (_digest(token),))
            db.execute("UPDATE subscriptions SET asked_at = NULL WHERE id = ?", (confirmation.subscription.id,))

        self._step(step)

    def confirm(self, token: str, baseline: Callable[[str], str]) -> Confirmed | None:
        """Follow a confirmation link: its filter and frequency in force, and `baseline(query)` the
        snapshot the first digest starts from. None for a link unknown or expired."""
        now = self.clock()
        if not self.path.exists():
            return None

        def step(db: sqlite3.Connection) -> Confirmed | None:
            _purge(db, now)
            row = _token_row(db, token, "confirm", now - CONFIRM_WITHIN)
            if row is None:
                return None
            subscription_id, query, frequency, used_at, lang = row
            if used_at is None:
                db.execute(
                    "UPDATE subscriptions SET query = ?, frequency = ?, confirmed_at = COALESCE(confirmed_at, ?), "
                    "checked_at = ?, snapshot = ?, lang = ? WHERE id = ?",
                    (query, frequency, now, now, baseline(query), _known(lang), subscription_id))
                db.execute("UPDATE tokens SET used_at = ? WHERE digest = ?", (now, _digest(token)))
            manage = new_token()
            _add_link(db, subscription_id, manage, now)
            subscription = _one(db, "SELECT " + _COLUMNS + " FROM subscriptions WHERE id = ?", (subscription_id,))
            assert subscription is not None
            return Confirmed(subscription, manage, again=used_at is not None)

        return self._step(step)

    # --- the address's own links ----------------------------------------------------------------

    def by_link(self, token: str) -> Subscription | None:
        """The subscription a manage or unsubscribe link opens."""

        oldest = self.clock() - LINKS_KEPT
        if not self.path.exists():  # no sign-up ever: nothing to open, and no file made for nothing
            return None

        def step(db: sqlite3.Connection) -> Subscription | None:
            row = _token_row(db, token, "manage", oldest)
            if row is None:
                return None
            return _one(db, "SELECT " + _COLUMNS + " FROM subscriptions WHERE id = ?", (row[0],))

        return self._step(step)

    def links(self, subscription_id: int) -> int:
        """How many links of this subscription's messages still work."""
        counted = self._step(lambda db: db.execute(
            "SELECT count(*) FROM tokens WHERE subscription = ? AND purpose = 'manage'", (subscription_id,)).fetchone())
        return int(counted[0])

    def change(self, subscription_id: int, query: str, frequency: str, snapshot: str | None,
               lang: str | None = None) -> None:
        """A new filter or frequency from the manage page (in `lang`, which its messages then speak);
        a new filter starts from `snapshot`."""
        now = self.clock()

        def step(db: sqlite3.Connection) -> None:
            db.execute("UPDATE subscriptions SET query = ?, frequency = ? WHERE id = ?",
                       (query, frequency, subscription_id))
            if lang is not None:
                db.execute("UPDATE subscriptions SET lang = ? WHERE id = ?", (_known(lang), subscription_id))
            if snapshot is not None:
                db.execute("UPDATE subscriptions SET snapshot = ?, checked_at = ? WHERE id = ?",
                           (snapshot, now, subscription_id))

        self._step(step)

    def delete(self, subscription_id: int) -> None:
        """Everything stored about the address: the subscription and its links."""

        def step(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM tokens WHERE subscription = ?", (subscription_id,))
            db.execute("DELETE FROM subscriptions WHERE id = ?", (subscription_id,))

        self._step(step)

    def purge(self) -> None:
        """Forget unconfirmed addresses and links past their time."""
        now = self.clock()
        if not self.path.exists():
            return
        self._step(lambda db: _purge(db, now))

    # --- sending --------------------------------------------------------------------------------

    def unsettled(self) -> list[Subscription]:
        """Subscriptions with a digest handed to the SMTP server by a run that never heard back."""
        if not self.path.exists():
            return []
        return self._step(lambda db: _all(db, "SELECT " + _COLUMNS + " FROM subscriptions "
                                              "WHERE sending_id IS NOT NULL ORDER BY id"))

    def due(self, *, every: bool = False) -> list[Subscription]:
        """Confirmed subscriptions whose period has passed since they were last looked at (`every`: all),
        those looked at longest ago first."""
        now = self.clock()
        if not self.path.exists():
            return []
        found = self._step(lambda db: _all(
            db, "SELECT " + _COLUMNS + " FROM subscriptions WHERE confirmed_at IS NOT NULL AND sending_id IS NULL "
                "ORDER BY COALESCE(checked_at, 0), id"))
        return [s for s in found if every or s.checked_at is None or now - s.checked_at >= s.period - DUE_EARLY]

    def checked(self, subscription: Subscription, snapshot: str) -> None:
        """Looked at with nothing to tell: `snapshot` (events over or gone from the filter left out) kept,
        unless the subscription changed since it was read (its manage page): then the next run looks again."""
        now = self.clock()
        self._step(lambda db: db.execute(
            "UPDATE subscriptions SET snapshot = ?, checked_at = ? WHERE id = ? AND sending_id IS NULL "
            "AND query = ? AND snapshot = ?",
            (snapshot, now, subscription.id, subscription.query, subscription.snapshot)))

    def begin_sending(
        self, subscription: Subscription, message_id: str, snapshot: str, link_token: str
    ) -> bool:
        """Record, before the SMTP server sees it, the digest about to go: its Message-ID, the snapshot it
        tells and the token of its links. False when the subscription is gone or changed since it was read
        (unsubscribed, a new filter): then nothing is sent, and the next run looks again."""
        now = self.clock()

        def step(db: sqlite3.Connection) -> bool:
            changed = db.execute(
                "UPDATE subscriptions SET sending_id = ?, sending_snapshot = ?, sending_token = ?, sending_at = ? "
                "WHERE id = ? AND sending_id IS NULL AND confirmed_at IS NOT NULL AND query = ? AND snapshot = ?",
                (message_id, snapshot, _digest(link_token), now, subscription.id, subscription.query,
                 subscription.snapshot)).rowcount
            if changed:
                _add_link(db, subscription.id, link_token, now)
            return bool(changed)

        return self._step(step)

    def sent(self, subscription_id: int, message_id: str) -> None:
        """The digest `message_id` counts as sent: what it told becomes the snapshot."""
        now = self.clock()
        self._step(lambda db: db.execute(
            "UPDATE subscriptions SET snapshot = sending_snapshot, sent_at = ?, checked_at = ?, sending_id = NULL, "
            "sending_snapshot = NULL, sending_token = NULL, sending_at = NULL WHERE id = ? AND sending_id = ?",
            (now, now, subscription_id, message_id)))

    def not_sent(self, subscription_id: int, message_id: str) -> None:
        """The SMTP server refused the digest `message_id`: as if never begun, so the next run tries again."""

        def step(db: sqlite3.Connection) -> None:
            row = db.execute("SELECT sending_token FROM subscriptions WHERE id = ? AND sending_id = ?",
                             (subscription_id, message_id)).fetchone()
            if row is None:
                return
            db.execute("DELETE FROM tokens WHERE digest = ?", (row[0],))
            db.execute("UPDATE subscriptions SET sending_id = NULL, sending_snapshot = NULL, sending_token = NULL, "
                       "sending_at = NULL WHERE id = ?", (subscription_id,))

        self._step(step)


def _purge(db: sqlite3.Connection, now: float) -> None:
    db.execute("DELETE FROM tokens WHERE subscription IN (SELECT id FROM subscriptions WHERE confirmed_at IS NULL "
               "AND COALESCE(asked_at, created_at) < ?)", (now - CONFIRM_WITHIN,))
    db.execute("DELETE FROM subscriptions WHERE confirmed_at IS NULL AND COALESCE(asked_at, created_at) < ?",
               (now - CONFIRM_WITHIN,))
    db.execute("DELETE FROM tokens WHERE purpose = 'confirm' AND created_at < ?", (now - CONFIRM_WITHIN,))
    db.execute("DELETE FROM tokens WHERE purpose = 'manage' AND created_at < ?", (now - LINKS_KEPT,))


def _add_link(db: sqlite3.Connection, subscription_id: int, token: str, now: float) -> None:
    db.execute("INSERT INTO tokens (digest, subscription, purpose, created_at) VALUES (?, ?, 'manage', ?)",
               (_digest(token), subscription_id, now))


def _token_row(
    db: sqlite3.Connection, token: str, purpose: str, oldest: float
) -> tuple[int, str, str, float | None, str] | None:
    """(subscription, query, frequency, used_at, lang) of a token made after `oldest`, compared in constant time."""
    digest = _digest(token)
    row = db.execute("SELECT digest, subscription, query, frequency, used_at, lang FROM tokens "
                     "WHERE digest = ? AND purpose = ? AND created_at >= ?", (digest, purpose, oldest)).fetchone()
    if row is None or not hmac.compare_digest(row[0], digest):
        return None
    return row[1], row[2], row[3], row[4], row[5]


def _known(lang: str) -> str:
    """`lang` if the site speaks it, else English: a language dropped from the site reads as English."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _one(db: sqlite3.Connection, sql: str, params: tuple[object, ...] = ()) -> Subscription | None:
    row = db.execute(sql, params).fetchone()
    return Subscription(*row) if row is not None else None


def _all(db: sqlite3.Connection, sql: str, params: tuple[object, ...] = ()) -> list[Subscription]:
    return [Subscription(*row) for row in db.execute(sql, params)]
