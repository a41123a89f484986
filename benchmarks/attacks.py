"""What the requests that once knocked the site over cost now, beside the same page asked plainly.

    python -m benchmarks.attacks            # or: make attacks

The site is the sample events plus an endless daily series (what made far dates expensive).
Each request is sent with `--repeats` different spellings, so no cache answers it, and timed in
process through the ASGI app (no network in between); the table gives the median time, the
answer's size and status, and how much the process's memory grew over the whole run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from calendar_app.core.config import load_config
from calendar_app.web.app import create_app

from .probes import rss_mb

ROOT = Path(__file__).resolve().parent.parent
DAILY = """---
title: Daily check-in call
type: meeting
start: "2026-11-02 09:00"
end: "09:30"
repeat: FREQ=DAILY
online: true
---
Every morning.
"""

# name -> a request for spelling n (each n a different address, as an attacker would send them)
REQUESTS: dict[str, Callable[[int], str]] = {
    "/?to=2030-12-NN (a near range)": lambda n: f"/?to=2030-12-{1 + n % 28:02d}",
    "/?to=2200-12-NN": lambda n: f"/?to=2200-12-{1 + n % 28:02d}",
    "/?from=2199-MM-NN": lambda n: f"/?from=2199-{1 + n % 12:02d}-{1 + n % 28:02d}",
    "/calendar.ics?to=2200-MM-NN": lambda n: f"/calendar.ics?to=2200-{1 + n % 12:02d}-{1 + n % 28:02d}",
    "/api/events?from=2150..&to=2200..": lambda n: f"/api/events?from=2150-01-{1 + n % 28:02d}&to=2200-12-31",
    "/?to=9999-12-NN (was a 500)": lambda n: f"/?to=9999-12-{1 + n % 28:02d}",
    "/?topic=c0,...,c2999": lambda n: "/?topic=" + ",".join(f"c{i}" for i in range(3000 + n)),
    "/?topic=<60 KB value>": lambda n: "/?topic=" + "x" * (60_000 + n),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="spellings of each request (default 15)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="calendar-attacks-") as tmp:
        events = Path(tmp) / "events"
        shutil.copytree(ROOT / "events", events)
        (events / "daily-check-in.md").write_text(DAILY, encoding="utf-8")
        app = create_app(load_config(ROOT / "calendar.toml"), events, today=date(2026, 11, 23), watch=False)
        with TestClient(app) as client:
            client.get("/")
            start_rss = rss_mb()
            print(f"{'request':38} {'median ms':>10} {'bytes':>10} {'status':>6}")
            for name, make in REQUESTS.items():
                times, sizes, statuses = [], [], set()
                for n in range(options.repeats):
                    began = time.perf_counter()
                    response = client.get(make(n))
                    times.append((time.perf_counter() - began) * 1000)
                    sizes.append(len(response.content))
                    statuses.add(response.status_code)
                print(f"{name:38} {statistics.median(times):10.2f} {max(sizes):10,} {','.join(map(str, sorted(statuses))):>6}")
            print(f"memory: {start_rss:.0f} MB before the requests, {rss_mb():.0f} MB after")


if __name__ == "__main__":
    main()
