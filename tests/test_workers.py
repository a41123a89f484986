"""The build's tasks in worker processes give what they give in the build's own process."""

from __future__ import annotations

import multiprocessing
from datetime import date
from pathlib import Path

import pytest

from calendar_app.build import workers
from calendar_app.build.outputtree import file_mode
from calendar_app.build.pagewriter import AtomTask, EventsTask, ObservanceTask, PageWriter, Setup
from calendar_app.build.workers import Workers, chunks
from calendar_app.core.catalog import Catalog

TODAY = date(2026, 11, 23)


def test_chunks_share_the_items_in_order() -> None:
    items = list(range(103))
    parts = chunks(items, jobs=2)
    assert [i for part in parts for i in part] == items
    assert len(parts) == 2 * workers.CHUNKS_PER_JOB
    assert chunks(items, jobs=2, least=60) == [items[:60], items[60:]]
    assert chunks([], jobs=2) == []


def _writer(catalog: Catalog, out: Path) -> PageWriter:
    return PageWriter(Setup(catalog.config, catalog.events, TODAY, False, out, file_mode()), catalog)


def test_tasks_give_the_same_files_in_workers_and_here(
    tmp_path: Path, sample_catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    slugs = [e.slug for e in sample_catalog.events]
    tasks = [
        EventsTask([(slug, {}) for slug in slugs[:5]]), EventsTask([(slug, {}) for slug in slugs[5:9]]),
        AtomTask(""), ObservanceTask(None, 0, ["observances/index.html"]),
    ]
    monkeypatch.setattr(workers, "PARALLEL_FROM", 1)
    with Workers(_writer(sample_catalog, tmp_path / "here"), jobs=2) as here:
        serial = here.run(tasks, 0)  # nothing worth a process
        assert here._pool is None
    calls = []
    with Workers(_writer(sample_catalog, tmp_path / "pool"), jobs=2) as pool:
        parallel = pool.run(tasks, len(slugs), meanwhile=lambda: calls.append("meanwhile"))
        assert pool._pool is not None
    assert calls == ["meanwhile"]
    assert [[(e.slug, e.outputs, e.vevent, e.records, e.summary) for e in d.events] for d in parallel] == [
        [(e.slug, e.outputs, e.vevent, e.records, e.summary) for e in d.events] for d in serial
    ]
    assert [d.outputs for d in parallel] == [d.outputs for d in serial]
    assert [e.slug for d in parallel for e in d.events] == slugs[:9]  # in the order of the tasks
    for path, _digest, size in parallel[2].outputs + parallel[3].outputs:
        assert size and (tmp_path / "pool" / path).read_bytes() == (tmp_path / "here" / path).read_bytes()


def test_a_task_that_fails_in_a_worker_fails_the_build(
    tmp_path: Path, sample_catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "PARALLEL_FROM", 1)
    with Workers(_writer(sample_catalog, tmp_path), jobs=2) as pool, pytest.raises(KeyError):
        pool.run([EventsTask([("no-such-event", {})])], 10)


def test_workers_started_afresh_receive_the_events(
    tmp_path: Path, sample_catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a worker cannot be forked (macOS, Windows, a process with threads), it starts afresh
    and is sent the events: the same files."""
    monkeypatch.setattr(workers, "PARALLEL_FROM", 1)
    monkeypatch.setattr(workers, "_context", lambda: multiprocessing.get_context("spawn"))
    slugs = [e.slug for e in sample_catalog.events[:3]]
    with Workers(_writer(sample_catalog, tmp_path / "here"), jobs=2) as here:
        serial = here.run([EventsTask([(slug, {}) for slug in slugs])], 0)
    with Workers(_writer(sample_catalog, tmp_path / "pool"), jobs=2) as pool:
        spawned = pool.run([EventsTask([(slug, {}) for slug in slugs])], 3)
    assert [e.outputs for e in spawned[0].events] == [e.outputs for e in serial[0].events]
