"""The `live_server` fixture itself: a fixed today, a private copy of the events, reloading."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import ROOT, SAMPLE_EVENTS, STARTUP_SECONDS, _free_port


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


def test_without_base_url_every_link_names_the_port_served(live_server: Any) -> None:
    server = live_server(today="2027-01-05", base_url=False)
    port = server.url.rsplit(":", 1)[1]
    assert port != "8000" and "base_url" not in server.config_path.read_text(encoding="utf-8").replace("# base_url", "")
    subscribe = httpx.get(server.url + "/subscribe").text
    assert f"webcal://127.0.0.1:{port}/calendar.ics" in subscribe
    assert f"{server.url}/calendar.ics" in subscribe
    feed = httpx.get(server.url + "/calendar.ics").text.replace("\r\n ", "")  # lines unfolded
    assert f"\r\nSOURCE:{server.url}/calendar.ics\r\n" in feed and f"\r\nURL:{server.url}/\r\n" in feed
    links = httpx.get(server.url + "/api/events?type=webinar").json()["links"]
    assert links["ics"].startswith(f"{server.url}/calendar.ics?")
    for text in (subscribe, feed, str(links)):
        assert "127.0.0.1:8000" not in text
    assert "warning" not in server.log()


def test_a_host_header_does_not_move_the_links(live_server: Any) -> None:
    server = live_server(today="2027-01-05", base_url=False)
    page = httpx.get(server.url + "/subscribe", headers={"Host": "attacker.example"}).text
    assert "attacker.example" not in page and f"{server.url}/calendar.ics" in page


def test_a_base_url_on_another_port_draws_one_warning(live_server: Any, tmp_path: Path) -> None:
    config = tmp_path / "calendar.toml"
    config.write_text('[site]\nbase_url = "http://127.0.0.1:8000"\n', encoding="utf-8")
    server = live_server(today="2027-01-05", config=config)
    warnings = [line for line in server.log().splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {config}: base_url: http://127.0.0.1:8000 is not where the server listens ({server.url}), "
        "yet links and feeds name it. Hint: remove base_url to follow the address served, or change it."
    ]
    assert "webcal://127.0.0.1:8000/calendar.ics" in httpx.get(server.url + "/subscribe").text  # as configured


def test_make_serve_takes_a_port_and_a_today(tmp_path: Path) -> None:
    """The first ten minutes: `make serve PORT=... TODAY=...` from the checkout, the shipped calendar.toml."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {k: v for k, v in os.environ.items() if k != "CALENDAR_TODAY"}
    environment["CALENDAR_CACHE_DIR"] = str(tmp_path / "cache")
    log = (tmp_path / "make.log").open("wb")
    # The project's Makefile and installed environment, run in a copy of the sample site, so that
    # the server keeps its state (the session key) there and nothing is written into the checkout.
    # -o: the checkout is installed already; make would otherwise reinstall when pyproject.toml is newer.
    site = tmp_path / "site"
    shutil.copytree(ROOT / "events", site / "events")
    shutil.copy(ROOT / "calendar.toml", site / "calendar.toml")
    command = ["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "-o", ".venv/.installed",
               f"BIN={ROOT / '.venv' / 'bin'}", "serve", f"PORT={port}", "TODAY=2027-01-05"]
    process = subprocess.Popen(
        command, cwd=site, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        home = None
        deadline = time.monotonic() + STARTUP_SECONDS
        while home is None and time.monotonic() < deadline and process.poll() is None:
            try:
                home = httpx.get(url + "/", timeout=2.0)
            except httpx.HTTPError:
                time.sleep(0.1)
        assert home is not None, (tmp_path / "make.log").read_text(encoding="utf-8", errors="replace")
        assert 'id="highlight-prevention-month"' in home.text  # January, from TODAY
        assert f"webcal://127.0.0.1:{port}/calendar.ics" in httpx.get(url + "/subscribe").text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        log.close()
