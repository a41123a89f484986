"""The embedded list (`/embed`) and the page that writes its frame (`/embed/new`): what the list
shows for a listing's filters, its bounds and errors, its headers against `embed_ancestors`, and
the renderer a static build calls (calendar_app/render/embed.py, calendar_app/web/embed.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from datetime import date
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from calendar_app.core.catalog import Catalog
from calendar_app.core.config import SiteConfig, load_config
from calendar_app.core.filters import Filters
from calendar_app.render.embed import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    EmbedOptions,
    render_embed,
    style_source,
    upcoming_events,
)
from calendar_app.render.urls import StaticLayout, StaticUrls
from calendar_app.web.app import create_app

from .conftest import DATA, ROOT, SAMPLE_EVENTS
from .coordinator_site import DeskSite
from .test_pages import text, titles

NOVEMBER = date(2026, 11, 23)
BASE = "http://127.0.0.1:8000"  # the sample configuration's base_url


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return client_for(tmp_path_factory.mktemp("state"))


def client_for(state: Path, events: Path = SAMPLE_EVENTS, today: date = NOVEMBER, **settings: object) -> TestClient:
    config = load_config(ROOT / "calendar.toml").model_copy(update=settings)
    return TestClient(create_app(config, events, today=today, watch=False, state_dir=state))


def embedded(html: str) -> list[dict[str, str]]:
    """Each event of an embedded list: its title, link, when, where and notes as a reader sees them."""
    found = []
    for item in re.findall(r'<li class="event[^"]*">(.*?)</li>', html, re.S):
        link = re.search(r'<a href="([^"]+)" target="_blank" rel="noopener">(.*?)</a>', item, re.S)
        assert link, item
        parts = {name: text(value) for name, value in re.findall(r'<p class="(\w+)">(.*?)</p>', item, re.S)}
        notes = [text(n) for n in re.findall(r'<p class="note">(.*?)</p>', item, re.S)]
        found.append({**parts, "note": " / ".join(notes), "url": unescape(link.group(1)), "name": text(link.group(2))})
    return found


def more_link(html: str) -> tuple[str, str]:
    match = re.search(r'<p class="more"><a href="([^"]+)" target="_blank" rel="noopener">(.*?)</a>', html, re.S)
    assert match, "no link to the full listing"
    return unescape(match.group(1)), text(match.group(2))


def policy_of(response: object) -> dict[str, str]:
    header = response.headers["content-security-policy"]  # type: ignore[attr-defined]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else "" for d in header.split("; ")}


# --- what it shows ----------------------------------------------------------------------------


def test_the_next_events_the_listing_shows_for_the_same_filters(client: TestClient) -> None:
    listing = client.get("/?type=webinar&online=true")
    response = client.get("/embed?type=webinar&online=true&limit=3")
    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    items = embedded(response.text)
    assert [i["name"] for i in items] == titles(listing.text)[:3]
    first = items[0]
    assert first["when"] == "December 3, 2026 | 2 p.m. ET" and first["where"] == "Online"
    assert first["url"] == f"{BASE}/events/screening-runaway-homeless-youth"
    total = int(re.search(r"(\d+) upcoming events", text(listing.text)).group(1))  # type: ignore[union-attr]
    assert total > 3
    assert more_link(response.text) == (f"{BASE}/?type=webinar&online=true", f"See all {total} events on Human Trafficking Trainings")


def test_every_link_is_a_full_address_opening_a_new_tab(client: TestClient) -> None:
    html = client.get("/embed?limit=50").text
    links = re.findall(r"<a [^>]*>", html)
    assert len(links) > 10
    for link in links:
        assert re.search(rf'href="{re.escape(BASE)}/', link) and 'target="_blank"' in link and 'rel="noopener"' in link, link


def test_ten_events_unless_limit_says_otherwise_up_to_fifty(client: TestClient, sample_catalog: Catalog) -> None:
    assert len(embedded(client.get("/embed").text)) == DEFAULT_LIMIT == 10
    assert len(embedded(client.get("/embed?limit=").text)) == DEFAULT_LIMIT
    assert len(embedded(client.get("/embed?limit=1").text)) == 1
    total = len(upcoming_events(sample_catalog, Filters(), NOVEMBER))
    assert total > DEFAULT_LIMIT
    assert len(embedded(client.get("/embed?limit=50").text)) == min(total, MAX_LIMIT)


@pytest.mark.parametrize(("limit", "message"), [
    ("0", "'0' is not a number of events; use 1 to 50"),
    ("-3", "'-3' is not a number of events; use 1 to 50"),
    ("ten", "'ten' is not a number of events; use 1 to 50"),
    ("51", "an embedded list shows at most 50 events"),
    ("9" * 900, "an embedded list shows at most 50 events"),
])
def test_a_limit_out_of_bounds_is_a_400_that_says_so(client: TestClient, limit: str, message: str) -> None:
    response = client.get(f"/embed?type=webinar&limit={limit}")
    assert response.status_code == 400
    assert f"The filter limit in the address could not be used: {message}." in text(response.text)
    assert '<a href="/embed?type=webinar">Show the page without this filter</a>' in response.text
    if limit == "51":
        assert '<a href="/embed?type=webinar&amp;limit=50">50</a>' in response.text


def test_a_filter_it_cannot_apply_is_the_listings_400(client: TestClient) -> None:
    response = client.get("/embed?type=lecture&region=SC&limit=5")
    assert response.status_code == 400
    assert "The filter type in the address could not be used: unknown type 'lecture'." in text(response.text)
    assert '<a href="/embed?region=SC&amp;limit=5&amp;type=webinar">webinar</a>' in response.text
    unknown = client.get("/embed?page=2")
    assert unknown.status_code == 400
    assert "unknown parameter" in text(unknown.text)
    assert "<code>limit</code>" in unknown.text and "<code>theme</code>" in unknown.text
    theme = client.get("/embed?theme=purple")
    assert theme.status_code == 400 and '<a href="/embed?theme=dark">dark</a>' in theme.text
    # The listing's bounds, unchanged: the search's length, the values chosen, the dates.
    assert client.get("/embed?q=" + "x" * 201).status_code == 400
    assert client.get("/embed?" + "&".join(f"topic=t{i}" for i in range(21))).status_code == 400
    assert client.get("/embed?from=2027-03-01&to=2027-02-01").status_code == 400
    assert client.get("/embed?from=99999-01-01").status_code == 400
    assert client.get("/embed?q=" + "x" * 2100).status_code == 400


def test_a_filter_nothing_matches_says_so_and_links_to_the_listing(client: TestClient) -> None:
    html = client.get("/embed?q=nothing-like-this").text
    assert embedded(html) == []
    assert "No upcoming events match these filters yet." in text(html)
    assert more_link(html) == (f"{BASE}/?q=nothing-like-this", "Visit Human Trafficking Trainings")


def test_cancelled_and_moved_sessions_as_the_listing_shows_them(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    for name in ("cancelled-with-note.md", "recurring-with-extra-and-changes.md"):
        shutil.copy(DATA / "valid" / name, events / name)
    client = client_for(tmp_path, events, today=date(2027, 1, 22))
    html = client.get("/embed").text
    moved, cancelled = embedded(html)
    assert moved == {
        "title": "Wednesday Webinars", "name": "Wednesday Webinars", "url": f"{BASE}/events/recurring-with-extra-and-changes",
        "when": "January 28, 2027 | 2 p.m. ET", "where": "Online", "note": "This session: Special session: Labor Trafficking",
    }
    assert cancelled["title"] == "Cancelled Tribal Consultation on Human Trafficking"
    assert cancelled["when"] == "May 18 - 19, 2027" and cancelled["where"] == "Rapid City, SD"
    assert cancelled["note"] == "Postponed to the fall at the request of the participating tribes."
    assert '<li class="event event-cancelled">' in html
    assert '<span class="badge badge-cancelled">Cancelled</span>' in html
    listing = text(client.get("/").text)
    assert "January 28, 2027 | 2 p.m. ET | Online" in listing and "This session: Special session: Labor Trafficking" in listing
    assert more_link(html)[1] == "See these events on Human Trafficking Trainings"


def test_hostile_text_is_escaped(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    (events / "hostile.md").write_text(
        '---\ntitle: "<script>alert(1)</script> Webinar"\ntype: webinar\nstart: "2027-02-02 14:00"\n'
        'online: true\nlocation:\n  city: "<img src=x onerror=alert(2)>"\n  region: SC\n---\nAbout it.\n',
        encoding="utf-8",
    )
    client = client_for(tmp_path, events)
    for url in ("/embed", "/embed?q=<script>alert(3)</script>", "/embed/new?q=<script>alert(3)</script>"):
        html = client.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html, url
    html = client.get("/embed").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Webinar" in html
    builder = client.get('/embed/new?q="><script>alert(4)</script>').text
    assert '"><script>' not in builder
    assert "Search: “&#34;&gt;&lt;script&gt;alert(4)&lt;/script&gt;”" in builder


# --- what it is made of -----------------------------------------------------------------------


def test_no_script_nothing_fetched_and_its_style_allowed_by_its_hash(client: TestClient) -> None:
    response = client.get("/embed?type=webinar")
    html = response.text
    assert "<script" not in html.lower()
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html) and " src=" not in html
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.S)
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    assert f"'sha256-{digest}'" == style_source()
    policy = policy_of(response)
    assert policy["default-src"] == "'none'" and "script-src" not in policy
    assert policy["style-src"] == f"'self' 'sha256-{digest}'"
    assert "prefers-color-scheme: dark" in style


@pytest.mark.parametrize(("theme", "root"), [
    ("", '<html lang="en">'), ("auto", '<html lang="en">'),
    ("light", '<html lang="en" class="theme-light">'), ("dark", '<html lang="en" class="theme-dark">'),
])
def test_light_dark_or_as_the_reader_prefers(client: TestClient, theme: str, root: str) -> None:
    assert root in client.get(f"/embed?theme={theme}").text


def test_no_cookie_set_even_for_a_coordinator(site: DeskSite) -> None:
    assert site.client.cookies, "the coordinator is logged in"
    for url in ("/embed", "/embed?type=bogus", "/embed/new"):
        response = site.client.get(url)
        assert "set-cookie" not in response.headers, url
    assert "set-cookie" not in TestClient(site.client.app).get("/embed").headers


def test_answers_304_and_head_like_the_pages(client: TestClient) -> None:
    first = client.get("/embed?type=webinar")
    again = client.get("/embed?type=webinar", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert "frame-ancestors 'self' *" in again.headers["content-security-policy"]
    head = client.head("/embed?type=webinar")
    assert head.status_code == 200 and head.content == b""


# --- framing ----------------------------------------------------------------------------------


def test_any_site_may_frame_it_by_default_and_no_other_page(client: TestClient) -> None:
    embed = client.get("/embed")
    assert policy_of(embed)["frame-ancestors"] == "'self' *"
    assert "x-frame-options" not in embed.headers
    for url in ("/", "/embed/new", "/embed/", "/embed.html", "/events/screening-runaway-homeless-youth", "/static/embed.css"):
        response = client.get(url, follow_redirects=False)
        assert policy_of(response)["frame-ancestors"] == "'none'", url
        assert response.headers["x-frame-options"] == "DENY", url


@pytest.mark.parametrize(("ancestors", "named"), [
    (["https://partner.example.org", "https://*.example.net:8443"],
     "'self' https://partner.example.org https://*.example.net:8443"),
    ([], "'self'"),
])
def test_embed_ancestors_names_who_may_frame_it(tmp_path: Path, ancestors: list[str], named: str) -> None:
    client = client_for(tmp_path, embed_ancestors=ancestors)
    for url in ("/embed", "/embed?type=bogus"):
        response = client.get(url)
        assert policy_of(response)["frame-ancestors"] == named, url
        assert "x-frame-options" not in response.headers
    assert policy_of(client.get("/"))["frame-ancestors"] == "'none'"
    assert client.get("/").headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("origin", [
    "partner.example.org", "https://partner.example.org/events", "https://a.org; script-src *",
    "https://a.org https://b.org", "'unsafe-inline'", "javascript:alert(1)", "https://",
])
def test_embed_ancestors_takes_origins_only(tmp_path: Path, origin: str) -> None:
    from calendar_app.core.errors import ConfigError

    path = tmp_path / "calendar.toml"
    path.write_text(f"[site]\nembed_ancestors = [{json.dumps(origin)}]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    (problem,) = raised.value.problems
    assert (problem.field, problem.line) == ("embed_ancestors", 2)
    assert f"{origin!r} is not a site's origin; write one such as https://partner.org" in problem.message


def test_embed_ancestors_forgives_a_trailing_slash() -> None:
    config = SiteConfig(embed_ancestors=[" https://partner.example.org/ ", "*", "http://[::1]:8080"])
    assert config.embed_ancestors == ["https://partner.example.org", "*", "http://[::1]:8080"]
    assert SiteConfig().embed_ancestors == ["*"]


# --- the page that writes the frame -----------------------------------------------------------


def snippet_of(html: str) -> str:
    match = re.search(r'<textarea id="embed-snippet"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, "no snippet on the page"
    return unescape(match.group(1))


def test_the_builder_writes_the_frame_for_these_filters(client: TestClient) -> None:
    response = client.get("/embed/new?type=webinar&online=true&limit=5&theme=dark")
    assert response.status_code == 200
    html = response.text
    snippet = snippet_of(html)
    src = unescape(re.search(r'<iframe src="([^"]+)"', snippet).group(1))  # type: ignore[union-attr]
    assert src == f"{BASE}/embed?type=webinar&online=true&limit=5&theme=dark"
    assert 'title="Upcoming events: online webinars · Human Trafficking Trainings"' in snippet
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in snippet and 'style="border: 0"' in snippet
    # The address pasted gives the list the builder previews.
    assert client.get(urlsplit(src).path + "?" + urlsplit(src).query).status_code == 200
    preview = re.search(r'<iframe src="([^"]+)"[^>]*class="embed-preview"', html)
    assert preview and unescape(preview.group(1)) == "/embed?type=webinar&online=true&limit=5&theme=dark"
    shown = text(html)
    assert "upcoming events: online webinars. The list shows the next 5, and links to the rest." in shown
    assert "Type: Webinar" in shown and "Online only" in shown
    assert '<a href="/embed/new?online=true&amp;limit=5&amp;theme=dark" class="chip">' in html  # removes the type
    assert '<a href="/?type=webinar&amp;online=true">Choose other filters on the listing</a>' in html
    # The form keeps the filters and changes the length and colours.
    hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html)
    assert hidden == [("type", "webinar"), ("online", "true")]
    assert 'value="5" required' in html and '<option value="dark" selected>' in html
    # The copy button is the site's script's to show: hidden, with its words, and no inline script.
    assert '<p class="copy-actions" hidden data-copy-for="embed-snippet"' in html
    assert not re.search(r"<script>|<script [^>]*>[^<]", html)
    assert policy_of(response)["frame-ancestors"] == "'none'"


def test_the_builder_of_every_event_and_its_bounds(client: TestClient) -> None:
    html = client.get("/embed/new").text
    src = unescape(re.search(r'<iframe src="([^"]+)"', snippet_of(html)).group(1))  # type: ignore[union-attr]
    assert src == f"{BASE}/embed?limit=10"
    assert "Every upcoming event, soonest first." in text(html)
    assert client.get("/embed/new?limit=51").status_code == 400
    assert client.get("/embed/new?type=lecture").status_code == 400


def test_the_listing_offers_to_embed_what_it_shows(client: TestClient) -> None:
    html = client.get("/?type=webinar&region=SC").text
    assert '<a href="/embed/new?type=webinar&amp;region=SC">Embed these results on your site</a>' in html
    assert '<a href="/embed/new">Embed these results on your site</a>' in client.get("/").text
    assert "Embed these results" not in client.get("/past").text


# --- the renderer, as a static build calls it -------------------------------------------------


def test_a_static_build_renders_the_same_list_with_its_own_addresses(
    sample_catalog: Catalog, sample_config: SiteConfig
) -> None:
    config = sample_config.model_copy(update={"base_url": "https://trainings.example.org"})
    catalog = Catalog(config, sample_catalog.events)
    urls = StaticUrls(StaticLayout(config, catalog, absolute=False)).full
    options = EmbedOptions.from_query([("type", "webinar"), ("limit", "2")], config, known=catalog.known)
    html = render_embed(catalog, config, options, today=NOVEMBER, urls=urls)
    items = embedded(html)
    assert [i["url"] for i in items] == [
        "https://trainings.example.org/events/screening-runaway-homeless-youth/",
        "https://trainings.example.org/events/prevention-month-wednesday-webinars/",
    ]
    assert more_link(html)[0] == "https://trainings.example.org/type/webinar/"
    # The events may come from the caller, as the build has them for the listing already.
    events = upcoming_events(catalog, options.filters, NOVEMBER)
    assert render_embed(catalog, config, options, today=NOVEMBER, urls=urls, events=events) == html


def test_options_read_back_from_their_query(sample_config: SiteConfig) -> None:
    options = EmbedOptions.from_query([("type", "webinar"), ("theme", "light"), ("limit", " 7 ")], sample_config)
    assert options == EmbedOptions(Filters(types=("webinar",)), 7, "light")
    assert EmbedOptions.from_query(options.to_query(), sample_config) == options
    assert EmbedOptions().to_query() == [("limit", "10")]  # always written: a pasted frame keeps its length


# --- in Spanish ---------------------------------------------------------------------------------


def test_the_spanish_list_writes_its_words_dates_and_links_in_spanish(client: TestClient) -> None:
    response = client.get("/es/embed?type=webinar&limit=3")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="es"' in html and "<script" not in html
    events = embedded(html)
    assert events and all(e["url"].startswith(f"{BASE}/es/events/") for e in events)
    assert all(re.search(r"\d{1,2} de [a-z]+ de 20\d\d", e["when"]) for e in events), [e["when"] for e in events]
    url, said = more_link(html)
    assert url == f"{BASE}/es/?type=webinar" and said.startswith(("Ver ", "Visite "))
    policy = policy_of(response)  # framable as the English list is
    assert policy["default-src"] == "'none'" and "frame-ancestors" in policy and "script-src" not in policy
    assert "x-frame-options" not in response.headers


def test_the_spanish_snippet_page_frames_the_spanish_list(client: TestClient) -> None:
    page = client.get("/es/embed/new?type=webinar&limit=5")
    assert page.status_code == 200 and '<html lang="es"' in page.text
    assert "Inserte estos eventos en su sitio web" in page.text
    snippet = unescape(re.search(r'<textarea id="embed-snippet"[^>]*>(.*?)</textarea>', page.text, re.S).group(1))
    assert f'src="{BASE}/es/embed?type=webinar&amp;limit=5"' in snippet
    assert 'hreflang="en"' in page.text and "/embed/new?type=webinar" in page.text  # the switch to English
    assert client.get("/es/embed/new?limit=0").status_code == 400
