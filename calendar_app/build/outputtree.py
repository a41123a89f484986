"""The folder a static build writes: only files whose content changed, and a manifest of them.

The manifest (`.calendar-build/manifest.json` inside the output folder) lists every file the
last build wrote with a digest of its content, and keeps what the build needs to skip work: each
event's key, the keys of the other outputs that can be kept (listing pages, feeds), and which
events each listing and feed held (see `selections`). A rebuild compares each new output with
it: an equal digest leaves the file alone (its modification time too, so a sync to a host or CDN
uploads only what changed); a file the new build no longer makes (a deleted event's pages) is
removed. Files the build never wrote are never touched.

Files are written with `atomic.atomic_write`, so a reader of the folder (a static server, a
sync running at the same time) sees the old file or the new one, never part of one. Worker
processes of a parallel build write their events' files with `write_output` and the parent
records them (`record`), so every file is still counted and listed once.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import CalendarError
from ..files.atomic import atomic_write

MANIFEST_DIR = ".calendar-build"
MANIFEST_NAME = "manifest.json"
FORMAT = 2


class BuildError(CalendarError):
    """The build cannot write where it was asked to."""


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass
class Manifest:
    """What the previous build left: every output's digest, per event its key (and what the key
    was made from), the keys of the other outputs that can be kept, and the selections."""

    outputs: dict[str, str] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    stamps: dict[str, str] = field(default_factory=dict)
    selections: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, out: Path) -> Manifest | None:
        """The manifest in `out`, an empty one for a fresh folder, or None when `out` holds other files."""
        path = out / MANIFEST_DIR / MANIFEST_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            if out.exists() and any(out.iterdir()):
                return None
            return cls()
        except (OSError, ValueError):
            return cls()  # unreadable: every output is written again, none is trusted
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return cls()
        return cls(
            dict(data.get("outputs", {})), dict(data.get("events", {})), dict(data.get("keys", {})),
            dict(data.get("stamps", {})), dict(data.get("selections", {})),
        )

    def text(self) -> str:
        data = {
            "format": FORMAT,
            "stamps": self.stamps,
            "outputs": self.outputs,
            "events": self.events,
            "keys": self.keys,
            "selections": self.selections,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def output_file(out: Path, path: str) -> Path:
    """The file of `path` (relative to the output folder, "/"-separated), refusing any other place."""
    return Path(_inside(out, path))


def _inside(out: Path | str, path: str) -> str:
    """`path` in `out` as a string (a rebuild asks after tens of thousands: pathlib is slow at it)."""
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in path.split("/")):
        raise AssertionError(f"not a path inside the build: {path!r}")
    return os.path.join(out, path)


def write_output(out: Path, path: str, data: bytes, previous: str | None, mode: int) -> tuple[str, bool]:
    """Make `path` in `out` hold `data` unless the previous build left exactly these bytes there;
    returns the digest and whether the file was written."""
    digest = digest_of(data)
    target = output_file(out, path)
    if previous == digest and target.is_file():
        return digest, False
    atomic_write(target, data, overwrite=True, sync=False)  # one os.sync() before the manifest
    os.chmod(target, mode)  # a temporary file is private; a published one is not
    return digest, True


class OutputTree:
    """Writes a build into `out`, comparing every file with the previous build's manifest."""

    def __init__(self, out: Path, previous: Manifest) -> None:
        self.out = out
        self.previous = previous
        self.manifest = Manifest()
        self.written: list[str] = []
        self.bytes_written = 0
        self.unchanged = 0
        self.removed: list[str] = []
        self.mode = file_mode()
        self._root = str(out)

    def begin(self) -> None:
        """Mark the folder as a build's before writing into it, so that a first build cut short
        is taken up by the next one instead of being refused as someone else's folder."""
        manifest = self.out / MANIFEST_DIR / MANIFEST_NAME
        if not manifest.exists():
            atomic_write(manifest, Manifest().text(), overwrite=True)

    def put(self, path: str, content: str | bytes) -> None:
        """Make `path` (relative to the output folder, "/"-separated) hold `content`."""
        if path in self.manifest.outputs:
            raise AssertionError(f"the build made {path} twice")
        data = content.encode("utf-8") if isinstance(content, str) else content
        digest, written = write_output(self.out, path, data, self.previous.outputs.get(path), self.mode)
        self.record(path, digest, len(data) if written else None)

    def record(self, path: str, digest: str, size: int | None) -> None:
        """Count `path`, which holds content of `digest`: written now (`size` bytes), or left as it was."""
        if path in self.manifest.outputs:
            raise AssertionError(f"the build made {path} twice")
        self.manifest.outputs[path] = digest
        if size is None:
            self.unchanged += 1
        else:
            self.written.append(path)
            self.bytes_written += size

    def can_keep(self, path: str) -> bool:
        """Whether the previous build's `path` (one the build names, not one read from the
        manifest) is still there to be kept."""
        return (
            path in self.previous.outputs
            and path not in self.manifest.outputs
            and os.path.isfile(os.path.join(self._root, path))
        )

    def keep_all(self, key_name: str, key: str, paths: list[str]) -> bool:
        """Keep every one of `paths` when the previous build made them under the same `key`."""
        self.manifest.keys[key_name] = key
        if self.previous.keys.get(key_name) != key or not all(self.can_keep(p) for p in paths):
            return False
        for path in paths:
            self.keep(path)
        return True

    def keep(self, path: str) -> None:
        """Keep the previous build's `path` as it is (after `can_keep` said it can be)."""
        self.manifest.outputs[path] = self.previous.outputs[path]
        self.unchanged += 1

    def finish(self) -> None:
        """Remove what the previous build wrote and this one did not, then save the manifest."""
        for path in sorted(set(self.previous.outputs) - set(self.manifest.outputs)):
            target = self._file(path)
            try:
                target.unlink()
            except FileNotFoundError:
                pass
            self.removed.append(path)
            self._prune(target.parent)
        if self.written or self.removed:
            # On the disk before the manifest that vouches for them: after a crash, a manifest
            # never names a file whose bytes were lost.
            os.sync()
        atomic_write(self.out / MANIFEST_DIR / MANIFEST_NAME, self.manifest.text(), overwrite=True)

    def _file(self, path: str) -> Path:
        return output_file(self.out, path)

    def _prune(self, folder: Path) -> None:
        """Remove folders the removal left empty, up to the output folder."""
        out = self.out.resolve()
        while folder.resolve() != out and out in folder.resolve().parents:
            try:
                folder.rmdir()
            except OSError:
                return  # not empty (or not ours to remove)
            folder = folder.parent


def file_mode() -> int:
    """Read-write for the owner, readable by everyone the umask allows (0644 under the usual 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
