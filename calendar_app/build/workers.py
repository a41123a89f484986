"""The build's tasks run by worker processes (`--jobs`), or in the build's own process.

A first build renders thousands of pages that do not depend on one another, so `Workers` hands
its tasks (`pagewriter`) to a pool of processes (`concurrent.futures`) and gives their results
back in the order of the tasks, while the build's own process does `meanwhile` what needs no
rendering (choosing the listings, joining the feeds). With one job, or with fewer than
`PARALLEL_FROM` events or pages to render (starting processes would cost more than it saves),
every task runs here, in the same order: any number of jobs gives the same files.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import AbstractContextManager
from multiprocessing.context import BaseContext
from types import TracebackType
from typing import TypeVar

from .pagewriter import Done, PageWriter, Setup, Task

PARALLEL_FROM = 200  # events or pages to render; for fewer, tasks run in the build's own process
CHUNKS_PER_JOB = 4  # more tasks than jobs even out the workers' shares at the end

T = TypeVar("T")
_writer: PageWriter | None = None
_parents: PageWriter | None = None  # the build's own writer, which a forked worker inherits


def _start(setup: Setup, writing: AbstractContextManager[object]) -> None:
    global _writer
    # Forked, a worker has the build's writer already: its catalog, and its templates compiled.
    _writer = _parents if _parents is not None and _parents.setup is setup else PageWriter(setup)
    # One worker at a time writes: two creating files in one folder (`events/` holds thousands)
    # wait on each other in the file system, and take several times as long as one.
    _writer.writing = writing


def _run(task: Task) -> Done:
    assert _writer is not None, "the worker was not started"
    return _writer.run(task)


def _context() -> BaseContext:
    """Forked workers share the loaded events without copying them. Where forking is unsafe (on
    macOS, or in a process running other threads) or missing (Windows), workers start afresh
    and receive them."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform != "darwin" and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class Workers:
    """Runs tasks with `jobs` processes when they render enough, else with `here`."""

    def __init__(self, here: PageWriter, *, jobs: int) -> None:
        self.here = here
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        global _parents
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=error is not None)
        _parents = None

    def run(self, tasks: list[Task], pages: int, meanwhile: Callable[[], None] = lambda: None) -> list[Done]:
        """Every task's result, in the order of `tasks`, which render `pages` pages (or events);
        `meanwhile` runs here while they run."""
        if self.jobs <= 1 or (pages < PARALLEL_FROM and self._pool is None):
            done = [self.here.run(task) for task in tasks]
            meanwhile()
            return done
        if self._pool is None:
            global _parents
            _parents = self.here
            self.here.compile()
            context = _context()
            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=context, initializer=_start,
                initargs=(self.here.setup, context.Lock()),
            )
        futures: list[Future[Done]] = [self._pool.submit(_run, task) for task in tasks]
        meanwhile()
        return [future.result() for future in futures]


def chunks(items: list[T], jobs: int, least: int = 1) -> list[list[T]]:
    """`items` cut into about `CHUNKS_PER_JOB` pieces per job, each of at least `least` items."""
    size = max(least, -(-len(items) // (max(1, jobs) * CHUNKS_PER_JOB)))
    return [items[i : i + size] for i in range(0, len(items), size)]
