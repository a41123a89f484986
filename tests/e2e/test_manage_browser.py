"""A coordinator at work in a real browser: log in, fill the form, see a field error, correct it,
preview, save, and find the event in the listing and the feed. Screenshots go to
tests/artifacts/screenshots/."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from calendar_app.core.frontmatter import split_front_matter

PASSWORD = "correct horse battery staple"
TITLE = "Labor Trafficking Indicators for Building Inspectors"

Screenshot = Callable[[Any, str], Any]


def add_coordinator(server: Any) -> None:
    """As a site's admin would, on the command line, while the server runs."""
    command = [sys.executable, "-c", "import sys; from calendar_app.cli.main import main; sys.exit(main())",
               "coordinator", "add", "Ana Ruiz", "ana@example.org", "--password-stdin",
               "--config", str(server.config_path)]
    subprocess.run(command, input=PASSWORD + "\n", text=True, check=True, capture_output=True)


def test_a_coordinator_adds_an_event(
    live_server: Any, page: Any, screenshot: Screenshot, axe_violations: Callable[[Any], list[Any]]
) -> None:
    server = live_server(today="2026-11-23", copy_events=True)
    add_coordinator(server)

    page.goto(server.url + "/manage")
    expect(page.locator("h1")).to_have_text("Log in")
    page.get_by_label("Name or e-mail").fill("ana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Events")
    expect(page.get_by_text("Logged in as Ana Ruiz")).to_be_visible()

    page.get_by_role("link", name="Add an event").click()
    expect(page.locator("h1")).to_have_text("New event")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Type").select_option("webinar")
    page.get_by_label("Start date").fill("2027-04-06")
    page.get_by_label("Start time").fill("13:00")
    page.get_by_label("End time").fill("12:00")  # before the start: a mistake
    page.get_by_label("Time zone").fill("America/Chicago")
    page.get_by_label("Online event").check()
    page.get_by_label("Join or registration page").fill("https://www.example.org/join/inspectors")
    page.get_by_label("Topics").fill("labor trafficking, inspections")
    page.get_by_label("Description").fill("What **building inspectors** can see that others miss.")
    page.get_by_role("button", name="Publish").click()

    error = page.locator("#f-end-error")
    expect(error).to_contain_text("ends before it starts")
    expect(page.locator(".error-summary")).to_contain_text("1 problem: nothing was saved")
    expect(page.get_by_label("Title")).to_have_value(TITLE)  # what was typed is kept
    expect(page.get_by_label("End time")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "manage-field-error")
    assert axe_violations(page) == []

    page.get_by_label("End time").fill("14:30")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".preview")
    expect(preview).to_contain_text("Preview: nothing is saved yet")
    expect(preview.locator(".entry-title")).to_contain_text(TITLE)
    expect(preview.locator(".entry-when")).to_contain_text("April 6, 2027")
    expect(preview).to_contain_text("building inspectors")
    screenshot(page, "manage-preview")
    assert httpx.get(server.url + "/", params={"q": "building inspectors"}).text.count(TITLE) == 0

    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash")).to_contain_text(f"Published: {TITLE}.")
    expect(page.locator("h1")).to_contain_text("Edit event")
    screenshot(page, "manage-saved")

    page.goto(server.url + "/?q=building+inspectors")
    entry = page.locator(".entry", has_text=TITLE)
    expect(entry).to_have_count(1)
    expect(entry.locator(".entry-when")).to_contain_text("April 6, 2027")
    entry.get_by_role("link", name=TITLE).click()
    expect(page.locator("h1")).to_contain_text(TITLE)
    assert "SUMMARY:" + TITLE[:60] in httpx.get(server.url + "/calendar.ics").text.replace("\r\n ", "")
    written = next(server.events_dir.rglob("labor-trafficking-indicators-for-building-inspectors.md")).read_text()
    assert re.search(r"^timezone: America/Chicago$", written, re.M)


def test_editing_and_cancelling_in_the_browser(live_server: Any, page: Any, screenshot: Screenshot) -> None:
    server = live_server(today="2026-11-23", copy_events=True)
    add_coordinator(server)
    page.goto(server.url + "/login")
    page.get_by_label("Name or e-mail").fill("Ana Ruiz")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    row = page.locator("tr", has_text="Screening Runaway and Homeless Youth")
    row.get_by_role("link", name=re.compile("^Cancel")).click()
    page.get_by_label("Reason, shown on the event's page").fill("The presenter is ill; a new date will follow.")
    page.get_by_role("button", name="Cancel event").click()
    expect(page.locator(".flash")).to_contain_text("Cancelled:")
    expect(page.locator(".flash")).to_contain_text("its sequence is now 1")

    page.get_by_role("link", name="History").first.click()
    expect(page.locator("table")).to_contain_text("Ana Ruiz")
    expect(page.locator("table")).to_contain_text("Cancelled screening-runaway-homeless-youth")
    screenshot(page, "manage-history")

    slug_page = server.url + "/events/screening-runaway-homeless-youth"
    page.goto(slug_page)
    expect(page.locator(".status-banner")).to_contain_text("The presenter is ill; a new date will follow.")


def test_coordinator_and_suggestion_pages_pass_axe(
    live_server: Any, page: Any, screenshot: Screenshot, axe_violations: Callable[[Any], list[Any]]
) -> None:
    server = live_server(today="2026-11-23", copy_events=True)
    add_coordinator(server)
    found: dict[str, list[Any]] = {}
    page.goto(server.url + "/suggest")
    found["suggest"] = axe_violations(page)
    page.get_by_label("Title (required)").fill("Serving Survivors with Disabilities")
    page.get_by_label("Start date").fill("2027-05-05")
    page.get_by_label("Start time").fill("13:00")
    page.get_by_label("Online event").check()
    page.get_by_role("button", name="Send suggestion").click()
    tracking = page.locator(".tracking-link").get_attribute("href")
    assert tracking
    found["thanks"] = axe_violations(page)
    page.goto(tracking)
    expect(page.locator("p").filter(has_text="Pending.")).to_have_count(1)
    found["tracking"] = axe_violations(page)
    page.goto(server.url + "/login")
    found["login"] = axe_violations(page)
    page.get_by_label("Name or e-mail").fill("Ana Ruiz")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    for name, path in (("desk", "/manage"), ("pending", "/manage/pending"),
                       ("edit", "/manage/events/screening-runaway-homeless-youth/edit"),
                       ("cancel", "/manage/events/screening-runaway-homeless-youth/cancel"),
                       ("history", "/manage/events/screening-runaway-homeless-youth/history")):
        page.goto(server.url + path)
        found[name] = axe_violations(page)
    page.goto(server.url + "/manage/pending")
    page.get_by_role("link", name="Serving Survivors with Disabilities").click()
    expect(page.locator("h1")).to_have_text("Suggestion: Serving Survivors with Disabilities")
    found["pending item"] = axe_violations(page)
    screenshot(page, "manage-pending-item")
    assert {name: v for name, v in found.items() if v} == {}


def test_the_forms_use_the_width_and_native_date_controls_and_work_without_scripts(
    live_server: Any, new_page: Callable[..., Any], screenshot: Screenshot
) -> None:
    server = live_server(today="2026-11-23", copy_events=True)
    add_coordinator(server)
    heights: dict[str, int] = {}
    for width in (1280, 360):
        page = new_page(viewport={"width": width, "height": 900})
        page.goto(server.url + "/suggest")
        heights[f"suggest {width}"] = page.evaluate("document.documentElement.scrollHeight")
        screenshot(page, f"suggest-{width}")
        page.goto(server.url + "/login?next=/manage/new")
        page.get_by_label("Name or e-mail").fill("ana@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(server.url + "/manage/new")
        expect(page.locator("h1")).to_have_text("New event")
        heights[f"manage {width}"] = page.evaluate("document.documentElement.scrollHeight")
        screenshot(page, f"manage-new-{width}")
        # Native controls: the browser's own date and time pickers.
        assert page.get_by_label("Start date").evaluate("e => e.type") == "date"
        assert page.get_by_label("Start time").evaluate("e => e.type") == "time"
        assert page.get_by_label("Registration deadline").evaluate("e => e.type") == "date"
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sideways
        if width == 1280:  # sections side by side
            what, when = (page.locator(f"fieldset.group-{g}").bounding_box() for g in ("what", "when"))
            assert what and when and when["x"] > what["x"] + what["width"] and abs(when["y"] - what["y"]) < 2
    # Before sections and columns: about 5,800 px (coordinators) and 4,900 px (suggestions) at 1280.
    # Changed sessions, folded to one line on a new event, added about 45 px to the coordinators'.
    assert heights["manage 1280"] < 3100 and heights["suggest 1280"] < 2600, heights
    assert heights["manage 360"] < 6600 and heights["suggest 360"] < 5500, heights

    # Scripts off: the date and time are posted as they are, and the server joins them.
    page = new_page(java_script_enabled=False)
    page.goto(server.url + "/suggest")
    page.get_by_label("Title (required)").fill("Trauma-Informed Interviewing Without Scripts")
    page.get_by_label("Start date").fill("2027-05-05")
    page.get_by_label("Start time").fill("13:00")
    page.get_by_label("End time").fill("14:00")
    page.get_by_label("City").fill("Columbia")
    page.get_by_role("button", name="Send suggestion").click()
    expect(page.locator("h1")).to_have_text("Thank you")
    # An offset, which the native controls cannot hold, is typed out in full.
    page.goto(server.url + "/suggest")
    page.get_by_label("Title (required)").fill("A Start with an Offset")
    page.get_by_text("Or type it out").first.click()
    page.get_by_label("Start as text").fill("2027-05-05 13:00-04:00")
    page.get_by_label("Online event").check()
    page.get_by_role("button", name="Send suggestion").click()
    expect(page.locator("h1")).to_have_text("Thank you")


def wait_for(check: Callable[[], bool], seconds: float = 20.0) -> bool:
    """Poll until `check()` holds (the server reloads every two seconds); False if it never does."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return False


def test_a_file_changed_on_disk_is_served_and_a_broken_one_keeps_its_last_good_version(live_server: Any) -> None:
    server = live_server(today="2026-11-23", copy_events=True, watch=True)
    add_coordinator(server)
    path = next(server.events_dir.rglob("screening-runaway-homeless-youth.md"))
    url = server.url + "/events/screening-runaway-homeless-youth"
    text = path.read_text()
    path.write_text(text.replace("Screening Runaway and Homeless Youth", "Screening Youth"))
    assert wait_for(lambda: "Screening Youth for Trafficking Experiences" in httpx.get(url).text)

    path.write_text(text.replace('start: "2026-12-03 14:00"', 'start: "2026-12-03 16:00"'))  # ends before it starts
    with httpx.Client(base_url=server.url) as client:
        login = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"csrf_token": token, "identifier": "Ana Ruiz", "password": PASSWORD})
        assert wait_for(lambda: "Files with problems (1)" in client.get("/manage").text)
        assert "end: ends before it starts" in client.get("/manage").text
    page = httpx.get(url).text
    assert "Screening Youth for Trafficking Experiences" in page  # the last valid version, still served
    feed = httpx.get(server.url + "/calendar.ics")
    assert feed.status_code == 200 and "Screening Youth for Trafficking" in feed.text.replace("\r\n ", "")


SERIES = "prevention-month-wednesday-webinars"  # Wednesdays in January 2027 at 1 p.m., January 20 skipped


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts-on", "scripts-off"])
def test_a_coordinator_moves_one_session_and_cancels_another(
    live_server: Any, new_page: Callable[..., Any], axe_violations: Callable[[Any], list[Any]], scripts: bool
) -> None:
    server = live_server(today="2026-11-23", copy_events=True)
    add_coordinator(server)
    page = new_page(java_script_enabled=scripts)
    page.goto(server.url + f"/login?next=/manage/events/{SERIES}/edit")
    page.get_by_label("Name or e-mail").fill("ana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_contain_text("Edit event: Prevention Month Wednesdays")

    # One empty row to begin with; the sessions of the series to choose from, the skipped one left out.
    first = page.locator("#f-changes-0")
    expect(first.locator("legend").first).to_contain_text("Session change 1")
    sessions = first.get_by_label("Session", exact=True)
    expect(sessions.locator("option")).to_have_text(
        ["Choose a session", "Wednesday, January 6, 2027, 1 p.m.", "Wednesday, January 13, 2027, 1 p.m.",
         "Wednesday, January 27, 2027, 1 p.m."])
    sessions.select_option(label="Wednesday, January 13, 2027, 1 p.m.")
    first.get_by_label("New start date").fill("2027-01-14")
    first.get_by_label("New start time").fill("15:00")
    page.get_by_role("button", name="Add another session change").click()  # nothing saved: one more row

    second = page.locator("#f-changes-1")
    expect(page.locator("#f-changes-0").get_by_label("New start time")).to_have_value("15:00")  # kept as typed
    second.get_by_label("Session", exact=True).select_option(label="Wednesday, January 27, 2027, 1 p.m.")
    second.get_by_label("Status note").fill("The presenter is ill.")  # but the status left unchanged: a mistake
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".error-summary")).to_contain_text("1 problem: nothing was saved")
    expect(page.locator("#f-changes-1-status-note-error")).to_have_text(
        "a status note needs status Cancelled or Tentative in the same change")
    expect(page.locator("#f-changes-1").get_by_label("Status note")).to_have_attribute("aria-invalid", "true")
    if scripts:
        assert axe_violations(page) == []
    page.locator("#f-changes-1").get_by_label("Status", exact=True).select_option("cancelled")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Saved: Prevention Month Wednesdays")
    expect(page.locator(".flash")).to_contain_text("its sequence is now 1")

    path = next(server.events_dir.rglob(f"{SERIES}.md"))
    assert split_front_matter(path.read_text(encoding="utf-8"), path.name).data["changes"] == [
        {"occurrence": "2027-01-13 13:00", "start": "2027-01-14 15:00"},
        {"occurrence": "2027-01-27 13:00", "status": "cancelled", "status_note": "The presenter is ill."},
    ]
    # Opened again: the two rows as saved, and an empty one.
    expect(page.locator("#f-changes-0").get_by_label("Session", exact=True)).to_have_value("2027-01-13 13:00")
    expect(page.locator("#f-changes-1").get_by_label("Status", exact=True)).to_have_value("cancelled")
    expect(page.locator("#f-changes-2")).to_be_visible()

    page.goto(server.url + f"/events/{SERIES}")
    moved = page.locator(".sessions li", has_text="January 14, 2027")
    expect(moved).to_contain_text("moved from Wednesday, January 13, 2027")
    cancelled = page.locator(".sessions li.cancelled")
    expect(cancelled).to_have_count(1)
    expect(cancelled).to_contain_text("January 27, 2027")
    expect(cancelled).to_contain_text("The presenter is ill.")
    feed = httpx.get(server.url + f"/events/{SERIES}.ics").text
    assert "RECURRENCE-ID;TZID=America/New_York:20270113T130000" in feed
    assert "RECURRENCE-ID;TZID=America/New_York:20270127T130000" in feed and "STATUS:CANCELLED" in feed


def test_enter_in_a_text_box_previews_rather_than_adding_a_row(live_server: Any, page: Any) -> None:
    server = live_server(today="2026-11-23", copy_events=True)
    add_coordinator(server)
    page.goto(server.url + f"/login?next=/manage/events/{SERIES}/edit")
    page.get_by_label("Name or e-mail").fill("ana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Title (required)").press("Enter")
    expect(page.locator(".preview")).to_contain_text("Preview: nothing is saved yet")
    expect(page.locator(".change-row")).to_have_count(1)
