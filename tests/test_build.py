"""The static build: the sample site built into a folder and served by a plain static file server
(Python's http.server), with its pages, links, feeds, JSON and sitemap checked over HTTP and
against what the server itself answers; then determinism, incremental rebuilds and the command."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from benchmarks.generate import generate
from calendar_app.build import workers
from calendar_app.build.keys import today_state
from calendar_app.build.outputtree import MANIFEST_DIR, MANIFEST_NAME
from calendar_app.build.static import build_site
from calendar_app.cli.main import main
from calendar_app.core.config import SiteConfig, load_config
from calendar_app.web.app import create_app

from .conftest import DATA, ROOT, SAMPLE_EVENTS

NOVEMBER = date(2026, 11, 23)
MANIFEST = f"{MANIFEST_DIR}/{MANIFEST_NAME}"


# --- a plain static file server ---------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class StaticServer:
    url: str
    folder: Path
    http: httpx.Client

    def get(self, path: str) -> httpx.Response:
        return self.http.get(urljoin(self.url + "/", path.lstrip("/")), follow_redirects=True)


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One client for every request: making one per request (and its TLS context) costs more than the request."""
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def static_server(tmp_path_factory: pytest.TempPathFactory, http: httpx.Client) -> Iterator[StaticServer]:
    """The sample site built with absolute links under the address it is then served at."""
    folder = tmp_path_factory.mktemp("static") / "site"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    config = _config(url)
    report = build_site(config, SAMPLE_EVENTS, folder, today=NOVEMBER, absolute=True)
    assert report.problems == [] and report.unmapped == []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield StaticServer(url, folder, http)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture(scope="module")
def server_client(static_server: StaticServer, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The application over the same events, configuration and day, to compare with."""
    state = tmp_path_factory.mktemp("state")
    return TestClient(create_app(_config(static_server.url), SAMPLE_EVENTS, today=NOVEMBER, watch=False, state_dir=state))


def _config(base_url: str) -> SiteConfig:
    return load_config(ROOT / "calendar.toml").model_copy(update={"base_url": base_url})


def _links(html: str) -> list[str]:
    return [unescape(v) for v in re.findall(r'\s(?:href|src)="([^"]*)"', html)]


def _text(html: str) -> str:
    without = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.DOTALL)
    # The server's "Suggest an event": a static host has no /suggest, so the build leaves it out.
    without = without.replace('<li><a href="/suggest">Suggest an event</a></li>', "")
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", without))).strip()


def _feed_lines_without_addresses(body: bytes) -> list[bytes]:
    """A feed's lines, unfolded, without SOURCE and URL of the calendar itself (which say where it lives)."""
    lines = body.replace(b"\r\n ", b"").split(b"\r\n")
    end = lines.index(b"BEGIN:VTIMEZONE") if b"BEGIN:VTIMEZONE" in lines else lines.index(b"BEGIN:VEVENT")
    return [line for i, line in enumerate(lines) if not (i < end and line.startswith((b"SOURCE:", b"URL:")))]


# --- served as it is --------------------------------------------------------------------------


def test_pages_are_served_at_the_servers_addresses_with_a_trailing_slash(static_server: StaticServer) -> None:
    home = static_server.get("/")
    assert home.status_code == 200 and "text/html" in home.headers["content-type"]
    assert "<h1>Upcoming trainings and events</h1>" in home.text
    assert "December 2026" in _text(home.text)
    event = static_server.get("/events/child-sex-trafficking-law-enforcement-response-columbia/")
    assert "<span lang=\"en\">Child Sex Trafficking: Law Enforcement Response</span>" in event.text
    assert "February 22 - 24, 2027 | Columbia, SC" in _text(event.text)
    # Without the slash, the static server redirects to the folder, as static hosts do.
    bare = static_server.get("/events/child-sex-trafficking-law-enforcement-response-columbia")
    assert bare.status_code == 200 and str(bare.url).endswith("-columbia/")
    assert "Past events" in static_server.get("/past/").text
    assert "National Slavery and Human Trafficking Prevention Month 2027" in static_server.get("/observances/prevention-month/").text
    assert "How to subscribe" in static_server.get("/subscribe/").text


def test_every_link_of_every_page_leads_to_a_file(static_server: StaticServer, http: httpx.Client) -> None:
    """Crawl from the home page: every link into the site answers 200 on a plain static server."""
    seen: set[str] = set()
    queue = [static_server.url + "/"]
    checked = 0
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = http.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        checked += 1
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        for link in _links(response.text):
            target = urljoin(url, link)
            if target.startswith(static_server.url):
                # Filters the static site cannot read stay as a query on the listing (the script applies them).
                queue.append(target.split("#")[0].split("?")[0])
            else:
                assert not target.startswith(("http://127.0.0.1", "webcal://127.0.0.1")) or urlsplit(target).port == int(
                    static_server.url.rsplit(":", 1)[1]
                )
    assert checked > 100  # pages, feeds, JSON and assets
    slugs = [p.stem for p in SAMPLE_EVENTS.rglob("*.md")]
    assert [s for s in slugs if f"{static_server.url}/events/{s}/" not in seen] == []  # every event reached


def test_each_event_page_is_the_servers_page_with_links_into_the_build(
    static_server: StaticServer, server_client: TestClient
) -> None:
    slugs = sorted(server_client.app.state.site.catalog.by_slug)  # type: ignore[attr-defined]
    assert len(slugs) > 25
    site = static_server.url
    for slug in slugs:
        served = server_client.get(f"/events/{slug}").text
        built = (static_server.folder / "events" / slug / "index.html").read_text(encoding="utf-8")
        assert _text(built) == _text(served)
        # Links elsewhere are the server's; links into the site name files the build wrote.
        assert [u for u in _links(built) if not u.startswith(site)] == [
            u for u in _links(served) if not u.startswith((site, "/"))
        ], slug
        for link in _links(built):
            path = urlsplit(link).path.lstrip("/")
            if link.startswith(site + "/") and not urlsplit(link).query:
                assert (static_server.folder / (path + "index.html" if path.endswith("/") or not path else path)).is_file(), link


def test_listing_pages_per_type_and_per_sponsor_stand_in_for_the_filters(
    static_server: StaticServer, server_client: TestClient
) -> None:
    for static_path, query in [("/type/webinar/", "type=webinar"), ("/sponsor/ojjdp/", "sponsor=OJJDP"), ("/page/2/", "page=2")]:
        built = static_server.get(static_path).text
        served = server_client.get("/?" + query).text
        entries = re.findall(r'<h3 class="entry-title">.*?</h3>', served, re.DOTALL)
        assert entries and [_text(e) for e in re.findall(r'<h3 class="entry-title">.*?</h3>', built, re.DOTALL)] == [_text(e) for e in entries]
        count = re.search(r'<p class="results-count" id="results">(.*?)</p>', served, re.DOTALL)
        assert count is not None and count.group(1) in built
    webinars = static_server.get("/type/webinar/").text
    assert set(re.findall(r'<span class="entry-type">(.*?)</span>', webinars)) == {"Webinar"}
    # Readers without scripts get links to those pages inside the filter panel.
    home = static_server.get("/").text
    note = re.search(r"<noscript>(.*?)</noscript>", home, re.DOTALL)
    assert note is not None
    assert f'href="{static_server.url}/type/webinar/"' in note.group(1)
    assert f'href="{static_server.url}/sponsor/ojjdp/"' in note.group(1)


def test_feeds_parse_and_hold_what_the_server_serves(static_server: StaticServer, server_client: TestClient) -> None:
    full = static_server.get("/calendar.ics")
    assert full.content == server_client.get("/calendar.ics").content  # its own address is the server's
    calendar = Calendar.from_ical(full.content)
    assert len(calendar.walk("VEVENT")) > 25
    for static_path, query in [
        ("/type/webinar/calendar.ics", "type=webinar"),
        ("/sponsor/ojjdp/calendar.ics", "sponsor=OJJDP"),
        ("/type/observance/calendar.ics", "type=observance"),
    ]:
        built = static_server.get(static_path).content
        served = server_client.get("/calendar.ics?" + query).content
        assert _feed_lines_without_addresses(built) == _feed_lines_without_addresses(served), static_path
        parsed = Calendar.from_ical(built)
        assert str(parsed["SOURCE"]) == static_server.url + static_path
        assert len(parsed.walk("VEVENT")) == len(Calendar.from_ical(served).walk("VEVENT"))
    webinars = Calendar.from_ical(static_server.get("/type/webinar/calendar.ics").content)
    assert all("webinar" in [str(c) for c in v["CATEGORIES"].cats] for v in webinars.walk("VEVENT"))
    for static_path, server_path in [
        ("/observances/prevention-month.ics", "/observances/prevention-month.ics"),
        ("/observances/prevention-month/2027.ics", "/observances/prevention-month.ics?year=2027"),
        ("/events/prevention-month-wednesday-webinars.ics", "/events/prevention-month-wednesday-webinars.ics"),
    ]:
        built = static_server.get(static_path).content
        served = server_client.get(server_path).content
        assert _feed_lines_without_addresses(built) == _feed_lines_without_addresses(served), static_path
        assert Calendar.from_ical(built).walk("VEVENT")


def _without_links(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_links(v) for k, v in data.items() if k != "links"}
    if isinstance(data, list):
        return [_without_links(v) for v in data]
    return data


def test_atom_feeds_name_their_own_addresses(static_server: StaticServer, server_client: TestClient) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    built = ET.fromstring(static_server.get("/type/webinar/feed.atom").content)
    served = ET.fromstring(server_client.get("/feed.atom?type=webinar").content)
    links = {link.get("rel"): link.get("href") for link in built.findall(f"{atom}link")}
    assert links == {"self": f"{static_server.url}/type/webinar/feed.atom", "alternate": f"{static_server.url}/type/webinar/"}
    assert built.findtext(f"{atom}id") == f"{static_server.url}/type/webinar/feed.atom"
    titles = [e.findtext(f"{atom}title") for e in built.findall(f"{atom}entry")]
    assert titles and titles == [e.findtext(f"{atom}title") for e in served.findall(f"{atom}entry")]


def test_json_is_the_apis_with_addresses_into_the_build(static_server: StaticServer, server_client: TestClient) -> None:
    url = static_server.url
    built = static_server.get("/api/events.json").json()
    served = server_client.get("/api/events").json()
    assert _without_links(built) == _without_links(served)
    assert built["events"][0]["links"]["page"] == f"{url}/events/{built['events'][0]['slug']}/"
    assert built["links"]["next"] == f"{url}/api/events/upcoming/2.json"
    assert built["links"]["html"] == f"{url}/"
    assert static_server.get(built["links"]["next"]).json()["page"] == 2
    assert static_server.get("/api/events/past/1.json").json()["past"] is True
    typed = static_server.get("/api/events/type/webinar/1.json").json()
    assert typed["total"] == server_client.get("/api/events?type=webinar").json()["total"]
    assert typed["links"]["ics"] == f"{url}/type/webinar/calendar.ics"
    slug = "child-sex-trafficking-law-enforcement-response-columbia"
    one = static_server.get(f"/api/events/{slug}.json").json()
    served_one = server_client.get(f"/api/events/{slug}").json()
    assert _without_links(one) == _without_links(served_one)
    assert one["links"]["page"] == f"{url}/events/{slug}/"
    assert one["links"]["ics"] == f"{url}/events/{slug}.ics"
    # What the browser filters: every upcoming event, in the listing's order, with its entry rendered.
    index = static_server.get("/api/upcoming.json").json()
    assert index["page_size"] == 20 and index["past"] is False
    assert len(index["events"]) == served["total"]
    assert index["events"][0]["slug"] == served["events"][0]["slug"]
    first = index["events"][0]
    assert first["html"].startswith('<li class="entry') and f'{url}/events/{first["slug"]}/' in first["html"]
    assert index["feeds"]["type:webinar"]["https"] == f"{url}/type/webinar/calendar.ics"
    past = static_server.get("/api/past.json").json()
    assert len(past["events"]) == server_client.get("/api/events?past=true").json()["total"]


def test_sitemap_lists_the_indexable_pages_and_every_address_answers(static_server: StaticServer, http: httpx.Client) -> None:
    root = ET.fromstring(static_server.get("/sitemap.xml").content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [loc.text or "" for loc in root.findall("s:url/s:loc", ns)]
    assert f"{static_server.url}/" in locations
    event_pages = [u for u in locations if "/events/" in u and "/es/" not in u]
    assert len(event_pages) == len(list(SAMPLE_EVENTS.rglob("*.md")))
    # Each page in Spanish too.
    assert f"{static_server.url}/es/" in locations
    assert sorted(u for u in locations if "/es/events/" in u) == sorted(u.replace("/events/", "/es/events/") for u in event_pages)
    assert not any("/type/" in u or "/page/" in u for u in locations)  # filtered and later pages are noindex
    for location in locations:
        assert http.get(location).status_code == 200, location
    assert f"Sitemap: {static_server.url}/sitemap.xml" in static_server.get("/robots.txt").text


def test_assets_and_the_not_found_page(static_server: StaticServer) -> None:
    assert static_server.get("/static/style.css").status_code == 200
    script = static_server.get("/static/static-filter.js")
    assert script.status_code == 200 and "data-calendar-index" in script.text
    not_found = (static_server.folder / "404.html").read_text(encoding="utf-8")
    assert "Page not found" in not_found
    assert f'href="{static_server.url}/static/style.css"' in not_found  # served at any depth: absolute links


# --- relative links ----------------------------------------------------------------------------


def test_relative_links_let_the_site_live_under_any_folder(tmp_path: Path, http: httpx.Client) -> None:
    out = tmp_path / "site"
    report = build_site(_config("https://trainings.example.org"), SAMPLE_EVENTS, out, today=NOVEMBER)
    assert report.unmapped == []
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="static/style.css"' in home and 'href="type/webinar/"' in home and 'action="./"' in home
    page = (out / "events" / "screening-runaway-homeless-youth" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../static/style.css"' in page and 'href="../../subscribe/"' in page
    assert 'href="../../?topic=youth"' in page  # a filter the build has no page for: the script applies it
    # Feeds, subscribe links and the canonical address need full addresses: the configured base_url.
    assert 'href="webcal://trainings.example.org/calendar.ics"' in home
    assert 'value="https://trainings.example.org/type/webinar/calendar.ics"' in (out / "type" / "webinar" / "index.html").read_text(
        encoding="utf-8"
    )
    assert 'href="https://trainings.example.org/events/screening-runaway-homeless-youth/"' in page
    # Served from a subfolder, every relative link still resolves inside the build.
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        host = f"http://127.0.0.1:{httpd.server_address[1]}/"
        base = host + "site/"
        targets: set[str] = set()
        for page_url in (base, base + "events/screening-runaway-homeless-youth/", base + "past/", base + "type/webinar/"):
            response = http.get(page_url)
            assert response.status_code == 200
            for link in _links(response.text):
                target = urljoin(page_url, link)
                if target.startswith(host):
                    assert target.startswith(base), (page_url, link)
                    targets.add(target.split("?")[0])
        for target in sorted(targets):
            assert http.get(target).status_code == 200, target
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_descriptions_and_odd_files_keep_their_text(tmp_path: Path, sample_config: SiteConfig) -> None:
    """The rewriting touches links in tags only: hostile or odd descriptions read as the server shows them."""
    events = tmp_path / "events"
    shutil.copytree(DATA / "valid", events)
    out = tmp_path / "site"
    report = build_site(sample_config, events, out, today=NOVEMBER)
    assert report.problems == []
    client = TestClient(create_app(sample_config, events, today=NOVEMBER, watch=False, state_dir=tmp_path))
    for page in sorted((out / "events").glob("*/index.html")):
        slug = page.parent.name
        assert _text(page.read_text(encoding="utf-8")) == _text(client.get(f"/events/{slug}").text), slug
    assert "Suggest an event" not in (out / "index.html").read_text(encoding="utf-8")  # no /suggest on a static host
    hostile = (out / "events" / "markdown-with-script-in-body" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in hostile


# --- deterministic and incremental ---------------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _manifest_without_stamps(folder: Path) -> dict[str, Any]:
    data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    data.pop("stamps")
    return data


def _same_outputs(a: Path, b: Path) -> None:
    left, right = _tree(a), _tree(b)
    left.pop(MANIFEST), right.pop(MANIFEST)
    assert sorted(left) == sorted(right)
    assert [p for p in left if left[p] != right[p]] == []
    assert _manifest_without_stamps(a) == _manifest_without_stamps(b)


def test_the_same_input_gives_the_same_bytes(tmp_path: Path, sample_config: SiteConfig) -> None:
    first = build_site(sample_config, SAMPLE_EVENTS, tmp_path / "a", today=NOVEMBER)
    build_site(sample_config, SAMPLE_EVENTS, tmp_path / "b", today=NOVEMBER)
    assert first.files > 150
    _same_outputs(tmp_path / "a", tmp_path / "b")
    stamps = json.loads((tmp_path / "a" / MANIFEST).read_text(encoding="utf-8"))["stamps"]
    assert set(stamps) == {"built_at", "today"} and stamps["today"] == "2026-11-23"


def _copy_events(tmp_path: Path) -> Path:
    events = tmp_path / "events"
    shutil.copytree(SAMPLE_EVENTS, events)
    return events


def test_a_rebuild_without_changes_writes_nothing(tmp_path: Path, sample_config: SiteConfig) -> None:
    out = tmp_path / "site"
    build_site(sample_config, SAMPLE_EVENTS, out, today=NOVEMBER)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and MANIFEST_DIR not in p.parts}
    again = build_site(sample_config, SAMPLE_EVENTS, out, today=NOVEMBER)
    assert again.written == [] and again.removed == [] and again.events_rendered == 0
    assert again.events_kept == len(list(SAMPLE_EVENTS.rglob("*.md")))
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


def test_one_changed_event_rewrites_only_what_shows_it(tmp_path: Path, sample_config: SiteConfig) -> None:
    events = _copy_events(tmp_path)
    out = tmp_path / "site"
    build_site(sample_config, events, out, today=NOVEMBER)
    source = next(events.rglob("screening-runaway-homeless-youth.md"))
    source.write_text(source.read_text(encoding="utf-8").replace(
        'title: "Screening Runaway and Homeless Youth for Trafficking Experiences"',
        'title: "Screening Runaway and Homeless Youth (Renamed)"',
    ), encoding="utf-8")
    assert "(Renamed)" in source.read_text(encoding="utf-8")
    report = build_site(sample_config, events, out, today=NOVEMBER)
    assert report.events_rendered == 1
    written = set(report.written)
    assert {"events/screening-runaway-homeless-youth/index.html", "events/screening-runaway-homeless-youth.ics",
            "api/events/screening-runaway-homeless-youth.json", "index.html", "calendar.ics",
            "type/webinar/index.html", "type/webinar/calendar.ics", "api/upcoming.json"} <= written
    assert not any(p.startswith("events/") and "screening-runaway" not in p for p in written)
    assert "Screening Runaway and Homeless Youth (Renamed)" in (out / "index.html").read_text(encoding="utf-8")
    fresh = tmp_path / "fresh"
    build_site(sample_config, events, fresh, today=NOVEMBER)
    _same_outputs(out, fresh)


def test_a_deleted_event_takes_its_files_along(tmp_path: Path, sample_config: SiteConfig) -> None:
    events = _copy_events(tmp_path)
    out = tmp_path / "site"
    build_site(sample_config, events, out, today=NOVEMBER)
    (out / "CNAME").write_text("trainings.example.org\n", encoding="utf-8")  # the host's file, not the build's
    next(events.rglob("screening-runaway-homeless-youth.md")).unlink()
    report = build_site(sample_config, events, out, today=NOVEMBER)
    assert {"events/screening-runaway-homeless-youth/index.html", "events/screening-runaway-homeless-youth.ics",
            "api/events/screening-runaway-homeless-youth.json"} <= set(report.removed)
    assert not (out / "events" / "screening-runaway-homeless-youth").exists()
    assert (out / "CNAME").read_text(encoding="utf-8") == "trainings.example.org\n"
    (out / "CNAME").unlink()
    fresh = tmp_path / "fresh"
    build_site(sample_config, events, fresh, today=NOVEMBER)
    _same_outputs(out, fresh)


@pytest.mark.parametrize("days", [1, 12, 40, 75])
def test_a_later_day_gives_what_a_fresh_build_of_that_day_gives(tmp_path: Path, sample_config: SiteConfig, days: int) -> None:
    """Events kept from the day before must be exactly the ones a new day leaves unchanged."""
    out = tmp_path / "site"
    build_site(sample_config, SAMPLE_EVENTS, out, today=NOVEMBER)
    later = NOVEMBER + timedelta(days=days)
    report = build_site(sample_config, SAMPLE_EVENTS, out, today=later)
    assert report.events_kept > 0
    fresh = tmp_path / "fresh"
    build_site(sample_config, SAMPLE_EVENTS, fresh, today=later)
    _same_outputs(out, fresh)


def test_today_state_changes_when_a_session_ends(sample_config: SiteConfig) -> None:
    from calendar_app.core.clock import Clock
    from calendar_app.files.site import Site

    site = Site(sample_config, SAMPLE_EVENTS, Clock(sample_config.zone, NOVEMBER))
    series = site.catalog.by_slug["prevention-month-wednesday-webinars"]
    states = {today_state(series, date(2027, 1, d)) for d in range(1, 32)}
    assert len(states) > 3  # each Wednesday's session ending moves its next session on


def test_a_folder_with_other_files_is_refused(tmp_path: Path, sample_config: SiteConfig) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("someone's page", encoding="utf-8")
    from calendar_app.build.outputtree import BuildError

    with pytest.raises(BuildError, match="not empty and holds no earlier build"):
        build_site(sample_config, SAMPLE_EVENTS, out, today=NOVEMBER)
    assert (out / "index.html").read_text(encoding="utf-8") == "someone's page"


def test_a_first_build_cut_short_is_taken_up_by_the_next(tmp_path: Path, sample_config: SiteConfig) -> None:
    from calendar_app.build import static as build_module

    out = tmp_path / "site"

    def fail(self: object) -> None:
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build_module._Builder, "sitemap", fail)
        with pytest.raises(KeyboardInterrupt):
            build_site(sample_config, SAMPLE_EVENTS, out, today=NOVEMBER)
    assert (out / "index.html").exists() and not (out / "sitemap.xml").exists()
    report = build_site(sample_config, SAMPLE_EVENTS, out, today=NOVEMBER)
    assert (out / "sitemap.xml").exists() and report.files > 150
    fresh = tmp_path / "fresh"
    build_site(sample_config, SAMPLE_EVENTS, fresh, today=NOVEMBER)
    _same_outputs(out, fresh)


def test_files_are_readable_by_a_web_server(tmp_path: Path, sample_config: SiteConfig) -> None:
    out = tmp_path / "site"
    build_site(sample_config, SAMPLE_EVENTS, out, today=NOVEMBER)
    assert (out / "index.html").stat().st_mode & 0o044 == 0o044


# --- the command ------------------------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["build", *args, "--config", str(ROOT / "calendar.toml"), "--today", "2026-11-23", "--no-cache"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_command_builds_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    code, stdout, _ = _run(capsys, str(out), "--events", str(SAMPLE_EVENTS), "--base-url", "https://trainings.example.org/")
    assert code == 0
    assert re.match(rf"Built {re.escape(str(out))}: [\d,]+ files \([\d,]+ written, 0 unchanged, 0 removed\); \d+ events rendered, 0 kept", stdout)
    assert 'href="https://trainings.example.org/past/"' in (out / "index.html").read_text(encoding="utf-8")
    code, stdout, _ = _run(capsys, str(out), "--events", str(SAMPLE_EVENTS), "--base-url", "https://trainings.example.org")
    assert code == 0 and "(0 written," in stdout


def test_command_reports_bad_files_and_builds_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = _copy_events(tmp_path)
    (events / "2027" / "broken.md").write_text("---\ntitle: Broken\ntype: webinar\n---\n", encoding="utf-8")
    code, stdout, stderr = _run(capsys, str(tmp_path / "site"), "--events", str(events))
    assert code == 1
    assert "broken.md:1: start: is required" in stderr
    assert stdout.startswith("Built ") and not (tmp_path / "site" / "events" / "broken").exists()
    code, stdout, stderr = _run(capsys, str(tmp_path / "strict"), "--events", str(events), "--strict")
    assert code == 1 and "nothing was written" in stderr and not (tmp_path / "strict").exists()


def test_command_refuses_a_bad_base_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = _run(capsys, str(tmp_path / "site"), "--base-url", "trainings.example.org")
    assert code == 2 and "--base-url: must start with http:// or https://" in stderr


def test_a_series_with_changed_occurrences_builds_as_the_server_serves_it(tmp_path: Path, sample_config: SiteConfig) -> None:
    events = tmp_path / "events"
    events.mkdir()
    shutil.copy(DATA / "valid" / "recurring-with-extra-and-changes.md", events / "wednesdays.md")
    out = tmp_path / "site"
    report = build_site(sample_config, events, out, today=date(2027, 2, 1))
    assert report.problems == []
    page = _text((out / "events" / "wednesdays" / "index.html").read_text(encoding="utf-8"))
    assert "(moved from Wednesday, January 27, 2027, 1 p.m. ET)" in page and "(added)" in page
    download = next((out / "events").glob("wednesdays*.ics")).read_bytes()
    assert download.count(b"BEGIN:VEVENT") == 4 and download.count(b"RECURRENCE-ID;") == 3
    assert (out / "calendar.ics").read_bytes().count(b"RECURRENCE-ID;") == 3


# --- in parallel, and incremental at a few hundred events ---------------------------------------------


def _files(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every file of a build but its manifest: its content's digest, modification time and inode."""
    found = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != MANIFEST_NAME:
            st = p.stat()
            found[p.relative_to(folder).as_posix()] = (hashlib.sha256(p.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_ino)
    return found


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few hundred generated events (the benchmarks' generator), more than a parallel build renders here."""
    return generate(300, tmp_path_factory.mktemp("generated") / "events")


def test_a_parallel_build_gives_the_bytes_of_one_process(
    tmp_path: Path, sample_config: SiteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "PARALLEL_FROM", 1)  # the sample site's few events shared by two workers too
    one = build_site(sample_config, SAMPLE_EVENTS, tmp_path / "one", today=NOVEMBER, jobs=1)
    two = build_site(sample_config, SAMPLE_EVENTS, tmp_path / "two", today=NOVEMBER, jobs=2)
    assert two.events_rendered == one.events_rendered > 25 and two.unmapped == one.unmapped == []
    _same_outputs(tmp_path / "one", tmp_path / "two")


def test_a_parallel_build_of_a_few_hundred_events_gives_the_same_bytes(
    tmp_path: Path, sample_config: SiteConfig, generated: Path
) -> None:
    one = build_site(sample_config, generated, tmp_path / "one", today=NOVEMBER, jobs=1)
    two = build_site(sample_config, generated, tmp_path / "two", today=NOVEMBER, jobs=2)
    assert one.problems == [] and two.events_rendered == 300 >= workers.PARALLEL_FROM
    assert two.bytes_written == one.bytes_written and sorted(two.written) == sorted(one.written)
    _same_outputs(tmp_path / "one", tmp_path / "two")


def test_an_unchanged_rebuild_writes_no_file(tmp_path: Path, sample_config: SiteConfig, generated: Path) -> None:
    out = tmp_path / "site"
    build_site(sample_config, generated, out, today=NOVEMBER, jobs=2)
    before = _files(out)
    again = build_site(sample_config, generated, out, today=NOVEMBER, jobs=2)
    assert again.written == [] and again.removed == [] and again.bytes_written == 0
    assert again.events_rendered == 0 and again.events_kept == 300
    assert _files(out) == before  # same bytes, same modification times, same inodes


def test_one_changed_file_rewrites_its_page_and_what_lists_it(
    tmp_path: Path, sample_config: SiteConfig, generated: Path
) -> None:
    events = tmp_path / "events"
    shutil.copytree(generated, events)
    out = tmp_path / "site"
    build_site(sample_config, events, out, today=NOVEMBER, jobs=2)
    before = _files(out)
    index = json.loads((out / "api" / "upcoming.json").read_text(encoding="utf-8"))
    slug = index["events"][3]["slug"]  # on the listing's first page, and in its type's
    source = next(events.rglob(f"{slug}.md"))
    text = source.read_text(encoding="utf-8")
    title = re.search(r"^title: (.*)$", text, re.MULTILINE)
    assert title is not None
    source.write_text(text.replace(title.group(0), 'title: "A Retitled Session"'), encoding="utf-8")
    report = build_site(sample_config, events, out, today=NOVEMBER, jobs=2)
    after = _files(out)
    changed = {p for p in after if p not in before or after[p][0] != before[p][0]}
    assert report.events_rendered == 1 and report.removed == []
    assert set(report.written) == changed - {p for p in changed if p.startswith(MANIFEST_DIR)}
    kind = next(e["type"] for e in index["events"] if e["slug"] == slug)
    assert {f"events/{slug}/index.html", f"events/{slug}.ics", f"api/events/{slug}.json", "index.html",
            "api/events.json", "calendar.ics", "feed.atom", f"type/{kind}/index.html", f"type/{kind}/calendar.ics",
            "api/upcoming.json"} <= changed
    assert not any(p.startswith("events/") and slug not in p for p in changed)  # no other event's files
    assert len(changed) < 40
    unchanged = [p for p in after if p not in changed]
    assert [p for p in unchanged if after[p][1:] != before[p][1:]] == []  # not rewritten either
    assert "A Retitled Session" in (out / "index.html").read_text(encoding="utf-8")
    fresh = tmp_path / "fresh"
    build_site(sample_config, events, fresh, today=NOVEMBER)
    _same_outputs(out, fresh)


def test_one_type_is_published_as_its_first_page_and_the_browser_pages_on(
    tmp_path: Path, sample_config: SiteConfig, generated: Path
) -> None:
    out = tmp_path / "site"
    build_site(sample_config, generated, out, today=NOVEMBER)
    webinars = (out / "type" / "webinar" / "index.html").read_text(encoding="utf-8")
    assert not (out / "type" / "webinar" / "page").exists()
    assert 'href="../../?type=webinar&amp;page=2"' in webinars  # the listing, filtered in the browser
    assert "This page shows the first 20 of these events" in webinars
    assert (out / "api" / "events" / "type" / "webinar" / "2.json").is_file()  # every page of the JSON stays
    assert (out / "page" / "2" / "index.html").is_file() and (out / "past" / "page" / "2" / "index.html").is_file()
