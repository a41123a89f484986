"""A large folder read across processes, when nothing of it is cached: a server's cold start.

Reading and checking an event file is pure Python, so one process reads files on one core. When
thousands are to be read (a first start, a start after an upgrade empties the cache), the files
are read in chunks by forked worker processes, one per core, in the order they are listed, and
each worker sends back:

- its valid events as a pickle of the restart cache's rows (`loadcache.LoadCache.save_pickled`
  writes those very bytes, so the cache is written without pickling the events again);
- the problems of the files that are not valid;
- for each valid event, the bytes `prebuild(event, config)` makes (the server's feeds ask for
  their VEVENTs), so that work is spread over the cores too, where the event already is.

A small folder, a process that may not fork (one already running threads, where a forked child
could inherit a lock held by another thread), or a single core reads in-process (`read_here`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from ..core.config import SiteConfig
from ..core.errors import EventFileError, Problem
from ..core.loader import FileStamp, collector_paused, load_event_file
from ..core.model import Event

log = logging.getLogger("calendar_app")

PROCESSES_FROM = 2000  # files to read, at least, before they are read across processes
_CHUNKS_PER_WORKER = 8  # small enough that the workers finish together, large enough to cost little to send

Prebuild = Callable[[Event, SiteConfig], bytes]


@dataclass(frozen=True)
class ToRead:
    """One file to read: where, its identity on disk, and the LAST-MODIFIED its event gets."""

    path: Path
    stamp: FileStamp
    last_modified: datetime


@dataclass
class Read:
    """What reading files gave, in the order they were given."""

    results: list[Event | tuple[Problem, ...]] = field(default_factory=list)  # the event, or its problems
    prebuilt: list[tuple[Event, bytes]] = field(default_factory=list)
    rows: list[bytes] = field(default_factory=list)  # the cache's rows of the valid events, pickled in chunks


def worker_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def read_files(
    files: list[ToRead],
    root: Path,
    config: SiteConfig,
    prebuild: Prebuild | None = None,
    *,
    processes_from: int = PROCESSES_FROM,
) -> Read:
    """Read `files`: across processes when there are `processes_from` or more and this process
    may fork onto more than one core, else here (see the module docstring)."""
    workers = worker_count()
    if len(files) >= processes_from and workers > 1 and _may_fork():
        try:
            return _read_in_processes(files, root, config, prebuild, workers)
        except (OSError, BrokenProcessPool) as exc:  # no processes to be had here: read in this one
            log.warning("cannot read the events across processes (%s); reading them in one", exc)
    return read_here(files, root, config)


def read_here(files: list[ToRead], root: Path, config: SiteConfig) -> Read:
    """Read `files` in this process (nothing is prebuilt: the feeds build their own)."""
    read = Read()
    with collector_paused():
        for item in files:
            try:
                read.results.append(load_event_file(item.path, root, config, item.last_modified))
            except EventFileError as exc:
                read.results.append(tuple(exc.problems))
    return read


def _may_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _read_in_processes(
    files: list[ToRead], root: Path, config: SiteConfig, prebuild: Prebuild | None, workers: int
) -> Read:
    size = max(1, -(-len(files) // (workers * _CHUNKS_PER_WORKER)))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    read = Read()
    job = partial(_read_chunk, root, config, prebuild)
    context = multiprocessing.get_context("fork")  # the children have every module this one has imported
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for chunk, (rows, problems, built) in zip(chunks, pool.map(job, chunks), strict=True):
            with collector_paused():  # the events read here live as long as the site
                events = iter([row[-1] for row in pickle.loads(rows)])
            read.rows.append(rows)
            _collect(read, chunk, events, problems, built)
    return read


def _collect(
    read: Read, chunk: list[ToRead], events: Iterator[Event], problems: list[tuple[Problem, ...] | None],
    built: list[bytes],
) -> None:
    made = iter(built)
    for _item, found in zip(chunk, problems, strict=True):
        if found is not None:
            read.results.append(found)
            continue
        event = next(events)
        read.results.append(event)
        if built:
            read.prebuilt.append((event, next(made)))


def _read_chunk(
    root: Path, config: SiteConfig, prebuild: Prebuild | None, chunk: list[ToRead]
) -> tuple[bytes, list[tuple[Problem, ...] | None], list[bytes]]:
    """In a worker: the cache rows of the valid events (pickled), each file's problems (None when
    valid), and what `prebuild` makes of each valid event."""
    rows: list[tuple[str, int, int, int, Event]] = []
    problems: list[tuple[Problem, ...] | None] = []
    built: list[bytes] = []
    with collector_paused():
        for item in chunk:
            try:
                event = load_event_file(item.path, root, config, item.last_modified)
            except EventFileError as exc:
                problems.append(tuple(exc.problems))
                continue
            problems.append(None)
            # Worked out here, where files are read in parallel, and so kept in the cache's rows:
            # the catalog sorts by them, and a restart would otherwise walk every series' rule again.
            _ = (event.first_date, event.last_date)
            stamp = item.stamp
            rows.append((str(item.path), stamp.size, stamp.mtime_ns, stamp.inode, event))
            if prebuild is not None:
                built.append(prebuild(event, config))
        return pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL), problems, built
