"""The static build in both languages, and its embedded lists: the Spanish pages and feeds under
`es/` as a reader and a calendar app meet them, the links between the languages, and the
embedded list of each listing with a folder of its own."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from html import unescape
from pathlib import Path

import pytest

from calendar_app.build import keys
from calendar_app.build.static import build_site
from calendar_app.core.config import SiteConfig, load_config

from .conftest import ROOT, SAMPLE_EVENTS

NOVEMBER = date(2026, 11, 23)
SITE = "https://trainings.example.org"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site built with full addresses, as it would be published."""
    out = tmp_path_factory.mktemp("languages") / "site"
    config = load_config(ROOT / "calendar.toml").model_copy(update={"base_url": SITE})
    report = build_site(config, SAMPLE_EVENTS, out, today=NOVEMBER, absolute=True)
    assert report.problems == [] and report.unmapped == []
    return out


def _read(out: Path, path: str) -> str:
    return (out / path).read_text(encoding="utf-8")


def _file_of(out: Path, url: str) -> Path:
    """The file of the build that a full address under the site names."""
    assert url.startswith(SITE + "/"), url
    path = url[len(SITE) + 1 :].split("?")[0]
    return out / (path + "index.html" if path.endswith("/") or not path else path)


def _vevents(feed: bytes) -> list[bytes]:
    return re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", feed, re.DOTALL)


def test_the_spanish_listing_is_written_in_spanish(built: Path) -> None:
    home = _read(built, "es/index.html")
    assert '<html lang="es">' in home
    assert "<h1>Próximas capacitaciones y eventos</h1>" in home
    assert f'href="{SITE}/es/events/screening-runaway-homeless-youth/"' in home
    assert f'href="{SITE}/es/past/"' in home
    # The language switch leads to the same page in English, and back.
    assert f'<a href="{SITE}/" hreflang="en" lang="en" rel="alternate">English</a>' in home
    assert f'<a href="{SITE}/es/" hreflang="es" lang="es" rel="alternate">Español</a>' in _read(built, "index.html")
    for path in ("es/past/index.html", "es/page/2/index.html", "es/type/webinar/index.html",
                 "es/sponsor/ojjdp/index.html", "es/observances/index.html", "es/subscribe/index.html",
                 "es/help/subscribe/index.html", "es/observances/prevention-month/index.html", "es/404.html"):
        assert '<html lang="es">' in _read(built, path), path
    assert "Por tipo" in home and "Seminario web" in home  # the listings for readers without scripts


def test_a_spanish_event_page_gives_its_dates_in_spanish(built: Path) -> None:
    page = _read(built, "es/events/fy-2027-ecm-pre-application-webinar/index.html")
    assert "de enero de 2027" in page
    assert f'<link rel="alternate" hreflang="en" href="{SITE}/events/fy-2027-ecm-pre-application-webinar/">' in page


def test_spanish_feeds_are_named_in_spanish_around_the_same_vevents(built: Path) -> None:
    for english, spanish in [
        ("calendar.ics", "es/calendar.ics"),
        ("type/webinar/calendar.ics", "es/type/webinar/calendar.ics"),
        ("sponsor/ojjdp/calendar.ics", "es/sponsor/ojjdp/calendar.ics"),
        ("observances/prevention-month.ics", "es/observances/prevention-month.ics"),
        ("observances/prevention-month/2027.ics", "es/observances/prevention-month/2027.ics"),
    ]:
        en, es = (built / english).read_bytes(), (built / spanish).read_bytes()
        assert _vevents(es) and _vevents(es) == _vevents(en), spanish
        name = re.search(rb"X-WR-CALNAME:(.*?)\r\n(?! )", es.replace(b"\r\n ", b""))
        assert name is not None and name.group(1).decode().startswith("Capacitaciones"), spanish
        assert f"SOURCE:{SITE}/{spanish}\r\n".encode() in es.replace(b"\r\n ", b"")
    spanish = _read(built, "es/index.html")
    assert f"webcal://{SITE.split('://')[1]}/es/calendar.ics" in spanish


def test_every_hreflang_link_leads_to_a_file_of_the_build(built: Path) -> None:
    pages = [p for p in built.rglob("*.html") if "embed" not in p.parts and p.name != "404.html"]
    assert len(pages) > 60
    for page in pages:
        alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page.read_text(encoding="utf-8"))
        assert {lang for lang, _href in alternates} == {"en", "es", "x-default"}, page
        for _lang, href in alternates:
            assert _file_of(built, unescape(href)).is_file(), f"{page}: {href}"


def test_the_sitemap_lists_the_spanish_pages(built: Path) -> None:
    sitemap = _read(built, "sitemap.xml")
    assert f"<loc>{SITE}/es/</loc>" in sitemap
    assert f"<loc>{SITE}/es/events/fy-2027-ecm-pre-application-webinar/</loc>" in sitemap


def test_the_spanish_listing_filters_in_spanish_in_the_browser(built: Path) -> None:
    """The script reads the Spanish entries and its words from the Spanish page."""
    home = _read(built, "es/index.html")
    assert f'href="{SITE}/es/api/upcoming.json" data-calendar-index' in home
    script_words = re.search(r'<script type="application/json" id="filter-words">(.*?)</script>', home, re.DOTALL)
    assert script_words is not None
    said = json.loads(unescape(script_words.group(1)))
    one, other = said["%(num)d upcoming event"]  # the plural's two forms, as the catalog has them
    assert "%(num)d" in one and "evento" in one and "%(num)d" in other and "eventos" in other
    assert said["Previous"] == "Anterior" and said["webinars"] == "seminarios web"
    assert 'id="filter-words"' not in _read(built, "index.html")  # English is the script's own
    index = json.loads(_read(built, "es/api/upcoming.json"))
    first = index["events"][0]
    assert "de diciembre de 2026" in first["html"] and first["month_title"] == "Diciembre de 2026"
    # Its links are relative to es/, where the script resolves them from.
    assert 'href="https://trainings.example.org/es/events/' in first["html"]
    assert index["feeds"]["all"]["https"] == f"{SITE}/es/calendar.ics"


def test_each_listing_with_a_folder_has_its_embedded_list(built: Path) -> None:
    listings = ["", *(p.parent.relative_to(built).as_posix() + "/" for p in built.glob("type/*/index.html")),
                *(p.parent.relative_to(built).as_posix() + "/" for p in built.glob("sponsor/*/index.html"))]
    assert len(listings) > 5
    for folder in listings:
        for lang in ("", "es/"):
            embed = _read(built, f"{lang}{folder}embed/index.html")
            assert "<script" not in embed and "<style>" in embed
            links = [unescape(u) for u in re.findall(r'href="([^"]*)"', embed)]
            assert links, folder
            for link in links:
                assert link.startswith(f"{SITE}/{lang}"), link  # full addresses into the build, in its language
                assert _file_of(built, link).is_file(), link
    webinars = _read(built, "es/type/webinar/embed/index.html")
    assert '<html lang="es">' in webinars and "seminarios web" in webinars


def test_embeds_are_not_in_the_sitemap(built: Path) -> None:
    assert "/embed/" not in _read(built, "sitemap.xml")


def test_a_changed_event_rewrites_its_pages_in_both_languages(tmp_path: Path, sample_config: SiteConfig) -> None:
    events = tmp_path / "events"
    shutil.copytree(SAMPLE_EVENTS, events)
    out = tmp_path / "site"
    build_site(sample_config, events, out, today=NOVEMBER)
    source = next(events.rglob("screening-runaway-homeless-youth.md"))
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace(
        'title: "Screening Runaway and Homeless Youth for Trafficking Experiences"',
        'title: "Screening Runaway and Homeless Youth (Renamed)"',
    ), encoding="utf-8")
    written = set(build_site(sample_config, events, out, today=NOVEMBER).written)
    slug = "screening-runaway-homeless-youth"
    assert {f"events/{slug}/index.html", f"es/events/{slug}/index.html", "index.html", "es/index.html",
            "calendar.ics", "es/calendar.ics", "api/upcoming.json", "es/api/upcoming.json",
            "embed/index.html", "es/embed/index.html"} <= written
    assert not any(re.match(r"(es/)?events/", p) and slug not in p for p in written)  # no other event's page
    assert "(Renamed)" in _read(out, f"es/events/{slug}/index.html")
    assert build_site(sample_config, events, out, today=NOVEMBER).written == []


def test_a_new_translation_changes_the_code_fingerprint(
    tmp_path: Path, sample_config: SiteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = tmp_path / "locale" / "es" / "LC_MESSAGES" / "messages.mo"
    catalog.parent.mkdir(parents=True)
    catalog.write_bytes(b"one translation")
    monkeypatch.setattr(keys, "PACKAGE_DIR", tmp_path)
    before = keys.code_fingerprint(sample_config, False)
    catalog.write_bytes(b"another translation")
    assert keys.code_fingerprint(sample_config, False) != before
