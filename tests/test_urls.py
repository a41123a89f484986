"""The site's addresses from one builder: the server's, and the static build's as links, full addresses and files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from calendar_app.build.static import build_site
from calendar_app.core.catalog import Catalog
from calendar_app.core.config import SiteConfig
from calendar_app.core.loader import load_events
from calendar_app.render.urls import SiteUrls, StaticLayout, StaticUrls, path_segment
from calendar_app.web.app import create_app

from .conftest import SAMPLE_EVENTS

BASE = "https://trainings.example.org"
NOVEMBER = date(2026, 11, 23)
SLUG = "screening-runaway-homeless-youth"
OBSERVANCE = "prevention-month"

Address = Callable[[SiteUrls], str]

# Every kind of address, by what a page asks for, with the server's address and the static build's target.
ADDRESSES: list[tuple[str, Address, str, str]] = [
    ("home", lambda u: u.home(), "/", ""),
    ("page 2", lambda u: u.listing(page=2), "/?page=2", "page/2/"),
    ("past", lambda u: u.listing(past=True), "/past", "past/"),
    ("past page 2", lambda u: u.listing(past=True, page=2), "/past?page=2", "past/page/2/"),
    ("one type", lambda u: u.listing([("type", "webinar")]), "/?type=webinar", "type/webinar/"),
    # One type's listing is published as its first page; the browser pages through the rest.
    ("one type, page 2", lambda u: u.listing([("type", "webinar")], page=2), "/?type=webinar&page=2", "?type=webinar&page=2"),
    ("one sponsor", lambda u: u.listing([("sponsor", "ojjdp")]), "/?sponsor=ojjdp", "sponsor/ojjdp/"),
    ("a topic", lambda u: u.listing([("topic", "youth")]), "/?topic=youth", "?topic=youth"),
    ("two filters", lambda u: u.listing([("type", "webinar"), ("online", "true")]), "/?type=webinar&online=true",
     "?type=webinar&online=true"),
    ("past of one type", lambda u: u.listing([("type", "webinar")], past=True), "/past?type=webinar", "past/?type=webinar"),
    ("event", lambda u: u.event(SLUG), f"/events/{SLUG}", f"events/{SLUG}/"),
    ("event .ics", lambda u: u.event_ics(SLUG), f"/events/{SLUG}.ics", f"events/{SLUG}.ics"),
    ("feed", lambda u: u.feed(), "/calendar.ics", "calendar.ics"),
    ("feed of a type", lambda u: u.feed([("type", "training")]), "/calendar.ics?type=training", "type/training/calendar.ics"),
    ("feed of an observance", lambda u: u.feed([("observance", OBSERVANCE)]), f"/calendar.ics?observance={OBSERVANCE}",
     f"observances/{OBSERVANCE}.ics"),
    ("atom", lambda u: u.atom(), "/feed.atom", "feed.atom"),
    ("atom of a sponsor", lambda u: u.atom([("sponsor", "OJJDP")]), "/feed.atom?sponsor=OJJDP", "sponsor/ojjdp/feed.atom"),
    ("observances", lambda u: u.observances(), "/observances", "observances/"),
    ("observance", lambda u: u.observance(OBSERVANCE), f"/observances/{OBSERVANCE}", f"observances/{OBSERVANCE}/"),
    ("observance in a year", lambda u: u.observance(OBSERVANCE, 2027), f"/observances/{OBSERVANCE}?year=2027",
     f"observances/{OBSERVANCE}/2027/"),
    ("observance feed", lambda u: u.observance_feed(OBSERVANCE), f"/observances/{OBSERVANCE}.ics",
     f"observances/{OBSERVANCE}.ics"),
    ("observance feed of a year", lambda u: u.observance_feed(OBSERVANCE, 2027), f"/observances/{OBSERVANCE}.ics?year=2027",
     f"observances/{OBSERVANCE}/2027.ics"),
    ("api", lambda u: u.api_listing(), "/api/events", "api/events.json"),
    ("api page 2", lambda u: u.api_listing(page=2), "/api/events?page=2", "api/events/upcoming/2.json"),
    ("api past", lambda u: u.api_listing(past=True), "/api/events?past=true", "api/events/past/1.json"),
    ("api of a type", lambda u: u.api_listing([("type", "webinar")]), "/api/events?type=webinar",
     "api/events/type/webinar/1.json"),
    ("api event", lambda u: u.api_event(SLUG), f"/api/events/{SLUG}", f"api/events/{SLUG}.json"),
    ("subscribe help", lambda u: u.subscribe_page(), "/subscribe", "subscribe/"),
    ("asset", lambda u: u.asset("style.css"), "/static/style.css", "static/style.css"),
]
# The sample's past events and webinars fit on one page each.
IN_SAMPLE = [a for a in ADDRESSES if a[0] not in ("past page 2", "one type, page 2")]
FILES = [(name, address) for name, address, _server, target in IN_SAMPLE if "?" not in target]


@pytest.fixture(scope="module")
def config(sample_config: SiteConfig) -> SiteConfig:
    return sample_config.model_copy(update={"base_url": BASE})


@pytest.fixture(scope="module")
def catalog(config: SiteConfig) -> Catalog:
    return Catalog(config, load_events(SAMPLE_EVENTS, config).events)


@pytest.fixture(scope="module")
def static(config: SiteConfig, catalog: Catalog) -> StaticUrls:
    return StaticUrls(StaticLayout(config, catalog, absolute=False))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, config: SiteConfig) -> Path:
    out = tmp_path_factory.mktemp("urls") / "site"
    report = build_site(config, SAMPLE_EVENTS, out, today=NOVEMBER)
    assert report.problems == [] and report.unmapped == []
    return out


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, config: SiteConfig) -> TestClient:
    state = tmp_path_factory.mktemp("state")
    return TestClient(create_app(config, SAMPLE_EVENTS, today=NOVEMBER, watch=False, state_dir=state))


@pytest.mark.parametrize(("name", "address", "server", "target"), ADDRESSES, ids=[a[0] for a in ADDRESSES])
def test_each_address_on_the_server_and_in_the_static_build(
    static: StaticUrls, name: str, address: Address, server: str, target: str
) -> None:
    assert address(SiteUrls(BASE)) == server
    assert address(SiteUrls(BASE).full) == BASE + server
    assert address(static.targets) == target
    assert address(static.full) == f"{BASE}/{target}"


@pytest.mark.parametrize(("name", "address"), FILES, ids=[a[0] for a in FILES])
def test_every_static_address_is_a_file_the_build_wrote(
    built: Path, static: StaticUrls, name: str, address: Address
) -> None:
    assert (built / address(static.files)).is_file()


@pytest.mark.parametrize(("name", "address", "server", "target"), IN_SAMPLE, ids=[a[0] for a in IN_SAMPLE])
def test_every_server_address_answers(
    client: TestClient, name: str, address: Address, server: str, target: str
) -> None:
    assert client.get(address(SiteUrls(BASE))).status_code == 200


def test_files_of_folders_are_their_index_pages(static: StaticUrls) -> None:
    assert static.files.home() == "index.html"
    assert static.files.event(SLUG) == f"events/{SLUG}/index.html"
    assert static.files.api_page(page=1) == "api/events/upcoming/1.json"
    assert static.files.client_index(past=True) == "api/past.json"


def test_links_are_relative_to_the_page_or_full_addresses(config: SiteConfig, catalog: Catalog) -> None:
    static = StaticUrls(StaticLayout(config, catalog, absolute=False))
    assert static.at("").home() == "./"
    assert static.at("events/some-event/").home() == "../../"
    assert static.at("").listing([("topic", "youth")]) == "./?topic=youth"
    assert static.at("type/webinar/").subscribe_page() == "../../subscribe/"
    year_page = static.for_file(f"observances/{OBSERVANCE}/2027/index.html")
    assert year_page.observance(OBSERVANCE) == f"../../../observances/{OBSERVANCE}/"
    assert static.at(None).home() == f"{BASE}/"  # a page served at any address (404.html)
    absolute = StaticUrls(StaticLayout(config, catalog, absolute=True))
    assert absolute.at("events/some-event/").event(SLUG) == f"{BASE}/events/{SLUG}/"


def test_subscribe_links_follow_the_static_feed(static: StaticUrls) -> None:
    links = static.subscribe(static.full.feed([("type", "webinar")]))
    assert links.https == f"{BASE}/type/webinar/calendar.ics"
    assert links.webcal == "webcal://trainings.example.org/type/webinar/calendar.ics"
    assert links.google == (
        "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Ftrainings.example.org%2Ftype%2Fwebinar%2Fcalendar.ics"
    )


def test_a_permalink_is_the_servers_address_everywhere(static: StaticUrls) -> None:
    assert static.permalink(SLUG) == SiteUrls(BASE).permalink(SLUG) == f"{BASE}/events/{SLUG}"


def test_addresses_the_static_build_has_no_file_for(config: SiteConfig, catalog: Catalog) -> None:
    static = StaticUrls(StaticLayout(config, catalog, absolute=False)).at("")
    assert static.feed([("type", "webinar"), ("online", "true")]) == "/calendar.ics?type=webinar&online=true"
    assert static.event("no-such-event") == "/events/no-such-event"
    assert static.full.api_listing([("topic", "youth")]) == f"{BASE}/api/events?topic=youth"
    assert static.layout.unmapped == {
        "/calendar.ics?type=webinar&online=true", "/events/no-such-event", "/api/events?topic=youth"
    }
    with pytest.raises(ValueError):
        static.files.event("no-such-event")


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
    layout = StaticLayout(config, Catalog(config, result.events), absolute=True)
    folders = sorted(v.folder for v in layout.variants if v.kind == "sponsor")
    assert folders == ["sponsor/a-b-c-2/", "sponsor/a-b-c/"]


# --- the pages in Spanish ------------------------------------------------------------------------

# One address for every language: downloads, Atom, the API and assets.
SHARED = {"event .ics", "atom", "atom of a sponsor", "api", "api page 2", "api past", "api of a type", "api event", "asset"}


@pytest.mark.parametrize(("name", "address", "server", "target"), ADDRESSES, ids=[a[0] for a in ADDRESSES])
def test_each_address_in_spanish(
    config: SiteConfig, catalog: Catalog, static: StaticUrls, name: str, address: Address, server: str, target: str
) -> None:
    spanish = SiteUrls(BASE, lang="es")
    expected = server if name in SHARED else "/es" + server
    assert address(spanish) == expected
    assert address(spanish.full) == BASE + expected
    assert address(SiteUrls(BASE).in_language("es")) == expected
    assert address(spanish.in_language("en")) == server
    layout = StaticLayout(config, catalog, absolute=False, languages=("en", "es"))
    built_target = address(static.targets)
    assert address(StaticUrls(layout, lang="es").targets) == (built_target if name in SHARED else "es/" + built_target)


def test_spanish_pages_of_a_static_build_link_up_to_the_shared_files(config: SiteConfig, catalog: Catalog) -> None:
    layout = StaticLayout(config, catalog, absolute=False, languages=("en", "es"))
    page = StaticUrls(layout, lang="es").at(f"es/events/{SLUG}/")
    assert page.home() == "../../../es/"
    assert page.asset("style.css") == "../../../static/style.css"
    assert page.event_ics(SLUG) == f"../../../events/{SLUG}.ics"
    assert page.in_language("en").event(SLUG) == f"../../../events/{SLUG}/"
    assert page.languages == ("en", "es")


def test_a_static_build_of_english_pages_alone_links_to_no_other_language(static: StaticUrls) -> None:
    from calendar_app.render.frame import language_links

    assert static.languages == ("en",)
    assert language_links(static, lambda u: u.home()) is None
    server = language_links(SiteUrls(BASE), lambda u: u.home())
    assert server is not None and server["alternates"] == [
        ("en", BASE + "/"), ("es", BASE + "/es/"), ("x-default", BASE + "/")
    ]
