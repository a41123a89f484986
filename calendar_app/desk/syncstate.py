"""What `calendar-app sync` remembers between runs, and what its last runs did.

The memory of a source is `sources/<id>.json` beside the configuration (the `sync_dir`
setting), kept in git with the events: for each event of the partner's calendar (by its UID
there) what became of it on this site (published as a slug, waiting in the pending queue, the
same as another event, dismissed), the values the calendar gave last (the base of the
three-way merge), and the ETag and Last-Modified of the copy read. It is written as stable,
sorted JSON, atomically, readable by all (0644: nothing in it is private), and only when its
content changes, so a sync that finds nothing new leaves it byte for byte.

The runs (when, how many events of each kind, what failed) are the site's private state, in
`.sync-runs.json` beside the configuration; `last_runs` reads them for the coordinators' pages.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core.errors import CalendarError
from ..core.readfile import NotRegularFile, read_regular_text
from ..core.sources import SyncSource
from ..files.atomic import atomic_write
from ..files.workspace import SYNC_RUNS_FILE
from .fetch import Validators

log = logging.getLogger("calendar_app")

# What became of an event of the partner's calendar.
PUBLISHED = "published"  # an event file on the site: `slug`
PENDING = "pending"  # waiting in the pending queue: `item`
SAME = "same"  # the same event as `slug`, on the site already (by hand, or from another source)
DISMISSED = "dismissed"  # rejected in review, or deleted from the queue: not offered again
DELETED = "deleted"  # its file was deleted on the site: not brought back
STATES = (PUBLISHED, PENDING, SAME, DISMISSED, DELETED)
MEMORY_MODE = 0o644  # kept in git with the events, and as readable: nothing in it is private


class MemoryUnreadable(CalendarError):
    """A source's memory file exists but cannot be read; the source is not synced until it is fixed."""


@dataclass
class Tracked:
    """One event of the partner's calendar, by its UID there."""

    state: str
    slug: str | None = None
    item: str | None = None  # the pending item, while it waits
    base: dict[str, Any] = field(default_factory=dict)  # what the calendar gave last, field by field
    written: str | None = None  # the hash of the file as the sync last wrote it

    def as_json(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value not in (None, {})}


@dataclass
class SourceMemory:
    """Everything remembered of one source."""

    events: dict[str, Tracked] = field(default_factory=dict)
    validators: Validators = Validators()
    settings: str | None = None  # which settings the validators were read under (see `settings_key`)

    @classmethod
    def load(cls, path: Path) -> SourceMemory:
        """The memory in `path`, or an empty one when there is no file yet."""
        try:
            record = json.loads(read_regular_text(path))
            events = {
                str(uid): Tracked(**{k: v for k, v in entry.items() if k in Tracked.__dataclass_fields__})
                for uid, entry in record.get("events", {}).items()
            }
        except FileNotFoundError:
            return cls()
        except (OSError, NotRegularFile, UnicodeDecodeError, ValueError, TypeError, AttributeError) as exc:
            raise MemoryUnreadable(
                f"{path}: cannot be read ({exc}). Hint: restore it from git; deleted, the next sync finds the "
                "events it made by their `source:` and keeps this site's values where they differ from the calendar's."
            ) from None
        if any(entry.state not in STATES for entry in events.values()):
            raise MemoryUnreadable(f"{path}: an event has an unknown state; known: {', '.join(STATES)}")
        return cls(events, Validators(record.get("etag"), record.get("last_modified")), record.get("settings"))

    def events_json(self) -> dict[str, dict[str, Any]]:
        """Each event as the file keeps it (a copy: later changes to the events do not show in it)."""
        return {uid: entry.as_json() for uid, entry in self.events.items()}

    def text(self) -> str:
        record = {
            "etag": self.validators.etag,
            "last_modified": self.validators.last_modified,
            "settings": self.settings,
            "events": self.events_json(),
        }
        record = {key: value for key, value in record.items() if value is not None}
        return json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def save(self, path: Path) -> bool:
        """Write the memory if its text differs from the file's; whether it was written (0644)."""
        text = self.text()
        try:
            if read_regular_text(path) == text:
                return False
        except FileNotFoundError:
            pass
        atomic_write(path, text, overwrite=True, mode=MEMORY_MODE)
        return True


def memory_changes(before: dict[str, dict[str, Any]], after: dict[str, Tracked]) -> list[str]:
    """What the memory of a source's events now says otherwise than `before` (`events_json`), in words:
    'what the calendar says of 2 events', '1 queued event decided', '3 events remembered anew'."""
    kinds: Counter[str] = Counter()
    for uid in before.keys() | after.keys():
        old, new = before.get(uid), after[uid].as_json() if uid in after else None
        if old == new:
            continue
        if old is None:
            kinds["remembered anew"] += 1
        elif new is None:
            kinds["forgotten"] += 1
        elif old.get("state") == PENDING and new.get("state") != PENDING:
            kinds["queued, decided"] += 1
        else:
            kinds["said"] += 1
    words = []
    for kind, n in sorted(kinds.items()):
        events = f"{n} event{'s' if n > 1 else ''}"
        words.append(f"what the calendar says of {events}" if kind == "said"
                     else f"{n} queued event{'s' if n > 1 else ''} decided" if kind == "queued, decided"
                     else f"{events} {kind}")
    return words


def settings_key(source: SyncSource) -> str:
    """A short digest of a source's settings: when they change (another address, other words to
    match), the calendar is read whole again rather than asked whether it changed."""
    return hashlib.sha256(source.model_dump_json().encode()).hexdigest()[:16]


# --- the runs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRun:
    """The last sync of one source: when, what it did, what went wrong."""

    source_id: str
    name: str
    time: datetime
    counts: dict[str, int]  # new, queued, updated, unchanged, cancelled, skipped, refused
    errors: tuple[str, ...] = ()  # why the source failed, and the events refused
    failed: bool = False  # the calendar could not be read: nothing was changed
    not_modified: bool = False  # the calendar had not changed since the run before


def last_runs(state_dir: Path) -> list[SourceRun]:
    """The last run of every source synced from the site whose private state is in `state_dir`
    (the configuration's folder), by source id. Empty before the first sync."""
    path = state_dir / SYNC_RUNS_FILE
    try:
        record = json.loads(read_regular_text(path))
    except FileNotFoundError:
        return []
    except (OSError, NotRegularFile, UnicodeDecodeError, ValueError) as exc:
        # Our own record, not the events: the next run writes it whole again.
        log.warning("%s: cannot be read (%s); the next sync writes it again", path, exc)
        return []
    runs = []
    for source_id, run in sorted(record.items()) if isinstance(record, dict) else []:
        try:
            runs.append(SourceRun(
                source_id, str(run["name"]), datetime.fromisoformat(run["time"]),
                {str(k): int(v) for k, v in run["counts"].items()}, tuple(str(e) for e in run.get("errors", [])),
                bool(run.get("failed")), bool(run.get("not_modified")),
            ))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return runs


def record_runs(state_dir: Path, runs: list[SourceRun]) -> None:
    """Keep `runs` as the last run of their sources, beside the others' (private: mode 0600)."""
    kept = {run.source_id: run for run in last_runs(state_dir)}
    kept.update({run.source_id: run for run in runs})
    record = {
        run.source_id: {
            "name": run.name, "time": run.time.isoformat(), "counts": run.counts, "errors": list(run.errors),
            "failed": run.failed, "not_modified": run.not_modified,
        }
        for run in kept.values()
    }
    atomic_write(state_dir / SYNC_RUNS_FILE, json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                 overwrite=True)
