"""The running site: a file saved while it watches is published without a restart."""

from __future__ import annotations

import re
import shutil
import time
from datetime import date
from pathlib import Path

import pytest

from calendar_app.core.clock import Clock
from calendar_app.core.config import load_config
from calendar_app.files.site import Site
from calendar_app.web.feedcache import FeedCache

from .conftest import ROOT, SAMPLE_EVENTS


def wait_for(condition, seconds: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    """Poll `condition` until it holds or `seconds` pass (a bound, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


def test_a_saved_file_reaches_the_feed_while_the_site_watches(tmp_path: Path) -> None:
    events = tmp_path / "events"
    shutil.copytree(SAMPLE_EVENTS, events)
    config = load_config(ROOT / "calendar.toml")
    site = Site(config, events, Clock(config.zone, date(2026, 11, 23)))
    feeds = FeedCache.of(site)
    target = sorted(events.rglob("*.md"))[0]
    site.watch(interval=30)  # far longer than the test waits: the change must be reported, not polled
    time.sleep(1)  # the watcher registers with the operating system in its own thread; a change before that waits for the poll
    try:
        text = re.sub(r"^title: .*$", 'title: "Renamed while serving"', target.read_text(encoding="utf-8"),
                      count=1, flags=re.MULTILINE)
        target.write_text(text, encoding="utf-8")
        assert wait_for(lambda: b"SUMMARY:Renamed while serving" in feeds.feed().body)
        assert site.catalog.by_slug[target.stem].title == "Renamed while serving"

        target.unlink()
        assert wait_for(lambda: target.stem not in site.catalog.by_slug)
    finally:
        site.stop()


def test_a_missing_folder_is_looked_at_until_it_appears(tmp_path: Path) -> None:
    config = load_config(ROOT / "calendar.toml")
    site = Site(config, tmp_path / "events", Clock(config.zone, date(2026, 11, 23)))
    assert len(site.catalog) == 0 and site.problems
    site.watch(interval=0.1)
    try:
        shutil.copytree(SAMPLE_EVENTS, tmp_path / "events")
        assert wait_for(lambda: len(site.catalog) > 0)
        assert not site.problems
    finally:
        site.stop()


# --- a live site told which files changed ---------------------------------------------------


def _live(tmp_path: Path) -> tuple[Site, FeedCache, Path]:
    events = tmp_path / "events"
    shutil.copytree(SAMPLE_EVENTS, events)
    config = load_config(ROOT / "calendar.toml")
    site = Site(config, events, Clock(config.zone, date(2026, 11, 23)))
    return site, FeedCache.of(site), events


def _as_if_started_now(site: Site, feeds: FeedCache) -> None:
    """The live site and its feed are what a server started now over the same folder serves."""
    fresh = Site(site.config, site.events_dir, site.clock)
    assert [e.slug for e in site.catalog.events] == [e.slug for e in fresh.catalog.events]
    assert site.catalog.events == fresh.catalog.events
    assert site.catalog.known == fresh.catalog.known
    assert [p.message for p in site.problems] == [p.message for p in fresh.problems]
    rebuilt = FeedCache(fresh).feed()
    assert feeds.feed().body == rebuilt.body
    assert feeds.feed().etag == rebuilt.etag


def _in_the_feed(site: Site, feeds: FeedCache) -> list[Path]:
    """The files of the events the full feed holds."""
    body = feeds.feed().body
    return sorted(site.events_dir / Path(e.path).relative_to(site.events_dir) for e in site.catalog.events
                  if f"UID:{e.uid}".encode() in body)


def _retitled(path: Path, title: str, text: str | None = None) -> str:
    """The text of `path` (or `text`) with another title."""
    text = path.read_text(encoding="utf-8") if text is None else text
    return re.sub(r"^title: .*$", f'title: "{title}"', text, count=1, flags=re.MULTILINE)


def test_a_changed_file_named_by_the_watcher_is_all_that_is_read(tmp_path: Path) -> None:
    site, feeds, _events = _live(tmp_path)
    target = _in_the_feed(site, feeds)[3]
    target.write_text(_retitled(target, "Changed here"), encoding="utf-8")
    before = site.catalog
    assert site.refresh([str(target)])
    assert site.catalog.change is not None and site.catalog.change.previous() is before
    assert [e.slug for e in site.catalog.change.added] == [target.stem]
    assert b"Changed here" in feeds.feed().body
    _as_if_started_now(site, feeds)


def test_an_added_file(tmp_path: Path) -> None:
    site, feeds, events = _live(tmp_path)
    source = sorted(events.rglob("*.md"))[0]
    added = source.parent / "a-new-session.md"
    text = re.sub(r"^uid: .*\n", "", _retitled(source, "A new session"), flags=re.MULTILINE)
    added.write_text(text, encoding="utf-8")
    assert site.refresh([str(added)])
    assert site.catalog.by_slug["a-new-session"].title == "A new session"
    _as_if_started_now(site, feeds)


def test_a_deleted_file(tmp_path: Path) -> None:
    site, feeds, events = _live(tmp_path)
    target = sorted(events.rglob("*.md"))[5]
    target.unlink()
    assert site.refresh([str(target)])
    assert target.stem not in site.catalog.by_slug
    _as_if_started_now(site, feeds)


def test_a_renamed_file(tmp_path: Path) -> None:
    site, feeds, events = _live(tmp_path)
    target = sorted(events.rglob("*.md"))[2]
    renamed = target.with_name("renamed-" + target.name)
    target.rename(renamed)
    assert site.refresh([str(target), str(renamed)])
    assert target.stem not in site.catalog.by_slug and renamed.stem in site.catalog.by_slug
    _as_if_started_now(site, feeds)


def test_an_invalid_save_keeps_the_last_good_version_until_it_is_fixed(tmp_path: Path) -> None:
    site, feeds, events = _live(tmp_path)
    target = sorted(events.rglob("*.md"))[1]
    good = target.read_text(encoding="utf-8")
    published = site.catalog.by_slug[target.stem]
    target.write_text(good.replace("title:", "titel:", 1), encoding="utf-8")
    assert site.refresh([str(target)])
    assert site.catalog.by_slug[target.stem] is published
    assert sorted(p.field or "" for p in site.problems if p.path.endswith(target.name)) == ["titel", "title"]
    assert published.uid.encode() in feeds.feed().body

    target.write_text(_retitled(target, "Fixed again", good), encoding="utf-8")
    assert site.refresh([str(target)])
    assert site.catalog.by_slug[target.stem].title == "Fixed again"
    assert site.problems == []
    _as_if_started_now(site, feeds)


def test_a_duplicate_slug_made_by_a_change_is_reported_and_undone(tmp_path: Path) -> None:
    site, feeds, events = _live(tmp_path)
    first, second = sorted(events.rglob("*.md"))[:2]
    copy = events / "elsewhere" / first.name
    copy.parent.mkdir()
    copy.write_text(second.read_text(encoding="utf-8"), encoding="utf-8")
    assert site.refresh([str(copy.parent)])  # a new folder: the whole folder is looked at
    assert any("duplicate slug" in p.message for p in site.problems)
    _as_if_started_now(site, feeds)
    copy.unlink()
    assert site.refresh([str(copy)])
    assert not site.problems
    _as_if_started_now(site, feeds)


def test_files_that_are_not_events_are_passed_over(tmp_path: Path) -> None:
    site, _feeds, events = _live(tmp_path)
    catalog = site.catalog
    (events / ".draft.md.swp").write_text("x", encoding="utf-8")
    (events / "notes.txt").write_text("x", encoding="utf-8")
    assert not site.refresh([str(events / ".draft.md.swp"), str(events / "notes.txt")])
    assert site.catalog is catalog


def test_many_changes_at_once_are_one_new_catalog(tmp_path: Path) -> None:
    site, feeds, events = _live(tmp_path)
    files = sorted(events.rglob("*.md"))
    for i, path in enumerate(files[::2]):
        path.write_text(_retitled(path, f"Retitled {i}"), encoding="utf-8")
    assert site.refresh()  # a look over the whole folder
    _as_if_started_now(site, feeds)


# --- reading across processes ------------------------------------------------------------------


def test_a_cold_start_across_processes_serves_the_same_feed_and_cache(tmp_path: Path) -> None:
    from calendar_app.files.coldstart import _may_fork
    from calendar_app.render.ical.vevent import vevent_bytes

    if not _may_fork():
        pytest.skip("this test process runs other threads, so it reads in one process")
    events = tmp_path / "events"
    shutil.copytree(SAMPLE_EVENTS, events)
    (events / "2027" / "broken.md").write_text("---\ntitle: no type\n---\n", encoding="utf-8")
    config = load_config(ROOT / "calendar.toml")
    clock = Clock(config.zone, date(2026, 11, 23))
    serial = Site(config, events, clock, cache_dir=tmp_path / "serial")
    parallel = Site(config, events, clock, cache_dir=tmp_path / "parallel", prebuild=vevent_bytes, processes_from=1)
    assert parallel.catalog.events == serial.catalog.events
    assert [p.message for p in parallel.problems] == [p.message for p in serial.problems] != []
    feeds = FeedCache(parallel)
    assert feeds.components_built == len(parallel.catalog)  # each made where its file was read
    assert feeds.feed().body == FeedCache(serial).feed().body
    assert parallel.take_prebuilt() == []  # handed over once

    restarted = Site(config, events, clock, cache_dir=tmp_path / "parallel")  # the cache the processes pickled
    assert restarted.catalog.events == serial.catalog.events


def test_a_restart_from_an_up_to_date_cache_does_not_write_it_again(tmp_path: Path) -> None:
    events = tmp_path / "events"
    shutil.copytree(SAMPLE_EVENTS, events)
    config = load_config(ROOT / "calendar.toml")
    clock = Clock(config.zone, date(2026, 11, 23))
    cache = tmp_path / "cache"
    first = Site(config, events, clock, cache_dir=cache)
    (written,) = cache.iterdir()
    before = written.stat()

    again = Site(config, events, clock, cache_dir=cache)
    assert again.catalog.events == first.catalog.events
    assert written.stat().st_ino == before.st_ino  # replaced files get a new inode: it was not

    # A file changed while the server was down is read again, and the cache brought up to date.
    changed = next(events.rglob("*.md"))
    changed.write_text(changed.read_text(encoding="utf-8").replace("title:", "title: Revised", 1), encoding="utf-8")
    Site(config, events, clock, cache_dir=cache)
    assert written.stat().st_ino != before.st_ino
    # One removed while it was down: the cache no longer holds it.
    current = written.stat().st_ino
    changed.unlink()
    after_removal = Site(config, events, clock, cache_dir=cache)
    assert written.stat().st_ino != current
    assert len(Site(config, events, clock, cache_dir=cache).catalog) == len(after_removal.catalog) == len(first.catalog) - 1
