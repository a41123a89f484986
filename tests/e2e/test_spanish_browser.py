"""The Spanish pages in a real browser, at 1280 px and on a 360 px phone: the listing and an event's
page read in Spanish and fit (Spanish runs longer), the language switch keeps the filters, the
reader's local time is written in Spanish, a browser that prefers Spanish lands on /es/, and
axe-core finds nothing serious. Screenshots go to tests/artifacts/screenshots/."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest

from .test_first_screen_browser import LINE_STARTING_SEPARATORS

JANUARY = "2027-01-05"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}
Screenshot = Callable[[Any, str], Any]


def plain(text: str) -> str:
    """Text as read aloud: Unicode's narrow and non-breaking spaces as plain ones."""
    return unicodedata.normalize("NFKC", text)


def overflowing(page: Any) -> list[str]:
    """Elements wider than the window, which would scroll the page sideways or hide a part of it."""
    return page.evaluate("""() => {
      const width = document.documentElement.clientWidth;
      return [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > width + 1)
        .map(el => el.tagName.toLowerCase() + '.' + el.className + ': ' + el.textContent.trim().slice(0, 40));
    }""")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_spanish_listing_reads_in_spanish_and_fits(
    live_server: Any, new_page: Any, screenshot: Screenshot, size: str
) -> None:
    server = live_server(today=JANUARY)
    page = new_page(viewport=SIZES[size])
    page.goto(server.url + "/es/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == "Próximas capacitaciones y eventos"
    assert page.locator(".highlight h2").inner_text() == "Mes Nacional de Prevención de la Esclavitud y la Trata de Personas"
    assert page.locator(".month h2").first.inner_text() == "Enero de 2027"
    whens = [plain(t) for t in page.locator(".entry-when").all_inner_texts()]
    assert any(t.startswith("19 de enero de 2027 | 2 p. m. ET") for t in whens), whens
    assert "En caso de emergencia, llame al 911." in page.locator(".site-footer").inner_text()
    # The switch sits in the header, on the first screen, and the page does not scroll sideways.
    switch = page.locator(".language-switch a")
    assert switch.inner_text() == "English"
    box = switch.bounding_box()
    assert box is not None and box["y"] + box["height"] < page.locator("main").bounding_box()["y"]
    assert box["x"] + box["width"] <= SIZES[size]["width"]
    assert overflowing(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    assert page.evaluate(LINE_STARTING_SEPARATORS) == []  # longer words wrap, no line opens with "·"
    if size == "phone":
        # The name of the site and the switch share the first line; every link of the navigation is
        # in sight (the Spanish labels wrap to a second line rather than scroll out of the window).
        brand = page.locator(".brand").bounding_box()
        assert abs(brand["y"] - box["y"]) < brand["height"]
        for link in page.locator(".site-nav a").all():
            where = link.bounding_box()
            assert where is not None and 0 <= where["x"] and where["x"] + where["width"] <= SIZES[size]["width"], \
                link.inner_text()
        assert page.locator(".site-nav").evaluate("nav => nav.scrollWidth <= nav.clientWidth")
        page.locator(".site-nav").get_by_role("link", name="Suscribirse").click(trial=True, timeout=2000)
    else:
        search = page.locator("#q").bounding_box()
        assert search["y"] < SIZES[size]["height"]
    screenshot(page, f"spanish-listing-{size}")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_spanish_event_page_reads_in_spanish_and_fits(
    live_server: Any, new_page: Any, screenshot: Screenshot, size: str
) -> None:
    server = live_server(today=JANUARY)
    page = new_page(viewport=SIZES[size])
    page.goto(server.url + "/es/events/fy-2027-ecm-pre-application-webinar")
    assert page.locator("h1 [lang='en']").inner_text().startswith("FY 2027 Enhanced Collaborative Model")
    primary = page.locator(".button.primary")
    assert primary.count() == 1 and primary.inner_text().startswith("Inscríbase hasta el")
    assert primary.bounding_box()["y"] + primary.bounding_box()["height"] < SIZES[size]["height"]
    facts = plain(page.locator(".event-facts").inner_text())
    assert "martes, 19 de enero de 2027, 2 - 3:30 p. m. ET" in facts
    assert "Los horarios se indican en hora del Este (America/New_York)." in facts
    assert "Forma parte de" in facts and "Mes Nacional de Prevención" in facts
    assert overflowing(page) == []
    screenshot(page, f"spanish-event-page-{size}")


def test_the_switch_goes_to_the_same_page_with_its_filters(live_server: Any, page: Any) -> None:
    server = live_server(today=JANUARY)
    page.goto(server.url + "/es/?type=webinar&online=true")
    assert re.match(r"\d+ próximos eventos: seminarios web en línea\.", page.locator(".results-count").inner_text())
    page.locator(".language-switch a").click()
    page.wait_for_url(re.compile(r"/\?type=webinar&online=true$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert re.match(r"\d+ upcoming events: online webinars\.", page.locator(".results-count").inner_text())
    page.locator(".language-switch a", has_text="Español").click()
    page.wait_for_url(re.compile(r"/es/\?type=webinar&online=true$"))


def test_a_browser_that_prefers_spanish_lands_on_the_spanish_home_page_once(live_server: Any, new_page: Any) -> None:
    server = live_server(today=JANUARY)
    page = new_page(locale="es-MX")
    page.goto(server.url + "/")
    assert page.url == server.url + "/es/"
    # Back to English by the switch: the home page is not taken away again.
    page.locator(".language-switch a").click()
    page.wait_for_url(server.url + "/")
    assert page.locator("h1").inner_text() == "Upcoming trainings and events"


def test_the_readers_local_time_in_spanish(live_server: Any, new_page: Any) -> None:
    server = live_server(today=JANUARY)
    west = new_page(timezone_id="America/Chicago")
    west.goto(server.url + "/es/events/prevention-month-wednesday-webinars")
    line = plain(west.locator(".event-line").inner_text())
    assert line.startswith("6 de enero de 2027 | 1 p. m. ET · 12 del mediodía en su hora local"), line
    copy = west.locator(".copy-button")
    assert copy.count() == 0 or copy.first.inner_text() == "Copiar"
    west.goto(server.url + "/es/subscribe")
    assert west.locator(".copy-button").first.inner_text() == "Copiar"


def test_spanish_pages_pass_axe(live_server: Any, page: Any, axe_violations: Callable[[Any], list[dict[str, Any]]]) -> None:
    server = live_server(today=JANUARY)
    for path in ("/es/", "/es/events/trata-laboral-trabajo-agricola-webinar", "/es/subscribe", "/es/nowhere"):
        page.goto(server.url + path)
        assert axe_violations(page) == [], path
