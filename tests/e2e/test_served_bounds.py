"""The attacks that once cost a served process seconds and hundreds of megabytes, against a real server.

Each request is sent with many spellings (so no cache answers it), and the server's resident
memory is read from /proc before and after: it once grew by 250-330 MB on these.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_request_bounds import daily_site

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads the server's memory from /proc")


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS line")


def test_far_dates_and_many_values_cost_the_server_no_memory(live_server: Any, tmp_path: Path) -> None:
    server = live_server(today="2026-11-23", events=daily_site(tmp_path))
    with httpx.Client(base_url=server.url, timeout=60) as client:
        client.get("/?to=2200-12-01")  # the first such request builds what every later one shares
        before = resident_mb(server.process.pid)
        answers: list[httpx.Response] = []
        for n in range(10):
            answers.append(client.get("/?topic=" + ",".join(f"c{i}" for i in range(3000 + n))))
            answers.append(client.get(f"/?to=2200-12-{n + 10}"))
            answers.append(client.get(f"/?from=2199-01-{n + 10}"))
            answers.append(client.get(f"/past?from=1900-01-{n + 10}"))
            answers.append(client.get(f"/calendar.ics?to=2200-11-{n + 10}"))
            answers.append(client.get(f"/api/events?from=2150-02-{n + 10}&to=2200-12-{n + 10}"))
            answers.append(client.get(f"/feed.atom?to=9999-12-{n + 10}"))
        after = resident_mb(server.process.pid)
    statuses = [a.status_code for a in answers]
    assert statuses.count(400) == 20 and statuses.count(200) == 50, statuses
    assert max(len(a.content) for a in answers) < 200_000
    assert after - before < 40, f"the server grew from {before:.0f} MB to {after:.0f} MB"
