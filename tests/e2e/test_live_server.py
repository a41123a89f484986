"""The `live_server` fixture itself: a fixed today, a private copy of the events, reloading."""

from __future__ import annotations

import time
from typing import Any

import httpx

from .conftest import SAMPLE_EVENTS


def test_server_over_a_copy_of_the_events_sees_a_new_file(live_server: Any) -> None:
    server = live_server(today="2027-01-05", copy_events=True, watch=True)
    assert server.events_dir != SAMPLE_EVENTS and (server.events_dir / "2027").is_dir()
    before = httpx.get(server.url + "/api/events").json()["total"]
    (server.events_dir / "2027" / "new-webinar-from-a-test.md").write_text(
        '---\ntitle: New Webinar From a Test\ntype: webinar\nstart: "2027-02-10 14:00"\nonline: true\n---\nHello.\n',
        encoding="utf-8",
    )
    deadline = time.monotonic() + 20
    total = before
    while time.monotonic() < deadline and total == before:
        time.sleep(0.25)
        total = httpx.get(server.url + "/api/events").json()["total"]
    assert total == before + 1
    assert "New Webinar From a Test" in httpx.get(server.url + "/?type=webinar").text
    assert not (SAMPLE_EVENTS / "2027" / "new-webinar-from-a-test.md").exists()


def test_servers_over_the_samples_are_shared_and_keep_their_today(live_server: Any) -> None:
    january = live_server(today="2027-01-05")
    assert live_server(today="2027-01-05") is january
    assert 'id="highlight-prevention-month"' in httpx.get(january.url + "/").text
    assert 'id="highlight-prevention-month"' not in httpx.get(live_server(today="2026-11-23").url + "/").text
