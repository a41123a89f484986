"""One event's page context: add-to-calendar links and schema.org JSON-LD."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from calendar_app.core.catalog import Catalog
from calendar_app.core.config import SiteConfig
from calendar_app.core.loader import load_event_file
from calendar_app.core.model import Event
from calendar_app.render.eventpage import calendar_links, event_context, json_ld

from .test_pages import text, tmp_client

CONFIG = SiteConfig(base_url="https://trainings.example.gov")
NEW_YORK = ZoneInfo("America/New_York")


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


SERIES = """
title: Wednesday Webinars
type: webinar
start: "2027-01-06 13:00"
end: "14:00"
online: true
registration:
  url: https://example.org/register
repeat: FREQ=WEEKLY;COUNT=4
changes:
  - occurrence: "2027-01-13 13:00"
    start: "2027-01-14 15:00"
    end: "16:30"
    title: "Special session: Labor Trafficking"
  - occurrence: "2027-01-20 13:00"
    status: cancelled
    status_note: The presenter is ill.
  - occurrence: "2027-01-27 13:00"
    status: cancelled
"""


def test_a_moved_and_retitled_session_is_added_and_described_as_it_is(tmp_path: Path) -> None:
    event = make_event(tmp_path, SERIES)
    moved = datetime(2027, 1, 14, 15, 0, tzinfo=NEW_YORK)
    links = calendar_links(event, moved, CONFIG)
    assert query_of(links.google)["text"] == ["Special session: Labor Trafficking"]
    assert query_of(links.google)["dates"] == ["20270114T200000Z/20270114T213000Z"]
    outlook = query_of(links.outlook or "")
    assert (outlook["subject"], outlook["startdt"], outlook["enddt"]) == (
        ["Special session: Labor Trafficking"], ["2027-01-14T20:00:00Z"], ["2027-01-14T21:30:00Z"]
    )
    data = json_ld(event, CONFIG, moved)
    assert data["name"] == "Special session: Labor Trafficking"
    assert (data["startDate"], data["endDate"]) == ("2027-01-14T15:00-05:00", "2027-01-14T16:30-05:00")
    assert data["eventStatus"] == "https://schema.org/EventRescheduled"
    assert data["previousStartDate"] == "2027-01-13T13:00-05:00"


def test_a_cancelled_session_is_marked_and_not_offered_to_web_calendars(tmp_path: Path) -> None:
    event = make_event(tmp_path, SERIES)
    cancelled = datetime(2027, 1, 20, 13, 0, tzinfo=NEW_YORK)
    links = calendar_links(event, cancelled, CONFIG)
    assert (links.google, links.outlook, links.ics) == (None, None, "/events/sample-event.ics")
    data = json_ld(event, CONFIG, cancelled)
    assert (data["name"], data["eventStatus"]) == ("Wednesday Webinars", "https://schema.org/EventCancelled")
    assert data["offers"]["availability"] == "https://schema.org/SoldOut"
    assert "previousStartDate" not in data
    plain = json_ld(event, CONFIG, event.start)
    assert (plain["name"], plain["eventStatus"]) == ("Wednesday Webinars", "https://schema.org/EventScheduled")
    assert query_of(calendar_links(event, event.start, CONFIG).google or "")["text"] == ["Wednesday Webinars"]


def test_the_page_of_a_series_speaks_of_its_next_session_throughout(tmp_path: Path) -> None:
    event = make_event(tmp_path, SERIES)
    catalog = Catalog(CONFIG, [event])
    context = event_context(catalog, CONFIG, event, date(2027, 1, 7))
    assert context["when_text"] == "Thursday, January 14, 2027, 3 - 4:30 p.m. ET"
    assert context["next_session"].title == "Special session: Labor Trafficking"
    assert context["next_session"].moved_from == "Wednesday, January 13, 2027, 1 p.m. ET"
    assert query_of(context["add"].google)["text"] == ["Special session: Labor Trafficking"]
    assert context["json_ld"]["name"] == "Special session: Labor Trafficking"
    assert context["json_ld"]["startDate"] == "2027-01-14T15:00-05:00"
    # Every session left is cancelled: the page shows the next one as cancelled and offers no web calendar.
    context = event_context(catalog, CONFIG, event, date(2027, 1, 15))
    assert context["next_session"].cancelled and context["next_session"].status_note == "The presenter is ill."
    assert (context["add"].google, context["add"].outlook) == (None, None)
    assert context["json_ld"]["eventStatus"] == "https://schema.org/EventCancelled"


def test_the_page_marks_a_cancelled_next_session_and_offers_only_the_download(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    (events / "wednesdays.md").write_text(f"---\n{SERIES.strip()}\n---\nWeekly.\n", encoding="utf-8")
    html = tmp_client(events, today=date(2027, 1, 15)).get("/events/wednesdays").text
    when = text(html).split("When ", 1)[1]
    assert when.startswith("Wednesday, January 20, 2027, 1 - 2 p.m. ET cancelled: The presenter is ill.")
    assert "calendar.google.com/calendar/render" not in html and "outlook.live.com" not in html
    assert "Google Calendar or Outlook.com" not in html
    assert "Download .ics (every session)" in html
    ld = json.loads(html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0])
    assert ld["eventStatus"] == "https://schema.org/EventCancelled"


def test_an_event_from_a_partner_calendar_names_it_while_it_is_configured(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    (events / "labor-trafficking-webinar.md").write_text(
        "---\ntitle: Labor Trafficking Webinar\ntype: webinar\nstart: 2027-03-01 14:00\nonline: true\n"
        "source:\n  id: ovc-ttac\n  uid: webinar@ovc.example.org\n---\nAbout it.\n", encoding="utf-8")
    partner = {"id": "ovc-ttac", "name": "OVC TTAC", "url": "https://www.ovcttac.gov/calendar.ics"}
    page = text(tmp_client(events, sources=[partner]).get("/events/labor-trafficking-webinar").text)
    assert "From OVC TTAC" in page
    # Once the source is gone from the configuration, the page names nothing: its id is this site's own word.
    html = tmp_client(events).get("/events/labor-trafficking-webinar").text
    assert "<dt>From</dt>" not in html and "ovc-ttac" not in html


def where_of(html: str) -> str:
    """The page's Where, as written: its lines joined by <br>."""
    return html.split("<dt>Where</dt>", 1)[1].split("<dd>", 1)[1].split("</dd>", 1)[0]


def test_a_place_is_shown_once_whatever_it_gives(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    places = {
        # As an import writes a LOCATION it cannot split: the venue alone.
        "venue-only": "  venue: Embassy Suites, Columbia, SC",
        "city-only": "  city: Columbia\n  region: SC",
        "whole": "  venue: Embassy Suites\n  address: 200 Stoneridge Dr\n  city: Columbia\n  region: SC\n"
                 "  postal_code: '29210'\n  country: US",
        "abroad": "  venue: Palais des Congrès\n  city: Montréal\n  region: QC\n  country: CA",
    }
    for slug, location in places.items():
        (events / f"{slug}.md").write_text(f"---\ntitle: Course {slug}\ntype: training\nstart: 2027-02-22\n"
                                           f"location:\n{location}\n---\nAbout it.\n", encoding="utf-8")
    client = tmp_client(events)
    shown = {slug: where_of(client.get(f"/events/{slug}").text) for slug in places}
    assert shown == {
        "venue-only": "Embassy Suites, Columbia, SC",
        "city-only": "Columbia, SC",
        "whole": "Embassy Suites<br>200 Stoneridge Dr<br>Columbia, SC 29210",
        "abroad": "Palais des Congrès<br>Montréal, QC<br>CA",
    }
