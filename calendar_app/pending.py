"""Events not yet published: suggestions from the public and coordinators' drafts.

The queue is a folder outside the events folder, so nothing in it is ever published by
accident. Each item is an event file (`<id>.md`, written like any other) and a small JSON
record beside it (`<id>.json`: who sent it, its state, the decision). A suggestion's private
tracking token is stored only as a SHA-256 digest; the item's id is derived from that digest,
so the tracking page finds its item without a scan and an id tells nothing of the token.
Deleting an item moves its files to the trash folder; nothing is unlinked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from .errors import CalendarError
from .writer import atomic_write

_ID = re.compile(r"^[a-f0-9]{20}$")
PENDING, PUBLISHED, REJECTED = "pending", "published", "rejected"


class PendingError(CalendarError):
    """An item that does not exist or cannot take the step asked."""


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

    @property
    def title(self) -> str:
        match = re.search(r"^title:\s*(.+)$", self.text, re.MULTILINE)
        return match.group(1).strip().strip("'\"") if match else "(untitled)"


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PendingQueue:
    def __init__(self, folder: Path, trash: Path) -> None:
        self.folder = folder
        self.trash = trash
        self._lock = threading.Lock()

    def submit(self, text: str, *, kind: str, name: str, email: str) -> tuple[PendingItem, str | None]:
        """Queue an event file; a suggestion also gets a private tracking token (returned once)."""
        token = secrets.token_urlsafe(24) if kind == "suggestion" else None
        digest = _digest(token) if token else None
        item_id = digest[:20] if digest else secrets.token_hex(10)
        item = PendingItem(item_id, kind, PENDING, _now(), name, email, text, token_digest=digest)
        with self._lock:
            self._write(item, overwrite=False)
        return item, token

    def get(self, item_id: str) -> PendingItem:
        if not _ID.fullmatch(item_id):
            raise PendingError(f"no pending item {item_id[:40]!r}")
        try:
            record = json.loads((self.folder / f"{item_id}.json").read_text(encoding="utf-8"))
            text = (self.folder / f"{item_id}.md").read_text(encoding="utf-8")
        except FileNotFoundError:
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
        with self._lock:
            item = self._open(item_id)
            updated = replace(item, text=text)
            self._write(updated, overwrite=True)
        return updated

    def decide(self, item_id: str, state: str, *, by: str, reason: str | None = None, slug: str | None = None) -> PendingItem:
        with self._lock:
            item = self._open(item_id)
            decided = replace(item, state=state, decided_by=by, decided=_now(), reason=reason, slug=slug)
            self._write(decided, overwrite=True)
        return decided

    def discard(self, item_id: str) -> Path:
        """Move a draft's files to the trash folder; return where the event file went."""
        with self._lock:
            item = self._open(item_id)
            self.trash.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
            target = self.trash / f"{stamp}-{item.id}.md"
            (self.folder / f"{item.id}.json").replace(self.trash / f"{stamp}-{item.id}.json")
            (self.folder / f"{item.id}.md").replace(target)
        return target

    def _open(self, item_id: str) -> PendingItem:
        item = self.get(item_id)
        if item.state != PENDING:
            raise PendingError(f"this item was already {item.state}")
        return item

    def _write(self, item: PendingItem, *, overwrite: bool) -> None:
        record = {k: v for k, v in asdict(item).items() if k != "text"}
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(self.folder / f"{item.id}.md", item.text, overwrite=overwrite)
        atomic_write(self.folder / f"{item.id}.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n", overwrite=True)
