"""Counting attempts per key in a sliding window: failed logins, public suggestions.

In memory, per server process: a restart forgets the counts, which only ever lets a person
back in sooner. The clock is injectable so tests can move time without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable


class Throttle:
    """Allow at most `limit` hits per key within `window` seconds."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        with self._lock:
            hits = self._prune(key)
            if len(hits) < self.limit:
                return 0.0
            return max(0.0, hits[0] + self.window - self.clock())

    def hit(self, key: str) -> None:
        with self._lock:
            self._prune(key).append(self.clock())
            if len(self._hits) > 100_000:  # an address flood must not grow memory without bound
                self._forget_idle()

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)

    def _prune(self, key: str) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        cutoff = self.clock() - self.window
        while hits and hits[0] <= cutoff:
            hits.popleft()
        return hits

    def _forget_idle(self) -> None:
        cutoff = self.clock() - self.window
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= cutoff]:
            del self._hits[key]
