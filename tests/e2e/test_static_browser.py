"""The static build in a real browser, served from a subfolder by a plain static file server:
with scripts on, the listing's filters are applied in the page from the built JSON and give what
the server gives; with scripts off, the per-type and per-sponsor pages stand in for them."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from calendar_app.build.static import build_site
from calendar_app.core.config import load_config
from calendar_app.web.app import create_app

from .conftest import ROOT, SAMPLE_EVENTS

TODAY = date(2026, 11, 23)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def static_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of the sample site built with relative links and served under /calendar/."""
    root = tmp_path_factory.mktemp("static-host")
    config = load_config(ROOT / "calendar.toml")
    build_site(config, SAMPLE_EVENTS, root / "calendar", today=TODAY)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/calendar/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The server over the same events and day, for what each filter should show."""
    config = load_config(ROOT / "calendar.toml")
    return TestClient(create_app(config, SAMPLE_EVENTS, today=TODAY, watch=False, state_dir=tmp_path_factory.mktemp("state")))


def _server_titles(server: TestClient, query: str) -> list[str]:
    html = server.get("/?" + query).text
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", t)).strip() for t in re.findall(r'<h3 class="entry-title">(.*?)</h3>', html, re.DOTALL)]


def _titles(page: Any) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in page.locator(".results .entry-title").all_text_contents()]


def _count(label_text: str) -> int:
    match = re.search(r"\((\d+)\)", label_text)
    assert match is not None
    return int(match.group(1))


def test_filters_apply_in_the_page_from_the_built_json(
    static_site: str, server: TestClient, page: Any, screenshot: Callable[[Any, str], Any]
) -> None:
    page.goto(static_site)
    label = page.locator("label[for^='type-']", has_text="Webinar")
    expected = _count(label.inner_text())
    label.click()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"/calendar/\?type=webinar$"))
    results = page.locator(".results-count")
    results.filter(has_text="upcoming events: webinars").wait_for()
    assert results.inner_text().startswith(f"{expected} upcoming events: webinars")
    assert set(page.locator(".results .entry-type").all_inner_texts()) == {"Webinar"}
    assert _titles(page) == _server_titles(server, "type=webinar")
    # The subscribe box offers the feed the build publishes for exactly this filter.
    assert page.locator("#feed-url").input_value().endswith("/type/webinar/calendar.ics")
    # A second filter narrows; the counts beside the choices follow; a chip removes just one.
    page.locator("label[for='online']").click()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(lambda url: "type=webinar" in url and "online=true" in url)
    page.get_by_role("link", name=re.compile("Remove filter Online only")).wait_for()
    assert _titles(page) == _server_titles(server, "type=webinar&online=true")
    assert "No feed holds exactly these filters" in page.locator(".follow").inner_text()
    screenshot(page, "static-filtered")
    page.get_by_role("link", name=re.compile("Remove filter Type: Webinar")).click()
    page.wait_for_url(re.compile(r"/calendar/\?online=true$"))
    page.get_by_role("link", name=re.compile("Remove filter Online only")).wait_for()
    assert _titles(page) == _server_titles(server, "online=true")
    # The entries' links lead to the event pages of the build.
    page.locator(".results .entry-title a").first.click()
    page.wait_for_url(re.compile(r"/calendar/events/[a-z0-9-]+/$"))
    assert page.locator("h1").count() == 1


@pytest.mark.parametrize(
    "query",
    ["q=labor", "audience=prosecutors&free=true", "from=2027-01-01&to=2027-01-31", "observance=prevention-month", "page=2"],
)
def test_every_kind_of_filter_gives_the_servers_results(static_site: str, server: TestClient, page: Any, query: str) -> None:
    page.goto(static_site + "?" + query)
    page.wait_for_function("() => document.title.startsWith('Upcoming events') && document.querySelector('.results-count')")
    expected = _server_titles(server, query)
    page.wait_for_function(
        "n => document.querySelectorAll('.results .entry-title').length === n", arg=len(expected)
    )
    assert _titles(page) == expected


def test_past_events_filter_too(static_site: str, server: TestClient, page: Any) -> None:
    page.goto(static_site + "past/?type=webinar")
    page.locator(".results-count", has_text=re.compile(r"past events?: webinars")).wait_for()
    html = server.get("/past?type=webinar").text
    expected = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", t)).strip() for t in re.findall(r'<h3 class="entry-title">(.*?)</h3>', html, re.DOTALL)]
    assert _titles(page) == expected


def test_without_scripts_the_type_and_sponsor_pages_stand_in(
    static_site: str, new_page: Callable[..., Any], screenshot: Callable[[Any, str], Any]
) -> None:
    plain = new_page(java_script_enabled=False)
    plain.goto(static_site)
    note = plain.locator(".browse-note")
    assert note.is_visible()
    assert "the filters need scripts" in note.inner_text()
    screenshot(plain, "static-no-scripts")
    link = note.get_by_role("link", name=re.compile(r"^Webinar \(\d+\)$"))
    expected = _count(link.inner_text())
    link.click()
    plain.wait_for_url(static_site + "type/webinar/")
    assert plain.locator(".results-count").inner_text().startswith(f"{expected} upcoming events: webinars")
    assert set(plain.locator(".entry-type").all_inner_texts()) == {"Webinar"}
    assert plain.locator("#feed-url").input_value().endswith("/type/webinar/calendar.ics")
    plain.goto(static_site)
    plain.locator(".browse-note").get_by_role("link", name=re.compile(r"^Office of Juvenile Justice")).click()
    plain.wait_for_url(static_site + "sponsor/ojjdp/")
    assert "by OJJDP" in plain.locator(".results-count").inner_text()


def test_the_year_picker_opens_the_years_page(static_site: str, page: Any) -> None:
    page.goto(static_site + "observances/prevention-month/")
    year = page.locator("#year").input_value()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(static_site + f"observances/prevention-month/{year}/")
    assert page.locator("h1").inner_text().endswith(year)


def test_filtered_page_has_no_serious_accessibility_violations(static_site: str, page: Any, axe_violations: Any) -> None:
    page.goto(static_site + "?type=training&region=SC")
    page.locator(".results-count", has_text=": trainings").wait_for()
    assert axe_violations(page) == []
