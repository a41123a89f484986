"""Validated events and their feed bytes kept across restarts, so a restart over unchanged files
is ready at once.

Reading and validating 10,000 event files takes about two seconds; loading them back from this
cache takes a tenth of that. An entry is used only when its file has the same identity on disk
(size, modification time in nanoseconds, inode) as when it was validated, and the whole cache
only when it was written by the same code (a hash of the modules that read and check files,
and the versions of the libraries they use), for the same configuration, events folder and
working folder (paths in messages are shown relative to it). Anything else is a miss, and a
miss only means the file is read again: the cache can make a start faster, never different.

The cache lives outside the events folder, in ``$CALENDAR_CACHE_DIR`` or
``~/.cache/calendar-app/`` (``$XDG_CACHE_HOME`` is followed), one file per events folder. It
is a pickle of the `Event` objects themselves: unpickled with the garbage collector paused it
loads 10,000 events in about 0.1 s, where a representation rebuilt through pydantic took three
times longer. Since unpickling runs code named in the file, the cache is read only from a folder
and file that belong to the user running the server and that no one else may write.

`ComponentCache` keeps the feeds' VEVENT bytes the same way, by each event's version, with the
full feed's gzip beside them: without it a start writes every VEVENT again, which renders every
description to plain text (about half a millisecond an event, most of it the Markdown).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

from ..core.config import SiteConfig
from ..core.loader import FileStamp, collector_paused
from ..core.model import Event

log = logging.getLogger("calendar_app")

ENV_VAR = "CALENDAR_CACHE_DIR"
FORMAT = 2  # raised whenever what is stored changes shape
# The modules whose code decides what an Event holds: a change to any of them empties the cache.
_SOURCES = (
    "core/checked.py",
    "core/config.py",
    "core/fields.py",
    "core/frontmatter.py",
    "core/loader.py",
    "core/model.py",
    "core/recurrence.py",
    "core/series.py",
    "core/when.py",
    "files/coldstart.py",
    "files/loadcache.py",
)
_LIBRARIES = ("pydantic", "pydantic-core", "PyYAML", "python-dateutil", "email-validator", "tzdata")

CachedEvents = dict[str, tuple[FileStamp, Event]]  # by the path as `event_files` gives it


def default_cache_dir() -> Path:
    """``$CALENDAR_CACHE_DIR``, else ``$XDG_CACHE_HOME/calendar-app``, else ``~/.cache/calendar-app``."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "calendar-app"


@lru_cache(maxsize=4)
def code_version(sources: tuple[str, ...] = _SOURCES, libraries: tuple[str, ...] = _LIBRARIES) -> str:
    """A digest of everything besides the files that decides what is cached: our modules that
    make it, the libraries they use, the format of the cache and the Python that pickled it."""
    digest = hashlib.sha256(f"{FORMAT}|{sys.version}".encode())
    here = Path(__file__).resolve().parent.parent  # the package
    for name in sources:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes())
    digest.update(library_versions(libraries).encode())
    return digest.hexdigest()


def library_versions(names: Iterable[str]) -> str:
    """'pydantic=2.9.2PyYAML=6.0.2...': the installed version of each library (`none` when it is
    not installed), for keys that must change when a library that shapes an output does."""
    return "".join(f"{name}={_version_of(name)}" for name in names)


def _version_of(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "none"


class PickleFile:
    """One cache file: a key line, then a pickle; used only when the key matches.

    The key is a digest of what the content was made from, so a file made by other code, for
    another configuration or folder, is never used; one that cannot be read is logged and
    ignored; one that another user could have written is not even unpickled.
    """

    def __init__(self, folder: Path, kind: str, events_dir: Path, key_parts: list[str]) -> None:
        self.folder = folder
        where = str(events_dir.absolute())
        self.file = folder / f"{kind}-{hashlib.sha256(where.encode()).hexdigest()[:16]}.pickle"
        self.key = hashlib.sha256("\0".join([where, *key_parts]).encode()).hexdigest().encode("ascii")

    def load(self) -> Any:
        """What the file holds, or None when it is missing, foreign, stale or damaged."""
        try:
            with open(self.file, "rb") as handle:
                info = os.fstat(handle.fileno())
                if not self._trusted(info.st_uid, info.st_mode) or not self._trusted_folder():
                    log.warning("ignoring the cache %s: it may be written by another user", self.file)
                    return None
                if handle.readline().rstrip(b"\n") != self.key:
                    return None  # other code, configuration or folder: made again
                try:
                    with collector_paused():
                        # Read as it is unpickled, not whole first: the bytes would add to the peak.
                        return self._read(handle)  # our own file, in a folder only we may write
                except (OSError, MemoryError):
                    raise
                except Exception as exc:  # a damaged cache is made again, never trusted in part
                    log.warning("ignoring the damaged cache %s: %s", self.file, exc)
                    return None
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read the cache %s: %s", self.file, exc)
            return None

    def _read(self, handle: BinaryIO) -> Any:
        return pickle.load(handle)

    def save(self, content: object) -> None:
        """Replace the file's content; a failure to write is logged, never raised."""
        # Streamed: no copy of the pickle in memory.
        self._write(lambda handle: pickle.dump(content, handle, protocol=pickle.HIGHEST_PROTOCOL))

    def _write(self, write: Callable[[BinaryIO], object]) -> None:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".cache-", suffix=".tmp", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(self.key + b"\n")
                    write(handle)
                os.replace(tmp, self.file)  # several workers may save at once: the last one wins whole
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except (OSError, pickle.PicklingError) as exc:
            log.warning("cannot write the cache %s: %s", self.file, exc)

    def _trusted_folder(self) -> bool:
        info = self.folder.stat()
        return self._trusted(info.st_uid, info.st_mode)

    @staticmethod
    def _trusted(uid: int, mode: int) -> bool:
        return uid == os.geteuid() and not mode & 0o022


class LoadCache(PickleFile):
    """The validated events of one events folder under one configuration.

    Stored as a count, then that many pickles of rows (path, size, modification time, inode,
    event): one when a server saves, one per chunk when the files were read across processes,
    which pickled their own rows (`coldstart`), written here as they are.
    """

    def __init__(self, folder: Path, events_dir: Path, config: SiteConfig) -> None:
        # Paths in messages are shown relative to the working folder, so it is part of the key.
        super().__init__(folder, "events", events_dir, [code_version(), config.model_dump_json(), os.getcwd()])

    def load(self) -> CachedEvents:
        """The events the cache holds, by path; empty when it is missing, foreign or stale."""
        rows = super().load()
        if rows is None:
            return {}
        return {path: (FileStamp(size, mtime_ns, inode), event) for path, size, mtime_ns, inode, event in rows}

    def _read(self, handle: BinaryIO) -> list[tuple[str, int, int, int, Event]]:
        rows = []
        for _ in range(pickle.load(handle)):
            rows.extend(pickle.load(handle))
        return rows

    def save(self, content: object) -> None:
        """Replace the cache with `content`, the events by path (as `load` gives them)."""
        entries: CachedEvents = content  # type: ignore[assignment]
        rows = [(path, s.size, s.mtime_ns, s.inode, event) for path, (s, event) in entries.items()]

        def write(handle: BinaryIO) -> None:
            pickle.dump(1, handle)
            pickle.dump(rows, handle, protocol=pickle.HIGHEST_PROTOCOL)

        self._write(write)

    def save_pickled(self, chunks: list[bytes]) -> None:
        """Replace the cache with rows already pickled, each of `chunks` one pickle of a list of them."""

        def write(handle: BinaryIO) -> None:
            pickle.dump(len(chunks), handle)
            for chunk in chunks:
                handle.write(chunk)

        self._write(write)


# What a feed's VEVENT bytes are made from besides the event: a change to any empties the cache.
_FEED_SOURCES = (
    "render/ical/vevent.py",
    "render/ical/values.py",
    "render/ical/vevent_writer.py",
    "render/plaintext.py",
    "render/markdown.py",
    "render/ical/timezones.py",
    "render/ical/ics.py",
    "web/feedcache.py",
    "core/checked.py",
    "core/fields.py",
    "core/model.py",
    "core/series.py",
    "core/when.py",
    "files/loadcache.py",
)
_FEED_LIBRARIES = ("icalendar", "markdown-it-py", "tzdata")


class ComponentCache(PickleFile):
    """The feeds' VEVENT bytes by event version, so a restart builds none of them again.

    Writing them renders every description to plain text (about half a millisecond an event);
    with this cache that happens once per changed file, not once per start.
    """

    def __init__(self, folder: Path, events_dir: Path, config: SiteConfig) -> None:
        version = code_version(_FEED_SOURCES, _FEED_LIBRARIES)
        super().__init__(folder, "feeds", events_dir, [version, config.model_dump_json()])
