"""The cache of validated events: a restart over unchanged files gives the same site, any change
is read from the file again, and a cache that is foreign, stale or damaged is never trusted."""

from __future__ import annotations

import gzip
import logging
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from calendar_app.core.clock import Clock
from calendar_app.core.config import SiteConfig, load_config
from calendar_app.files.loadcache import LoadCache, default_cache_dir
from calendar_app.files.site import Site
from calendar_app.web.feedcache import FeedCache

from .conftest import ROOT, SAMPLE_EVENTS

TODAY = date(2026, 11, 23)


@pytest.fixture
def events(tmp_path: Path) -> Path:
    folder = tmp_path / "events"
    shutil.copytree(SAMPLE_EVENTS, folder)
    return folder


def site_of(events: Path, cache: Path, config: SiteConfig | None = None) -> Site:
    config = config or load_config(ROOT / "calendar.toml")
    return Site(config, events, Clock(config.zone, TODAY), cache_dir=cache)


def read_from_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files sites read from disk from now on (rather than from the cache)."""
    import calendar_app.files.coldstart as reader

    read: list[str] = []
    real = reader.load_event_file

    def spy(path: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        read.append(path.name)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reader, "load_event_file", spy)
    return read


def test_a_restart_over_unchanged_files_reads_none_and_serves_the_same_feed(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = site_of(events, tmp_path / "cache")
    read = read_from_files(monkeypatch)
    again = site_of(events, tmp_path / "cache")
    assert read == []
    assert [e.slug for e in again.catalog.events] == [e.slug for e in first.catalog.events]
    assert again.catalog.events == first.catalog.events
    assert FeedCache(again).feed().body == FeedCache(first).feed().body


def test_a_changed_file_is_read_again(events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site_of(events, tmp_path / "cache")
    changed = sorted(events.rglob("*.md"))[0]
    text = re.sub(r"^title: .*$", 'title: "New title"', changed.read_text(encoding="utf-8"), count=1, flags=re.MULTILINE)
    changed.write_text(text, encoding="utf-8")
    read = read_from_files(monkeypatch)
    site = site_of(events, tmp_path / "cache")
    assert read == [changed.name]
    assert site.catalog.by_slug[changed.stem].title == "New title"


def test_another_configuration_does_not_use_the_cache(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site_of(events, tmp_path / "cache")
    read = read_from_files(monkeypatch)
    other = load_config(ROOT / "calendar.toml").model_copy(update={"uid_domain": "trainings.example.net"})
    site = site_of(events, tmp_path / "cache", other)
    assert len(read) == len(list(events.rglob("*.md")))
    assert all(e.uid.endswith("@trainings.example.net") or e.fields.uid for e in site.catalog.events)


def test_a_damaged_cache_is_read_from_the_files(
    events: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = [e.slug for e in site_of(events, tmp_path / "cache").catalog.events]
    (cache_file,) = (tmp_path / "cache").glob("events-*.pickle")
    key = cache_file.read_bytes().split(b"\n", 1)[0]
    cache_file.write_bytes(key + b"\nnot a pickle at all")
    with caplog.at_level(logging.WARNING, logger="calendar_app"):
        site = site_of(events, tmp_path / "cache")
    assert [e.slug for e in site.catalog.events] == expected
    assert "ignoring the damaged cache" in caplog.text


def test_a_cache_others_may_write_is_not_trusted(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    site_of(events, tmp_path / "cache")
    (cache_file,) = (tmp_path / "cache").glob("events-*.pickle")
    cache_file.chmod(0o666)
    read = read_from_files(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="calendar_app"):
        site_of(events, tmp_path / "cache")
    assert len(read) == len(list(events.rglob("*.md")))
    assert "may be written by another user" in caplog.text


def test_the_cache_is_kept_outside_the_events_folder(events: Path, tmp_path: Path) -> None:
    site_of(events, tmp_path / "cache")
    assert not [p for p in events.rglob("*") if "pickle" in p.name]
    cache = LoadCache(tmp_path / "cache", events, load_config(ROOT / "calendar.toml"))
    assert cache.file.parent == tmp_path / "cache"
    assert len(cache.load()) == len(list(events.rglob("*.md")))


def test_the_default_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CALENDAR_CACHE_DIR", str(tmp_path / "here"))
    assert default_cache_dir() == tmp_path / "here"
    monkeypatch.delenv("CALENDAR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "calendar-app"


def test_a_restart_builds_no_feed_entry_again_and_one_per_changed_file(events: Path, tmp_path: Path) -> None:
    first = FeedCache(site_of(events, tmp_path / "cache"))
    assert first.components_built == len(first.site.catalog) > 0

    again = FeedCache(site_of(events, tmp_path / "cache"))
    assert again.components_built == 0
    assert again.feed().body == first.feed().body
    assert again.feed().gzipped == first.feed().gzipped

    changed = sorted(events.rglob("*.md"))[0]
    text = re.sub(r"^title: .*$", 'title: "Changed title"', changed.read_text(encoding="utf-8"), count=1, flags=re.MULTILINE)
    changed.write_text(text, encoding="utf-8")
    third = FeedCache(site_of(events, tmp_path / "cache"))
    assert third.components_built == 1
    assert b"SUMMARY:Changed title" in third.feed().body
    assert gzip.decompress(third.feed().gzipped) == third.feed().body
