"""Measure the calendar at 1,000, 10,000 and 100,000 events; print a table and write JSON.

    make benchmark                         # or: python -m benchmarks.run
    python -m benchmarks.run --sizes 1000,10000 --repeats 3 --no-http

Every measure is repeated and reported as its median and spread (lowest to highest), beside a
baseline measured in the same run, so that the ratio holds on a busy machine even when the
absolute times do not; start-up is also given in CPU time, which other work on the machine
changes less than the wall clock. In-process measures run each in a fresh Python process
(`benchmarks.probes`); HTTP measures load uvicorn (one worker, then several) and nginx on
127.0.0.1 with `wrk` (or a Python client when wrk is missing). Results go to
`benchmarks/results/` (one JSON file per run, and `latest.json`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from .generate import ensure
from .report import write_page

HERE = Path(__file__).resolve().parent
TODAY = "2026-11-23"  # fixed, so every run sees the same events as upcoming, past and in the feed


def run_probe(name: str, args: dict[str, Any], module: str = "benchmarks.probes") -> dict[str, Any]:
    """Run one probe in a fresh Python process and return what it measured."""
    command = [sys.executable, "-m", module, *([name] if module == "benchmarks.probes" else []), json.dumps(args)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"probe {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def summary(samples: list[float]) -> dict[str, float]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


# --- in-process measures -------------------------------------------------------------------------


def measure_size(count: int, options: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    root = ensure(count, options.data)
    config = str(options.config) if options.config else None
    result: dict[str, list[float]] = {}
    info: dict[str, Any] = {"events_dir": str(root)}
    with tempfile.TemporaryDirectory(prefix="calendar-bench-cache-") as tmp:
        cache_dir = Path(tmp) / "cache"
        base = {"events": str(root), "config": config, "today": options.today, "cache_dir": str(cache_dir)}
        for i in range(options.repeats):
            log(f"  {count:,} events: start-up, repeat {i + 1} of {options.repeats}")
            shutil.rmtree(cache_dir, ignore_errors=True)
            cold_feed = ("validate", "cold_feed") if count <= options.cold_feed_max else ()
            for name in ("read", "cold", "restart", *cold_feed):
                for key, value in run_probe(name, base).items():
                    if isinstance(value, list):
                        result.setdefault(key, []).extend(value)
                    else:
                        info[key] = value
        naive = min(3, options.repeats) if count <= options.naive_max else 0
        log(f"  {count:,} events: feeds, pages and memory (naive baseline x{naive})")
        served = run_probe("serve", {**base, "repeats": options.repeats, "calls": options.calls, "naive_repeats": naive})
        log(f"  {count:,} events: a changed file, with the watcher running")
        changed = run_probe("change", {**base, "repeats": options.repeats})
        log(f"  {count:,} events: the listing page after a change")
        listed = run_probe("listing_change", {**base, "repeats": options.repeats})
        log(f"  {count:,} events: one event's VEVENTs, icalendar and the writer")
        vevents = run_probe("vevents", {**base, "repeats": options.repeats})
        log(f"  {count:,} events: memory per event")
        memory = run_probe("memory", base)
    for source in (served, changed, listed, vevents, memory):
        for key, value in source.items():
            if isinstance(value, list):
                result[key] = value
            else:
                info[key] = value
    if count <= options.build_max:
        measure_build(root, count, options, log, result, info)
    return {"count": count, "info": info, "samples": result, "summary": {k: summary(v) for k, v in result.items()}}


BUILDS = (
    ("build_cold_1", "cold, 1 job"), ("build_cold_2", "cold, 2 jobs"),
    ("build_unchanged", "nothing changed"), ("build_one_changed", "one file changed"),
)


def measure_build(
    root: Path, count: int, options: argparse.Namespace, log: Callable[[str], None],
    result: dict[str, list[float]], info: dict[str, Any],
) -> None:
    """`calendar-app build` of a copy of the events: cold (no earlier build, no cache) with one
    job and with two, then again with nothing changed and after one file's title changed (those
    two with the cache warm, as a rebuild finds it). Each build in a fresh process."""
    repeats = min(options.repeats, options.build_repeats)
    with tempfile.TemporaryDirectory(prefix="calendar-bench-build-") as tmp:
        events = Path(tmp) / "events"
        shutil.copytree(root, events)
        changed = sorted(events.rglob("*.md"))[count // 2]
        original = changed.read_text(encoding="utf-8")
        base = {"events": str(events), "config": str(options.config) if options.config else None, "today": options.today}

        def build(key: str, jobs: int, out: str, cache_dir: str | None) -> None:
            done = run_probe("build", {**base, "jobs": jobs, "out": str(Path(tmp) / out), "cache_dir": cache_dir},
                             module="benchmarks.buildprobe")
            result.setdefault(key, []).append(done["seconds"])
            result.setdefault(key + "_cpu", []).append(done["cpu"])
            info.update({f"{key}_files": done["files_written"], f"{key}_bytes": done["bytes_written"],
                         "build_files": done["files"]})

        for i in range(repeats):
            log(f"  {count:,} events: static build, cold, repeat {i + 1} of {repeats}")
            for jobs in (1, 2):
                shutil.rmtree(Path(tmp) / f"cold-{jobs}", ignore_errors=True)
                build(f"build_cold_{jobs}", jobs, f"cold-{jobs}", None)
        cache = str(Path(tmp) / "cache")
        run_probe("build", {**base, "jobs": 2, "out": str(Path(tmp) / "cold-2"), "cache_dir": cache},
                  module="benchmarks.buildprobe")  # fills the cache; writes nothing
        for i in range(repeats):
            log(f"  {count:,} events: static build again, repeat {i + 1} of {repeats}")
            build("build_unchanged", 2, "cold-2", cache)
            retitled = re.sub(r"^title: .*$", f'title: "Revised session {i + 1}"', original, count=1, flags=re.MULTILINE)
            changed.write_text(retitled, encoding="utf-8")
            build("build_one_changed", 2, "cold-2", cache)


# --- HTTP ----------------------------------------------------------------------------------------


def measure_http(count: int, options: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    from . import load

    root = ensure(count, options.data)
    day = date.fromisoformat(options.today)
    filtered = f"/?type=webinar&from={day.isoformat()}&to={(day + timedelta(days=30)).isoformat()}"
    out: dict[str, Any] = {"count": count, "tool": "wrk" if shutil.which("wrk") else "python", "runs": []}
    with tempfile.TemporaryDirectory(prefix="calendar-bench-http-") as tmp:
        env = {
            "BENCH_EVENTS": str(root), "BENCH_TODAY": options.today, "BENCH_CACHE": str(Path(tmp) / "cache"),
            "BENCH_STATE": str(Path(tmp) / "state"), "BENCH_CONFIG": str(options.config or ""),
        }
        (Path(tmp) / "state").mkdir()
        feed_files: dict[str, bytes] = {}
        for workers in options.workers:
            log(f"  {count:,} events: uvicorn with {workers} worker(s)")
            with load.uvicorn_server(workers, env) as (base, pid):
                gz = load.httpx.get(base + "/calendar.ics", headers={"Accept-Encoding": "gzip"}, timeout=120)
                feed_files = {
                    "calendar.ics": load.httpx.get(base + "/calendar.ics", headers={"Accept-Encoding": "identity"}, timeout=120).content,
                    "calendar.ics.gz": _raw_gzip(base),
                }
                targets = {
                    "feed (gzip)": ("/calendar.ics", {"Accept-Encoding": "gzip"}),
                    "feed (identity)": ("/calendar.ics", {"Accept-Encoding": "identity"}),
                    "feed 304": ("/calendar.ics", {"Accept-Encoding": "gzip", "If-None-Match": gz.headers["etag"]}),
                    "listing": ("/", {"Accept-Encoding": "gzip"}),
                    "listing (filtered)": (filtered, {"Accept-Encoding": "gzip"}),
                }
                out["runs"] += _load_all("uvicorn", workers, base, targets, options, log)
                out.setdefault("memory_mb", {})[f"uvicorn x{workers}"] = load.peak_memory_mb(pid)
        if not load.nginx_path():
            log("  nginx is not installed (apt-get install nginx-light): the comparison with it is skipped")
        for workers in options.workers if load.nginx_path() else []:
            log(f"  {count:,} events: nginx with {workers} worker(s), the same feed files")
            with load.nginx_server(feed_files, workers) as (base, _pid):
                targets = {
                    "feed (gzip)": ("/calendar.ics", {"Accept-Encoding": "gzip"}),
                    "feed (identity)": ("/calendar.ics", {"Accept-Encoding": "identity"}),
                }
                out["runs"] += _load_all("nginx", workers, base, targets, options, log)
    out["feed_bytes"] = len(feed_files.get("calendar.ics", b""))
    out["feed_gzip_bytes"] = len(feed_files.get("calendar.ics.gz", b""))
    return out


def _raw_gzip(base: str) -> bytes:
    """The gzip body exactly as served (httpx would decode it)."""
    from . import load

    with load.httpx.stream("GET", base + "/calendar.ics", headers={"Accept-Encoding": "gzip"}, timeout=120) as response:
        return b"".join(response.iter_raw())


def _load_all(
    server: str, workers: int, base: str, targets: dict[str, tuple[str, dict[str, str]]],
    options: argparse.Namespace, log: Callable[[str], None],
) -> list[dict[str, Any]]:
    from . import load

    runs = []
    for name, (path, headers) in targets.items():
        # Once before measuring: a page is rendered on its first request and kept until a change.
        load.httpx.get(base + path, headers=headers, timeout=300)
        for connections in options.connections:
            samples = [
                load.load(base + path, connections, options.duration, headers, options.requests)
                for _ in range(options.http_repeats)
            ]
            run = {
                "server": server, "workers": workers, "target": name, "path": path, "connections": connections,
                "tool": samples[0]["tool"], "errors": sum(s["errors"] for s in samples),
                **{key: summary([s[key] for s in samples]) for key in ("rps", "p50", "p99")},
            }
            log(f"    {server} x{workers} {name} c={connections}: {run['rps']['median']:,.0f} req/s, "
                f"p50 {run['p50']['median'] * 1000:.2f} ms, p99 {run['p99']['median'] * 1000:.2f} ms")
            runs.append(run)
    return runs


# --- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    measure: str
    key: str
    baseline: str | None = None
    baseline_key: str | None = None
    unit: str = "ms"
    # Figures measured by the same probe before a change, by event count: the baseline where the
    # run has none of its own.
    earlier: tuple[tuple[int, float], ...] = ()


# What the lean event (plain slotted fields, shared values) changed, measured on the generated
# 10,000 events with the code just before it: the same probe, the same machine.
BEFORE_LEAN = "before the lean event"
# A uvicorn worker's peak after the load tests then (MiB, the run of 2026-11-23), by event count.
WORKER_BEFORE_LEAN_MB = {10_000: 223}


ROWS = [
    Row("cold start: load and validate every file", "cold_start", "read the files' bytes", "read_bytes", "s"),
    Row("cold start, CPU time of the process", "cold_start_cpu", "reading the bytes, CPU time", "read_bytes_cpu", "s"),
    Row("restart over unchanged files (cache)", "restart", "read the files' bytes", "read_bytes", "s"),
    Row("restart, CPU time of the process", "restart_cpu", "reading the bytes, CPU time", "read_bytes_cpu", "s"),
    Row("writing the cache (after a cold start)", "cache_write", None, None, "s"),
    Row("full feed: first build at start-up", "feed_first_build", None, None, "s"),
    Row("cold start to the first full feed (empty cache)", "cold_feed",
        "read and validate alone, one process", "validate_alone", "s"),
    Row("cold start to the first full feed: CPU time, with its workers", "cold_feed_cpu",
        "read and validate alone, CPU time", "validate_alone_cpu", "s"),
    Row("full feed: served (ready bytes)", "feed_full", "naive icalendar to_ical()", "feed_full_naive", "ms"),
    Row("full feed: floor, joining serialised bytes", "feed_full_floor", None, None, "ms"),
    Row("filtered feed (type, one month)", "feed_filtered", "naive icalendar to_ical()", "feed_filtered_naive", "ms"),
    Row("filtered feed: floor, joining its bytes", "feed_filtered_floor", None, None, "ms"),
    Row("listing page, rendered", "listing", "template alone, context ready", "listing_template_only", "ms"),
    Row("filtered listing page, rendered", "listing_filtered", "template alone, context ready", "listing_template_only", "ms"),
    Row("listing page, first render after a change", "listing_after_change",
        "template alone, context ready", "listing_template_only", "ms"),
    Row("filtered listing page, first render after a change", "listing_filtered_after_change",
        "template alone, context ready", "listing_template_only", "ms"),
    Row("full garbage collection, loaded data frozen", "gc_full_frozen", "the same, not frozen", "gc_full_unfrozen", "ms"),
    Row("one changed file: reload and rebuild feeds", "change_rebuild", None, None, "s"),
    Row("one changed file: write to new feed served", "change_live", "reload and rebuild alone", "change_rebuild", "s"),
    Row("one event's VEVENTs: the writer (CPU time per event)", "vevent_writer",
        "icalendar build + to_ical()", "vevent_icalendar", "us"),
    Row("one event's VEVENTs, Markdown already plain text", "vevent_writer_no_markdown",
        "icalendar build + to_ical()", "vevent_icalendar_no_markdown", "us"),
    Row("memory per event: resident, site loaded from the cache", "memory_rss_per_event",
        BEFORE_LEAN, None, "B", earlier=((10_000, 9_388),)),
    Row("memory per event: its Python objects, validated (tracemalloc)", "memory_objects_per_event",
        BEFORE_LEAN, None, "B", earlier=((10_000, 6_771),)),
    Row("static build, cold, 1 job", "build_cold_1", "load and validate alone", "cold_start", "s"),
    Row("static build, cold, 2 jobs", "build_cold_2", "load and validate alone", "cold_start", "s"),
    Row("static build, cold, 2 jobs: CPU time of all processes", "build_cold_2_cpu", "1 job", "build_cold_1_cpu", "s"),
    Row("static build again, nothing changed", "build_unchanged", "load from the cache alone", "restart", "s"),
    Row("static build again, one file changed", "build_one_changed", "load from the cache alone", "restart", "s"),
]


def _fmt(seconds: float, unit: str) -> str:
    if unit == "B":
        return f"{seconds:,.0f} B"
    if unit == "s":
        return f"{seconds:.2f} s"
    if unit == "us":
        return f"{seconds * 1e6:,.0f} µs"
    value = seconds * 1000
    return f"{value:.3f} ms" if value < 1 else f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"


def table(sizes: list[dict[str, Any]], http: list[dict[str, Any]]) -> str:
    lines = [
        "| measure | events | median | spread (min - max) | baseline | baseline median | ratio |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for row in ROWS:
        for size in sizes:
            found = size["summary"].get(row.key)
            if found is None:
                continue
            base = size["summary"].get(row.baseline_key or "")
            if base is None and size["count"] in dict(row.earlier):
                base = {"median": dict(row.earlier)[size["count"]]}
            ratio = ""
            if base is not None and found["median"] > 0 and base["median"] > 0:
                factor = base["median"] / found["median"]
                better = "smaller" if row.unit == "B" else "faster"
                if factor >= 1:
                    ratio = f"{factor:,.0f}x {better}" if factor >= 10 else f"{factor:.1f}x {better}"
                else:
                    ratio = f"{1 / factor:,.1f}x the baseline"
            lines.append(
                f"| {row.measure} | {size['count']:,} | {_fmt(found['median'], row.unit)} | "
                f"{_fmt(found['min'], row.unit)} - {_fmt(found['max'], row.unit)} | "
                f"{row.baseline if base else ''} | {_fmt(base['median'], row.unit) if base else ''} | {ratio} |"
            )
    lines += [
        "",
        "| memory (MiB) | events | peak resident | resident when serving | after imports | per 10,000 events (peak) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        info = size["info"]
        if "peak_rss_mb" in info:
            per = (info["peak_rss_mb"] - info["rss_imported_mb"]) * 10_000 / size["count"]
            lines.append(f"| site, feeds and listing in one process | {size['count']:,} | {info['peak_rss_mb']:.0f} | "
                         f"{info.get('rss_serving_mb', 0):.0f} | {info['rss_imported_mb']:.0f} | {per:.0f} |")
    for result in http:
        for name, values in result.get("memory_mb", {}).items():
            lines.append(f"| {name}, each worker after the load tests | {result['count']:,} | "
                         f"{', '.join(f'{v:.0f}' for v in values)} | | | |")
        if result["count"] in WORKER_BEFORE_LEAN_MB:
            lines.append(f"| a worker {BEFORE_LEAN}, after the load tests | {result['count']:,} | "
                         f"{WORKER_BEFORE_LEAN_MB[result['count']]} | | | |")
    lines += build_table(sizes)
    for result in http:
        lines += [
            "",
            f"HTTP at {result['count']:,} events ({result['tool']}, loopback; feed {result['feed_bytes']:,} bytes, "
            f"{result['feed_gzip_bytes']:,} gzipped):",
            "",
            "| server | workers | request | connections | requests/s (median, min - max) | p50 | p99 |",
            "|---|---:|---|---:|---:|---:|---:|",
        ]
        for run in result["runs"]:
            lines.append(
                f"| {run['server']} | {run['workers']} | {run['target']} | {run['connections']} | "
                f"{run['rps']['median']:,.0f} ({run['rps']['min']:,.0f} - {run['rps']['max']:,.0f}) | "
                f"{_fmt(run['p50']['median'], 'ms')} | {_fmt(run['p99']['median'], 'ms')} |"
            )
    return "\n".join(lines)


def build_table(sizes: list[dict[str, Any]]) -> list[str]:
    """What each static build wrote (of the last repeat): files and megabytes, and per event."""
    built = [size for size in sizes if "build_files" in size["info"]]
    if not built:
        return []
    lines = [
        "",
        "| static build | events | files written | MB written | files per event | kB per event | files in the site |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size in built:
        info, count = size["info"], size["count"]
        for key, name in BUILDS:
            files, written = info.get(f"{key}_files", 0), info.get(f"{key}_bytes", 0)
            lines.append(f"| {name} | {count:,} | {files:,} | {written / 1e6:,.1f} | {files / count:.2f} | "
                         f"{written / 1e3 / count:,.1f} | {info['build_files']:,} |")
    return lines


def machine() -> dict[str, Any]:
    try:
        load_average = os.getloadavg()
    except OSError:
        load_average = (0.0, 0.0, 0.0)
    return {
        "python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
        "load_average": load_average,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=(__doc__ or "").splitlines()[0])
    ints = lambda text: [int(x) for x in text.split(",") if x]  # noqa: E731
    parser.add_argument("--sizes", type=ints, default=[1000, 10000, 100000], help="event counts (default 1000,10000,100000)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of each in-process measure (default 5)")
    parser.add_argument("--calls", type=int, default=50, help="calls per repeat of the fast measures (default 50)")
    parser.add_argument("--naive-max", type=int, default=10000, help="largest size that runs the naive feed baseline")
    parser.add_argument("--build-max", type=int, default=10000, help="largest size that runs the static builds")
    parser.add_argument("--cold-feed-max", type=int, default=10000,
                        help="largest size that times a cold start to the first full feed (and validating alone)")
    parser.add_argument("--build-repeats", type=int, default=3, help="most repeats of each static build (default 3)")
    parser.add_argument("--http-sizes", type=ints, default=[10000], help="sizes with HTTP load tests (default 10000)")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP load tests")
    parser.add_argument("--workers", type=ints, default=[1, 2], help="uvicorn and nginx worker counts (default 1,2)")
    parser.add_argument("--connections", type=ints, default=[1, 16], help="concurrent connections (default 1,16)")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of each wrk run (default 3)")
    parser.add_argument("--requests", type=int, default=2000, help="requests of each Python-client run (without wrk)")
    parser.add_argument("--http-repeats", type=int, default=3, help="repeats of each HTTP run (default 3)")
    parser.add_argument("--today", default=TODAY, help=f"the date treated as today (default {TODAY})")
    parser.add_argument("--config", type=Path, default=None, help="site configuration (default: the built-in defaults)")
    parser.add_argument("--data", type=Path, default=HERE / "data", help="where generated events are kept")
    parser.add_argument("--results", type=Path, default=HERE / "results", help="where the JSON goes")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    options = parse_args(argv)
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    started = datetime.now(UTC)
    report: dict[str, Any] = {"started": started.isoformat(timespec="seconds"), "machine_before": machine(),
                              "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(options).items()}}
    sizes = []
    for count in options.sizes:
        log(f"{count:,} events")
        sizes.append(measure_size(count, options, log))
    http = []
    if not options.no_http:
        for count in options.http_sizes:
            log(f"HTTP at {count:,} events")
            http.append(measure_http(count, options, log))
    report.update({"sizes": sizes, "http": http, "machine_after": machine(),
                   "seconds": round((datetime.now(UTC) - started).total_seconds())})
    text = table(sizes, http)
    report["table"] = text
    options.results.mkdir(parents=True, exist_ok=True)
    name = started.strftime("%Y%m%dT%H%M%SZ") + ".json"
    for target in (options.results / name, options.results / "latest.json"):
        target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(text)
    print(f"\nWritten to {options.results / name}", file=sys.stderr)
    print(f"The page of figures: {write_page(options.results)}", file=sys.stderr)
    return report


if __name__ == "__main__":
    main()
