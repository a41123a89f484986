"""Feed injection: no value anyone can write reaches the iCalendar output as a new line or property.

Every text field that reaches a feed gets each way of breaking a line (CR, LF, NEL, the
Unicode line and paragraph separators, VT, FF) and NUL, followed by iCalendar that would
start a property or an event. The validator refuses them in one-line fields; the description
is multi-line Markdown and must come out escaped; the filters of a feed's address (which end up
in its name) may hold anything. Whatever is published parses to the same events with the same
properties as a harmless value gives, and holds none of those characters raw.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import quote

import icalendar
import pytest
from fastapi.testclient import TestClient

from calendar_app.core.config import SiteConfig
from calendar_app.core.errors import EventFileError
from calendar_app.core.loader import load_event_file
from calendar_app.render.ical.ics import render_feed
from calendar_app.web.app import create_app

from .feedcheck import parse_both

CONFIG = SiteConfig()
TODAY = date(2026, 11, 23)
PAYLOAD = "BEGIN:VEVENT\r\nATTENDEE:mailto:x@example.org\r\nEND:VEVENT"

# Each character, as a YAML double-quoted escape (the only way to put most of them in one line).
BREAKS = {
    "CR": r"\r", "LF": r"\n", "CRLF": r"\r\n", "NEL": r"\x85", "LS": r"\u2028", "PS": r"\u2029",
    "VT": r"\v", "FF": r"\f", "NUL": r"\0",
}
RAW = {"CR": "\r", "LF": "\n", "CRLF": "\r\n", "NEL": "\x85", "LS": "\u2028", "PS": "\u2029",
       "VT": "\x0b", "FF": "\x0c", "NUL": "\x00"}
_YAML_PAYLOAD = r"BEGIN:VEVENT\r\nATTENDEE:mailto:x@example.org\r\nEND:VEVENT"

# Every one-line text field that reaches the feed (title, LOCATION, DESCRIPTION, ORGANIZER,
# CATEGORIES, UID), and where it sits in the front matter.
FIELDS = {
    "title": 'title: "{}"',
    "location.venue": 'location: {{venue: "{}"}}',
    "location.address": 'location: {{address: "{}"}}',
    "location.city": 'location: {{city: "{}"}}',
    "location.region": 'location: {{region: "{}"}}',
    "location.postal_code": 'location: {{postal_code: "{}"}}',
    "location.country": 'location: {{country: "{}"}}',
    "online.platform": 'online: {{platform: "{}"}}',
    "online.url": 'online: {{url: "https://example.org/{}"}}',
    "url": 'url: "https://example.org/{}"',
    "registration.url": 'registration: {{url: "https://example.org/{}"}}',
    "registration.cost": 'registration: {{cost: "{}"}}',
    "organizer.name": 'organizer: {{name: "{}", email: org@example.org}}',
    "organizer.email": 'organizer: {{email: "org{}@example.org"}}',
    "organizer.phone": 'organizer: {{phone: "{}"}}',
    "status_note": 'status: cancelled\nstatus_note: "{}"',
    "topics": 'topics: ["{}"]',
    "sponsors": 'sponsors: ["{}"]',
    "audience": 'audience: ["{}"]',
    "credits": 'credits: "{}"',
    "uid": 'uid: "{}@example.org"',
}


def write(folder: Path, front: str, body: str = "About this event.", slug: str = "injected") -> Path:
    """An event file with `front` in its front matter; a key given there replaces the harmless one."""
    given = {line.split(":", 1)[0] for line in front.splitlines()}
    harmless = [line for line in ("title: Harmless title", "online: true") if line.split(":")[0] not in given]
    lines = ["---", *harmless, "type: webinar", "start: 2027-03-02 14:00", front, "---", body, ""]
    path = folder / f"{slug}.md"
    path.write_bytes("\n".join(lines).encode("utf-8"))
    return path


def shape(data: bytes) -> list[tuple[str, list[str]]]:
    """Each component of the feed with the names of its properties: what an injection would change."""
    loose, _ = parse_both(data)
    return [(c.name, sorted(c.keys())) for c in loose.walk() if c.name in ("VCALENDAR", "VEVENT")]


def assert_nothing_raw(data: bytes) -> None:
    """No line break but the CRLF that ends each line, and no NUL (`parse_both` checks the lines too)."""
    text = data.decode("utf-8")
    for name, char in RAW.items():
        if name != "CRLF":
            assert char not in text.replace("\r\n", ""), f"a raw {name} in the feed"


def feed_of(path: Path) -> bytes:
    event = load_event_file(path, path.parent, CONFIG)
    return render_feed([event], CONFIG, today=TODAY)


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("kind", sorted(BREAKS))
def test_a_line_break_in_a_one_line_field_is_refused_or_escaped(tmp_path: Path, field: str, kind: str) -> None:
    baseline = shape(feed_of(write(tmp_path, FIELDS[field].format("harmless"), slug="baseline")))
    path = write(tmp_path, FIELDS[field].format(f"x{BREAKS[kind]}{_YAML_PAYLOAD}"))
    try:
        data = feed_of(path)
    except EventFileError as exc:
        (problem,) = exc.problems
        assert problem.field in (field, f"{field}[0]"), str(problem)
        assert problem.line is not None and problem.line >= 2
        return
    assert_nothing_raw(data)
    assert shape(data) == baseline


@pytest.mark.parametrize("kind", sorted(RAW))
def test_the_description_comes_out_escaped(tmp_path: Path, kind: str) -> None:
    # Two lines, which Markdown joins: the description as written goes in X-CALENDAR-DESCRIPTION too.
    baseline = shape(feed_of(write(tmp_path, "", body="Harmless\nwords.", slug="baseline")))
    body = f"First line{RAW[kind]}{PAYLOAD}{RAW[kind]}LOCATION:Elsewhere"
    try:
        data = feed_of(write(tmp_path, "", body=body))
    except EventFileError as exc:
        # The control characters that are no way to write a description are refused, with a line.
        assert kind in ("VT", "FF", "NUL")
        assert [str(p).split(": ", 1)[1] for p in exc.problems] == ["the description contains control characters"]
        return
    assert_nothing_raw(data)
    assert shape(data) == baseline
    (event,) = icalendar.Calendar.from_ical(data).events
    description = str(event["DESCRIPTION"])
    # Markdown joins the lines of a paragraph (a soft break is a space): the words stay, as text.
    assert all(word in description for word in ("First line", "BEGIN:VEVENT", "ATTENDEE:mailto:x@example.org", "LOCATION:Elsewhere"))
    assert "ATTENDEE" not in event and str(event["LOCATION"]) == "Online"


@pytest.mark.parametrize("kind", sorted(RAW))
@pytest.mark.parametrize("parameter", ["q", "topic", "audience", "sponsor", "region", "language"])
def test_filters_in_a_feed_address_cannot_add_a_line(tmp_path: Path, kind: str, parameter: str) -> None:
    """A feed names itself after its filters, which anyone may write into its address."""
    write(tmp_path, "topics: [youth]\naudience: [prosecutors]\nsponsors: [OVC]")
    client = TestClient(create_app(CONFIG, tmp_path, today=TODAY, watch=False, state_dir=tmp_path))
    baseline = client.get("/calendar.ics", params={parameter: "youth"})
    response = client.get(f"/calendar.ics?{parameter}=youth{quote(RAW[kind])}{quote(PAYLOAD)}")
    assert response.status_code == 200
    assert_nothing_raw(response.content)
    assert shape(response.content)[0] == shape(baseline.content)[0]  # the calendar's own properties
    assert [name for name, _ in shape(response.content)] == ["VCALENDAR"]  # and no event: nothing matched


def test_a_raw_nel_in_a_title_is_refused_from_a_file_the_form_and_the_api(tmp_path: Path) -> None:
    """U+0085 (NEL) is a line break to YAML, which folded it into a space: refused, with the title's line."""
    from calendar_app.desk.accounts import Accounts

    from .coordinator_site import csrf_of, form_of, make_site

    title = "WIN A PRIZE\x85 claim at http://phish.example/"
    path = tmp_path / "raw-nel.md"
    path.write_bytes(f"---\ntype: webinar\ntitle: {title}\nstart: 2027-03-02 14:00\nonline: true\n---\n".encode())
    with pytest.raises(EventFileError) as refused:
        load_event_file(path, tmp_path, CONFIG)
    (problem,) = refused.value.problems
    assert (problem.line, problem.column, problem.field) == (3, 19, "title")
    assert problem.message.startswith("must be one line of text, without line breaks or control characters")

    site = make_site(tmp_path / "site")
    before = site.files()
    token = Accounts(site.root / "coordinators.toml").issue_token("Ana Ruiz")[1]
    fields = {"title": title, "type": "webinar", "start": "2027-05-12 14:00", "online": True}
    api = site.client.post("/api/events", json={"fields": fields, "description": "x"},
                           headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 422
    assert [(p["field"], p["line"]) for p in api.json()["problems"]] == [("title", 2)]
    new = site.client.post("/manage/new", data={
        "csrf_token": csrf_of(site.client, "/manage/new"), "title": title, "type": "webinar",
        "start": "2027-04-06 13:00", "online": "on", "description": "x", "action": "save"}, follow_redirects=False)
    edit_url = "/manage/events/screening-youth-webinar/edit"
    edit = site.client.post(edit_url, data={**form_of(site.client, edit_url), "title": title}, follow_redirects=False)
    for page in (new, edit):
        assert page.status_code == 422
        assert re.search(r'id="f-title-error"><li>must be one line of text, without line breaks', page.text)
    assert site.files() == before
