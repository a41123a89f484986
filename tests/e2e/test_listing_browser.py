"""The public pages in a real browser: the listing, filters by clicking, an event, the January
highlight, a 360 px phone, scripts off, the reader's local time, copying a feed address, and
an axe-core accessibility check of every kind of page. Screenshots go to tests/artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

JANUARY = "2027-01-05"
NOVEMBER = "2026-11-23"

Screenshot = Callable[[Any, str], Any]


def test_listing_opens_soonest_first_grouped_by_month(live_server: Any, page: Any, screenshot: Screenshot) -> None:
    server = live_server(today=NOVEMBER)
    page.goto(server.url + "/")
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == "Upcoming trainings and events"
    months = page.locator(".month h2").all_inner_texts()
    assert months[:3] == ["December 2026", "January 2027", "February 2027"]
    whens = page.locator(".entry-when").all_inner_texts()
    assert whens[0].startswith("December 3, 2026 | 2 p.m. ET")
    cancelled = page.locator(".entry-cancelled")
    assert cancelled.count() == 1
    assert cancelled.locator(".badge").text_content() == "Cancelled"
    assert "Task Force Data Collection and Reporting Roundtable" in (cancelled.locator("a").text_content() or "")
    screenshot(page, "listing-desktop")


def test_filters_applied_by_clicking(live_server: Any, page: Any, screenshot: Screenshot) -> None:
    server = live_server(today=NOVEMBER)
    page.goto(server.url + "/")
    label = page.locator("label[for^='type-']", has_text="Webinar")
    expected = int(re.search(r"\((\d+)\)", label.inner_text()).group(1))  # type: ignore[union-attr]
    label.click()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"type=webinar"))
    assert "q=" not in page.url and "from=" not in page.url  # empty fields stay out of the address
    types = page.locator(".entry-type").all_inner_texts()
    assert types and set(types) == {"Webinar"}
    assert page.locator(".results-count").inner_text().startswith(f"{expected} upcoming events")
    # A second filter narrows further; its chip removes just it.
    page.locator("label[for='online']").click()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"online=true"))
    assert page.get_by_role("link", name=re.compile("Remove filter Online only")).count() == 1
    screenshot(page, "listing-filtered")
    page.get_by_role("link", name=re.compile("Remove filter Type: Webinar")).click()
    page.wait_for_url(re.compile(r"^(?!.*type=).*online=true"))
    assert "type=" not in page.url


def test_search_with_no_match_offers_to_clear(live_server: Any, page: Any, screenshot: Screenshot) -> None:
    server = live_server(today=NOVEMBER)
    page.goto(server.url + "/")
    page.get_by_label("Search titles, descriptions, places and tags").fill("zebra crossing")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"q=zebra"))
    assert "No upcoming events match these filters." in page.locator(".empty").inner_text()
    page.locator(".empty").get_by_role("link", name="clear all filters").click()
    page.wait_for_url(server.url + "/")
    assert page.locator(".entry").count() > 5


def test_follow_an_event_and_add_it_to_a_calendar(live_server: Any, page: Any, screenshot: Screenshot) -> None:
    server = live_server(today=NOVEMBER)
    page.goto(server.url + "/")
    page.get_by_role("link", name="Child Sex Trafficking: Law Enforcement Response").click()
    page.wait_for_url(re.compile(r"/events/child-sex-trafficking-law-enforcement-response-columbia$"))
    assert page.locator("h1").inner_text() == "Child Sex Trafficking: Law Enforcement Response"
    assert "February 22 - 24, 2027 | Columbia, SC" in page.locator(".event-line").inner_text()
    facts = page.locator(".event-facts").inner_text()
    assert "Embassy Suites Columbia" in facts and "Register by February 1, 2027" in facts
    json_ld = page.locator("script[type='application/ld+json']").inner_text()
    assert '"eventStatus": "https://schema.org/EventScheduled"' in json_ld
    screenshot(page, "event-desktop")
    download = page.get_by_role("link", name=re.compile(r"Download \.ics"))
    href = download.get_attribute("href")
    assert href == "/events/child-sex-trafficking-law-enforcement-response-columbia.ics"
    google = page.get_by_role("link", name=re.compile("Google Calendar"))
    assert "calendar.google.com/calendar/render?action=TEMPLATE" in (google.get_attribute("href") or "")
    assert "dates=20270222%2F20270225" in (google.get_attribute("href") or "")
    feed = httpx.get(server.url + href)
    if feed.status_code == 404:
        pytest.skip("the single-event .ics route is not served yet")
    with page.expect_download() as info:
        download.click()
    assert "BEGIN:VCALENDAR" in Path(info.value.path()).read_text(encoding="utf-8")


def test_january_highlight_when_now_is_in_january(live_server: Any, page: Any, screenshot: Screenshot) -> None:
    server = live_server(today=JANUARY)
    page.goto(server.url + "/")
    highlight = page.locator(".highlight")
    assert highlight.locator("h2").inner_text() == "National Slavery and Human Trafficking Prevention Month"
    text = highlight.inner_text()
    assert "January 11, 2027: National Human Trafficking Awareness Day" in text
    assert "Prevention Month Wednesdays" not in text  # its events are in the listing, each listed once
    assert highlight.get_by_role("link", name="Subscribe to its events").get_attribute(
        "href"
    ) == "webcal://" + server.url.split("://")[1] + "/observances/prevention-month.ics"
    screenshot(page, "listing-january-highlight")
    highlight.get_by_role("link", name=re.compile("^All .* events and resources")).click()
    page.wait_for_url(re.compile(r"/observances/prevention-month$"))
    assert page.locator("h1").inner_text() == "National Slavery and Human Trafficking Prevention Month 2027"


def test_no_highlight_in_november(live_server: Any, page: Any) -> None:
    page.goto(live_server(today=NOVEMBER).url + "/")
    assert page.locator(".highlight").count() == 0


def test_phone_width_has_no_sideways_scrolling(live_server: Any, new_page: Any, screenshot: Screenshot) -> None:
    server = live_server(today=JANUARY)
    phone = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2)
    for path, name in [
        ("/", "phone-listing"),
        ("/events/health-care-response-workshop-minneapolis", "phone-event"),
        ("/subscribe", "phone-subscribe"),
    ]:
        phone.goto(server.url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width} px wide on a 360 px phone"
        screenshot(phone, name)
    phone.goto(server.url + "/")
    panel = phone.locator("details.filter-panel")
    assert panel.get_attribute("open") is None  # folded away on a phone until asked for
    phone.locator("details.filter-panel > summary").click()
    assert phone.get_by_label("Online only").is_visible()


def test_filters_work_with_scripts_off(live_server: Any, new_page: Any, screenshot: Screenshot) -> None:
    server = live_server(today=NOVEMBER)
    plain = new_page(java_script_enabled=False)
    plain.goto(server.url + "/")
    plain.locator("label[for^='region-']", has_text="SC").click()
    plain.get_by_role("button", name="Apply filters").click()
    plain.wait_for_url(re.compile(r"region=SC"))
    assert "q=" not in plain.url  # the server drops the form's empty fields
    places = plain.locator(".entry-when").all_inner_texts()
    assert places and all("SC" in p for p in places)
    assert plain.locator(".copy-button").count() == 0
    assert plain.locator("input[data-copy]").first.input_value().startswith(server.url + "/calendar.ics?region=SC")
    screenshot(plain, "listing-no-scripts")


def test_local_time_is_added_when_the_reader_is_elsewhere(live_server: Any, new_page: Any) -> None:
    server = live_server(today=NOVEMBER)
    west = new_page(timezone_id="America/Los_Angeles")
    west.goto(server.url + "/events/fy-2027-ecm-pre-application-webinar")
    line = west.locator(".event-facts dd").first.inner_text()
    assert "2 - 3:30 p.m. ET" in line
    assert "2 - 3:30 p.m. ET\u00a0· 11 a.m. - 12:30 p.m. your time" in line
    east = new_page(timezone_id="America/New_York")
    east.goto(server.url + "/events/fy-2027-ecm-pre-application-webinar")
    assert east.locator(".local-time").count() == 0


def test_copy_button_copies_the_feed_address(live_server: Any, new_page: Any) -> None:
    server = live_server(today=NOVEMBER)
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto(server.url + "/?type=webinar")
    page.locator("#follow-heading").scroll_into_view_if_needed()
    page.locator(".copy-button").first.click()
    expect(page.locator(".copy-status").first).to_contain_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == server.url + "/calendar.ics?type=webinar"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?type=webinar&online=true",
        "/past",
        "/events/prevention-month-wednesday-webinars",
        "/events/task-force-data-roundtable",
        "/observances/prevention-month",
        "/observances",
        "/subscribe",
        "/?type=lecture",
        "/no/such/page",
    ],
)
def test_no_serious_accessibility_violations(live_server: Any, page: Any, axe_violations: Any, path: str) -> None:
    page.goto(live_server(today=JANUARY).url + path)
    assert axe_violations(page) == []


def test_no_serious_accessibility_violations_on_a_phone(live_server: Any, new_page: Any, axe_violations: Any) -> None:
    phone = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    for path in ("/", "/events/child-sex-trafficking-law-enforcement-response-columbia"):
        phone.goto(live_server(today=JANUARY).url + path)
        assert axe_violations(phone) == [], path


def test_the_accessibility_check_notices_a_real_problem(page: Any, axe_violations: Any) -> None:
    page.set_content('<html lang="en"><title>t</title><main><img src="x.png"><a href="/"></a></main></html>')
    assert {v["id"] for v in axe_violations(page)} >= {"image-alt", "link-name"}


def test_update_as_i_choose_submits_each_change(live_server: Any, page: Any) -> None:
    server = live_server(today=NOVEMBER)
    page.goto(server.url + "/")
    page.get_by_label("Update the results as I choose").check()
    with page.expect_navigation():
        page.locator("label[for^='audience-']", has_text="Prosecutors").click()
    assert "audience=prosecutors" in page.url
    with page.expect_navigation():
        page.get_by_label("From").fill("2027-06-01")
    assert "from=2027-06-01" in page.url
    whens = page.locator(".entry-when").all_inner_texts()
    assert whens and not any(w.startswith(("January", "February", "March", "April", "May")) for w in whens)
    # The choice is remembered on the next page.
    page.goto(server.url + "/")
    assert page.get_by_label("Update the results as I choose").is_checked()


_COVERED_BY_THE_BAR = """() => {
  const control = document.activeElement;
  if (!control || !control.closest('.filter-body') || control.closest('.filter-actions')) { return null; }
  const box = control.getBoundingClientRect();
  const bar = document.querySelector('.filter-actions').getBoundingClientRect();
  const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
  const itself = hit === control || control.contains(hit) || (hit && hit.closest('label')?.htmlFor === control.id);
  const clear = box.bottom <= bar.top || box.top >= bar.bottom;  // above the bar, or after it in the panel
  return itself && clear ? null : control.id || control.textContent.trim();
}"""


def test_no_filter_is_hidden_behind_the_sticky_apply_button(live_server: Any, page: Any) -> None:
    """At 1280x900 the panel is longer than the window: going through it with Tab, each checkbox
    reached is in sight above the "Apply filters" bar, and the last one can be clicked there."""
    server = live_server(today=NOVEMBER)
    page.goto(server.url + "/")
    page.locator("#q").focus()
    covered = []
    for _ in range(80):
        page.keyboard.press("Tab")
        if (name := page.evaluate(_COVERED_BY_THE_BAR)) is not None:
            covered.append(name)
    assert covered == []
    last = page.locator(".filter-body .choices input[type=checkbox]:visible").last
    last.evaluate("box => box.scrollIntoView({block: 'nearest'})")
    box, bar = last.bounding_box(), page.locator(".filter-actions").bounding_box()
    assert box is not None and bar is not None and box["y"] + box["height"] <= bar["y"]
    last.click(trial=True, timeout=2000)  # nothing lies over it where a person would click
