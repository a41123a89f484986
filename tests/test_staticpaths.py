"""Server addresses mapped to the files of a static build, and links in pages rewritten to match."""

from __future__ import annotations

from pathlib import Path

import pytest

from calendar_app.core.catalog import Catalog
from calendar_app.core.config import SiteConfig
from calendar_app.core.loader import load_events
from calendar_app.build.staticpaths import StaticPaths, path_segment

from .conftest import SAMPLE_EVENTS

BASE = "https://trainings.example.org"


@pytest.fixture(scope="module")
def paths(sample_config: SiteConfig) -> StaticPaths:
    config = sample_config.model_copy(update={"base_url": BASE})
    return StaticPaths(config, Catalog(config, load_events(SAMPLE_EVENTS, config).events), absolute=False)


@pytest.mark.parametrize(
    ("address", "target"),
    [
        ("/", ""),
        ("/?page=3", "page/3/"),
        ("/past", "past/"),
        ("/past?page=2", "past/page/2/"),
        ("/?type=webinar", "type/webinar/"),
        ("/?type=webinar&page=2", "type/webinar/page/2/"),
        ("/?sponsor=ojjdp", "sponsor/ojjdp/"),  # tags match whatever their case
        ("/?topic=youth", "?topic=youth"),  # no page of its own: the listing applies it in the browser
        ("/?type=webinar&online=true", "?type=webinar&online=true"),
        ("/past?type=webinar", "past/?type=webinar"),
        ("/events/screening-runaway-homeless-youth", "events/screening-runaway-homeless-youth/"),
        ("/events/screening-runaway-homeless-youth.ics", "events/screening-runaway-homeless-youth.ics"),
        ("/calendar.ics", "calendar.ics"),
        ("/calendar.ics?type=training", "type/training/calendar.ics"),
        ("/calendar.ics?observance=prevention-month", "observances/prevention-month.ics"),
        ("/feed.atom?sponsor=OJJDP", "sponsor/ojjdp/feed.atom"),
        ("/observances/prevention-month?year=2027", "observances/prevention-month/2027/"),
        ("/observances/prevention-month.ics?year=2027", "observances/prevention-month/2027.ics"),
        ("/api/events", "api/events.json"),
        ("/api/events?page=2", "api/events/upcoming/2.json"),
        ("/api/events?past=true", "api/events/past/1.json"),
        ("/api/events?type=webinar", "api/events/type/webinar/1.json"),
        ("/api/events/screening-runaway-homeless-youth", "api/events/screening-runaway-homeless-youth.json"),
        ("/help/subscribe", "help/subscribe/"),
        ("/static/style.css", "static/style.css"),
    ],
)
def test_server_addresses_and_their_files(paths: StaticPaths, address: str, target: str) -> None:
    path, _, query = address.partition("?")
    assert paths.target(path, query) == target


@pytest.mark.parametrize(
    "address",
    ["/calendar.ics?type=webinar&online=true", "/events/no-such-event", "/manage", "/api/events?topic=youth", "/openapi.json"],
)
def test_addresses_only_the_server_answers(paths: StaticPaths, address: str) -> None:
    path, _, query = address.partition("?")
    assert paths.target(path, query) is None


def test_links_become_relative_to_the_page_or_full_addresses(paths: StaticPaths) -> None:
    assert paths.link("/", "") == "./"
    assert paths.link("/", "events/some-event/") == "../../"
    assert paths.link("/?topic=youth", "") == "./?topic=youth"
    assert paths.link("/subscribe#google", "type/webinar/") == "../../subscribe/#google"
    assert paths.link(f"{BASE}/events/screening-runaway-homeless-youth", "") == f"{BASE}/events/screening-runaway-homeless-youth/"
    assert paths.link("webcal://trainings.example.org/calendar.ics?type=webinar", "") == (
        "webcal://trainings.example.org/type/webinar/calendar.ics"
    )
    google = "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Ftrainings.example.org%2Fcalendar.ics%3Ftype%3Dwebinar"
    assert paths.link(google, "") == (
        "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Ftrainings.example.org%2Ftype%2Fwebinar%2Fcalendar.ics"
    )
    for other in ("https://www.example.org/register", "mailto:a@example.org", "tel:+18883737888", "#main"):
        assert paths.link(other, "events/x/") == other
    assert paths.unmapped == set()
    paths.link("/manage", "")
    assert "/manage" in paths.unmapped


def test_only_links_inside_tags_are_rewritten(paths: StaticPaths) -> None:
    page = (
        '<a href="/past">Past</a> <p>Write href="/past" in a page</p>'
        '<input type="checkbox" name="type" value="webinar">'
        f'<input class="copy-source" value="{BASE}/calendar.ics?type=webinar&amp;x=1">'
        '<form action="/" method="get"><a href="/?type=webinar&amp;page=2">2</a></form>'
    )
    assert paths.rewrite_html(page, "events/x/") == (
        '<a href="../../past/">Past</a> <p>Write href="/past" in a page</p>'
        '<input type="checkbox" name="type" value="webinar">'
        f'<input class="copy-source" value="{BASE}/calendar.ics?type=webinar&amp;x=1">'
        '<form action="../../" method="get"><a href="../../type/webinar/page/2/">2</a></form>'
    )


def test_folder_names_for_types_and_sponsors() -> None:
    assert path_segment("OJJDP") == "ojjdp"
    assert path_segment("Centro de Ayuda / Niños") == "centro-de-ayuda-ninos"


def test_two_sponsors_that_spell_the_same_folder_get_two_folders(tmp_path: Path, sample_config: SiteConfig) -> None:
    config = sample_config.model_copy(update={"sponsors": []})
    (tmp_path / "a.md").write_text(
        "---\ntitle: A\ntype: webinar\nstart: 2027-01-05\nonline: true\nsponsors: [A.B.C]\n---\n", encoding="utf-8"
    )
    (tmp_path / "b.md").write_text(
        "---\ntitle: B\ntype: webinar\nstart: 2027-01-06\nonline: true\nsponsors: [A B C]\n---\n", encoding="utf-8"
    )
    result = load_events(tmp_path, config)
    assert result.problems == []
    paths = StaticPaths(config, Catalog(config, result.events), absolute=True)
    folders = sorted(v.folder for v in paths.variants if v.kind == "sponsor")
    assert folders == ["sponsor/a-b-c-2/", "sponsor/a-b-c/"]
