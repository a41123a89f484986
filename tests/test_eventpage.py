"""One event's page context: add-to-calendar links and schema.org JSON-LD."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from calendar_app.core.catalog import Catalog
from calendar_app.core.config import SiteConfig
from calendar_app.core.loader import load_event_file
from calendar_app.core.model import Event
from calendar_app.render.eventpage import calendar_links, event_context, json_ld

CONFIG = SiteConfig(base_url="https://trainings.example.gov")


def make_event(tmp_path: Path, front: str, body: str = "About it.", slug: str = "sample-event") -> Event:
    path = tmp_path / f"{slug}.md"
    path.write_text(f"---\n{front.strip()}\n---\n{body}\n", encoding="utf-8")
    return load_event_file(path, tmp_path, CONFIG)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_all_day_links_use_an_exclusive_end(tmp_path: Path) -> None:
    event = make_event(tmp_path, "title: Course\ntype: training\nstart: 2027-02-27\nend: 2027-03-01\nlocation:\n  city: Columbia\n  region: SC")
    links = calendar_links(event, event.start, CONFIG)
    assert links.ics == "/events/sample-event.ics"
    assert query_of(links.google)["dates"] == ["20270227/20270302"]
    assert query_of(links.google)["location"] == ["Columbia, SC"]
    outlook = query_of(links.outlook)
    assert (outlook["startdt"], outlook["enddt"], outlook["allday"]) == (["2027-02-27"], ["2027-03-02"], ["true"])
    assert query_of(links.google)["details"][0].endswith("https://trainings.example.gov/events/sample-event")


def test_online_only_event_is_a_virtual_location(tmp_path: Path) -> None:
    event = make_event(
        tmp_path,
        'title: Webinar\ntype: webinar\nstart: "2027-01-19 14:00"\nend: "15:30"\n'
        "online:\n  url: https://example.org/join\nregistration:\n  cost: $150\n  url: https://example.org/register",
    )
    data = json_ld(event, CONFIG, event.start)
    assert data["location"] == {"@type": "VirtualLocation", "url": "https://example.org/join"}
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["offers"]["price"] == "150" and data["offers"]["url"] == "https://example.org/register"
    assert data["startDate"] == "2027-01-19T14:00-05:00" and data["endDate"] == "2027-01-19T15:30-05:00"


def test_in_person_event_has_a_postal_address(tmp_path: Path) -> None:
    event = make_event(
        tmp_path,
        "title: Course\ntype: training\nstart: 2027-02-22\nend: 2027-02-24\nstatus: postponed\nstatus_note: Venue closed\n"
        "location:\n  venue: Embassy Suites\n  address: 200 Stoneridge Dr\n  city: Columbia\n  region: SC\n"
        "registration:\n  cost: Contact the organizer",
    )
    data = json_ld(event, CONFIG, event.start)
    assert data["location"]["address"] == {
        "@type": "PostalAddress", "streetAddress": "200 Stoneridge Dr", "addressLocality": "Columbia", "addressRegion": "SC",
    }
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["eventStatus"] == "https://schema.org/EventPostponed"
    assert data["offers"]["description"] == "Contact the organizer" and "price" not in data["offers"]
    assert (data["startDate"], data["endDate"]) == ("2027-02-22", "2027-02-24")


def test_context_knows_when_registration_has_closed(tmp_path: Path) -> None:
    event = make_event(
        tmp_path,
        'title: Webinar\ntype: webinar\nstart: "2027-01-19 14:00"\nonline: true\nregistration:\n  deadline: 2027-01-10\n  cost: Free',
    )
    catalog = Catalog(CONFIG, [event])
    open_context = event_context(catalog, CONFIG, event, date(2027, 1, 10))
    assert (open_context["deadline_text"], open_context["deadline_passed"]) == ("January 10, 2027", False)
    assert event_context(catalog, CONFIG, event, date(2027, 1, 11))["deadline_passed"] is True
    assert open_context["zone_name"] == "Eastern Time (America/New_York)"
    assert open_context["observances"][0].id == "prevention-month"
