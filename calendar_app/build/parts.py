"""What the build keeps of each event between builds, to join the feeds and the browser's JSON
without rendering the event again: its VEVENT bytes and its records for the browser (JSON), one
per language of the site (their entries are written in it).

They live in `.calendar-build/parts/`, spread over `SHARDS` files by the slug, so a build that
renders one event rewrites one small file, and a build that renders none reads them only when
a feed or the browser's JSON has to be joined again. A shard is plain bytes with a length
before each part, so reading 10,000 events' parts is slicing, not parsing. Each part carries its
event's key: a part that is missing, damaged or of another version of the event is not used,
and the build makes it again.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..files.atomic import atomic_write

SHARDS = 64
_HEADER = b"calendar-build parts 2\n"


@dataclass(frozen=True)
class EventParts:
    key: str  # the event's key when they were made (see `static.event_key`)
    vevent: bytes
    records: tuple[bytes, ...]  # one per language, in the order of `language.LANGUAGES`


def shard_of(slug: str) -> int:
    return zlib.crc32(slug.encode("utf-8")) % SHARDS


class PartStore:
    """The parts of every event, read a shard at a time when first asked for."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._shards: dict[int, dict[str, EventParts]] = {}
        self._changed: set[int] = set()

    def get(self, slug: str, key: str) -> EventParts | None:
        """The parts of `slug` made under `key`, if the store has them."""
        parts = self._shard(shard_of(slug)).get(slug)
        return parts if parts is not None and parts.key == key else None

    def put(self, slug: str, parts: EventParts) -> None:
        n = shard_of(slug)
        shard = self._shard(n)
        if shard.get(slug) != parts:
            shard[slug] = parts
            self._changed.add(n)

    def forget(self, slugs: Iterable[str]) -> None:
        """Drop the parts of events that are gone."""
        for slug in slugs:
            n = shard_of(slug)
            if self._shard(n).pop(slug, None) is not None:
                self._changed.add(n)

    def save(self, keep: set[str]) -> None:
        """Write the shards that changed, without the parts of events not in `keep` (without
        waiting for the disk: the build syncs once)."""
        for n, shard in self._shards.items():
            gone = [slug for slug in shard if slug not in keep]
            for slug in gone:
                del shard[slug]
            if gone:
                self._changed.add(n)
        for n in sorted(self._changed):
            if not self._shards[n]:
                self._path(n).unlink(missing_ok=True)
                continue
            chunks = [_HEADER]
            for slug, parts in sorted(self._shards[n].items()):
                sizes = ",".join(str(len(record)) for record in parts.records)
                line = f"{slug}\t{parts.key}\t{len(parts.vevent)}\t{sizes}\n"
                chunks += [line.encode("utf-8"), parts.vevent, *parts.records]
            atomic_write(self._path(n), b"".join(chunks), overwrite=True, sync=False)
        self._changed.clear()

    def _path(self, n: int) -> Path:
        return self.folder / f"{n:02d}.bin"

    def _shard(self, n: int) -> dict[str, EventParts]:
        shard = self._shards.get(n)
        if shard is None:
            shard = self._shards[n] = _read(self._path(n))
        return shard


def _read(path: Path) -> dict[str, EventParts]:
    """A shard's parts; none when it is missing or damaged (their events' parts are made again)."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    if not data.startswith(_HEADER):
        return {}
    found: dict[str, EventParts] = {}
    at = len(_HEADER)
    try:
        while at < len(data):
            end = data.index(b"\n", at)
            slug, key, vevent_size, record_sizes = data[at:end].decode("utf-8").split("\t")
            start, stop = end + 1, end + 1 + int(vevent_size)
            vevent, records = data[start:stop], []
            for size in record_sizes.split(","):
                start, stop = stop, stop + int(size)
                records.append(data[start:stop])
            if stop > len(data):
                return {}
            found[slug] = EventParts(key, vevent, tuple(records))
            at = stop
    except ValueError:  # a line cut short or not ours (UnicodeDecodeError is one too)
        return {}
    return found
