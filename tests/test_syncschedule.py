"""The running server syncs the partner calendars by itself, every `sync_interval_minutes`.

Each app here runs with its lifespan (the test client as a context manager), as a served worker
does; the calendars are served by a real HTTP server on 127.0.0.1. Nothing asks for /manage:
the events must reach the public pages on their own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from calendar_app.desk.syncstate import SourceRun, last_runs, record_runs
from calendar_app.web.app import create_app

from .test_manage_sources import source_table, sync_site
from .test_pages import text
from .test_sync import TRAINING, WEBINAR, FeedServer, calendar

EVERY_HALF_SECOND = "sync_interval_minutes = 0.008"


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def soon(check: Callable[[], bool], seconds: float = 15.0) -> bool:
    """Whether `check` comes true within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def schedule_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "calendar-sync-schedule"]


def test_a_served_site_brings_in_new_events_on_its_own(tmp_path: Path, feeds: FeedServer) -> None:
    feeds.feeds["/ovc.ics"] = calendar(WEBINAR)
    site = sync_site(tmp_path, source_table(feeds, "ovc-ttac", "OVC TTAC", "/ovc.ics"), settings=EVERY_HALF_SECOND,
                     login=False)
    with site.client as client:
        assert soon(lambda: "Labor Trafficking Webinar" in client.get("/").text)
        feeds.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)  # the partner adds an event
        assert soon(lambda: "Task Force Training" in client.get("/").text)
        assert "From OVC TTAC" in text(client.get("/events/task-force-training").text)
        assert "TRAINING@OVC.EXAMPLE.ORG" in client.get("/calendar.ics").text.upper()
    assert [run.source_id for run in last_runs(tmp_path)] == ["ovc-ttac"]
    assert schedule_threads() == []  # stopped with the server


def test_one_worker_syncs_and_another_takes_over_when_it_stops(tmp_path: Path, feeds: FeedServer) -> None:
    feeds.feeds["/ovc.ics"] = calendar(WEBINAR)
    first = sync_site(tmp_path, source_table(feeds, "ovc-ttac", "OVC TTAC", "/ovc.ics"), settings=EVERY_HALF_SECOND,
                      login=False)
    second = TestClient(create_app(first.config, first.events, watch=False, state_dir=tmp_path))
    leader = first.client.app.state.sync_schedule  # type: ignore[attr-defined]
    other = second.app.state.sync_schedule  # type: ignore[attr-defined]
    first_running = first.client.__enter__()
    try:
        assert soon(lambda: leader.leading and "Labor Trafficking Webinar" in first_running.get("/").text)
        with second:
            time.sleep(3 * other.look_every)
            assert not other.leading  # the first worker has the schedule: the second never syncs
            first.client.__exit__(None, None, None)  # the first worker stops
            feeds.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
            assert soon(lambda: other.leading and "Task Force Training" in second.get("/").text)
    finally:
        if leader.leading:
            first.client.__exit__(None, None, None)
    assert schedule_threads() == []


def test_a_restart_within_the_interval_does_not_sync_again(tmp_path: Path, feeds: FeedServer) -> None:
    feeds.feeds["/ovc.ics"] = calendar(WEBINAR)
    site = sync_site(tmp_path, source_table(feeds, "ovc-ttac", "OVC TTAC", "/ovc.ics"),
                     settings="sync_interval_minutes = 30", login=False)
    record_runs(tmp_path, [SourceRun("ovc-ttac", "OVC TTAC", datetime.now(UTC), {"new": 1})])
    schedule = site.client.app.state.sync_schedule  # type: ignore[attr-defined]
    assert schedule.look() is False and feeds.asked == []
    schedule.stop()


def test_failures_are_logged_and_the_server_goes_on(
    tmp_path: Path, feeds: FeedServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds.feeds["/ovc.ics"] = 500
    site = sync_site(tmp_path, source_table(feeds, "ovc-ttac", "OVC TTAC", "/ovc.ics"), settings=EVERY_HALF_SECOND,
                     login=False)
    caplog.set_level(logging.INFO, logger="calendar_app")
    with site.client as client:
        assert soon(lambda: "scheduled sync: ovc-ttac (OVC TTAC) failed: http://127.0.0.1:" in caplog.text)
        assert client.get("/").status_code == 200

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("the disk went away")

        monkeypatch.setattr("calendar_app.web.syncschedule.sync_sources", broken)
        assert soon(lambda: "the scheduled sync of the partner calendars failed" in caplog.text)
        assert "RuntimeError: the disk went away" in caplog.text
        assert schedule_threads() and client.get("/").status_code == 200
