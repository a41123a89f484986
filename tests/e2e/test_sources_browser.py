"""A coordinator syncs a partner's calendar in a real browser: /manage/sources, Sync now, the new
event counted, and its public page naming the calendar it came from. The partner's calendar is
served by an HTTP server on 127.0.0.1 in this process; the site runs `calendar-app serve`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ..coordinator_site import ROOT
from ..test_sync import FeedServer, calendar, vevent
from .test_manage_browser import PASSWORD, Screenshot, add_coordinator

TITLE = "Partner Webinar on Screening for Labor Trafficking"
PARTNER_EVENT = vevent("screening@partner.example.org", TITLE, "20270210T140000", "20270210T153000",
                       description="Hosted by the Midlands Task Force.")


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_a_coordinator_syncs_a_partner_calendar(
    live_server: Any, page: Any, feeds: FeedServer, tmp_path: Path, screenshot: Screenshot,
    axe_violations: Callable[[Any], list[Any]],
) -> None:
    feeds.feeds["/midlands.ics"] = calendar(PARTNER_EVENT)
    config = tmp_path / "calendar.toml"
    config.write_text((ROOT / "calendar.toml").read_text(encoding="utf-8") + (
        f'\n[[sources]]\nid = "midlands"\nname = "Midlands Task Force"\nurl = "{feeds.url("/midlands.ics")}"\n'
        'mode = "publish"\nallow_private = true\n'), encoding="utf-8")
    server = live_server(today="2026-11-23", copy_events=True, config=config)
    add_coordinator(server)

    page.goto(server.url + "/login")
    page.get_by_label("Name or e-mail").fill("ana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Partner calendars").click()
    expect(page.locator("h1")).to_have_text("Partner calendars")
    row = page.locator("#source-midlands")
    expect(row).to_contain_text("Midlands Task Force")
    expect(row).to_contain_text("Never synced.")
    assert axe_violations(page) == []

    row.get_by_role("button", name="Sync now for Midlands Task Force").click()
    result = page.locator(".sync-result")
    expect(result).to_contain_text("Synced: 1 new, 0 queued for review")
    expect(result).to_contain_text(f"New: {TITLE}")
    expect(page.locator("#source-midlands")).to_contain_text("1 new, 0 queued for review, 0 updated")
    screenshot(page, "manage-sources-synced")
    assert axe_violations(page) == []

    page.goto(server.url + "/?q=screening+for+labor")
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator("h1")).to_contain_text(TITLE)
    facts = page.locator(".event-facts")
    expect(facts.locator("dt:text-is('From') + dd")).to_have_text("Midlands Task Force")

    page.goto(server.url + "/manage/events/partner-webinar-on-screening-for-labor-trafficking/edit")
    imported = page.locator(".group-imported")
    expect(imported).to_contain_text("Imported from Midlands Task Force (uid screening@partner.example.org)")
    expect(imported.locator("input, textarea, select")).to_have_count(0)  # shown, not edited
    screenshot(page, "manage-imported-event")
    assert axe_violations(page) == []
