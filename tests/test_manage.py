"""The coordinators' pages over HTTP: login, CSRF, the form, cancel, history, and what the public then sees."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from icalendar import Calendar

from calendar_app.cli.main import main
from calendar_app.web.app import create_app

from .coordinator_site import PASSWORD, DeskSite, csrf_of, form_of, log_in, make_site


def new_event(site: DeskSite, **changes: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf_of(site.client, "/manage/new"),
        "title": "Labor Trafficking Indicators for Inspectors",
        "type": "webinar",
        "start": "2027-04-06 13:00",
        "end": "14:30",
        "timezone": "America/Chicago",
        "online": "on",
        "online.url": "https://www.example.org/join/inspectors",
        "topics": "labor trafficking, inspections",
        "audience": "labor inspectors",
        "description": "What inspectors can see that others miss.",
        "action": "save",
    }
    data.update(changes)
    return data


def flash_of(html: str) -> str:
    match = re.search(r'class="flash"[^>]*>([^<]*)<', html)
    return match.group(1) if match else ""


# --- who may enter -------------------------------------------------------------------------------


def manage_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) under /manage, however the routers were included."""
    found = []

    def walk(routes: list[object]) -> None:
        for route in routes:
            if isinstance(route, APIRoute) and route.path.startswith("/manage"):
                path = route.path.replace("{slug}", "screening-youth-webinar").replace("{item_id}", "0" * 20)
                found.extend((method, path) for method in route.methods)
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)

    walk(client.app.routes)  # type: ignore[attr-defined]
    return sorted(set(found))


def test_every_manage_route_sends_anonymous_requests_to_the_login_page(tmp_path: Path) -> None:
    site = make_site(tmp_path, login=False)
    routes = manage_routes(site.client)
    assert len(routes) == 16  # the walk found them all (a new route changes the count)
    before = site.files()
    for method, path in routes:
        response = site.client.request(method, path, data={"title": "x"}, follow_redirects=False)
        assert response.status_code == 303, (method, path)
        assert response.headers["location"].startswith("/login?next="), (method, path)
        assert "Screening" not in response.text
    page = site.client.get("/manage")
    assert page.url.path == "/login" and "<h1>Log in</h1>" in page.text and "Screening" not in page.text
    assert site.files() == before


def test_login_and_logout(tmp_path: Path) -> None:
    site = make_site(tmp_path, login=False)
    response = log_in(site.client, "Ana Ruiz")
    assert response.status_code == 303 and response.headers["location"] == "/manage"
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "secure" not in cookie.lower()
    page = site.client.get("/manage")
    assert "Logged in as Ana Ruiz" in page.text and "Screening Youth for Trafficking" in page.text
    assert page.headers["cache-control"] == "no-store"
    token = csrf_of(site.client, "/manage")
    assert site.client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert site.client.get("/manage", follow_redirects=False).status_code == 303


def _opens_the_desk(app: object, cookie: str) -> bool:
    """Whether a browser holding only this cookie sees the coordinators' desk."""
    browser = TestClient(app)  # type: ignore[arg-type]
    browser.cookies.set("calendar_session", cookie)
    page = browser.get("/manage", follow_redirects=False)
    return page.status_code == 200 and "Logged in as Ana Ruiz" in page.text


def _command(site: DeskSite, monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main([*args, "--config", str(site.root / "calendar.toml")]) == 0


def test_a_cookie_saved_before_logout_opens_nothing_after_it_in_any_worker(site: DeskSite) -> None:
    saved = site.client.cookies["calendar_session"]
    other_worker = create_app(site.config, site.events, watch=False, state_dir=site.root)
    assert _opens_the_desk(site.client.app, saved) and _opens_the_desk(other_worker, saved)
    logout = site.client.post("/logout", data={"csrf_token": csrf_of(site.client, "/manage")}, follow_redirects=False)
    assert logout.status_code == 303
    assert not _opens_the_desk(site.client.app, saved) and not _opens_the_desk(other_worker, saved)
    assert log_in(site.client).status_code == 303  # logging in again gives a new session, not the old one
    assert not _opens_the_desk(site.client.app, saved)
    assert _opens_the_desk(site.client.app, site.client.cookies["calendar_session"])


def test_a_new_password_ends_every_session(site: DeskSite, monkeypatch: pytest.MonkeyPatch) -> None:
    saved = site.client.cookies["calendar_session"]
    _command(site, monkeypatch, "coordinator", "password", "Ana Ruiz", "--password-stdin",
             stdin="a brand new long password\n")
    assert not _opens_the_desk(site.client.app, saved)
    assert site.client.get("/manage", follow_redirects=False).status_code == 303
    assert log_in(site.client, "Ana Ruiz", PASSWORD).status_code == 401
    assert log_in(site.client, "Ana Ruiz", "a brand new long password").status_code == 303


def test_removing_a_coordinator_ends_her_sessions_even_if_she_is_added_again(
    site: DeskSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = site.client.cookies["calendar_session"]
    _command(site, monkeypatch, "coordinator", "remove", "Ana Ruiz")
    assert not _opens_the_desk(site.client.app, saved)
    _command(site, monkeypatch, "coordinator", "add", "Ana Ruiz", "ana@example.org", "--password-stdin",
             stdin=PASSWORD + "\n")
    assert not _opens_the_desk(site.client.app, saved)


def test_the_cookie_holds_only_an_opaque_session_id(site: DeskSite) -> None:
    cookie = site.client.cookies["calendar_session"]
    payload = base64.b64decode(cookie.split(".")[0] + "==").decode()  # the signed part is readable, so read it
    session_id = json.loads(payload)["sid"]
    assert list(json.loads(payload)) == ["sid"] and len(session_id) >= 43
    token = csrf_of(site.client, "/manage")
    for secret in ("Ana", "ana@example.org", token):
        assert secret not in payload
    stored = b"".join(p.read_bytes() for p in site.root.glob(".sessions.sqlite*"))
    assert b"Ana Ruiz" in stored and session_id.encode() not in stored  # kept by a keyed digest only


def test_sessions_that_cannot_be_kept_refuse_logins_plainly_and_leave_public_pages_alone(tmp_path: Path) -> None:
    site = make_site(tmp_path, login=False)
    (tmp_path / ".sessions.sqlite").mkdir()  # where the file should be: SQLite cannot open it
    response = log_in(site.client)
    assert response.status_code == 503 and "cannot keep track of who is logged in" in response.text
    desk = site.client.get("/manage", follow_redirects=False)  # nobody is let in
    assert desk.status_code == 503 and "Screening" not in desk.text
    assert site.client.get("/suggest").status_code == 200


def test_the_desk_finds_events_by_title_or_file_name(site: DeskSite) -> None:
    page = site.client.get("/manage", params={"q": "columbia"}).text
    assert "cst-law-enforcement-columbia" in page and "screening-youth-webinar" not in page
    assert "Upcoming and current events (1)" in page


def test_the_cookie_is_secure_when_the_site_is_served_over_https(tmp_path: Path) -> None:
    site = make_site(tmp_path, settings='base_url = "https://trainings.example.org"', login=False)
    site.client.base_url = "https://testserver"  # type: ignore[assignment]
    response = log_in(site.client)
    assert "; secure" in response.headers["set-cookie"].lower()


def test_login_back_to_the_page_asked_for_but_never_to_another_site(tmp_path: Path) -> None:
    site = make_site(tmp_path, login=False)
    first = site.client.get("/manage/events/screening-youth-webinar/history", follow_redirects=False)
    assert first.headers["location"] == "/login?next=%2Fmanage%2Fevents%2Fscreening-youth-webinar%2Fhistory"
    for target, expected in (("/manage/pending", "/manage/pending"), ("https://evil.example/x", "/manage"),
                             ("//evil.example", "/manage")):
        token = csrf_of(site.client, "/login")  # a login gives the session a new token
        response = site.client.post("/login", data={"csrf_token": token, "identifier": "ana@example.org",
                                                    "password": PASSWORD, "next": target}, follow_redirects=False)
        assert response.headers["location"] == expected


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(tmp_path: Path) -> None:
    site = make_site(tmp_path, login=False)
    wrong = log_in(site.client, "ana@example.org", "not the password at all")
    unknown = log_in(site.client, "nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    message = "The name or password is not right."
    assert message in wrong.text and message in unknown.text
    assert site.client.get("/manage", follow_redirects=False).status_code == 303


def test_lockout_after_repeated_failures_per_account(tmp_path: Path) -> None:
    site = make_site(tmp_path, settings="login_max_failures = 3", login=False)
    for _ in range(3):
        assert log_in(site.client, "Ana Ruiz", "guess guess guess").status_code == 401
    locked = log_in(site.client, "Ana Ruiz", PASSWORD)  # even the right password waits
    assert locked.status_code == 429 and "Too many failed attempts. Try again in 15 minutes." in locked.text
    assert site.client.get("/manage", follow_redirects=False).status_code == 303
    assert log_in(site.client, "Ben Okafor", PASSWORD).status_code == 303  # another account is not locked
    for _ in range(3):
        log_in(site.client, "nobody at all", "guess guess guess")
    assert "Too many failed attempts" in log_in(site.client, "nobody at all", "x").text  # no enumeration


def test_a_broken_coordinators_file_is_said_plainly(tmp_path: Path) -> None:
    site = make_site(tmp_path, login=False)
    (tmp_path / "coordinators.toml").write_text("[[coordinators]\nname = ", encoding="utf-8")
    response = log_in(site.client)
    assert response.status_code == 503 and "list of coordinators cannot be read" in response.text
    assert site.client.get("/suggest").status_code == 200  # the public pages do not depend on it


def test_lockout_per_address(tmp_path: Path) -> None:
    site = make_site(tmp_path, settings="login_max_failures = 2", login=False)
    for n in range(8):  # many accounts from one address: the address limit is 4x the account limit
        log_in(site.client, f"someone{n}@example.org", "guess guess guess")
    assert log_in(site.client, "Ana Ruiz", PASSWORD).status_code == 429


def test_posts_without_the_sessions_csrf_token_are_refused(site: DeskSite) -> None:
    before = site.files()
    data = new_event(site)
    data.pop("csrf_token")
    refused = site.client.post("/manage/new", data=data)
    assert refused.status_code == 403 and "did not come from this site" in refused.text
    other = TestClient(site.client.app)
    log_in(other, "Ben Okafor")
    foreign = site.client.post("/manage/new", data={**data, "csrf_token": csrf_of(other, "/manage/new")})
    assert foreign.status_code == 403
    assert site.client.post("/logout", data={}).status_code == 403
    assert site.files() == before


def test_a_removed_coordinator_is_logged_out(site: DeskSite) -> None:
    from calendar_app.desk.accounts import Accounts

    Accounts(site.root / "coordinators.toml").remove("Ana Ruiz")
    assert site.client.get("/manage", follow_redirects=False).status_code == 303


# --- the form ------------------------------------------------------------------------------------------


def test_a_new_event_is_written_and_appears_in_the_listing_and_the_feed(site: DeskSite) -> None:
    response = site.client.post("/manage/new", data=new_event(site), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/manage/events/labor-trafficking-indicators-for-inspectors/edit"
    text = site.text("labor-trafficking-indicators-for-inspectors")
    assert site.path("labor-trafficking-indicators-for-inspectors").parent.name == "2027"
    assert text.startswith(
        "---\ntitle: Labor Trafficking Indicators for Inspectors\ntype: webinar\nstart: 2027-04-06 13:00\n"
    )
    assert "timezone: America/Chicago\n" in text and "topics: [labor trafficking, inspections]\n" in text
    assert re.search(r"^uid: labor-trafficking-indicators-for-inspectors-[0-9a-f]{8}@", text, re.M)
    assert text.endswith("---\nWhat inspectors can see that others miss.\n")
    assert "Labor Trafficking Indicators for Inspectors" in site.client.get("/").text
    feed = site.client.get("/calendar.ics").text
    assert "SUMMARY:Labor Trafficking Indicators for Inspectors" in feed
    assert "DTSTART;TZID=America/Chicago:20270406T130000" in feed
    assert "Published: Labor Trafficking Indicators for Inspectors." in flash_of(site.client.get(
        response.headers["location"]).text)


def test_field_errors_appear_beside_their_fields_and_what_was_typed_stays(site: DeskSite) -> None:
    before = site.files()
    response = site.client.post("/manage/new", data=new_event(site, end="2027-04-05 12:00", title="Kept Title"))
    assert response.status_code == 422
    error = re.search(r'<ul class="field-errors" id="f-end-error">(.*?)</ul>', response.text, re.S)
    assert error and "ends before it starts" in error.group(1)
    assert 'aria-describedby="f-end-help f-end-error"' in response.text
    assert 'value="Kept Title"' in response.text
    assert 'name="end.date" value="2027-04-05"' in response.text and 'name="end.time" value="12:00"' in response.text
    assert "What inspectors can see that others miss." in response.text
    assert "1 problem: nothing was saved" in response.text
    assert site.files() == before


def test_an_event_without_a_place_is_told_beside_where_not_title(site: DeskSite) -> None:
    response = site.client.post("/manage/new", data=new_event(site, online="", **{"online.url": ""}))
    assert response.status_code == 422
    error = re.search(r'<ul class="field-errors" id="f-location-venue-error">(.*?)</ul>', response.text, re.S)
    assert error and "neither a location nor online details" in error.group(1)
    assert "fill in Where (a venue or city) or Online" in error.group(1) and "`" not in error.group(1)
    assert 'id="f-title-error"' not in response.text
    assert '<a href="#f-location-venue">Venue</a>: the event has neither' in response.text


def test_dates_and_times_are_native_controls_with_a_text_for_the_rest(site: DeskSite) -> None:
    page = site.client.get("/manage/new").text
    assert '<input type="date" id="f-start" name="start.date"' in page
    assert '<input type="time" id="f-start-time" name="start.time"' in page
    assert '<input type="text" id="f-start-text" name="start"' in page
    assert '<input type="date" id="f-registration-deadline" name="registration.deadline"' in page
    for legend in ("What", "When", "Where", "Online", "Registration", "Organizer", "Description"):
        assert f"<legend>{legend}</legend>" in page
    data = new_event(site, start="", end="", title="Posted in Parts")
    data.update({"start.date": "2027-04-06", "start.time": "13:00", "end.time": "14:30"})
    response = site.client.post("/manage/new", data=data, follow_redirects=False)
    assert response.status_code == 303
    assert "start: 2027-04-06 13:00\nend: '14:30'\n" in site.text("posted-in-parts")
    # What the native controls cannot hold is typed out, and shown again as typed.
    data = new_event(site, start="2027-04-06 13:00-05:00", title="With an Offset", action="preview")
    page = site.client.post("/manage/new", data=data).text
    assert '<details class="when-text" open>' in page and 'name="start" value="2027-04-06 13:00-05:00"' in page


BAD_INPUT = [
    ("title", "T" * 201, "title", "is longer than 200 characters"),
    ("description", "Hello <script>alert(1)</script>", "description", "contains HTML"),
    ("title", "Line one\r\nInjected: header", "title", "must be one line"),
    ("slug", "../../etc/passwd", "slug", "lowercase letters, digits and single hyphens"),
    ("url", "javascript:alert(1)", "url", "must be an http:// or https:// address"),
    ("online.url", "ftp://files.example.org/x", "online-url", "must be an http:// or https:// address"),
    ("start", "2027-02-30 10:00", "start", "not a date"),
    ("registration.deadline", "2027-13-01", "registration-deadline", "is not a real date"),
    ("sequence", "-3", "sequence", "greater than or equal to 0"),
]


@pytest.mark.parametrize(("name", "value", "control", "message"), BAD_INPUT, ids=[b[0] + "-" + b[3][:12] for b in BAD_INPUT])
def test_bad_input_gets_a_field_error_and_changes_nothing(
    site: DeskSite, name: str, value: str, control: str, message: str
) -> None:
    before = site.files()
    response = site.client.post("/manage/new", data=new_event(site, **{name: value}))
    assert response.status_code == 422
    error = re.search(rf'<ul class="field-errors" id="f-{control}-error">(.*?)</ul>', response.text, re.S)
    assert error, response.text[:2000]
    assert message in error.group(1)
    assert "<script>alert" not in response.text  # shown escaped, never as markup
    assert site.files() == before


def test_bad_input_to_an_edit_leaves_the_file_unchanged(site: DeskSite) -> None:
    before = site.files()
    form = form_of(site.client, "/manage/events/screening-youth-webinar/edit")
    for name, value, _control, _message in BAD_INPUT:
        if name == "slug":
            continue
        response = site.client.post("/manage/events/screening-youth-webinar/edit", data={**form, name: value,
                                                                                          "action": "save"})
        assert response.status_code == 422, name
    assert site.files() == before


def test_preview_shows_the_listing_entry_and_the_event_page_without_saving(site: DeskSite) -> None:
    before = site.files()
    response = site.client.post("/manage/new", data=new_event(site, action="preview"))
    assert response.status_code == 200
    assert "Preview: nothing is saved yet" in response.text
    preview = response.text.split('class="preview"', 1)[1]
    assert "Labor Trafficking Indicators for Inspectors" in preview and "April 6, 2027" in preview
    assert "What inspectors can see that others miss." in preview
    assert response.text.count("<h1") == 1
    assert site.files() == before


def test_an_edit_keeps_comments_and_unusual_fields_and_bumps_the_sequence(site: DeskSite) -> None:
    form = form_of(site.client, "/manage/events/screening-youth-webinar/edit")
    assert form["title"] == "Screening Youth for Trafficking" and form["start"] == "2027-03-02 14:00"
    response = site.client.post("/manage/events/screening-youth-webinar/edit",
                                data={**form, "start": "2027-03-09 14:00", "action": "save"}, follow_redirects=False)
    assert response.status_code == 303
    text = site.text("screening-youth-webinar")
    assert "# Written by hand; this comment must survive an edit through the form.\n" in text
    assert "featured: false   # unusual but valid" in text
    assert 'title: "Screening Youth for Trafficking"\n' in text  # untouched: its quotes too
    assert 'start: "2027-03-09 14:00"\n' in text and "sequence: 1\n" in text  # the quotes the person chose
    assert "its sequence is now 1" in flash_of(site.client.get(response.headers["location"]).text)
    assert "SEQUENCE:1" in site.client.get("/events/screening-youth-webinar.ics").text


def test_the_uid_of_a_published_event_cannot_be_changed_from_the_form(site: DeskSite) -> None:
    page = site.client.get("/manage/events/screening-youth-webinar/edit").text
    assert re.search(r'<input type="text" id="f-uid" name="uid" value="" readonly', page)
    form = form_of(site.client, "/manage/events/screening-youth-webinar/edit")
    site.client.post("/manage/events/screening-youth-webinar/edit",
                     data={**form, "uid": "hijacked@example.org", "title": "Renamed", "action": "save"})
    assert "hijacked" not in site.text("screening-youth-webinar") and 'title: "Renamed"' in site.text(
        "screening-youth-webinar")


def test_a_title_change_does_not_bump_the_sequence(site: DeskSite) -> None:
    form = form_of(site.client, "/manage/events/screening-youth-webinar/edit")
    site.client.post("/manage/events/screening-youth-webinar/edit", data={**form, "title": "New title", "action": "save"})
    assert 'title: "New title"\n' in site.text("screening-youth-webinar")  # the quotes the person chose
    assert "sequence" not in site.text("screening-youth-webinar")


def test_the_second_of_two_concurrent_edits_is_refused(site: DeskSite) -> None:
    other = TestClient(site.client.app)
    log_in(other, "Ben Okafor")
    mine = form_of(site.client, "/manage/events/screening-youth-webinar/edit")
    theirs = form_of(other, "/manage/events/screening-youth-webinar/edit")
    assert other.post("/manage/events/screening-youth-webinar/edit",
                      data={**theirs, "title": "Ben's title", "action": "save"}, follow_redirects=False).status_code == 303
    refused = site.client.post("/manage/events/screening-youth-webinar/edit",
                               data={**mine, "title": "Ana's title", "action": "save"})
    assert refused.status_code == 409
    assert "was changed by someone else after you opened it; your changes were not saved" in refused.text
    assert 'value="Ana\'s title"' in refused.text or "value=\"Ana&#39;s title\"" in refused.text
    assert 'title: "Ben\'s title"' in site.text("screening-youth-webinar")


def test_cancel_marks_the_event_in_the_listing_page_and_feed(site: DeskSite) -> None:
    page = site.client.get("/manage/events/cst-law-enforcement-columbia/cancel")
    assert "Cancel Child Sex Trafficking: Law Enforcement Response" in page.text
    form = form_of(site.client, "/manage/events/cst-law-enforcement-columbia/cancel")
    missing = site.client.post("/manage/events/cst-law-enforcement-columbia/cancel", data={**form, "reason": " "})
    assert missing.status_code == 422 and "give the reason" in missing.text
    done = site.client.post("/manage/events/cst-law-enforcement-columbia/cancel",
                            data={**form, "reason": "The venue closed for repairs."}, follow_redirects=False)
    assert done.status_code == 303
    text = site.text("cst-law-enforcement-columbia")
    assert "status: cancelled\nstatus_note: The venue closed for repairs.\n" in text and "sequence: 1\n" in text
    event_page = site.client.get("/events/cst-law-enforcement-columbia").text
    assert "This event has been cancelled." in event_page and "The venue closed for repairs." in event_page
    assert "Cancelled" in site.client.get("/").text
    feed = Calendar.from_ical(site.client.get("/calendar.ics").content)
    vevent = next(v for v in feed.walk("VEVENT") if "Child Sex Trafficking" in str(v["SUMMARY"]))
    assert vevent["STATUS"] == "CANCELLED" and vevent["SEQUENCE"] == 1


def test_history_from_the_change_log(site: DeskSite) -> None:
    form = form_of(site.client, "/manage/events/screening-youth-webinar/edit")
    site.client.post("/manage/events/screening-youth-webinar/edit", data={**form, "topics": "screening", "action": "save"})
    page = site.client.get("/manage/events/screening-youth-webinar/history").text
    assert "Ana Ruiz" in page and "Edited screening-youth-webinar: topics" in page
    assert "from the change log" in page
    assert (site.root / "changes.log").read_text().count("\n") == 1


def test_history_from_git_commits(tmp_path: Path) -> None:
    import subprocess

    site = make_site(tmp_path, git=True)
    form = form_of(site.client, "/manage/events/screening-youth-webinar/edit")
    site.client.post("/manage/events/screening-youth-webinar/edit", data={**form, "end": "16:00", "action": "save"})
    log = subprocess.run(["git", "-C", str(tmp_path), "log", "--format=%an <%ae>|%s"], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert log[0] == "Ana Ruiz <ana@example.org>|Edited screening-youth-webinar: end (sequence 1)"
    page = site.client.get("/manage/events/screening-youth-webinar/history").text
    assert "Edited screening-youth-webinar: end (sequence 1)" in page and "Initial events" in page
    assert not (tmp_path / "changes.log").exists()


def test_an_invalid_file_keeps_its_last_good_version_and_is_shown_to_coordinators(site: DeskSite) -> None:
    site.path("screening-youth-webinar").write_text(site.text("screening-youth-webinar").replace(
        'end: "15:30"', 'end: "13:00"'), encoding="utf-8")
    site.client.app.state.site.refresh()  # type: ignore[attr-defined]
    assert "Screening Youth for Trafficking" in site.client.get("/events/screening-youth-webinar").text
    manage = site.client.get("/manage").text
    assert "Files with problems (1)" in manage and "end: ends before it starts" in manage
    edit = site.client.get("/manage/events/screening-youth-webinar/edit").text
    assert "The file on disk is invalid." in edit


def test_a_draft_is_kept_out_of_the_site_and_deleted_to_the_trash(site: DeskSite) -> None:
    response = site.client.post("/manage/new", data=new_event(site, action="draft", end=""), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/manage/pending/")
    assert "Labor Trafficking Indicators" not in site.client.get("/").text
    assert "Labor Trafficking Indicators" in site.client.get("/manage/pending").text
    token = csrf_of(site.client, response.headers["location"])
    deleted = site.client.post(response.headers["location"] + "/delete", data={"csrf_token": token})
    assert "moved to the trash folder" in deleted.text
    trashed = list((site.root / "trash").glob("*.md"))
    assert len(trashed) == 1 and "Labor Trafficking Indicators" in trashed[0].read_text()
    assert "Nothing is waiting." in site.client.get("/manage/pending").text


def test_extra_dates_of_a_series_are_added_from_the_form(site: DeskSite) -> None:
    form = form_of(site.client, "/manage/events/screening-youth-webinar/edit")
    data = {**form, "repeat": "FREQ=WEEKLY;COUNT=3", "extra": "2027-04-01 14:00", "action": "save"}
    response = site.client.post("/manage/events/screening-youth-webinar/edit", data=data, follow_redirects=False)
    assert response.status_code == 303
    text = site.text("screening-youth-webinar")
    assert "repeat: FREQ=WEEKLY;COUNT=3\n" in text and "2027-04-01 14:00" in text
    feed = site.client.get("/events/screening-youth-webinar.ics").text
    assert "RDATE;TZID=America/New_York:20270401T140000" in feed
    assert form_of(site.client, "/manage/events/screening-youth-webinar/edit")["extra"] == "2027-04-01 14:00"


# --- changed sessions ----------------------------------------------------------------------------

SERIES = """\
---
title: "Wednesday Webinars"
type: webinar
start: "2027-03-03 13:00"
end: "14:00"
timezone: America/Chicago
online: true
repeat: FREQ=WEEKLY;BYDAY=WE;COUNT=6
except: ["2027-03-17 13:00"]
changes:
  - occurrence: "2027-03-10 13:00"   # moved for the holiday
    start: "2027-03-11 15:00"
    title: "Special session: Labor Trafficking"
  - occurrence: 2027-03-24 13:00
    status: cancelled
    status_note: The presenter is ill.
---
Weekly.
"""
SERIES_EDIT = "/manage/events/wednesday-webinars/edit"


@pytest.fixture
def series(tmp_path: Path) -> DeskSite:
    from datetime import date

    site = make_site(tmp_path, today=date(2027, 3, 5))
    (site.events / "2027" / "wednesday-webinars.md").write_text(SERIES, encoding="utf-8")
    site.client.app.state.site.refresh()  # type: ignore[attr-defined]
    return site


def test_every_key_of_a_changed_session_has_a_labelled_control() -> None:
    from calendar_app.desk.eventform import CHANGE_KEYS
    from calendar_app.web.formview import CHANGE_LABELS

    assert set(CHANGE_LABELS) == set(CHANGE_KEYS)


def _options(html: str, name: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of each option of the select called `name`."""
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return [(v, label, bool(chosen)) for v, chosen, label in
            re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1))]


def test_changed_sessions_are_rows_filled_in_with_one_empty_row_to_add_another(series: DeskSite) -> None:
    page = series.client.get(SERIES_EDIT).text
    assert "<legend>Changed sessions</legend>" in page
    assert re.findall(r'<legend>Session change (\d)', page) == ["1", "2", "3"]
    # The session chosen from the series' sessions not over by today, in words; skipped ones left out.
    sessions = _options(page, "changes.0.occurrence.choice")
    assert sessions[0] == ("", "Choose a session", False)
    assert [v for v, _, _ in sessions[1:]] == ["2027-03-10 13:00", "2027-03-24 13:00", "2027-03-31 13:00",
                                              "2027-04-07 13:00"]
    assert ("2027-03-10 13:00", "Wednesday, March 10, 2027, 1 p.m.", True) in sessions
    assert ("2027-03-24 13:00", "Wednesday, March 24, 2027, 1 p.m.", True) in _options(
        page, "changes.1.occurrence.choice")
    assert 'name="changes.0.start.date" value="2027-03-11"' in page and 'name="changes.0.start.time" value="15:00"' in page
    assert 'name="changes.0.title" value="Special session: Labor Trafficking"' in page
    assert ("cancelled", "Cancelled", True) in _options(page, "changes.1.status")
    assert 'name="changes.1.status_note" value="The presenter is ill."' in page
    assert 'name="changes.0.remove"' in page and 'name="changes.2.remove"' not in page  # an empty row has none
    assert not any(chosen for _, _, chosen in _options(page, "changes.2.occurrence.choice"))
    assert '<button type="submit" name="action" value="add-change"' in page


def test_a_series_saved_without_touching_its_changes_keeps_them_byte_for_byte(series: DeskSite) -> None:
    form = form_of(series.client, SERIES_EDIT)
    unchanged = series.client.post(SERIES_EDIT, data={**form, "action": "save"}, follow_redirects=False)
    assert unchanged.status_code == 303 and series.text("wednesday-webinars") == SERIES
    assert "Nothing changed" in flash_of(series.client.get(SERIES_EDIT).text)
    retitled = series.client.post(SERIES_EDIT, data={**form, "title": "Wednesday Webinars 2027", "action": "save"},
                                  follow_redirects=False)
    assert retitled.status_code == 303
    assert series.text("wednesday-webinars") == SERIES.replace('title: "Wednesday Webinars"',
                                                               'title: "Wednesday Webinars 2027"')


def test_a_session_is_moved_and_another_cancelled_from_the_form(series: DeskSite) -> None:
    form = form_of(series.client, SERIES_EDIT)
    data = {
        **form,
        "changes.0.remove": "on",  # the holiday move is called off
        "changes.2.occurrence.choice": "2027-03-31 13:00",
        "changes.2.start.date": "2027-04-01", "changes.2.start.time": "10:00", "changes.2.end.time": "11:30",
        "action": "save",
    }
    data["changes.1.status_note"] = "The presenter is ill; the recording of March 3 is posted instead."
    response = series.client.post(SERIES_EDIT, data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[:3000]
    text = series.text("wednesday-webinars")
    assert text.split("changes:\n", 1)[1].split("---\n", 1)[0] == (
        "  - occurrence: 2027-03-24 13:00\n"
        "    status: cancelled\n"
        "    status_note: The presenter is ill; the recording of March 3 is posted instead.\n"
        "  - occurrence: 2027-03-31 13:00\n"
        "    start: 2027-04-01 10:00\n"
        "    end: 11:30\n"
        "sequence: 1\n"  # the schedule changed: calendar apps replace their copy
    )
    assert text.startswith(SERIES.split("changes:", 1)[0])  # the rest of the front matter as it was
    assert "Edited wednesday-webinars: changes (sequence 1)" in series.client.get(
        "/manage/events/wednesday-webinars/history").text
    page = series.client.get("/events/wednesday-webinars").text
    assert "moved from" in page and "April 1, 2027" in page and "The presenter is ill;" in page
    cancelled = re.search(r'<li class="cancelled">(.*?)</li>', page, re.S)
    assert cancelled and "March 24, 2027" in cancelled.group(1) and "cancelled" in cancelled.group(1)
    feed = Calendar.from_ical(series.client.get("/events/wednesday-webinars.ics").content)
    moved = [v for v in feed.walk("VEVENT") if "RECURRENCE-ID" in v]
    assert {str(v["RECURRENCE-ID"].dt) for v in moved} == {"2027-03-24 13:00:00-05:00", "2027-03-31 13:00:00-05:00"}
    # Opened again: the rows as saved.
    again = series.client.get(SERIES_EDIT).text
    assert ("2027-03-31 13:00", "Wednesday, March 31, 2027, 1 p.m.", True) in _options(
        again, "changes.1.occurrence.choice")


def test_add_another_session_change_shows_one_more_empty_row_and_saves_nothing(series: DeskSite) -> None:
    before = series.files()
    form = form_of(series.client, SERIES_EDIT)
    data = {**form, "title": "Typed, not saved", "changes.2.occurrence.choice": "2027-04-07 13:00",
            "changes.2.status": "tentative", "action": "add-change"}
    page = series.client.post(SERIES_EDIT, data=data)
    assert page.status_code == 200 and series.files() == before
    assert re.findall(r'<legend>Session change (\d)', page.text) == ["1", "2", "3", "4"]
    assert 'value="Typed, not saved"' in page.text
    assert ("2027-04-07 13:00", "Wednesday, April 7, 2027, 1 p.m.", True) in _options(
        page.text, "changes.2.occurrence.choice")
    assert ("tentative", "Tentative", True) in _options(page.text, "changes.2.status")
    # Two empty rows posted: three come back, and a new event's form answers the same button.
    more = series.client.post(SERIES_EDIT, data={**form_of(series.client, SERIES_EDIT), "changes.3.title": "",
                                                 "action": "add-change"})
    assert re.findall(r'<legend>Session change (\d)', more.text) == ["1", "2", "3", "4", "5"]
    assert series.files() == before


def test_a_problem_with_a_changed_session_is_told_beside_its_row(series: DeskSite) -> None:
    before = series.files()
    form = form_of(series.client, SERIES_EDIT)
    data = {**form, "changes.2.occurrence": "2027-03-18 13:00", "changes.2.status": "cancelled",
            "changes.0.status_note": "Moved for the holiday", "action": "save"}
    response = series.client.post(SERIES_EDIT, data=data)
    assert response.status_code == 422 and series.files() == before
    beside = dict(re.findall(r'<ul class="field-errors" id="([^"]+)"><li>(.*?)</li>', response.text))
    assert beside == {
        "f-changes-0-status-note-error": "a status note needs status Cancelled or Tentative in the same change",
        "f-changes-2-occurrence-error": "2027-03-18 13:00 is not an occurrence of the repeat rule or Extra dates",
    }
    assert "2 problems: nothing was saved" in response.text
    assert ('<a href="#f-changes-2-occurrence">Session change 3, session</a>: 2027-03-18 13:00 is not an '
            "occurrence") in response.text
    assert "changes[" not in response.text and "`" not in response.text.split('class="error-summary"')[1][:2000]
    assert 'aria-describedby="f-changes-2-occurrence-help f-changes-2-occurrence-error" aria-invalid="true"' in (
        response.text)
    # A row with no session is told so, beside the list of sessions.
    missing = series.client.post(SERIES_EDIT, data={**form, "changes.2.title": "Guest speaker", "action": "save"})
    assert re.search(r'id="f-changes-2-occurrence-error"><li>is required', missing.text)


def test_changed_sessions_are_out_of_the_way_until_an_event_repeats(site: DeskSite) -> None:
    before = site.files()
    page = site.client.get("/manage/new").text
    assert '<details class="changes-folded"><summary>Changed sessions of a repeating event</summary>' in page
    assert "<legend>Changed sessions</legend>" in page and "Session change" not in page
    assert 'value="add-change" class="secondary">Add a session change</button>' in page
    # Enter in a text box still previews: the form's first button is Preview, not the rows' own.
    assert page.index('<button type="submit" name="action" value="preview" hidden>') < page.index('value="add-change"')
    # A new series, and the button: a row, with the sessions of the rule typed so far to choose from.
    asked = site.client.post("/manage/new", data=new_event(site, repeat="FREQ=WEEKLY;COUNT=3", action="add-change"))
    assert asked.status_code == 200 and re.findall(r'<legend>Session change (\d)', asked.text) == ["1"]
    assert [v for v, _, _ in _options(asked.text, "changes.0.occurrence.choice")] == [
        "", "2027-04-06 13:00", "2027-04-13 13:00", "2027-04-20 13:00"]
    # Without the rule, the row takes the session typed out.
    plain = site.client.post("/manage/new", data=new_event(site, action="add-change"))
    assert 'id="f-changes-0-occurrence-text"' in plain.text and "changes.0.occurrence.choice" not in plain.text
    assert site.files() == before
    suggestion = site.client.get("/suggest").text
    assert "changes." not in suggestion and "Changed sessions" not in suggestion


def test_a_new_series_is_published_with_a_session_moved(site: DeskSite) -> None:
    data = new_event(site, repeat="FREQ=WEEKLY;COUNT=3", title="Three Tuesdays")
    data.update({"changes.0.occurrence.choice": "2027-04-13 13:00", "changes.0.start.date": "2027-04-15",
                 "changes.0.start.time": "13:00"})
    response = site.client.post("/manage/new", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    text = site.text("three-tuesdays")
    assert "changes:\n- occurrence: 2027-04-13 13:00\n  start: 2027-04-15 13:00\n" in text
