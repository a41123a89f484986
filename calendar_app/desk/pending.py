"""Events not yet published: suggestions from the public and coordinators' drafts.

The queue is a folder outside the events folder, so nothing in it is ever published by
accident. Each item is an event file (`<id>.md`, written like any other) and a small JSON
record beside it (`<id>.json`: who sent it, its state, the decision). A suggestion's private
tracking token is stored only as a SHA-256 digest; the item's id is derived from that digest,
so the tracking page finds its item without a scan and an id tells nothing of the token.
Deleting an item moves its files to the trash folder (copied, then removed, when the trash is
on another filesystem); nothing is lost.

A write the disk refuses raises `SaveFailed` with the queue as it was: a new item leaves no
half (an event file without its record), and a step that changes one of the two files writes
only that one.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import stat
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

from ..core.errors import CalendarError
from ..core.readfile import NotRegularFile, read_regular_text
from ..files.atomic import atomic_write
from ..files.locks import SaveLock
from .editing import Saved, SaveFailed

log = logging.getLogger("calendar_app")

_ID = re.compile(r"^[a-f0-9]{20}$")
PENDING, PUBLISHED, REJECTED = "pending", "published", "rejected"


class PendingError(CalendarError):
    """An item that does not exist or cannot take the step asked."""


class NotRecorded(CalendarError):
    """The event was published, but the queue could not record the item as published."""

    def __init__(self, saved: Saved, failure: SaveFailed) -> None:
        self.saved = saved
        self.failure = failure
        super().__init__(str(failure))


@dataclass(frozen=True)
class PendingItem:
    id: str
    kind: str  # "suggestion" or "draft"
    state: str  # pending, published, rejected
    created: str
    name: str  # who sent it (a coordinator for drafts)
    email: str
    text: str = ""  # the event file
    slug: str | None = None  # the published event
    reason: str | None = None  # why it was rejected
    decided_by: str | None = None
    decided: str | None = None
    token_digest: str | None = None
    lang: str = "en"  # the language of the pages it was suggested on: its mails are in it

    @property
    def title(self) -> str:
        match = re.search(r"^title:\s*(.+)$", self.text, re.MULTILINE)
        return match.group(1).strip().strip("'\"") if match else "(untitled)"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PendingQueue:
    def __init__(self, folder: Path, trash: Path, lock_file: Path | None = None) -> None:
        self.folder = folder
        self.trash = trash
        # One step at a time across worker processes too (a publish in one, a delete in another);
        # the lock lives beside the queue, not in it, so a read-only queue can still be locked.
        self._lock_file = FileLock(str(lock_file or folder.parent / ".pending.lock"))
        self._thread_lock = threading.Lock()
        for place in (folder, trash):  # made by an earlier version with the default mode (0755)
            if place.is_dir():
                _keep_private(place)

    def _locked(self) -> SaveLock:
        return SaveLock(self._thread_lock, self._lock_file,
                        refused=lambda path, exc: SaveFailed(path, exc, what="the pending item"))

    def submit(
        self, text: str, *, kind: str, name: str, email: str, lang: str = "en"
    ) -> tuple[PendingItem, str | None]:
        """Queue an event file; a suggestion also gets a private tracking token (returned once)."""
        token = secrets.token_urlsafe(24) if kind == "suggestion" else None
        digest = _digest(token) if token else None
        item_id = digest[:20] if digest else secrets.token_hex(10)
        item = PendingItem(item_id, kind, PENDING, _now(), name, email, text, token_digest=digest, lang=lang)
        with self._locked():
            self._write(item, new=True)
        return item, token

    def get(self, item_id: str) -> PendingItem:
        if not _ID.fullmatch(item_id):
            raise PendingError(f"no pending item {item_id[:40]!r}")
        try:
            record = json.loads(read_regular_text(self.folder / f"{item_id}.json"))
            text = read_regular_text(self.folder / f"{item_id}.md")
        except (FileNotFoundError, NotADirectoryError):
            raise PendingError(f"no pending item {item_id!r}") from None
        except NotRegularFile as exc:  # a pipe would hold the request (and the queue's lock) for ever
            log.warning("%s: %s; the pending item is skipped", exc.path, exc)
            raise PendingError(f"no pending item {item_id!r}") from None
        return PendingItem(**{**record, "text": text})

    def by_token(self, token: str) -> PendingItem | None:
        """The suggestion a tracking token belongs to, compared in constant time."""
        digest = _digest(token)
        try:
            item = self.get(digest[:20])
        except PendingError:
            return None
        if item.token_digest is None or not hmac.compare_digest(item.token_digest, digest):
            return None
        return item

    def waiting(self) -> list[PendingItem]:
        """Items still to be decided, oldest first."""
        items = []
        for record in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                item = self.get(record.stem)
            except (PendingError, ValueError, TypeError):
                continue
            if item.state == PENDING:
                items.append(item)
        return sorted(items, key=lambda i: i.created)

    def save_text(self, item_id: str, text: str) -> PendingItem:
        with self._locked():
            item = self._open(item_id)
            updated = replace(item, text=text)
            self._write(updated, new=False)
        return updated

    def decide(
        self, item_id: str, state: str, *, by: str, reason: str | None = None, slug: str | None = None
    ) -> PendingItem:
        with self._locked():
            return self._decide(self._open(item_id), state, by=by, reason=reason, slug=slug)

    def publish(self, item_id: str, *, by: str, make: Callable[[], Saved]) -> Saved:
        """Publish a waiting item: `make` writes the event; the item is then recorded as published.

        No other decision on the item can come between the two, in this process or another: a
        delete or reject waits, then finds it published.

        Raises `NotRecorded` when the event was published and the record could not be written.
        """
        with self._locked():
            item = self._open(item_id)
            saved = make()
            try:
                self._decide(item, PUBLISHED, by=by, slug=saved.slug)
            except SaveFailed as exc:
                raise NotRecorded(saved, exc) from None
            return saved

    def _decide(self, item: PendingItem, state: str, *, by: str, reason: str | None = None,
                slug: str | None = None) -> PendingItem:
        decided = replace(item, state=state, decided_by=by, decided=_now(), reason=reason, slug=slug)
        self._write(decided, new=False, step="marked as published" if state == PUBLISHED else state)
        return decided

    def discard(self, item_id: str) -> Path:
        """Move a draft's files to the trash folder; return where the event file went."""
        with self._locked():
            item = self._open(item_id)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            moves = [
                (self.folder / f"{item.id}{ext}", self.trash / f"{stamp}-{item.id}{ext}") for ext in (".md", ".json")
            ]
            done: list[tuple[Path, Path]] = []
            try:
                _private_folder(self.trash)
                for source, target in moves:
                    _move(source, target)
                    done.append((source, target))
            except OSError as exc:
                for source, target in reversed(done):  # both files stay in the queue, or neither
                    _move(target, source)
                raise SaveFailed(Path(Path(exc.filename or self.trash).name), exc,
                                 what=f"the {item.kind}", step="moved to the trash") from None
        return moves[0][1]

    def _open(self, item_id: str) -> PendingItem:
        try:
            item = self.get(item_id)
        except PendingError:
            raise PendingError("this item is no longer waiting: it was deleted") from None
        if item.state != PENDING:
            raise PendingError(f"this item was already {item.state}")
        return item

    def _write(self, item: PendingItem, *, new: bool, step: str = "saved") -> None:
        record = {k: v for k, v in asdict(item).items() if k != "text"}
        files = ((self.folder / f"{item.id}.md", item.text),
                 (self.folder / f"{item.id}.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n"))
        current = self.folder
        try:
            _private_folder(self.folder)
            if new:
                written: list[Path] = []
                try:
                    for current, text in files:
                        atomic_write(current, text, overwrite=False)
                        written.append(current)
                except BaseException:
                    for path in written:  # ours, made a moment ago: no half item is left behind
                        path.unlink(missing_ok=True)
                    raise
            else:
                for current, text in files:
                    if read_regular_text(current) != text:
                        atomic_write(current, text, overwrite=True)
        except OSError as exc:
            if isinstance(exc, FileExistsError) and current != self.folder:
                raise  # an item's name taken: an id made twice is a fault of ours, not of the disk
            # Only the file's name: the person reading it may be a member of the public.
            raise SaveFailed(Path(current.name), exc, what=f"the {item.kind}", step=step) from None


def _private_folder(folder: Path) -> None:
    """Make `folder` (queued suggestions hold names and e-mail addresses) readable by the server only."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _keep_private(folder)


def _keep_private(folder: Path) -> None:
    """Take group and other permissions off `folder` and the folders in it; a failure is logged.

    Not raised: where the mode cannot change (a read-only mount) the write that follows is
    refused on its own, with its own message.
    """
    try:
        folders = [folder, *(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())]
    except OSError as exc:
        log.warning("could not make %s private (mode 0700): %s", folder, exc.strerror or exc)
        return
    for path in folders:
        try:
            if stat.S_IMODE(path.lstat().st_mode) & 0o077:
                os.chmod(path, 0o700)
        except OSError as exc:
            log.warning("could not make %s private (mode 0700): %s", path, exc.strerror or exc)


def _move(source: Path, target: Path) -> None:
    """Rename, or copy then unlink when the trash is on another filesystem (a rename cannot cross)."""
    try:
        source.replace(target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    text = read_regular_text(source)  # as it is, line ends and all
    atomic_write(target, text, overwrite=False)  # on the disk before...
    try:
        source.unlink()  # ...the original goes
    except BaseException:
        target.unlink(missing_ok=True)  # the copy just made, never the only one: the original is there
        raise
