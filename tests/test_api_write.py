"""The write API for scripts: bearer tokens, create, replace with If-Match, cancel, and its refusals."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from calendar_app.desk.accounts import Accounts

from .coordinator_site import DeskSite, log_in, make_site

EVENT = {
    "slug": "nij-labor-trafficking-research",
    "fields": {
        "title": "NIJ Labor Trafficking Research Webinar",
        "type": "webinar",
        "start": "2027-05-12 14:00",
        "end": "15:00",
        "online": True,
        "sponsors": ["NIJ"],
        "topics": ["labor trafficking", "research"],
    },
    "description": "Findings from three studies.",
}


LOGGED_IN = False  # the `site` fixture's client has no session: the API takes tokens only


@pytest.fixture
def token(site: DeskSite) -> str:
    return Accounts(site.root / "coordinators.toml").issue_token("Ana Ruiz")[1]


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def create(site: DeskSite, token: str, body: dict[str, Any] = EVENT) -> Any:
    return site.client.post("/api/events", json=body, headers=bearer(token))


def test_create_with_a_token(site: DeskSite, token: str) -> None:
    response = create(site, token)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["slug"] == "nij-labor-trafficking-research" and body["sequence"] == 0
    assert body["url"] == "http://127.0.0.1:8000/events/nij-labor-trafficking-research"
    assert response.headers["etag"] == f'"{body["version"]}"' and response.headers["location"].endswith(body["slug"])
    text = site.text("nij-labor-trafficking-research")
    assert text.startswith("---\ntitle: NIJ Labor Trafficking Research Webinar\ntype: webinar\n")
    assert "online: true\n" in text and "sponsors: [NIJ]\n" in text
    assert "NIJ Labor Trafficking Research Webinar" in site.client.get("/").text
    history = site.client.app.state.desk.history.entries("nij-labor-trafficking-research", None)  # type: ignore[attr-defined]
    assert [(h.author, h.message) for h in history] == [
        ("Ana Ruiz", "Created nij-labor-trafficking-research: NIJ Labor Trafficking Research Webinar")]


def test_no_token_a_wrong_token_and_a_revoked_token_are_refused(site: DeskSite, token: str) -> None:
    for headers in ({}, bearer("cal_00000000_not-a-real-token"), bearer("garbage"), {"Authorization": "Basic eDp5"}):
        response = site.client.post("/api/events", json=EVENT, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"].startswith("Bearer")
    accounts = Accounts(site.root / "coordinators.toml")
    second = accounts.issue_token("Ana Ruiz")[1]
    accounts.revoke("Ana Ruiz", token.split("_")[1])
    assert create(site, token).status_code == 401
    assert create(site, second).status_code == 201  # the other token still works
    assert not list(site.events.rglob("*")) or "nij" in str(list(site.events.rglob("nij*")))


def test_a_logged_in_browser_session_is_not_a_token(tmp_path: Path) -> None:
    site = make_site(tmp_path)  # logged in through the form
    assert site.client.post("/api/events", json=EVENT).status_code == 401
    assert not list(site.events.rglob("nij*"))


def test_replace_needs_the_version_it_started_from(site: DeskSite, token: str) -> None:
    source = site.client.get("/api/events/screening-youth-webinar/source", headers=bearer(token))
    assert source.status_code == 200
    data = source.json()
    assert data["fields"]["title"] == "Screening Youth for Trafficking" and data["fields"]["end"] == "15:30"
    changed = {"fields": {**data["fields"], "start": "2027-03-16 14:00"}, "description": data["description"]}
    url = "/api/events/screening-youth-webinar"
    missing = site.client.put(url, json=changed, headers=bearer(token))
    assert missing.status_code == 428
    stale = site.client.put(url, json=changed, headers=bearer(token, **{"If-Match": '"0123456789abcdef0123"'}))
    assert stale.status_code == 412 and stale.headers["etag"] == source.headers["etag"]
    done = site.client.put(url, json=changed, headers=bearer(token, **{"If-Match": source.headers["etag"]}))
    assert done.status_code == 200, done.text
    assert done.json()["sequence_bumped"] is True and done.json()["changed"] == ["start"]
    text = site.text("screening-youth-webinar")
    assert 'start: "2027-03-16 14:00"\n' in text and "sequence: 1\n" in text and "# Written by hand" in text
    again = site.client.put(url, json=changed, headers=bearer(token, **{"If-Match": source.headers["etag"]}))
    assert again.status_code == 412


def test_the_source_gives_each_value_its_json_type(site: DeskSite, token: str) -> None:
    fields = {**EVENT["fields"], "recording": False, "featured": True, "sequence": 2,
              "registration": {"url": "https://www.example.org/register", "cost": "Free", "deadline": "2027-05-01"}}
    made = create(site, token, {**EVENT, "fields": fields}).json()
    source = site.client.get(f"/api/events/{made['slug']}/source", headers=bearer(token))
    assert source.status_code == 200, source.text
    got = source.json()["fields"]
    assert got["online"] is True and got["recording"] is False and got["featured"] is True
    assert got["sequence"] == 2 and got["end"] == "15:00" and got["start"] == "2027-05-12 14:00"
    assert got["registration"] == fields["registration"] and got["sponsors"] == ["NIJ"]
    assert "status" not in got  # only what the file says, no defaults filled in
    again = site.client.put(f"/api/events/{made['slug']}", json={"fields": got, "description": "Same."},
                            headers=bearer(token, **{"If-Match": made["version"]}))
    assert again.status_code == 200, again.text


def test_the_source_of_a_file_that_does_not_validate_says_why(site: DeskSite, token: str) -> None:
    path = site.events / "2027" / "broken-webinar.md"
    path.write_text("---\ntitle: Broken\ntype: webinar\nstart: 2027-05-12 14:00\nonline: maybe\n---\n")
    response = site.client.get("/api/events/broken-webinar/source", headers=bearer(token))
    assert response.status_code == 409
    assert [p["field"] for p in response.json()["problems"]] == ["online"]


def test_replace_keeps_uid_sequence_and_source_when_left_out(site: DeskSite, token: str) -> None:
    synced = {"id": "ovc-ttac", "uid": "webinar@ovc.example.org"}  # as `calendar-app sync` writes it
    made = create(site, token, {**EVENT, "fields": {**EVENT["fields"], "sequence": 4, "source": synced}}).json()
    uid_line = next(line for line in site.text(made["slug"]).splitlines() if line.startswith("uid: "))
    source_lines = "source:\n  id: ovc-ttac\n  uid: webinar@ovc.example.org\n"
    assert source_lines in site.text(made["slug"])
    fields = {k: v for k, v in EVENT["fields"].items()}
    fields["title"] = "Renamed"
    response = site.client.put(f"/api/events/{made['slug']}", json={"fields": fields},
                               headers=bearer(token, **{"If-Match": made["version"]}))
    assert response.status_code == 200, response.text
    text = site.text(made["slug"])
    assert uid_line in text and "sequence: 4\n" in text and "title: Renamed\n" in text and source_lines in text


def test_cancel_through_the_api(site: DeskSite, token: str) -> None:
    response = site.client.post("/api/events/cst-law-enforcement-columbia/cancel",
                                json={"reason": "Postponed to next year; registrants will be told."},
                                headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["sequence"] == 1
    assert "status: cancelled\n" in site.text("cst-law-enforcement-columbia")
    assert site.client.post("/api/events/no-such-event/cancel", json={"reason": "x"},
                            headers=bearer(token)).status_code == 404


BAD = [
    ({"title": "x" * 201}, "title", "is longer than 200 characters"),
    ({"title": "Line\r\nInjected"}, "title", "must be one line"),
    ({"url": "javascript:alert(1)"}, "url", "must be an http:// or https:// address"),
    ({"start": "2027-02-30 10:00"}, "start", "is not a date"),
    ({"strat": "2027-02-01"}, "strat", "unknown field"),
    ({"location": "Columbia"}, "location", "must be a mapping"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD, ids=[b[1] + "-" + b[2][:10] for b in BAD])
def test_bad_input_is_refused_field_by_field_and_nothing_changes(
    site: DeskSite, token: str, change: dict[str, Any], field: str, message: str
) -> None:
    before = site.files()
    response = create(site, token, {**EVENT, "fields": {**EVENT["fields"], **change}})
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    assert any(p["field"] == field and message in p["message"] for p in problems), problems
    assert site.files() == before


def test_bad_slugs_scripts_and_shapes_are_refused(site: DeskSite, token: str) -> None:
    before = site.files()
    for body in ({**EVENT, "slug": "../../escape"}, {**EVENT, "description": "<script>alert(1)</script>"},
                 {**EVENT, "unknown": 1}, {"fields": "not a mapping"}):
        response = create(site, token, body)
        assert response.status_code == 422, body
    huge = site.client.post("/api/events", content=b"{" + b" " * 600_000 + b"}",
                            headers=bearer(token, **{"Content-Type": "application/json"}))
    assert huge.status_code == 413
    assert site.files() == before


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID:UserWarning")  # the feeds answer GET and HEAD with one function
def test_the_write_api_is_in_the_openapi_document(site: DeskSite) -> None:
    paths = site.client.get("/openapi.json").json()["paths"]
    assert {"post"} <= set(paths["/api/events"]) and {"put"} <= set(paths["/api/events/{slug}"])
    assert "post" in paths["/api/events/{slug}/cancel"]
    schema = paths["/api/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "fields" in schema["properties"]


def test_a_named_pipe_in_the_events_folder_never_holds_a_save(site: DeskSite, token: str) -> None:
    """A FIFO named like an event file: the save, the reload after it and a restart all go on without it."""
    from calendar_app.web.app import create_app

    from .noblock import within

    os.mkfifo(site.events / "2027" / "stuck.md")
    response = within(60, lambda: create(site, token))
    assert response.status_code == 201, response.text
    assert "NIJ Labor Trafficking Research Webinar" in site.client.get("/").text
    manage = TestClient(site.client.app)
    log_in(manage)
    assert "stuck.md: is a named pipe (FIFO), not a regular file" in manage.get("/manage").text
    # Its name is taken, but it is never read or written as an event.
    replaced = within(60, lambda: site.client.put("/api/events/stuck", json={"fields": EVENT["fields"]},
                                                  headers=bearer(token, **{"If-Match": '"0"'})))
    assert replaced.status_code == 404
    again = within(60, lambda: create(site, token, {**EVENT, "slug": "stuck"}))
    assert again.status_code == 422 and "already exists" in again.text
    assert stat.S_ISFIFO((site.events / "2027" / "stuck.md").lstat().st_mode)
    restarted = within(60, lambda: create_app(site.config, site.events, watch=False, state_dir=site.root))
    assert "NIJ Labor Trafficking Research Webinar" in TestClient(restarted).get("/").text
