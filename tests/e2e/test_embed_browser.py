"""The embedded list in a real browser, on another site: a plain page served from another port
(another origin) pastes the `<iframe>` the snippet page writes. The list shows inside the frame,
with scripts on or off, light or dark; the host page around it stays as it was; a host page that
frames the listing itself, or any page when `embed_ancestors` leaves its site out, gets nothing."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import ROOT

NOVEMBER = "2026-11-23"
REFUSED = "chrome-error://chromewebdata/"  # what a frame holds when Chromium refuses to show the page
Screenshot = Callable[[Any, str], Any]

HOST_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Coastal Anti-Trafficking Coalition</title>
<style>
  body {{ margin: 0; font-family: Georgia, serif; background: rgb(250, 246, 238); color: rgb(40, 30, 20); }}
  header, footer {{ padding: 12px 24px; background: rgb(60, 90, 60); color: white; }}
  .layout {{ display: grid; grid-template-columns: 1fr 420px; gap: 24px; padding: 24px; }}
  h1 {{ font-size: 28px; margin: 0; }}
</style>
</head>
<body>
<header><h1 id="partner-name">Coastal Anti-Trafficking Coalition</h1></header>
<div class="layout">
  <main id="partner-main"><h2>About us</h2><p id="partner-text">We train hotel staff and first responders.</p></main>
  <aside id="partner-aside"><h2>Upcoming trainings</h2>{frame}</aside>
</div>
<footer id="partner-footer">Coastal Anti-Trafficking Coalition, 12 Harbor Road</footer>
</body>
</html>
"""


class PartnerSite:
    """A plain static site on another port: the pages `pages` holds, by path."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                body = pages.get(self.path, "").encode("utf-8")
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def page(self, path: str, frame: str) -> str:
        """Serve the host page at `path` with `frame` (an `<iframe>`) in its side column; its address."""
        self.pages[path] = HOST_PAGE.format(frame=frame)
        return self.url + path


@pytest.fixture(scope="module")
def partner() -> Iterator[PartnerSite]:
    site = PartnerSite()
    thread = threading.Thread(target=site.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.httpd.shutdown()
        site.httpd.server_close()
        thread.join()


def snippet(server_url: str, query: str) -> str:
    """The `<iframe>` the snippet page writes for `query`, as a partner copies it."""
    html = httpx.get(f"{server_url}/embed/new?{query}").text
    match = re.search(r'<textarea id="embed-snippet"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, "no snippet on the page"
    return unescape(match.group(1))


def listing_titles(server_url: str, query: str) -> list[str]:
    html = httpx.get(f"{server_url}/?{query}").text
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", t)).strip()
            for t in re.findall(r'<h3 class="entry-title">(.*?)</h3>', html, re.S)]


def frame_of(page: Any) -> Any:
    """The page's one child frame, once the embedded list in it has loaded (a pasted frame loads
    lazily, after the page)."""
    (frame,) = page.main_frame.child_frames
    frame.locator(".more").wait_for()
    return frame


def refused_frame(page: Any) -> Any:
    """The page's one child frame, once Chromium has refused to show what it was sent
    (net::ERR_BLOCKED_BY_RESPONSE): it puts its own error page in the frame instead
    ("127.0.0.1 refused to connect")."""
    (frame,) = page.main_frame.child_frames
    deadline = time.monotonic() + 10
    while frame.url != REFUSED and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert frame.url == REFUSED, frame.url
    return frame


def assert_host_intact(page: Any) -> None:
    """The partner's own page as it wrote it: its title, words, fonts, colours and columns."""
    assert page.title() == "Coastal Anti-Trafficking Coalition"
    assert page.locator("#partner-name").inner_text() == "Coastal Anti-Trafficking Coalition"
    assert page.locator("#partner-footer").is_visible()
    body = page.evaluate("(() => { const s = getComputedStyle(document.body); return [s.fontFamily, s.backgroundColor]; })()")
    assert body == ["Georgia, serif", "rgb(250, 246, 238)"]
    main = page.locator("#partner-main").bounding_box()
    aside = page.locator("#partner-aside").bounding_box()
    frame = page.locator("iframe").bounding_box()
    assert main["x"] + main["width"] <= aside["x"], "the two columns stay side by side"
    assert aside["x"] <= frame["x"] and frame["x"] + frame["width"] <= aside["x"] + aside["width"] + 1
    footer = page.locator("#partner-footer").bounding_box()
    assert footer["y"] >= frame["y"] + frame["height"], "the footer stays below the frame"


def test_another_site_shows_the_list_in_its_frame(
    live_server: Any, partner: PartnerSite, page: Any, screenshot: Screenshot
) -> None:
    server = live_server(today=NOVEMBER)
    address = partner.page("/trainings.html", snippet(server.url, "type=webinar&limit=4"))
    page.goto(address)
    frame = frame_of(page)
    titles = [t.strip() for t in frame.locator(".event .title a").all_inner_texts()]
    assert titles == listing_titles(server.url, "type=webinar")[:4]
    assert frame.locator(".event .when").first.inner_text() == "December 3, 2026 | 2 p.m. ET"
    assert frame.locator(".more a").inner_text().startswith("See all ")
    # Everything in the frame is the site's, and its height holds the four events.
    assert frame.evaluate("document.documentElement.scrollHeight") <= page.locator("iframe").bounding_box()["height"]
    assert_host_intact(page)
    assert page.url == address
    screenshot(page, "embed-on-a-partner-site")
    # An event opens on the calendar's own site, in a new tab, outside the frame's sandbox.
    with page.context.expect_page() as opened:
        frame.locator(".event .title a").first.click()
    event_page = opened.value
    event_page.wait_for_load_state()
    assert event_page.url == f"{server.url}/events/screening-runaway-homeless-youth"
    assert event_page.locator("h1").inner_text() == titles[0]
    assert page.url == address


def test_the_list_needs_no_scripts(live_server: Any, partner: PartnerSite, new_page: Any) -> None:
    server = live_server(today=NOVEMBER)
    address = partner.page("/no-scripts.html", snippet(server.url, "type=training&limit=3"))
    plain = new_page(java_script_enabled=False)
    plain.goto(address)
    frame = frame_of(plain)
    titles = [t.strip() for t in frame.locator(".event .title a").all_inner_texts()]
    assert titles == listing_titles(server.url, "type=training")[:3]
    assert_host_intact(plain)


LIGHT = {"background": "rgb(255, 255, 255)", "text": "rgb(27, 27, 27)", "link": "rgb(0, 94, 162)",
         "where": "rgb(86, 92, 101)", "rule": "rgb(223, 225, 226)"}
DARK = {"background": "rgb(22, 25, 29)", "text": "rgb(238, 240, 242)", "link": "rgb(140, 196, 247)",
        "where": "rgb(179, 186, 194)", "rule": "rgb(59, 65, 73)"}
COLOURS = """() => {
  const style = (selector) => getComputedStyle(document.querySelector(selector));
  return {background: style('body').backgroundColor, text: style('body').color, link: style('.title a').color,
          where: style('.where').color, rule: style('.event').borderBottomColor};
}"""


@pytest.mark.parametrize(("scheme", "theme", "palette"), [
    ("light", "", LIGHT),
    ("dark", "", DARK),
    ("dark", "&theme=light", LIGHT),
    ("light", "&theme=dark", DARK),
])
def test_light_or_dark_as_the_reader_prefers_or_the_partner_says(
    live_server: Any, partner: PartnerSite, new_page: Any, scheme: str, theme: str, palette: dict[str, str]
) -> None:
    server = live_server(today=NOVEMBER)
    reader = new_page(color_scheme=scheme)
    reader.goto(partner.page(f"/{scheme}{theme}.html", snippet(server.url, "limit=2" + theme)))
    frame = frame_of(reader)
    assert frame.locator(".event").count() == 2
    assert frame.evaluate(COLOURS) == palette


def test_a_page_framing_the_listing_gets_nothing(live_server: Any, partner: PartnerSite, page: Any) -> None:
    server = live_server(today=NOVEMBER)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto(partner.page("/listing.html", f'<iframe src="{server.url}/" title="Listing" width="400" height="600"></iframe>'))
    frame = refused_frame(page)
    assert "Upcoming trainings and events" not in frame.content() and frame.locator(".entry").count() == 0
    assert any("frame-ancestors 'none'" in text for text in refused), refused
    assert_host_intact(page)


def test_embed_ancestors_leaves_other_sites_out(
    live_server: Any, partner: PartnerSite, page: Any, tmp_path: Path
) -> None:
    config = tmp_path / "calendar.toml"
    text = (ROOT / "calendar.toml").read_text(encoding="utf-8")
    config.write_text(text.replace("[site]\n", '[site]\nembed_ancestors = ["https://partner.example.org"]\n', 1),
                      encoding="utf-8")
    server = live_server(today=NOVEMBER, config=config)
    page.goto(partner.page("/left-out.html", snippet(server.url, "limit=3")))
    assert refused_frame(page).locator(".event").count() == 0
    assert_host_intact(page)
    # The snippet page's own preview is this site's, which may always frame it.
    own = page.context.new_page()
    own.goto(f"{server.url}/embed/new?limit=3")
    assert frame_of(own).locator(".event").count() == 3


def test_the_snippet_page_previews_and_copies(live_server: Any, new_page: Any, screenshot: Screenshot) -> None:
    server = live_server(today=NOVEMBER)
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"{server.url}/?type=webinar")
    page.get_by_role("link", name="Embed these results on your site").click()
    page.wait_for_url(re.compile(r"/embed/new\?type=webinar$"))
    assert page.locator("h1").inner_text() == "Embed these events on your site"
    preview = frame_of(page)
    assert preview.locator(".event").count() == 10
    page.get_by_label("Events shown, at most").fill("3")
    page.get_by_role("button", name="Update the code and the preview").click()
    page.wait_for_url(re.compile(r"/embed/new\?type=webinar&limit=3&theme=auto$"))
    assert frame_of(page).locator(".event").count() == 3
    code = page.locator("#embed-snippet").input_value()
    assert f'src="{server.url}/embed?type=webinar&amp;limit=3"' in code
    page.get_by_role("button", name="Copy the code").click()
    # Said once the clipboard has taken the code, which the browser does in its own time.
    expect(page.locator(".copy-actions [role=status]")).to_have_text("Copied. Paste it into your page's HTML.")
    assert page.evaluate("navigator.clipboard.readText()") == code
    screenshot(page, "embed-snippet-page")


def test_the_snippet_page_without_scripts(live_server: Any, new_page: Any) -> None:
    server = live_server(today=NOVEMBER)
    plain = new_page(java_script_enabled=False)
    plain.goto(f"{server.url}/embed/new?type=webinar&limit=2")
    assert plain.locator("#embed-snippet").is_visible()
    assert 'limit=2"' in plain.locator("#embed-snippet").input_value()
    assert not plain.get_by_role("button", name="Copy the code").is_visible()
    assert frame_of(plain).locator(".event").count() == 2


def test_the_list_and_its_page_pass_axe(
    live_server: Any, partner: PartnerSite, page: Any, axe_violations: Callable[[Any], list[dict[str, Any]]]
) -> None:
    server = live_server(today=NOVEMBER)
    page.goto(f"{server.url}/embed?limit=12")
    assert axe_violations(page) == []
    page.goto(f"{server.url}/embed?limit=12&theme=dark")
    assert axe_violations(page) == []
    page.goto(f"{server.url}/embed/new?type=webinar")
    assert axe_violations(page) == []
