"""The JSON API: the listing's results and filters as JSON, one event in full, errors, OpenAPI."""

from __future__ import annotations

import json
import re
import warnings
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from calendar_app.core.config import SiteConfig
from calendar_app.web.app import create_app

from .test_pages import NOVEMBER, sample_client, tmp_client, write_event


def test_events_are_the_listings_results() -> None:
    client = sample_client()
    body = client.get("/api/events?type=webinar&online=true").json()
    listing = client.get("/?type=webinar&online=true").text
    slugs = re.findall(r'<h3 class="entry-title">(?:<span[^>]*>[^<]*</span> )?<a href="/events/([^"]+)">', listing)
    assert [e["slug"] for e in body["events"]] == slugs
    assert body["filters"] == {"type": ["webinar"], "online": ["true"]}
    assert body["description"] == "online webinars"
    assert body["total"] == len(slugs) and body["page"] == 1 and body["pages"] == 1
    assert body["links"]["ics"] == "http://127.0.0.1:8000/calendar.ics?type=webinar&online=true"
    assert body["links"]["html"] == "http://127.0.0.1:8000/?type=webinar&online=true"


def test_an_event_in_the_list_reads_like_the_listing() -> None:
    body = sample_client().get("/api/events?q=Pre-Application+Webinar&type=webinar&sponsor=BJA").json()
    (event,) = body["events"]
    assert event["title"].startswith("FY 2027 Enhanced Collaborative Model")
    assert event["when"] == "January 19, 2027 | 2 p.m. ET | Online"
    assert event["start"] == "2027-01-19T14:00:00-05:00" and event["end"] == "2027-01-19T15:30:00-05:00"
    assert event["timezone"] == "America/New_York" and event["all_day"] is False
    assert event["place"] == "Online"
    assert event["links"]["page"] == "http://127.0.0.1:8000/events/fy-2027-ecm-pre-application-webinar"
    assert event["links"]["ics"] == "http://127.0.0.1:8000/events/fy-2027-ecm-pre-application-webinar.ics"
    assert event["registration"]["free"] is True


def test_all_day_events_give_dates_with_an_inclusive_end() -> None:
    body = sample_client().get("/api/events?region=SC&type=training").json()
    (event,) = body["events"]
    assert (event["start"], event["end"], event["all_day"]) == ("2027-02-22", "2027-02-24", True)
    assert event["when"] == "February 22 - 24, 2027 | Columbia, SC"
    assert event["location"]["one_line"] == "Embassy Suites Columbia, 200 Stoneridge Dr, Columbia, SC 29210"


def test_paging_and_past(tmp_path: Path) -> None:
    for day in range(1, 6):
        write_event(tmp_path, f"webinar-{day}", f'title: Webinar {day}\ntype: webinar\nstart: "2027-02-0{day} 14:00"\nonline: true')
    write_event(tmp_path, "old-webinar", 'title: Old\ntype: webinar\nstart: "2026-01-05 14:00"\nonline: true')
    client = tmp_client(tmp_path, page_size=2)
    first = client.get("/api/events").json()
    assert [e["title"] for e in first["events"]] == ["Webinar 1", "Webinar 2"]
    assert (first["total"], first["pages"], first["links"]["prev"]) == (5, 3, None)
    assert first["links"]["next"] == "http://127.0.0.1:8000/api/events?page=2"
    last = client.get("/api/events?page=3").json()
    assert [e["title"] for e in last["events"]] == ["Webinar 5"] and last["links"]["next"] is None
    past = client.get("/api/events?past=true").json()
    assert past["past"] is True and [e["title"] for e in past["events"]] == ["Old"]


def test_bad_filters_are_400_with_the_parameter_and_choices() -> None:
    client = sample_client()
    response = client.get("/api/events?type=lecture")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["parameter"] == "type" and "unknown type 'lecture'" in error["message"]
    assert "webinar" in error["choices"]
    assert client.get("/api/events?from=01/05/2027").json()["error"]["message"] == (
        "'01/05/2027' is not a date; use YYYY-MM-DD"
    )
    assert client.get("/api/events?past=maybe").json()["error"]["parameter"] == "past"
    assert client.get("/api/events?page=0").status_code == 400


def test_one_event_in_full() -> None:
    response = sample_client(date(2027, 1, 1)).get("/api/events/prevention-month-wednesday-webinars")
    assert response.status_code == 200
    event = response.json()
    assert event["repeat"] == "FREQ=WEEKLY;BYDAY=WE;COUNT=4"
    assert event["sessions"] == ["2027-01-06T13:00:00-05:00", "2027-01-13T13:00:00-05:00", "2027-01-27T13:00:00-05:00"]
    assert "**prevention strategy**" in event["description"]
    assert "<strong>prevention strategy</strong>" in event["description_html"]
    assert event["json_ld"]["@type"] == "Event"
    assert event["accessibility"] == ["captions"] and event["observances"] == ["prevention-month"]


def test_unknown_event_is_a_json_404() -> None:
    response = sample_client().get("/api/events/no-such-event")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": {"parameter": None, "message": "no event called 'no-such-event'", "choices": []}}


def test_hostile_description_is_sanitised_in_json(tmp_path: Path) -> None:
    write_event(tmp_path, "hostile", 'title: T\ntype: webinar\nstart: "2027-02-02 14:00"\nonline: true', "<img src=x onerror=alert(1)>")
    html = tmp_client(tmp_path).get("/api/events/hostile").json()["description_html"]
    assert "<img" not in html


def test_both_routes_are_in_the_openapi_document() -> None:
    # Building the document must not warn (a duplicate operation id would, for example).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        schema = sample_client().get("/openapi.json").json()
    assert [str(w.message) for w in caught] == []
    listing = schema["paths"]["/api/events"]["get"]
    one = schema["paths"]["/api/events/{slug}"]["get"]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/EventList")
    assert listing["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert one["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/EventDetail")
    assert "when" in schema["components"]["schemas"]["EventSummary"]["properties"]
    assert "/" not in schema["paths"]  # the HTML pages stay out of the API document


def test_api_follows_the_injected_today(tmp_path: Path) -> None:
    write_event(tmp_path, "soon", 'title: Soon\ntype: webinar\nstart: "2027-01-10 14:00"\nonline: true')
    assert tmp_client(tmp_path, today=NOVEMBER).get("/api/events").json()["total"] == 1
    later = TestClient(create_app(SiteConfig(), tmp_path, today=date(2027, 2, 1), watch=False))
    assert later.get("/api/events").json()["total"] == 0


def test_no_api_explorer_pages_that_would_load_scripts_from_elsewhere() -> None:
    client = sample_client()
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_an_event_whose_next_session_is_changed_says_how(tmp_path: Path) -> None:
    write_event(
        tmp_path, "wednesdays",
        'title: Wednesday Webinars\ntype: webinar\nstart: "2027-01-06 13:00"\nonline: true\nrepeat: FREQ=WEEKLY;COUNT=3\n'
        'changes:\n  - occurrence: "2027-01-13 13:00"\n    start: "2027-01-14 15:00"\n    title: "Special session: Labor Trafficking"\n'
        '  - occurrence: "2027-01-20 13:00"\n    status: cancelled\n    status_note: The presenter is ill.',
    )
    (moved,) = tmp_client(tmp_path, today=date(2027, 1, 7)).get("/api/events").json()["events"]
    assert (moved["title"], moved["start"]) == ("Wednesday Webinars", "2027-01-14T15:00:00-05:00")
    assert moved["session_change"] == {
        "occurrence": "2027-01-13T13:00:00-05:00", "start": "2027-01-14T15:00:00-05:00",
        "end": "2027-01-14T16:00:00-05:00", "title": "Special session: Labor Trafficking", "status": None, "status_note": None,
    }
    assert "text=Special+session%3A+Labor+Trafficking" in moved["links"]["google"]
    (cancelled,) = tmp_client(tmp_path, today=date(2027, 1, 15)).get("/api/events").json()["events"]
    assert cancelled["start"] == "2027-01-20T13:00:00-05:00"
    assert (cancelled["session_change"]["status"], cancelled["session_change"]["status_note"]) == (
        "cancelled", "The presenter is ill."
    )
    assert (cancelled["links"]["google"], cancelled["links"]["outlook"]) == (None, None)
    assert cancelled["links"]["ics"] == "http://127.0.0.1:8000/events/wednesdays.ics"


def test_the_json_ld_of_an_event_is_the_one_its_page_carries(tmp_path: Path) -> None:
    write_event(
        tmp_path, "autumn-calls",
        'title: Calls\ntype: meeting\nstart: "2026-10-07 13:00"\nonline: true\nrepeat: FREQ=WEEKLY;COUNT=3\n'
        'changes:\n  - occurrence: "2026-10-07 13:00"\n    start: "2026-10-09 15:00"',
    )
    client = tmp_client(tmp_path)
    detail = client.get("/api/events/autumn-calls").json()
    assert detail["start"] == "2026-10-09T15:00:00-04:00"  # over: the first session, moved, as the past listing shows it
    page = client.get("/events/autumn-calls").text
    carried = json.loads(page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0])
    assert detail["json_ld"] == carried
