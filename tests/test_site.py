"""The running site: a file saved while it watches is published without a restart."""

from __future__ import annotations

import re
import shutil
import time
from datetime import date
from pathlib import Path

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
