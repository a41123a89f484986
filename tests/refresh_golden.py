"""Golden outputs: the feeds of the sample events, built with a fixed clock and fixed file times.

Refresh them after a deliberate change to the feed or to the sample events, then read the diff:

    python -m tests.refresh_golden      (or: make golden)

`tests/test_ics.py` compares every file here with a fresh build, byte for byte apart from
DTSTAMP. Other golden outputs can join by adding a builder to `BUILDERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from calendar_app.core.catalog import Catalog
from calendar_app.core.clock import Clock
from calendar_app.core.config import load_config
from calendar_app.core.filters import Filters
from calendar_app.files.site import Site
from calendar_app.web.feedcache import FeedCache

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
TODAY = date(2026, 11, 23)
# Sample files get their times from git, which moves with every commit; the golden feeds
# pin them so that only a change to what the feed says shows up as a difference.
FILE_TIME = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def sample_site() -> Site:
    """The shipped configuration and events, with today fixed and every file time pinned."""
    config = load_config(ROOT / "calendar.toml")
    site = Site(config, ROOT / "events", Clock(config.zone, TODAY))
    site.catalog = Catalog(config, [replace(e, last_modified=FILE_TIME) for e in site.catalog.events])
    return site


def sample_feeds() -> dict[str, bytes]:
    cache = FeedCache(sample_site())
    config = cache.config
    webinars = Filters.from_query([("type", "webinar"), ("audience", "law enforcement")], config)
    series = cache.site.catalog.by_slug["prevention-month-wednesday-webinars"]
    return {
        "calendar.ics": cache.feed().body,
        "calendar-webinars-for-law-enforcement.ics": cache.feed(webinars).body,
        "calendar-matching-nothing.ics": cache.feed(Filters(topics=("no such topic",))).body,
        "observance-prevention-month-2027.ics": cache.observance_feed("prevention-month", 2027).body,
        "event-prevention-month-wednesday-webinars.ics": cache.event_feed(series).body,
    }


BUILDERS: list[Callable[[], dict[str, bytes]]] = [sample_feeds]


def golden_outputs() -> dict[str, bytes]:
    """Every golden file's name and the bytes a fresh build gives for it."""
    outputs: dict[str, bytes] = {}
    for build in BUILDERS:
        outputs.update(build())
    return outputs


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, data in sorted(golden_outputs().items()):
        target = GOLDEN / name
        old = target.read_bytes() if target.exists() else None
        if old != data:
            target.write_bytes(data)
        print(f"{'unchanged' if old == data else 'written  '} {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
