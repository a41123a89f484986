"""The feed routes over HTTP, as calendar apps and browsers call them."""

from __future__ import annotations

import gzip
import shutil
from datetime import date
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from calendar_app.core.config import SiteConfig
from calendar_app.core.filters import Filters
from calendar_app.render.ical.ics import subscribe_links
from calendar_app.web.app import create_app
from calendar_app.web.feedcache import FeedCache

from .conftest import SAMPLE_EVENTS
from .feedcheck import parse_both

TODAY = date(2026, 11, 23)


@pytest.fixture()
def events_dir(tmp_path: Path) -> Path:
    """A copy of the sample events that a test may change."""
    target = tmp_path / "events"
    shutil.copytree(SAMPLE_EVENTS, target)
    return target


@pytest.fixture()
def client(events_dir: Path, sample_config: SiteConfig) -> TestClient:
    return TestClient(create_app(sample_config, events_dir, today=TODAY, watch=False))


def site_of(client: TestClient):  # type: ignore[no-untyped-def]
    return client.app.state.site  # type: ignore[attr-defined]


# --- the full feed -------------------------------------------------------------------------------


def test_full_feed_is_served_as_calendar_text(client: TestClient) -> None:
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=21600"  # the 6-hour refresh interval
    etag = response.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    parsedate_to_datetime(response.headers["last-modified"])
    loose, strict = parse_both(response.content)
    assert len(strict.events) == len(site_of(client).catalog)
    assert b"SOURCE:http://127.0.0.1:8000/calendar.ics\r\n" in response.content


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    got = client.get("/calendar.ics", headers={"Accept-Encoding": "identity"})
    head = client.head("/calendar.ics", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(got.content))
    for name in ("content-type", "etag", "last-modified", "cache-control"):
        assert head.headers[name] == got.headers[name]


def test_unchanged_feed_gets_304(client: TestClient) -> None:
    first = client.get("/calendar.ics", headers={"Accept-Encoding": "identity"})
    again = client.get("/calendar.ics", headers={"Accept-Encoding": "identity", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    since = client.get("/calendar.ics", headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    other = client.get("/calendar.ics", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_gzip_when_asked(client: TestClient) -> None:
    plain = client.get("/calendar.ics", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    zipped = client.get("/calendar.ics", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.content == plain.content  # the client decompressed it
    assert int(zipped.headers["content-length"]) < len(plain.content) / 2
    assert zipped.headers["etag"] != plain.headers["etag"]  # a different representation
    refused = client.get("/calendar.ics", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in refused.headers


def test_gzip_body_is_the_feed(client: TestClient) -> None:
    cache = FeedCache.of(site_of(client))
    assert gzip.decompress(cache.feed().gzipped) == cache.feed().body


def test_a_changed_file_changes_the_feed_at_once(client: TestClient, events_dir: Path) -> None:
    before = client.get("/calendar.ics")
    path = events_dir / "2027" / "human-trafficking-indian-country-seminar.md"
    text = path.read_text(encoding="utf-8")
    assert "status:" not in text
    path.write_text(text.replace("\ntype: seminar\n", "\ntype: seminar\nstatus: cancelled\n", 1), encoding="utf-8")
    assert site_of(client).refresh()
    after = client.get("/calendar.ics", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert "SUMMARY:Cancelled: Human Trafficking in Indian Country Seminar" in after.text


def test_removing_an_event_is_seen_by_if_modified_since_clients(client: TestClient, events_dir: Path) -> None:
    before = client.get("/calendar.ics")
    oldest = min(site_of(client).catalog.events, key=lambda e: e.last_modified)
    next(events_dir.rglob(f"{oldest.slug}.md")).unlink()  # newer events remain: the newest time stays
    assert site_of(client).refresh()
    after = client.get("/calendar.ics", headers={"If-Modified-Since": before.headers["last-modified"]})
    assert after.status_code == 200
    assert f"UID:{oldest.uid}" not in after.text
    assert parsedate_to_datetime(after.headers["last-modified"]) > parsedate_to_datetime(before.headers["last-modified"])


# --- filtered feeds ------------------------------------------------------------------------------


def test_filtered_feed_holds_what_the_listing_shows(client: TestClient, sample_config: SiteConfig) -> None:
    response = client.get("/calendar.ics?type=webinar&audience=law+enforcement")
    assert response.status_code == 200
    loose, strict = parse_both(response.content)
    assert strict.name == ["Human Trafficking Trainings: webinars for law enforcement"]
    assert b"X-WR-CALNAME:Human Trafficking Trainings: webinars for law enforcement\r\n" in response.content
    filters = Filters.from_query([("type", "webinar"), ("audience", "law enforcement")], sample_config)
    expected = site_of(client).catalog.feed_events(filters, today=TODAY)
    assert [e.uid for e in strict.events] == [e.uid for e in expected]
    assert expected and all("webinar" in e.categories for e in strict.events)


def test_repeated_parameters_are_alternatives(client: TestClient) -> None:
    both = parse_both(client.get("/calendar.ics?type=webinar&type=training").content)[1]
    webinars = parse_both(client.get("/calendar.ics?type=webinar").content)[1]
    trainings = parse_both(client.get("/calendar.ics?type=training").content)[1]
    assert len(both.events) == len(webinars.events) + len(trainings.events)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("typ=webinar", "typ: unknown parameter (did you mean 'type'?)"),
        ("type=webinr", "type: unknown type 'webinr'"),
        ("from=2027-02-30", "from: '2027-02-30' is not a date; use YYYY-MM-DD"),
        ("online=maybe", "online: 'maybe' is not true or false"),
    ],
)
def test_bad_filters_get_a_plain_400(client: TestClient, query: str, words: str) -> None:
    response = client.get(f"/calendar.ics?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert words in response.text


@pytest.mark.parametrize("query", ["topic=basket+weaving", "audience=astronauts", "sponsor=NASA", "q=zzzz"])
def test_free_text_matching_nothing_is_a_valid_empty_calendar(client: TestClient, query: str) -> None:
    response = client.get(f"/calendar.ics?{query}")
    assert response.status_code == 200
    loose, strict = parse_both(response.content)
    assert strict.events == [] and len(loose.timezones) == 1


# --- one event, one observance -------------------------------------------------------------------


def test_single_event_download(client: TestClient) -> None:
    response = client.get("/events/prevention-month-wednesday-webinars.ics")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="prevention-month-wednesday-webinars.ics"'
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    loose, strict = parse_both(response.content)
    assert [e.uid for e in strict.events] == ["prevention-month-wednesday-webinars@calendar.example.org"]
    assert b"X-WR-CALNAME" not in response.content  # Outlook would make a new calendar of it
    head = client.head("/events/prevention-month-wednesday-webinars.ics")
    assert head.status_code == 200 and head.content == b""
    assert client.get("/events/no-such-event.ics").status_code == 404


def test_observance_feed(client: TestClient) -> None:
    response = client.get("/observances/prevention-month.ics")
    assert response.status_code == 200
    _, strict = parse_both(response.content)
    assert strict.name == ["Human Trafficking Trainings: National Slavery and Human Trafficking Prevention Month"]
    assert strict.events
    assert all(e.dtstart.month in (12, 1, 2) for e in strict.events)
    one_year = parse_both(client.get("/observances/prevention-month.ics?year=2027").content)[1]
    assert one_year.name == ["Human Trafficking Trainings: National Slavery and Human Trafficking Prevention Month 2027"]
    assert {e.uid for e in one_year.events} <= {e.uid for e in strict.events}
    assert client.get("/observances/no-such-month.ics").status_code == 404
    assert client.get("/observances/prevention-month.ics?year=soon").status_code == 400
    assert client.get("/observances/prevention-month.ics?type=webinar").status_code == 400


def test_subscribe_link_of_the_local_server() -> None:
    links = subscribe_links("http://127.0.0.1:8000", "/calendar.ics")
    assert links["webcal"] == "webcal://127.0.0.1:8000/calendar.ics"


def test_last_modified_is_an_http_date(client: TestClient) -> None:
    response = client.get("/calendar.ics")
    when = parsedate_to_datetime(response.headers["last-modified"])
    assert format_datetime(when, usegmt=True) == response.headers["last-modified"]
