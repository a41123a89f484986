"""What a reader sees first, at 1280 px and on a 360 px phone: the January home page (search and
the first events on the first screen, a compact highlight, a one-line navigation, no line opening
with "·"), an event's page (one primary action, the description first on a phone, links by host
name), the subscribe and 404 pages, and the reader's local time written like the event's.
Screenshots go to tests/artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

JANUARY = "2027-01-05"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}
# Separators that start a line: a "·" whose left edge is at its line's left edge.
LINE_STARTING_SEPARATORS = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let at = node.data.indexOf("·");
    while (at !== -1) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + 1);
      const rect = range.getBoundingClientRect();
      const block = node.parentElement.closest("p, li, dd, div, h1, h2, h3");
      if (rect.width && block) {
        const before = document.createRange();
        before.setStart(block, 0);
        before.setEnd(node, at);
        const rects = [...before.getClientRects()].filter(r => r.width > 0);
        const sameLine = rects.filter(r => Math.abs(r.top - rect.top) < 4 && r.right <= rect.left + 1);
        if (!sameLine.length) { found.push(block.textContent.trim().slice(0, 60)); }
      }
      at = node.data.indexOf("·", at + 1);
    }
  }
  return found;
}"""


def top(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return float(box["y"])


def nav_line_tops(page: Any) -> set[int]:
    """The distinct tops of the navigation's links: one when the navigation holds one line."""
    return {round(box["y"]) for box in (a.bounding_box() for a in page.locator(".site-nav a").all())}


@pytest.mark.parametrize("size", list(SIZES))
def test_january_home_shows_search_and_events_on_the_first_screen(
    live_server: Any, new_page: Any, screenshot: Any, size: str
) -> None:
    server = live_server(today=JANUARY)
    page = new_page(viewport=SIZES[size])
    page.goto(server.url + "/")
    height = SIZES[size]["height"]
    highlight = page.locator(".highlight")
    assert highlight.count() == 1
    # compact: name, dates, key date, one subscribe button and the link to the observance's page
    assert highlight.locator(".button").count() == 1
    assert highlight.locator("a[href$='/observances/prevention-month']").count() == 1
    assert highlight.locator(".entry").count() == 0
    assert highlight.bounding_box()["height"] < (200 if size == "desktop" else 300)
    # no event twice on the page
    titles = page.locator(".entry-title a").all_inner_texts()
    assert len(titles) == len(set(titles))
    assert top(page, "#q") < height * (0.6 if size == "desktop" else 1.0)
    if size == "desktop":
        first = page.locator(".month .entry").first.bounding_box()
        assert first["y"] + first["height"] < height, f"first event ends at {first['y'] + first['height']}"
    tops = nav_line_tops(page)
    assert len(tops) == 1, tops
    assert page.locator(".site-nav").bounding_box()["x"] >= 0
    assert page.evaluate(LINE_STARTING_SEPARATORS) == []
    screenshot(page, f"first-screen-january-{size}")


def test_phone_navigation_holds_one_line_without_scripts(live_server: Any, new_page: Any) -> None:
    page = new_page(viewport=SIZES["phone"], java_script_enabled=False)
    page.goto(live_server(today=JANUARY).url + "/")
    tops = nav_line_tops(page)
    assert len(tops) == 1, tops
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("size", list(SIZES))
def test_event_page_has_one_primary_action_and_reads_description_first_on_a_phone(
    live_server: Any, new_page: Any, screenshot: Any, size: str
) -> None:
    server = live_server(today=JANUARY)
    page = new_page(viewport=SIZES[size])
    page.goto(server.url + "/events/fy-2027-ecm-pre-application-webinar")
    primary = page.locator(".button.primary")
    assert primary.count() == 1 and primary.inner_text().startswith("Register")
    assert primary.bounding_box()["y"] + primary.bounding_box()["height"] < SIZES[size]["height"]
    filled = page.evaluate("""() => [...document.querySelectorAll('main .button')]
        .filter(b => getComputedStyle(b).backgroundColor === getComputedStyle(document.querySelector('.button.primary')).backgroundColor)
        .length""")
    assert filled == 1  # every other button is outlined
    assert page.locator(".event-actions a[href='#add-to-calendar']").count() == 1
    description, details = top(page, ".description"), top(page, ".event-facts")
    if size == "phone":
        assert description < details
        assert description < SIZES[size]["height"]
    else:
        assert description < SIZES[size]["height"] and details < SIZES[size]["height"]
    assert page.locator(".event-facts a", has_text="https://").count() == 0
    assert page.locator(".event-facts a", has_text="example.gov").count() >= 1
    screenshot(page, f"event-page-{size}")


def test_event_without_registration_makes_add_to_calendar_the_primary_action(live_server: Any, page: Any) -> None:
    page.goto(live_server(today=JANUARY).url + "/events/national-human-trafficking-awareness-day-2027")
    primary = page.locator(".button.primary")
    assert primary.count() == 1 and primary.inner_text() == "Add to your calendar (.ics)"
    assert (primary.get_attribute("href") or "").endswith(".ics")


@pytest.mark.parametrize("size", list(SIZES))
def test_subscribe_and_404_pages_are_tidy(live_server: Any, new_page: Any, screenshot: Any, size: str) -> None:
    server = live_server(today=JANUARY)
    page = new_page(viewport=SIZES[size])
    page.goto(server.url + "/subscribe")
    buttons = page.locator("main .button")
    assert buttons.count() == 2  # one feed's two buttons; the observances' feeds are links
    assert page.locator("main .button.secondary").count() == 1
    assert page.locator(".feed-list li").count() >= 1
    width = page.locator(".feeds").bounding_box()["width"]
    assert width <= 48 * 17 + 1
    screenshot(page, f"subscribe-{size}")
    page.goto(server.url + "/nowhere")
    alert, search = page.locator(".error-box").bounding_box(), page.locator(".error-page .search-field").bounding_box()
    assert abs(alert["width"] - search["width"]) < 2 and abs(alert["x"] - search["x"]) < 2
    screenshot(page, f"not-found-{size}")


@pytest.mark.parametrize("size", list(SIZES))
def test_local_time_reads_like_the_events_time(live_server: Any, new_page: Any, size: str) -> None:
    server = live_server(today=JANUARY)
    west = new_page(viewport=SIZES[size], timezone_id="America/Chicago")
    west.goto(server.url + "/events/prevention-month-wednesday-webinars")
    assert west.locator(".event-line").inner_text().startswith("January 6, 2027 | 1 p.m. ET\u00a0· noon your time")
    west.goto(server.url + "/")
    line = west.locator(".month .entry-when").first.inner_text()
    assert "1 p.m. ET\u00a0· noon your time | Online" in line
    assert "PM" not in line and "CST" not in line
    assert west.evaluate(LINE_STARTING_SEPARATORS) == []
    east = new_page(viewport=SIZES[size], timezone_id="America/New_York")
    east.goto(server.url + "/events/prevention-month-wednesday-webinars")
    assert east.locator(".local-time").count() == 0
