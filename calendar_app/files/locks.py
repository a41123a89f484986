"""One writer at a time: a thread lock for this process, then a file lock for the others.

The server may run several worker processes over one site; each save (an event file, a queued
suggestion) holds both locks while it reads, checks and writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock


class SaveLock:
    """The thread lock, then the file lock: one save at a time in this process and across processes.

    When the file lock cannot even be made (the site's folder is read-only or full), the error
    `refused(lock_path, error)` gives is raised instead, the thread lock released.
    """

    def __init__(
        self, thread_lock: threading.Lock, file_lock: FileLock, refused: Callable[[Path, OSError], Exception]
    ) -> None:
        self.thread_lock, self.file_lock, self.refused = thread_lock, file_lock, refused

    def __enter__(self) -> None:
        self.thread_lock.acquire()
        try:
            self.file_lock.acquire()
        except OSError as exc:
            self.thread_lock.release()
            raise self.refused(Path(self.file_lock.lock_file), exc) from None
        except BaseException:
            self.thread_lock.release()
            raise

    def __exit__(self, *_: object) -> None:
        try:
            self.file_lock.release()
        finally:
            self.thread_lock.release()
