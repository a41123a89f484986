"""Reading a site's files without ever waiting on one that is not a regular file.

`open()` on a named pipe (FIFO) waits until something writes to it, and a device can answer
without end: one such file planted in the events folder (or in place of the session key or a
queued suggestion) would hold a request, the watcher or a build forever. Every file is opened
with O_NONBLOCK, which makes opening a FIFO return at once, and checked with `fstat` on the
open descriptor (so a file swapped in between a check and the open is caught too) before a
byte is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegularFile(OSError):
    """The path is a named pipe, a device, a socket or a folder: it is never read."""

    def __init__(self, path: Path, mode: int) -> None:
        self.path, self.kind = path, file_kind(mode)
        super().__init__(f"is {self.kind}, not a regular file; only regular files are read")
        self.strerror = f"{self.kind}, not a regular file"  # what `OSError` handlers show


class FileTooLarge(OSError):
    """The file holds more than the reader allows; nothing was read past the limit."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        self.path, self.size, self.limit = path, size, limit
        super().__init__(f"the file is too large ({size:,} bytes; the limit is {limit:,})")
        self.strerror = str(self)


def file_kind(mode: int) -> str:
    """What a file of this `st_mode` is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def read_regular_file(path: Path, limit: int | None = None) -> bytes:
    """The bytes of `path` if it is a regular file (links are followed), at most `limit` of them.

    Raises NotRegularFile for anything else, FileTooLarge past `limit`, and OSError as `open`
    does (FileNotFoundError, PermissionError...).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(path, st.st_mode)
        if limit is not None and st.st_size > limit:
            raise FileTooLarge(path, st.st_size, limit)
        # O_NONBLOCK changes nothing for a regular file's reads; the file is read whole (or to
        # one byte past the limit, for one that grew since fstat).
        chunks: list[bytes] = []
        left = (limit + 1) if limit is not None else None
        while left is None or left > 0:
            chunk = os.read(fd, 1 << 20 if left is None else min(1 << 20, left))
            if not chunk:
                break
            chunks.append(chunk)
            if left is not None:
                left -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if limit is not None and len(data) > limit:
        raise FileTooLarge(path, len(data), limit)
    return data


def read_regular_text(path: Path, limit: int | None = None) -> str:
    """`read_regular_file` decoded as UTF-8 (UnicodeDecodeError as `Path.read_text` raises it)."""
    return read_regular_file(path, limit).decode("utf-8")
