"""The benchmark runs with one command and reports every measure (no timing is asserted here:
these are benchmarks, not timed tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import run
from benchmarks.generate import ensure, generate
from calendar_app.core.config import SiteConfig
from calendar_app.core.loader import load_events

from .conftest import ROOT


def test_generated_events_are_valid_varied_and_the_same_every_time(tmp_path: Path) -> None:
    first = generate(300, tmp_path / "a")
    second = generate(300, tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*.md"))
    assert files == sorted(p.relative_to(second) for p in second.rglob("*.md"))
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)

    loaded = load_events(first, SiteConfig())
    assert loaded.problems == []
    events = loaded.events
    assert len(events) == 300
    assert {e.zone.key for e in events if not e.all_day} >= {"America/New_York", "America/Chicago", "America/Los_Angeles"}
    assert any(e.all_day and e.end > e.start for e in events)
    assert 10 <= sum(e.rule is not None for e in events) <= 60
    assert any(e.status.value == "cancelled" for e in events)
    assert all(len(e.body.split()) >= 150 for e in events)


def test_generated_folders_are_kept_between_runs(tmp_path: Path) -> None:
    folder = ensure(20, tmp_path)
    marker = folder / ".complete"
    stamp = marker.stat().st_mtime_ns
    assert ensure(20, tmp_path) == folder
    assert marker.stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_the_benchmark_runs_once_on_a_small_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = run.main([
        "--sizes", "200", "--repeats", "1", "--calls", "3", "--no-http",
        "--config", str(ROOT / "calendar.toml"),
        "--data", str(tmp_path / "data"), "--results", str(tmp_path / "results"),
    ])
    printed = capsys.readouterr().out
    for row in run.ROWS:
        assert f"| {row.measure} | 200 |" in printed
    assert "| site, feeds and listing in one process | 200 |" in printed

    written = json.loads((tmp_path / "results" / "latest.json").read_text(encoding="utf-8"))
    assert written["table"] == report["table"]
    (size,) = written["sizes"]
    assert size["count"] == 200
    assert size["info"]["events"] == 200 and size["info"]["problems"] == 0
    for row in run.ROWS:
        summary = size["summary"][row.key]
        assert summary["min"] <= summary["median"] <= summary["max"]
    assert size["info"]["feed_events"] > 0 and size["info"]["feed_gzip_bytes"] < size["info"]["feed_bytes"]
    assert size["info"]["peak_rss_mb"] > size["info"]["rss_imported_mb"] > 0
    # The changed file was put back as it was.
    assert load_events(Path(size["info"]["events_dir"]), SiteConfig()).problems == []
