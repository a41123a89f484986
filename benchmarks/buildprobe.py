"""One static build measured in a fresh Python process, as `benchmarks.run` runs it.

    python -m benchmarks.buildprobe '{"events": "...", "out": "...", "jobs": 2, "today": "2026-11-23"}'

prints one JSON object: the build's wall-clock and CPU seconds (its worker processes' too), the
files and bytes it wrote, and how many files the site has. A fresh process per build keeps one
build's caches (the rendered descriptions, the time zones) out of the next one's figures.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from calendar_app.build.static import build_site
from calendar_app.core.config import SiteConfig, load_config


def _cpu() -> float:
    """CPU seconds of this process and of the children it waited for (the build's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(args: dict[str, Any]) -> dict[str, Any]:
    config = load_config(Path(args["config"])) if args.get("config") else SiteConfig()
    cache_dir = Path(args["cache_dir"]) if args.get("cache_dir") else None
    wall, cpu = time.perf_counter(), _cpu()
    report = build_site(
        config, Path(args["events"]), Path(args["out"]), today=date.fromisoformat(args["today"]),
        cache_dir=cache_dir, jobs=int(args["jobs"]),
    )
    return {
        "seconds": time.perf_counter() - wall,
        "cpu": _cpu() - cpu,
        "files_written": len(report.written),
        "bytes_written": report.bytes_written,
        "files": report.files,
        "events_rendered": report.events_rendered,
        "problems": len(report.problems),
    }


if __name__ == "__main__":
    print(json.dumps(measure(json.loads(sys.argv[1]))))
