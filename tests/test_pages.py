"""The public pages over HTTP, asserting what a reader sees: the listing, every filter, paging,
past events, an event's page, observances, the subscribe help, errors, headers and the Atom feed."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from calendar_app.core.config import SiteConfig
from calendar_app.web.app import create_app

from .conftest import ROOT, SAMPLE_EVENTS, SAMPLE_STATE
from .feedcheck import parse_both

NOVEMBER = date(2026, 11, 23)
JANUARY = date(2027, 1, 5)
HOTLINE = "1-888-373-7888"


def sample_client(today: date = NOVEMBER, config: SiteConfig | None = None) -> TestClient:
    from calendar_app.core.config import load_config

    app = create_app(config or load_config(ROOT / "calendar.toml"), SAMPLE_EVENTS, today=today, watch=False,
                     state_dir=SAMPLE_STATE)
    return TestClient(app)


def write_event(folder: Path, slug: str, front: str, body: str = "About this event.") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.md").write_text(f"---\n{front.strip()}\n---\n{body}\n", encoding="utf-8")


def tmp_client(folder: Path, today: date = NOVEMBER, **settings: object) -> TestClient:
    return TestClient(create_app(SiteConfig(**settings), folder, today=today, watch=False))  # type: ignore[arg-type]


def text(html: str) -> str:
    """The page as a reader sees it: tags gone, entities decoded, spaces collapsed."""
    without = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    without = re.sub(r"<br>|</(?:p|li|dd|dt|h\d|div|section)>", " ", without)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", without))).strip()


def titles(html: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in re.findall(r'<h[34] class="entry-title">(.*?)</h[34]>', html, re.S)]


def months(html: str) -> list[str]:
    return re.findall(r'<h2 id="month-[\d-]+">(.*?)</h2>', html)


def entry_types(html: str) -> list[str]:
    return re.findall(r'<span class="entry-type">(.*?)</span>', html)


def results_count(html: str) -> str:
    match = re.search(r'<p class="results-count" id="results">(.*?)</p>', html, re.S)
    assert match, "no results count on the page"
    return text(match.group(1))


# --- the listing ------------------------------------------------------------------------------


def test_listing_shows_upcoming_events_soonest_first_by_month() -> None:
    page = sample_client().get("/")
    assert page.status_code == 200
    html = page.text
    assert html.count("<h1") == 1
    assert months(html)[:4] == ["December 2026", "January 2027", "February 2027", "March 2027"]
    shown = text(html)
    assert "Screening Runaway and Homeless Youth for Trafficking" in titles(html)[0]
    assert "January 19, 2027 | 2 p.m. ET | Online" in shown
    assert "February 22 - 24, 2027 | Columbia, SC" in shown
    assert "March 24, 2027 | 9 a.m. CT | Online and Minneapolis, MN" in shown
    assert "Sponsored by OJJDP" in shown
    assert "Labor Trafficking Indicators" not in shown  # over on November 23
    assert '<time datetime="2027-01-19T14:00-05:00" data-local>2 p.m. ET</time>' in html


def test_cancelled_and_postponed_events_stay_listed_and_marked() -> None:
    html = sample_client().get("/").text
    assert re.search(r'<li class="entry entry-cancelled">\s*<h3 class="entry-title"><span class="badge badge-cancelled">Cancelled</span>', html)
    assert re.search(r'<span class="badge badge-postponed">Postponed</span> <a href="/events/prosecuting-labor-trafficking-symposium-atlanta">', html)
    assert "Postponed because of venue renovation delays." in text(html)


def test_recurring_series_is_listed_at_its_next_session() -> None:
    html = sample_client(date(2027, 1, 7)).get("/").text
    shown = text(html)
    assert "Prevention Month Wednesdays: Weekly Webinar Series January 13, 2027 | 1 p.m. ET | Online" in shown
    assert "Series of 3 sessions, January 6 - 27, 2027" in shown


def test_each_filter_choice_shows_how_many_events_it_gives() -> None:
    client = sample_client()
    html = client.get("/").text
    counted = re.search(r'<label for="type-\d+">Webinar <span class="count">\((\d+)\)</span>', html)
    assert counted
    filtered = client.get("/?type=webinar").text
    assert results_count(filtered).startswith(f"{counted.group(1)} upcoming events: webinars")
    assert set(entry_types(filtered)) == {"Webinar"}
    online = re.search(r'<label for="online">Online only <span class="count">\((\d+)\)</span>', html)
    assert online and results_count(client.get("/?online=true").text).startswith(f"{online.group(1)} upcoming events")


def test_choices_within_a_filter_are_alternatives_and_filters_combine() -> None:
    client = sample_client()
    either = client.get("/?type=webinar&type=training").text
    assert set(entry_types(either)) == {"Webinar", "Training"}
    both = client.get("/?type=training&region=SC").text
    assert titles(both) == ["Child Sex Trafficking: Law Enforcement Response"]
    # A comma-separated list means the same as repeating the parameter.
    assert titles(client.get("/?type=webinar,training").text) == titles(either)


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ("topic=labor+trafficking", "Labor Trafficking Investigations: From Tip to Trial", "Screening Runaway"),
        ("audience=prosecutors", "Victim-Centered Prosecution", "Screening Runaway"),
        ("sponsor=BJS", "Counting the Hidden", "Screening Runaway"),
        ("region=TX", "Advanced Investigations: Online Exploitation and Trafficking", "Columbia, SC"),
        ("language=es", "La trata laboral en el trabajo agrícola", "Screening Runaway"),
        ("accessibility=asl", "Accessible Services for Trafficking Survivors with Disabilities", "Screening Runaway"),
        ("free=true", "Child Sex Trafficking: Law Enforcement Response", "Health Care Response"),
        ("online=true", "Screening Runaway", "Columbia, SC"),
        ("q=agricultura", "La trata laboral en el trabajo agrícola", "Screening Runaway"),
        ("q=Embassy+Suites", "Child Sex Trafficking: Law Enforcement Response", "Screening Runaway"),
        ("q=youth", "Screening Runaway", "Counting the Hidden"),
        ("from=2027-06-01&to=2027-06-30", "Advanced Investigations", "Counting the Hidden"),
        ("observance=prevention-month", "Prevention Month Wednesdays", "Columbia, SC"),
    ],
)
def test_each_filter(query: str, expected: str, absent: str) -> None:
    html = sample_client().get("/?" + query).text
    shown = " ".join(titles(html)) + " " + " ".join(re.findall(r'<p class="entry-when">(.*?)</p>', html))
    assert expected in unescape(shown)
    assert absent not in unescape(text(shown))


def test_active_filters_link_to_their_removal() -> None:
    html = sample_client().get("/?type=webinar&type=training&online=true").text
    chips = dict(
        (text(label), unescape(url))
        for url, label in re.findall(r'<a href="([^"]+)" class="chip">(.*?)</a>', html, re.S)
    )
    assert chips["Remove filter Type: Webinar ×"] == "/?type=training&online=true"
    assert chips["Remove filter Online only ×"] == "/?type=webinar&type=training"
    assert 'id="type-1" name="type" value="webinar" checked' in html


def test_a_search_that_matches_nothing_says_so_and_offers_to_clear() -> None:
    html = sample_client().get("/?q=zebra+crossing&type=webinar").text
    shown = text(html)
    assert "No upcoming events match these filters." in shown
    assert '<a href="/">clear all filters</a>' in html
    assert 'href="/past?type=webinar&amp;q=zebra+crossing">look among past events</a>' in html


def test_empty_form_fields_are_dropped_from_the_address() -> None:
    response = sample_client().get("/?q=&from=&to=&type=webinar", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/?type=webinar"


def test_pagination_keeps_the_filters(tmp_path: Path) -> None:
    for day in range(1, 8):
        write_event(tmp_path, f"webinar-{day}", f'title: Webinar {day}\ntype: webinar\nstart: "2027-02-0{day} 14:00"\nonline: true')
    client = tmp_client(tmp_path, page_size=3)
    first = client.get("/?type=webinar").text
    assert titles(first) == ["Webinar 1", "Webinar 2", "Webinar 3"]
    assert "7 upcoming events: webinars. Showing 1-3." in results_count(first)
    assert '<a href="/?type=webinar&amp;page=2" rel="next">Next</a>' in first
    third = client.get("/?type=webinar&page=3").text
    assert titles(third) == ["Webinar 7"]
    assert '<a href="/?type=webinar&amp;page=2" rel="prev">Previous</a>' in third
    beyond = client.get("/?type=webinar&page=4")
    assert beyond.status_code == 400 and "there is no page 4; the listing has 3 pages" in text(beyond.text)


def test_past_events_newest_first_with_a_way_back() -> None:
    html = sample_client().get("/past").text
    assert html.count("<h1") == 1 and "Past events" in text(html)
    assert titles(html) == [
        "Trauma-Informed Interviewing of Trafficking Survivors",
        "Recognizing Labor Trafficking Indicators: A Webinar for Code Enforcement and Workplace Inspectors",
    ]
    assert '<a href="/">See upcoming events</a>' in html
    assert '<a href="/past?type=webinar">See past events with these filters</a>' in sample_client().get("/?type=webinar").text


# --- the prevention-month highlight -----------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "shown"),
    [
        (date(2026, 11, 30), False),
        (date(2026, 12, 1), True),
        (date(2027, 1, 5), True),
        (date(2027, 1, 31), True),
        (date(2027, 2, 1), False),
    ],
)
def test_prevention_month_highlight_from_december_through_january(today: date, shown: bool) -> None:
    html = sample_client(today).get("/").text
    assert ('id="highlight-prevention-month"' in html) is shown


def test_highlight_tells_what_when_and_how_to_follow() -> None:
    html = sample_client(JANUARY).get("/").text
    section = re.search(r'<section class="highlight".*?</section>', html, re.S)
    assert section
    shown = text(section.group(0))
    assert "National Slavery and Human Trafficking Prevention Month" in shown
    assert "January 11, 2027: National Human Trafficking Awareness Day" in shown
    assert "Prevention Month Wednesdays" not in shown  # listed below with the other events, once
    assert "Subscribe to its events" in shown
    assert 'href="webcal://127.0.0.1:8000/observances/prevention-month.ics"' in section.group(0)
    assert 'href="/observances/prevention-month"' in section.group(0)
    assert 'id="highlight-prevention-month"' not in sample_client(JANUARY).get("/?type=webinar").text


# --- subscribe links --------------------------------------------------------------------------


def test_every_listing_offers_webcal_google_and_https_for_what_is_on_screen() -> None:
    html = sample_client().get("/?type=webinar&audience=law+enforcement").text
    webcal = "webcal://127.0.0.1:8000/calendar.ics?type=webinar&audience=law+enforcement"
    assert f'href="{webcal.replace("&", "&amp;")}"' in html
    google = re.search(r'href="(https://calendar\.google\.com/calendar/r\?cid=[^"]+)"', html)
    assert google and parse_qs(urlsplit(unescape(google.group(1))).query)["cid"] == [webcal]
    assert 'value="http://127.0.0.1:8000/calendar.ics?type=webinar&amp;audience=law+enforcement" readonly data-copy' in html
    assert '<a href="/subscribe">How to subscribe, app by app</a>' in html


def test_subscribe_help_covers_each_major_app() -> None:
    html = sample_client().get("/subscribe").text
    shown = text(html)
    for heading in ("Subscribe or download?", "Google Calendar", "Android", "Apple Calendar", "Outlook", "Thunderbird"):
        assert heading in shown
    assert "will not change if the event is moved or cancelled" in shown
    assert 'href="webcal://127.0.0.1:8000/calendar.ics"' in html
    assert 'href="webcal://127.0.0.1:8000/observances/prevention-month.ics"' in html
    assert sample_client().get("/help/subscribe").text == html


# --- the event page ---------------------------------------------------------------------------


def test_event_page_shows_everything_a_reader_needs() -> None:
    html = sample_client().get("/events/child-sex-trafficking-law-enforcement-response-columbia").text
    shown = text(html)
    assert html.count("<h1") == 1
    assert "Child Sex Trafficking: Law Enforcement Response" in shown
    assert "February 22 - 24, 2027 | Columbia, SC" in shown
    assert "Monday, February 22 - Wednesday, February 24, 2027" in shown
    assert "Embassy Suites Columbia 200 Stoneridge Dr Columbia, SC 29210" in shown
    assert "Free. Register by February 1, 2027." in shown
    assert '<a href="mailto:training@scpti.example.org">' in html
    assert "Office of Juvenile Justice and Delinquency Prevention (OJJDP)" in shown
    assert '<a href="/?topic=child+sex+trafficking">child sex trafficking</a>' in html
    assert '<a href="/?audience=law+enforcement">law enforcement</a>' in html
    assert "<strong>identify, investigate, and build cases</strong>" in html
    assert "POST 21 hours" in shown


def test_event_page_add_to_calendar_links() -> None:
    html = sample_client().get("/events/fy-2027-ecm-pre-application-webinar").text
    assert 'href="/events/fy-2027-ecm-pre-application-webinar.ics" download' in html
    google = unescape(re.search(r'href="(https://calendar\.google\.com/calendar/render\?[^"]+)"', html).group(1))  # type: ignore[union-attr]
    query = parse_qs(urlsplit(google).query)
    assert query["dates"] == ["20270119T190000Z/20270119T203000Z"]
    assert query["ctz"] == ["America/New_York"]
    assert query["text"][0].startswith("FY 2027 Enhanced Collaborative Model")
    outlook = unescape(re.search(r'href="(https://outlook\.live\.com/[^"]+)"', html).group(1))  # type: ignore[union-attr]
    outlook_query = parse_qs(urlsplit(outlook).query)
    assert outlook_query["startdt"] == ["2027-01-19T19:00:00Z"] and outlook_query["allday"] == ["false"]
    assert "Times are in Eastern Time (America/New_York)." in text(html)


def test_event_page_time_in_its_own_zone() -> None:
    shown = text(sample_client().get("/events/trata-laboral-trabajo-agricola-webinar").text)
    assert "Thursday, January 21, 2027, 11 a.m. - 12:30 p.m. PT" in shown
    assert "Times are in Pacific Time (America/Los_Angeles)." in shown
    assert "Spanish (español)" in shown


def test_series_page_lists_its_sessions_and_the_skipped_one() -> None:
    shown = text(sample_client(date(2027, 1, 10)).get("/events/prevention-month-wednesday-webinars").text)
    assert "Wednesday, January 6, 2027, 1 - 2 p.m. ET (over)" in shown
    assert "Wednesday, January 13, 2027, 1 - 2 p.m. ET Wednesday, January 27, 2027, 1 - 2 p.m. ET No session" in shown
    assert "No session on Wednesday, January 20, 2027, 1 - 2 p.m. ET." in shown
    assert "Google Calendar (next session)" in shown and "Download .ics (every session)" in shown


def test_cancelled_event_page_says_so_with_the_reason() -> None:
    html = sample_client().get("/events/task-force-data-roundtable").text
    shown = text(html)
    assert "This event has been cancelled." in shown
    assert '<span class="badge badge-cancelled">Cancelled</span>' in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert data["eventStatus"] == "https://schema.org/EventCancelled"


def test_event_json_ld_for_search_engines() -> None:
    html = sample_client().get("/events/health-care-response-workshop-minneapolis").text
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert data["@type"] == "Event"
    assert data["startDate"] == "2027-03-24T09:00-05:00"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    kinds = {place["@type"] for place in data["location"]}
    assert kinds == {"Place", "VirtualLocation"}
    assert data["organizer"]["name"] == "Upper Midwest Health and Safety Coalition"
    assert data["offers"]["price"] == "60" and data["offers"]["priceCurrency"] == "USD"
    assert data["url"] == "http://127.0.0.1:8000/events/health-care-response-workshop-minneapolis"


def test_hostile_text_is_escaped_everywhere(tmp_path: Path) -> None:
    write_event(
        tmp_path,
        "hostile-event",
        'title: "<script>alert(1)</script> Webinar"\ntype: webinar\nstart: "2027-02-02 14:00"\nonline: true\n'
        'organizer:\n  name: "</script><script>alert(2)</script>"',
        body="<script>alert(3)</script>\n\n[x](javascript:alert(4))",
    )
    client = tmp_client(tmp_path)
    for path in ("/", "/events/hostile-event", "/?q=script"):
        html = client.get(path).text
        assert "<script>alert" not in html, path
        assert 'href="javascript:' not in html, path
    page = client.get("/events/hostile-event").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Webinar" in page
    assert "\\u003c/script\\u003e" in page  # inside the JSON-LD block


def test_unknown_event_is_a_readable_404_with_suggestions() -> None:
    response = sample_client().get("/events/child-sex-trafficking-law-enforcement")
    assert response.status_code == 404
    shown = text(response.text)
    assert "Page not found" in shown
    assert "There is no event called “child-sex-trafficking-law-enforcement”." in shown
    assert 'href="/events/child-sex-trafficking-law-enforcement-response-columbia"' in response.text
    assert HOTLINE in shown


def test_unknown_address_is_a_readable_404() -> None:
    response = sample_client().get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no page at this address." in text(response.text)


# --- bad filters ------------------------------------------------------------------------------


def test_unknown_type_is_a_400_offering_the_valid_choices() -> None:
    response = sample_client().get("/?type=lecture&region=SC")
    assert response.status_code == 400
    shown = text(response.text)
    assert "The filter type in the address could not be used: unknown type 'lecture'." in shown
    assert '<a href="/?region=SC&amp;type=webinar">webinar</a>' in response.text
    assert '<a href="/?region=SC">Show the page without this filter</a>' in response.text
    assert HOTLINE in shown


def test_malformed_date_is_a_400_that_says_what_was_wrong() -> None:
    response = sample_client().get("/?from=2027-13-01")
    assert response.status_code == 400
    assert "'2027-13-01' is not a date; use YYYY-MM-DD" in text(response.text)


def test_unknown_parameter_is_a_400_naming_the_known_ones() -> None:
    response = sample_client().get("/?typ=webinar")
    assert response.status_code == 400
    shown = text(response.text)
    assert "unknown parameter (did you mean 'type'?)" in shown
    assert "The filters this page understands are:" in shown and "audience" in shown


# --- observances ------------------------------------------------------------------------------


def test_observance_page_with_its_year_selectable() -> None:
    client = sample_client(NOVEMBER)
    html = client.get("/observances/prevention-month").text
    shown = text(html)
    assert "National Slavery and Human Trafficking Prevention Month 2027" in shown
    assert "January 1 - 31, 2027" in shown
    assert "January 11, 2027: National Human Trafficking Awareness Day" in shown
    assert "Prevention Month Wednesdays" in shown
    assert '<option value="2027" selected>2027</option>' in html
    earlier = text(client.get("/observances/prevention-month?year=2026").text)
    assert "No events are listed for National Slavery and Human Trafficking Prevention Month 2026 yet." in earlier
    assert client.get("/observances/prevention-month?year=soon").status_code == 400
    missing = client.get("/observances/human-rights-day")
    assert missing.status_code == 404 and 'href="/observances/prevention-month"' in missing.text


def test_observances_index() -> None:
    shown = text(sample_client().get("/observances").text)
    assert "National Slavery and Human Trafficking Prevention Month" in shown
    assert "World Day against Trafficking in Persons" in shown


# --- every page -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/past", "/events/task-force-data-roundtable", "/observances", "/observances/prevention-month",
     "/subscribe", "/?type=nope", "/nowhere"],
)
def test_every_page_has_one_h1_landmarks_and_the_hotline(path: str) -> None:
    html = sample_client().get(path).text
    assert html.count("<h1") == 1
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    shown = text(html)
    assert "National Human Trafficking Hotline: call 1-888-373-7888 or text 233733" in shown
    assert '<a href="tel:+18883737888">1-888-373-7888</a>' in html
    assert '<a href="sms:233733">233733</a>' in html
    assert "<script>" not in html  # scripts come from /static only
    assert '<script src="/static/enhance.js" defer></script>' in html


def test_every_form_control_has_a_label() -> None:
    html = sample_client().get("/").text
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html)
    labelled = set(re.findall(r'<label for="([^"]+)"', html))
    assert ids and set(ids) <= labelled


def test_headers_and_conditional_requests() -> None:
    client = sample_client()
    first = client.get("/")
    assert "script-src 'self'" in first.headers["content-security-policy"]
    etag = first.headers["etag"]
    assert etag.startswith('"')
    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/?type=webinar", headers={"If-None-Match": etag})
    assert other.status_code == 200
    head = client.head("/")
    assert head.status_code == 200 and head.headers["etag"] == etag


def test_the_page_changes_when_an_event_file_changes(tmp_path: Path) -> None:
    write_event(tmp_path, "first-webinar", 'title: First\ntype: webinar\nstart: "2027-02-02 14:00"\nonline: true')
    app = create_app(SiteConfig(), tmp_path, today=NOVEMBER, watch=False)
    client = TestClient(app)
    before = client.get("/")
    write_event(tmp_path, "second-webinar", 'title: Second\ntype: webinar\nstart: "2027-02-03 14:00"\nonline: true')
    app.state.site.refresh()
    after = client.get("/", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and titles(after.text) == ["First", "Second"]


def test_static_assets_are_served() -> None:
    client = sample_client()
    assert "text/css" in client.get("/static/style.css").headers["content-type"]
    assert "copyButtons" in client.get("/static/enhance.js").text
    assert "@page" in client.get("/static/print.css").text
    assert client.get("/static/favicon.svg").headers["content-type"].startswith("image/svg+xml")


# --- the Atom feed ----------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feed_of_upcoming_events() -> None:
    response = sample_client().get("/feed.atom?type=webinar")
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.find(f"{ATOM}title").text == "Human Trafficking Trainings: webinars"  # type: ignore[union-attr]
    entries = root.findall(f"{ATOM}entry")
    assert entries and all("Online" in (e.find(f"{ATOM}summary").text or "") for e in entries)  # type: ignore[union-attr]
    first = entries[0]
    assert first.find(f"{ATOM}title").text == "Screening Runaway and Homeless Youth for Trafficking Experiences"  # type: ignore[union-attr]
    assert first.find(f"{ATOM}link").get("href") == "http://127.0.0.1:8000/events/screening-runaway-homeless-youth"  # type: ignore[union-attr]
    assert sample_client().get("/feed.atom?type=nope").status_code == 400


# --- filters in words, boolean spellings, the way to suggest -----------------------------------


@pytest.mark.parametrize(
    ("query", "summary", "feed_name"),
    [
        ("accessibility=asl", "upcoming events with ASL interpretation.", "events with ASL interpretation"),
        ("language=es", "1 upcoming event in Spanish (español).", "events in Spanish (español)"),
        ("online=false", "upcoming events in person.", "events in person"),
    ],
)
def test_filter_summaries_use_the_forms_labels(query: str, summary: str, feed_name: str) -> None:
    client = sample_client()
    shown = results_count(client.get("/?" + query).text)
    assert shown.endswith(summary) and "asl." not in shown and "language es" not in shown
    feed = client.get("/calendar.ics?" + query).text.replace("\r\n ", "")
    assert f"X-WR-CALNAME:Human Trafficking Trainings: {feed_name}\r\n" in feed


@pytest.mark.parametrize("spelling", ["true", "TRUE", "yes", "1", "on"])
def test_online_and_free_take_the_documented_spellings_of_yes(spelling: str) -> None:
    client = sample_client()
    expected = results_count(client.get("/?online=true&free=true").text)
    response = client.get(f"/?online={spelling}&free={spelling}")
    assert response.status_code == 200 and results_count(response.text) == expected


@pytest.mark.parametrize("value", ["maybe", "2", "truthy", "y"])
def test_online_and_free_refuse_anything_else(value: str) -> None:
    client = sample_client()
    for name in ("online", "free"):
        response = client.get(f"/?{name}={value}")
        assert response.status_code == 400 and "is not true or false" in text(response.text)
        assert client.get(f"/api/events?{name}={value}").status_code == 400


def test_suggest_an_event_is_linked_from_every_page_and_an_empty_listing() -> None:
    client = sample_client()
    for path in ("/", "/subscribe", "/events/fy-2027-ecm-pre-application-webinar", "/nowhere"):
        assert '<a href="/suggest">Suggest an event</a>' in client.get(path).text, path
    empty = client.get("/?q=nothing-matches-this").text
    assert "Know of a training that belongs here?" in text(empty)
    assert client.get("/suggest").status_code == 200


def test_no_suggest_link_when_suggestions_are_off(tmp_path: Path) -> None:
    from calendar_app.core.config import load_config

    config = load_config(ROOT / "calendar.toml").model_copy(update={"allow_suggestions": False})
    client = sample_client(config=config)
    for path in ("/", "/?q=nothing-matches-this", "/subscribe"):
        assert "/suggest" not in client.get(path).text, path


# --- a series with extra dates and changed sessions --------------------------------------------------


def test_moved_cancelled_and_extra_sessions_on_the_page_the_listing_the_feed_and_the_api(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "valid" / "recurring-with-extra-and-changes.md", events / "wednesdays.md")
    client = tmp_client(events, today=date(2027, 2, 1))

    page = client.get("/events/wednesdays")
    assert page.status_code == 200
    shown = text(page.text)
    assert ("Thursday, January 28, 2027, 2 - 3 p.m. ET: Special session: Labor Trafficking "
            "(moved from Wednesday, January 27, 2027, 1 p.m. ET) (over)") in shown
    assert "Wednesday, February 3, 2027, 1 - 2 p.m. ET cancelled: The presenter is ill." in shown
    assert "<s>" in page.text.split("February 3, 2027")[0].rsplit("<li", 1)[1]  # struck through
    assert "Thursday, February 25, 2027, 1 - 3 p.m. ET (added)" in shown
    assert "No session on Wednesday, January 20, 2027" in shown
    # The next session is not the cancelled one of February 3 but the one after it.
    assert "February 10, 2027" in text(client.get("/").text).split("Wednesday Webinars")[1][:80]
    assert "When Wednesday, February 10, 2027" in shown

    feed = client.get("/calendar.ics").content
    loose, _ = parse_both(feed)
    assert [str(e.get("RECURRENCE-ID").dt) if e.get("RECURRENCE-ID") else None for e in loose.events] == [
        None, "2027-01-27 13:00:00-05:00", "2027-02-03 13:00:00-05:00", "2027-02-25 13:00:00-05:00"
    ]
    assert client.get("/events/wednesdays.ics").content.count(b"BEGIN:VEVENT") == 4

    detail = client.get("/api/events/wednesdays").json()
    assert detail["start"] == "2027-02-10T13:00:00-05:00"
    assert "2027-01-28T14:00:00-05:00" in detail["sessions"] and "2027-01-27T13:00:00-05:00" not in detail["sessions"]
    assert [(c["occurrence"], c["status"]) for c in detail["changed_sessions"]] == [
        ("2027-01-27T13:00:00-05:00", None), ("2027-02-03T13:00:00-05:00", "cancelled"), ("2027-02-25T13:00:00-05:00", None)
    ]


def test_the_region_filter_is_called_state_or_region_where_a_reader_sees_it() -> None:
    client = sample_client()
    html = client.get("/?region=TX").text
    assert "<summary>Filter by date, type, topic, audience, sponsor, state or region" in html
    assert "<legend>State or region</legend>" in html
    assert "State or region: TX" in text(html)  # the filter in use, with its link to remove it
    assert "Advanced Investigations: Online Exploitation and Trafficking" in titles(html)
    assert all("Columbia, SC" not in t for t in titles(html))
    spanish = client.get("/es/?region=TX").text
    assert "<legend>Estado o región</legend>" in spanish and "Estado o región: TX" in text(spanish)
