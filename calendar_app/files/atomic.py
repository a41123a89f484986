"""Files written whole or not at all.

A file is written to a temporary file in the same folder, flushed to the disk (fsync), then
renamed or linked into place, so a crash or a full disk never leaves half a file, and a new
file never replaces an existing one. Event files, accounts, the queue, the session key and the
static build all write through here.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, text: str | bytes, *, overwrite: bool, sync: bool = True, mode: int | None = None) -> None:
    """Write `text` (or bytes as they are) to `path` so that readers see the old file or the new
    one, never a part.

    With `overwrite=False` an existing file is never replaced (FileExistsError), even when two
    writers race: the new file is linked into place, which fails if the name is taken.
    `sync=False` skips flushing to the disk (fsync): still atomic for readers, but a crash may
    lose the file, which suits outputs that are made again (a static build's thousands of pages).
    The file is private (0600) unless `mode` says otherwise.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
            tmp.unlink()
        if sync:
            _fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot sync a directory; the rename itself is still atomic
    finally:
        os.close(fd)
