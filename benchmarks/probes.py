"""Measurements made inside one Python process, each run by `benchmarks.run` in a fresh child.

    python -m benchmarks.probes NAME '{"events": "...", ...}'

prints one JSON object: every measurement as a list of seconds (one per repeat), so the parent
can take medians and spreads. A fresh process per probe keeps one measurement's heap, caches
and garbage-collector state out of the next one, and lets a cold start be a real one.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import re
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from calendar_app.core.clock import Clock
from calendar_app.core.config import SiteConfig, load_config
from calendar_app.core.filters import Filters
from calendar_app.core.loader import event_files, load_events
from calendar_app.files.loadcache import LoadCache
from calendar_app.files.site import Site
from calendar_app.render.listing import listing_context
from calendar_app.web.feedcache import FeedCache

Result = dict[str, Any]


def _config(args: dict[str, Any]) -> SiteConfig:
    return load_config(Path(args["config"])) if args.get("config") else SiteConfig()


def _clock(config: SiteConfig, args: dict[str, Any]) -> Clock:
    return Clock(config.zone, date.fromisoformat(args["today"]))


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def per_call(action: Callable[[], object], calls: int, budget: float = 5.0) -> float:
    """The median wall-clock seconds of `calls` calls, or of those made within `budget` seconds
    (at least three), so a slow page at 100,000 events does not take an hour."""
    samples: list[float] = []
    began = time.perf_counter()
    for _ in range(calls):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
        if len(samples) >= 3 and time.perf_counter() - began > budget:
            break
    return statistics.median(samples)


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


# --- start-up ---------------------------------------------------------------------------------


def probe_read(args: dict[str, Any]) -> Result:
    """The baseline of a start: list the files and read their bytes, nothing more."""
    root = Path(args["events"])
    wall, cpu = timed(lambda: [p.read_bytes() for p in event_files(root)])
    return {"read_bytes": [wall], "read_bytes_cpu": [cpu]}


def probe_cold(args: dict[str, Any]) -> Result:
    """Load and validate every file with no cache, then write the cache (timed apart)."""
    config, root = _config(args), Path(args["events"])
    sites: list[Site] = []
    wall, cpu = timed(lambda: sites.append(Site(config, root, _clock(config, args))))
    site = sites[0]
    cache = LoadCache(Path(args["cache_dir"]), root, config)
    entries = {str(p): (s, e) for p, s, e in site_entries(site)}
    save_wall, _ = timed(lambda: cache.save(entries))
    return {
        "cold_start": [wall], "cold_start_cpu": [cpu], "cache_write": [save_wall],
        "events": len(site.catalog), "problems": len(site.problems),
    }


def retitled(text: str, title: str) -> str:
    """The event file `text` with its title line replaced (a valid file stays valid)."""
    return re.sub(r"^title: .*$", f'title: "{title}"', text, count=1, flags=re.MULTILINE)


def site_entries(site: Site) -> list[tuple[Path, Any, Any]]:
    """(path, stamp, event) of every valid file, as the site's cache would save them."""
    return [(p, e.stamp, e.event) for p, e in site._entries.items() if e.event is not None and not e.problems]


def probe_restart(args: dict[str, Any]) -> Result:
    """Start again over unchanged files, with the cache the cold start wrote."""
    config, root = _config(args), Path(args["events"])
    sites: list[Site] = []
    wall, cpu = timed(lambda: sites.append(Site(config, root, _clock(config, args), cache_dir=Path(args["cache_dir"]))))
    return {"restart": [wall], "restart_cpu": [cpu], "events": len(sites[0].catalog)}


# --- feeds, pages, memory --------------------------------------------------------------------


def _windows(today: date) -> Iterator[tuple[date, date]]:
    """Month-long date ranges starting on each of the next 365 days, over and over: different
    from one call to the next (so no result comes from a memo), and all within the events."""
    return itertools.cycle([(today + timedelta(days=i), today + timedelta(days=i + 30)) for i in range(365)])


def _split_components(body: bytes) -> list[bytes]:
    """The serialised pieces of a feed (header, zones, each VEVENT, end), for the join floor."""
    pieces = body.split(b"BEGIN:VEVENT\r\n")
    return [pieces[0]] + [b"BEGIN:VEVENT\r\n" + piece for piece in pieces[1:]]


def naive_feed(events: list[Any], config: SiteConfig) -> bytes:
    """The feed as a straightforward server would make it on every request."""
    from icalendar import Calendar

    from calendar_app.render.ical.vevent import build_vevent

    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", f"-//{config.publisher_name}//calendar-app//EN")
    for event in events:
        calendar.add_component(build_vevent(event, config))
    return calendar.to_ical()


def probe_serve(args: dict[str, Any]) -> Result:
    """Feeds, listing pages and memory over one loaded site (loaded from the cache)."""
    from calendar_app.render.rendering import environment
    from calendar_app.web.pages import render_template

    config, root = _config(args), Path(args["events"])
    repeats, calls = int(args["repeats"]), int(args.get("calls", 50))
    imported_rss = rss_mb()
    site = Site(config, root, _clock(config, args), cache_dir=Path(args["cache_dir"]))
    today = site.clock.today()
    loaded_rss = rss_mb()
    out: Result = {"events": len(site.catalog), "rss_imported_mb": imported_rss, "rss_loaded_mb": loaded_rss}

    caches: list[FeedCache] = []
    wall, cpu = timed(lambda: caches.append(FeedCache.of(site)))
    cache = caches[0]
    out["feed_first_build"], out["feed_first_build_cpu"] = [wall], [cpu]
    full = cache.feed()
    out["feed_bytes"], out["feed_gzip_bytes"], out["feed_events"] = len(full.body), len(full.gzipped), full.count

    # Serving the full feed: what a request costs once the bytes are ready.
    out["feed_full"] = [per_call(lambda: cache.feed(Filters()).gzipped, calls * 20) for _ in range(repeats)]
    pieces = _split_components(full.body)
    out["feed_full_floor"] = [timed(lambda: b"".join(pieces))[0] for _ in range(repeats)]

    # Filtered feeds, each with its own date range so none comes from the memo of filtered feeds.
    windows = _windows(today)

    def filtered(kind: str | None) -> Callable[[], object]:
        def run() -> object:
            first, last = next(windows)
            items = [("from", first.isoformat()), ("to", last.isoformat())] + ([("type", kind)] if kind else [])
            return cache.feed(Filters.from_query(items, config))
        return run

    out["feed_filtered"] = [per_call(filtered("webinar"), calls) for _ in range(repeats)]
    sample = cache.feed(Filters.from_query([("type", "webinar"), ("from", today.isoformat()),
                                            ("to", (today + timedelta(days=30)).isoformat())], config))
    out["feed_filtered_events"] = sample.count
    chosen = site.catalog.feed_events(
        Filters.from_query([("type", "webinar"), ("from", today.isoformat()), ("to", (today + timedelta(days=30)).isoformat())], config),
        today=today,
    )
    filtered_pieces = _split_components(sample.body)
    out["feed_filtered_floor"] = [per_call(lambda: b"".join(filtered_pieces), calls) for _ in range(repeats)]
    out["feed_filtered_naive"] = [timed(lambda: naive_feed(chosen, config))[0] for _ in range(repeats)]

    # Listing pages: context and template, as the server renders them (without its page memo).
    environment().get_template("listing.html")

    def listing(items: list[tuple[str, str]]) -> bytes:
        context = listing_context(site.catalog, config, items, today=today)
        return render_template("listing.html", site, {**context, "current": "upcoming"})

    out["listing"] = [per_call(lambda: listing([]), calls) for _ in range(repeats)]

    listing_windows = _windows(today)

    def filtered_listing() -> object:
        first, last = next(listing_windows)
        return listing([("type", "webinar"), ("from", first.isoformat()), ("to", last.isoformat())])

    out["listing_filtered"] = [per_call(filtered_listing, calls) for _ in range(repeats)]
    context = listing_context(site.catalog, config, [], today=today)
    out["listing_template_only"] = [
        per_call(lambda: render_template("listing.html", site, {**context, "current": "upcoming"}), calls)
        for _ in range(repeats)
    ]
    out["peak_rss_mb"] = peak_rss_mb()  # before the naive baseline, which builds a whole object tree
    out["rss_serving_mb"] = rss_mb()

    # What a full collection costs a request that triggers it, with the loaded events frozen out
    # of the collector's way (as `Site` does on every reload) and, as the baseline, with them not frozen.
    gc.collect()
    out["gc_full_frozen"] = [timed(gc.collect)[0] for _ in range(repeats)]
    gc.unfreeze()
    out["gc_full_unfrozen"] = [timed(gc.collect)[0] for _ in range(repeats)]
    gc.freeze()

    # One changed file: write, reload, rebuild the feeds (what the watcher does), without the poll wait.
    target = sorted(event_files(root))[len(site.catalog) // 2]
    original = target.read_text(encoding="utf-8")
    samples = []
    try:
        for i in range(repeats):
            target.write_text(retitled(original, f"Changed {i}"), encoding="utf-8")
            samples.append(timed(site.refresh)[0])
    finally:
        target.write_text(original, encoding="utf-8")
        site.refresh()
    out["change_rebuild"] = samples

    naive_repeats = int(args.get("naive_repeats", 0))
    if naive_repeats:
        events = site.catalog.feed_events(Filters(), today=today)
        out["feed_full_naive"] = [timed(lambda: naive_feed(events, config))[0] for _ in range(naive_repeats)]
    return out


def probe_change(args: dict[str, Any]) -> Result:
    """Time from writing a file to the new feed being served, with the server's watcher running."""
    config, root = _config(args), Path(args["events"])
    site = Site(config, root, _clock(config, args), cache_dir=Path(args["cache_dir"]))
    cache = FeedCache.of(site)
    target = sorted(event_files(root))[len(site.catalog) // 3]
    original = target.read_text(encoding="utf-8")
    samples = []
    site.watch()
    try:
        for i in range(int(args["repeats"])):
            marker = f"Edited {os.getpid()}-{i}"
            time.sleep(0.35 + 0.45 * (i % 3))  # writes land at different points of the watcher's cycle
            before = cache.feed()
            start = time.perf_counter()
            target.write_text(retitled(original, marker), encoding="utf-8")
            deadline = start + 60 + len(site.catalog) / 500  # a bound, far above any expected time
            while True:
                # A new feed object is cheap to notice; only then are its bytes searched (a
                # search of every poll would hold the interpreter from the rebuild it waits for).
                feed = cache.feed()
                if feed is not before:
                    if marker.encode() in feed.body:
                        break
                    before = feed
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"the change to {target} was not served within {deadline - start:.0f} s")
                time.sleep(0.005)
            samples.append(time.perf_counter() - start)
    finally:
        site.stop()
        target.write_text(original, encoding="utf-8")
    return {"change_live": samples}


# --- a cold start, and the listing after a change -------------------------------------------------


def cpu_with_children() -> float:
    """CPU seconds of this process and of its children that have ended (the processes that read
    the files at a cold start)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def probe_validate(args: dict[str, Any]) -> Result:
    """The baseline of a cold start: read and validate every file, in this one process."""
    config, root = _config(args), Path(args["events"])
    wall, cpu = timed(lambda: load_events(root, config))
    return {"validate_alone": [wall], "validate_alone_cpu": [cpu]}


def probe_cold_feed(args: dict[str, Any]) -> Result:
    """A server's start with an empty cache, as `create_app` makes it, to the full feed ready to
    answer (its gzip too): the files read and validated, every VEVENT written, the feed joined."""
    from calendar_app.render.ical.vevent import vevent_bytes

    config, root = _config(args), Path(args["events"])
    cache_dir = Path(args["cache_dir"]) / f"cold-feed-{os.getpid()}"
    wall, cpu = time.perf_counter(), cpu_with_children()
    site = Site(config, root, _clock(config, args), cache_dir=cache_dir, prebuild=vevent_bytes)
    feed = FeedCache.of(site).feed()
    feed.gzipped  # noqa: B018 - what a calendar app asks for
    return {"cold_feed": [time.perf_counter() - wall], "cold_feed_cpu": [cpu_with_children() - cpu],
            "cold_feed_events": feed.count}


def probe_listing_change(args: dict[str, Any]) -> Result:
    """The listing page rendered for the first time after one file changed, as the server does:
    the watcher names the file, the site reloads it, the feeds are rebuilt, then the first request
    renders the page (unfiltered, and filtered with a month no call has asked for before)."""
    from calendar_app.render.rendering import environment
    from calendar_app.web.pages import render_template

    config, root = _config(args), Path(args["events"])
    site = Site(config, root, _clock(config, args), cache_dir=Path(args["cache_dir"]))
    FeedCache.of(site)
    today = site.clock.today()
    environment().get_template("listing.html")

    def listing(items: list[tuple[str, str]]) -> bytes:
        context = listing_context(site.catalog, config, items, today=today)
        return render_template("listing.html", site, {**context, "current": "upcoming"})

    windows = _windows(today)
    target = sorted(event_files(root))[len(site.catalog) // 4]
    original = target.read_text(encoding="utf-8")
    unfiltered, filtered = [], []
    listing([])  # the page as it was before the change
    try:
        for i in range(int(args["repeats"])):
            target.write_text(retitled(original, f"Listed {os.getpid()}-{i}"), encoding="utf-8")
            site.refresh([str(target)])
            unfiltered.append(timed(lambda: listing([]))[0])
            first, last = next(windows)
            chosen = [("type", "webinar"), ("from", first.isoformat()), ("to", last.isoformat())]
            filtered.append(timed(partial(listing, chosen))[0])
    finally:
        target.write_text(original, encoding="utf-8")
    return {"listing_after_change": unfiltered, "listing_filtered_after_change": filtered}


# --- what an event holds -----------------------------------------------------------------------

MEMORY_SAMPLE = 2000  # files validated under tracemalloc: evenly spread over the folder


def probe_memory(args: dict[str, Any]) -> Result:
    """The memory the validated events take, per event: what a worker's resident memory grows by
    when its site loads them from the cache (after importing everything it serves with), and the
    bytes of the Python objects an event is made of when validated from its file (tracemalloc,
    over a sample of the files)."""
    import calendar_app.web.app  # noqa: F401  (everything a worker imports, before the events)

    config, root = _config(args), Path(args["events"])
    gc.collect()
    before = rss_mb()
    site = Site(config, root, _clock(config, args), cache_dir=Path(args["cache_dir"]))
    gc.collect()
    after, count = rss_mb(), len(site.catalog)
    out: Result = {"events": count, "memory_imported_mb": before, "memory_site_mb": after}
    out["memory_rss_per_event"] = [(after - before) * 2**20 / count]
    del site
    gc.collect()
    files = event_files(root)
    sample = files[:: max(1, len(files) // MEMORY_SAMPLE)][:MEMORY_SAMPLE]
    tracemalloc.start()
    loaded = load_events(root, config, sample)
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    out["memory_objects_per_event"] = [traced / len(loaded.events)]
    return out


# --- one event's VEVENTs ------------------------------------------------------------------------

VEVENT_SAMPLE = 1000  # events timed per repeat: evenly spread over the folder, whatever its size


def probe_vevents(args: dict[str, Any]) -> Result:
    """What one event's VEVENT bytes cost in CPU time, made by icalendar (`build_vevent` and
    `to_ical`) and by the writer feeds use, over the same sample in the same process, repeat after
    repeat. Then the same with every description's Markdown already plain text (a lookup instead),
    for what the two ways of writing cost apart from the Markdown they share. The two are checked
    to agree first."""
    from calendar_app.render.ical import values
    from calendar_app.render.ical.vevent import reference_vevent_bytes, vevent_bytes
    from calendar_app.render.ical.vevent_writer import clear_caches

    config, root = _config(args), Path(args["events"])
    site = Site(config, root, _clock(config, args), cache_dir=Path(args["cache_dir"]))
    events = list(site.catalog.events)
    sample = events[:: max(1, len(events) // VEVENT_SAMPLE)][:VEVENT_SAMPLE]
    mismatched = [e.path for e in sample if reference_vevent_bytes(e, config) != vevent_bytes(e, config)]
    if mismatched:
        raise RuntimeError(f"the writer and icalendar differ on {len(mismatched)} events, first {mismatched[0]}")

    def per_event() -> tuple[float, float]:
        """CPU seconds per event (what other work on a shared machine changes least), icalendar's
        and the writer's, taken in turns over short runs so both meet the same conditions. The
        writer starts each repeat with nothing kept, as a server starts with an empty cache."""
        def cpu(write: Callable[[Any, SiteConfig], bytes], events: list[Any]) -> float:
            return timed(lambda: [write(e, config) for e in events])[1]

        clear_caches()
        gc.collect()
        by_icalendar = by_writer = 0.0
        for i in range(0, len(sample), 50):
            part = sample[i : i + 50]
            by_icalendar += cpu(reference_vevent_bytes, part)
            by_writer += cpu(vevent_bytes, part)
        return by_icalendar / len(sample), by_writer / len(sample)

    out: Result = {"vevent_sample": len(sample), "vevent_load_average": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    repeats = int(args["repeats"])
    for _ in range(repeats):
        by_icalendar, by_writer = per_event()
        out.setdefault("vevent_icalendar", []).append(by_icalendar)
        out.setdefault("vevent_writer", []).append(by_writer)
    plain = {e.body: values.markdown_to_text(e.body) for e in sample}
    values.markdown_to_text = plain.__getitem__  # this process only: both ways read it from there
    for _ in range(repeats):
        by_icalendar, by_writer = per_event()
        out.setdefault("vevent_icalendar_no_markdown", []).append(by_icalendar)
        out.setdefault("vevent_writer_no_markdown", []).append(by_writer)
    return out


PROBES: dict[str, Callable[[dict[str, Any]], Result]] = {
    "read": probe_read,
    "cold": probe_cold,
    "restart": probe_restart,
    "serve": probe_serve,
    "change": probe_change,
    "vevents": probe_vevents,
    "memory": probe_memory,
    "validate": probe_validate,
    "cold_feed": probe_cold_feed,
    "listing_change": probe_listing_change,
}


def main() -> None:
    name, raw = sys.argv[1], sys.argv[2]
    result = PROBES[name](json.loads(raw))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
